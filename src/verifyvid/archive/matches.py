"""A match of the clip against one archived video, as the search returns it: one constructor
for picture, local-feature and sound evidence (the search stage turns it into its typed
``Match``), and the joining of sound evidence to the picture match of the same copy."""

from __future__ import annotations

import math
from typing import Any

from verifyvid.archive.soundalign import SoundSegment

SOUND_ONLY = "sound"  # the region of a match resting on the sound alone


def match_dict(video: Any, region: str, **fields: Any) -> dict[str, Any]:
    """A match against ``video`` (archive/store.Video) found in ``region``: whole, frame, inset,
    local or sound; ``fields``: its seconds and evidence."""
    return {"ref_id": video.id, "title": video.title, "source": video.source,
            "first_seen": video.first_seen, "ref_path": video.path,
            "ref_duration": video.duration, "origin": video.origin, "region": region,
            "sound": None, **fields}  # fmt: skip


def sound_evidence(seg: SoundSegment) -> dict[str, Any]:
    return {"query_start": seg.query_start, "query_end": seg.query_end,
            "ref_start": seg.ref_start, "ref_end": seg.ref_end, "speed": seg.speed,
            "hits": seg.hits, "density": seg.density, "ambiguous": seg.ambiguous}  # fmt: skip


def sound_score(seg: SoundSegment) -> float:
    """0-1, to rank a sound-only match beside picture matches: the share of the clip's hashes
    over the span that matched (noise and re-encoding lower it), and how many (10: 0.39, 40:
    0.86). Not a probability."""
    return min(1.0, 2.0 * seg.density) * (1.0 - math.exp(-seg.hits / 20.0))


def overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def with_sound(found: list[dict[str, Any]], video: Any, seg: SoundSegment) -> list[dict[str, Any]]:
    """The sound segment joins the picture match of ``video`` whose seconds it overlaps most
    (one copy: its picture and its sound side by side); with none, it is a sound-only match
    (the same recording, over pictures the archive does not hold as that video's)."""
    mine = [m for m in found if m["ref_id"] == video.id and m.get("sound") is None]
    best = max(mine, default=None, key=lambda m: overlap(m["query_start"], m["query_end"],
                                                         seg.query_start, seg.query_end))  # fmt: skip
    if best is not None and overlap(best["query_start"], best["query_end"],
                                    seg.query_start, seg.query_end) > 0:  # fmt: skip
        best["sound"] = sound_evidence(seg)
        return found
    alone = match_dict(
        video, SOUND_ONLY, score=round(sound_score(seg), 3), query_start=seg.query_start,
        query_end=seg.query_end, ref_start=seg.ref_start, ref_end=seg.ref_end, speed=seg.speed,
        mirrored=False, matched_frames=0, evidence=float(seg.hits), ambiguous=seg.ambiguous,
        median_distance=None, inliers=None,
    )  # fmt: skip
    alone["sound"] = sound_evidence(seg)
    return [*found, alone]
