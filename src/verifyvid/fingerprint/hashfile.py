"""The hash stage's file of frame hashes: its name and its reader. Apart from the hashing code,
so that searching an archive with hashes already made imports no decoder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

HASHES_NAME = "hashes.npz"


def load_hashes(path: Path) -> dict[str, np.ndarray[Any, Any]]:
    """Every array of the file (t, hash, quality, mirror, inset_*, local_*: see the hash stage)."""
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
