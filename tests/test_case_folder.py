"""Atomic writes, manifests, settings precedence."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from verifyvid.case import atomic
from verifyvid.case.folder import read_manifest, safe_stem
from verifyvid.config import load_settings
from verifyvid.errors import CaseError, UsageError


def test_atomic_write_leaves_old_file_on_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f.json"
    atomic.write_text(target, "old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic.write_text(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.json"]


def test_replace_dir_swaps_whole_folders(tmp_path: Path) -> None:
    final, staging = tmp_path / "meta", tmp_path / ".meta.tmp-1"
    final.mkdir()
    (final / "old.txt").write_text("old")
    staging.mkdir()
    (staging / "new.txt").write_text("new")
    atomic.replace_dir(staging, final)
    assert [p.name for p in final.iterdir()] == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta"]


def test_safe_stem() -> None:
    assert safe_stem("my clip (1).mp4") == "my_clip_1"
    assert safe_stem("Атака; rm -rf $HOME.mov") == "Атака_rm_-rf_HOME"
    assert safe_stem("....mp4") == "input"


def test_damaged_manifest(tmp_path: Path) -> None:
    (tmp_path / "case.json").write_text("{not json")
    with pytest.raises(CaseError, match="is damaged"):
        read_manifest(tmp_path)
    (tmp_path / "case.json").write_text(json.dumps({"schema_version": 99}))
    with pytest.raises(CaseError, match="schema version 99"):
        read_manifest(tmp_path)


def test_settings_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "verifyvid.toml"
    config.write_text(
        'cases_dir = "from-file"\nindex = "file.db"\n[stages.meta]\nexiftool = false\n'
    )
    s = load_settings(config)
    assert s.cases_dir == Path("from-file") and s.index == "file.db"
    assert s.stages == {"meta": {"exiftool": False}}
    monkeypatch.setenv("VERIFYVID_CASES_DIR", "from-env")
    s = load_settings(config)
    assert s.cases_dir == Path("from-env") and s.index == "file.db"
    s = load_settings(config, cases_dir=Path("from-flag"))
    assert s.cases_dir == Path("from-flag")


def test_default_config_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "config" / "verifyvid" / "verifyvid.toml"
    path.parent.mkdir(parents=True)
    path.write_text('cases_dir = "elsewhere"\n')
    assert load_settings().cases_dir == Path("elsewhere")


def test_bad_config(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        load_settings(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("cases_dir = [")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_settings(bad)
    bad.write_text("nonsense = 1\n")
    with pytest.raises(UsageError, match="bad setting nonsense"):
        load_settings(bad)


def test_config_stage_params_reach_stage(cli, small_clip: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "v.toml"
    config.write_text("[stages.meta]\nexiftool = false\n")
    data = cli.json("check", small_clip, "--config", config)
    manifest = json.loads((Path(data["case"]) / "case.json").read_text())
    assert manifest["stages"]["meta"]["params"] == {"exiftool": False, "ffprobe": True}
