"""A line is read once: a caption that stays, a ticker that crawls; a clock that ticks is read in
every frame (stages/ocr/lines.py)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from verifyvid.stages.ocr.engines import Glance, Reading
from verifyvid.stages.ocr.lines import ReadLines

TICKER = "BREAKING +++ Markets close higher +++ Storm warning for the coast +++ " * 3


class Fake:
    """A reader whose glance is the text truly drawn (``shown``); it counts full readings."""

    def __init__(self, confidence: float = 0.97) -> None:
        self.shown = ""
        self.reads = 0
        self.confidence = confidence

    def glance(self, crop: np.ndarray[Any, Any]) -> Glance:
        return Glance(None, self.shown)

    def read(self, crop: np.ndarray[Any, Any], glance: Glance) -> Reading | None:
        self.reads += 1
        return Reading(self.shown, self.confidence, "fake", "eng")


def frame(text: str, x: int, y: int = 150, noise: int = 0) -> np.ndarray[Any, Any]:
    """A 1000 x 300 picture (the picture behind it random where ``noise``) with ``text`` in
    white on a dark band from ``x``."""
    rng = np.random.default_rng(abs(x) + 1)
    rgb = rng.integers(0, noise + 1, (300, 1000, 3)).astype(np.uint8)
    rgb[y - 30 : y + 12] = (rgb[y - 30 : y + 12] * 0.2 + 20).astype(np.uint8)
    cv2.putText(rgb, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (255, 255, 255), 2, cv2.LINE_AA)
    return rgb


def test_a_ticker_is_read_again_only_when_half_of_it_is_new() -> None:
    fake = Fake()
    lines = ReadLines(fake)
    box = (0, 118, 1000, 40)
    readings = []
    for k in range(12):  # 40 px a frame: half of the band is new after 12 or 13 frames
        fake.shown = f"ticker at {k}"
        reading, crop = lines.reading(frame(TICKER, -40 * k, noise=120), box)
        readings.append(reading.text if reading else None)
        assert crop.shape[1] >= 1000
    assert fake.reads == 1 and lines.crawled == 11, (fake.reads, readings)
    for k in range(12, 40):
        fake.shown = f"ticker at {k}"
        lines.reading(frame(TICKER, -40 * k, noise=120), box)
    assert 2 <= fake.reads <= 5, fake.reads  # about every 12 frames: 40 frames, 3 or 4 readings


def test_other_text_in_the_band_is_read() -> None:
    fake = Fake()
    lines = ReadLines(fake)
    box = (0, 118, 1000, 40)
    fake.shown = "one"
    lines.reading(frame(TICKER, 0), box)
    fake.shown = "two"
    reading, _ = lines.reading(
        frame("Other news: the bridge is closed until Monday " * 2, -40), box
    )
    assert fake.reads == 2 and reading is not None and reading.text == "two"


def test_a_clock_is_read_in_every_frame_and_a_caption_that_stays_once() -> None:
    fake = Fake()
    lines = ReadLines(fake)
    for second in range(6):  # one digit changes: the glance differs, so it is read
        fake.shown = f"12:00:0{second}"
        reading, _ = lines.reading(frame(fake.shown, 40, noise=200), (30, 118, 200, 40))
        assert reading is not None and reading.text == fake.shown
    assert fake.reads == 6
    fake.shown = "Live from Almaty"
    for k in range(6):  # the detector's box moves by a few pixels; the picture behind changes
        box = (30 + k % 3, 116 + k % 2, 300 - k % 4, 42 - k % 3)
        lines.reading(frame(fake.shown, 40, noise=200), box)
    assert fake.reads == 7 and lines.glanced == 5


def test_a_weak_reading_is_not_given_to_other_frames() -> None:
    """The next frame may read the line better; an item's text is what its frames agree on."""
    fake = Fake(confidence=0.6)
    lines = ReadLines(fake)
    fake.shown = "Live from Almaty"
    for k in range(4):
        lines.reading(frame(TICKER, -40 * k), (0, 118, 1000, 40))
    assert fake.reads == 4 and lines.crawled == lines.glanced == 0


def test_a_banner_sliding_with_its_box_is_the_same_line_not_a_crawl() -> None:
    """Its text is whole in every frame: its glance decides, as for any line read before."""
    fake = Fake()
    lines = ReadLines(fake)
    fake.shown = "Exclusive footage from eyewitnesses"
    for k in range(5):
        rgb = frame(fake.shown, 40 + 12 * k, noise=120)
        lines.reading(rgb, (30 + 12 * k, 118, 620, 40))
    assert fake.reads == 1 and lines.crawled == 0 and lines.glanced == 4
