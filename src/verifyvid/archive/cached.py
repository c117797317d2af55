"""The candidate index kept on disk beside the archive, and brought up to date when it changed.

``<archive>.index/`` (SQLite only: the PostgreSQL engine searches in the server) holds
``state.json`` (the archive generation it reflects) and the folders of the current index: a
base, and a delta of the rows added since the base was built. A search reads the few rows added
since the last build (``TAIL``) from the archive itself and compares them whole, so adding a
video costs no build; past ``TAIL`` new rows only the delta is built again, and the base is
merged with them once they reach ``MERGE`` of its size. After a removal the whole index is
rebuilt. A new index is built in a new folder and ``state.json`` is replaced atomically, so a
search never reads a half-written index; a lock keeps two processes from building at once.

The index is derived data: when its files cannot be read (truncated, deleted, mixed up), it is
rebuilt once from the archive, with one line on stderr saying so, and the search goes on.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from filelock import FileLock

from verifyvid.archive.index import CandidateIndex, build, pairs_within
from verifyvid.archive.rows import HashRows
from verifyvid.case import atomic


class Embedded(Protocol):
    """What the candidate index needs of the embedded archive (archive/store.SqliteArchive)."""

    cache_dir: Path

    def state(self) -> tuple[int, int, int, int]: ...
    def hashes_after(self, row: int) -> HashRows: ...


STATE = "state.json"
TAIL = 20_000  # rows added since the last build that a search compares whole (~0.1 s)
MERGE = 0.1  # the delta is merged into the base when it holds this share of the base's rows
SMALL, COMPARED = 50_000, 20_000_000  # a part of up to SMALL rows is compared whole (~0.05 s
# for COMPARED query x index rows) rather than set up its 16 tables for a few lookups

Array = np.ndarray[Any, Any]


class Layered:
    """The base index, the delta index and the rows added since: one candidate index."""

    def __init__(self, parts: list[CandidateIndex], tail: HashRows) -> None:
        self.parts, self.tail = parts, tail

    def __len__(self) -> int:
        return sum(len(p) for p in self.parts) + len(self.tail.row)

    def near(
        self, queries: Array, radius: int, flips: int = 1
    ) -> tuple[Array, Array, Array, Array]:
        found = []
        for p in self.parts:
            if (
                len(p) <= SMALL and len(queries) * len(p) <= COMPARED
            ):  # compared whole: no table set-up
                qi, hi, d = pairs_within(queries, np.asarray(p.hashes), radius, flips)
                found.append((qi, np.asarray(p.ids)[hi], np.asarray(p.t)[hi], d))
            else:
                found.append(p.near(queries, radius, flips))
        qi, hi, d = pairs_within(queries, self.tail.hash, radius, flips)
        found.append((qi, self.tail.video[hi], self.tail.t[hi], d))
        qi, vid, t, d = (np.concatenate([f[k] for f in found]) for k in range(4))
        return qi, vid, t, d

    def rows_of(self, video: int) -> tuple[Array, Array]:
        for p in self.parts:
            if p.holds(video):
                return p.rows_of(video)
        sel = self.tail.video == video
        return self.tail.t[sel], self.tail.hash[sel]


def opened(root: Path, state: dict[str, Any], tail: HashRows | None = None) -> Layered:
    parts = [CandidateIndex(root / str(state["folder"]))]
    if state.get("delta"):
        parts.append(CandidateIndex(root / str(state["delta"])))
    return Layered(parts, tail if tail is not None else HashRows.concat([]))


def latest(state: dict[str, Any]) -> int:
    """The last hash row the built folders hold."""
    return int(state.get("delta_row") or state["max_row"])


def read_state(root: Path) -> dict[str, Any] | None:
    try:
        state = json.loads((root / STATE).read_text())
        folders = [state["folder"], *([state["delta"]] if state.get("delta") else [])]
        return state if all((root / str(f)).is_dir() for f in folders) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


DAMAGED = (OSError, ValueError, EOFError)  # what numpy raises on a truncated or foreign .npy


def current_index(archive: Embedded) -> Layered:
    """The archive's candidate index, brought up to date first when the archive changed (and
    rebuilt from the archive when its files are damaged)."""
    root = archive.cache_dir
    now = archive.state()
    state = read_state(root)
    if state is None and (root / STATE).is_file():
        return rebuilt(archive, root, ValueError(f"{STATE} unreadable, or its folder is gone"))
    if state is not None and (state["generation"], state.get("identity")) == (now[0], now[3]):
        try:
            return opened(root, state)
        except DAMAGED as error:
            return rebuilt(archive, root, error)
    if (state is not None and (state["removals"], state.get("identity")) == (now[1], now[3])
            and now[2] - latest(state) <= TAIL):  # fmt: skip
        try:  # a few rows added since: read beside the folders, nothing built
            return opened(root, state, archive.hashes_after(latest(state)))
        except DAMAGED as error:
            return rebuilt(archive, root, error)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(root / ".lock"):
            try:
                return refresh(archive, root)
            except DAMAGED as error:
                if not (root / STATE).exists():
                    raise  # nothing derived to blame: a read-only or full place
                return rebuilt(archive, root, error, locked=True)
    except OSError:  # a read-only place: an index for this search only
        folder = Path(tempfile.mkdtemp(prefix="verifyvid-index-"))
        try:
            rows = archive.hashes_after(0)
            build(folder, rows.video, rows.t, rows.hash)
            return Layered(
                [CandidateIndex(folder)], HashRows.concat([])
            )  # mapped: the files outlive their names
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def rebuilt(archive: Embedded, root: Path, error: BaseException, locked: bool = False) -> Layered:
    """The index built again from the archive (the source of truth), said in one line."""
    print(f"note: the archive's candidate index in {root} could not be read ({type(error).__name__}: "
          f"{error}); rebuilt it from the archive", file=sys.stderr)  # fmt: skip
    if not locked:
        with FileLock(root / ".lock"):
            return rebuilt_locked(archive, root)
    return rebuilt_locked(archive, root)


def rebuilt_locked(archive: Embedded, root: Path) -> Layered:
    (root / STATE).unlink(missing_ok=True)
    for folder in [*root.glob("g*"), *root.glob("d*")]:
        shutil.rmtree(folder, ignore_errors=True)
    return refresh(archive, root)


def refresh(archive: Embedded, root: Path) -> Layered:
    generation, removals, last, identity = archive.state()
    state = read_state(root)
    if state is not None and state.get("identity") != identity:
        state = None  # an index of another archive that was at this place
    if state is not None and state["generation"] == generation:  # another process built it
        return opened(root, state)
    appending = state is not None and state["removals"] == removals
    if state is not None and appending and last - latest(state) <= TAIL:  # built meanwhile
        return opened(root, state, archive.hashes_after(latest(state)))
    base = CandidateIndex(root / str(state["folder"])) if state is not None and appending else None
    if state is not None and base is not None and last - int(state["max_row"]) <= MERGE * len(base):
        new = archive.hashes_after(int(state["max_row"]))  # a delta: the rows since the base
        delta = f"d{generation}-{os.getpid()}"
        write(root / delta, new)
        state = {**state, "generation": generation, "delta": delta, "delta_row": mark(last, new)}
    else:
        new = archive.hashes_after(
            int(state["max_row"]) if state is not None and base is not None else 0
        )
        rows = new
        if base is not None:
            rows = HashRows.concat([HashRows(np.zeros(len(base), np.int64), np.asarray(base.ids),
                                             np.asarray(base.t), np.asarray(base.hashes)), new])  # fmt: skip
        folder = f"g{generation}-{os.getpid()}"
        write(root / folder, rows)
        state = {"generation": generation, "removals": removals, "identity": identity,
                 "max_row": mark(last, new), "folder": folder}  # fmt: skip
    atomic.write_text(root / STATE, json.dumps(state))
    keep = {state["folder"], state.get("delta")}
    for old_folder in [*root.glob("g*"), *root.glob("d*")]:  # open readers keep their mapped files
        if old_folder.name not in keep:
            shutil.rmtree(old_folder, ignore_errors=True)
    return opened(root, state)


def mark(last: int, new: HashRows) -> int:
    """The last hash row a build has passed: the archive's last when it was asked (the rows up
    to it that are not in the index are grouped copies', never indexed), or a later row read
    since (ids grow in commit order)."""
    return max(last, int(new.row.max()) if len(new.row) else 0)


def write(folder: Path, rows: HashRows) -> None:
    shutil.rmtree(folder, ignore_errors=True)  # left by a build that was killed
    folder.mkdir()
    build(folder, rows.video, rows.t, rows.hash)
