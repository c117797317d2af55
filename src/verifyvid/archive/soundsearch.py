"""Search by sound: the clip's landmark hashes looked up in the sound index
(archive/soundindex.py), the matching pairs aligned in time per archived video
(archive/soundalign.py)."""

from __future__ import annotations

import numpy as np

from verifyvid.archive.soundalign import MIN_HITS, SoundSegment, align_sound
from verifyvid.archive.soundindex import ArchivedSound, SoundIndex
from verifyvid.fingerprint.sound import SoundPrint


def search_sound(
    index: SoundIndex | ArchivedSound, query: SoundPrint
) -> list[tuple[int, SoundSegment]]:
    """(video id, segment) of every aligned stretch of the clip's sound, best first."""
    if not len(query) or not len(index):
        return []
    qi, ids, r = index.near(query.hash)
    out: list[tuple[int, SoundSegment]] = []
    if not len(qi):
        return out
    order = np.argsort(ids, kind="stable")
    qi, ids, r = qi[order], ids[order], r[order]
    cuts = np.flatnonzero(np.diff(ids)) + 1
    for part_q, part_id, part_r in zip(
        np.split(qi, cuts), np.split(ids, cuts), np.split(r, cuts), strict=True
    ):
        if len(np.unique(part_q)) < MIN_HITS:
            continue
        for seg in align_sound(query.t[part_q], part_r, query.t):
            out.append((int(part_id[0]), seg))
    return sorted(out, key=lambda m: (m[1].ambiguous, -m[1].hits))
