"""The candidate index kept on disk beside the archive, and brought up to date when it changed.

``<archive>.index/`` (SQLite only: the PostgreSQL engine searches in the server) holds
``state.json`` (the archive generation it reflects) and the folder of the current index. After
additions only the new hash rows are read from the archive; after a removal the whole index is
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
from typing import Protocol

import numpy as np
from filelock import FileLock

from verifyvid.archive.index import CandidateIndex, build
from verifyvid.archive.rows import HashRows
from verifyvid.case import atomic


class Embedded(Protocol):
    """What the candidate index needs of the embedded archive (archive/store.SqliteArchive)."""

    cache_dir: Path

    def state(self) -> tuple[int, int, int, int]: ...
    def hashes_after(self, row: int) -> HashRows: ...


STATE = "state.json"


def read_state(root: Path) -> dict[str, int | str] | None:
    try:
        state = json.loads((root / STATE).read_text())
        return state if (root / str(state["folder"])).is_dir() else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


DAMAGED = (OSError, ValueError, EOFError)  # what numpy raises on a truncated or foreign .npy


def current_index(archive: Embedded) -> CandidateIndex:
    """The archive's candidate index, brought up to date first when the archive changed (and
    rebuilt from the archive when its files are damaged)."""
    root = archive.cache_dir
    now = archive.state()
    state = read_state(root)
    if state is None and (root / STATE).is_file():
        return rebuilt(archive, root, ValueError(f"{STATE} unreadable, or its folder is gone"))
    if state is not None and (state["generation"], state.get("identity")) == (now[0], now[3]):
        try:
            return CandidateIndex(root / str(state["folder"]))
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
            return CandidateIndex(folder)  # mapped: the files outlive their names
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def rebuilt(
    archive: Embedded, root: Path, error: BaseException, locked: bool = False
) -> CandidateIndex:
    """The index built again from the archive (the source of truth), said in one line."""
    print(f"note: the archive's candidate index in {root} could not be read ({type(error).__name__}: "
          f"{error}); rebuilt it from the archive", file=sys.stderr)  # fmt: skip
    if not locked:
        with FileLock(root / ".lock"):
            return rebuilt_locked(archive, root)
    return rebuilt_locked(archive, root)


def rebuilt_locked(archive: Embedded, root: Path) -> CandidateIndex:
    (root / STATE).unlink(missing_ok=True)
    for folder in root.glob("g*"):
        shutil.rmtree(folder, ignore_errors=True)
    return refresh(archive, root)


def refresh(archive: Embedded, root: Path) -> CandidateIndex:
    generation, removals, _, identity = archive.state()
    state = read_state(root)
    if state is not None and state.get("identity") != identity:
        state = None  # an index of another archive that was at this place
    if state is not None and state["generation"] == generation:  # another process built it
        return CandidateIndex(root / str(state["folder"]))
    appending = state is not None and state["removals"] == removals
    after = int(state["max_row"]) if state is not None and appending else 0
    new = archive.hashes_after(after)
    if state is not None and appending and len(new.row) == 0:
        folder = str(state["folder"])  # nothing new (a duplicate was offered): same index
    else:
        folder = f"g{generation}-{os.getpid()}"
        rows = new
        if state is not None and appending:
            old = CandidateIndex(root / str(state["folder"]))
            rows = HashRows.concat([HashRows(np.zeros(len(old), np.int64), np.asarray(old.ids),
                                             np.asarray(old.t), np.asarray(old.hashes)), new])  # fmt: skip
        shutil.rmtree(root / folder, ignore_errors=True)  # left by a build that was killed
        (root / folder).mkdir()
        build(root / folder, rows.video, rows.t, rows.hash)
    max_row = (
        int(new.row.max())
        if len(new.row)
        else (int(state["max_row"]) if state and appending else 0)
    )
    atomic.write_text(root / STATE, json.dumps({"generation": generation, "removals": removals, "identity": identity,
                                                "max_row": max_row, "folder": folder}))  # fmt: skip
    for old_folder in root.glob("g*"):  # open readers keep their mapped files until they close
        if old_folder.name != folder:
            shutil.rmtree(old_folder, ignore_errors=True)
    return CandidateIndex(root / folder)
