"""A match against a group's representative stands for every copy grouped with it
(archive/copies.py): the search aligns the clip with a few of the copies themselves (the closest
to the representative and the earliest dated: what a reader asks first) and gives the others the
seconds their grouping recorded, so its cost follows what the reader needs, not the copies.
``every`` aligns them all (``--all``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from verifyvid.archive.cached import Layered
from verifyvid.archive.copies import CopyOf
from verifyvid.archive.store import Archive, Video

ALIGNED = 8  # copies aligned with the clip: the closest to the representative...
EARLIEST = 2  # ...and the earliest dated
CHUNK = 64  # copies whose rows are compared with the clip at once (bounds memory)

Aligner = Callable[[Layered, dict[int, Any]], list[dict[str, Any]]]


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
    return {"ref_id": video.id, "title": video.title, "source": video.source,
            "first_seen": video.first_seen, "ref_path": video.path, "ref_duration": video.duration,
            "origin": video.origin, "footage": copy.of, "via": copy.of,
            "query_start": round(q[0], 2), "query_end": round(q[1], 2),
            "ref_start": round(a, 2), "ref_end": round(b, 2), "ambiguous": bool(anchor["ambiguous"]),
            "distance": copy.distance, "seen_at": []}  # fmt: skip


def expand(
    archive: Archive, found: list[dict[str, Any]], align: Aligner, every: bool = False
) -> list[dict[str, Any]]:
    """``found``, each match of a representative marked with its footage, followed by the
    matches of its aligned copies and then the copies given their seconds through it."""
    for m in found:
        m.setdefault("footage", None)
        m.setdefault("via", None)
    groups = archive.copies({m["ref_id"] for m in found})
    aligned: list[dict[str, Any]] = []
    inferred: list[dict[str, Any]] = []
    for rep, members in sorted(groups.items()):
        own = [m for m in found if m["ref_id"] == rep]
        for m in own:
            m["footage"] = rep
        chosen = members if every else picked(members)
        done: set[int] = set()
        for start in range(0, len(chosen), CHUNK):
            part = chosen[start : start + CHUNK]
            rows = archive.hashes_of({v.id for v, _ in part})
            for m in align(Layered([], rows), {v.id: v for v, _ in part}):
                m["footage"], m["via"] = rep, None
                aligned.append(m)
                done.add(m["ref_id"])
        anchor = min(own, key=lambda m: (m["ambiguous"], -m["score"]))
        for video, copy in members:
            if video.id not in done and (copy_match := through(anchor, video, copy)) is not None:
                inferred.append(copy_match)
    return [*sorted([*found, *aligned], key=lambda m: (m["ambiguous"], -m["score"])), *inferred]
