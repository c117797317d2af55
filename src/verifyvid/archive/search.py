"""Search: candidate frames by Hamming radius (FAISS multi-index hashing, not a full scan),
then temporal alignment per archive video (archive/align.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faiss
import numpy as np

from verifyvid.archive.align import align
from verifyvid.archive.store import Archive

RADIUS = 31  # PDQ's own match threshold for 256 bits
TABLES, BITS = 16, 16  # 16 substrings of 16 bits, one flipped bit each: exact for radius < 32


@dataclass
class Query:
    t: np.ndarray[Any, Any]
    hash: np.ndarray[Any, Any]
    mirror: np.ndarray[Any, Any]


def candidates(
    index: Any, hashes: np.ndarray[Any, Any], radius: int
) -> tuple[np.ndarray[Any, Any], ...]:
    """(query row, archive row, distance) of every pair within ``radius``."""
    if len(hashes) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    lims, dist, rows = index.range_search(np.ascontiguousarray(hashes, np.uint8), radius + 1)
    query_rows = np.repeat(np.arange(len(hashes)), np.diff(lims).astype(np.int64))
    keep = dist <= radius
    return query_rows[keep], rows[keep].astype(np.int64), dist[keep].astype(np.float32)


def search(
    archive: Archive, query: Query, radius: int = RADIUS, min_frames: int = 4
) -> list[dict[str, Any]]:
    ids, times, hashes = archive.all_hashes()
    if len(hashes) == 0 or len(query.t) == 0:
        return []
    index = faiss.IndexBinaryMultiHash(256, TABLES, BITS)
    index.nflip = 1
    index.add(hashes)
    videos = {v.id: v for v in archive.videos()}
    matches: list[dict[str, Any]] = []
    for mirrored, variant in ((False, query.hash), (True, query.mirror)):
        qi, ai, d = candidates(index, variant, radius)
        for vid in np.unique(ids[ai]):
            sel = ids[ai] == vid
            segments = align(
                query.t[qi[sel]], times[ai[sel]], d[sel], query.t, min_frames=min_frames
            )
            v = videos[int(vid)]
            for s in segments:
                score = s.coverage * max(0.0, 1.0 - s.median_distance / (radius + 1))
                matches.append({
                    "ref_id": v.id, "title": v.title, "source": v.source, "first_seen": v.first_seen,
                    "ref_path": v.path, "score": round(score, 3), "query_start": s.query_start,
                    "query_end": s.query_end, "ref_start": s.ref_start, "ref_end": s.ref_end,
                    "speed": s.speed, "mirrored": mirrored, "matched_frames": s.matched_frames,
                    "median_distance": s.median_distance,
                })  # fmt: skip
    return dedupe(sorted(matches, key=lambda m: -m["score"]))


def dedupe(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A symmetric picture matches both as is and mirrored: keep the better of overlapping twins."""
    kept: list[dict[str, Any]] = []
    for m in matches:
        if not any(k["ref_id"] == m["ref_id"] and k["mirrored"] != m["mirrored"]
                   and min(k["query_end"], m["query_end"]) > max(k["query_start"], m["query_start"]) for k in kept):  # fmt: skip
            kept.append(m)
    return kept
