"""Matches put together by footage, and a group's representative standing for its copies.

Matches that cover the same seconds of the clip show the same footage, whether their videos were
grouped when archived (archive/copies.py) or not (a mirrored or cropped copy is a video of its
own). A match against a group's representative stands for every copy grouped with it: the
search aligns the clip with a few of the copies themselves (the closest to their representative
and the earliest dated: what a reader asks first) and gives the others the seconds their
grouping recorded, so its cost follows what the reader needs, not the copies. ``every`` aligns
them all (``--all``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifyvid.archive.cached import Layered
from verifyvid.archive.copies import CopyOf
from verifyvid.archive.matches import SOUND_ONLY, match_dict, overlap
from verifyvid.archive.store import Archive, Video

ALIGNED = 5  # copies aligned with the clip: the closest to their representative...
EARLIEST = 1  # ...and the earliest dated
CHUNK = 64  # copies whose rows are compared with the clip at once (bounds memory)

# (candidate rows, their videos, the query's (region, mirrored) variants to search): matches
Aligner = Callable[[Layered, dict[int, Any], set[tuple[str, bool]]], list[dict[str, Any]]]
PICTURE = ("whole", "frame", "inset")  # regions the copies' frame hashes are aligned in


def picked(members: list[tuple[Video, CopyOf]]) -> list[tuple[Video, CopyOf]]:
    """The copies to align with the clip itself."""
    close = sorted(members, key=lambda m: (m[1].distance, -m[1].share, m[0].id))[:ALIGNED]
    dated = sorted(
        (m for m in members if m[0].first_seen), key=lambda m: (str(m[0].first_seen), m[0].id)
    )
    return list({m[0].id: m for m in [*close, *dated[:EARLIEST]]}.values())


def through(anchor: dict[str, Any], video: Video, copy: CopyOf) -> dict[str, Any] | None:
    """The copy's seconds matched by the clip, through the representative's match ``anchor``;
    None when the copy does not hold those seconds (an excerpt of another part)."""
    rs, re_, qs, speed = (
        anchor["ref_start"],
        anchor["ref_end"],
        anchor["query_start"],
        anchor["speed"] or 1.0,
    )
    a, b = sorted((copy.here(rs), copy.here(re_)))
    a, b = max(a, 0.0), min(b, video.duration if video.duration else b)
    if b - a <= 0.0:
        return None
    q = sorted(qs + (copy.there(x) - rs) / speed for x in (a, b))
    return match_dict(video, anchor["region"], footage=copy.of, via=copy.of,
                      query_start=round(q[0], 2), query_end=round(q[1], 2), ref_start=round(a, 2),
                      ref_end=round(b, 2), ambiguous=bool(anchor["ambiguous"]),
                      distance=copy.distance, seen_at=[])  # fmt: skip


def clusters(found: list[dict[str, Any]]) -> dict[int, int]:
    """{ref id: footage id}: matches (but sound-only ones: the recording re-used, the picture
    may differ) overlapping over half the shorter of their spans of the clip show the same
    footage; its id is the smallest ref id among them."""
    pictured = sorted(
        (m for m in found if m["region"] != SOUND_ONLY), key=lambda m: m["query_start"]
    )
    parent: dict[int, int] = {m["ref_id"]: m["ref_id"] for m in pictured}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for k, a in enumerate(pictured):
        for b in pictured[k + 1 :]:
            if b["query_start"] >= a["query_end"]:
                break
            shared = overlap(a["query_start"], a["query_end"], b["query_start"], b["query_end"])
            shorter = min(a["query_end"] - a["query_start"], b["query_end"] - b["query_start"])
            if shared > 0.5 * shorter:
                ra, rb = root(a["ref_id"]), root(b["ref_id"])
                parent[max(ra, rb)] = min(ra, rb)
    return {ref: root(ref) for ref in parent}


def expand(
    archive: Archive, found: list[dict[str, Any]], align: Aligner, every: bool = False
) -> list[dict[str, Any]]:
    """``found``, each match marked with its footage (``clusters``), followed by the matches of
    the aligned copies of the groups among them and then the copies given their seconds
    through their representative's match."""
    groups = archive.copies({m["ref_id"] for m in found})
    footage = clusters(found)
    for rep in groups:  # a representative matched by its sound alone: its own footage
        footage.setdefault(rep, rep)
    for m in found:
        m["footage"], m["via"] = footage.get(m["ref_id"]), None
    aligned: list[dict[str, Any]] = []
    inferred: list[dict[str, Any]] = []
    for cluster in sorted({footage[rep] for rep in groups}):
        reps = [rep for rep in groups if footage.get(rep) == cluster]
        members = [member for rep in reps for member in groups[rep]]
        chosen = members if every else picked(members)
        done: set[int] = set()
        for rep in reps:  # each copy aligned as its representative matched: mirrored or not, where
            ways = {(m["region"], bool(m["mirrored"])) for m in found
                    if m["ref_id"] == rep and m["region"] in PICTURE} or {("whole", False)}  # fmt: skip
            mine = [c for c in chosen if c[1].of == rep]
            for start in range(0, len(mine), CHUNK):
                part = mine[start : start + CHUNK]
                rows = archive.hashes_of({v.id for v, _ in part})
                for m in align(Layered([], rows), {v.id: v for v, _ in part}, ways):
                    m["footage"], m["via"] = cluster, None
                    aligned.append(m)
                    done.add(m["ref_id"])
        for rep in reps:
            anchor = min(
                (m for m in found if m["ref_id"] == rep),
                key=lambda m: (m["ambiguous"], -m["score"]),
            )
            for video, copy in groups[rep]:
                if video.id not in done and (match := through(anchor, video, copy)) is not None:
                    match["footage"] = cluster
                    inferred.append(match)
    return [*sorted([*found, *aligned], key=lambda m: (m["ambiguous"], -m["score"])), *inferred]
