"""Temporal alignment: turn frame-level hash matches into aligned segments.

Input: pairs (query time, reference time, Hamming distance) between a query and ONE reference
video. A copy that is trimmed, re-timed or sped up keeps ``ref = speed * query + offset`` on
the matched pairs, so the pairs vote in a (speed, offset) Hough space; the strongest cell's
inliers are refined by least squares and split into segments where the query has gaps. The
winning pairs are removed and the vote repeats, so one query can match several segments of
one reference (a compilation, or an excerpt used twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEEDS = (0.5, 2 / 3, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
OFFSET_BIN = 0.5  # seconds
TOLERANCE = 0.6  # seconds: |ref - (speed * query + offset)| for an inlier
GAP = 2.0  # seconds of query without inliers that split a segment
MIN_FRAMES = 4  # matched query frames for a segment to count


@dataclass
class Segment:
    query_start: float
    query_end: float
    ref_start: float
    ref_end: float
    speed: float
    offset: float
    matched_frames: int
    median_distance: float
    coverage: float  # matched frames / frames in the span, on the better-sampled side


PRIOR = 0.85  # normal speed wins unless another speed has clearly more support


def _best_cell(q: np.ndarray, r: np.ndarray, w: np.ndarray) -> tuple[float, float, int]:
    """(speed, offset, query frames) of the cell with the most support. A query frame supports a
    cell once, with its closest pair's weight: in a still scene every frame matches every other,
    and the truly aligned pairs are the closest. Speed 1 is preferred unless another speed has
    clearly more support (a still scene fits many speeds)."""
    cells: dict[float, tuple[float, float, int]] = {}
    for speed in SPEEDS:
        offsets = np.round((r - speed * q) / OFFSET_BIN).astype(np.int64)
        order = np.lexsort((-w, q, offsets))
        o, qq, ww = offsets[order], q[order], w[order]
        first = np.ones(len(o), bool)
        first[1:] = (o[1:] != o[:-1]) | (qq[1:] != qq[:-1])
        values, inverse = np.unique(o[first], return_inverse=True)
        support = np.bincount(inverse, weights=ww[first])
        frames = np.bincount(inverse)
        i = int(np.argmax(support))
        cells[speed] = (float(values[i]) * OFFSET_BIN, float(support[i]), int(frames[i]))
    best = max(cells, key=lambda sp: (cells[sp][1], -abs(sp - 1.0)))
    if cells[1.0][1] >= PRIOR * cells[best][1]:
        best = 1.0
    return best, cells[best][0], cells[best][2]


def align(
    q: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    query_times: np.ndarray,
    ref_times: np.ndarray | None = None,
    *,
    min_frames: int = MIN_FRAMES,
    max_segments: int = 8,
) -> list[Segment]:
    """Segments where the query matches the reference, best first. ``query_times`` and
    ``ref_times`` are the times of every hash of each, for the coverage: a dense query matched
    against a sparsely sampled archive video covers the archive's frames, not its own."""
    q, r, d = np.asarray(q, float), np.asarray(r, float), np.asarray(d, float)
    weight = 1.0 - d / 64.0  # closer pairs count more
    if ref_times is not None:
        ref_times = np.unique(ref_times)  # an archived frame may have several rows (zooms)
    alive = np.ones(len(q), bool)
    out: list[Segment] = []
    while alive.sum() >= min_frames and len(out) < max_segments:
        speed, offset, votes = _best_cell(q[alive], r[alive], weight[alive])
        if votes < min_frames:
            break
        inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        if inlier.sum() >= 3 and np.ptp(q[inlier]) > 0:
            a, b = np.polyfit(q[inlier], r[inlier], 1)
            if 0.4 <= a <= 2.5:  # refine within plausible speeds
                speed, offset = float(a), float(b)
                inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        alive &= ~inlier
        found = _segments(
            q[inlier], r[inlier], d[inlier], speed, offset, (query_times, ref_times), min_frames
        )
        for seg in found:  # a stretch of the query is explained once
            alive &= ~((q >= seg.query_start) & (q <= seg.query_end))
        out += found
    out.sort(key=lambda s: (-s.matched_frames * s.coverage, s.query_start))
    return out


def _in_span(times: np.ndarray | None, a: float, b: float) -> int:
    if times is None:
        return 0
    return int(np.sum((times >= a - 1e-6) & (times <= b + 1e-6)))


def _segments(
    q: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    speed: float,
    offset: float,
    all_times: tuple[np.ndarray, np.ndarray | None],
    min_frames: int,
) -> list[Segment]:
    order = np.argsort(q)
    q, r, d = q[order], r[order], d[order]
    out = []
    start = 0
    for i in range(1, len(q) + 1):
        if i == len(q) or q[i] - q[i - 1] > GAP:
            qs, rs, ds = q[start:i], r[start:i], d[start:i]
            frames = len(np.unique(qs))
            if frames >= min_frames:
                q0, q1 = float(qs[0]), float(qs[-1])
                r0, r1 = speed * q0 + offset, speed * q1 + offset
                coverage = max(frames / max(1, _in_span(all_times[0], q0, q1)),
                               len(np.unique(rs)) / max(1, _in_span(all_times[1], float(rs.min()), float(rs.max()))))  # fmt: skip
                out.append(Segment(
                    query_start=_round(q0), query_end=_round(q1), ref_start=_round(max(0.0, r0)), ref_end=_round(max(0.0, r1)),
                    speed=_round(speed), offset=_round(offset), matched_frames=frames,
                    median_distance=float(np.median(ds)), coverage=_round(min(1.0, coverage)),
                ))  # fmt: skip
            start = i
    return out


def _round(x: float) -> float:
    return round(x, 3) + 0.0  # no -0.0
