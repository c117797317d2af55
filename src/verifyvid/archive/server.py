"""Candidate search inside the PostgreSQL server: no copy of the archive in the client.

The server keeps eight expression indexes on ``hashes``, one per 32-bit quarter of a hash
(``INDEXES_SQL``; of the rows not grouped as a copy's, archive/copies.py). A search sends the distinct quarters of its query hashes, one array per
quarter; the server answers with the rows that share one exactly (an index lookup each: cost
flat in archive size, and with random hashes about one stray row per 50 million hashes per
lookup). Every video with such a row within the radius is a candidate video; its hashes are read
(``rows_of``) and compared with every query hash in the client, keeping exactly the pairs the
embedded index would keep (``pairs_within``: within the radius and sharing a 16-bit substring
within ``flips`` bits). So for every video the server names, the pairs, and hence the matches,
are the embedded engine's.

What the server cannot name: a video none of whose frames shares a whole 32-bit quarter with a
query frame. Two hashes within 7 bits always share one (pigeonhole over 8 quarters); farther
pairs share one part of the time (73 % at 15 bits, 11 % at 30), and naming a video takes only
one such frame among the several a second that a copy offers. docs/matching.md gives the measured
parity with the embedded engine.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from verifyvid.archive.index import distances, pairs_within
from verifyvid.archive.rows import hashes_from

Array = np.ndarray[Any, Any]
QUARTERS = 8


def quarter_sql(i: int) -> str:
    """The i-th 32-bit quarter of ``h`` as a bigint (the indexed expression, written the same
    way in the index and the query so that the planner uses the index)."""
    b = 4 * i
    return (f"((get_byte(h, {b})::bigint << 24) | (get_byte(h, {b + 1}) << 16) "
            f"| (get_byte(h, {b + 2}) << 8) | get_byte(h, {b + 3}))")  # fmt: skip


# partial: a grouped copy's rows (archive/copies.py) are left out, and the queries say so
INDEXES_SQL = [
    f"CREATE INDEX IF NOT EXISTS hashes_g{i} ON hashes ({quarter_sql(i)}) WHERE grouped = 0"
    for i in range(QUARTERS)
]
OLD_INDEXES_SQL = [f"DROP INDEX IF EXISTS hashes_q{i}" for i in range(QUARTERS)]  # of every row
CANDIDATES_SQL = " UNION ALL ".join(
    f"SELECT video_id, h FROM hashes WHERE grouped = 0 AND {quarter_sql(i)} = ANY(%s::bigint[])"
    for i in range(QUARTERS)
)
# up to HALVES_UP_TO archive hashes, rows sharing the first 16 bits of a quarter are asked for
# too (a range of each quarter index): their buckets hold N / 65,536 rows, few in a small archive
HALVES_UP_TO = 1_000_000
HALVES_SQL = " UNION ALL ".join(
    f"SELECT video_id, h FROM unnest(%s::bigint[]) AS v(lo) JOIN hashes "
    f"ON grouped = 0 AND {quarter_sql(i)} BETWEEN v.lo AND v.lo + 65535"
    for i in range(QUARTERS)
)
ROWS_SQL = "SELECT id, video_id, t, h FROM hashes WHERE video_id = ANY(%s) ORDER BY video_id, id"


def quarters(hashes: Array) -> Array:
    """(N, 8) 32-bit quarters of N packed hashes, as the server computes them."""
    return np.ascontiguousarray(hashes, np.uint8).reshape(-1, 32).view(">u4").astype(np.int64)


class ServerIndex:
    """The same questions as archive/index.py's CandidateIndex, answered by the server."""

    def __init__(self, db: Any, size: int) -> None:
        self.db, self.size = db, size
        self.rows: dict[int, tuple[Array, Array]] = {}  # video id -> (times, hashes)

    def __len__(self) -> int:
        return self.size

    def candidate_videos(self, queries: Array, radius: int) -> list[int]:
        """Videos with a hash within ``radius`` of a query hash that shares a 32-bit quarter
        (or, in a small archive, the first half of one)."""
        q = np.ascontiguousarray(queries, np.uint8).reshape(-1, 32)
        keys = quarters(q)
        params = [np.unique(keys[:, i]).tolist() for i in range(QUARTERS)]
        found = self.db.execute(CANDIDATES_SQL, params, binary=True).fetchall()
        if self.size <= HALVES_UP_TO:
            halves = [np.unique(keys[:, i] & ~0xFFFF).tolist() for i in range(QUARTERS)]
            found += self.db.execute(HALVES_SQL, halves, binary=True).fetchall()
        self.db.commit()
        if not found:
            return []
        videos = np.array([int(r[0]) for r in found], np.int64)
        hashes = np.frombuffer(b"".join(bytes(r[1]) for r in found), np.uint8).reshape(-1, 32)
        close = np.zeros(len(found), bool)
        for a in range(0, len(hashes), 16384):  # in blocks: at most 1024 x 16384 distances
            for b in range(0, len(q), 1024):
                near = distances(q[b : b + 1024], hashes[a : a + 16384]) <= radius
                close[a : a + 16384] |= near.any(axis=0)
        return sorted({int(v) for v in videos[close]})

    def rows_of(self, video: int) -> tuple[Array, Array]:
        """(times, hashes) of every hash of one video, in archive order."""
        if video not in self.rows:
            self.read_rows([video])
        return self.rows.get(video, (np.zeros(0, np.float32), np.zeros((0, 32), np.uint8)))

    def read_rows(self, videos: list[int]) -> None:
        wanted = [v for v in videos if v not in self.rows]
        if not wanted:
            return
        got = hashes_from(self.db.execute(ROWS_SQL, (wanted,), binary=True))
        self.db.commit()
        for v in wanted:
            sel = got.video == v
            self.rows[v] = (got.t[sel], got.hash[sel])

    def near(
        self, queries: Array, radius: int, flips: int = 1
    ) -> tuple[Array, Array, Array, Array]:
        """(query row, video id, time, distance) of the pairs the embedded index would find,
        among the videos the server names."""
        videos = self.candidate_videos(queries, radius)
        self.read_rows(videos)
        parts = [(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int32))]  # fmt: skip
        for v in videos:
            t, h = self.rows[v]
            qi, hi, d = pairs_within(queries, h, radius, flips)
            parts.append((qi, np.full(len(qi), v, np.int64), t[hi], d))
        qi, vid, t, d = (np.concatenate([p[k] for p in parts]) for k in range(4))
        return qi, vid, t, d
