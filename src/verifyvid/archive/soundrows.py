"""Sound hashes in the archive: one row per landmark hash (``sounds``: video, second, value).
The PostgreSQL server searches them through a covering index on the value; beside a SQLite file
the search reads a mapped index built from them (archive/soundcache.py).

A video's sound is recorded as a ``sound`` fingerprint too (its size: the hashes kept), also
when it holds none (silence, no audio stream): so an archive can tell a video whose sound was
fingerprinted and found silent from one archived before sound fingerprints existed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifyvid.archive.soundindex import COARSE, COMMON, expanded
from verifyvid.fingerprint.sound import SOUND_KIND, SoundPrint

# videos archived from media before sound fingerprints existed (no ``sound`` mark)
UNHEARD_SQL = (
    "SELECT id FROM videos WHERE origin = 'media' AND id NOT IN "
    "(SELECT video_id FROM fingerprints WHERE kind = 'sound') ORDER BY id"
)

# The server's share of a sound search: the pairs of equal hashes (the index on ``h``), and of
# them only the videos where some pairs could hold a line: COARSE of them in one second of
# offset (archive/soundindex.py ``coarse``). So the rows sent back are the few candidates', not
# every video's that shares a common hash. A value held by more than COMMON rows is skipped, as the
# embedded index skips it (archive/soundindex.py); its count stops at COMMON + 1 index entries.
# At 1e7 frame-equivalents 22 of a clip's 400 hashes were that common and held 35 % of the
# 268,000 pairs, whose vote is most of the server's time (docs/benchmarks.md). The pairs are
# read twice from the index (for the vote, then the candidates'), not kept in a CTE: 0.42 s ->
# 0.32 s (median of 7) there.
WORK_MEM = "64MB"
SERVER_SQL = """
WITH q AS (SELECT DISTINCT h, t FROM unnest(%(h)s::bigint[], %(t)s::real[]) AS q(h, t)),
rare AS MATERIALIZED (SELECT q.h, q.t FROM q CROSS JOIN LATERAL
                      (SELECT count(*) AS n FROM (SELECT 1 FROM sounds s WHERE s.h = q.h
                       AND s.grouped = 0 LIMIT %(common)s + 1) AS one) AS c WHERE c.n <= %(common)s),
cand AS MATERIALIZED (SELECT DISTINCT s.video_id FROM sounds s JOIN rare q ON s.h = q.h
                      WHERE s.grouped = 0 GROUP BY s.video_id, floor(s.t - q.t)
                      HAVING count(*) >= %(coarse)s)
SELECT DISTINCT s.h, s.video_id, s.t FROM sounds s JOIN rare q ON s.h = q.h
WHERE s.grouped = 0 AND s.video_id IN (SELECT video_id FROM cand)
"""


def video_rows(db: Any, videos: np.ndarray[Any, Any], mark: str = "?"
               ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:  # fmt: skip
    """(video id, second, hash) of every ``sounds`` row of ``videos`` (a few: read through the
    index by video; ``mark``: the driver's parameter mark)."""
    ids = [int(v) for v in videos]
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.uint32)
    rows = SoundRows.of(db.execute(
        "SELECT h, video_id, t FROM sounds WHERE grouped = 0 AND video_id IN "
        f"({', '.join([mark] * len(ids))})", ids).fetchall())  # fmt: skip
    return rows.video, rows.t, rows.hash.astype(np.uint32)


@dataclass
class SoundMark:
    """The ``sound`` fingerprint row of a video: how many hashes its sound gave."""

    hashes: int
    duration: float
    kind = SOUND_KIND

    def size(self) -> int:
        return self.hashes

    def to_bytes(self) -> bytes:
        return np.float64(self.duration).tobytes()


def split_prints(prints: Sequence[Any]) -> tuple[list[Any], SoundPrint | None]:
    """(the fingerprints stored as blobs, the sound print whose hashes go to ``sounds``); the
    sound print is stored as its mark (SoundMark)."""
    sound = next((p for p in prints if isinstance(p, SoundPrint)), None)
    blobs = [p for p in prints if not isinstance(p, SoundPrint)]
    if sound is not None:
        blobs.append(SoundMark(len(sound), sound.duration))
    return blobs, sound


def sound_rows(
    vid: int, sound: SoundPrint, grouped: int = 0
) -> Iterator[tuple[int, float, int, int]]:
    """``grouped``: 1 for a grouped copy's rows, which the sound indexes leave out."""
    for t, h in zip(sound.t, sound.hash, strict=True):
        yield vid, float(t), int(h), grouped


@dataclass
class SoundRows:
    hash: np.ndarray[Any, Any]
    video: np.ndarray[Any, Any]
    t: np.ndarray[Any, Any]

    @staticmethod
    def of(rows: list[Any]) -> SoundRows:
        n = len(rows)
        return SoundRows(np.fromiter((r[0] for r in rows), np.int64, n),
                         np.fromiter((r[1] for r in rows), np.int64, n),
                         np.fromiter((r[2] for r in rows), np.float32, n))  # fmt: skip


class ServerSound:
    """Sound lookups in the PostgreSQL server (SERVER_SQL): the pairs of the candidate videos."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def __len__(self) -> int:
        return 1  # not counted: the server answers for the rows it holds

    def near(self, hashes: np.ndarray[Any, Any], times: np.ndarray[Any, Any] | None = None
             ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:  # fmt: skip
        h = np.asarray(hashes, np.int64)
        t = np.zeros(len(h)) if times is None else np.asarray(times, np.float64)
        # the vote over a few hundred thousand pairs spills to disk at the default 4 MB (10-15 %
        # of the query's time at 1e7 frame-equivalents); for this transaction only
        self.db.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        rows = self.db.execute(
            SERVER_SQL, {"h": h.tolist(), "t": t.tolist(), "coarse": COARSE, "common": COMMON}
        ).fetchall()
        self.db.commit()
        return rows_for(h, SoundRows.of(rows))

    def rows_of(self, videos: np.ndarray[Any, Any]
                ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:  # fmt: skip
        out = video_rows(self.db, videos, "%s")
        self.db.commit()
        return out


def rows_for(h: np.ndarray[Any, Any], rows: SoundRows
             ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:  # fmt: skip
    """(clip hash row, video, second) of the archived ``rows`` equal to each clip hash."""
    order = np.argsort(rows.hash, kind="stable")
    found_h, found_v, found_t = rows.hash[order], rows.video[order], rows.t[order]
    lo = np.searchsorted(found_h, h, side="left")
    qi, at = expanded(lo, np.searchsorted(found_h, h, side="right") - lo)
    return qi, found_v[at], found_t[at]
