"""Static overlays: regions that stay put while the picture around them changes.

Works on gray frames sampled across the whole video at analysis resolution (bars are found by
frames/bars.py on the same samples):

- **opaque boxes**: uniform regions that never change while their surroundings do (e.g. black
  bars drawn over faces);
- **logos, watermarks and captions**: edges that persist in the mean of all samples (moving
  content averages out; a static overlay, even semi-transparent, does not — the idea behind
  gradient-consistency watermark detection), in a region whose surroundings change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from verifyvid.stages.frames.models import Box, OverlayKind

Array = np.ndarray[Any, Any]


@dataclass
class Found:
    kind: OverlayKind
    box: Box  # full-resolution, displayed orientation
    start: float
    end: float
    fill: str | None = None


@dataclass
class Samples:
    times: list[float]
    frames: Array  # N x h x w uint8, analysis resolution
    full: list[Array]  # a few full-resolution gray frames
    width: int  # displayed full-resolution size
    height: int


STRAIGHT = 0.6  # share of an edge's length that must show the step
STATIC = 3.0  # median grey-level spread over time under which a picture barely changes
PAINTED_FLAT = 1.0  # a box painted on a still picture: spread over time under this...
PAINTED_SMOOTH = 1.5  # ...and across (5 x 5 pixels) under this, in grey levels...
EDGE_STEP = 12.0  # ...and this many levels from what lies just outside it
GROW = 2  # pixels a flat region is short of its box on each side (the 5 x 5 window eats them)


# -- boxes, logos, captions -----------------------------------------------------------------------


def _ring_activity(still: Array, x: int, y: int, bw: int, bh: int, margin: int) -> float:
    h, w = still.shape
    x0, y0 = max(0, x - margin), max(0, y - margin)
    x1, y1 = min(w, x + bw + margin), min(h, y + bh + margin)
    outer = still[y0:y1, x0:x1]
    inner_area = bw * bh
    total = float(outer.sum()) - float(still[y : y + bh, x : x + bw].sum())
    count = outer.size - inner_area
    return total / count if count > 0 else 0.0


def _local_std(mean: Array) -> Array:
    """The grey levels' standard deviation over each pixel's 5 x 5 neighbourhood."""
    spread: Array = np.sqrt(
        np.maximum(cv2.blur(mean * mean, (5, 5)) - cv2.blur(mean, (5, 5)) ** 2, 0)
    )
    return spread


def _rectangles(mask: Array, fill: float, side: int) -> Iterator[tuple[int, int, int, int]]:
    """(x, y, width, height) of each connected part of ``mask`` shaped like a box: 0.1-30 % of
    the picture, filling at least ``fill`` of its bounding rectangle, no side under ``side``."""
    h, w = mask.shape
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=4)
    for i in range(1, count):
        x, y, bw, bh, px = (int(v) for v in stats[i])
        if 0.001 * h * w <= bw * bh <= 0.3 * h * w and px >= fill * bw * bh and min(bw, bh) >= side:
            yield x, y, bw, bh


def _flat_box(s: Samples, shape: tuple[int, ...], x: int, y: int, bw: int, bh: int) -> Box:
    """A flat region found at analysis size as a box in the full picture: GROW pixels wider on
    every side, scaled and clipped."""
    sx, sy = s.width / shape[1], s.height / shape[0]
    box = _scale(x - GROW, y - GROW, bw + 2 * GROW, bh + 2 * GROW, sx, sy)
    return _clip(box, s.width, s.height)


def _painted_boxes(s: Samples, still: Array, mean: Array, active: Array) -> list[Found]:
    """Boxes painted over a picture that barely changes (black bars over faces in a statement
    filmed on a tripod). The scenery there is as still as a box, so a box must be what a camera
    does not film: flat to within compression noise (PAINTED_FLAT over time, PAINTED_SMOOTH
    across), a rectangle, and cut off from its surroundings by a step of EDGE_STEP grey levels
    along at least STRAIGHT of every side inside the picture (three sides at least). A dark wall
    or a clipped window has noise, gradients or soft edges; the shared clips' flat patches fail."""
    h, w = still.shape
    flat = (still < PAINTED_FLAT) & (_local_std(mean) < PAINTED_SMOOTH) & active
    found = []
    for x, y, bw, bh in _rectangles(flat, 0.9, 4):
        level = float(mean[y : y + bh, x : x + bw].mean())
        outside = []  # the line just outside each side that lies inside the picture
        if y - GROW - 2 >= 0:
            outside.append(mean[y - GROW - 2, x : x + bw])
        if y + bh + GROW + 1 < h:
            outside.append(mean[y + bh + GROW + 1, x : x + bw])
        if x - GROW - 2 >= 0:
            outside.append(mean[y : y + bh, x - GROW - 2])
        if x + bw + GROW + 1 < w:
            outside.append(mean[y : y + bh, x + bw + GROW + 1])
        stepped = [float((np.abs(o - level) >= EDGE_STEP).mean()) >= STRAIGHT for o in outside]
        if len(stepped) < 3 or not all(stepped):  # (three of four sides: two shared clips' flat
            continue  # patches would pass, against a third of the dark grey boxes)
        box = _flat_box(s, still.shape, x, y, bw, bh)
        found.append(Found("opaque-box", box, s.times[0], s.times[-1]))
    return found


def _span(s: Samples, present: list[bool]) -> tuple[float, float] | None:
    idx = [i for i, p in enumerate(present) if p]
    if not idx:
        return None
    step = (s.times[-1] - s.times[0]) / max(1, len(s.times) - 1)
    return s.times[idx[0]], s.times[idx[-1]] + step


def find_overlays(s: Samples, crop: Box | None, shot_starts: list[float]) -> list[Found]:
    frames = s.frames
    n, h, w = frames.shape
    if n < 4:
        return []
    sx, sy = s.width / w, s.height / h
    f32 = frames.astype(np.float32)
    still = f32.std(axis=0)
    mean = f32.mean(axis=0)
    active = np.zeros((h, w), bool)
    if crop is not None:
        x0, y0 = int(crop.x / sx), int(crop.y / sy)
        x1, y1 = int(np.ceil((crop.x + crop.width) / sx)), int(np.ceil((crop.y + crop.height) / sy))
        # two pixels in: a 3x3 gradient there still sees the bar (white or coloured padding
        # meets the picture in a straight, persistent edge that is no logo)
        active[y0 + 2 : y1 - 2, x0 + 2 : x1 - 2] = True
    else:
        active[:, :] = True
    if float(np.median(still[active])) < STATIC:
        # the picture barely changes (a tripod shot, a talking head): static and moving parts
        # cannot be told apart, so logos and captions are not looked for; a painted box can be
        return _painted_boxes(s, still, mean, active)
    area = h * w
    margin = max(3, round(0.02 * w))
    several_shots = len({sum(1 for t0 in shot_starts if t0 <= t) for t in s.times}) >= 2
    found: list[Found] = []
    boxes_small: list[tuple[int, int, int, int]] = []

    # opaque boxes: uniform and unchanging
    uniform = (still < 3) & (_local_std(mean) < 4) & active
    for x, y, bw, bh in _rectangles(uniform, 0.85, 3):
        ring = _ring_activity(still, x, y, bw, bh, margin)
        inner = float(still[y : y + bh, x : x + bw].mean())
        if ring < (6 if several_shots else 12) or (not several_shots and inner > 1.5):
            continue  # in a single shot, a flat still patch of scenery must be very flat and still
        level = float(mean[y : y + bh, x : x + bw].mean())
        present = [
            abs(float(f[y : y + bh, x : x + bw].mean()) - level) < 10
            and float(f[y : y + bh, x : x + bw].std()) < 8
            for f in f32
        ]
        span = _span(s, present) or (s.times[0], s.times[-1])
        boxes_small.append((x, y, bw, bh))
        found.append(Found("opaque-box", _flat_box(s, still.shape, x, y, bw, bh), *span))

    # logos and captions: edges with the same place and sign in every sample
    gx = np.zeros((h, w), np.float32)
    gy = np.zeros((h, w), np.float32)
    mag = np.zeros((h, w), np.float32)
    for f in f32:
        fx, fy = cv2.Sobel(f, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(f, cv2.CV_32F, 0, 1, ksize=3)
        gx += fx
        gy += fy
        mag += np.abs(fx) + np.abs(fy)
    gx, gy, mag = gx / n, gy / n, mag / n
    persist = np.abs(gx) + np.abs(gy)
    consistency = persist / (mag + 1e-3)
    mask = ((consistency > 0.75) & (persist > 24) & active).astype(np.uint8)
    for bx, by, bw, bh in boxes_small:  # a box's own outline is not a logo
        mask[max(0, by - 3) : by + bh + 3, max(0, bx - 3) : bx + bw + 3] = 0
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for i in range(1, count):
        x, y, bw, bh, px = (int(v) for v in stats[i])
        if not (0.0008 * area <= bw * bh <= 0.08 * area) or px < 12:
            continue
        if _ring_activity(still, x, y, bw, bh, margin) < 6:
            continue
        tx, ty = gx[y : y + bh, x : x + bw].ravel(), gy[y : y + bh, x : x + bw].ravel()
        template = np.concatenate([tx, ty])
        present = []
        for f in f32:
            patch = f[max(0, y - 1) : y + bh + 1, max(0, x - 1) : x + bw + 1]
            ox, oy = (1 if x > 0 else 0), (1 if y > 0 else 0)
            fx = cv2.Sobel(patch, cv2.CV_32F, 1, 0, ksize=3)[oy : oy + bh, ox : ox + bw].ravel()
            fy = cv2.Sobel(patch, cv2.CV_32F, 0, 1, ksize=3)[oy : oy + bh, ox : ox + bw].ravel()
            sample = np.concatenate([fx, fy])
            ok = len(sample) == len(template) and float(np.std(sample)) > 0
            present.append(ok and float(np.corrcoef(sample, template)[0, 1]) > 0.5)
        if not _persistent(s, present, shot_starts):
            continue
        logo_span = _span(s, present)
        if logo_span is None:
            continue
        if any(_overlap(b, (x, y, bw, bh)) > 0.5 for b in boxes_small):
            continue  # the outline of an opaque box
        wide_low = bw > 0.3 * w and y > 0.6 * h
        found.append(
            Found("caption" if wide_low else "logo", _scale(x, y, bw, bh, sx, sy), *logo_span)
        )
    return found


def _persistent(s: Samples, present: list[bool], shot_starts: list[float]) -> bool:
    """Present in nearly every sample of its span, and across shot changes when there are some."""
    idx = [i for i, p in enumerate(present) if p]
    if len(idx) < 3:
        return False
    inside = present[idx[0] : idx[-1] + 1]
    if sum(inside) < 0.8 * len(inside):
        return False
    shots_seen = {sum(1 for t0 in shot_starts if t0 <= s.times[i]) for i in idx}
    shots_sampled = {sum(1 for t0 in shot_starts if t0 <= t) for t in s.times}
    if len(shots_sampled) < 2:
        # one shot: a static background looks like an overlay, so ask for all of it
        return len(idx) >= 0.9 * len(present)
    # on screen for most of the video, across shot changes
    return len(idx) >= 0.6 * len(present) and len(shots_seen) >= 2


def _overlap(inner: tuple[int, int, int, int], outer: tuple[int, int, int, int]) -> float:
    """Share of ``inner``'s area that lies inside ``outer``."""
    ix = max(0, min(inner[0] + inner[2], outer[0] + outer[2]) - max(inner[0], outer[0]))
    iy = max(0, min(inner[1] + inner[3], outer[1] + outer[3]) - max(inner[1], outer[1]))
    return ix * iy / max(1, inner[2] * inner[3])


def _clip(box: Box, width: int, height: int) -> Box:
    x0, y0 = max(0, box.x), max(0, box.y)
    x1, y1 = min(width, box.x + box.width), min(height, box.y + box.height)
    return Box(x=x0, y=y0, width=x1 - x0, height=y1 - y0)


def _scale(x: int, y: int, bw: int, bh: int, sx: float, sy: float) -> Box:
    return Box(x=round(x * sx), y=round(y * sy), width=round(bw * sx), height=round(bh * sy))
