"""Grouping a video with the footage it copies, when it is archived (archive/copies.py).

The new video's own frame hashes are searched in the archive, as a clip is. It is a copy of an
archived video when one segment, in time order and at normal orientation, covers ``SHARE`` of
its seconds with a median distance within ``DISTANCE``: a re-encode, a resize, a logo or a
caption, an excerpt. Anything farther (a crop, a picture-in-picture, a mirrored or partial
copy) stays a video of its own, searched as every video is: a clip close to it but not to the
group's representative is then still found.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verifyvid.archive.copies import CopyOf
from verifyvid.archive.search import RADIUS, Query, search_index
from verifyvid.archive.store import HASH_LIST, Archive

SHARE = 0.8  # of the new video's seconds, matched by one segment
# median bits of 256: a clip within RADIUS of a copy is within RADIUS + DISTANCE of the
# representative, and its frames spread around that median, so most are found through it
DISTANCE = 32.0
MIN_SECONDS = 2.0  # shorter videos are not grouped: too little to tell a copy by


def copy_of(archive: Archive, t: np.ndarray[Any, Any], h: np.ndarray[Any, Any]) -> CopyOf | None:
    """The archived video this one copies, with its seconds there; None when it copies none."""
    span = float(np.max(t) - np.min(t)) if len(t) else 0.0
    if len(t) < 4 or span < MIN_SECONDS:
        return None
    query = Query(t=np.asarray(t, np.float32), hash=np.asarray(h, np.uint8),
                  mirror=np.zeros((0, 32), np.uint8))  # fmt: skip
    videos = {v.id: v for v in archive.videos()}
    if not videos:
        return None
    found = search_index(archive.candidates(), videos, query, RADIUS)
    fits = [m for m in found
            if not m["ambiguous"] and not m["mirrored"] and m["region"] == "whole"
            and m["origin"] != HASH_LIST and m["median_distance"] is not None
            and m["median_distance"] <= DISTANCE
            and m["query_end"] - m["query_start"] >= SHARE * span]  # fmt: skip
    if not fits:
        return None
    best = max(fits, key=lambda m: (m["score"], -m["ref_id"]))
    return CopyOf(of=int(best["ref_id"]), shift=float(best["ref_start"] - best["speed"] * best["query_start"]),
                  speed=float(best["speed"]), distance=float(best["median_distance"]),
                  share=round(min(1.0, (best["query_end"] - best["query_start"]) / span), 3))  # fmt: skip
