"""SIGKILL in the middle of a stage, then a re-run: a valid, complete case folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT


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
