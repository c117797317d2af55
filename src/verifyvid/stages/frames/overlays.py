"""Static overlays: regions that stay put while the picture around them changes.

Works on gray frames sampled across the whole video at analysis resolution:

- **bars** (letterbox top/bottom, pillarbox left/right): edge rows/columns with almost no
  picture detail over time (black, solid or blurred fill), bounded by a persistent straight edge;
  the edge is then located at full resolution on a few full-size frames;
- **opaque boxes**: uniform regions that never change while their surroundings do (e.g. black
  bars drawn over faces);
- **logos, watermarks and captions**: edges that persist in the mean of all samples (moving
  content averages out; a static overlay, even semi-transparent, does not — the idea behind
  gradient-consistency watermark detection), in a region whose surroundings change.
"""

from __future__ import annotations

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


def gradient(image: Array) -> Array:
    img = image.astype(np.float32)
    return np.abs(cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)) + np.abs(
        cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    )


# -- bars -------------------------------------------------------------------------------------


def _bar_extent(activity: Array, reference: float) -> int:
    """How many leading entries of a 1-D activity profile belong to a bar.

    The bar ends where picture detail jumps to a content level; everything before must be
    clearly poorer in detail (black bars ~0, blurred-background bars ~0.3 of the content).
    """
    n = 0
    while n < len(activity) // 2 and activity[n] < 0.6 * reference:
        n += 1
    if n == 0 or n >= len(activity) // 2 or float(np.mean(activity[:n])) > 0.35 * reference:
        return 0
    return n


def _refine(
    full: list[Array], approx: int, axis: int, scale: float, span: tuple[int, int]
) -> tuple[int, float]:
    """The exact full-resolution position of a bar edge near ``approx`` (full-res units), and
    how straight it is: the share of the edge's length with a clear step there (a padded bar's
    edge runs the whole picture; the border of a dark wall does not)."""
    if not full:
        return approx, 1.0
    size = full[0].shape[axis]
    radius = int(3 * scale) + 3
    lo, hi = max(1, approx - radius), min(size - 1, approx + radius)
    if hi <= lo:
        return approx, 1.0
    strengths, steps = [], []
    for image in full:
        img = image.astype(np.int16)
        band = img[:, span[0] : span[1]] if axis == 0 else img[span[0] : span[1], :].T
        step = np.abs(band[1:] - band[:-1])  # step[i-1] is between lines i-1 and i
        strengths.append(step.mean(axis=1)[lo - 1 : hi - 1])
        steps.append(step[lo - 1 : hi - 1])
    best = int(np.argmax(np.median(np.stack(strengths), axis=0)))
    along = np.median(np.stack([st[best] for st in steps]), axis=0)
    return best + lo, float(np.mean(along > 6)) if along.size else 1.0


STRAIGHT = 0.6  # share of an edge's length that must show the step
SAME_FILL = 12.0  # grey levels between the two strips of solid padding (one colour)
STATIC = 3.0  # median grey-level spread over time under which a picture barely changes
PAINTED_FLAT = 1.0  # a box painted on a still picture: spread over time under this...
PAINTED_SMOOTH = 1.5  # ...and across (5 x 5 pixels) under this, in grey levels...
EDGE_STEP = 12.0  # ...and this many levels from what lies just outside it


def find_bars(s: Samples) -> tuple[Box | None, list[Found]]:
    frames = s.frames.astype(np.float32)
    n, h, w = frames.shape
    sx, sy = s.width / w, s.height / h
    detail = np.mean([gradient(f) for f in frames[:: max(1, n // 60)]], axis=0)
    still = frames.std(axis=0)
    mean = frames.mean(axis=0)
    rows, cols = detail.mean(axis=1), detail.mean(axis=0)
    # the content's level of detail: the central half's median, or, when bars fill more than
    # half the frame (a landscape clip padded to 9:16 keeps ~30 % of the height), the upper
    # tenth of all lines
    ref_r = max(float(np.median(rows[h // 4 : 3 * h // 4])), float(np.percentile(rows, 90))) or 1.0
    ref_c = max(float(np.median(cols[w // 4 : 3 * w // 4])), float(np.percentile(cols, 90))) or 1.0
    top, bottom = _bar_extent(rows, ref_r), _bar_extent(rows[::-1], ref_r)
    left, right = _bar_extent(cols, ref_c), _bar_extent(cols[::-1], ref_c)

    def fill(region: Array, region_still: Array) -> tuple[str, float]:
        """A strip's fill (black, solid or blurred) and its mean grey."""
        level = float(region.mean())
        if float(region_still.mean()) >= 4:
            return "blurred", level
        return ("black" if level < 28 else "solid"), level

    def keep_pair(a: int, b: int, size: int, fills: tuple[tuple[str, float], tuple[str, float]]
                  ) -> tuple[int, int]:  # fmt: skip
        (fill_a, level_a), (fill_b, level_b) = fills
        minimum = max(2, round(0.02 * size))
        a = a if a >= minimum else 0
        b = b if b >= minimum else 0
        # padding has one colour: two solid strips of different colours are part of the picture
        # (a test pattern, a designed frame), not bars
        one_colour = (fill_a, fill_b) != ("solid", "solid") or abs(level_a - level_b) <= SAME_FILL
        if (
            a
            and b
            and one_colour
            and (fill_a == fill_b == "black" or abs(a - b) <= 0.25 * max(a, b) + 2)
        ):
            return a, b
        # a single bar is only trusted when black and still (a flat sky is not a bar)
        return (a if fill_a == "black" else 0), (b if fill_b == "black" else 0)

    no_strip = ("", 0.0)
    fills_tb = (
        fill(mean[:top], still[:top]) if top else no_strip,
        fill(mean[h - bottom :], still[h - bottom :]) if bottom else no_strip,
    )
    top, bottom = keep_pair(top, bottom, h, fills_tb)
    fills_lr = (
        fill(mean[:, :left], still[:, :left]) if left else no_strip,
        fill(mean[:, w - right :], still[:, w - right :]) if right else no_strip,
    )
    left, right = keep_pair(left, right, w, fills_lr)
    if not (top or bottom or left or right):
        return None, []

    cx0, cx1 = round(left * sx), s.width - round(right * sx)
    cy0, cy1 = round(top * sy), s.height - round(bottom * sy)
    span_x = (cx0 + (cx1 - cx0) // 10, cx1 - (cx1 - cx0) // 10)
    span_y = (cy0 + (cy1 - cy0) // 10, cy1 - (cy1 - cy0) // 10)
    straight = {}
    if top:
        cy0, straight["top"] = _refine(s.full, cy0, 0, sy, span_x)
    if bottom:
        cy1, straight["bottom"] = _refine(s.full, cy1, 0, sy, span_x)
    if left:
        cx0, straight["left"] = _refine(s.full, cx0, 1, sx, span_y)
    if right:
        cx1, straight["right"] = _refine(s.full, cx1, 1, sx, span_y)
    if min(straight.get("top", 1.0), straight.get("bottom", 1.0)) < STRAIGHT:
        top = bottom = 0
        cy0, cy1 = 0, s.height
    if min(straight.get("left", 1.0), straight.get("right", 1.0)) < STRAIGHT:
        left = right = 0
        cx0, cx1 = 0, s.width
    if not (top or bottom or left or right):
        return None, []
    crop = Box(x=cx0, y=cy0, width=cx1 - cx0, height=cy1 - cy0)
    start, end = s.times[0], s.times[-1]
    found: list[Found] = []
    if top:
        found.append(
            Found("letterbox", Box(x=0, y=0, width=s.width, height=cy0), start, end, fills_tb[0][0])
        )
    if bottom:
        found.append(
            Found(
                "letterbox",
                Box(x=0, y=cy1, width=s.width, height=s.height - cy1),
                start,
                end,
                fills_tb[1][0],
            )
        )
    if left:
        found.append(
            Found(
                "pillarbox", Box(x=0, y=0, width=cx0, height=s.height), start, end, fills_lr[0][0]
            )
        )
    if right:
        found.append(
            Found(
                "pillarbox",
                Box(x=cx1, y=0, width=s.width - cx1, height=s.height),
                start,
                end,
                fills_lr[1][0],
            )
        )
    return crop, found


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


def _painted_boxes(s: Samples, still: Array, mean: Array, active: Array) -> list[Found]:
    """Boxes painted over a picture that barely changes (black bars over faces in a statement
    filmed on a tripod). The scenery there is as still as a box, so a box must be what a camera
    does not film: flat to within compression noise (PAINTED_FLAT over time, PAINTED_SMOOTH
    across), a rectangle, and cut off from its surroundings by a step of EDGE_STEP grey levels
    along at least STRAIGHT of every side inside the picture (three sides at least). A dark wall
    or a clipped window has noise, gradients or soft edges; the shared clips' flat patches fail."""
    h, w = still.shape
    sx, sy = s.width / w, s.height / h
    local_std = _local_std(mean)
    flat = ((still < PAINTED_FLAT) & (local_std < PAINTED_SMOOTH) & active).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(flat, connectivity=4)
    found = []
    for i in range(1, count):
        x, y, bw, bh, px = (int(v) for v in stats[i])
        if not (0.001 * h * w <= bw * bh <= 0.3 * h * w) or px < 0.9 * bw * bh or min(bw, bh) < 4:
            continue
        grow = 2  # the 5x5 window eats 2 pixels on each side: the box's edge is 2 pixels out
        level = float(mean[y : y + bh, x : x + bw].mean())
        outside = []  # the line just outside each side that lies inside the picture
        if y - grow - 2 >= 0:
            outside.append(mean[y - grow - 2, x : x + bw])
        if y + bh + grow + 1 < h:
            outside.append(mean[y + bh + grow + 1, x : x + bw])
        if x - grow - 2 >= 0:
            outside.append(mean[y : y + bh, x - grow - 2])
        if x + bw + grow + 1 < w:
            outside.append(mean[y : y + bh, x + bw + grow + 1])
        stepped = [float((np.abs(o - level) >= EDGE_STEP).mean()) >= STRAIGHT for o in outside]
        if len(stepped) < 3 or not all(stepped):  # (three of four sides: two shared clips' flat
            continue  # patches would pass, against a third of the dark grey boxes)
        box = _scale(x - grow, y - grow, bw + 2 * grow, bh + 2 * grow, sx, sy)
        found.append(Found("opaque-box", _clip(box, s.width, s.height), s.times[0], s.times[-1]))
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
    local_std = _local_std(mean)
    uniform = ((still < 3) & (local_std < 4) & active).astype(np.uint8)
    count, _, stats, _ = cv2.connectedComponentsWithStats(uniform, connectivity=4)
    for i in range(1, count):
        x, y, bw, bh, px = (int(v) for v in stats[i])
        if not (0.001 * area <= bw * bh <= 0.3 * area) or px < 0.85 * bw * bh or min(bw, bh) < 3:
            continue
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
        grow = 2  # the 5x5 uniformity window eats 2 pixels on each side
        box = _scale(x - grow, y - grow, bw + 2 * grow, bh + 2 * grow, sx, sy)
        found.append(Found("opaque-box", _clip(box, s.width, s.height), *span))

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
