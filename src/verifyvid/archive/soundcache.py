"""The sound index kept on disk beside a SQLite archive (``<archive>.index/sound-*``), brought up
to date when the archive changed, as the picture index is (archive/cached.py): after additions
only the new ``sounds`` rows are read and merged in; after a removal it is rebuilt. A new index
is written to a new folder and ``sound.json`` replaced atomically, under a lock; files that
cannot be read are rebuilt once from the archive, said in one line on stderr. Reading the rows
of a large archive through SQLite costs about a second per million rows; the mapped files answer
a search by binary search, whatever the archive's size.
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

from verifyvid.archive.soundindex import SoundIndex, build
from verifyvid.archive.soundrows import video_rows
from verifyvid.case import atomic

STATE = "sound.json"
FETCH = 200_000
DAMAGED = (OSError, ValueError, EOFError, KeyError, TypeError)


class Embedded(Protocol):
    cache_dir: Path
    db: Any

    def state(self) -> tuple[int, int, int, int]: ...


def rows_after(archive: Embedded, row: int) -> tuple[np.ndarray[Any, Any], ...]:
    """(rowid, video, t, h) of every ``sounds`` row after ``row`` (not a grouped copy's), as arrays (each chunk turned
    into typed arrays at once: 20 bytes a row)."""
    cur = archive.db.execute(
        "SELECT rowid, video_id, t, h FROM sounds WHERE rowid > ? AND grouped = 0 ORDER BY rowid",
        (row,),
    )
    parts: list[tuple[np.ndarray[Any, Any], ...]] = []
    while rows := cur.fetchmany(FETCH):
        n = len(rows)
        parts.append((np.fromiter((r[0] for r in rows), np.int64, n),
                      np.fromiter((r[1] for r in rows), np.int32, n),
                      np.fromiter((r[2] for r in rows), np.float32, n),
                      np.fromiter((r[3] for r in rows), np.uint32, n)))  # fmt: skip
    if not parts:
        return (np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32),
                np.zeros(0, np.uint32))  # fmt: skip
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(4))


def sound_index(archive: Embedded) -> SoundIndex:
    """The archive's sound index, brought up to date first."""
    root = archive.cache_dir
    generation, _, _, identity = archive.state()
    try:
        state = json.loads((root / STATE).read_text())
        if (state["generation"], state["identity"]) == (generation, identity):
            return SoundIndex.open(root / state["folder"], reader(archive))
    except FileNotFoundError:
        pass
    except DAMAGED as error:
        print(f"note: the archive's sound index in {root} could not be read "
              f"({type(error).__name__}: {error}); rebuilt it from the archive", file=sys.stderr)  # fmt: skip
        (root / STATE).unlink(missing_ok=True)
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(root / ".sound.lock"):
            index = refresh(archive, root)
            index.source = reader(archive)
            return index
    except OSError:  # a read-only place: an index for this search only
        folder = Path(tempfile.mkdtemp(prefix="verifyvid-sound-"))
        try:
            _, video, t, h = rows_after(archive, 0)
            build(folder, video, t, h)
            return SoundIndex.open(folder, reader(archive))
        finally:
            shutil.rmtree(folder, ignore_errors=True)


def reader(archive: Embedded) -> Any:
    """What reads a few videos' rows from the archive itself (the second look of a sound
    search: archive/soundsearch.py)."""
    return lambda videos: video_rows(archive.db, videos)


def refresh(archive: Embedded, root: Path) -> SoundIndex:
    generation, removals, _, identity = archive.state()
    try:
        state = json.loads((root / STATE).read_text())
        old = SoundIndex.open(root / state["folder"])
        if state["identity"] != identity:
            state = None
    except (FileNotFoundError, *DAMAGED):
        state = None
    if state is not None and state["generation"] == generation:  # another process built it
        return old
    appending = state is not None and state["removals"] == removals
    rowid, video, t, h = rows_after(archive, int(state["max_row"]) if appending and state else 0)
    if appending and state is not None:
        video = np.concatenate([np.asarray(old.ids, np.int32), video])
        t = np.concatenate([np.asarray(old.t), t])
        h = np.concatenate([np.asarray(old.keys), h])
    folder = f"sound-g{generation}-{os.getpid()}"
    shutil.rmtree(root / folder, ignore_errors=True)
    (root / folder).mkdir()
    build(root / folder, video, t, h)
    max_row = (
        int(rowid.max()) if len(rowid) else (int(state["max_row"]) if appending and state else 0)
    )
    atomic.write_text(root / STATE, json.dumps({"generation": generation, "removals": removals,
                                                "identity": identity, "max_row": max_row, "folder": folder}))  # fmt: skip
    for stale in root.glob("sound-g*"):
        if stale.name != folder:
            shutil.rmtree(stale, ignore_errors=True)
    return SoundIndex.open(root / folder)
