"""Matches of one footage archived many times, put together: one group per footage, with its
earliest first-seen copy, its closest copies and its spread over time (archive/footage.py)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from verifyvid.stages.search.models import Copy, Footage, Match

CLOSEST = 5


def grouped(matches: list[Match], copies: list[dict[str, Any]]) -> list[Footage]:
    """The footage groups among ``matches`` (best first) and the ``copies`` found through them."""
    out = []
    for rep in dict.fromkeys(m.footage for m in matches if m.footage is not None):
        mine = [m for m in matches if m.footage == rep]
        others = [Copy(**c) for c in copies if c["footage"] == rep]
        ids = {m.ref_id for m in mine} | {c.ref_id for c in others}
        if len(ids) < 2:
            continue
        firsts = {m.ref_id: m.first_seen for m in mine} | {c.ref_id: c.first_seen for c in others}
        dated = sorted((day, ref) for ref, day in firsts.items() if day)
        earliest = dated[0][1] if dated else None
        closest = list(dict.fromkeys(m.ref_id for m in mine if not m.ambiguous))[:CLOSEST]
        spread = Counter((day or "unknown")[:7] for day in firsts.values())
        out.append(Footage(
            id=rep, videos=len(ids), earliest=earliest, first_seen=dated[0][0] if dated else None,
            earliest_aligned=earliest in {m.ref_id for m in mine}, closest=closest,
            spread=dict(sorted(spread.items())), copies=others,
        ))  # fmt: skip
    return out
