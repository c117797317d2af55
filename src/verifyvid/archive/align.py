"""Temporal alignment: turn frame-level hash matches into aligned segments.

Input: pairs (query time, reference time, Hamming distance) between a query and ONE reference
video. A copy that is trimmed, re-timed or sped up keeps ``ref = speed * query + offset`` on
the matched pairs, so the pairs vote in a (speed, offset) Hough space; the strongest cell's
inliers are refined by least squares and split into segments where the query has gaps. The
winning pairs are removed and the vote repeats, so one query can match several segments of
one reference (a compilation, or an excerpt used twice).

Not every matched frame is evidence of *where*: a frame of sky, haze, a title card or a still
background matches many places of the reference about equally well. Each pair counts 1 / the
number of places its query frame matches within ``MARGIN`` bits of its best match (its
distinctness); a segment's evidence adds, over the archived frames it rests on, the most
distinct pair of each, and it gives a mapping only when that reaches ``MIN_EVIDENCE``; otherwise
it is reported as **ambiguous** (the clip matches the reference there, but the seconds cannot be
told). So is a segment for which another line, putting its seconds more than ``ELSEWHERE`` away,
explains its pairs almost as well (``RIVAL``): footage that looks alike from second to second,
such as a talking head before a still background, matches itself a second later about as well.
A further segment at another speed than the best one needs ``OTHER_SPEED_EVIDENCE``: a re-timed
fragment beside a normal-speed copy is more often a still shot that fits any line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SPEEDS = (0.5, 2 / 3, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0)
OFFSET_BIN = 0.5  # seconds
TOLERANCE = 0.6  # seconds: |ref - (speed * query + offset)| for an inlier
GAP = 2.0  # seconds of query without inliers that split a segment
MIN_FRAMES = 4  # matched query frames for a segment to count
MARGIN = 8  # bits: another place matched within this of a frame's best makes the frame ambiguous
PLACE = 1.5  # seconds: reference times farther apart than this are different places
MIN_EVIDENCE = 3.0  # distinct archived frames' worth of evidence for a segment to give a mapping
OTHER_SPEED_EVIDENCE = 8.0  # for a further segment at another speed than the best one
RIVAL = 0.9  # a line elsewhere explaining this share of a segment's pairs makes it ambiguous
ELSEWHERE = 1.0  # seconds: a line this far from a segment's, at one of its ends, is elsewhere
GUIDED_RADIUS = 80  # bits: on a found segment's line, a frame this close confirms the segment


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
    evidence: float = 0.0  # archived frames matched, each counted 1 / the places its pairs match
    rival: float = 0.0  # support of the best line elsewhere / of the best line agreeing (see rival)
    ambiguous: bool = False  # a still or repeated shot: it matches several places equally well


PRIOR = 0.85  # normal speed wins unless another speed has clearly more support


def _best_cell(q: np.ndarray, r: np.ndarray, w: np.ndarray) -> tuple[float, float, int]:
    """(speed, offset, query frames) of the cell with the most support. A query frame supports a
    cell once, with its closest pair's weight: in a still scene every frame matches every other,
    and the truly aligned pairs are the closest. Speed 1 is preferred unless another speed has
    clearly more support (a still scene fits many speeds)."""
    cells: dict[float, tuple[float, float, int]] = {}
    for speed in SPEEDS:
        offsets, support, frames = _cells(q, r, w, speed)
        i = int(np.argmax(support))
        cells[speed] = (float(offsets[i]), float(support[i]), int(frames[i]))
    best = max(cells, key=lambda sp: (cells[sp][1], -abs(sp - 1.0)))
    if cells[1.0][1] >= PRIOR * cells[best][1]:
        best = 1.0
    return best, cells[best][0], cells[best][2]


def _cells(q: np.ndarray, r: np.ndarray, w: np.ndarray, speed: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The offsets (seconds) of the cells at ``speed`` that pairs fall in, each cell's support
    (each query frame once, with its closest pair's weight) and its number of query frames."""
    bins = np.round((r - speed * q) / OFFSET_BIN).astype(np.int64)
    order = np.lexsort((-w, q, bins))
    o, qq, ww = bins[order], q[order], w[order]
    first = np.ones(len(o), bool)
    first[1:] = (o[1:] != o[:-1]) | (qq[1:] != qq[:-1])
    values, inverse = np.unique(o[first], return_inverse=True)
    return values * OFFSET_BIN, np.bincount(inverse, weights=ww[first]), np.bincount(inverse)


def rival(q: np.ndarray, r: np.ndarray, w: np.ndarray, seg: Segment) -> float:
    """How well the best line that puts ``seg``'s seconds elsewhere (more than ``ELSEWHERE`` at
    one of its ends) explains the pairs of its query span, relative to the best line that agrees
    with it: about 1 when the footage looks alike from second to second (a talking head before
    a still background), so that its seconds cannot be told."""
    inside = (q >= seg.query_start - 1e-6) & (q <= seg.query_end + 1e-6)
    q, r, w = q[inside], r[inside], w[inside]
    agree, other = 0.0, 0.0
    for speed in SPEEDS:
        if not len(q):
            break
        offsets, support, _ = _cells(q, r, w, speed)
        away = np.maximum(np.abs((speed - seg.speed) * seg.query_start + offsets - seg.offset),
                          np.abs((speed - seg.speed) * seg.query_end + offsets - seg.offset))  # fmt: skip
        near = away <= ELSEWHERE
        agree = max(agree, float(support[near].max(initial=0.0)))
        other = max(other, float(support[~near].max(initial=0.0)))
    return other / agree if agree else 1.0


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
    distinct = distinctness(q, r, d)
    weight = (1.0 - d / 64.0) * distinct  # closer pairs and distinct frames count more
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
            a, b = line(q[inlier], r[inlier])
            if 0.4 <= a <= 2.5:  # refine within plausible speeds
                speed, offset = a, b
                inlier = alive & (np.abs(r - (speed * q + offset)) <= TOLERANCE)
        alive &= ~inlier
        found = _segments(q[inlier], r[inlier], d[inlier], distinct[inlier], speed, offset,
                          (query_times, ref_times), min_frames)  # fmt: skip
        for seg in found:  # a stretch of the query is explained once
            alive &= ~((q >= seg.query_start) & (q <= seg.query_end))
            seg.rival = _round(rival(q, r, weight, seg))
        out += found
    return judged(out)


SAME_FIT = 0.05  # seconds: normal speed is kept unless a fitted speed fits this much better


def line(q: np.ndarray, r: np.ndarray) -> tuple[float, float]:
    """(speed, offset) of ``r = speed * q + offset`` by least squares; normal speed when it fits
    about as well (the archive is sampled twice a second, which tilts short fits a little)."""
    a, b = np.polyfit(q, r, 1)
    b1 = float(np.median(r - q))
    if np.mean(np.abs(r - (q + b1))) <= np.mean(np.abs(r - (a * q + b))) + SAME_FIT:
        return 1.0, b1
    return float(a), float(b)


def judged(found: list[Segment]) -> list[Segment]:
    """Best first: segments with enough distinct evidence; then, where none of them is, the
    ambiguous ones; a further segment at another speed only on strong evidence."""
    sure = sorted((s for s in found if is_sure(s)), key=lambda s: -s.evidence)
    kept: list[Segment] = []
    for s in sure:
        if (
            kept
            and abs(s.speed - kept[0].speed) > 0.05 * kept[0].speed
            and s.evidence < OTHER_SPEED_EVIDENCE
        ):
            continue
        kept.append(s)
    for s in found:  # an ambiguous stretch next to a sure segment adds nothing to tell
        if not is_sure(s) and not any(overlap(s, k, GAP) for k in kept):
            s.ambiguous = True
            kept.append(s)
    kept.sort(key=lambda s: (s.ambiguous, -s.matched_frames * s.coverage, s.query_start))
    return kept


def is_sure(s: Segment) -> bool:
    """Enough distinct evidence, and no line elsewhere that fits about as well."""
    return s.evidence >= MIN_EVIDENCE and s.rival < RIVAL


def overlap(a: Segment, b: Segment, margin: float = 0.0) -> bool:
    return min(a.query_end, b.query_end) + margin > max(a.query_start, b.query_start)


def distinctness(q: np.ndarray, r: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Per pair: 1 / the number of places of the reference its query frame matches within
    ``MARGIN`` bits of its best match (1: one place; 0.2: five places, a still shot)."""
    out = np.ones(len(q))
    order = np.argsort(q, kind="stable")
    for idx in np.split(order, np.flatnonzero(np.diff(q[order])) + 1):
        if len(idx) < 2:
            continue
        dd, rr = d[idx], r[idx]
        best = int(np.argmin(dd))
        near = (dd <= dd[best] + MARGIN) & (np.abs(rr - rr[best]) > PLACE)
        out[idx] = 1.0 / (1 + len(np.unique(np.floor(rr[near] / PLACE))))
    return out


def _in_span(times: np.ndarray | None, a: float, b: float) -> int:
    if times is None:
        return 0
    return int(np.sum((times >= a - 1e-6) & (times <= b + 1e-6)))


def _segments(
    q: np.ndarray,
    r: np.ndarray,
    d: np.ndarray,
    distinct: np.ndarray,
    speed: float,
    offset: float,
    all_times: tuple[np.ndarray, np.ndarray | None],
    min_frames: int,
) -> list[Segment]:
    order = np.argsort(q)
    q, r, d, distinct = q[order], r[order], d[order], distinct[order]
    out = []
    start = 0
    for i in range(1, len(q) + 1):
        if i == len(q) or q[i] - q[i - 1] > GAP:
            qs, rs, ds = q[start:i], r[start:i], d[start:i]
            frames = len(np.unique(qs))
            # independent evidence: the archived frames the segment rests on (a dense query's
            # neighbouring frames repeat one another), each by the distinctness of its pairs
            ds_ = distinct[start:i]
            evidence = sum(float(ds_[rs == t].max()) for t in np.unique(rs))
            if frames >= min_frames:
                q0, q1 = float(qs[0]), float(qs[-1])
                r0, r1 = speed * q0 + offset, speed * q1 + offset
                coverage = max(frames / max(1, _in_span(all_times[0], q0, q1)),
                               len(np.unique(rs)) / max(1, _in_span(all_times[1], float(rs.min()), float(rs.max()))))  # fmt: skip
                out.append(Segment(
                    query_start=_round(q0), query_end=_round(q1), ref_start=_round(max(0.0, r0)), ref_end=_round(max(0.0, r1)),
                    speed=_round(speed), offset=_round(offset), matched_frames=frames,
                    median_distance=float(np.median(ds)), coverage=_round(min(1.0, coverage)),
                    evidence=_round(evidence),
                ))  # fmt: skip
            start = i
    return out


def _round(x: float) -> float:
    return round(x, 3) + 0.0  # no -0.0


def confirmed(
    speed: float,
    offset: float,
    query_t: np.ndarray,
    query_h: np.ndarray,
    ref_t: np.ndarray,
    ref_h: np.ndarray,
    radius: int = GUIDED_RADIUS,
) -> tuple[np.ndarray, np.ndarray]:
    """Per query frame: whether the reference, at the second the line ``ref = speed * query +
    offset`` predicts (within ``TOLERANCE``), has a frame within ``radius`` bits. Searching the
    whole archive needs a strict radius; checking one predicted place can afford a loose one
    (unrelated pictures differ by about 128 bits of 256, and only a few frames are compared).
    Also the time of the closest reference frame there (NaN where there is none)."""
    order = np.argsort(ref_t, kind="stable")
    rt, rh = np.asarray(ref_t, float)[order], np.asarray(ref_h)[order]
    predicted = speed * np.asarray(query_t, float) + offset
    lo = np.searchsorted(rt, predicted - TOLERANCE, side="left")
    hi = np.searchsorted(rt, predicted + TOLERANCE, side="right")
    out = np.zeros(len(query_t), bool)
    best = np.full(len(query_t), np.nan)
    for i in np.flatnonzero(hi > lo):
        d = np.bitwise_count(rh[lo[i] : hi[i]] ^ query_h[i]).sum(axis=1, dtype=np.int32)
        j = int(np.argmin(d))
        out[i], best[i] = int(d[j]) <= radius, rt[lo[i] + j]
    return out, best


def extended(
    seg: Segment,
    query_t: np.ndarray,
    query_h: np.ndarray,
    ref_t: np.ndarray,
    ref_h: np.ndarray,
) -> Segment:
    """The segment grown along its own line over the query frames the reference confirms
    (``confirmed``), across gaps of at most ``GAP`` seconds: a copy with a box, a logo or a
    caption over part of the picture, whose frames are too far for the archive-wide search, is
    one segment covering the copy rather than a few fragments."""
    if seg.ambiguous:
        return seg
    ok, best = confirmed(seg.speed, seg.offset, query_t, query_h, ref_t, ref_h)
    times = np.sort(np.asarray(query_t, float)[ok])
    start, end = seg.query_start, seg.query_end
    for t in times[::-1]:  # backwards from the start
        if t < start and start - t <= GAP:
            start = float(t)
    for t in times:  # forwards from the end
        if t > end and t - end <= GAP:
            end = float(t)
    if (start, end) == (seg.query_start, seg.query_end):
        return seg
    q = np.asarray(query_t, float)
    inside = (q >= start - 1e-6) & (q <= end + 1e-6)
    seg.coverage = _round(float(ok[inside].mean())) if inside.any() else seg.coverage
    fit = inside & ok
    if fit.sum() >= 2 * MIN_FRAMES and np.ptp(q[fit]) > 0:  # the line, refitted on more frames
        a, b = line(q[fit], best[fit])
        if abs(a - seg.speed) <= 0.1 * seg.speed:
            seg.speed, seg.offset = _round(a), _round(b)
    seg.query_start, seg.query_end = _round(start), _round(end)
    return remapped(seg)


def remapped(seg: Segment) -> Segment:
    """The archive seconds of the segment's two ends, from its line."""
    seg.ref_start = _round(max(0.0, seg.speed * seg.query_start + seg.offset))
    seg.ref_end = _round(max(0.0, seg.speed * seg.query_end + seg.offset))
    return seg


def merged(segments: list[Segment]) -> list[Segment]:
    """Segments on the same line that overlap or touch, as one (sure ones first). An ambiguous
    segment on a sure one's line joins it: its seconds fit that mapping. A joining segment adds
    its frames and evidence in the share of its seconds the other did not cover."""
    out: list[Segment] = []
    # in time order, so that a chain (A, then B touching A, then C touching B) becomes one
    for s in sorted(segments, key=lambda g: (g.ambiguous, g.query_start)):
        twin = next((k for k in out if not k.ambiguous
                     and abs(k.speed - s.speed) <= 0.02 * k.speed and abs(k.offset - s.offset) <= TOLERANCE
                     and s.query_start <= k.query_end + GAP + 1e-6 and k.query_start <= s.query_end + GAP + 1e-6), None)  # fmt: skip
        if twin is None:
            out.append(s)
            continue
        # frames of a stretch both cover (two inner-picture boxes showing the same copy) count once
        span = s.query_end - s.query_start
        inside = max(0.0, min(s.query_end, twin.query_end) - max(s.query_start, twin.query_start))
        new = 1.0 - inside / span if span > 0 else float(inside == 0)
        twin.query_start, twin.query_end = (
            min(twin.query_start, s.query_start),
            max(twin.query_end, s.query_end),
        )
        remapped(twin)
        twin.matched_frames += round(s.matched_frames * new)
        twin.evidence = _round(twin.evidence + s.evidence * new)
        twin.median_distance = min(twin.median_distance, s.median_distance)
    return out
