"""Stream decoded video frames with PyAV (multi-threaded), never holding the whole video."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import numpy as np


@dataclass
class DecodedFrame:
    index: int
    time: float
    frame: Any  # av.VideoFrame; holding it keeps its buffer alive


class VideoDecoder:
    """The first video stream of a file, decoded frame by frame.

    Packets that fail to decode are counted in ``errors`` and skipped, so a file with
    corrupted packets mid-stream still yields every frame that can be recovered.
    """

    def __init__(self, path: Path) -> None:
        self.container = av.open(str(path), metadata_errors="replace")
        if not self.container.streams.video:
            self.container.close()
            raise ValueError("no video stream")
        self.stream = self.container.streams.video[0]
        self.stream.thread_type = "AUTO"
        cc: Any = self.stream.codec_context
        self.width: int = cc.width
        self.height: int = cc.height
        rate = self.stream.average_rate or self.stream.guessed_rate
        self.fps: float | None = float(rate) if rate else None
        self.duration: float | None = (
            float(self.stream.duration * self.stream.time_base)
            if self.stream.duration and self.stream.time_base
            else (self.container.duration / 1e6 if self.container.duration else None)
        )
        self.errors = 0
        self.rotation = 0  # clockwise degrees, known after the first frame

    def __enter__(self) -> VideoDecoder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.container.close()

    def frames(self) -> Iterator[DecodedFrame]:
        index = 0
        start: float | None = None
        for packet in self.container.demux(self.stream):
            try:
                decoded = packet.decode()
            except av.FFmpegError:
                self.errors += 1
                continue
            for frame in decoded:
                t = frame.time
                if t is None:
                    t = index / (self.fps or 25.0)
                if start is None:
                    start = t
                    self.rotation = (-round(getattr(frame, "rotation", 0) or 0)) % 360
                yield DecodedFrame(index, max(0.0, t - start), frame)
                index += 1


def rotate(image: np.ndarray[Any, Any], clockwise: int) -> np.ndarray[Any, Any]:
    k = (clockwise // 90) % 4
    return np.ascontiguousarray(np.rot90(image, k=-k)) if k else image


def to_rgb(
    frame: Any, clockwise: int, width: int | None = None, height: int | None = None
) -> np.ndarray[Any, Any]:
    """The frame as an RGB array, optionally scaled (before rotation), then rotated for display."""
    if width and height:
        image = frame.to_ndarray(width=width, height=height, format="rgb24")
    else:
        image = frame.to_ndarray(format="rgb24")
    return rotate(image, clockwise)
