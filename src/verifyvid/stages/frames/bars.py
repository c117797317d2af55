"""Letterbox and pillarbox bars: edge rows/columns with almost no picture detail over time
(black, solid or blurred fill), bounded by a persistent straight edge; the edge is then located at
full resolution on a few full-size frames."""

from __future__ import annotations

import cv2
import numpy as np

from verifyvid.stages.frames.models import Box
from verifyvid.stages.frames.overlays import STRAIGHT, Array, Found, Samples


def gradient(image: Array) -> Array:
    img = image.astype(np.float32)
    return np.abs(cv2.Sobel(img, cv2.CV_32F, 1, 0, ksize=3)) + np.abs(
        cv2.Sobel(img, cv2.CV_32F, 0, 1, ksize=3)
    )


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


SAME_FILL = 12.0  # grey levels between the two strips of solid padding (one colour)


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
