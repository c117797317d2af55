"""The candidate index (multi-index hashing on mapped files) and its upkeep beside the archive."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from verifyvid.archive import cached
from verifyvid.archive.cached import Layered, current_index
from verifyvid.archive.copies import CopyOf
from verifyvid.archive.index import CandidateIndex, build, pairs_within
from verifyvid.archive.store import SqliteArchive, Video, bump

Array = np.ndarray[Any, Any]


def flip_bits(h: Array, n: int, rng: np.random.Generator) -> Array:
    bits = np.unpackbits(h)
    bits[rng.choice(256, n, replace=False)] ^= 1
    return np.packbits(bits)


def brute_force(queries: Array, hashes: Array, radius: int) -> set[tuple[int, int, int]]:
    d = np.unpackbits(queries[:, None, :] ^ hashes[None, :, :], axis=2).sum(axis=2)
    qi, ai = np.nonzero(d <= radius)
    return {(int(q), int(a), int(d[q, a])) for q, a in zip(qi, ai, strict=True)}


@pytest.fixture
def planted(tmp_path: Path) -> tuple[CandidateIndex, Array, Array]:
    """2000 random archive hashes; 60 queries at 0-40 bits from archive rows, 20 random ones."""
    rng = np.random.default_rng(7)
    hashes = rng.integers(0, 256, (2000, 32), dtype=np.uint8)
    near = [flip_bits(hashes[i * 30], i % 41, rng) for i in range(60)]
    queries = np.vstack([np.array(near), rng.integers(0, 256, (20, 32), dtype=np.uint8)])
    build(tmp_path, np.arange(2000) // 100, np.arange(2000, dtype=np.float32) / 2, hashes)
    return CandidateIndex(tmp_path), queries, hashes


def test_range_search_is_exact_with_one_flip(planted: tuple[CandidateIndex, Array, Array]) -> None:
    index, queries, hashes = planted
    qi, ai, d = index.range_search(queries, 31, flips=1)
    got = {(int(q), int(a), int(x)) for q, a, x in zip(qi, ai, d, strict=True)}
    truth = brute_force(queries, hashes, 31)
    assert got == truth and len(truth) >= 45  # the planted pairs at 0-31 bits, nothing else
    assert all(dist <= 31 for _, _, dist in got)


def test_range_search_without_flips_finds_every_pair_within_15(
    planted: tuple[CandidateIndex, Array, Array],
) -> None:
    index, queries, hashes = planted
    qi, ai, d = index.range_search(queries, 31, flips=0)
    got = {(int(q), int(a), int(x)) for q, a, x in zip(qi, ai, d, strict=True)}
    truth = brute_force(queries, hashes, 31)
    assert got <= truth
    assert {p for p in truth if p[2] <= 15} <= got


@pytest.mark.parametrize("flips", [0, 1])
@pytest.mark.parametrize("radius", [15, 40])
def test_pairs_within_keeps_what_the_index_keeps(
    planted: tuple[CandidateIndex, Array, Array], flips: int, radius: int
) -> None:
    """The server engine compares a named video's rows in the client (archive/server.py): the
    same pairs as the index, in the same order, or its matches would differ."""
    index, queries, hashes = planted
    qi, ai, d = index.range_search(queries, radius, flips=flips)
    order = np.lexsort((ai, qi))
    got = pairs_within(queries, hashes, radius, flips, block=7)  # blocks that do not divide 80
    assert [a.tolist() for a in got] == [qi[order].tolist(), ai[order].tolist(), d[order].tolist()]
    assert len(qi) >= 10


def test_no_candidate_at_all(planted: tuple[CandidateIndex, Array, Array]) -> None:
    index, _, hashes = planted
    far = np.unpackbits(hashes[:1]) ^ 1  # every bit flipped: no substring in common
    qi, ai, d = index.range_search(np.packbits(far)[None, :], 31)
    assert len(qi) == len(ai) == len(d) == 0


def add(archive: SqliteArchive, name: str, hashes: Array) -> int:
    video = Video(0, name * 8, name, None, None, float(len(hashes)), None, "")
    vid, added = archive.add(video, np.arange(len(hashes), dtype=np.float32), hashes)
    assert added
    return vid


def ids_of(index: Layered, hashes: Array) -> set[int]:
    """The videos holding these very hashes."""
    return {int(v) for v in index.near(hashes, 0)[1]}


def test_index_follows_the_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few new rows are read beside the built index; more get a delta index, merged into the
    base past a share of it; a removal rebuilds it."""
    rng = np.random.default_rng(3)
    a, b, c, d = (rng.integers(0, 256, (50, 32), dtype=np.uint8) for _ in range(4))
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    root = tmp_path / "archive.sqlite.index"
    first = add(archive, "a", a)
    index = current_index(archive)
    assert len(index) == 50
    state = json.loads((root / "state.json").read_text())
    second = add(archive, "b", b)  # a few rows: read beside it, nothing built
    index = current_index(archive)
    assert len(index) == 100 and ids_of(index, b[:5]) == {second} and ids_of(index, a) == {first}
    assert json.loads((root / "state.json").read_text()) == state
    monkeypatch.setattr(cached, "TAIL", 0)
    monkeypatch.setattr(cached, "MERGE", 2.0)
    third = add(archive, "c", c)  # a delta of the rows since the base
    index = current_index(archive)
    assert len(index) == 150 and ids_of(index, c) == {third} and ids_of(index, b) == {second}
    delta = json.loads((root / "state.json").read_text())
    assert delta["folder"] == state["folder"] and (root / delta["delta"]).is_dir()
    monkeypatch.setattr(cached, "MERGE", 0.1)
    fourth = add(archive, "d", d)  # merged: one base again
    index = current_index(archive)
    assert len(index) == 200 and ids_of(index, d) == {fourth} and ids_of(index, a) == {first}
    merged = json.loads((root / "state.json").read_text())
    assert not merged.get("delta") and not (root / str(state["folder"])).exists()
    assert archive.remove(first)  # a removal rebuilds it
    index = current_index(archive)
    assert len(index) == 150 and ids_of(index, a) == set() and ids_of(index, b) == {second}
    assert len(list(root.glob("g*"))) == 1 and not list(root.glob("d*"))


def test_grouped_rows_do_not_make_the_index_build_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A grouped copy's rows are not indexed; once a build has passed them, a later change
    without new indexed rows reads nothing and builds nothing."""
    rng = np.random.default_rng(6)
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    root = tmp_path / "archive.sqlite.index"
    first = add(archive, "a", rng.integers(0, 256, (50, 32), dtype=np.uint8))
    current_index(archive)
    monkeypatch.setattr(cached, "TAIL", 0)
    monkeypatch.setattr(cached, "MERGE", 2.0)
    copy = Video(0, "c" * 8, "c", None, None, 30.0, None, "")
    archive.add(copy, np.arange(30, dtype=np.float32), rng.integers(0, 256, (30, 32), dtype=np.uint8),
                copy_of=CopyOf(first, 0.0, 1.0, 5.0, 1.0))  # fmt: skip
    assert len(current_index(archive)) == 50  # the copy's rows are left out
    built = json.loads((root / "state.json").read_text())
    with archive.db:
        bump(archive.db, removal=False)
    assert len(current_index(archive)) == 50
    assert json.loads((root / "state.json").read_text()) == built  # nothing built again


def test_a_change_without_new_rows_keeps_the_index(tmp_path: Path) -> None:
    """PostgreSQL bumps the generation even when the video offered was a duplicate."""
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    add(archive, "a", np.random.default_rng(1).integers(0, 256, (20, 32), dtype=np.uint8))
    current_index(archive)
    root = tmp_path / "archive.sqlite.index"
    before = json.loads((root / "state.json").read_text())
    with archive.db:
        bump(archive.db, removal=False)
    assert len(current_index(archive)) == 20
    after = json.loads((root / "state.json").read_text())
    assert after == before and len(list(root.glob("g*"))) == 1  # nothing built


def test_read_only_cache_place_still_searches(tmp_path: Path) -> None:
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    hashes = np.random.default_rng(2).integers(0, 256, (30, 32), dtype=np.uint8)
    add(archive, "a", hashes)
    (tmp_path / "archive.sqlite.index").write_text("a file where the folder would go")
    index = current_index(archive)
    assert len(index) == 30 and len(index.near(hashes[:3], 0)[0]) == 3


def test_another_archive_at_the_same_place_gets_its_own_index(tmp_path: Path) -> None:
    """A file replaced (or a database dropped and recreated) starts its counters again."""
    rng = np.random.default_rng(4)
    path = tmp_path / "archive.sqlite"
    first = SqliteArchive(path)
    add(first, "a", rng.integers(0, 256, (40, 32), dtype=np.uint8))
    add(first, "b", rng.integers(0, 256, (40, 32), dtype=np.uint8))
    assert len(current_index(first)) == 80
    first.close()
    path.unlink()
    second = SqliteArchive(path)
    fresh = rng.integers(0, 256, (30, 32), dtype=np.uint8)
    for name in ("c", "d"):  # the same generation (2) as the first archive had
        vid = add(second, name, fresh)
    index = current_index(second)
    assert len(index) == 60 and ids_of(index, fresh) <= {1, vid}
    assert len(index.near(fresh[:2], 0)[0]) == 4  # both videos hold these; none of the first


@pytest.mark.parametrize("damage", ["truncate", "delete", "swap"])
def test_a_damaged_index_is_rebuilt_from_the_archive(
    tmp_path: Path, damage: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The index is derived: a truncated, missing or foreign file is rebuilt once, in one line."""
    archive = SqliteArchive(tmp_path / "archive.sqlite")
    hashes = np.random.default_rng(5).integers(0, 256, (40, 32), dtype=np.uint8)
    add(archive, "a", hashes)
    current_index(archive)
    root = tmp_path / "archive.sqlite.index"
    (folder,) = root.glob("g*")
    target = folder / "order.npy"
    if damage == "truncate":
        target.write_bytes(target.read_bytes()[:90])
    elif damage == "delete":
        target.unlink()
    else:
        np.save(target, np.zeros(3, np.uint32))
    index = current_index(archive)
    assert len(index) == 40 and len(index.near(hashes[:3], 0)[0]) == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rebuilt it from the archive" in err
    current_index(archive)  # healed: no second note
    assert capsys.readouterr().err == ""
