"""Acquisition from links (a local HTTP server stands in for the platforms) and .info.json import."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from verifyvid.case.folder import read_manifest


@pytest.fixture
def server(tmp_path: Path, small_clip: Path) -> Iterator[str]:
    root = tmp_path / "www"
    root.mkdir()
    shutil.copy(small_clip, root / "clip.mp4")
    (root / "post.html").write_text(
        '<html><head><title>Statement</title><meta property="og:title" content="Liberation front statement">'
        '<meta property="og:video" content="/clip.mp4"></head><body></body></html>'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.mark.parametrize("page", ["clip.mp4", "post.html"])
def test_check_a_link(cli: Cli, server: str, small_clip: Path, page: str) -> None:
    url = f"{server}/{page}"
    data = cli.json("check", url)
    assert data["input"]["url"] == url
    assert all(s["status"] in ("ok", "skipped") for s in data["stages"].values()), data["stages"]
    case = Path(data["case"])
    manifest = read_manifest(case)
    assert manifest.input.url == url
    assert Path(manifest.input.path).parent == (case / "source").resolve()
    assert manifest.stages["acquire"].status == "ok"
    assert manifest.source is not None and manifest.source.tool.startswith("yt-dlp ")
    assert {f.path for f in manifest.source.files} >= {f"source/{Path(manifest.input.path).name}"}
    summary = json.loads((case / "acquire" / "result.json").read_text())
    assert summary["url"] == url and summary["captured"] and summary["tool"].startswith("yt-dlp ")
    assert summary["sha256"] == data["input"]["sha256"]
    assert (case / summary["file"]).read_bytes() == small_clip.read_bytes()
    assert summary["info_json"].startswith("source/") and summary["info_json"].endswith(
        ".info.json"
    )
    if page == "post.html":
        assert summary["title"] == "Liberation front statement"
    report = Path(data["report"]).read_text()
    assert "## Source" in report, report
    assert "downloaded by verifyvid" in report, report
    assert cli.result("verify", case)["intact"] is True


def test_acquire_command(cli: Cli, server: str, tmp_path: Path) -> None:
    data = cli.json("acquire", f"{server}/clip.mp4", "--case", tmp_path / "c", "--max-size", "50M")
    assert data["case"] == str((tmp_path / "c").resolve()) and data["result"]["extractor"]
    assert "meta" not in read_manifest(tmp_path / "c").stages


def test_size_limit(cli: Cli, server: str, tmp_path: Path) -> None:
    result = cli("acquire", f"{server}/clip.mp4", "--max-size", "1k")
    assert result.exit_code == 3 and "larger than --max-size" in result.stderr
    assert not Path("cases").exists()


def test_unreachable_link_exits_3_without_debris(cli: Cli, tmp_path: Path) -> None:
    result = cli("check", "http://127.0.0.1:9/missing.mp4")
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "error: could not acquire http://127.0.0.1:9/missing.mp4"
    )
    assert "Traceback" not in result.output
    assert not Path("cases").exists()


def test_info_json_beside_local_file(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    media = tmp_path / "post.mp4"
    shutil.copy(small_clip, media)
    info = {"id": "123", "extractor_key": "Telegram", "uploader": "front_channel", "title": "Statement",
            "timestamp": 1641340800, "webpage_url": "https://t.me/front_channel/123", "view_count": 4200}  # fmt: skip
    (tmp_path / "post.info.json").write_text(json.dumps(info))
    data = cli.json("check", media, "--claim-date", "2022-01-10")
    report = Path(data["report"]).read_text()
    assert "| 2022-01-05 00:00:00 | uploaded to Telegram by front\\_channel |" in report
    assert (
        "the earliest known appearance: first uploaded 2022-01-05, before the claimed date"
        in report
    )
    assert any(
        f["id"] == "claims.date"
        for f in json.loads(
            cli("report", data["case"], "-f", "json", "-o", tmp_path / "r.json").stdout
            and (tmp_path / "r.json").read_text()
        )["findings"]
    )


def test_a_local_file_has_no_source(cli: Cli, small_clip: Path) -> None:
    data = cli.json("check", small_clip, "--only", "acquire")
    assert data["stages"]["acquire"]["status"] == "skipped"
    assert "--info-json" in data["stages"]["acquire"]["reason"]
    assert read_manifest(Path(data["case"])).source is None
    assert "## Source" not in Path(data["report"]).read_text()


def test_importing_an_info_json_later_reruns_the_stage(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    media = tmp_path / "clip.mp4"
    shutil.copy(small_clip, media)
    first = cli.json("check", media, "--only", "acquire")
    assert first["stages"]["acquire"]["status"] == "skipped"
    info = tmp_path / "saved.info.json"
    info.write_text(
        json.dumps({"extractor_key": "Twitter", "uploader": "someone", "upload_date": "20190301"})
    )
    again = cli.json("check", media, "--only", "acquire", "--info-json", info)
    assert again["case"] == first["case"] and again["stages"]["acquire"]["status"] == "ok"
    result = json.loads((Path(again["case"]) / "acquire" / "result.json").read_text())
    assert result["uploader"] == "someone" and result["upload_time"].startswith("2019-03-01")
    assert result["url"] is None and result["captured"] is None
    assert cli.json("check", media, "--only", "acquire")["stages"]["acquire"]["status"] == "cached"
    assert cli.result("verify", again["case"])["intact"] is True


def test_a_case_from_before_the_stage_keeps_its_source(cli: Cli, server: str) -> None:
    """case.json written when acquisition was a hand-made step: its source/ files stay covered
    by verify and the stage runs on the next check."""
    data = cli.json("check", f"{server}/clip.mp4", "--only", "acquire")
    case = Path(data["case"])
    raw = json.loads((case / "case.json").read_text())
    source = raw.pop("source")
    shutil.rmtree(case / "acquire")
    raw["stages"]["acquire"] = {"name": "acquire", "version": "1", "status": "ok", "started": source["captured"],
                                "params": {"url": f"{server}/clip.mp4"}, "files": source["files"]}  # fmt: skip
    (case / "case.json").write_text(json.dumps(raw))
    manifest = read_manifest(case)
    assert manifest.source is not None and manifest.source.files == read_manifest(case).source.files
    assert "acquire" not in manifest.stages and manifest.source.captured is not None
    assert cli.result("verify", case)["intact"] is True
    again = cli.json("check", case, "--only", "acquire")
    assert again["stages"]["acquire"]["status"] == "ok"
