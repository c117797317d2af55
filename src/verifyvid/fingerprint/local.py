"""Local features (OpenCV ORB keypoints) of sampled frames, and geometric verification of a
frame pair (RANSAC similarity transform), for copies a whole-frame hash cannot see: an
off-centre crop, a small rotation with zoom, a box over part of the picture, a picture inside
another one. A frame pair is verified when enough keypoints agree on one rotation + scale +
shift, spread over a real part of the archived picture (a shared logo or a caption alone is
not enough), with a plausible scale (a copy is not shrunk to a point).

Stored per video: times, per-frame offsets into the keypoint arrays, positions (fractions of
the picture's longer side, float16) and 32-byte ORB descriptors.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any, ClassVar

import cv2
import numpy as np

from verifyvid.media.decode import rate_for

FPS = 1.0  # frames with local features per second of video...
SHORT_FRAMES = 6  # ...but a video under 4 s keeps those of about 6 frames: a copy needs 3
MAX_FPS = 6.0  # verified frames (archive/local.py), which a 1-2 s clip at one a second never has
FEATURES = 256  # ORB keypoints per frame at most
SIDE = 480  # pixels: the longer side ORB runs on
MIN_KEYPOINTS = 20  # fewer (a flat or dark frame): the frame is not kept
RATIO = 0.8  # Lowe's ratio test on the two nearest descriptors
MIN_INLIERS = 15  # keypoints agreeing on one transform for a frame pair to be verified
MIN_SPREAD = 0.01  # their convex hull's area, as a share of the archived picture
SCALES = (0.25, 4.0)  # plausible archived-to-clip scales (a picture-in-picture shrinks it)
MAX_ANGLE = 20.0  # degrees
REPROJECTION = 0.01  # RANSAC tolerance, as a share of the picture's longer side
CHUNK = 200_000  # descriptors per brute-force pass (OpenCV's matcher takes under 262,144)
FIELDS = ("t", "start", "xy", "desc", "aspect")


@dataclass
class LocalFeatures:
    t: np.ndarray[Any, Any]  # (F,) seconds
    start: np.ndarray[Any, Any]  # (F + 1,) frame i's keypoints are start[i]:start[i + 1]
    xy: np.ndarray[Any, Any]  # (N, 2) float16, fractions of the longer side
    desc: np.ndarray[Any, Any]  # (N, 32) uint8
    aspect: np.ndarray[Any, Any]  # (F,) picture height / width
    kind: ClassVar[str] = "local"  # its name in the archive

    def __len__(self) -> int:
        return len(self.t)

    def size(self) -> int:
        """Keypoints held."""
        return int(self.start[-1]) if len(self.start) else 0

    def frame(self, i: int) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
        a, b = int(self.start[i]), int(self.start[i + 1])
        return self.xy[a:b].astype(np.float32), self.desc[a:b]

    def owner(self) -> np.ndarray[Any, Any]:
        """The frame index of each keypoint."""
        return np.repeat(np.arange(len(self.t)), np.diff(self.start))

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez_compressed(buf, allow_pickle=False, **self.arrays())
        return buf.getvalue()

    def arrays(self, prefix: str = "") -> dict[str, np.ndarray[Any, Any]]:
        return {f"{prefix}{k}": getattr(self, k) for k in FIELDS}

    @staticmethod
    def from_arrays(a: dict[str, np.ndarray[Any, Any]], prefix: str = "") -> LocalFeatures | None:
        if f"{prefix}t" not in a:
            return None
        return LocalFeatures(*(a[f"{prefix}{k}"] for k in FIELDS))

    @staticmethod
    def from_bytes(data: bytes) -> LocalFeatures | None:
        with np.load(io.BytesIO(data)) as z:
            return LocalFeatures.from_arrays({k: z[k] for k in z.files})


def fps_for(duration: float | None) -> float:
    """Frames a second to keep local features of, in a video of ``duration`` seconds."""
    return rate_for(duration, FPS, SHORT_FRAMES, MAX_FPS)


class Collector:
    """Fed the frames of one decoding pass; keeps ORB keypoints of one frame per 1/FPS s."""

    def __init__(self, fps: float = FPS) -> None:
        self.every = 1.0 / fps
        self.next = 0.0
        self.orb = cv2.ORB.create(nfeatures=FEATURES)
        self.t: list[float] = []
        self.xy: list[np.ndarray[Any, Any]] = []
        self.desc: list[np.ndarray[Any, Any]] = []
        self.aspect: list[float] = []

    def pace(self, duration: float | None) -> None:
        """Keep local features at the rate for a video of ``duration`` seconds (``fps_for``)."""
        self.every = 1.0 / fps_for(duration)

    def due(self, t: float) -> bool:
        return t + 1e-6 >= self.next

    def add(self, t: float, rgb: np.ndarray[Any, Any]) -> None:
        """``rgb``: the picture (bars removed) at time ``t``; call when :meth:`due`."""
        self.next = t + self.every
        gray = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        side = max(h, w)
        if side > SIDE:
            gray = cv2.resize(gray, (round(w * SIDE / side), round(h * SIDE / side)),
                              interpolation=cv2.INTER_AREA)  # fmt: skip
        keypoints, desc = self.orb.detectAndCompute(gray, None)
        if desc is None or len(keypoints) < MIN_KEYPOINTS:
            return
        self.t.append(t)
        self.xy.append(np.array([k.pt for k in keypoints], np.float32) / max(gray.shape))
        self.desc.append(desc)
        self.aspect.append(h / w)

    def result(self) -> LocalFeatures:
        counts = [len(d) for d in self.desc]
        return LocalFeatures(
            t=np.asarray(self.t, np.float32),
            start=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            xy=(np.concatenate(self.xy) if self.xy else np.zeros((0, 2))).astype(np.float16),
            desc=np.concatenate(self.desc) if self.desc else np.zeros((0, 32), np.uint8),
            aspect=np.asarray(self.aspect, np.float32),
        )


@dataclass
class Verified:
    inliers: int
    spread: float  # hull area of the inliers, share of the archived picture
    scale: float  # clip size / archived size
    angle: float  # degrees


def ratio_pairs(
    q_desc: np.ndarray[Any, Any], r_desc: np.ndarray[Any, Any]
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(query indices, reference indices): each descriptor of ``q_desc`` with its nearest in
    ``r_desc``, when that passes Lowe's ratio test against the second nearest. The reference is
    matched in chunks (OpenCV's matcher has a row limit), the two nearest kept over all."""
    if len(q_desc) == 0 or len(r_desc) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    best = np.full((len(q_desc), 2), np.inf)
    where = np.zeros(len(q_desc), np.int64)
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    for start in range(0, len(r_desc), CHUNK):
        part = r_desc[start : start + CHUNK]
        for i, found in enumerate(matcher.knnMatch(q_desc, part, k=min(2, len(part)))):
            for m in found:
                if m.distance < best[i, 0]:
                    best[i] = (m.distance, best[i, 0])
                    where[i] = start + m.trainIdx
                elif m.distance < best[i, 1]:
                    best[i, 1] = m.distance
    kept = np.flatnonzero(best[:, 0] < RATIO * best[:, 1])
    return kept, where[kept]


def verify(
    q: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    r: tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]],
    r_aspect: float,
) -> Verified | None:
    """Whether the clip frame ``q`` (positions, descriptors) shows the archived frame ``r``."""
    qi, ri = ratio_pairs(q[1], r[1])
    if len(qi) < MIN_INLIERS:
        return None
    src, dst = q[0][qi], r[0][ri]
    m, inliers = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=REPROJECTION
    )
    if m is None or inliers is None or int(inliers.sum()) < MIN_INLIERS:
        return None
    scale = float(np.hypot(m[0, 0], m[1, 0]))  # archived units per clip unit
    angle = float(np.degrees(np.arctan2(m[1, 0], m[0, 0])))
    if not (SCALES[0] <= 1.0 / max(scale, 1e-6) <= SCALES[1]) or abs(angle) > MAX_ANGLE:
        return None
    kept = dst[inliers.ravel() == 1]
    area = min(1.0, r_aspect) / max(1.0, r_aspect)  # the picture's area in longer-side units
    spread = float(cv2.contourArea(cv2.convexHull(kept))) / area
    if spread < MIN_SPREAD:
        return None
    return Verified(int(inliers.sum()), spread, 1.0 / scale, angle)
