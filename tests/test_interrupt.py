"""SIGKILL in the middle of a stage, then a re-run: a valid, complete case folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, shared_file


def slow_check(marker: Path, mode: str, *args: str | Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.slow_check", str(marker), mode, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )


def test_sigkill_mid_stage_then_resume(small_clip: Path, tmp_path: Path) -> None:
    case = tmp_path / "case"
    marker = tmp_path / "marker"
    proc = slow_check(marker, "hang", "check", small_clip, "--case", case, "--json")
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "stage never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    # nothing half-written under a final name; the manifest is valid JSON
    assert not (case / "slow").exists()
    manifest = json.loads((case / "case.json").read_text())
    assert manifest["stages"]["meta"]["status"] == "ok"
    assert "slow" not in manifest["stages"]

    done = slow_check(marker, "fast", "check", case, "--json")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err.decode()
    data = json.loads(out)
    assert data["stages"]["meta"]["status"] == "cached"
    assert data["stages"]["slow"]["status"] == "ok"
    assert (case / "slow" / "big.bin").stat().st_size == 8192
    assert not [p for p in case.iterdir() if ".tmp-" in p.name or ".trash-" in p.name]


def test_sigterm_exits_130_and_cleans_staging(small_clip: Path, tmp_path: Path) -> None:
    case = tmp_path / "case"
    marker = tmp_path / "marker"
    proc = slow_check(marker, "hang", "check", small_clip, "--case", case)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "interrupted" in err.decode() and "Traceback" not in err.decode()
    assert not [p for p in case.iterdir() if ".tmp-" in p.name]


def wait_for(marker: Path, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        assert time.monotonic() < deadline, "stage never reached"
        time.sleep(0.05)


def results(case: Path) -> dict[str, object]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(case.glob("*/result.json"))}


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["meta", "frames", "transcribe"])
def test_sigkill_in_each_stage_then_resume_equals_clean_run(tmp_path: Path, stage: str) -> None:
    speech = shared_file("media/video/moviepy_audrey_speech.mp4")
    clean = tmp_path / "clean"
    done = slow_check(tmp_path / "unused", "fast-none", "check", speech, "--case", clean, "--json")
    assert done.wait(timeout=300) == 0, done.stderr.read() if done.stderr else ""

    killed = tmp_path / "killed"
    marker = tmp_path / f"marker-{stage}"
    proc = slow_check(marker, f"hang-{stage}", "check", speech, "--case", killed, "--json")
    wait_for(marker, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (killed / stage).exists(), (
        "a stage killed before its commit left output under its final name"
    )
    json.loads((killed / "case.json").read_text())  # valid after the kill

    again = slow_check(tmp_path / "unused", "fast-none", "check", killed, "--json")
    _out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    assert results(killed) == results(clean)
    assert not [p for p in killed.iterdir() if ".tmp-" in p.name or ".trash-" in p.name]


def test_two_checks_at_once_one_waits(small_clip: Path, tmp_path: Path) -> None:
    case = tmp_path / "shared-case"
    marker = tmp_path / "marker"
    first = slow_check(marker, "hang-meta", "check", small_clip, "--case", case, "--json")
    wait_for(marker, first)
    refused = slow_check(tmp_path / "m2", "fast", "check", small_clip, "--case", case, "--no-wait")
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 2 and b"another verifyvid process is working on" in err
    waiting = slow_check(
        tmp_path / "m3", "fast-none", "check", small_clip, "--case", case, "--json"
    )
    time.sleep(1.0)
    assert waiting.poll() is None, "the second run must wait for the lock"
    first.send_signal(signal.SIGKILL)
    first.wait()
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err.decode()
    assert b"waiting for another verifyvid process" not in out  # messages go to stderr only
    data = json.loads(out)
    assert data["stages"]["meta"]["status"] == "ok"
    json.loads((case / "case.json").read_text())
