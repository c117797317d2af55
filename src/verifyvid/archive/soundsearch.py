"""Search by sound: the clip's landmark hashes looked up in the archive (archive/soundindex.py),
the videos whose pairs could hold a line kept (``candidates``: one vectorized vote over every
pair), then aligned in time one by one (archive/soundalign.py).

A long clip is searched with at most ``QUERY_MAX`` of its hashes: a copy needs ``MIN_HITS`` on
one line, and 400 hashes (13 s of speech) find one as well as all of a minute's; the rows read,
and the time, grow with the hashes asked for (at 1e7 frame-equivalents, 800 took 1.0-1.4 s, 400
took 0.5-0.9 s: docs/benchmarks.md). The hashes most grid shifts agree on are taken first (the
likeliest to be archived: fingerprint/sound.py), each level spread evenly over the clip's time.

A copy under noise, reverb or a phone codec keeps few of its hashes, and 400 of the clip's hold
fewer still (on the benchmark's dev split, a third to a half fewer on its line than all of
them). So the videos that came close (``LOOK`` pairs on one line, at most ``SECOND`` of them, the
closest first) are looked at again with every hash of the clip, against that video's own hashes
only (``rows_of``: a few thousand rows each, read by video): the cost stays that of 400 hashes
and a few videos, whatever the archive's size.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verifyvid.archive.soundalign import MIN_HITS, OFFSET_BIN, SPEEDS, SoundSegment, align_sound
from verifyvid.archive.soundindex import SoundIndex, SoundLookup
from verifyvid.fingerprint.sound import SoundPrint

QUERY_MAX = 400
LOOK = 5  # pairs on one cell a video needs to be looked at again (chance cells of the dev split's
# negatives held at most 4 of 400 hashes)
SECOND = 4  # videos looked at again, the closest first
Array = np.ndarray[Any, Any]


def sampled(query: SoundPrint, most: int | None = None) -> SoundPrint:
    """At most ``most`` (QUERY_MAX) of the clip's hashes (all of a short clip's): those given by
    the most grids first, the last level taken evenly over the clip's time."""
    most = QUERY_MAX if most is None else most
    if len(query) <= most:
        return query
    grids = np.ones(len(query), np.int64) if query.grids is None else np.asarray(query.grids)
    keep = np.zeros(len(query), bool)
    for level in np.unique(grids)[::-1]:
        at = np.flatnonzero(grids == level)
        room = most - int(keep.sum())
        if len(at) > room:
            at = at[np.unique(np.linspace(0, len(at) - 1, room).round().astype(np.int64))]
        keep[at] = True
        if len(at) >= room:
            break
    k = np.flatnonzero(keep)
    return SoundPrint(query.t[k], query.hash[k], query.duration, grids[k].astype(np.uint8))


def closest(qt: Array, ids: Array, r: Array) -> dict[int, int]:
    """The videos' most pairs on one cell (and its neighbour) at some speed, counting pairs,
    not distinct clip hashes (an upper bound of what the alignment counts), for the videos with
    at least LOOK."""
    if not len(ids):
        return {}
    video, which = np.unique(ids, return_inverse=True)
    best = np.zeros(len(video), np.int64)
    for speed in SPEEDS:
        cell = np.floor((r - speed * qt) / OFFSET_BIN).astype(np.int64)
        for shift in (0, 1):  # a line on a cell border: count a cell with its upper neighbour
            key = which * (1 << 32) + ((cell + shift) // 2 + (1 << 30))
            values, counts = np.unique(key, return_counts=True)
            owner = values >> 32  # sorted: each video's cells are one run
            first = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
            top = np.maximum.reduceat(counts, first)
            best[owner[first]] = np.maximum(best[owner[first]], top)
    near = np.flatnonzero(best >= LOOK)
    return {int(v): int(c) for v, c in zip(video[near], best[near], strict=True)}


def search_sound(index: SoundLookup, query: SoundPrint) -> list[tuple[int, SoundSegment]]:
    """(video id, segment) of every aligned stretch of the clip's sound, best first."""
    if not len(query) or not len(index):
        return []
    asked = sampled(query)
    qi, ids, r = index.near(asked.hash, asked.t)
    if not len(qi):
        return []
    qt = asked.t[qi].astype(np.float64)
    near = closest(qt, ids, r.astype(np.float64))
    wanted = [v for v, c in near.items() if c >= MIN_HITS]
    out = aligned(qt, ids, r, asked.t, wanted)
    if len(asked) < len(query):
        found = {v for v, _ in out}
        again = sorted((v for v in near if v not in found),
                       key=lambda v: (-near[v], v))[:SECOND]  # fmt: skip
        if again:
            out += second_look(index, query, again)
    return sorted(out, key=lambda m: (m[1].ambiguous, -m[1].hits))


def second_look(index: SoundLookup, query: SoundPrint, videos: list[int]
                ) -> list[tuple[int, SoundSegment]]:  # fmt: skip
    """Segments of ``videos`` found with every hash of the clip, against their own rows."""
    vid, t, h = index.rows_of(np.asarray(videos, np.int64))
    qi, ids, r = SoundIndex.of(vid, t, h).near(query.hash)
    if not len(qi):
        return []
    return aligned(query.t[qi].astype(np.float64), ids, r, query.t, videos)


def aligned(qt: Array, ids: Array, r: Array, query_t: Array, wanted: list[int] | Array
            ) -> list[tuple[int, SoundSegment]]:  # fmt: skip
    """(video, segment) of the ``wanted`` videos' pairs, aligned one video at a time."""
    sel = np.isin(ids, np.asarray(list(wanted), np.int64))
    qt, ids, r = qt[sel], ids[sel], r[sel]
    order = np.argsort(ids, kind="stable")
    qt, ids, r = qt[order], ids[order], r[order]
    cuts = np.flatnonzero(np.diff(ids)) + 1
    out: list[tuple[int, SoundSegment]] = []
    for part_q, part_id, part_r in zip(np.split(qt, cuts), np.split(ids, cuts), np.split(r, cuts), strict=True):  # fmt: skip
        if len(part_q) and len(np.unique(part_q)) >= MIN_HITS:
            out += [(int(part_id[0]), seg) for seg in align_sound(part_q, part_r, query_t)]
    return out
