"""Shot boundaries from a stream of small frames: an adaptive content detector.

The same idea as PySceneDetect's ``AdaptiveDetector`` (whose 0.7 package pulls the non-headless
OpenCV build, which needs the system's libGL): a frame is a cut when its difference to the
previous frame is large both absolutely and relative to its neighbours' differences. Two more
rules make it robust: a flash (the picture returns to what it was within two frames) is not a
cut, and a fade into black ends a shot.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

WINDOW = 2  # frames on each side for the adaptive threshold
LOOKAHEAD = WINDOW  # frames the decision waits for


def frame_difference(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Mean absolute difference over all pixels and channels (0-255)."""
    return float(np.mean(cv2.mean(cv2.absdiff(a, b))[: a.shape[2] if a.ndim == 3 else 1]))


def is_black(gray: np.ndarray[Any, Any]) -> bool:
    mean, std = cv2.meanStdDev(gray)
    return float(mean[0, 0]) < 18 and float(std[0, 0]) < 10


@dataclass
class ShotDetector:
    """Feed ``push`` every frame's small image; it returns the indices of confirmed cuts.

    Decisions lag ``LOOKAHEAD`` frames; ``flush`` decides the last ones.
    """

    min_score: float = 14.0
    ratio: float = 2.5
    min_shot_frames: int = 8
    images: deque[np.ndarray[Any, Any]] = field(
        default_factory=lambda: deque(maxlen=2 * WINDOW + 6)
    )
    scores: deque[float] = field(default_factory=lambda: deque(maxlen=2 * WINDOW + 6))
    black: deque[bool] = field(default_factory=lambda: deque(maxlen=2 * WINDOW + 6))
    count: int = 0
    last_cut: int = 0

    def push(self, small: np.ndarray[Any, Any], black: bool) -> list[int]:
        score = frame_difference(small, self.images[-1]) if self.images else 0.0
        self.images.append(small)
        self.scores.append(score)
        self.black.append(black)
        self.count += 1
        return self.decide(self.count - 1 - LOOKAHEAD, lookahead=LOOKAHEAD)

    def flush(self) -> list[int]:
        cuts: list[int] = []
        for ahead in range(LOOKAHEAD - 1, -1, -1):
            cuts += self.decide(self.count - 1 - ahead, lookahead=ahead)
        return cuts

    def decide(self, k: int, lookahead: int) -> list[int]:
        """Is frame ``k`` (``lookahead`` frames before the newest) the first of a new shot?"""
        if k <= 0 or k - self.last_cut < self.min_shot_frames:
            return []
        n = len(self.scores)
        pos = n - 1 - lookahead  # position of k in the deques
        if pos < 1:
            return []
        if self.black[pos] and not self.black[pos - 1]:
            self.last_cut = k
            return [k]  # fade or cut into black ends the shot
        if self.black[pos]:
            return []
        if self.black[pos - 1]:
            self.last_cut = k
            return [k]  # out of black: a new shot starts
        score = self.scores[pos]
        neighbours = [
            self.scores[i]
            for i in range(max(1, pos - WINDOW), min(n, pos + WINDOW + 1))
            if i != pos
        ]
        average = sum(neighbours) / len(neighbours) if neighbours else 0.0
        if score < self.min_score or score < self.ratio * max(average, 1.0):
            return []
        if lookahead >= 2:
            # a flash: two frames later the picture is back to what it was just before
            # the jump, or before a short burst of light that this jump ends
            after = self.images[pos + 2]
            for back in range(1, min(5, pos + 1)):
                if frame_difference(after, self.images[pos - back]) < 0.5 * score:
                    return []
        self.last_cut = k
        return [k]
