"""Copies of one footage grouped in the archive: a video archived as a near-copy of one already
there (its whole picture matches part of that video, frame by frame) is recorded as a copy of it
(``copies``), and its hash and sound rows are marked ``grouped``. The candidate indexes hold only
ungrouped rows, so a viral clip archived a thousand times costs a search one video, not a
thousand; the search finds the footage through its first archived video (the group's
representative) and lists the copies through the seconds recorded here (archive/footage.py).

Removing a representative dissolves its group: its copies become ordinary videos again (every
row searchable), so nothing archived is ever out of reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CopyOf:
    """A video is a copy of video ``of``: its second s is second ``shift + speed * s`` there."""

    of: int
    shift: float
    speed: float
    distance: float  # median Hamming distance of its matched frames (of 256 bits)
    share: float  # the share of its own seconds that matched

    def there(self, s: float) -> float:
        """Its second ``s`` as a second of the representative."""
        return self.shift + self.speed * s

    def here(self, x: float) -> float:
        """Second ``x`` of the representative as its own second."""
        return (x - self.shift) / self.speed


COPY_INSERT_SQL = (
    "INSERT INTO copies (video_id, of_id, shift, speed, distance, share) "
    "VALUES ({p},{p},{p},{p},{p},{p})"
)
# the copies of some representatives, with their videos (store.VIDEOS_SQL's columns first)
COPIES_SQL = (
    "SELECT v.id, v.sha256, v.title, v.source, v.first_seen, v.duration, v.path, v.added, "
    "v.hash_count, v.origin, c.of_id, c.shift, c.speed, c.distance, c.share "
    "FROM copies c JOIN videos v ON v.id = c.video_id WHERE c.of_id IN ({ids}) ORDER BY v.id"
)
# before a representative goes: its copies' rows become searchable again, the group is gone
DISSOLVE_SQL = (
    "UPDATE hashes SET grouped = 0 WHERE video_id IN (SELECT video_id FROM copies WHERE of_id = {p})",
    "UPDATE sounds SET grouped = 0 WHERE video_id IN (SELECT video_id FROM copies WHERE of_id = {p})",
    "DELETE FROM copies WHERE of_id = {p}",
)
GROUPED_COLUMN = "ALTER TABLE {table} ADD COLUMN grouped {int} NOT NULL DEFAULT 0"


def copy_values(vid: int, c: CopyOf) -> tuple[Any, ...]:
    return (vid, c.of, c.shift, c.speed, c.distance, c.share)


def copy_from(row: Any) -> CopyOf:
    """A COPIES_SQL row's CopyOf (its last five columns)."""
    return CopyOf(int(row[10]), float(row[11]), float(row[12]), float(row[13]), float(row[14]))
