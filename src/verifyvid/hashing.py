"""Streaming file digests for the chain of custody."""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel

CHUNK = 1 << 20


class Digests(BaseModel):
    sha256: str
    md5: str


def sha256_file(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def digests(path: Path) -> Digests:
    """SHA-256 and MD5 in one streaming pass."""
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
    return Digests(sha256=sha.hexdigest(), md5=md5.hexdigest())
