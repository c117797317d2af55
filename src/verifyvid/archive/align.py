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
    coverage: float  # matched query frames / query frames in the span


def _best_cell(q: np.ndarray, r: np.ndarray) -> tuple[float, float, int]:
    best = (1.0, 0.0, 0)
    for speed in SPEEDS:
        offsets = np.round((r - speed * q) / OFFSET_BIN).astype(np.int64)
        values, counts = np.unique(offsets, return_counts=True)
        # a query frame votes once per cell even when it matched several reference frames
        i = int(np.argmax(counts))
        cell = offsets == values[i]
        votes = len(np.unique(q[cell]))
        if votes > best[2] or (votes == best[2] and abs(speed - 1.0) < abs(best[0] - 1.0)):
            best = (speed, float(values[i]) * OFFSET_BIN, votes)
    return best


def align(
    q: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    query_times: np.ndarray,
    *,
    min_frames: int = MIN_FRAMES,
    max_segments: int = 8,
) -> list[Segment]:
    """Segments where the query matches the reference, best first."""
    q, r, d = np.asarray(q, float), np.asarray(r, float), np.asarray(d, float)
    alive = np.ones(len(q), bool)
    out: list[Segment] = []
    while alive.sum() >= min_frames and len(out) < max_segments:
        speed, offset, votes = _best_cell(q[alive], r[alive])
        if votes < min_frames:
            break
        inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        if inlier.sum() >= 3 and np.ptp(q[inlier]) > 0:
            a, b = np.polyfit(q[inlier], r[inlier], 1)
            if 0.4 <= a <= 2.5:  # refine within plausible speeds
                speed, offset = float(a), float(b)
                inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        alive &= ~inlier
        found = _segments(q[inlier], d[inlier], speed, offset, query_times, min_frames)
        for seg in found:  # a stretch of the query is explained once
            alive &= ~((q >= seg.query_start) & (q <= seg.query_end))
        out += found
    out.sort(key=lambda s: (-s.matched_frames * s.coverage, s.query_start))
    return out


def _segments(
    q: np.ndarray,
    d: np.ndarray,
    speed: float,
    offset: float,
    query_times: np.ndarray,
    min_frames: int,
) -> list[Segment]:
    order = np.argsort(q)
    q, d = q[order], d[order]
    out = []
    start = 0
    for i in range(1, len(q) + 1):
        if i == len(q) or q[i] - q[i - 1] > GAP:
            qs, ds = q[start:i], d[start:i]
            frames = len(np.unique(qs))
            if frames >= min_frames:
                q0, q1 = float(qs[0]), float(qs[-1])
                in_span = int(np.sum((query_times >= q0 - 1e-6) & (query_times <= q1 + 1e-6)))
                out.append(Segment(
                    query_start=round(q0, 3), query_end=round(q1, 3),
                    ref_start=round(speed * q0 + offset, 3), ref_end=round(speed * q1 + offset, 3),
                    speed=round(speed, 3), offset=round(offset, 3), matched_frames=frames,
                    median_distance=float(np.median(ds)), coverage=round(frames / max(1, in_span), 3),
                ))  # fmt: skip
            start = i
    return out
