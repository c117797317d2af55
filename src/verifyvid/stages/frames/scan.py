"""The frames stage's part of the decoding pass: shots, the sharpest frame of each, samples for
overlay detection; all inside the bars found before the pass."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import cv2

from verifyvid.media.decode import DecodedFrame, VideoDecoder, analysis_planes, unrotate
from verifyvid.media.framepass import FrameConsumer
from verifyvid.stages.frames.models import Box, Shot
from verifyvid.stages.frames.output import KeyframeWriter
from verifyvid.stages.frames.overlays import Found
from verifyvid.stages.frames.sample import Collector, analysis_size
from verifyvid.stages.frames.shots import LOOKAHEAD, ShotDetector, is_black

ANALYSIS_LONG_SIDE = 320


@dataclass
class Pending:
    index: int  # ordinal among analysed frames
    time: float
    frame: Any
    sharpness: float
    black: bool


class FramesScan(FrameConsumer):
    """Cuts (ShotDetector), the sharpest non-black frame of each shot (or of each ``interval``
    of a long one) handed to the keyframe writer, and gray samples for overlays."""

    def __init__(self, writer: KeyframeWriter, crop: Box | None, bars: list[Found], rotation: int,
                 interval: float, max_samples: int, analysis_fps: float) -> None:  # fmt: skip
        self.writer, self.crop, self.bars, self.rotation = writer, crop, bars, rotation
        self.interval, self.max_samples, self.analysis_fps = interval, max_samples, analysis_fps
        self.detector = ShotDetector()
        self.pending: deque[Pending] = deque()
        self.shots: list[float] = [0.0]
        self.segment_start = 0.0
        self.best: Pending | None = None
        self.since_cut = 0
        self.count = 0
        self.last_time = 0.0

    def start(self, dec: VideoDecoder) -> None:
        whole = analysis_size(dec.width, dec.height, ANALYSIS_LONG_SIDE)
        self.box: tuple[int, int, int, int] | None = None
        self.size = whole
        if self.crop is not None:  # the picture inside the bars, in decoded (unrotated) pixels
            c = self.crop
            self.box = unrotate((c.x, c.y, c.width, c.height), self.rotation, dec.width, dec.height)
            self.size = analysis_size(self.box[2], self.box[3], ANALYSIS_LONG_SIDE)
        self.samples = Collector(self.max_samples, whole)
        self.stride = max(1, round((dec.fps or self.analysis_fps) / self.analysis_fps))

    def take(self, df: DecodedFrame, rotation: int) -> None:
        self.count += 1
        self.last_time = df.time
        if df.index % self.stride:
            return
        gray, tiny = analysis_planes(df.frame, *self.size, (64, 36), self.box)
        black = is_black(gray)
        sharp = float(cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))[1][0, 0] ** 2)
        self.pending.append(Pending(self.detector.count, df.time, df.frame, sharp, black))
        cuts = set(self.detector.push(tiny, black))
        while len(self.pending) > LOOKAHEAD:
            entry = self.pending.popleft()
            self.settle(entry, entry.index in cuts, rotation)
        self.samples.offer(df, rotation, gray if self.box is None else None)

    def finish(self, dec: VideoDecoder) -> None:
        cuts = set(self.detector.flush())
        while self.pending:
            entry = self.pending.popleft()
            self.settle(entry, entry.index in cuts, dec.rotation)
        self.close_segment(dec.rotation)
        turned = dec.rotation in (90, 270)
        self.width, self.height = (dec.height, dec.width) if turned else (dec.width, dec.height)
        self.rotation, self.fps, self.errors = dec.rotation, dec.fps, dec.errors

    def abandon(self) -> None:
        self.writer.abandon()  # no JPEG lands in the staging folder after the runner cleans it

    def settle(self, entry: Pending, cut: bool, rotation: int) -> None:
        """A frame whose cut or not is known: it may end a segment, and may be its best."""
        if cut:
            self.close_segment(rotation)
            self.shots.append(entry.time)
            self.segment_start, self.since_cut = entry.time, 0
        elif entry.time - self.segment_start >= self.interval:
            self.close_segment(rotation)
            self.segment_start = entry.time
        self.since_cut += 1
        if entry.black or (self.since_cut <= 2 and self.best is not None):
            return
        if self.best is None or entry.sharpness > self.best.sharpness:
            self.best = entry

    def close_segment(self, rotation: int) -> None:
        if self.best is not None:
            b = self.best
            self.writer.write(b.frame, b.time, len(self.shots) - 1, b.sharpness, rotation)
        self.best = None

    def shot_list(self, duration: float) -> list[Shot]:
        s = self.shots
        return [Shot(index=i, start=round(t, 3), end=round(s[i + 1] if i + 1 < len(s) else duration, 3))
                for i, t in enumerate(s)]  # fmt: skip
