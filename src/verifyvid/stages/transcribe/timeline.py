"""Spoken language over time: speech windows, per-window detection, merged spans.

Whisper detects a language from the first 30 s it is given. To see a switch, verifyvid finds
the speech with voice-activity detection (faster-whisper's Silero VAD), cuts it into windows
of at most ``MAX_WINDOW`` seconds, detects the language of each, and merges neighbouring
windows that agree into spans.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_WINDOW = 6.0  # seconds: short enough to see a 5 s switch
MIN_WINDOW = 1.0  # shorter speech is too little to tell a language
JOIN_GAP = 1.0  # pauses shorter than this stay inside a window

Probs = list[tuple[str, float]]


@dataclass
class Window:
    start: float
    end: float
    probs: Probs | None = None

    @property
    def seconds(self) -> float:
        return self.end - self.start


def speech(audio: np.ndarray[Any, Any], sample_rate: int) -> list[tuple[float, float]]:
    """Speech intervals in seconds, from faster-whisper's Silero VAD."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(
        audio, VadOptions(min_silence_duration_ms=500, speech_pad_ms=200), sampling_rate=sample_rate
    )
    return [(s["start"] / sample_rate, s["end"] / sample_rate) for s in stamps]


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


def weighted(ws: Sequence[Window]) -> Probs:
    """Language probabilities over all windows, weighted by their speech duration."""
    totals: dict[str, float] = defaultdict(float)
    seconds = sum(w.seconds for w in ws if w.probs)
    for w in ws:
        for code, p in w.probs or []:
            totals[code] += p * w.seconds / (seconds or 1.0)
    return sorted(totals.items(), key=lambda cp: -cp[1])


def renormalize(probs: Probs, candidates: Sequence[str]) -> Probs:
    """Probabilities among ``candidates`` only, summing to 1 (the 'kk or ru?' question)."""
    kept = {code: p for code, p in probs if code in candidates}
    total = sum(kept.values())
    if total <= 0:
        return [(c, 1.0 / len(candidates)) for c in candidates]
    return sorted(((c, kept.get(c, 0.0) / total) for c in candidates), key=lambda cp: -cp[1])


@dataclass
class SpanData:
    start: float
    end: float
    language: str
    probability: float
    probs: Probs


def spans(ws: Sequence[Window], candidates: Sequence[str] | None = None) -> list[SpanData]:
    """Neighbouring windows with the same top language merged into spans."""
    groups: list[list[Window]] = []
    for w in ws:
        if not w.probs:
            continue
        probs = renormalize(w.probs, candidates) if candidates else w.probs
        top = probs[0][0]
        if groups and _top(groups[-1], candidates) == top:
            groups[-1].append(w)
        else:
            groups.append([w])
    out = []
    for group in groups:
        probs = weighted(group)
        if candidates:
            probs = renormalize(probs, candidates)
        out.append(SpanData(group[0].start, group[-1].end, probs[0][0], probs[0][1], probs[:5]))
    return out


def _top(group: list[Window], candidates: Sequence[str] | None) -> str:
    probs = weighted(group)
    return (renormalize(probs, candidates) if candidates else probs)[0][0]
