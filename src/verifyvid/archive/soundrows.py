"""Sound hashes in the archive: one row per landmark hash (``sounds``: video, second, value),
with an index on the value that both engines search (SQLite's B-tree, the PostgreSQL server's).

A video's sound is recorded as a ``sound`` fingerprint too (its size: the hashes kept), also
when it holds none (silence, no audio stream): so an archive can tell a video whose sound was
fingerprinted and found silent from one archived before sound fingerprints existed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifyvid.fingerprint.sound import SOUND_KIND, SoundPrint

SOUND_NEAR_SQL = "SELECT h, video_id, t FROM sounds WHERE h IN ({values})"


@dataclass
class SoundMark:
    """The ``sound`` fingerprint row of a video: how many hashes its sound gave."""

    hashes: int
    duration: float
    kind = SOUND_KIND

    def size(self) -> int:
        return self.hashes

    def to_bytes(self) -> bytes:
        return np.float64(self.duration).tobytes()


def split_prints(prints: Sequence[Any]) -> tuple[list[Any], SoundPrint | None]:
    """(the fingerprints stored as blobs, the sound print whose hashes go to ``sounds``); the
    sound print is stored as its mark (SoundMark)."""
    sound = next((p for p in prints if isinstance(p, SoundPrint)), None)
    blobs = [p for p in prints if not isinstance(p, SoundPrint)]
    if sound is not None:
        blobs.append(SoundMark(len(sound), sound.duration))
    return blobs, sound


def sound_rows(vid: int, sound: SoundPrint) -> Iterator[tuple[int, float, int]]:
    for t, h in zip(sound.t, sound.hash, strict=True):
        yield vid, float(t), int(h)


@dataclass
class SoundRows:
    hash: np.ndarray[Any, Any]
    video: np.ndarray[Any, Any]
    t: np.ndarray[Any, Any]

    @staticmethod
    def of(rows: list[Any]) -> SoundRows:
        n = len(rows)
        return SoundRows(np.fromiter((r[0] for r in rows), np.int64, n),
                         np.fromiter((r[1] for r in rows), np.int64, n),
                         np.fromiter((r[2] for r in rows), np.float32, n))  # fmt: skip
