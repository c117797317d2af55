"""Spoken language over time: where the language changes, and only where the evidence says so.

The speech (voice-activity detection, faster-whisper's Silero VAD) is cut into windows of at most
``MAX_WINDOW`` seconds, each detected alone: short windows are weak evidence, so they only
*propose* boundaries (where the most likely language changes from one window to the next). A
boundary becomes a **switch** when the speech on each side of it, detected as a whole, says so:

- each side holds at least ``MIN_SIDE`` seconds of speech;
- each side's language has at least ``SIDE_CONFIDENT`` probability there, and at most
  ``OTHER_MAX`` on the other side (confidently different, not a drift);
- when the two languages are close relatives, each side's own verdict (language.decide, with its
  second signal) names one language, and they differ.

The best boundary is taken, then each side is searched again (at most ``MAX_SWITCHES``). The
timeline is the resulting spans, each with its own verdict.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from verifyvid import languages
from verifyvid.media.audio import speech_intervals
from verifyvid.stages.transcribe.engines import SAMPLE_RATE, Engine
from verifyvid.stages.transcribe.language import (
    BAND_P,
    Intervals,
    Probs,
    Verdict,
    decide,
    detect_all,
    without_leaning,
)

MAX_WINDOW = 6.0  # seconds of speech per window
MIN_WINDOW = 1.0  # shorter speech is too little to propose anything
JOIN_GAP = 1.0  # pauses shorter than this stay inside a window
MIN_SIDE = 4.0  # seconds of speech on each side of a switch
SIDE_CONFIDENT = 0.6 + BAND_P  # with the safety band (benchmarks/margins.py)
OTHER_MAX = 0.25 - BAND_P
MAX_SWITCHES = 4


@dataclass
class Window:
    start: float
    end: float
    probs: Probs | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Span:
    start: float
    end: float
    verdict: Verdict


def windows(intervals: Sequence[tuple[float, float]]) -> list[Window]:
    """Speech cut into windows of at most MAX_WINDOW seconds; close intervals are joined."""
    out: list[Window] = []
    for start, end in intervals:
        if out and start - out[-1].end < JOIN_GAP and end - out[-1].start <= MAX_WINDOW:
            out[-1].end = end
            continue
        pieces = max(1, int(np.ceil((end - start) / MAX_WINDOW)))
        step = (end - start) / pieces
        out += [Window(start + i * step, start + (i + 1) * step) for i in range(pieces)]
    long_enough = [w for w in out if w.seconds >= MIN_WINDOW]
    return long_enough or out


def clip(intervals: Intervals, a: float, b: float) -> list[tuple[float, float]]:
    return [(max(s, a), min(e, b)) for s, e in intervals if min(e, b) > max(s, a)]


def seconds_of(intervals: Intervals) -> float:
    return sum(e - s for s, e in intervals)


class Segmenter:
    """Finds the switches of one recording (see the module's rules)."""

    def __init__(
        self,
        engine: Engine,
        audio: np.ndarray[Any, Any],
        intervals: Intervals,
        candidates: Sequence[str] | None,
    ) -> None:
        self.engine, self.audio, self.intervals = engine, audio, list(intervals)
        self.candidates = list(candidates) if candidates else None

    def part(self, a: float, b: float) -> tuple[np.ndarray[Any, Any], list[tuple[float, float]]]:
        """The audio from ``a`` to ``b`` and its speech intervals (relative to ``a``)."""
        audio = self.audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
        return audio, [(s - a, e - a) for s, e in clip(self.intervals, a, b)]

    def verdict(self, a: float, b: float) -> Verdict:
        audio, intervals = self.part(a, b)
        return decide(self.engine, audio, intervals, self.candidates)

    def top(self, a: float, b: float) -> Probs:
        audio, intervals = self.part(a, b)
        probs = detect_all(self.engine, audio, intervals)
        if self.candidates:
            return without_leaning(probs, self.candidates, self.engine.prior)
        return probs

    def switch_at(self, a: float, t: float, b: float) -> float | None:
        """The strength of a switch at ``t`` between ``a`` and ``b`` (None: no switch)."""
        if (
            min(seconds_of(clip(self.intervals, a, t)), seconds_of(clip(self.intervals, t, b)))
            < MIN_SIDE
        ):
            return None
        left, right = dict(self.top(a, t)), dict(self.top(t, b))
        la, lb = max(left, key=lambda k: left[k]), max(right, key=lambda k: right[k])
        if la == lb or left[la] < SIDE_CONFIDENT or right[lb] < SIDE_CONFIDENT:
            return None
        if left.get(lb, 0.0) > OTHER_MAX or right.get(la, 0.0) > OTHER_MAX:
            return None
        if lb in languages.relatives(la):  # close languages: each side must be resolved
            va, vb = self.verdict(a, t), self.verdict(t, b)
            if va.abstained or vb.abstained or va.codes == vb.codes:
                return None
        return min(left[la], right[lb])

    def split(self, a: float, b: float, proposals: list[float], budget: int) -> list[float]:
        inside = [t for t in proposals if a < t < b]
        if budget <= 0 or not inside:
            return []
        scored = [(s, t) for t in inside if (s := self.switch_at(a, t, b)) is not None]
        if not scored:
            return []
        _, best = max(scored)
        left = self.split(a, best, proposals, budget - 1)
        right = self.split(best, b, proposals, budget - 1 - len(left))
        return [*left, best, *right]

    def spans(self, ws: list[Window], overall: Verdict) -> list[Span]:
        """The timeline: spans between the switches found, each with its verdict (without a
        switch, one span with the verdict over all the speech, ``overall``)."""
        if not self.intervals:
            return []
        start, end = self.intervals[0][0], self.intervals[-1][1]
        proposals = []
        for before, after in itertools.pairwise(ws):
            if before.probs and after.probs and before.probs[0][0] != after.probs[0][0]:
                proposals.append(round((before.end + after.start) / 2, 3))
        cuts = self.split(start, end, proposals, MAX_SWITCHES)
        if not cuts:
            return [Span(start, end, overall)]
        edges = [start, *cuts, end]
        spans = []
        for a, b in itertools.pairwise(edges):
            inner = clip(self.intervals, a, b)
            spans.append(Span(inner[0][0], inner[-1][1], self.verdict(a, b)))
        return spans


@dataclass
class Language:
    """The language of one recording: its speech, the overall verdict, the windows and spans."""

    intervals: list[tuple[float, float]]
    overall: Verdict
    windows: list[Window]
    spans: list[Span]


def language_of(
    engine: Engine,
    audio: np.ndarray[Any, Any],
    candidates: Sequence[str] | None,
    progress: Callable[[float], None] = lambda fraction: None,
) -> Language:
    """Speech, the overall verdict (language.decide), each window detected alone, then the
    spans between the switches found (``progress`` from 0 to 1)."""
    intervals = speech_intervals(audio, SAMPLE_RATE)
    overall = decide(engine, audio, intervals, candidates)
    progress(0.5)
    ws = windows(intervals)
    for i, w in enumerate(ws):
        w.probs = engine.detect(audio[int(w.start * SAMPLE_RATE) : int(w.end * SAMPLE_RATE)])
        progress(0.5 + 0.4 * (i + 1) / len(ws))
    spans = Segmenter(engine, audio, intervals, candidates).spans(ws, overall)
    progress(1.0)
    return Language(intervals, overall, ws, spans)
