"""The fuzzing harness (tests/fuzzing.py) in CI: each target meets a short budget of random input
from a fixed seed, and every crasher found before is replayed. A crash is anything but a
documented error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import fuzzing

CRASHERS = sorted(p for p in fuzzing.CRASHERS.glob("*/*") if p.is_file())


@pytest.mark.parametrize("path", CRASHERS, ids=[f"{p.parent.name}/{p.name}" for p in CRASHERS])
def test_a_crasher_found_before_is_answered(path: Path) -> None:
    fuzzing.one(path.parent.name, path.read_bytes())


@pytest.mark.parametrize("target", sorted(fuzzing.TARGETS))
def test_a_short_fuzzing_budget_finds_no_crash(target: str) -> None:
    # the same 400 inputs on every machine (a time budget would make CI's inputs depend on speed)
    runs, found = fuzzing.run_random(target, seconds=120, limit=400)
    assert runs == 400 and not found, found


def test_the_harness_catches_a_crash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """It could fail: a target that raises an undocumented error is reported and kept."""
    monkeypatch.setattr(fuzzing, "CRASHERS", tmp_path)
    monkeypatch.setitem(fuzzing.TARGETS, "broken", lambda data: 1 / (len(data) % 2))
    _, found = fuzzing.run_random("broken", seconds=0.5)
    assert len(found) == 1 and found[0].parent == tmp_path / "broken"
