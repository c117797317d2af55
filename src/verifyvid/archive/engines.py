"""Which engine holds the archive: the one factory above both, so neither engine imports the
other (SQLite: archive/store.py; PostgreSQL: archive/postgres.py)."""

from __future__ import annotations

from pathlib import Path

from verifyvid.archive.store import Archive, SqliteArchive, default_path
from verifyvid.errors import UsageError


def open_archive(location: str | None, create: bool = False) -> Archive:
    """A SQLite file path (default: the user data dir) or a postgresql:// URL. A SQLite file is
    only made when ``create`` is set (adding videos): reading a missing archive is an error."""
    if location and location.startswith(("postgresql://", "postgres://")):
        from verifyvid.archive.postgres import PostgresArchive

        return PostgresArchive(location)
    path = Path(location).expanduser() if location else default_path()
    if not create and not path.is_file():
        raise UsageError(
            f"no archive of known videos at {path}; add videos with `verifyvid index add` "
            "or give --index"
        )
    return SqliteArchive(path)
