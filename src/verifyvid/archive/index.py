"""The candidate index: every archive hash within a Hamming radius of a query hash, without
comparing against every stored hash, from files that open in milliseconds.

Multi-index hashing (Norouzi, Punjani and Fleet, 2012): the 256 bits are cut into 16 substrings
of 16 bits, and for each substring the archive rows are sorted by its value (``order``) with the
start of each value's run (``starts``). Two hashes within distance 31 share at least one
substring within one bit (pigeonhole over 16 substrings), and within 15 bits share at least one
identical substring. A query looks up its own 16 values (and, with ``flips=1``, the 16 one-bit
neighbours of each), then measures the exact distance to every candidate.

FAISS's ``IndexBinaryMultiHash`` does the same lookup, but it rebuilds its hash tables in memory
whenever it is read (0.4 s per million hashes on these machines, before the first query), so a
10-million-hash archive could not answer within a second of process start. These arrays are
plain ``.npy`` files opened with ``mmap``: nothing is read until a bucket is looked at.
"""

from __future__ import annotations

import contextlib
import mmap
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

TABLES = 16
BUCKETS = 1 << 16
CHUNK = 4_000_000  # candidate pairs measured at once (bounds memory: ~200 MB per chunk)
RELEASE_OVER = 4_000_000  # rows over which a search gives back the pages it read (release)

Array = np.ndarray[Any, Any]


def release(array: Array, start: int = 0, stop: int | None = None) -> None:
    """Unmap the pages of a mapped array's rows ``start:stop`` that this process touched (they
    stay in the file cache): a search reads about all of a large index once, a table at a time,
    and its memory need not hold it all at once. A no-op for arrays in memory."""
    buffer = getattr(array, "_mmap", None)
    if buffer is None or not hasattr(buffer, "madvise"):
        return
    row = array.strides[0] if array.ndim else array.itemsize
    header = int(getattr(array, "offset", 0))
    begin = header + start * row
    end = header + (len(array) if stop is None else stop) * row
    begin -= begin % mmap.PAGESIZE
    with contextlib.suppress(OSError, ValueError):  # an advice, not a need
        buffer.madvise(mmap.MADV_DONTNEED, begin, max(0, min(end, len(buffer)) - begin))


def substrings(hashes: Array) -> Array:
    """(N, 16) 16-bit values of N packed 256-bit hashes."""
    return np.ascontiguousarray(hashes, np.uint8).view(">u2").astype(np.int64)


def build(folder: Path, ids: Array, times: Array, hashes: Array) -> None:
    """Write the index of (video id, time, hash) rows into ``folder`` (an empty new folder)."""
    keys = np.ascontiguousarray(hashes, np.uint8).view(">u2")
    order = np.empty((TABLES, len(hashes)), np.uint32)
    starts = np.empty((TABLES, BUCKETS + 1), np.int64)
    for k in range(TABLES):
        column = keys[:, k].astype(np.uint16)  # one table at a time: memory stays ~ N x 12 bytes
        order[k] = np.argsort(column, kind="stable")
        starts[k] = np.searchsorted(column[order[k]], np.arange(BUCKETS + 1))
    for name, array in (("ids", ids.astype(np.int64)), ("t", times.astype(np.float32)),
                        ("hashes", np.ascontiguousarray(hashes, np.uint8)), ("order", order), ("starts", starts)):  # fmt: skip
        np.save(folder / f"{name}.npy", array)


class CandidateIndex:
    def __init__(self, folder: Path) -> None:
        def load(name: str) -> Array:
            array: Array = np.load(folder / f"{name}.npy", mmap_mode="r")
            return array

        self.ids, self.t, self.hashes = load("ids"), load("t"), load("hashes")
        self.order, self.starts = load("order"), load("starts")
        n = len(self.ids)
        if (len(self.t), self.hashes.shape, self.order.shape, self.starts.shape) != (
            n,
            (n, 32),
            (TABLES, n),
            (TABLES, BUCKETS + 1),
        ):
            raise ValueError(f"the index files in {folder} do not fit together")
        self.words = self.hashes.view(np.uint64)  # N x 4: four 64-bit words per hash

    def __len__(self) -> int:
        return len(self.ids)

    def holds(self, video: int) -> bool:
        """Whether any row is of ``video``."""
        a, b = np.searchsorted(self.ids, [video, video + 1])
        return bool(b > a)

    def times_of(self, video: int) -> Array:
        """Times of every hash of one video (rows are stored video by video, ids ascending)."""
        a, b = np.searchsorted(self.ids, [video, video + 1])
        if a == b or self.ids[a] != video or self.ids[b - 1] != video:
            times: Array = np.asarray(self.t)[np.asarray(self.ids) == video]
            return times
        return np.asarray(self.t[a:b])

    def rows_of(self, video: int) -> tuple[Array, Array]:
        """(times, hashes) of every hash of one video."""
        a, b = np.searchsorted(self.ids, [video, video + 1])
        if a == b or self.ids[a] != video or self.ids[b - 1] != video:
            sel = np.asarray(self.ids) == video
            return np.asarray(self.t)[sel], np.asarray(self.hashes)[sel]
        return np.asarray(self.t[a:b]), np.asarray(self.hashes[a:b])

    def near(
        self, queries: Array, radius: int, flips: int = 1
    ) -> tuple[Array, Array, Array, Array]:
        """(query row, video id, time, distance) of every pair ``range_search`` finds."""
        qi, ai, d = self.range_search(queries, radius, flips)
        return qi, np.asarray(self.ids)[ai], np.asarray(self.t)[ai], d

    def range_search(
        self, queries: Array, radius: int, flips: int = 1
    ) -> tuple[Array, Array, Array]:
        """(query row, archive row, distance) of every pair within ``radius`` that shares a
        substring within ``flips`` bits: all pairs within 31 bits with flips=1, all within 15
        bits (and most up to 31) with flips=0. The 16 tables are searched on every core."""
        q = np.ascontiguousarray(queries, np.uint8).reshape(-1, 32)
        empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
        if len(q) == 0 or len(self) == 0:
            return empty
        keys = substrings(q)
        masks = [0] + [1 << b for b in range(16)] if flips else [0]
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # numpy frees the GIL
            parts = [
                empty,
                *pool.map(lambda k: self._table(k, q, keys[:, k], masks, radius), range(TABLES)),
            ]
        if len(self) > RELEASE_OVER:
            release(self.hashes)
        qi = np.concatenate([o[0] for o in parts])
        ai = np.concatenate([o[1] for o in parts])
        d = np.concatenate([o[2] for o in parts])
        # a pair found through several substrings is one pair
        _, first_seen = np.unique(qi * len(self) + ai, return_index=True)
        return qi[first_seen], ai[first_seen], d[first_seen]

    def _table(
        self, k: int, q: Array, keys: Array, masks: list[int], radius: int
    ) -> tuple[Array, Array, Array]:
        """The pairs within ``radius`` found through substring ``k``."""
        out: list[tuple[Array, Array, Array]] = []
        pending: list[tuple[Array, Array]] = []
        size = 0
        for mask in masks:
            probe = keys ^ mask
            lo, hi = self.starts[k][probe], self.starts[k][probe + 1]
            counts = hi - lo
            total = int(counts.sum())
            if total == 0:
                continue
            first = np.cumsum(counts) - counts
            pos = np.repeat(lo - first, counts) + np.arange(total)
            pending.append((np.repeat(np.arange(len(q)), counts), self.order[k][pos]))
            size += total
            if size >= CHUNK // TABLES:
                out.append(self._measure(q, pending, radius))
                pending, size = [], 0
        if pending:
            out.append(self._measure(q, pending, radius))
        if len(self) > RELEASE_OVER:
            release(self.order, k, k + 1)  # this table's share of the order, read once
        if not out:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
        return (np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out]),
                np.concatenate([o[2] for o in out]))  # fmt: skip

    def _measure(
        self, q: Array, pending: list[tuple[Array, Array]], radius: int
    ) -> tuple[Array, Array, Array]:
        qi = np.concatenate([p[0] for p in pending])
        ai = np.concatenate([p[1] for p in pending]).astype(np.int64)
        x = np.take(q.view(np.uint64), qi, axis=0) ^ np.take(self.words, ai, axis=0)
        d = np.bitwise_count(x).sum(axis=1, dtype=np.int32)
        keep = d <= radius
        return qi[keep], ai[keep], d[keep]


def pairs_within(
    queries: Array, hashes: Array, radius: int, flips: int, block: int = 256
) -> tuple[Array, Array, Array]:
    """(query row, row, distance) of the pairs ``CandidateIndex.range_search`` would find among
    ``hashes`` (within ``radius`` and sharing a 16-bit substring within ``flips`` bits), in the
    same order, by comparing every pair: for the rows of a few videos (archive/server.py)."""
    q = np.ascontiguousarray(queries, np.uint8).reshape(-1, 32)
    h = np.ascontiguousarray(hashes, np.uint8).reshape(-1, 32)
    out: list[tuple[Array, Array, Array]] = []
    for start in range(0, len(q), block):  # a block of queries at a time: memory stays small
        d = distances(q[start : start + block], h)
        qi, hi = np.nonzero(d <= radius)
        x = substrings(q[start + qi]) ^ substrings(h[hi])  # the 16 substrings of each pair
        shared = (np.bitwise_count(x) <= flips).any(axis=1)
        out.append((qi[shared] + start, hi[shared], d[qi[shared], hi[shared]]))
    if not out:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32)
    return (np.concatenate([o[0] for o in out]).astype(np.int64),
            np.concatenate([o[1] for o in out]).astype(np.int64), np.concatenate([o[2] for o in out]))  # fmt: skip


def distances(queries: Array, hashes: Array) -> Array:
    """(len(queries), len(hashes)) Hamming distances between packed 256-bit hashes."""
    q = np.ascontiguousarray(queries, np.uint8).reshape(-1, 32).view(np.uint64)
    h = np.ascontiguousarray(hashes, np.uint8).reshape(-1, 32).view(np.uint64)
    d = np.zeros((len(q), len(h)), np.int32)
    for w in range(4):
        d += np.bitwise_count(q[:, w, None] ^ h[None, :, w]).astype(np.int32)
    return d
