"""The lines already read, so that a line is read once, not in every sampled frame.

A line is read again unless it is one read before:
- its text crawls along a band that stays put (a ticker), shifted sideways by less than half
  its width since the band was read, while the detector's box stayed: it takes the band's
  reading;
- a quick reading of it (its ``glance``: RapidOCR's, a few hundredths of a second, or for a line
  RapidOCR cannot read, one Tesseract model's of the binarized line, against every model's and
  the line's colour layers for a full reading) is the same as a line read before: it takes that
  line's full reading. A picture comparison alone cannot tell one changed digit (a clock, a
  counter, a date) from the picture showing through a translucent caption box; the glance can.
  A line the glance cannot read (under 3 letters or digits) takes the reading of a line whose
  thumbnail is nearly the same.

A reading under SURE is not given to other frames' lines (``sure``): the next frame may read the
line better, and an item's text is the reading its frames agree on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from verifyvid.stages.ocr.engines import LineReader, Reading

Image = np.ndarray[Any, Any]
Box = tuple[int, int, int, int]
SIGNATURE = (16, 64)  # a line's thumbnail
SAME_LINE = 6.0  # mean grey difference of two thumbnails of the same line (no glance to compare)
KEPT = 200  # lines remembered
SURE = 0.95  # a reading at least this confident is given to the same line in other frames (at
# 0.85, a Kazakh caption's reading at 0.91 with a stray ')' was given to a later frame, which read
# it right at 0.96 afresh: tests/test_ocr.py with the bundled ffmpeg)
STRIP = 24  # px: a crawling line is compared at this height...
SAME_STRIP = 25.0  # ...and is the same text shifted when no stretch of one STRIP's width of the
# two differs by more than this mean grey difference (the same text crawled: at most 18 on the
# picture_pass benchmark's ticker, over a band that lets a fifth of the picture through; other
# text: 36 or more)
DETAIL = 2.0  # px: what varies more slowly than a Gaussian of this size is not compared
PLACE = 0.05  # the band stays put: its box moves or grows by at most this share of its size
NEW = 0.5  # a crawling line is read again once this share of it was not in the reading's picture
MOVED = 2  # px (at STRIP height): less is no crawl


@dataclass
class Known:
    """A line read afresh: its box, its picture at STRIP height, its thumbnail, its glance's
    text, its reading."""

    box: Box
    strip: Image
    thumbnail: Image
    glance: str | None
    reading: Reading | None


class ReadLines:
    """Readings of the lines read so far (``reading``)."""

    def __init__(self, reader: LineReader) -> None:
        self.reader = reader
        self.known: list[Known] = []
        self.fresh = 0  # lines read afresh
        self.crawled = 0  # lines given a crawling band's reading
        self.glanced = 0  # lines given the reading of a line whose glance was the same

    def reading(self, rgb: Image, box: Box) -> tuple[Reading | None, Image]:
        """The line's reading and its crop."""
        crop = cut(rgb, box)
        for k in reversed(self.known):  # the band is compared at its own box, not the detector's
            if same_place(k.box, box):  # (which moves by a few pixels from frame to frame)
                if sure(k.reading) and crawls(
                    k, box, strip_of(inner(rgb, k.box), k.strip.shape[1])
                ):
                    self.crawled += 1
                    return k.reading, crop
                break
        glanced = self.reader.glance(crop)
        text = glanced.key
        thumbnail = thumbnail_of(crop)
        for k in reversed(self.known):
            if (k.glance == text and sure(k.reading)
                    and (text is not None or float(np.abs(k.thumbnail - thumbnail).mean()) < SAME_LINE)):  # fmt: skip
                self.glanced += 1
                return k.reading, crop
        reading = self.reader.read(crop, glanced)
        self.fresh += 1
        self.known.append(Known(box, strip_of(inner(rgb, box)), thumbnail, text, reading))
        del self.known[:-KEPT]
        return reading, crop


def sure(reading: Reading | None) -> bool:
    """Whether a reading may be given to other frames' lines: a weak one may not (the next frame
    may read the line better, and an item's text is the reading its frames agree on); a line
    nothing was read in may."""
    return reading is None or reading.confidence >= SURE


def cut(rgb: Image, box: Box) -> Image:
    """The line's box with a margin of a sixth of its height: what a line is read in."""
    x, y, w, h = box
    pad = max(2, h // 6)
    return np.ascontiguousarray(rgb[max(0, y - pad) : y + h + pad, max(0, x - pad) : x + w + pad])


def thumbnail_of(crop: Image) -> Image:
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, SIGNATURE[::-1], interpolation=cv2.INTER_AREA).astype(np.float32)


def inner(rgb: Image, box: Box) -> Image:
    """The box without a margin: the picture around a line's box moves under a caption that
    stays."""
    x, y, w, h = box
    return rgb[y : y + h, x : x + w]


def strip_of(crop: Image, width: int | None = None) -> Image:
    """The line in grey at STRIP height (and ``width``, else its own proportions)."""
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY)
    h, w = grey.shape
    width = width or max(1, round(w * STRIP / max(1, h)))
    return cv2.resize(grey, (width, STRIP), interpolation=cv2.INTER_AREA).astype(np.float32)


def same_place(a: Box, b: Box) -> bool:
    """Whether two boxes are the same band: each edge within PLACE of the box's size."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return (abs(ax - bx) <= PLACE * aw and abs(ax + aw - bx - bw) <= PLACE * aw
            and abs(ay - by) <= PLACE * 4 * ah and abs(ay + ah - by - bh) <= PLACE * 4 * ah)  # fmt: skip


def same_strip(old: Image, new: Image, shift: int, dy: int) -> bool:
    """Whether ``new[r, i]`` shows ``old[r + dy, i + shift]`` all over their overlap: no stretch
    of STRIP columns differs by more than SAME_STRIP on average, once each is rid of what varies
    slowly across it (the picture showing through a translucent band)."""
    h, w = new.shape
    a = old[max(0, dy) : h + min(0, dy), max(0, shift) : w + min(0, shift)]
    b = new[max(0, -dy) : h - max(0, dy), max(0, -shift) : w - max(0, shift)]
    a, b = (x - cv2.GaussianBlur(x, (0, 0), DETAIL) for x in (a, b))
    diff = np.abs(a - b).mean(axis=0)
    n = len(diff) - len(diff) % STRIP
    stretches = diff[:n].reshape(-1, STRIP).mean(axis=1) if n else diff[None].mean(axis=1)
    return bool(len(diff)) and float(stretches.max()) <= SAME_STRIP


def crawls(band: Known, box: Box, there: Image) -> bool:
    """Whether the band's text crawled along it: ``there`` (the picture at the band's box now)
    shows the band's text shifted sideways by MOVED or more and by under NEW of its width, while
    the detector's box moved less than half as far (a line that moves with its box, a sliding
    banner, is the same text in a new place: its glance decides)."""
    w = int(there.shape[1])
    shift = shift_of(band.strip, there)
    if shift is None or not MOVED <= abs(shift) < NEW * w:
        return False
    moved = (band.box[0] - box[0]) * w / max(1, band.box[2])  # the box's shift, at STRIP scale
    return abs(moved) < abs(shift) / 2


def shift_of(old: Image, new: Image) -> int | None:
    """How far ``new`` (of ``old``'s size) shows ``old``'s text moved sideways (``new[:, i]``
    shows ``old[:, i + shift]``): the shift that best matches either half of ``new`` in ``old``
    (text moving left or right), if all of their overlap agrees; else None."""
    h, w = new.shape
    if w < 4 * STRIP:
        return None
    half = w // 2
    best: tuple[float, int, int] | None = None
    for start, template in ((0, new[2 : h - 2, :half]), (half, new[2 : h - 2, half:])):
        score = cv2.matchTemplate(old, template, cv2.TM_SQDIFF)
        low, _, (x, y), _ = cv2.minMaxLoc(score)
        low /= template.size
        if best is None or low < best[0]:
            best = (low, x - start, y - 2)  # new[r, i] shows old[r + dy, i + shift]
    assert best is not None
    _, shift, dy = best
    return shift if same_strip(old, new, shift, dy) else None
