"""The archive of known videos: an embedded SQLite file (one desk's default).

Each record: id, title, source URL, first-seen date, SHA-256, duration, path, and the frame
hashes with their timestamps (256-bit PDQ, 32 bytes each). Writes are transactions; SQLite's
own locking lets several processes add to one file (WAL journal, 30 s busy timeout).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import platformdirs

from verifyvid.errors import UsageError, VerifyvidError

SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT,
    first_seen TEXT,
    duration REAL,
    path TEXT,
    added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS hashes (
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    h BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS hashes_video ON hashes(video_id);
"""


BUSY_TIMEOUT = 30.0  # seconds to wait for another process's write before giving up


# Queries both engines run as they are (no parameters), and their rows turned into values.
VIDEOS_SQL = (
    "SELECT v.id, v.sha256, v.title, v.source, v.first_seen, v.duration, v.path, v.added, "
    "(SELECT COUNT(*) FROM hashes WHERE video_id = v.id) FROM videos v ORDER BY v.id"
)
HASHES_SQL = "SELECT video_id, t, h FROM hashes ORDER BY video_id, t"


def videos_from(rows: list[Any]) -> list[Video]:
    return [Video(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], int(r[8])) for r in rows]


def hashes_from(
    rows: list[Any],
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(video ids, times, hashes N x 32) from (video_id, t, h) rows."""
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros((0, 32), np.uint8)
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    times = np.fromiter((r[1] for r in rows), np.float32, len(rows))
    hashes = np.frombuffer(b"".join(bytes(r[2]) for r in rows), np.uint8).reshape(-1, 32)
    return ids, times, hashes


class ArchiveError(VerifyvidError):
    """The archive cannot be opened or written (damaged file, locked too long)."""

    exit_code = UsageError.exit_code


@dataclass
class Video:
    id: int
    sha256: str
    title: str
    source: str | None
    first_seen: str | None
    duration: float | None
    path: str | None
    added: str
    hashes: int = 0

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("verifyvid")) / "archive.sqlite"


class SqliteArchive:
    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self.db.executescript(SCHEMA)
        except (sqlite3.DatabaseError, OSError) as e:
            raise ArchiveError(
                f"cannot open the archive {path} ({e}); check the file or use --index"
            ) from None

    def close(self) -> None:
        self.db.close()

    def add(
        self, video: Video, t: np.ndarray[Any, Any], h: np.ndarray[Any, Any]
    ) -> tuple[int, bool]:
        """(id, added); an input already in the archive (same SHA-256) is not added again."""
        try:
            with self.db:
                row = self.db.execute(
                    "SELECT id FROM videos WHERE sha256 = ?", (video.sha256,)
                ).fetchone()
                if row:
                    return int(row[0]), False
                cur = self.db.execute(
                    "INSERT INTO videos (sha256, title, source, first_seen, duration, path, added) VALUES (?,?,?,?,?,?,?)",
                    (video.sha256, video.title, video.source, video.first_seen, video.duration, video.path,
                     datetime.now(UTC).isoformat()),
                )  # fmt: skip
                vid = int(cur.lastrowid or 0)
                self.db.executemany(
                    "INSERT INTO hashes (video_id, t, h) VALUES (?,?,?)",
                    ((vid, float(ti), hi.tobytes()) for ti, hi in zip(t, h, strict=True)),
                )
                return vid, True
        except sqlite3.DatabaseError as e:
            raise ArchiveError(
                f"cannot write to the archive {self.path} ({e}); nothing was added"
            ) from None

    def remove(self, vid: int) -> bool:
        with self.db:
            return self.db.execute("DELETE FROM videos WHERE id = ?", (vid,)).rowcount > 0

    def videos(self) -> list[Video]:
        return videos_from(self.db.execute(VIDEOS_SQL).fetchall())

    def stats(self) -> dict[str, int]:
        videos = self.db.execute("SELECT COUNT(*) FROM videos").fetchone()[0]
        hashes = self.db.execute("SELECT COUNT(*) FROM hashes").fetchone()[0]
        return {"videos": int(videos), "hashes": int(hashes)}

    def all_hashes(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(video ids, times, hashes N x 32) of the whole archive."""
        return hashes_from(self.db.execute(HASHES_SQL).fetchall())


class Archive(Protocol):
    """What both engines offer (SQLite here, PostgreSQL in archive/postgres.py)."""

    engine: str
    path: Any

    def add(
        self, video: Video, t: np.ndarray[Any, Any], h: np.ndarray[Any, Any]
    ) -> tuple[int, bool]: ...
    def remove(self, vid: int) -> bool: ...
    def videos(self) -> list[Video]: ...
    def stats(self) -> dict[str, int]: ...
    def all_hashes(
        self,
    ) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]: ...
    def close(self) -> None: ...


def open_archive(location: str | None) -> Archive:
    """A SQLite file path (default: the user data dir) or a postgresql:// URL."""
    if location and location.startswith(("postgresql://", "postgres://")):
        from verifyvid.archive.postgres import PostgresArchive

        return PostgresArchive(location)
    return SqliteArchive(Path(location).expanduser() if location else default_path())
