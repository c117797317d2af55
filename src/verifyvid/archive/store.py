"""The archive of known videos: an embedded SQLite file (one desk's default).

Each record: id, title, source URL, first-seen date, SHA-256, duration, path, and the frame
hashes with their timestamps (256-bit PDQ, 32 bytes each; the candidate index searches them),
and any other fingerprints one blob per video and kind (``fingerprints``: e.g. ``local``, the ORB
keypoints of fingerprint/local.py), so a new kind needs no change here. Writes are transactions; SQLite's
own locking lets several processes add to one file (WAL journal, 30 s busy timeout).
"""

from __future__ import annotations

import contextlib
import json
import random
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import platformdirs
from filelock import FileLock, Timeout

from verifyvid.archive.cached import current_index
from verifyvid.archive.copies import (
    COPIES_SQL,
    COPY_INSERT_SQL,
    DISSOLVE_SQL,
    GROUPED_COLUMN,
    CopyOf,
    copy_from,
    copy_values,
)
from verifyvid.archive.rows import HashRows, hashes_from
from verifyvid.archive.schema import (
    HASHES_AFTER_SQL,
    HASHES_OF_SQL,
    MIGRATE_SQL,
    ORIGIN_SQL,
    PRINT_INSERT_SQL,
    PRINTS_OF_SQL,
    PRINTS_SQL,
    SIZE_SQL,
    STATE_SQL,
    STATS_SQL,
    UNGROUPED_SQL,
    VIDEO_INSERT_SQL,
    VIDEOS_SQL,
    bump,
    new_identity,
    prints_from,
    schema,
    stats_from,
)
from verifyvid.archive.sightings import (
    RAN_SQL,
    SIGHT_FIRST_SQL,
    SIGHT_SQL,
    SIGHTED_SQL,
    SIGHTINGS_SQL,
    UNWATCH_SQL,
    WATCH_SQL,
    WATCHED_SQL,
    Sighting,
    Watched,
    now,
    sight_values,
    sightings_from,
)
from verifyvid.archive.soundcache import sound_index
from verifyvid.archive.soundindex import SoundLookup
from verifyvid.archive.soundrows import UNHEARD_SQL, sound_rows, split_prints
from verifyvid.errors import UsageError, VerifyvidError
from verifyvid.fingerprint.sound import SoundPrint

if TYPE_CHECKING:
    from verifyvid.archive.cached import Layered

BUSY_TIMEOUT = 30.0  # seconds to wait for another process's write before giving up


MEDIA, HASH_LIST = "media", "hash list"  # a video's origin


class Fingerprint(Protocol):
    """A fingerprint of one whole video stored as one blob (fingerprint/local.py's features)."""

    kind: ClassVar[str]

    def size(self) -> int:
        """How much it holds (e.g. keypoints): the archive sums it to budget a scan."""
        ...

    def to_bytes(self) -> bytes: ...


def copies_from(rows: list[Any]) -> dict[int, list[tuple[Video, CopyOf]]]:
    """COPIES_SQL's rows, by representative."""
    out: dict[int, list[tuple[Video, CopyOf]]] = {}
    for video, row in zip(videos_from(rows), rows, strict=True):
        copy = copy_from(row)
        out.setdefault(copy.of, []).append((video, copy))
    return out


def videos_from(rows: list[Any]) -> list[Video]:
    return [Video(int(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], int(r[8]), r[9])
            for r in rows]  # fmt: skip


def video_values(video: Video, hashes: int) -> tuple[Any, ...]:
    """The values of VIDEO_INSERT_SQL for ``video``."""
    return (video.sha256, video.title, video.source, video.first_seen, video.duration,
            video.path, datetime.now(UTC).isoformat(), hashes, video.origin)  # fmt: skip


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
    origin: str = MEDIA
    """'media': hashed from a media file; 'hash list': imported hashes only (vPDQ), no media,
    no local features, no stills"""

    def as_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def default_path() -> Path:
    return Path(platformdirs.user_data_dir("verifyvid")) / "archive.sqlite"


class SqliteArchive:
    engine = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache_dir = path.with_name(path.name + ".index")
        deadline = time.monotonic() + BUSY_TIMEOUT
        while True:
            db: sqlite3.Connection | None = None
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
                self.prepare()
                return
            except sqlite3.OperationalError as e:
                # Switching a new file to WAL or creating its tables while another process does
                # the same can fail at once, without SQLite's busy wait: try again until the timeout
                if db is not None:
                    db.close()
                if ("locked" not in str(e) and "busy" not in str(e)) or time.monotonic() > deadline:
                    raise ArchiveError(
                        f"cannot open the archive {path} ({e}); check the file or use --index"
                    ) from None
                time.sleep(random.uniform(0.02, 0.2))
            except (sqlite3.DatabaseError, OSError) as e:
                raise ArchiveError(
                    f"cannot open the archive {path} ({e}); check the file or use --index"
                ) from None

    def prepare(self) -> None:
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(schema(self.engine))
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(videos)")}
        if "origin" not in columns:
            with self.db:
                self.db.execute(ORIGIN_SQL)
        for table in ("hashes", "sounds"):  # archives made before copies were grouped
            if "grouped" not in {row[1] for row in self.db.execute(f"PRAGMA table_info({table})")}:
                with self.db:
                    self.db.execute(GROUPED_COLUMN.format(table=table, int="INTEGER"))
        old = "SELECT 1 FROM sqlite_master WHERE name = 'local_features'"
        if self.db.execute(old).fetchone():
            with self.db:
                for sql in MIGRATE_SQL:
                    self.db.execute(sql)
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO meta VALUES ('identity', ?)", (new_identity(),))

    def close(self) -> None:
        self.db.close()

    def add(
        self,
        video: Video,
        t: np.ndarray[Any, Any],
        h: np.ndarray[Any, Any],
        prints: Sequence[Fingerprint] = (),
        copy_of: CopyOf | None = None,
    ) -> tuple[int, bool]:
        """(id, added); an input already in the archive (same SHA-256) is not added again;
        ``copy_of``: it is a near-copy of a video there, grouped with it (archive/copies.py)."""
        grouped = int(copy_of is not None)
        try:
            with self.db:
                row = self.db.execute(
                    "SELECT id FROM videos WHERE sha256 = ?", (video.sha256,)
                ).fetchone()
                if row:
                    return int(row[0]), False
                bump(self.db, removal=False)
                cur = self.db.execute(VIDEO_INSERT_SQL.format(p="?"), video_values(video, len(t)))
                vid = int(cur.lastrowid or 0)
                self.db.executemany(
                    "INSERT INTO hashes (video_id, t, h, grouped) VALUES (?,?,?,?)",
                    ((vid, float(ti), hi.tobytes(), grouped) for ti, hi in zip(t, h, strict=True)),
                )
                self.write_prints(vid, prints, grouped)
                if copy_of is not None:
                    self.db.execute(COPY_INSERT_SQL.format(p="?"), copy_values(vid, copy_of))
                return vid, True
        except sqlite3.DatabaseError as e:
            raise ArchiveError(
                f"cannot write to the archive {self.path} ({e}); nothing was added"
            ) from None

    def sighted(self, url: str) -> int | None:
        """The video seen at ``url``, if any."""
        row = self.db.execute(SIGHTED_SQL.format(p="?"), (url,)).fetchone()
        return int(row[0]) if row else None

    def sight(self, sighting: Sighting) -> None:
        """Record where a video was seen; an earlier upload day becomes its first-seen date."""
        with self.db:
            bump(self.db, removal=False)
            self.db.execute(SIGHT_SQL.format(p="?"), sight_values(sighting))
            if sighting.uploaded:
                day = sighting.uploaded[:10]
                self.db.execute(SIGHT_FIRST_SQL.format(p="?"), (day, sighting.video, day))

    def sightings(self, ids: set[int] | None = None) -> dict[int, list[Sighting]]:
        """Where each video was seen (of ``ids`` only, when given), oldest upload first."""
        if ids is None:
            return sightings_from(self.db.execute(SIGHTINGS_SQL.format(where="")).fetchall())
        where = "WHERE video_id IN (SELECT value FROM json_each(?))"
        rows = self.db.execute(SIGHTINGS_SQL.format(where=where), (json.dumps(sorted(ids)),))
        return sightings_from(rows.fetchall())

    def watch(self, url: str, name: str) -> bool:
        with self.db:
            return self.db.execute(WATCH_SQL.format(p="?"), (url, name, now())).rowcount > 0

    def unwatch(self, key: str) -> bool:
        with self.db:
            return self.db.execute(UNWATCH_SQL.format(p="?"), (key, key)).rowcount > 0

    def watched(self) -> list[Watched]:
        return [Watched(*row) for row in self.db.execute(WATCHED_SQL).fetchall()]

    def ran(self, url: str, result: str) -> None:
        with self.db:
            self.db.execute(RAN_SQL.format(p="?"), (now(), result, url))

    @contextlib.contextmanager
    def update_lock(self) -> Iterator[bool]:
        """Whether this process holds the archive's update lock (held until the block ends)."""
        lock = FileLock(str(self.path.with_name(self.path.name + ".update.lock")))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            lock.release()

    def remove(self, vid: int) -> bool:
        """Remove a video; a representative's copies become ordinary videos (archive/copies.py)."""
        with self.db:
            for sql in DISSOLVE_SQL:
                self.db.execute(sql.format(p="?"), (vid,))
            removed = self.db.execute("DELETE FROM videos WHERE id = ?", (vid,)).rowcount > 0
            if removed:
                bump(self.db, removal=True)
            return removed

    def videos(self) -> list[Video]:
        return videos_from(self.db.execute(VIDEOS_SQL).fetchall())

    def stats(self) -> dict[str, int]:
        return stats_from(self.db.execute(STATS_SQL).fetchone())

    def state(self) -> tuple[int, int, int, int]:
        """(generation, removals, highest hash row id, identity)."""
        g, r, m, i = self.db.execute(STATE_SQL).fetchone()
        return int(g), int(r), int(m), int(i)

    def candidates(self) -> Layered:
        """The candidate index beside the file, brought up to date first (archive/cached.py)."""
        return current_index(self)

    def hashes_after(self, row: int) -> HashRows:
        """Every hash row with an id over ``row``, in id order."""
        return hashes_from(self.db.execute(HASHES_AFTER_SQL.format(param="?"), (row,)))

    def hashes_of(self, ids: set[int]) -> HashRows:
        """Every hash row of some videos (grouped copies' too), video by video."""
        if not ids:
            return HashRows.concat([])
        sql = HASHES_OF_SQL.format(ids="SELECT value FROM json_each(?)")
        return hashes_from(self.db.execute(sql, (json.dumps(sorted(ids)),)))

    def copies(self, of: set[int]) -> dict[int, list[tuple[Video, CopyOf]]]:
        """The copies grouped with each of some videos (archive/copies.py), by id."""
        if not of:
            return {}
        rows = self.db.execute(COPIES_SQL.format(ids="SELECT value FROM json_each(?)"),
                               (json.dumps(sorted(of)),)).fetchall()  # fmt: skip
        return copies_from(rows)

    def prints_size(self, kind: str) -> int:
        return int(self.db.execute(SIZE_SQL.format(p="?"), (kind,)).fetchone()[0])

    def unheard(self) -> list[int]:
        """Videos archived from media whose sound was never fingerprinted (older archives)."""
        return [int(r[0]) for r in self.db.execute(UNHEARD_SQL).fetchall()]

    def add_sound(self, vid: int, sound: SoundPrint) -> None:
        """Record a video's sound fingerprint (an older archive's video, heard now)."""
        with self.db:
            bump(self.db, removal=False)
            self.write_prints(vid, [sound])

    def write_prints(self, vid: int, prints: Sequence[Fingerprint], grouped: int = 0) -> None:
        """A video's fingerprints (in the caller's transaction): blobs, and a sound print's
        rows (archive/soundrows.py); a blob already there (two `index hear` at once) stays."""
        blobs, sound = split_prints(prints)
        self.db.executemany(PRINT_INSERT_SQL.format(p="?") + " ON CONFLICT DO NOTHING",
                            [(vid, f.kind, f.size(), f.to_bytes()) for f in blobs])  # fmt: skip
        if sound is not None:
            self.db.executemany("INSERT INTO sounds (video_id, t, h, grouped) VALUES (?,?,?,?)",
                                sound_rows(vid, sound, grouped))  # fmt: skip

    def sounds(self) -> SoundLookup:
        """The sound index beside the file, brought up to date first (archive/soundcache.py)."""
        return sound_index(self)

    def prints(
        self, kind: str, ids: set[int] | None = None, ungrouped: bool = False
    ) -> dict[int, bytes]:
        """Every video's fingerprint of ``kind`` (``ungrouped``: but grouped copies'), or only
        those of ``ids`` (no others read)."""
        if ids is None:
            sql = PRINTS_SQL + (UNGROUPED_SQL if ungrouped else "")
            return prints_from(self.db.execute(sql.format(p="?"), (kind,)).fetchall())
        if not ids:
            return {}
        rows = self.db.execute(PRINTS_OF_SQL.format(p="?"), (kind, json.dumps(sorted(ids))))
        return prints_from(rows.fetchall())


class Candidates(Protocol):
    """Finds archive hashes near query hashes: CandidateIndex (embedded) or ServerIndex."""

    def __len__(self) -> int: ...
    def near(
        self, queries: np.ndarray[Any, Any], radius: int, flips: int = 1
    ) -> tuple[np.ndarray[Any, Any], ...]: ...
    def rows_of(self, video: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]: ...


class Archive(Protocol):
    """What both engines offer (SQLite here, PostgreSQL in archive/postgres.py)."""

    engine: str
    path: Any

    def add(
        self,
        video: Video,
        t: np.ndarray[Any, Any],
        h: np.ndarray[Any, Any],
        prints: Sequence[Fingerprint] = (),
        copy_of: CopyOf | None = None,
    ) -> tuple[int, bool]: ...
    def remove(self, vid: int) -> bool: ...
    def hashes_of(self, ids: set[int]) -> HashRows: ...
    def copies(self, of: set[int]) -> dict[int, list[tuple[Video, CopyOf]]]: ...
    def sighted(self, url: str) -> int | None: ...
    def sight(self, sighting: Sighting) -> None: ...
    def sightings(self, ids: set[int] | None = None) -> dict[int, list[Sighting]]: ...
    def watch(self, url: str, name: str) -> bool: ...
    def unwatch(self, key: str) -> bool: ...
    def watched(self) -> list[Watched]: ...
    def ran(self, url: str, result: str) -> None: ...
    def update_lock(self) -> contextlib.AbstractContextManager[bool]: ...
    def videos(self) -> list[Video]: ...
    def stats(self) -> dict[str, int]: ...
    def state(self) -> tuple[int, int, int, int]: ...
    def candidates(self) -> Candidates:
        """What finds the archive hashes near query hashes (archive/index.py, archive/server.py)."""
        ...

    def prints_size(self, kind: str) -> int: ...
    def prints(
        self, kind: str, ids: set[int] | None = None, ungrouped: bool = False
    ) -> dict[int, bytes]: ...
    def unheard(self) -> list[int]: ...
    def add_sound(self, vid: int, sound: SoundPrint) -> None: ...
    def sounds(self) -> SoundLookup:
        """What finds the archived sound hashes equal to the clip's (archive/soundindex.py)."""
        ...

    def close(self) -> None: ...
