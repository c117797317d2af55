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
from av.video.reformatter import VideoReformatter


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
        self.origin: float | None = None  # the first frame's own time: time 0

    def __enter__(self) -> VideoDecoder:
        return self

    def seek(self, t: float) -> bool:
        """Go to the key frame at or before ``t`` seconds: ``frames`` goes on from there.
        False where the file cannot seek (its first frame may have been read, to learn where
        time 0 is: ``frames`` then goes on after it)."""
        base = self.stream.time_base
        if base is None or t <= 0:
            return False
        if self.origin is None:  # time 0 is the first frame's time: decode it to know it
            next(self.frames(), None)
            if self.origin is None:
                return False
        try:
            self.container.seek(int((self.origin + t) / base), stream=self.stream, backward=True)
        except av.FFmpegError:
            return False
        return True

    def __exit__(self, *exc: object) -> None:
        self.container.close()

    def frames(self) -> Iterator[DecodedFrame]:
        """Frames in order, their times counted from the first frame of the file (also after
        ``seek``)."""
        index = 0
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
                if self.origin is None:
                    self.origin = t
                    self.rotation = (-round(getattr(frame, "rotation", 0) or 0)) % 360
                self.last_time = max(0.0, t - self.origin)
                yield DecodedFrame(index, self.last_time, frame)
                index += 1

    def keyframes(self) -> Iterator[DecodedFrame]:
        """Only the frames of key packets, each decoded alone: a cheap sample of the whole video
        (a few percent of a full decode), as many frames as the encoder put keyframes."""
        index = 0
        start: float | None = None
        cc = self.stream.codec_context
        for packet in self.container.demux(self.stream):
            if not packet.is_keyframe or packet.size == 0:
                continue
            try:  # the packet, then the end of input: the decoder gives up what it holds
                decoded = [*cc.decode(packet), *cc.decode(None)]
            except av.FFmpegError:
                self.errors += 1
                decoded = []
            cc.flush_buffers()  # ready for the next key packet
            base = self.stream.time_base
            for frame in decoded:
                at = next((v for v in (frame.pts, packet.pts, packet.dts) if v is not None), None)
                t = float(at * base) if at is not None and base else 0.0
                if start is None:
                    start = t
                    self.rotation = (-round(getattr(frame, "rotation", 0) or 0)) % 360
                yield DecodedFrame(index, max(0.0, t - start), frame)
                index += 1

    def sampled(self, fps: float) -> Iterator[DecodedFrame]:
        """At most ``fps`` frames a second (see Pace)."""
        pace = Pace(fps)
        return (df for df in self.frames() if pace.due(df.time))


SHORT = 4.0  # seconds: a shorter video is sampled more densely (``rate_for``)


def rate_for(duration: float | None, fps: float, frames: int, most: float) -> float:
    """Frames a second to sample a video of ``duration`` seconds at: ``fps``, but a video under
    SHORT seconds gets about ``frames`` frames (``most`` a second at most), enough to match in
    time order where ``fps`` would leave one or two."""
    if not duration or duration >= SHORT:
        return fps
    return min(most, max(fps, frames / duration))


class Pace:
    """At most ``fps`` frames a second: the first frame at or after each 1/fps step."""

    def __init__(self, fps: float) -> None:
        self.step, self.next_t = 1.0 / fps, 0.0

    def due(self, t: float) -> bool:
        if t + 1e-6 < self.next_t:
            return False
        self.next_t = t + self.step
        return True


class Converter:
    """Frames to RGB arrays with a scaler of its own: a frame's built-in one is shared by every
    thread that converts it (the decoding pass hands one frame to several consumers), and
    keeping one scaler for the whole video spares setting one up per frame."""

    def __init__(self) -> None:
        self.scaler = VideoReformatter()

    def rgb(self, frame: Any, clockwise: int, width: int | None = None, height: int | None = None
            ) -> np.ndarray[Any, Any]:  # fmt: skip
        """As ``to_rgb``: optionally scaled (before rotation), then rotated for display."""
        out = self.scaler.reformat(frame, width=width, height=height, format="rgb24")
        return rotate(out.to_ndarray(), clockwise)


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


def unrotate(box: tuple[int, int, int, int], clockwise: int, width: int, height: int
             ) -> tuple[int, int, int, int]:  # fmt: skip
    """A box (x, y, w, h) of the displayed picture as a box of the decoded (coded) frame of
    ``width`` x ``height``, before ``rotate(image, clockwise)``."""
    x, y, w, h = box
    k = (clockwise // 90) % 4
    if k == 1:
        return y, height - (x + w), h, w
    if k == 2:
        return width - (x + w), height - (y + h), w, h
    if k == 3:
        return width - (y + h), x, h, w
    return box


def analysis_planes(
    frame: Any,
    width: int,
    height: int,
    tiny: tuple[int, int],
    box: tuple[int, int, int, int] | None = None,
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(luma at width x height, a tiny 3-channel YUV image) without a colour conversion, of the
    whole frame or of ``box`` (x, y, w, h in decoded pixels: the picture inside bars).

    Reading the decoder's planes and scaling them with OpenCV costs a fraction of a
    libswscale conversion per frame, which matters when every frame is analysed. Bilinear
    scaling is used on purpose: ten times cheaper than area averaging here, and the analysis
    (differences, sharpness ranking, static regions) does not need more.
    """
    if frame.format.name not in PLANAR_8BIT:
        frame = frame.reformat(format="yuv420p")
    y, u, v = (_plane(frame, i) for i in range(3))
    if box is not None:
        y, u, v = (_inside(p, box, frame.width, frame.height) for p in (y, u, v))
    gray = cv2.resize(y, (width, height), interpolation=cv2.INTER_LINEAR)
    small = np.dstack([cv2.resize(p, tiny, interpolation=cv2.INTER_LINEAR) for p in (gray, u, v)])
    return gray, small


def _inside(
    plane: np.ndarray[Any, Any], box: tuple[int, int, int, int], width: int, height: int
) -> np.ndarray[Any, Any]:
    """The part of one plane (full or subsampled) under a box of the full frame."""
    fy, fx = plane.shape[0] / height, plane.shape[1] / width
    x, y, w, h = box
    y0, x0 = int(y * fy), int(x * fx)
    return plane[y0 : max(y0 + 1, round((y + h) * fy)), x0 : max(x0 + 1, round((x + w) * fx))]
