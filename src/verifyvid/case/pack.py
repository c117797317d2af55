"""A case folder packed into one .zip (`export`, and a case coming back from a cluster worker)."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from verifyvid.case import seal as sealing

PACKED = {".mp4", ".mov", ".mkv", ".webm", ".m4a", ".mp3", ".ogg", ".opus", ".jpg", ".jpeg",
          ".png", ".webp", ".npz", ".zip"}  # fmt: skip


def pack(case: Path, target: Path) -> int:
    """Every case file (not the lock nor hidden temporary files) under the case's folder name,
    written to a temporary file beside ``target`` and renamed when complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    names = sealing.sealed_files(case) + (
        [sealing.SEAL_NAME] if (case / sealing.SEAL_NAME).is_file() else []
    )
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as z:
            for rel in sorted(names):
                packed = Path(rel).suffix.lower() in PACKED
                z.write(case / rel, f"{case.resolve().name}/{rel}",
                        compress_type=zipfile.ZIP_STORED if packed else zipfile.ZIP_DEFLATED)  # fmt: skip
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(names)
