"""Frames spread over the whole video: the quick sample bars are found on before the pass, and
the samples the pass keeps for overlay detection."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifyvid.media.decode import DecodedFrame, VideoDecoder, analysis_planes, rotate
from verifyvid.stages.frames.bars import find_bars
from verifyvid.stages.frames.models import Box
from verifyvid.stages.frames.overlays import Found, Samples

ENOUGH_KEYFRAMES = 4  # fewer key packets than this: the quick sample decodes every frame


class Sampler:
    """Keep at most ``cap`` frames spread over the whole video, without knowing its length."""

    def __init__(self, cap: int, gap: float) -> None:
        self.cap, self.gap = cap, gap
        self.times: list[float] = []
        self.frames: list[np.ndarray[Any, Any]] = []
        self.last = -1e9

    def wants(self, t: float) -> bool:
        return t - self.last >= self.gap

    def add(self, t: float, image: np.ndarray[Any, Any]) -> None:
        self.last = t
        self.times.append(t)
        self.frames.append(image)
        if len(self.frames) > self.cap:
            self.times, self.frames = self.times[::2], self.frames[::2]
            self.gap *= 2


class Collector:
    """Gray frames at analysis size (``small``) and a few at full size (``full``)."""

    def __init__(self, cap: int, size: tuple[int, int]) -> None:
        self.small, self.full, self.size = Sampler(cap, 0.25), Sampler(8, 1.0), size

    def offer(self, df: DecodedFrame, rotation: int, gray: np.ndarray[Any, Any] | None = None
              ) -> None:  # fmt: skip
        """Keep the frame if it is due; ``gray``: its analysis-size luma when already made."""
        if not self.small.wants(df.time):
            return
        if gray is None:
            gray = analysis_planes(df.frame, *self.size, (4, 4))[0]
        self.small.add(df.time, rotate(gray, rotation))
        if self.full.wants(df.time):
            luma = analysis_planes(df.frame, df.frame.width, df.frame.height, (4, 4))[0]
            self.full.add(df.time, rotate(luma, rotation))

    def samples(self, width: int, height: int) -> Samples:
        return Samples(
            self.small.times, np.stack(self.small.frames), self.full.frames, width, height
        )


def analysis_size(width: int, height: int, long_side: int) -> tuple[int, int]:
    scale = long_side / max(width, height, 1)
    return max(16, round(width * scale / 2) * 2), max(16, round(height * scale / 2) * 2)


def quick_sample(path: Path, cap: int, long_side: int) -> tuple[Samples, int] | None:
    """(frames over the whole video, rotation) from its key packets alone, or from every frame
    when the encoder put too few keyframes; None when nothing decodes."""
    for every in (False, True):
        with VideoDecoder(path) as dec:
            collector = Collector(cap, analysis_size(dec.width, dec.height, long_side))
            frames: Iterator[DecodedFrame] = dec.frames() if every else dec.keyframes()
            for df in frames:
                collector.offer(df, dec.rotation)
            if collector.small.frames and (
                every or len(collector.small.frames) >= ENOUGH_KEYFRAMES
            ):
                w, h = (
                    (dec.height, dec.width)
                    if dec.rotation in (90, 270)
                    else (dec.width, dec.height)
                )
                return collector.samples(w, h), dec.rotation
    return None


@dataclass(frozen=True)
class Bars:
    """The bars found on the quick sample, and the displayed picture's size and rotation."""

    crop: Box | None  # the picture inside the bars; None: no bars
    found: list[Found]
    rotation: int
    width: int
    height: int


def bars_of(path: Path, cap: int = 400, long_side: int = 320) -> Bars | None:
    """The bars of a video (None when nothing decodes; ValueError: no video stream). The frames
    and hash stages both ask; the answer is kept for the file as it is on disk."""
    st = path.stat()
    return _bars(path.resolve(), st.st_size, st.st_mtime_ns, cap, long_side)


@functools.lru_cache(maxsize=4)
def _bars(path: Path, size: int, mtime: int, cap: int, long_side: int) -> Bars | None:
    quick = quick_sample(path, cap, long_side)
    if quick is None:
        return None
    samples, rotation = quick
    crop, found = find_bars(samples)
    return Bars(crop, found, rotation, samples.width, samples.height)
