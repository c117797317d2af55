"""The sound candidate index: every archived landmark hash (fingerprint/sound.py) sorted by
value, with its video and second, as plain ``.npy`` files opened with ``mmap`` (like the picture
index, archive/index.py). A clip's hash is looked up by binary search; only the rows with the
same value are read. A value held by more than ``COMMON`` rows (a jingle, a beep, a tone heard
in many videos) is skipped: it cannot tell videos or places apart.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

Array = np.ndarray[Any, Any]
COMMON = 2_000  # rows one hash value may have before it is skipped as too common
# A video whose pairs could hold a line has COARSE of them in one second of offset (chance pairs
# scatter over every offset): the server sends back only those videos' pairs
# (archive/soundrows.py), and the embedded index gives only theirs (``SoundIndex.near``).
# Over the whole clip, not within ten seconds of it: the second look wants a copy with a few
# pairs on its line wherever they are (ten-second windows lost two held-out copies under noise
# and crowd sound that the second look finds, on the sound benchmark).
COARSE = 5
FILES = ("keys", "ids", "t")


def build(folder: Path, ids: Array, times: Array, hashes: Array) -> None:
    """Write the index of (video id, second, hash) rows into ``folder``."""
    keys = np.asarray(hashes, np.uint32)
    order = np.argsort(keys, kind="stable")
    for name, array in (("keys", keys), ("ids", np.asarray(ids, np.int32)), ("t", np.asarray(times, np.float32))):  # fmt: skip
        np.save(folder / f"{name}.npy", array[order])  # one sorted copy at a time


def coarse(qt: Array, ids: Array, r: Array) -> Array:
    """Whether each pair's video has COARSE pairs in one second of offset (the server's filter,
    SERVER_SQL in archive/soundrows.py)."""
    if not len(ids):
        return np.zeros(0, bool)
    key = np.stack([np.asarray(ids, np.int64),
                    np.floor(np.asarray(r, np.float64) - np.asarray(qt)).astype(np.int64)], axis=1)  # fmt: skip
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    good = np.unique(np.asarray(ids)[counts[inverse.ravel()] >= COARSE])
    return np.isin(ids, good)


def expanded(lo: Array, counts: Array) -> tuple[Array, Array]:
    """(clip hash row, sorted row) of every row in the runs ``lo[i] : lo[i] + counts[i]``: the
    rows equal to each clip hash, in a value-sorted array."""
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    rows = np.repeat(lo - first, counts) + np.arange(total)
    return np.repeat(np.arange(len(counts)), counts), rows


Rows = tuple[Array, Array, Array]  # (video id, second, hash)


class SoundIndex:
    def __init__(
        self, keys: Array, ids: Array, t: Array, source: Callable[[Array], Rows] | None = None
    ) -> None:
        """``source``: where ``rows_of`` reads a few videos' rows (the archive, by video);
        without it they are looked for in these arrays (an index in memory)."""
        if not (len(keys) == len(ids) == len(t)):
            raise ValueError("the sound index arrays do not fit together")
        self.keys, self.ids, self.t = keys, ids, t
        self.source = source

    @staticmethod
    def open(folder: Path, source: Callable[[Array], Rows] | None = None) -> SoundIndex:
        keys, ids, t = (np.load(folder / f"{n}.npy", mmap_mode="r") for n in FILES)
        return SoundIndex(keys, ids, t, source)

    @staticmethod
    def of(ids: Array, times: Array, hashes: Array) -> SoundIndex:
        """In memory (tests, benchmarks, a few videos)."""
        order = np.argsort(np.asarray(hashes, np.uint32), kind="stable")
        return SoundIndex(np.asarray(hashes, np.uint32)[order], np.asarray(ids, np.int32)[order],
                          np.asarray(times, np.float32)[order])  # fmt: skip

    def __len__(self) -> int:
        return len(self.keys)

    def near(self, hashes: Array, times: Array | None = None) -> tuple[Array, Array, Array]:
        """(clip hash row, video id, archive second) of every archived row with the same value;
        given ``times`` (the clip's seconds), of the videos that pass ``coarse`` only, as the
        server answers."""
        h = np.asarray(hashes, np.uint32)
        lo = np.searchsorted(self.keys, h, side="left")
        hi = np.searchsorted(self.keys, h, side="right")
        counts = hi - lo
        counts[counts > COMMON] = 0
        qi, rows = expanded(lo, counts)
        ids, r = np.asarray(self.ids[rows], np.int64), np.asarray(self.t[rows], np.float32)
        if times is not None:
            keep = coarse(np.asarray(times, np.float64)[qi], ids, r)
            qi, ids, r = qi[keep], ids[keep], r[keep]
        return qi, ids, r

    def rows_of(self, videos: Array) -> Rows:
        """(video id, second, hash) of every row of ``videos``."""
        if self.source is not None:
            return self.source(videos)
        at = np.flatnonzero(np.isin(self.ids, videos))
        return (np.asarray(self.ids[at], np.int64), np.asarray(self.t[at], np.float32),
                np.asarray(self.keys[at], np.uint32))  # fmt: skip


class SoundLookup(Protocol):
    """The archived sound hashes equal to the clip's: SoundIndex (embedded, mapped files) or
    archive/soundrows.ServerSound (the PostgreSQL server's index)."""

    def __len__(self) -> int: ...
    def near(self, hashes: Array, times: Array | None = None) -> tuple[Array, Array, Array]: ...
    def rows_of(self, videos: Array) -> Rows: ...
