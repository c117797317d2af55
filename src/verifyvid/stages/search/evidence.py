"""A JPEG per match that a person can check: a few matched frame pairs side by side (this clip's
frame beside the archived video's frame at the matched second, times written under each)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from verifyvid.fingerprint.stills import Saved
from verifyvid.media.decode import VideoDecoder, rotate
from verifyvid.stages.search.models import Match

PAIRS = 3  # frame pairs per match
HEIGHT = 180  # pixels of each picture
CAPTION = 22
GAP = 8


REACH = 3.0  # seconds: a wanted frame closer than this after the last one is decoded on to


def frames_at(path: Path, times: Sequence[float]) -> list[np.ndarray[Any, Any] | None]:
    """The picture shown at each time (the first frame at or after it; past the end, the last
    frame if the time is within a second of it; None otherwise), in one opening of the file.
    Times are taken in order: the decoding goes on from one to the next when it is near, and
    seeks to the key frame before it otherwise."""
    found: dict[float, np.ndarray[Any, Any] | None] = {}
    dec = VideoDecoder(path)
    try:
        frames: Any = None  # the decoder's frames from where it last sought
        held: Any = None  # the frame decoded last: the first at or after the time before
        for t in sorted(set(times)):
            if frames is None or held is None or t - dec.last_time > REACH:
                if not dec.seek(t) and held is not None:  # cannot seek: from the start again
                    dec.container.close()
                    dec = VideoDecoder(path)
                frames, held = dec.frames(), None
            while held is None or dec.last_time + 1e-3 < t:
                df = next(frames, None)
                if df is None:
                    break
                held = df.frame
            ended = held is None or dec.last_time + 1e-3 < t
            shown = held is not None and (not ended or t - dec.last_time <= 1.0)
            found[t] = rotate(held.to_ndarray(format="rgb24"), dec.rotation) if shown else None
            if ended:
                frames = None
    finally:
        dec.container.close()
    return [found[t] for t in times]


def pair_times(m: Match, stills: Saved | None = None) -> list[tuple[float, float]]:
    """(clip second, archived second) at the start, middle and end of the segment; each clip
    second moved onto the clip's nearest still when one lies within half a second of it,
    inside the segment."""
    span = m.query_end - m.query_start
    qs = (
        [m.query_start + span * f for f in np.linspace(0.1, 0.9, PAIRS)]
        if span > 0
        else [m.query_start]
    )
    if stills is not None:
        near = [stills.nearest(q, 0.5) for q in qs]
        qs = [s if s is not None and m.query_start <= s <= m.query_end else q
              for q, s in zip(qs, near, strict=True)]  # fmt: skip
        qs = sorted(set(qs))
    return [(q, max(0.0, m.ref_start + m.speed * (q - m.query_start))) for q in qs]


def fit(rgb: np.ndarray[Any, Any]) -> Image.Image:
    image = Image.fromarray(rgb)
    return image.resize((max(1, round(image.width * HEIGHT / image.height)), HEIGHT))


def draw_all(
    matches: Sequence[Match],
    query: Path,
    out_dir: Path,
    stills: Saved | None = None,
    archived: dict[int, Saved] | None = None,
) -> dict[int, Path]:
    """A side-by-side image per match (``out_dir``/pairs-N.jpg for the N-th, from 1), by the
    match's number; none for a match whose archived file is not at hand (moved, on another
    machine) or whose frames cannot be decoded. The clip's pictures come from its ``stills``
    (the hash stage's) where a pair lies on one; each file still needed is decoded once for all
    the matches, the clip beside the archived files (two threads: the decoding leaves the GIL).
    An archived video without media at hand is shown by its ``archived`` stills (by archive id),
    the one nearest each second, when the archive kept them (archive/ingest.py)."""
    archived = archived or {}
    times = {n: pair_times(m, stills) for n, m in enumerate(matches, 1)
             if (m.ref_path and Path(m.ref_path).is_file()) or m.ref_id in archived}  # fmt: skip
    if not times:
        return {}
    kept = {q: stills.picture(q) for n in times for q, _ in times[n]
            if stills is not None and stills.nearest(q, 1e-4) is not None}  # fmt: skip
    wanted: dict[Path, list[float]] = {}
    for n, pairs in times.items():
        wanted.setdefault(query, []).extend(q for q, _ in pairs if q not in kept)
        if not from_stills(matches[n - 1], archived):
            wanted.setdefault(Path(str(matches[n - 1].ref_path)), []).extend(r for _, r in pairs)
    wanted = {path: ts for path, ts in wanted.items() if ts}

    def pictures(path: Path) -> dict[float, np.ndarray[Any, Any] | None]:
        try:
            return dict(zip(wanted[path], frames_at(path, wanted[path]), strict=True))
        except (OSError, ValueError):
            return {}

    with ThreadPoolExecutor(2) as pool:
        decoded = dict(zip(wanted, pool.map(pictures, wanted), strict=True))
    mine = {**decoded.get(query, {}), **kept}
    drawn = {}
    for n, pairs in times.items():
        m = matches[n - 1]
        ref: dict[float, np.ndarray[Any, Any] | None]
        if from_stills(m, archived):
            ref = {r: archived[m.ref_id].picture(t) for _, r in pairs
                   if (t := archived[m.ref_id].nearest(r, STILL_REACH)) is not None}  # fmt: skip
        else:
            ref = decoded.get(Path(str(m.ref_path)), {})
        rows = [(fit(a), fit(b), q, r) for q, r in pairs
                if (a := mine.get(q)) is not None and (b := ref.get(r)) is not None]  # fmt: skip
        if rows:
            drawn[n] = compose(matches[n - 1], rows, out_dir / f"pairs-{n}.jpg")
    return drawn


STILL_REACH = 0.6  # seconds: an archived still this close to a second stands for it


def from_stills(m: Match, archived: dict[int, Saved]) -> bool:
    """Whether the archived side is drawn from stored stills (no media file at hand)."""
    return m.ref_id in archived and not (m.ref_path and Path(m.ref_path).is_file())


def compose(m: Match, rows: list[tuple[Image.Image, Image.Image, float, float]], out: Path) -> Path:
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
    return out
