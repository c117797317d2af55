"""Where archived videos were seen (sightings: posts, feed items) and the sources `index update`
fetches (watched): their records and the queries both engines run (archive/store.py,
archive/postgres.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

# Where and when a video was seen (a post, a feed item): one video may be seen at many places;
# its first-seen date is the earliest (SIGHT_FIRST_SQL lowers it).
SIGHTED_SQL = "SELECT video_id FROM sightings WHERE url = {p} LIMIT 1"
SIGHT_SQL = (
    "INSERT INTO sightings (video_id, url, uploaded, uploader, seen) VALUES ({p},{p},{p},{p},{p}) "
    "ON CONFLICT DO NOTHING"
)
SIGHT_FIRST_SQL = (
    "UPDATE videos SET first_seen = {p} WHERE id = {p} AND (first_seen IS NULL OR first_seen > {p})"
)
SIGHTINGS_SQL = (
    "SELECT video_id, url, uploaded, uploader FROM sightings {where} ORDER BY uploaded, url"
)
# Sources `index update` fetches (archive/watch.py)
WATCH_SQL = "INSERT INTO watched (url, name, added) VALUES ({p},{p},{p}) ON CONFLICT DO NOTHING"
UNWATCH_SQL = "DELETE FROM watched WHERE url = {p} OR name = {p}"
WATCHED_SQL = "SELECT url, name, added, last_run, last_result FROM watched ORDER BY added, url"
RAN_SQL = "UPDATE watched SET last_run = {p}, last_result = {p} WHERE url = {p}"


@dataclass
class Sighting:
    """A place a video was seen: a post or a feed item, with the platform's upload time."""

    video: int
    url: str
    uploaded: str | None  # ISO 8601, UTC
    uploader: str | None


@dataclass
class Watched:
    """A source `index update` fetches: a feed, a channel, a playlist."""

    url: str
    name: str
    added: str
    last_run: str | None = None
    last_result: str | None = None


def sightings_from(rows: list[Any]) -> dict[int, list[Sighting]]:
    out: dict[int, list[Sighting]] = {}
    for vid, url, uploaded, uploader in rows:
        out.setdefault(int(vid), []).append(Sighting(int(vid), url, uploaded, uploader))
    return out


def now() -> str:
    return datetime.now(UTC).isoformat()


def sight_values(sighting: Sighting) -> tuple[Any, ...]:
    return (sighting.video, sighting.url, sighting.uploaded, sighting.uploader, now())
