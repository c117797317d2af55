"""Time alignment of sound: matching landmark hashes (fingerprint/sound.py) of a clip and ONE
archived recording, as (clip second, archive second) pairs, turned into aligned segments.

A copy keeps ``archive = speed * clip + offset`` on its matching hashes; unrelated sound gives a
few chance matches spread over every offset. The pairs vote in a (speed, offset) grid with
0.1 s cells over the speeds a re-timed copy plausibly has (0.94-1.06: a tempo change keeps the
hashes only within a few per cent); the best cell's inliers are refitted by least squares and
split where the clip has no inlier for ``GAP`` seconds. Each hash of the clip votes once per
cell. The winners are removed and the vote repeats, for a second use of the same recording.

A segment whose clip hashes fit another line about as well (``RIVAL``), more than ``ELSEWHERE``
seconds away, is **ambiguous**: a loop, a chant or a beat that repeats in the archived recording
matches it at several places, and its seconds cannot be told.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEEDS = tuple(round(1.0 + k * 0.01, 2) for k in range(-6, 7))
OFFSET_BIN = 0.1  # seconds
TOLERANCE = 0.12  # seconds from the line for an inlier
GAP = 5.0  # seconds of clip without inliers that split a segment (speech pauses are shorter)
MIN_HITS = 10  # inlier hashes for a segment (chance cells hold 1-3; see benchmarks/sound.py)
MIN_SPAN = 1.0  # seconds of clip a segment spans at least
RIVAL = 0.6  # another line holding this share of a segment's hits makes it ambiguous
ELSEWHERE = 1.0  # seconds: a line this far from a segment's is elsewhere
PRIOR = 0.9  # normal speed wins unless another speed has clearly more hits


@dataclass
class SoundSegment:
    query_start: float
    query_end: float
    ref_start: float
    ref_end: float
    speed: float
    offset: float
    hits: int  # clip hashes on the line
    density: float  # hits / clip hashes in the span
    rival: float = 0.0
    ambiguous: bool = False


Cells = tuple[np.ndarray, np.ndarray, np.ndarray]


def _cells(q: np.ndarray, r: np.ndarray) -> Cells:
    """(speeds, offsets, hits) of the cells at every speed of SPEEDS, in one pass: each clip hash
    once per cell; a cell counts its own hits and its upper neighbour's (a line on a cell border
    is not split in two)."""
    speeds = np.asarray(SPEEDS)
    bins = np.round((r[None, :] - speeds[:, None] * q[None, :]) / OFFSET_BIN).astype(np.int64)
    which = np.repeat(np.arange(len(speeds), dtype=np.int64), len(q))
    cell = which * (1 << 31) + bins.ravel() + (1 << 30)  # a speed's cells never touch the next's
    pair = np.unique(cell * (1 << 24) + np.tile(np.round(q * 1000).astype(np.int64), len(speeds)))
    values, counts = np.unique(pair // (1 << 24), return_counts=True)
    if not len(values):
        return np.zeros(0), np.zeros(0), counts
    nxt = np.minimum(np.searchsorted(values, values + 1), len(values) - 1)
    has = values[nxt] == values + 1
    both = counts + np.where(has, counts[nxt], 0)
    index = values // (1 << 31)
    offsets = (values - index * (1 << 31) - (1 << 30) + 0.5 * has) * OFFSET_BIN
    return speeds[index], offsets, both


def _best(q: np.ndarray, r: np.ndarray, cells: Cells | None = None) -> tuple[float, float, int]:
    speeds, offsets, hits = _cells(q, r) if cells is None else cells
    if not len(hits):
        return 1.0, 0.0, 0
    # each speed's best cell (the first of its highest): cells come grouped by speed
    order = np.lexsort((np.arange(len(hits)), -hits, speeds))
    first = order[np.r_[True, np.diff(speeds[order]) != 0]]
    best = {float(speeds[i]): (float(offsets[i]), int(hits[i])) for i in first}
    top = max(best, key=lambda s: (best[s][1], -abs(s - 1.0)))
    if 1.0 in best and best[1.0][1] >= PRIOR * best[top][1]:
        top = 1.0
    return top, best[top][0], best[top][1]


def _fit(q: np.ndarray, r: np.ndarray, speed: float, offset: float) -> tuple[float, float]:
    """The line refitted on its inliers; normal speed kept when it fits about as well."""
    if len(q) < 8 or np.ptp(q) < 2.0:
        return speed, float(np.median(r - speed * q))
    a, b = np.polyfit(q, r, 1)
    if not SPEEDS[0] - 0.01 <= a <= SPEEDS[-1] + 0.01:
        return speed, float(np.median(r - speed * q))
    b1 = float(np.median(r - q))
    if np.mean(np.abs(r - (q + b1))) <= np.mean(np.abs(r - (a * q + b))) + 0.01:
        return 1.0, b1
    return float(a), float(b)


def rival(q: np.ndarray, r: np.ndarray, seg: SoundSegment, cells: Cells | None = None) -> float:
    """Hits of the best line elsewhere over the segment's clip span, relative to its own
    (``cells``: those of ``q`` and ``r`` when the segment spans them all, already counted)."""
    inside = (q >= seg.query_start - 1e-6) & (q <= seg.query_end + 1e-6)
    if cells is None or not inside.all():
        cells = _cells(q[inside], r[inside])
    speeds, offsets, hits = cells
    away = np.maximum(np.abs((speeds - seg.speed) * seg.query_start + offsets - seg.offset),
                      np.abs((speeds - seg.speed) * seg.query_end + offsets - seg.offset))  # fmt: skip
    other = int(hits[away > ELSEWHERE].max(initial=0))
    return other / max(1, seg.hits)


def align_sound(
    q: np.ndarray, r: np.ndarray, query_t: np.ndarray, max_segments: int = 4
) -> list[SoundSegment]:
    """Segments where the clip's sound matches the archived recording, best first. ``q``, ``r``:
    seconds of each matching hash pair; ``query_t``: the seconds of every clip hash."""
    q, r = np.asarray(q, float), np.asarray(r, float)
    query_t = np.sort(np.asarray(query_t, float))
    alive = np.ones(len(q), bool)
    out: list[SoundSegment] = []
    while alive.sum() >= MIN_HITS and len(out) < max_segments:
        cells = _cells(q[alive], r[alive])
        every = alive.all()  # the first vote's cells are also a segment's rivals over all of it
        speed, offset, hits = _best(q[alive], r[alive], cells)
        if hits < MIN_HITS:
            break
        inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE + abs(speed - 1) * 2)
        speed, offset = _fit(q[inlier], r[inlier], speed, offset)
        inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        alive &= ~inlier
        found = _segments(q[inlier], query_t, speed, offset)
        for seg in found:
            alive &= ~((q >= seg.query_start) & (q <= seg.query_end))
            seg.rival = round(rival(q, r, seg, cells if every else None), 3)
            seg.ambiguous = seg.rival >= RIVAL
        out += found
        if not found:
            break
    return sorted(joined(out), key=lambda s: (s.ambiguous, -s.hits))


def joined(segments: list[SoundSegment]) -> list[SoundSegment]:
    """Segments on one line (the same speed and offset: a copy with a stretch cut or muted) as
    one: one copy, one segment, as for pictures."""
    out: list[SoundSegment] = []
    for s in sorted(segments, key=lambda g: g.query_start):
        twin = next((k for k in out if k.ambiguous == s.ambiguous and abs(k.speed - s.speed) < 1e-3
                     and abs(k.offset - s.offset) <= TOLERANCE), None)  # fmt: skip
        if twin is None:
            out.append(s)
            continue
        span = (twin.query_end - twin.query_start) + (s.query_end - s.query_start)
        twin.density = round((twin.density * (twin.query_end - twin.query_start)
                              + s.density * (s.query_end - s.query_start)) / max(span, 1e-6), 3)  # fmt: skip
        twin.query_end, twin.ref_end = (
            max(twin.query_end, s.query_end),
            max(twin.ref_end, s.ref_end),
        )
        twin.hits += s.hits
        twin.rival = max(twin.rival, s.rival)
    return out


def _segments(
    qs: np.ndarray, query_t: np.ndarray, speed: float, offset: float
) -> list[SoundSegment]:
    qs = np.unique(qs)
    out = []
    for run in np.split(qs, np.flatnonzero(np.diff(qs) > GAP) + 1):
        if len(run) < MIN_HITS or run[-1] - run[0] < MIN_SPAN:
            continue
        q0, q1 = float(run[0]), float(run[-1])
        total = int(np.sum((query_t >= q0 - 1e-6) & (query_t <= q1 + 1e-6)))
        out.append(SoundSegment(
            query_start=round(q0, 3), query_end=round(q1, 3),
            ref_start=round(max(0.0, speed * q0 + offset), 3),
            ref_end=round(max(0.0, speed * q1 + offset), 3),
            speed=round(speed, 4), offset=round(offset, 3), hits=len(run),
            density=round(len(run) / max(1, total), 3),
        ))  # fmt: skip
    return out
