"""Search by local features (fingerprint/local.py): copies a whole-frame hash misses, such as an
off-centre crop, a rotation with zoom, a box over the picture, a picture inside another one.

Each sampled clip frame's ORB descriptors vote for the archived frames holding their nearest
neighbours; the few best-voted archived frames are verified geometrically (RANSAC). Verified
pairs are aligned in time like hash matches (archive/align.py); then every clip frame along a
found segment's line is verified against the archived frame the line points at, which extends
the segment to the whole copy. Over archives larger than ``SCAN_LIMIT`` keypoints, only the
videos the hash search already pointed at are looked at (confirm and extend, not scan).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifyvid.archive.align import GAP, Segment, align, merged
from verifyvid.archive.matches import match_dict
from verifyvid.archive.store import Archive
from verifyvid.fingerprint.local import LocalFeatures, Verified, ratio_pairs, verify

SCAN_LIMIT = 400_000  # archived keypoints (about 26 minutes of video) scanned for every search
QUERY_FRAMES = 16  # clip frames whose descriptors vote (spread over the clip)
CANDIDATES = 3  # best-voted archived frames verified per clip frame
MIN_FRAMES = 3  # verified clip frames for a segment (one a second)


@dataclass
class Pair:
    q: float
    ref: int  # video id
    r: float
    found: Verified


def archived_features(archive: Archive, ids: set[int] | None) -> dict[int, LocalFeatures]:
    """The archive's local features (of ``ids`` only, unless None: then of every video but the
    grouped copies, found through their group)."""
    out = {}
    for vid, data in archive.prints(LocalFeatures.kind, ids, ungrouped=True).items():
        got = LocalFeatures.from_bytes(data)
        if got is not None:
            out[vid] = got
    return out


def search_local(
    features: dict[int, LocalFeatures], query: LocalFeatures, min_frames: int = MIN_FRAMES
) -> list[tuple[int, Segment, float]]:
    """(video id, segment, median inliers of its retrieved pairs) for each aligned copy; an
    ambiguous segment (a still shot verified at several places) is marked so."""
    features = {vid: f for vid, f in features.items() if len(f)}
    if not features or len(query) < min_frames:
        return []
    pairs = _retrieve(features, query)
    out: list[tuple[int, Segment, float]] = []
    for vid in sorted({p.ref for p in pairs}):
        mine = [p for p in pairs if p.ref == vid]
        if len(mine) < min_frames:
            continue
        ref = features[vid]
        q = np.array([p.q for p in mine])
        r = np.array([p.r for p in mine])
        # a pseudo-distance for the alignment: 64 x the share of inliers a pair has fewer than
        # the clip frame's best pair (another place verified about as strongly, within
        # align.MARGIN, makes the frame ambiguous, as for hashes)
        best: dict[float, int] = {}
        for p in mine:
            best[p.q] = max(best.get(p.q, 0), p.found.inliers)
        d = np.array([64.0 * (1.0 - p.found.inliers / best[p.q]) for p in mine])
        # a still shot is reported as such, not grown along a line; pieces of one copy on one
        # line (a frame or two unverified between them) are one segment
        found = align(q, r, d, query.t, ref.t, min_frames=min_frames)
        for seg in merged([s if s.ambiguous else _extended(s, query, ref) for s in found]):
            inliers = float(np.median([p.found.inliers for p in mine
                                       if seg.query_start <= p.q <= seg.query_end] or [0]))  # fmt: skip
            out.append((vid, seg, inliers))
    return out


def _retrieve(features: dict[int, LocalFeatures], query: LocalFeatures) -> list[Pair]:
    ids = list(features)
    desc = np.concatenate([features[v].desc for v in ids])
    owner_frame = np.concatenate([features[v].owner() for v in ids])
    owner_video = np.concatenate(
        [np.full(int(features[v].start[-1]), n) for n, v in enumerate(ids)]
    )
    pick = np.unique(
        np.linspace(0, len(query) - 1, min(QUERY_FRAMES, len(query))).round().astype(int)
    )
    pairs: list[Pair] = []
    for i in pick:
        qf = query.frame(int(i))
        votes: dict[tuple[int, int], int] = {}
        for k in ratio_pairs(qf[1], desc)[1]:
            key = (int(owner_video[k]), int(owner_frame[k]))
            votes[key] = votes.get(key, 0) + 1
        for (n, j), _ in sorted(votes.items(), key=lambda kv: -kv[1])[:CANDIDATES]:
            ref = features[ids[n]]
            found = verify(qf, ref.frame(j), float(ref.aspect[j]))
            if found is not None:
                pairs.append(Pair(float(query.t[i]), ids[n], float(ref.t[j]), found))
    return pairs


def _extended(seg: Segment, query: LocalFeatures, ref: LocalFeatures) -> Segment:
    """Verify every clip frame on the segment's line against the archived frame(s) nearest to
    where the line points; the segment grows over the verified run that holds it."""
    ok: list[float] = []
    for i, t in enumerate(query.t):
        target = seg.speed * float(t) + seg.offset
        near = np.argsort(np.abs(ref.t - target))[:2]
        for j in near:
            if abs(float(ref.t[j]) - target) > 1.0:
                continue
            if verify(query.frame(i), ref.frame(int(j)), float(ref.aspect[j])) is not None:
                ok.append(float(t))
                break
    if not ok:
        return seg
    times = np.array(ok)
    # the run of verified frames (no gap over GAP) that overlaps the segment
    runs = np.split(times, np.where(np.diff(times) > GAP)[0] + 1)
    run = max(runs, key=lambda x: (min(x[-1], seg.query_end) - max(x[0], seg.query_start), len(x)))
    q0, q1 = min(float(run[0]), seg.query_start), max(float(run[-1]), seg.query_end)
    inside = int(((times >= q0) & (times <= q1)).sum())
    span_frames = int(((query.t >= q0) & (query.t <= q1)).sum())
    grown = Segment(
        query_start=round(q0, 2), query_end=round(q1, 2),
        ref_start=round(max(0.0, seg.speed * q0 + seg.offset), 2),
        ref_end=round(max(0.0, seg.speed * q1 + seg.offset), 2),
        speed=seg.speed, offset=seg.offset, matched_frames=inside, median_distance=0.0,
        coverage=round(inside / max(1, span_frames), 3), evidence=max(seg.evidence, float(inside)),
    )  # fmt: skip
    return grown


def score_of(coverage: float, frames: int, inliers: float) -> float:
    """0-1, to rank matches like hash matches (archive/search.py): coverage, how strongly each
    frame pair agrees (40 inliers: full), evidence (frames a second: 4 frames 0.63)."""
    return coverage * min(1.0, inliers / 40.0) * (1.0 - math.exp(-frames / 4.0))


def features_wanted(total_keypoints: int, hinted: set[int]) -> set[int] | None:
    """The videos to load: all (None) under SCAN_LIMIT, else those the hash search hinted at."""
    return None if total_keypoints <= SCAN_LIMIT else hinted


def as_match(vid: int, seg: Segment, inliers: float, video: Any) -> dict[str, Any]:
    return match_dict(
        video, "local", score=round(score_of(seg.coverage, seg.matched_frames, inliers), 3),
        query_start=seg.query_start, query_end=seg.query_end, ref_start=seg.ref_start,
        ref_end=seg.ref_end, speed=seg.speed, mirrored=False,
        matched_frames=seg.matched_frames, evidence=seg.evidence, ambiguous=seg.ambiguous,
        median_distance=None, inliers=round(inliers, 1),
    )  # fmt: skip
