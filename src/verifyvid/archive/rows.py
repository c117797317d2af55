"""Hash rows read from an archive in chunks, as arrays: what the candidate indexes are built
from (archive/cached.py, archive/index.py) and what both engines return."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

FETCH = 100_000  # rows read at a time while the candidate index is built


def hashes_from(cursor: Any) -> HashRows:
    """The (id, video_id, t, h) rows of an executed query as arrays, read in chunks."""
    parts: list[HashRows] = []
    while rows := cursor.fetchmany(FETCH):
        parts.append(HashRows(
            row=np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            video=np.fromiter((r[1] for r in rows), np.int64, len(rows)),
            t=np.fromiter((r[2] for r in rows), np.float32, len(rows)),
            hash=np.frombuffer(b"".join(bytes(r[3]) for r in rows), np.uint8).reshape(-1, 32),
        ))  # fmt: skip
    return HashRows.concat(parts)


@dataclass
class HashRows:
    row: np.ndarray[Any, Any]
    video: np.ndarray[Any, Any]
    t: np.ndarray[Any, Any]
    hash: np.ndarray[Any, Any]

    @staticmethod
    def concat(parts: list[HashRows]) -> HashRows:
        if not parts:
            return HashRows(np.zeros(0, np.int64), np.zeros(0, np.int64),
                            np.zeros(0, np.float32), np.zeros((0, 32), np.uint8))  # fmt: skip
        return HashRows(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("row", "video", "t", "hash")))  # fmt: skip
