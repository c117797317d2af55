"""An inner picture: footage shown inside another video (picture-in-picture), or a padded copy
whose bars the frames stage did not recognise.

Its border is a straight step that stays where it is while the pictures on both sides change.
On gray thumbnails sampled across the clip, a pixel-to-pixel step present in at least half of
them marks a persistent edge; the candidate lines are the rows and columns with the longest
runs of such steps; an inner picture is a rectangle of 8-80 % of the frame with at least two
sides inside the frame, each side at least 70 % persistent. Two rectangles are kept: the
largest, and the one whose weakest side holds best. They differ when a still edge of the background lines up with
the inner picture's top and bottom (the largest box then reaches out to that edge, as on a
talking head shown over a static room); neither rule alone is right every time. Found boxes
are extra search material (the whole picture is always hashed too), so a wrong box costs time,
not matches.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

Array = np.ndarray[Any, Any]
STEP = 6  # gray levels between neighbouring pixels
PERSISTENT = 0.5  # share of thumbnails showing the step
SIDE = 0.7  # share of a side's length that must be persistent
LINES = 16  # candidate rows and columns kept


def _longest_runs(mask: Array) -> Array:
    """Length of the longest run of True in each row of a 2-D mask."""
    padded = np.pad(mask.astype(np.int8), ((0, 0), (1, 1)))
    best = np.zeros(mask.shape[0], np.int64)
    for i, row in enumerate(np.diff(padded, axis=1)):
        starts, ends = np.nonzero(row == 1)[0], np.nonzero(row == -1)[0]
        if len(starts):
            best[i] = int((ends - starts).max())
    return best


def _lines(mask: Array, minimum: int) -> list[int]:
    """The rows of ``mask`` with the longest runs, away from the frame's edges (an edge line
    there is the frame's own border or an encoder's artefact, not an inner picture's side)."""
    runs = _longest_runs(mask)
    margin = max(2, round(0.03 * len(runs)))
    runs[:margin] = runs[len(runs) - margin :] = 0
    order = np.argsort(runs)[::-1][:LINES]
    return [int(i) for i in order if runs[i] >= minimum]


Box = tuple[float, float, float, float]


def find_insets(thumbs: Array) -> list[Box]:
    """Up to two (x0, y0, x1, y1) boxes as fractions of the frame, the largest first (see the
    module's text); none when no inner picture is seen. ``thumbs``: N x h x w gray."""
    if thumbs.ndim != 3 or len(thumbs) < 8:
        return []
    frames = thumbs.astype(np.float32)
    _, h, w = frames.shape
    rows = (np.abs(np.diff(frames, axis=1)) > STEP).mean(axis=0) > PERSISTENT  # (h-1, w)
    cols = (np.abs(np.diff(frames, axis=2)) > STEP).mean(axis=0) > PERSISTENT  # (h, w-1)
    along_rows = np.pad(np.cumsum(rows, axis=1), ((0, 0), (1, 0)))
    along_cols = np.pad(np.cumsum(cols, axis=0), ((1, 0), (0, 0)))
    ys = _lines(rows, int(0.2 * w))
    xs = _lines(cols.T, int(0.2 * h))
    largest: tuple[int, float, tuple[int, int, int, int]] | None = None
    firmest: tuple[int, float, float, tuple[int, int, int, int]] | None = None
    for y1 in [*ys, -1]:
        for y2 in [*ys, h - 1]:
            if y2 - y1 < 0.15 * h:
                continue
            for x0 in [*xs, -1]:
                for x1 in [*xs, w - 1]:
                    area = (x1 - x0) * (y2 - y1) / (w * h)
                    if x1 - x0 < 0.15 * w or not 0.08 < area < 0.8:
                        continue
                    sides = []
                    if y1 >= 0:
                        sides.append((along_rows[y1, x1 + 1] - along_rows[y1, x0 + 1]) / (x1 - x0))
                    if y2 < h - 1:
                        sides.append((along_rows[y2, x1 + 1] - along_rows[y2, x0 + 1]) / (x1 - x0))
                    if x0 >= 0:
                        sides.append((along_cols[y2 + 1, x0] - along_cols[y1 + 1, x0]) / (y2 - y1))
                    if x1 < w - 1:
                        sides.append((along_cols[y2 + 1, x1] - along_cols[y1 + 1, x1]) / (y2 - y1))
                    if len(sides) < 2 or min(sides) < SIDE:
                        continue
                    box = (x0 + 1, y1 + 1, x1 + 1, y2 + 1)
                    if largest is None or (len(sides), area) > largest[:2]:
                        largest = (len(sides), area, box)
                    weakest = round(float(min(sides)), 1)  # a tenth: near ties go to the larger
                    if firmest is None or (len(sides), weakest, area) > firmest[:3]:
                        firmest = (len(sides), weakest, area, box)
    if largest is None or firmest is None:
        return []
    boxes = [largest[2]] + ([firmest[3]] if firmest[3] != largest[2] else [])
    return [(x0 / w, y0 / h, x1 / w, y1 / h) for x0, y0, x1, y1 in boxes]


THUMBS = 100  # thumbnails looked at for an inner picture
BAND = 16 / 9  # the aspect of the footage most often re-framed into a taller picture
TALLER = 0.85  # a band under this share of the picture's height is worth a hash of its own


def landscape_band(height: int, width: int) -> Box | None:
    """Where a 16:9 picture sits when an app fits it, full width and centred, into a taller
    frame (9:16, square, 4:5) over padding no bar detector sees: a blurred copy of itself, or
    a plain colour that is the picture's own background. None for a frame not taller than that."""
    share = width / BAND / max(height, 1)
    if share >= TALLER:
        return None
    top = (1 - share) / 2
    return (0.0, top, 1.0, top + share)


def overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    """Intersection over union of two (x0, y0, x1, y1) boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def thumbnail(rgb: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    h, w = rgb.shape[:2]
    gray: np.ndarray[Any, Any] = cv2.resize(
        cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY),
        (256, max(2, round(h * 256 / w))),
        interpolation=cv2.INTER_AREA,
    )
    return gray
