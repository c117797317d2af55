"""PDQ frame hashes of a video: densely sampled, bars removed, mirrored too, with an inner picture.

PDQ (Meta's 256-bit perceptual hash, through ``pdqhash``) comes with a quality score; frames
under ``min_quality`` (flat, dark, featureless) are dropped, as PDQ's authors advise. The
picture is cropped to a box without letterbox/pillarbox bars when one is given, then each
frame's own black edges are cut, so a copy padded for another aspect ratio (black or blurred
bars), and footage whose bars come and go, hash like the original. Used by the hash stage and
by the archive's `index add`; it knows nothing of cases or stages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pdqhash

from verifyvid.errors import InputError
from verifyvid.fingerprint.inset import THUMBS, Box, find_insets, landscape_band, overlap, thumbnail
from verifyvid.fingerprint.local import Collector, LocalFeatures
from verifyvid.fingerprint.stills import Stills
from verifyvid.fingerprint.vpdq import Vpdq, VpdqHasher
from verifyvid.media.decode import Converter, DecodedFrame, Pace, VideoDecoder, rotate
from verifyvid.media.framepass import FrameConsumer, decode_once


class NoVideo(InputError):
    """The file has no video stream: there is nothing to hash."""


HASH_SIDE = 512  # PDQ works on at most 512 px; scaling first is much cheaper than full frames
MIRROR = 5  # index of the left-right mirror among pdqhash.compute_dihedral's eight hashes


def pack(bits: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return np.packbits(bits.astype(np.uint8))


def hash_picture(
    rgb: np.ndarray[Any, Any], mirror: bool
) -> tuple[np.ndarray[Any, Any], int, np.ndarray[Any, Any] | None]:
    """(packed PDQ hash, quality, packed hash of the mirror image or None)."""
    if mirror:
        hashes, quality = pdqhash.compute_dihedral(
            np.ascontiguousarray(rgb)
        )  # one quality for all eight
        return pack(hashes[0]), int(np.asarray(quality).ravel()[0]), pack(hashes[MIRROR])
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return pack(bits), int(quality), None


def trim_black(rgb: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """Cut black rows and columns off the edges of one picture (bars that come and go)."""
    if not any(_dark(line) for line in (rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1])):
        return rgb  # no edge line is dark: nothing to cut (most frames; saves the work below)
    gray = rgb.mean(axis=2)
    dark_rows = (gray.mean(axis=1) < 24) & (gray.std(axis=1) < 10)
    dark_cols = (gray.mean(axis=0) < 24) & (gray.std(axis=0) < 10)

    def span(dark: np.ndarray[Any, Any]) -> tuple[int, int]:
        n = len(dark)
        a = int(np.argmin(dark)) if not dark.all() else 0
        b = n - int(np.argmin(dark[::-1])) if not dark.all() else n
        return (
            (a, b) if b - a >= n // 2 else (0, n)
        )  # keep at least half: a dark scene is not a bar

    (y0, y1), (x0, x1) = span(dark_rows), span(dark_cols)
    return rgb[y0:y1, x0:x1]


def _dark(line: np.ndarray[Any, Any]) -> bool:
    """One edge row or column (N x 3) by trim_black's test: dark and even."""
    gray = line.mean(axis=1)
    return bool(gray.mean() < 24 and gray.std() < 10)


def bars_present(rgb: np.ndarray[Any, Any], y0: int, y1: int, x0: int, x1: int) -> bool:
    """Whether this picture has bars outside the box: clearly less detail there than inside.
    The frames stage finds bars over the whole clip; in a compilation they may come and go.
    Runs on every hashed frame of a clip with bars, so it works in integers: the sum of the
    three channels stands for their mean (three times it), which leaves every test as it was."""
    gray = rgb[..., 0].astype(np.int16) + rgb[..., 1] + rgb[..., 2]  # 8x faster than sum()
    h, w = gray.shape
    y0, y1, x0, x1 = max(0, y0), min(h, y1), max(0, x0), min(w, x1)
    if y1 <= y0 or x1 <= x0:
        return False  # no picture to compare with
    across, down = np.abs(np.diff(gray, axis=1)), np.abs(np.diff(gray, axis=0))
    total = int(across.sum(dtype=np.int64)) + int(down.sum(dtype=np.int64))
    # the detail of the box's pixels: steps to the pixel on the left and to the one above
    inside = (int(across[y0:y1, max(0, x0 - 1) : x1 - 1].sum(dtype=np.int64))
              + int(down[max(0, y0 - 1) : y1 - 1, x0:x1].sum(dtype=np.int64)))  # fmt: skip
    box = (y1 - y0) * (x1 - x0)
    area = gray.size - box
    # the mean detail outside under half the mean inside
    if not (area > 0 and 2 * (total - inside) * box < inside * area):
        return False
    # and a straight step where a bar meets the picture (dark scenery has none)
    edges = [edge_share(gray[:, x0:x1], y, 0) for y in (y0, y1) if 1 < y < h - 1]
    edges += [edge_share(gray[y0:y1, :], x, 1) for x in (x0, x1) if 1 < x < w - 1]
    return not edges or max(edges) >= 0.5


def edge_share(gray: np.ndarray[Any, Any], at: int, axis: int) -> float:
    """The share of a line (a row for axis 0, a column for axis 1) showing a step of more than 6
    gray levels (18 in ``gray``, a sum of three channels), at the best of three positions
    around ``at`` (bar edges fall between pixels)."""
    best = 0.0
    for pos in (at - 1, at, at + 1):
        if 0 < pos < gray.shape[axis]:
            a, b = np.take(gray, pos, axis=axis), np.take(gray, pos - 1, axis=axis)
            best = max(best, float(np.mean(np.abs(a - b) > 18)))
    return best


def centre(rgb: np.ndarray[Any, Any], zoom: float) -> np.ndarray[Any, Any]:
    """The centre ``zoom`` fraction of a picture (a copy cropped on every side)."""
    h, w = rgb.shape[:2]
    dy, dx = round(h * (1 - zoom) / 2), round(w * (1 - zoom) / 2)
    return rgb[dy : h - dy, dx : w - dx]


@dataclass
class Hashes:
    t: np.ndarray[Any, Any]
    hash: np.ndarray[Any, Any]
    quality: np.ndarray[Any, Any]
    mirror: np.ndarray[Any, Any]
    dropped: int
    duration: float
    insets: list[Box] = field(default_factory=list)  # inner pictures found, the largest first
    inset_t: np.ndarray[Any, Any] | None = None
    inset_hash: np.ndarray[Any, Any] | None = None
    inset_part: np.ndarray[Any, Any] | None = (
        None  # which of ``insets`` (then ``band``) a row is of
    )
    band: Box | None = None  # the width-filling 16:9 band of a taller picture, hashed as an inset
    local: LocalFeatures | None = None
    stills: Stills | None = None
    vpdq: Vpdq | None = None  # whole frames, one a second, as vPDQ defines them


# A video with fewer frames of PDQ quality over ``min_quality`` than this is feature-poor (a
# plain wall, haze, a flat render): its frames down to ``floor`` are kept. PDQ's bits are the signs
# of DCT coefficients against their median, unchanged by contrast; its quality measures contrast
# (gradient), so a low-contrast picture with structure hashes as the same picture with more.
POOR = 8
FLOOR = 5
# A clip with enough good frames may still hold feature-poor footage: haze or a plain wall
# between other shots. Its weak frames (down to the floor) are kept where they run on for STRETCH
# seconds or more; a few weak frames (a fade, a blur) are still left out.
STRETCH = 2.0


class Hasher(FrameConsumer):
    """PDQ hashes of the frames of a pass at ``fps`` (crop: a box in a picture of ``size``);
    with ``dedupe``, a frame whose hash is within that Hamming distance of the previous kept one
    is dropped. Each of ``zooms`` (1.0: the whole picture, 0.8: its centre 80 %) gives one hash
    row per frame. With ``inset``, thumbnails are kept to look for an inner picture
    (fingerprint/inset.py); with ``local``, local features of one frame a second
    (fingerprint/local.py); with ``stills``, a small still a second (fingerprint/stills.py);
    with ``vpdq``, vPDQ's whole-frame hashes (fingerprint/vpdq.py). Hashing runs on a worker
    thread of its own, beside the decoding."""

    threaded = True

    def __init__(self, fps: float, min_quality: int = 50, mirror: bool = True,
                 crop: tuple[int, int, int, int] | None = None, size: tuple[int, int] | None = None,
                 dedupe: int = 0, zooms: tuple[float, ...] = (1.0,), inset: bool = False,
                 local: bool = False, stills: bool = False, vpdq: bool = False,
                 floor: int | None = None) -> None:  # fmt: skip
        assert not (mirror and len(zooms) > 1), "mirror hashes are kept for one zoom only"
        self.fps, self.min_quality, self.mirror = fps, min_quality, mirror
        self.floor = min_quality if floor is None else min(floor, min_quality)
        self.weak: list[bool] = []  # per row: under min_quality, kept only for a feature-poor video
        self.crop, self.size, self.dedupe, self.zooms = crop, size, dedupe, zooms
        self.inset = inset
        self.times: list[float] = []
        self.hashes: list[np.ndarray[Any, Any]] = []
        self.mirrors: list[np.ndarray[Any, Any]] = []
        self.quality: list[int] = []
        self.dropped = 0
        self.kept: np.ndarray[Any, Any] | None = None
        self.thumbs: list[np.ndarray[Any, Any]] = []
        self.stride, self.seen, self.pace = 1, 0, Pace(fps)
        self.features = Collector() if local else None
        self.stills = Stills() if stills else None
        self.duration = 0.0
        self.converter = Converter()
        self.vpdq = VpdqHasher() if vpdq else None
        self.paced: set[int] = set()  # frames wanted at ``fps`` (the others are vPDQ's only)
        self.shape: tuple[int, int] | None = None  # the hashed picture's (height, width)

    def start(self, dec: VideoDecoder) -> None:
        scale = min(1.0, HASH_SIDE / max(dec.width, dec.height, 1))
        self.scaled = max(2, round(dec.width * scale)), max(2, round(dec.height * scale))
        if self.vpdq is not None:
            self.vpdq.start(dec)
        if self.features is not None:
            self.features.pace(dec.duration)

    def wants(self, df: DecodedFrame) -> bool:
        whole = self.vpdq is not None and self.vpdq.wants(df)
        if self.pace.due(df.time):
            self.paced.add(df.index)
            return True
        return whole

    def take(self, df: DecodedFrame, rotation: int) -> None:
        if self.vpdq is not None and self.vpdq.wants(df):
            self.vpdq.take(df, rotation)
        if df.index not in self.paced:
            return
        self.paced.discard(df.index)
        sw, sh = self.scaled
        rgb = self.converter.rgb(df.frame, rotation, sw, sh)
        if self.inset and self.seen % self.stride == 0:
            self.thumbs.append(thumbnail(rgb))
            if (
                len(self.thumbs) >= 2 * THUMBS
            ):  # a long clip: keep every other, sample half as often
                self.thumbs, self.stride = self.thumbs[::2], self.stride * 2
        self.seen += 1
        if self.stills is not None:
            self.stills.add(df.time, rgb)
        if self.crop is not None and self.size is not None:
            fy, fx = rgb.shape[0] / self.size[1], rgb.shape[1] / self.size[0]
            cx, cy, cw, ch = self.crop
            y0, y1 = round(cy * fy), round((cy + ch) * fy)
            x0, x1 = round(cx * fx), round((cx + cw) * fx)
            if bars_present(rgb, y0, y1, x0, x1):
                rgb = rgb[y0:y1, x0:x1]
        if self.shape is None:
            self.shape = rgb.shape[:2]
        picture = trim_black(rgb)
        if self.features is not None and self.features.due(df.time):
            self.features.add(df.time, picture)
        h, q, m = hash_picture(picture, self.mirror)
        weak = q < self.min_quality
        if q < self.floor:
            self.dropped += 1
            return
        if (
            not weak
            and self.dedupe
            and self.kept is not None
            and int(np.unpackbits(h ^ self.kept).sum()) <= self.dedupe
        ):
            return
        if not weak:
            self.kept = h
        for zoom in self.zooms:
            self.times.append(df.time)
            self.hashes.append(h if zoom == 1.0 else hash_picture(centre(picture, zoom), False)[0])
            self.quality.append(q)
            self.weak.append(weak)
        if m is not None:
            self.mirrors.append(m)

    def finish(self, dec: VideoDecoder) -> None:
        self.duration = dec.last_time

    def result(self, path: Path) -> Hashes:
        """The hashes; inner pictures found on the thumbnails are hashed in a second pass."""
        boxes = find_insets(np.array(self.thumbs)) if self.inset and self.thumbs else []
        if self.crop is not None and self.size is not None:
            x, y, w, h = self.crop
            fx, fy = self.size
            inside = (x / fx, y / fy, (x + w) / fx, (y + h) / fy)
            # an inner picture that is the picture inside the bars is hashed already
            boxes = [box for box in boxes if overlap(box, inside) < 0.9]
        band = None
        if self.inset and self.crop is None and self.shape is not None:
            band = landscape_band(*self.shape)
            if band is not None and any(overlap(band, box) >= 0.9 for box in boxes):
                band = None
        keep = np.ones(len(self.times), bool)
        strong = len(self.weak) - sum(self.weak)
        poor = strong < POOR * len(self.zooms)
        if not poor:  # enough good frames: the weak ones are left out but in a long stretch
            keep = ~np.asarray(self.weak, bool) | stretches(self.times, self.weak, STRETCH)
        # mirrors are hashed with one zoom only: a mirror row per row, kept with it
        keep_mirror = keep if self.mirrors else np.ones(0, bool)
        regions = boxes + ([band] if band is not None else [])
        inset_t, inset_h, inset_part = region_hashes(
            path, self.fps, self.floor if poor else self.min_quality, regions
        )
        return Hashes(
            t=np.asarray(self.times, np.float32)[keep],
            hash=np.asarray(self.hashes, np.uint8).reshape(-1, 32)[keep],
            quality=np.asarray(self.quality, np.uint8)[keep],
            mirror=np.asarray(self.mirrors, np.uint8).reshape(-1, 32)[keep_mirror],
            dropped=self.dropped + int((~keep).sum()) // len(self.zooms),
            duration=self.duration, insets=boxes, inset_t=inset_t, inset_hash=inset_h,
            inset_part=inset_part, band=band,
            local=self.features.result() if self.features is not None else None,
            stills=self.stills, vpdq=self.vpdq.result() if self.vpdq is not None else None,
        )  # fmt: skip


def stretches(times: Any, weak: Any, seconds: float) -> np.ndarray[Any, Any]:
    """Whether each row (in time order) is in a run of weak rows spanning ``seconds`` or more."""
    t, w = np.asarray(times, np.float64), np.asarray(weak, bool)
    out = np.zeros(len(w), bool)
    edges = np.flatnonzero(np.diff(np.r_[0, w.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):  # runs w[a:b]
        if t[b - 1] - t[a] >= seconds:
            out[a:b] = True
    return out


def hash_video(
    path: Path,
    fps: float,
    min_quality: int = 50,
    mirror: bool = True,
    crop: tuple[int, int, int, int] | None = None,
    size: tuple[int, int] | None = None,
    progress: Callable[[float], None] = lambda f: None,
    dedupe: int = 0,
    zooms: tuple[float, ...] = (1.0,),
    inset: bool = False,
    local: bool = False,
    vpdq: bool = False,
    stills: bool = False,
    floor: int | None = None,
) -> Hashes:
    """PDQ hashes of ``path`` in a decoding pass of its own (see Hasher)."""
    hasher = Hasher(fps, min_quality, mirror, crop, size, dedupe, zooms, inset, local,
                    stills=stills, vpdq=vpdq, floor=floor)  # fmt: skip
    try:
        decode_once(path, [hasher], progress)
    except ValueError:
        raise NoVideo(f"{path.name} has no video stream to hash") from None
    if hasher.error is not None:
        raise hasher.error
    return hasher.result(path)


def region_hashes(
    path: Path, fps: float, min_quality: int, boxes: list[Box]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """PDQ hashes of regions (fractions of the picture) at ``fps``, in a second decoding pass
    when there are any: (times, hashes, which box each row is of)."""
    times: list[float] = []
    hashes: list[np.ndarray[Any, Any]] = []
    parts: list[int] = []
    if boxes:
        with VideoDecoder(path) as dec:
            for df in dec.sampled(fps):
                rgb = rotate(df.frame.to_ndarray(format="rgb24"), dec.rotation)
                h, w = rgb.shape[:2]
                for i, (x0, y0, x1, y1) in enumerate(boxes):
                    part = rgb[round(y0 * h) : round(y1 * h), round(x0 * w) : round(x1 * w)]
                    bits, quality, _ = hash_picture(part, mirror=False)
                    if quality >= min_quality:
                        times.append(df.time)
                        hashes.append(bits)
                        parts.append(i)
    return (np.asarray(times, np.float32), np.asarray(hashes, np.uint8).reshape(-1, 32),
            np.asarray(parts, np.uint8))  # fmt: skip
