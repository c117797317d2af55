"""The bad-input corpus: each input gives its documented exit code, one line, no traceback,
and either no case folder or a valid one."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from fixtures.synth import clip
from tests.conftest import Cli, shared_file, valid_output
from tests.corpus import CORPUS, Case
from verifyvid.case import atomic


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return clip(tmp_path_factory.mktemp("good") / "good.mp4", seconds=2)


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_corpus(cli: Cli, case: Case, good: Path, tmp_path: Path) -> None:
    shared_file("media/video/android_keyed_metadata_only.mp4")
    target = case.make(tmp_path, good)
    result = cli("check", target, "--json")
    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    data = valid_output(json.loads(result.stdout))
    assert data["exit_code"] == case.exit_code
    if case.exit_code in (2, 3):
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and case.message in lines[0], (
            lines
        )
        assert data["status"] == "error" and case.message in data["error"] and data["case"] is None
        return
    case_dir = Path(data["case"])
    manifest = json.loads((case_dir / "case.json").read_text())
    assert manifest["input"]["sha256"] == data["input"]["sha256"]
    for stage in data["stages"].values():
        assert stage["status"] in ("ok", "skipped", "failed", "unavailable")
        assert stage["reason"] is None or "\n" not in stage["reason"]
    assert cli.result("verify", case_dir)["intact"] is True
    assert (case_dir / "report.md").is_file()


def test_read_only_case_location(cli: Cli, good: Path) -> None:
    result = cli("check", good, "--case", "/proc/1/verifyvid-case")
    assert result.exit_code == 2
    assert (
        result.stderr.startswith("error: cannot create")
        and len(result.stderr.strip().splitlines()) == 1
    )


@pytest.mark.logged_errors
def test_disk_full(cli: Cli, good: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(atomic, "write_bytes", full)
    result = cli("check", good, "--json")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and "No space left on device" in lines[0] and "free disk space" in lines[0]
    )
    assert "Traceback" not in result.output


@pytest.mark.skipif(
    os.geteuid() == 0, reason="root reads any file: permissions cannot be tested as root"
)
def test_unreadable_file(cli: Cli, good: Path, tmp_path: Path) -> None:
    target = tmp_path / "locked.mp4"
    target.write_bytes(good.read_bytes())
    target.chmod(0)
    result = cli("check", target)
    assert result.exit_code == 3 and "permission denied" in result.stderr
