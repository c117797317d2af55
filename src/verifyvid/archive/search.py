"""Search: candidate frames by Hamming radius (multi-index hashing, archive/index.py, or the
server's indexes, archive/server.py; not a full scan), then temporal alignment per archive video (archive/align.py); beside it, search by
local features (archive/local.py) for copies whole-frame hashes miss."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifyvid.archive.align import Segment, align, extended, merged
from verifyvid.archive.footage import expand
from verifyvid.archive.local import archived_features, as_match, features_wanted, search_local
from verifyvid.archive.matches import match_dict, with_sound
from verifyvid.archive.soundsearch import search_sound
from verifyvid.archive.store import HASH_LIST, Archive, Candidates, Video
from verifyvid.fingerprint.local import LocalFeatures
from verifyvid.fingerprint.sound import SoundPrint
from verifyvid.fingerprint.vpdq import DISTANCE, Vpdq

# Per-frame radius, in bits of 256. PDQ's own threshold for one picture is 31; a match here also
# needs 4 frames in consistent time order, which allows a looser radius: at 40 a caption band
# plus a logo is found (7/7 against 3/7 at 31) with no false match (docs/benchmarks.md).
RADIUS = 40
EXACT_UP_TO = 1_000_000  # archive hashes up to which one-bit neighbours are looked up too


@dataclass
class Query:
    t: np.ndarray[Any, Any]
    hash: np.ndarray[Any, Any]
    mirror: np.ndarray[Any, Any]
    inset_t: np.ndarray[Any, Any] | None = None  # inner pictures' hashes (picture-in-picture)
    inset: np.ndarray[Any, Any] | None = None
    inset_part: np.ndarray[Any, Any] | None = None  # which inner picture a row is of (0 if none)
    local: LocalFeatures | None = None  # local features of one frame a second (more if short)
    frame_t: np.ndarray[Any, Any] | None = None  # whole frames, bars included (vPDQ's hashes)
    frame: np.ndarray[Any, Any] | None = None
    sound: SoundPrint | None = None  # the sound stage's landmark hashes

    @staticmethod
    def empty(sound: SoundPrint | None = None) -> Query:
        """No picture hashes (an audio file, or no hash stage): the sound alone."""
        none = np.zeros(0, np.float32)
        return Query(t=none, hash=np.zeros((0, 32), np.uint8), mirror=np.zeros((0, 32), np.uint8),
                     sound=sound)  # fmt: skip

    @staticmethod
    def load(h: dict[str, np.ndarray[Any, Any]]) -> Query:
        """From the hash stage's npz."""
        vpdq = Vpdq.from_arrays(h, "vpdq_")
        frame_t, frame = vpdq.searchable() if vpdq is not None else (None, None)
        return Query(
            t=h["t"],
            hash=h["hash"],
            mirror=h["mirror"],
            inset_t=h.get("inset_t"),
            inset=h.get("inset"),
            inset_part=h.get("inset_part"),
            local=LocalFeatures.from_arrays(h, "local_"),
            frame_t=frame_t,
            frame=frame,
        )

    def variants(self) -> list[tuple[str, bool, np.ndarray[Any, Any], np.ndarray[Any, Any]]]:
        """(region, mirrored, times, hashes) to search."""
        out = [("whole", False, self.t, self.hash), ("whole", True, self.t, self.mirror)]
        if self.frame_t is not None and self.frame is not None and len(self.frame_t):
            out.append(("frame", False, self.frame_t, self.frame))
        if self.inset_t is None or self.inset is None or not len(self.inset_t):
            return out
        part = self.inset_part if self.inset_part is not None else np.zeros(len(self.inset_t))
        for k in np.unique(part):
            out.append(("inset", False, self.inset_t[part == k], self.inset[part == k]))
        return out


def search(
    archive: Archive,
    query: Query,
    radius: int = RADIUS,
    min_frames: int = 4,
    videos: list[Video] | None = None,
    every: bool = False,
) -> list[dict[str, Any]]:
    """``videos``: the archive's videos, when the caller has read them already. One match per
    copy: a sound segment joins the picture match of the same video and seconds, or stands as
    a sound-only match. The copies grouped with a matched video follow (archive/footage.py:
    a few aligned, the others marked ``via`` it; ``every``: all aligned)."""
    if len(query.t) == 0 and (query.sound is None or not len(query.sound)):
        return []
    listed = archive.videos() if videos is None else videos
    by_id = {v.id: v for v in listed}
    hinted: set[int] = set()
    found = []
    if len(query.t):
        found = search_index(archive.candidates(), by_id, query, radius, min_frames, hinted)
    if query.local is not None and len(query.local):
        wanted = features_wanted(archive.prints_size(LocalFeatures.kind), hinted)
        for vid, seg, inliers in search_local(archived_features(archive, wanted), query.local):
            if vid in by_id:
                found = with_local(found, as_match(vid, seg, inliers, by_id[vid]))
    found = dedupe(sorted(found, key=lambda m: (m["ambiguous"], -m["score"])))
    if query.sound is not None and len(query.sound):
        for vid, heard in search_sound(archive.sounds(), query.sound):
            if vid in by_id:
                found = with_sound(found, by_id[vid], heard)
        found.sort(key=lambda m: (m["ambiguous"], -m["score"]))
    if found:
        found = expand(
            archive,
            found,
            lambda index, some, only: search_index(
                index, some, query, radius, min_frames, only=only
            ),
            every,
        )
    seen = archive.sightings({m["ref_id"] for m in found}) if found else {}
    for m in found:
        m["seen_at"] = [{"url": s.url, "uploaded": s.uploaded, "uploader": s.uploader}
                        for s in seen.get(m["ref_id"], [])]  # fmt: skip
    return found


COVERED = 0.8  # share of a local-feature segment that hash matches must cover to stand alone


def with_local(found: list[dict[str, Any]], local: dict[str, Any]) -> list[dict[str, Any]]:
    """Hash matches time a copy more finely (more frames a second): a local-feature segment is
    added only where the same video's hash matches leave most of it uncovered, and then it
    replaces the hash fragments inside it (one copy, one segment)."""
    q0, q1 = local["query_start"], local["query_end"]
    same = [m for m in found if m["ref_id"] == local["ref_id"]]
    covered = sum(max(0.0, min(q1, m["query_end"]) - max(q0, m["query_start"]))
                  for m in same if not m["ambiguous"])  # fmt: skip
    if covered >= COVERED * (q1 - q0):
        return found
    inside = [m for m in same if m["query_start"] >= q0 - 1.0 and m["query_end"] <= q1 + 1.0]
    return [m for m in found if not any(m is i for i in inside)] + [local]


def search_index(
    index: Candidates,
    videos: dict[int, Any],
    query: Query,
    radius: int = RADIUS,
    min_frames: int = 4,
    hinted: set[int] | None = None,
    only: set[tuple[str, bool]] | None = None,
) -> list[dict[str, Any]]:
    """``hinted`` gets the ids of every video with a frame within the radius (aligned or not);
    ``only``: the (region, mirrored) variants of the query to search (default: all)."""
    # up to EXACT_UP_TO every pair within 31 bits is found, and nearly every one within 40;
    # beyond, one-bit neighbours cost too much (17x candidates): every pair within 15 bits is
    # still found, farther pairs part of the time (a segment needs only some of its frames)
    flips = 1 if len(index) <= EXACT_UP_TO else 0
    found: dict[tuple[int, str, bool], list[Segment]] = {}  # (video, region, mirrored)
    for region, mirrored, qt, variant in query.variants():
        if len(variant) != len(qt) or (only is not None and (region, mirrored) not in only):
            continue  # no mirror hashes (an archive-style hash file), or not asked for
        qi, ids, times, d = index.near(variant, radius, flips)
        if hinted is not None:
            hinted.update(int(v) for v in np.unique(ids))
        for vid in np.unique(ids):
            sel = ids == vid
            if int(vid) not in videos:  # removed since the index was read
                continue
            if videos[int(vid)].origin == HASH_LIST:  # a shared list: vPDQ's own distance
                sel &= d < DISTANCE
            ref_t, ref_h = index.rows_of(int(vid))
            segments = align(qt[qi[sel]], times[sel], d[sel], qt, ref_t, min_frames=min_frames)
            if videos[int(vid)].origin != HASH_LIST:  # grown only within vPDQ's distance
                segments = [extended(s, qt, variant, ref_t, ref_h) for s in segments]
            found.setdefault((int(vid), region, mirrored), []).extend(segments)
    matches: list[dict[str, Any]] = []
    for (vid, region, mirrored), segments in found.items():
        v = videos[vid]
        for s in merged(segments):  # one copy, one segment: also across inner-picture boxes
            score = score_of(s.coverage, s.median_distance, s.matched_frames, radius)
            matches.append(match_dict(
                v, region, score=round(score, 3), query_start=s.query_start,
                query_end=s.query_end, ref_start=s.ref_start, ref_end=s.ref_end,
                speed=s.speed, mirrored=mirrored, matched_frames=s.matched_frames,
                evidence=s.evidence, ambiguous=s.ambiguous,
                median_distance=s.median_distance, inliers=None,
            ))  # fmt: skip
    return dedupe(sorted(matches, key=lambda m: (m["ambiguous"], -m["score"])))


def score_of(coverage: float, median_distance: float, frames: int, radius: int) -> float:
    """0-1, to rank matches: how densely the segment matched (coverage), how close its frames
    are (1 - median distance / (radius + 1)), and how much evidence it rests on (4 frames:
    0.39, 15: 0.85, 30: 0.98). Not a probability."""
    closeness = max(0.0, 1.0 - median_distance / (radius + 1))
    return coverage * closeness * (1.0 - math.exp(-frames / 8.0))


def dedupe(matches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A symmetric picture matches both as is and mirrored, an inner picture both alone and in
    its frame: keep the better of twins (same video, overlapping seconds, another variant)."""
    kept: list[dict[str, Any]] = []
    for m in matches:
        if not any(k["ref_id"] == m["ref_id"] and (k["mirrored"], k["region"]) != (m["mirrored"], m["region"])
                   and min(k["query_end"], m["query_end"]) > max(k["query_start"], m["query_start"]) for k in kept):  # fmt: skip
            kept.append(m)
    return kept
