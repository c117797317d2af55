"""A JPEG per match that a person can check: a few matched frame pairs side by side (this clip's
frame beside the archived video's frame at the matched second, times written under each)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from verifyvid.media.decode import VideoDecoder, rotate
from verifyvid.stages.search.models import Match

PAIRS = 3  # frame pairs per match
HEIGHT = 180  # pixels of each picture
CAPTION = 22
GAP = 8


def frames_at(path: Path, times: Sequence[float]) -> list[np.ndarray[Any, Any] | None]:
    """The picture shown at each time; None where the video ends first."""
    found = {t: frame_at(path, t) for t in sorted(set(times))}
    return [found[t] for t in times]


def frame_at(path: Path, t: float) -> np.ndarray[Any, Any] | None:
    """The first frame at or after ``t``, decoded from the key frame before it (from the start
    where the file cannot seek); past the end, the last frame if ``t`` is within a second of it."""
    with VideoDecoder(path) as dec:
        dec.seek(t)
        last: Any = None  # the last av.VideoFrame before t
        for df in dec.frames():
            if df.time + 1e-3 >= t:
                return rotate(df.frame.to_ndarray(format="rgb24"), dec.rotation)
            last = df.frame
        if last is not None and t - dec.last_time <= 1.0:
            return rotate(last.to_ndarray(format="rgb24"), dec.rotation)
    return None


def pair_times(m: Match) -> list[tuple[float, float]]:
    """(clip second, archived second) at the start, middle and end of the segment."""
    span = m.query_end - m.query_start
    qs = (
        [m.query_start + span * f for f in np.linspace(0.1, 0.9, PAIRS)]
        if span > 0
        else [m.query_start]
    )
    return [(q, max(0.0, m.ref_start + m.speed * (q - m.query_start))) for q in qs]


def fit(rgb: np.ndarray[Any, Any]) -> Image.Image:
    image = Image.fromarray(rgb)
    return image.resize((max(1, round(image.width * HEIGHT / image.height)), HEIGHT))


def draw(m: Match, query: Path, out: Path) -> bool:
    """Write the side-by-side image; False when the archived file is not at hand (moved, on
    another machine) or a frame cannot be decoded."""
    if not m.ref_path or not Path(m.ref_path).is_file():
        return False
    times = pair_times(m)
    try:
        mine = frames_at(query, [q for q, _ in times])
        theirs = frames_at(Path(m.ref_path), [r for _, r in times])
    except (OSError, ValueError):
        return False
    rows = [(fit(a), fit(b), q, r) for (q, r), a, b in zip(times, mine, theirs, strict=True)
            if a is not None and b is not None]  # fmt: skip
    if not rows:
        return False
    width = max(a.width + b.width for a, b, _, _ in rows) + 3 * GAP
    image = Image.new("RGB", (width, len(rows) * (HEIGHT + CAPTION + GAP) + GAP), "white")
    pen = ImageDraw.Draw(image)
    y = GAP
    for a, b, q, r in rows:
        image.paste(a, (GAP, y))
        image.paste(b, (2 * GAP + a.width, y))
        pen.text((GAP, y + HEIGHT + 4), f"this clip {q:.1f} s", fill=(20, 20, 20))
        pen.text((2 * GAP + a.width, y + HEIGHT + 4), f"#{m.ref_id} {m.title[:40]} {r:.1f} s",
                 fill=(20, 20, 20))  # fmt: skip
        y += HEIGHT + CAPTION + GAP
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, format="JPEG", quality=85)
    return True
