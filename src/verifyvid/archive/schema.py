"""The archive's schema, written once for both engines, and the SQL both run as it is: the
SQLite archive (archive/store.py) and the PostgreSQL one (archive/postgres.py)."""

from __future__ import annotations

import re
import secrets
from typing import Any

# One schema for both engines (a new table is one edit here): {id}, {int}, {float} and {blob}
# are the engine's column types (DIALECTS).
SCHEMA = """
CREATE TABLE IF NOT EXISTS videos (
    id {id},
    sha256 TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    source TEXT,
    first_seen TEXT,
    duration {float},
    path TEXT,
    added TEXT NOT NULL,
    hash_count {int} NOT NULL,
    origin TEXT NOT NULL DEFAULT 'media'
);
CREATE TABLE IF NOT EXISTS hashes (
    id {id},
    video_id {int} NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    h {blob} NOT NULL,
    grouped {int} NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS hashes_video ON hashes(video_id);
CREATE TABLE IF NOT EXISTS fingerprints (
    video_id {int} NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    size {int} NOT NULL,
    data {blob} NOT NULL,
    PRIMARY KEY (video_id, kind)
);
CREATE TABLE IF NOT EXISTS sounds (
    video_id {int} NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t REAL NOT NULL,
    h {int} NOT NULL,
    grouped {int} NOT NULL DEFAULT 0
);
{sound_index}
CREATE INDEX IF NOT EXISTS sounds_video ON sounds(video_id);
CREATE TABLE IF NOT EXISTS copies (
    video_id {int} PRIMARY KEY REFERENCES videos(id) ON DELETE CASCADE,
    of_id {int} NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    shift {float} NOT NULL,
    speed {float} NOT NULL,
    distance {float} NOT NULL,
    share {float} NOT NULL
);
CREATE INDEX IF NOT EXISTS copies_of ON copies(of_id);
CREATE TABLE IF NOT EXISTS sightings (
    video_id {int} NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    uploaded TEXT,
    uploader TEXT,
    seen TEXT NOT NULL,
    PRIMARY KEY (video_id, url)
);
CREATE INDEX IF NOT EXISTS sightings_url ON sightings(url);
CREATE TABLE IF NOT EXISTS watched (
    url TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    added TEXT NOT NULL,
    last_run TEXT,
    last_result TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value {int} NOT NULL);
INSERT INTO meta VALUES ('generation', 0), ('removals', 0) ON CONFLICT DO NOTHING;
"""
DIALECTS = {
    # SQLite's sound search reads the mapped index beside the file (archive/soundcache.py)
    "sqlite": {"id": "INTEGER PRIMARY KEY", "int": "INTEGER", "float": "REAL", "blob": "BLOB",
               "sound_index": ""},
    # the server's: by value, covering (index-only scans: no table page read per row), of the
    # rows not grouped as a copy's (archive/copies.py)
    "postgresql": {"id": "BIGSERIAL PRIMARY KEY", "int": "BIGINT", "float": "DOUBLE PRECISION",
                   "blob": "BYTEA",
                   "sound_index": "CREATE INDEX IF NOT EXISTS sounds_hg ON sounds (h) INCLUDE (video_id, t) WHERE grouped = 0;"},
}  # fmt: skip
TABLES = tuple(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA))


def schema(engine: str) -> str:
    """The schema in one engine's column types."""
    return SCHEMA.format(**DIALECTS[engine])


# Queries both engines run as they are, and their rows turned into values. Every change bumps
# the generation (first, so concurrent writers queue there and hash ids grow in commit order);
# a removal bumps the removal count too: the candidate index (archive/cached.py) appends new
# hashes while no removal happened since it was built, and is rebuilt otherwise.
VIDEOS_SQL = (
    "SELECT id, sha256, title, source, first_seen, duration, path, added, hash_count, origin "
    "FROM videos ORDER BY id"
)
VIDEO_INSERT_SQL = (
    "INSERT INTO videos (sha256, title, source, first_seen, duration, path, added, hash_count, "
    "origin) VALUES ({p},{p},{p},{p},{p},{p},{p},{p},{p})"
)
# archives made before hash-only videos (vPDQ lists) had no origin column: every video had media
ORIGIN_SQL = "ALTER TABLE videos ADD COLUMN origin TEXT NOT NULL DEFAULT 'media'"
STATS_SQL = "SELECT COUNT(*), COALESCE(SUM(hash_count), 0) FROM videos"
STATE_SQL = (
    "SELECT (SELECT value FROM meta WHERE key = 'generation'), "
    "(SELECT value FROM meta WHERE key = 'removals'), (SELECT COALESCE(MAX(id), 0) FROM hashes), "
    "(SELECT value FROM meta WHERE key = 'identity')"
)


def new_identity() -> int:
    """A random number written once when an archive is created: a candidate index built for
    another archive at the same place (a file replaced, a database recreated) is not reused."""
    return secrets.randbits(62)


BUMP_SQL = "UPDATE meta SET value = value + 1 WHERE key = '{key}'"
# a grouped copy's fingerprints are not scanned (archive/copies.py): it is found through its group
UNGROUPED_SQL = " AND video_id NOT IN (SELECT video_id FROM copies)"
SIZE_SQL = "SELECT COALESCE(SUM(size), 0) FROM fingerprints WHERE kind = {p}" + UNGROUPED_SQL
PRINTS_SQL = "SELECT video_id, data FROM fingerprints WHERE kind = {p}"
PRINTS_OF_SQL = PRINTS_SQL + " AND video_id IN (SELECT value FROM json_each({p}))"
PRINT_INSERT_SQL = (
    "INSERT INTO fingerprints (video_id, kind, size, data) VALUES ({p}, {p}, {p}, {p})"
)
# archives made before fingerprints had kinds kept local features in their own table
MIGRATE_SQL = (
    "INSERT INTO fingerprints SELECT video_id, 'local', keypoints, data FROM local_features",
    "DROP TABLE local_features",
)
# the rows the candidate index holds: not a grouped copy's (archive/copies.py)
HASHES_AFTER_SQL = (
    "SELECT id, video_id, t, h FROM hashes WHERE id > {param} AND grouped = 0 ORDER BY id"
)
HASHES_OF_SQL = (
    "SELECT id, video_id, t, h FROM hashes WHERE video_id IN ({ids}) ORDER BY video_id, id"
)


def prints_from(rows: list[Any]) -> dict[int, bytes]:
    return {int(vid): bytes(data) for vid, data in rows}


def stats_from(row: Any) -> dict[str, int]:
    return {"videos": int(row[0]), "hashes": int(row[1])}


def bump(db: Any, removal: bool) -> None:
    db.execute(BUMP_SQL.format(key="generation"))
    if removal:
        db.execute(BUMP_SQL.format(key="removals"))
