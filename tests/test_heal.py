"""Everything derived heals itself: a stage's files, truncated or filled with random bytes, are made
again by the next `check` (said in one line), with the same results; the archive's candidate
index, likewise, from the archive."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Cli
from tests.test_index import add
from verifyvid.archive.cached import current_index
from verifyvid.archive.store import SqliteArchive


def damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncate" else os.urandom(len(data)))


def results(case: Path) -> dict[str, object]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(case.glob("*/result.json"))}


@pytest.mark.parametrize("how", ["truncate", "random"])
def test_every_file_of_a_stage_folder_is_made_again(
    cli: Cli, small_clip: Path, tmp_path: Path, how: str
) -> None:
    case = tmp_path / "case"
    cli.json(
        "check", small_clip, "--only", "meta", "--only", "frames", "--only", "hash", "--case", case
    )
    clean = results(case)
    files = sorted(
        p for d in ("meta", "frames", "hash") for p in (case / d).rglob("*") if p.is_file()
    )
    assert len(files) >= 6
    for path in files:
        damage(path, how)
        run = cli("check", case, "--only", "meta", "--only", "frames", "--only", "hash", "--json")
        again = json.loads(run.stdout)
        assert again["exit_code"] == 0
        assert results(case) == clean, path
        stage = path.relative_to(case).parts[0]
        ran = {name: s["status"] for name, s in again["stages"].items()}
        assert ran[stage] == "ok", (path, ran)
        assert f"running the {stage} stage again" in run.stderr, path
    assert cli.result("verify", case)["intact"] is True


@pytest.mark.parametrize("how", ["truncate", "random"])
def test_every_file_of_the_index_folder_is_rebuilt(
    tmp_path: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    hashes = np.random.default_rng(7).integers(0, 256, (40, 32), dtype=np.uint8)
    add(archive, "a", hashes)
    current_index(archive)
    root = tmp_path / "archive.sqlite.index"
    files = sorted(
        p.relative_to(root) for p in root.rglob("*") if p.is_file() and p.name != ".lock"
    )
    assert files
    capsys.readouterr()
    for rel in files:
        target = root / rel
        if not target.is_file():  # a rebuild may name its folder anew
            continue
        damage(target, how)
        index = current_index(archive)
        assert len(index) == 40 and len(index.near(hashes[:3], 0)[0]) == 3, rel
        assert "rebuilt it from the archive" in capsys.readouterr().err, rel
