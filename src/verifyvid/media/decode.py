"""Stream decoded video frames with PyAV (multi-threaded), never holding the whole video."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import cv2
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
        # one decoding thread per core: libavcodec's default (cores + 1) oversubscribes
        # small machines once the analysis runs beside it
        self.stream.codec_context.thread_count = os.cpu_count() or 1
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
        self.last_time = 0.0  # of the last frame decoded so far

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
                self.last_time = max(0.0, t - start)
                yield DecodedFrame(index, self.last_time, frame)
                index += 1

    def sampled(self, fps: float) -> Iterator[DecodedFrame]:
        """At most ``fps`` frames a second: the first frame at or after each 1/fps step."""
        next_t = 0.0
        for df in self.frames():
            if df.time + 1e-6 >= next_t:
                next_t = df.time + 1.0 / fps
                yield df


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


PLANAR_8BIT = {
    "yuv420p",
    "yuvj420p",
    "yuv422p",
    "yuvj422p",
    "yuv444p",
    "yuvj444p",
    "yuv440p",
    "yuvj440p",
}


def _plane(frame: Any, index: int) -> np.ndarray[Any, Any]:
    plane = frame.planes[index]
    data = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return data[:, : plane.width]


def analysis_planes(
    frame: Any, width: int, height: int, tiny: tuple[int, int]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(luma at width x height, a tiny 3-channel YUV image) without a colour conversion.

    Reading the decoder's planes and scaling them with OpenCV costs a fraction of a
    libswscale conversion per frame, which matters when every frame is analysed. Bilinear
    scaling is used on purpose: ten times cheaper than area averaging here, and the analysis
    (differences, sharpness ranking, static regions) does not need more.
    """
    if frame.format.name not in PLANAR_8BIT:
        frame = frame.reformat(format="yuv420p")
    y, u, v = (_plane(frame, i) for i in range(3))
    gray = cv2.resize(y, (width, height), interpolation=cv2.INTER_LINEAR)
    small = np.dstack([cv2.resize(p, tiny, interpolation=cv2.INTER_LINEAR) for p in (gray, u, v)])
    return gray, small
