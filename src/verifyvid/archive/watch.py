"""Monitored sources: feeds, channels and playlists the archive fetches on each `index update`
(docs/archive.md). Made for cron: one update at a time per archive (the engine's update lock: a
lock file beside a SQLite archive, an advisory lock on PostgreSQL), no prompts, one summary.

Each source is ingested as `index add URL` does (archive/ingest.py): what is already recorded is
not downloaded again, so an update fetches only what was published since the last one (and what
an interrupted one left)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from verifyvid.archive.ingest import IngestOptions, Report, ingest
from verifyvid.archive.service import LazyArchive
from verifyvid.archive.store import Archive
from verifyvid.download import is_url
from verifyvid.errors import UsageError

FAILED = ("error", "skipped")


def name_for(url: str) -> str:
    """A short name for a source: its host and the last part of its path."""
    parts = urlsplit(url)
    tail = [p for p in parts.path.split("/") if p]
    return parts.netloc + ("/" + tail[-1] if tail else "")


def add(archive: Archive, url: str, name: str | None) -> str:
    if not is_url(url):
        raise UsageError(f"{url}: not a link; watch http(s) links to feeds, channels or playlists")
    chosen = name or name_for(url)
    if not archive.watch(url, chosen):
        raise UsageError(
            f"{url} or the name {chosen} is watched already; see `verifyvid index watch list`"
        )
    return chosen


@dataclass
class Update:
    busy: bool = False  # another update held the lock: nothing was done
    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: int = 0

    def summary(self) -> str:
        if self.busy:
            return "update: another update of this archive is running; nothing done"
        counts = Counter(r["status"] for r in self.rows)
        failed = sum(counts[s] for s in FAILED)
        return (f"update: {self.sources} source(s), {counts['added']} new video(s), "
                f"{counts['also seen']} seen again elsewhere, {counts['known']} known, "
                f"{failed} failed")  # fmt: skip


def update(archive: Archive, options: IngestOptions, report: Report | None = None) -> Update:
    """Fetch what every watched source published since its last run."""
    with archive.update_lock() as held:
        if not held:
            return Update(busy=True)
        done = Update()
        for source in archive.watched():
            rows = ingest(LazyArchive(lambda: archive), [source.url], options, report)
            for r in rows:
                r["source"] = source.name
            counts = Counter(r["status"] for r in rows)
            archive.ran(source.url, ", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
            done.rows += rows
            done.sources += 1
        return done
