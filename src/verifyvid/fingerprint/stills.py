"""Small stills of a clip, one a second, kept from the hashing pass: the clip's side of the
search's evidence pictures then needs no second decoding of the clip.

Stored as JPEG bytes in one npz (``t``: seconds, ``start``: where each still's bytes begin in
``jpeg``, one more entry than stills). A long clip keeps at most ``MOST`` stills: past that,
every other one is dropped and they are taken half as often.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any, BinaryIO, ClassVar

import cv2
import numpy as np
from PIL import Image

from verifyvid.media.decode import Pace

HEIGHT = 180  # pixels: the height the evidence pictures show
QUALITY = 85
MOST = 600
STILLS_NAME = "stills.npz"


class Stills:
    """Collects the stills of a pass: ``add`` is given every frame the hashing sees. Kept in a
    case (hash/stills.npz), and in the archive as a fingerprint of kind ``stills`` for a video
    whose media are not kept (archive/ingest.py)."""

    kind: ClassVar[str] = "stills"

    def __init__(self) -> None:
        self.pace = Pace(1.0)
        self.t: list[float] = []
        self.jpeg: list[bytes] = []

    def add(self, t: float, rgb: np.ndarray[Any, Any]) -> None:
        """``rgb``: the whole picture as shown (rotated, bars included)."""
        if not self.pace.due(t):
            return
        h, w = rgb.shape[:2]
        if h > HEIGHT:
            rgb = cv2.resize(
                rgb, (max(1, round(w * HEIGHT / h)), HEIGHT), interpolation=cv2.INTER_AREA
            )
        ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                               [cv2.IMWRITE_JPEG_QUALITY, QUALITY])  # fmt: skip
        if not ok:
            return
        self.t.append(t)
        self.jpeg.append(buf.tobytes())
        if len(self.t) > MOST:
            self.t, self.jpeg = self.t[::2], self.jpeg[::2]
            self.pace.step *= 2

    def save(self, path: Path | BinaryIO) -> None:
        start = np.cumsum([0, *(len(b) for b in self.jpeg)]).astype(np.int64)
        data = np.frombuffer(b"".join(self.jpeg), np.uint8)
        np.savez(path, allow_pickle=False, t=np.asarray(self.t, np.float32), start=start, jpeg=data)

    def __len__(self) -> int:
        return len(self.t)

    def size(self) -> int:
        return len(self.t)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.save(buffer)
        return buffer.getvalue()


class Saved:
    """Stills read back from their file."""

    def __init__(self, path: Path | BinaryIO) -> None:
        with np.load(path) as data:
            self.t, self.start, self.jpeg = data["t"], data["start"], data["jpeg"]

    def nearest(self, t: float, within: float) -> float | None:
        """The time of the still nearest ``t``, if one is within ``within`` seconds of it."""
        if not len(self.t):
            return None
        i = int(np.argmin(np.abs(self.t - t)))
        return float(self.t[i]) if abs(float(self.t[i]) - t) <= within else None

    def picture(self, t: float) -> np.ndarray[Any, Any]:
        """The still taken at ``t`` (a time ``nearest`` gave), as RGB."""
        i = int(np.argmin(np.abs(self.t - t)))
        raw = self.jpeg[int(self.start[i]) : int(self.start[i + 1])].tobytes()
        return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB"))
