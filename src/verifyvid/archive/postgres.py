"""The archive on a PostgreSQL server, for a team sharing one (``--index postgresql://...``).

Same records and interface as the SQLite archive; hashes are ``bytea`` rows. Candidate search
and alignment run in the client (archive/search.py) on the hashes read from the server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np

from verifyvid.archive.store import (
    HASHES_SQL,
    VIDEOS_SQL,
    ArchiveError,
    Video,
    hashes_from,
    videos_from,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id BIGSERIAL PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT,
    first_seen TEXT,
    duration DOUBLE PRECISION,
    path TEXT,
    added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hashes (
    video_id BIGINT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    h BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS hashes_video ON hashes(video_id);
"""


class PostgresArchive:
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self.path = url.split("@")[-1]  # shown in messages: no password
        try:
            self.db = psycopg.connect(url, connect_timeout=10, autocommit=False)
            with self.db.transaction():
                self.db.execute(
                    "SELECT pg_advisory_xact_lock(4242)"
                )  # one schema creator at a time
                self.db.execute(SCHEMA)
        except psycopg.Error as e:
            raise ArchiveError(
                f"cannot open the archive at {self.path} ({' '.join(str(e).split())[:200]}); check the URL and the server"
            ) from None

    def close(self) -> None:
        self.db.close()

    def add(
        self, video: Video, t: np.ndarray[Any, Any], h: np.ndarray[Any, Any]
    ) -> tuple[int, bool]:
        import psycopg

        try:
            with self.db.transaction():
                cur = self.db.execute(
                    "INSERT INTO videos (sha256, title, source, first_seen, duration, path, added) "
                    "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (sha256) DO NOTHING RETURNING id",
                    (video.sha256, video.title, video.source, video.first_seen, video.duration, video.path,
                     datetime.now(UTC).isoformat()),
                )  # fmt: skip
                row = cur.fetchone()
                if row is None:
                    existing = self.db.execute(
                        "SELECT id FROM videos WHERE sha256 = %s", (video.sha256,)
                    ).fetchone()
                    return int(existing[0]) if existing else 0, False
                vid = int(row[0])
                with (
                    self.db.cursor() as c,
                    c.copy("COPY hashes (video_id, t, h) FROM STDIN") as copy,
                ):
                    for ti, hi in zip(t, h, strict=True):
                        copy.write_row((vid, float(ti), hi.tobytes()))
                return vid, True
        except psycopg.Error as e:
            raise ArchiveError(
                f"cannot write to the archive at {self.path} ({' '.join(str(e).split())[:200]}); nothing was added"
            ) from None

    def remove(self, vid: int) -> bool:
        with self.db.transaction():
            return self.db.execute("DELETE FROM videos WHERE id = %s", (vid,)).rowcount > 0

    def videos(self) -> list[Video]:
        rows = self.db.execute(VIDEOS_SQL).fetchall()
        self.db.commit()
        return videos_from(rows)

    def stats(self) -> dict[str, int]:
        videos = self.db.execute("SELECT COUNT(*) FROM videos").fetchone()
        hashes = self.db.execute("SELECT COUNT(*) FROM hashes").fetchone()
        self.db.commit()
        return {
            "videos": int(videos[0]) if videos else 0,
            "hashes": int(hashes[0]) if hashes else 0,
        }

    def all_hashes(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        rows = self.db.execute(HASHES_SQL).fetchall()
        self.db.commit()
        return hashes_from(rows)
