"""vPDQ, the video hash that ThreatExchange and the hash-sharing programmes built on it exchange:
the PDQ hash and quality of whole frames (bars included, no rotation), one frame a second, and
its text file, one line per frame: ``frame_number,quality,pdq_hex,timestamp`` (seconds, 3
decimals), as ThreatExchange's vpdq/cpp/vpdq/cpp/io/vpdqio.cpp writes and reads it.

A frame is hashed when its number (in decoding order, from 0) is a multiple of
``int(seconds_per_hash * frame_rate)`` (at least 1), and its timestamp is its number divided by
the frame rate, as vPDQ's own hasher does (vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp, hasher.h).
Matching (docs/archive.md) uses vPDQ's thresholds: frames under quality 50 are left out, and two
hashes match under 31 bits apart.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pdqhash

from verifyvid.errors import InputError
from verifyvid.media.decode import Converter, DecodedFrame, VideoDecoder
from verifyvid.media.framepass import FrameConsumer

SECONDS_PER_HASH = 1.0
QUALITY = 50  # vPDQ's quality tolerance: frames under it are not compared
DISTANCE = 31  # vPDQ's distance tolerance: hashes match when strictly under it
HEX = re.compile(r"[0-9a-fA-F]{64}")


class VpdqError(InputError):
    """A vPDQ file that cannot be read as one (the message names the file and the line)."""


@dataclass
class Vpdq:
    """The vPDQ hashes of one video, in frame order; stored in the archive as a fingerprint of
    kind ``vpdq`` (archive/store.py)."""

    kind: ClassVar[str] = "vpdq"
    frame: np.ndarray[Any, Any]  # frame numbers (int64)
    quality: np.ndarray[Any, Any]  # uint8
    hash: np.ndarray[Any, Any]  # N x 32 bytes
    t: np.ndarray[Any, Any]  # seconds (float64)

    def __len__(self) -> int:
        return len(self.frame)

    def size(self) -> int:
        return len(self.frame)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez(buffer, allow_pickle=False, **self.arrays(""))
        return buffer.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> Vpdq:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            found = Vpdq.from_arrays({k: arrays[k] for k in arrays.files}, "")
        assert found is not None
        return found

    def searchable(self) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        """(times, hashes) of the frames vPDQ compares: quality ``QUALITY`` or more."""
        keep = self.quality >= QUALITY
        return self.t[keep].astype(np.float32), self.hash[keep]

    def arrays(self, prefix: str) -> dict[str, np.ndarray[Any, Any]]:
        return {f"{prefix}frame": self.frame, f"{prefix}quality": self.quality,
                f"{prefix}hash": self.hash, f"{prefix}t": self.t}  # fmt: skip

    @staticmethod
    def from_arrays(data: dict[str, np.ndarray[Any, Any]], prefix: str) -> Vpdq | None:
        if f"{prefix}frame" not in data:
            return None
        return Vpdq(data[f"{prefix}frame"], data[f"{prefix}quality"], data[f"{prefix}hash"],
                    data[f"{prefix}t"])  # fmt: skip

    def text(self) -> str:
        """The vPDQ file's text."""
        return "".join(
            f"{int(n)},{int(q)},{bytes(h).hex()},{float(t):.3f}\n"
            for n, q, h, t in zip(self.frame, self.quality, self.hash, self.t, strict=True)
        )


def read(path: Path) -> Vpdq:
    """A vPDQ file, checked line by line; VpdqError naming the file and the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise VpdqError(f"{path}: cannot read it as a vPDQ file ({e})") from None
    frames, qualities, hashes, times = [], [], [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        fields = [f.strip() for f in line.split(",")]

        def bad(why: str, number: int = number) -> VpdqError:
            return VpdqError(f"{path}, line {number}: {why}; a vPDQ line is "
                             "frame_number,quality,pdq_hex,timestamp; nothing of this file was imported")  # fmt: skip

        if len(fields) != 4:
            raise bad(f"{len(fields)} fields instead of 4")
        n, q, h, t = fields
        if not n.isdigit():
            raise bad(f"frame number {n!r} is not a whole number")
        if not q.isdigit() or int(q) > 100:
            raise bad(f"quality {q!r} is not 0-100")
        if not HEX.fullmatch(h):
            raise bad("the PDQ hash is not 64 hexadecimal digits")
        try:
            seconds = float(t)
        except ValueError:
            raise bad(f"timestamp {t!r} is not a number") from None
        if not np.isfinite(seconds) or seconds < 0:
            raise bad(f"timestamp {t!r} is negative or not finite")
        frames.append(int(n))
        qualities.append(int(q))
        hashes.append(bytes.fromhex(h))
        times.append(seconds)
    if not frames:
        raise VpdqError(f"{path}: no vPDQ line in it; nothing of this file was imported")
    return Vpdq(np.asarray(frames, np.int64), np.asarray(qualities, np.uint8),
                np.frombuffer(b"".join(hashes), np.uint8).reshape(-1, 32),
                np.asarray(times, np.float64))  # fmt: skip


class VpdqHasher(FrameConsumer):
    """The vPDQ hashes of a decoding pass (see the module's rules)."""

    threaded = True

    def __init__(self, seconds_per_hash: float = SECONDS_PER_HASH) -> None:
        self.seconds_per_hash = seconds_per_hash
        self.every, self.rate = 1, 25.0
        self.rows: list[tuple[int, int, bytes, float]] = []
        self.converter = Converter()

    def start(self, dec: VideoDecoder) -> None:
        self.rate = dec.fps or 25.0
        self.every = max(1, int(self.seconds_per_hash * self.rate))

    def wants(self, df: DecodedFrame) -> bool:
        return df.index % self.every == 0

    def take(self, df: DecodedFrame, rotation: int) -> None:
        rgb = self.converter.rgb(df.frame, 0)  # vPDQ hashes frames as decoded, not rotated
        bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
        packed = np.packbits(bits.astype(np.uint8)).tobytes()
        self.rows.append((df.index, int(quality), packed, df.index / self.rate))

    def result(self) -> Vpdq:
        rows = sorted(self.rows)
        return Vpdq(np.asarray([r[0] for r in rows], np.int64),
                    np.asarray([r[1] for r in rows], np.uint8),
                    np.frombuffer(b"".join(r[2] for r in rows), np.uint8).reshape(-1, 32),
                    np.asarray([r[3] for r in rows], np.float64))  # fmt: skip
