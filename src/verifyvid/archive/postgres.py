"""The archive on a PostgreSQL server, for a team sharing one (``--index postgresql://...``).

Same records and interface as the SQLite archive; hashes are ``bytea`` rows, other fingerprints
one ``bytea`` per video and kind. Candidate search runs in the server (archive/server.py): the
client keeps no copy of the archive; alignment runs in the client on the few videos it names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from verifyvid.archive.copies import (
    COPIES_SQL,
    COPY_INSERT_SQL,
    DISSOLVE_SQL,
    GROUPED_COLUMN,
    CopyOf,
    copy_values,
)
from verifyvid.archive.rows import HashRows, hashes_from
from verifyvid.archive.schema import (
    HASHES_OF_SQL,
    MIGRATE_SQL,
    ORIGIN_SQL,
    PRINT_INSERT_SQL,
    PRINTS_SQL,
    SIZE_SQL,
    STATE_SQL,
    STATS_SQL,
    TABLES,
    UNGROUPED_SQL,
    VIDEO_INSERT_SQL,
    VIDEOS_SQL,
    bump,
    new_identity,
    prints_from,
    schema,
    stats_from,
)
from verifyvid.archive.server import INDEXES_SQL, OLD_INDEXES_SQL, QUARTERS, ServerIndex
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
from verifyvid.archive.soundrows import UNHEARD_SQL, ServerSound, sound_rows, split_prints
from verifyvid.archive.store import (
    ArchiveError,
    Fingerprint,
    Video,
    copies_from,
    video_values,
    videos_from,
)
from verifyvid.fingerprint.sound import SoundPrint

# the archive is set up by this version: its last index was made in the transaction that wrote
# its identity, and no older table waits for migration
UPDATE_LOCK = 4243  # the advisory lock `index update` holds

READY_SQL = (
    "SELECT to_regclass('local_features') IS NULL AND "
    + " AND ".join(f"to_regclass('{name}') IS NOT NULL"
                   for name in (*TABLES, "sounds_hg", *(f"hashes_g{q}" for q in range(QUARTERS))))
    + " AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = "
    "current_schema() AND table_name = 'videos' AND column_name = 'origin')"
)  # fmt: skip
# made before copies were grouped: the column first (the schema's partial index names it)
GROUPED_SQL = [
    GROUPED_COLUMN.format(table=f"IF EXISTS {t}", int="BIGINT").replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS")
    for t in ("hashes", "sounds")
]  # fmt: skip


class PostgresArchive:
    engine = "postgresql"

    def __init__(self, url: str) -> None:
        import psycopg

        self.path = url.split("@")[-1]  # shown in messages: no password
        try:
            # no JIT: its compile time (about 1.5 s here) dwarfs the index lookups whose row
            # estimates (a bucket per value) set it off
            self.db = psycopg.connect(
                url, connect_timeout=10, autocommit=False, options="-c jit=off"
            )
            ready = self.db.execute(READY_SQL).fetchone()
            self.db.commit()
            if ready is not None and ready[0]:
                return  # the usual case: no DDL, whose table locks would queue behind writers
            with self.db.transaction():
                self.db.execute(
                    "SELECT pg_advisory_xact_lock(4242)"
                )  # one schema creator at a time
                for sql in GROUPED_SQL:
                    self.db.execute(sql)
                self.db.execute("DROP INDEX IF EXISTS sounds_h")  # of every row
                for sql in OLD_INDEXES_SQL:
                    self.db.execute(sql)
                self.db.execute(schema(self.engine))
                self.db.execute(ORIGIN_SQL.replace("ADD COLUMN", "ADD COLUMN IF NOT EXISTS"))
                for sql in INDEXES_SQL:  # an archive made before them gets them once, here
                    self.db.execute(sql)
                old = self.db.execute("SELECT to_regclass('local_features')").fetchone()
                if old is not None and old[0] is not None:
                    for sql in MIGRATE_SQL:
                        self.db.execute(sql)
                self.db.execute(
                    "INSERT INTO meta VALUES ('identity', %s) ON CONFLICT DO NOTHING",
                    (new_identity(),),
                )
        except psycopg.Error as e:
            raise ArchiveError(
                f"cannot open the archive at {self.path} ({' '.join(str(e).split())[:200]}); check the URL and the server"
            ) from None

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
        import psycopg

        grouped = int(copy_of is not None)
        try:
            with self.db.transaction():
                existing = self.db.execute(
                    "SELECT id FROM videos WHERE sha256 = %s", (video.sha256,)
                ).fetchone()
                if existing is not None:
                    return int(existing[0]), False
                bump(self.db, removal=False)  # first: writers queue here, ids grow in commit order
                cur = self.db.execute(
                    VIDEO_INSERT_SQL.format(p="%s")
                    + " ON CONFLICT (sha256) DO NOTHING RETURNING id",
                    video_values(video, len(t)),
                )
                row = cur.fetchone()
                if row is None:
                    existing = self.db.execute(
                        "SELECT id FROM videos WHERE sha256 = %s", (video.sha256,)
                    ).fetchone()
                    return int(existing[0]) if existing else 0, False
                vid = int(row[0])
                with (
                    self.db.cursor() as c,
                    c.copy("COPY hashes (video_id, t, h, grouped) FROM STDIN") as copy,
                ):
                    for ti, hi in zip(t, h, strict=True):
                        copy.write_row((vid, float(ti), hi.tobytes(), grouped))
                self.write_prints(vid, prints, grouped)
                if copy_of is not None:
                    self.db.execute(COPY_INSERT_SQL.format(p="%s"), copy_values(vid, copy_of))
                return vid, True
        except psycopg.Error as e:
            raise ArchiveError(
                f"cannot write to the archive at {self.path} ({' '.join(str(e).split())[:200]}); nothing was added"
            ) from None

    def sighted(self, url: str) -> int | None:
        row = self.db.execute(SIGHTED_SQL.format(p="%s"), (url,)).fetchone()
        self.db.commit()
        return int(row[0]) if row else None

    def sight(self, sighting: Sighting) -> None:
        with self.db.transaction():
            bump(self.db, removal=False)
            self.db.execute(SIGHT_SQL.format(p="%s"), sight_values(sighting))
            if sighting.uploaded:
                day = sighting.uploaded[:10]
                self.db.execute(SIGHT_FIRST_SQL.format(p="%s"), (day, sighting.video, day))

    def sightings(self, ids: set[int] | None = None) -> dict[int, list[Sighting]]:
        if ids is None:
            rows = self.db.execute(SIGHTINGS_SQL.format(where="")).fetchall()
        else:
            sql = SIGHTINGS_SQL.format(where="WHERE video_id = ANY(%s)")
            rows = self.db.execute(sql, (sorted(ids),)).fetchall()
        self.db.commit()
        return sightings_from(rows)

    def watch(self, url: str, name: str) -> bool:
        with self.db.transaction():
            return self.db.execute(WATCH_SQL.format(p="%s"), (url, name, now())).rowcount > 0

    def unwatch(self, key: str) -> bool:
        with self.db.transaction():
            return self.db.execute(UNWATCH_SQL.format(p="%s"), (key, key)).rowcount > 0

    def watched(self) -> list[Watched]:
        rows = self.db.execute(WATCHED_SQL).fetchall()
        self.db.commit()
        return [Watched(*row) for row in rows]

    def ran(self, url: str, result: str) -> None:
        with self.db.transaction():
            self.db.execute(RAN_SQL.format(p="%s"), (now(), result, url))

    @contextlib.contextmanager
    def update_lock(self) -> Iterator[bool]:
        """Whether this session holds the archive's update lock (a PostgreSQL advisory lock)."""
        row = self.db.execute("SELECT pg_try_advisory_lock(%s)", (UPDATE_LOCK,)).fetchone()
        self.db.commit()
        held = bool(row and row[0])
        try:
            yield held
        finally:
            if held:
                self.db.execute("SELECT pg_advisory_unlock(%s)", (UPDATE_LOCK,))
                self.db.commit()

    def remove(self, vid: int) -> bool:
        with self.db.transaction():
            for sql in DISSOLVE_SQL:
                self.db.execute(sql.format(p="%s"), (vid,))
            removed = self.db.execute("DELETE FROM videos WHERE id = %s", (vid,)).rowcount > 0
            if removed:
                bump(self.db, removal=True)
            return removed

    def videos(self) -> list[Video]:
        rows = self.db.execute(VIDEOS_SQL).fetchall()
        self.db.commit()
        return videos_from(rows)

    def stats(self) -> dict[str, int]:
        row = self.db.execute(STATS_SQL).fetchone()
        self.db.commit()
        return stats_from(row)

    def state(self) -> tuple[int, int, int, int]:
        row = self.db.execute(STATE_SQL).fetchone()
        self.db.commit()
        assert row is not None
        return int(row[0]), int(row[1]), int(row[2]), int(row[3])

    def candidates(self) -> ServerIndex:
        return ServerIndex(self.db, self.stats()["hashes"])

    def hashes_of(self, ids: set[int]) -> HashRows:
        if not ids:
            return HashRows.concat([])
        rows = hashes_from(self.db.execute(HASHES_OF_SQL.format(ids="SELECT unnest(%s::bigint[])"),
                                           (sorted(ids),), binary=True))  # fmt: skip
        self.db.commit()
        return rows

    def copies(self, of: set[int]) -> dict[int, list[tuple[Video, CopyOf]]]:
        if not of:
            return {}
        rows = self.db.execute(
            COPIES_SQL.format(ids="SELECT unnest(%s::bigint[])"), (sorted(of),)
        ).fetchall()
        self.db.commit()
        return copies_from(rows)

    def prints_size(self, kind: str) -> int:
        row = self.db.execute(SIZE_SQL.format(p="%s"), (kind,)).fetchone()
        self.db.commit()
        return int(row[0]) if row else 0

    def unheard(self) -> list[int]:
        rows = self.db.execute(UNHEARD_SQL).fetchall()
        self.db.commit()
        return [int(r[0]) for r in rows]

    def add_sound(self, vid: int, sound: SoundPrint) -> None:
        with self.db.transaction():
            bump(self.db, removal=False)
            self.write_prints(vid, [sound])

    def write_prints(self, vid: int, prints: Sequence[Fingerprint], grouped: int = 0) -> None:
        """A video's fingerprints (in the caller's transaction): blobs, and a sound print's
        rows (archive/soundrows.py); a blob already there (two `index hear` at once) stays."""
        blobs, sound = split_prints(prints)
        for f in blobs:
            self.db.execute(
                PRINT_INSERT_SQL.format(p="%s") + " ON CONFLICT DO NOTHING",
                (vid, f.kind, f.size(), f.to_bytes()),
            )
        if sound is not None:
            with (
                self.db.cursor() as c,
                c.copy("COPY sounds (video_id, t, h, grouped) FROM STDIN") as copy,
            ):
                for row in sound_rows(vid, sound, grouped):
                    copy.write_row(row)

    def sounds(self) -> ServerSound:
        return ServerSound(self.db)

    def prints(
        self, kind: str, ids: set[int] | None = None, ungrouped: bool = False
    ) -> dict[int, bytes]:
        """Every video's fingerprint of ``kind`` (``ungrouped``: but grouped copies'), or only
        those of ``ids`` (filtered on the server)."""
        if ids is not None and not ids:
            return {}
        sql = (PRINTS_SQL + (UNGROUPED_SQL if ungrouped and ids is None else "")).format(p="%s")
        if ids is None:
            rows = self.db.execute(sql, (kind,)).fetchall()
        else:
            rows = self.db.execute(sql + " AND video_id = ANY(%s)", (kind, sorted(ids))).fetchall()
        self.db.commit()
        return prints_from(rows)
