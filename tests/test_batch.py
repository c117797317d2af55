"""`verifyvid batch`: one JSON line per input, parallel processes, resume, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.synth import clip
from tests.conftest import VIDEO, Cli, shared_file, valid_output


def lines(stdout: str) -> list[dict[str, Any]]:
    """The JSON lines of a batch, each checked against the one output schema."""
    return [valid_output(json.loads(line)) for line in stdout.splitlines() if line.strip()]


@pytest.mark.slow
def test_batch_over_shared_videos(cli: Cli) -> None:
    shared_file("media/video/gopro_hero7.mp4")
    result = cli("batch", VIDEO, "--jobs", "2", "--jsonl")
    assert result.exit_code == 4  # android_keyed_metadata_only.mp4 cannot be decoded
    out = lines(result.stdout)
    assert sorted(Path(o["input"]["path"]).name for o in out) == sorted(
        p.name for p in VIDEO.iterdir()
    )
    broken = [o for o in out if o["exit_code"] != 0]
    assert [Path(o["input"]["path"]).name for o in broken] == ["android_keyed_metadata_only.mp4"]
    assert all(o["case"] and Path(str(o["case"])).is_dir() for o in out)


def test_batch_list_resume_and_bad_inputs(cli: Cli, tmp_path: Path) -> None:
    good = clip(tmp_path / "good one.mp4", seconds=1)
    (tmp_path / "bad.mp4").write_text("not a video")
    listing = tmp_path / "inputs.txt"
    listing.write_text(f"# evidence\n{good}\n{tmp_path / 'bad.mp4'}\n{tmp_path / 'missing.mp4'}\n")
    result = cli("batch", f"@{listing}", "--jobs", "2", "--json")
    assert result.exit_code == 4
    out = {Path(o["input"]["path"]).name: o for o in lines(result.stdout)}
    assert out["good one.mp4"]["exit_code"] == 0 and out["good one.mp4"]["status"] == "ok"
    assert out["bad.mp4"]["exit_code"] == 3 and "not a media file" in str(out["bad.mp4"]["error"])
    assert out["missing.mp4"]["exit_code"] == 2 and out["missing.mp4"]["status"] == "error"
    assert "partial: 2 of 3 inputs did not complete" in result.stderr
    again = cli("batch", str(good), "--jsonl")
    assert again.exit_code == 0
    (line,) = lines(again.stdout)
    assert {s["status"] for s in line["stages"].values()} <= {"cached", "skipped"}


def test_batch_with_nothing(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = cli("batch", tmp_path / "empty")
    assert result.exit_code == 2 and "no input found" in result.stderr


def test_batch_passes_check_stage_options_to_each_input(cli: Cli, tmp_path: Path) -> None:
    listing = tmp_path / "inputs.txt"
    clips = [clip(tmp_path / f"clip{n}.mp4", seconds=1) for n in range(2)]
    listing.write_text("".join(f"{c}\n" for c in clips))
    result = cli("batch", f"@{listing}", "--skip", "transcribe", "--jsonl")
    assert result.exit_code == 0, result.stderr
    for line in lines(result.stdout):
        transcribe = line["stages"]["transcribe"]
        assert transcribe["status"] == "skipped" and "--skip" in str(transcribe["reason"])
    only = cli("batch", f"@{listing}", "--only", "meta", "--claim-date", "2022-01-05", "--jsonl")
    for line in lines(only.stdout):
        assert set(line["stages"]) == {"meta"}
        manifest = json.loads((Path(str(line["case"])) / "case.json").read_text())
        assert manifest["claims"]["date"] == "2022-01-05"
