"""Which language is spoken: the strongest evidence, a second signal for close languages, and an
honest "one of these" when the evidence does not separate them (docs/speech.md).

1. **Detection over all the speech.** Whisper's language detection reads 30 s of audio. The
   audio is cut into 30 s chunks; each chunk with speech is detected and the probabilities are
   averaged, weighted by the seconds of speech in each (at most ``MAX_CHUNKS`` chunks, spread
   over the file). A clip of 30 s or less is one chunk: the engine's own detection.
2. **A contest** when the evidence is shared: the most likely language and its close relatives
   (languages.CLOSE_GROUPS) that hold at least ``RIVAL`` of its probability; with ``--languages``,
   the candidates given. Candidates given by a person are treated as equally plausible: the
   model's own leaning (its probabilities for audio without speech, ``Engine.prior``) is taken
   out, partly (``PRIOR_WEIGHT``), before they are compared.
3. **The second signal**: the speech decoded under each contestant, and how well the decoder can
   explain it (mean log-probability of its tokens), added to the detection's log-probability. It
   is not used when a contestant is a language the model barely knows (languages.WEAK): the
   decoder then explains anything poorly, and the comparison is biased; nor when a decoding
   loops (``LOOPED``): forced into the wrong language, the decoder can repeat one word with a
   high log-probability.
4. **A verdict**: the winner when it leads by ``MARGIN_DECODED`` nats (with decoding) or
   ``MARGIN_DETECTED`` nats (detection alone); else an abstention listing every contestant within
   that margin, most likely first. Without a contest, the most likely language when it leads the
   next by ``BAND`` nats; else both are named (a coin toss between two languages). The margins are the cautious zone around "which language
   leads"; they are wider than twice the largest change a change of CPU made to a lead
   (benchmarks/margins.py), so two machines can differ by an abstention, never by two languages.
   A winner that only just entered the contest (detection within ``BAND`` of ``RIVAL``) over the
   detection's first is named beside it, for the same reason.

The thresholds were chosen on the development split of benchmarks/speech.py and are reported with
the held-out split beside them (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from verifyvid import languages
from verifyvid.stages.transcribe.engines import DECODE_SECONDS, SAMPLE_RATE, Decoded, Engine

Probs = list[tuple[str, float]]
Intervals = Sequence[tuple[float, float]]

CHUNK = 30.0  # seconds: Whisper's context
MAX_CHUNKS = 8  # chunks detected on a long file (spread over it)
MIN_CHUNK_SPEECH = 1.0  # seconds of speech for a chunk to count
RIVAL = 0.15  # a close relative with this share of the top probability contests it
PRIOR_WEIGHT = 0.5  # how much of the model's own leaning is taken out among given candidates
MARGIN_DECODED = 2.0  # nats the winner must lead by, detection and decoding combined
MARGIN_DETECTED = 1.4  # nats (4:1) the winner must lead by on detection alone
MIN_TOKENS = 4  # a decoding shorter than this says nothing
LOOPED = 2.4  # a decoding whose text compresses more than this repeats itself (Whisper's own
# failure threshold): its high log-probability says nothing of the language
# Safety bands around the thresholds (benchmarks/margins.py, docs/findings.md "Margins"): how far
# a deciding value moved between CTranslate2 set-ups standing in for another CPU, times a safety
# factor. A value inside a band gives the cautious outcome.
BAND = 1.0  # nats, on log-probability leads and log-odds: 1.5 x the largest change (0.64)
BAND_P = 0.15  # on the switch sides' probabilities: 1.5 x the largest change (0.09)


@dataclass
class Contestant:
    code: str
    detection: float  # probability (among the candidates, when given)
    decoded: Decoded | None = None
    score: float = 0.0  # log-probability, plus the decoding's log-likelihood when used


@dataclass
class Verdict:
    """The language of some speech: ``codes`` holds one language, or several when abstaining
    (most likely first), or none when there is no speech."""

    codes: list[str]
    probabilities: Probs  # detection over all the speech, unrestricted, most likely first
    method: str  # one sentence: how the verdict was reached
    contestants: list[Contestant] = field(default_factory=list)
    among: Probs | None = None  # among the candidates given (--languages), most likely first
    decoded: bool = False  # whether decoding under each contestant entered their scores

    @property
    def abstained(self) -> bool:
        return len(self.codes) > 1

    @property
    def probability(self) -> float | None:
        pool = dict(self.among or self.probabilities)
        return round(pool.get(self.codes[0], 0.0), 4) if self.codes else None

    def evidence(self) -> list[dict[str, Any]]:
        return [
            {"code": c.code, "detection": round(c.detection, 4), "score": round(c.score, 3),
             "decoded_text": c.decoded.text if c.decoded else None,
             "decoded_logprob": c.decoded.avg_logprob if c.decoded else None,
             "decoded_tokens": c.decoded.tokens if c.decoded else None}
            for c in self.contestants
        ]  # fmt: skip


def loops(text: str) -> bool:
    """Whether a decoding repeats itself: its text's gzip compression ratio over ``LOOPED``, as
    Whisper measures it."""
    raw = text.encode("utf-8")
    return len(raw) > 0 and len(raw) / len(zlib.compress(raw)) > LOOPED


def speech_in(intervals: Intervals, a: float, b: float) -> float:
    return sum(max(0.0, min(e, b) - max(s, a)) for s, e in intervals)


def detect_all(
    engine: Engine,
    audio: np.ndarray[Any, Any],
    intervals: Intervals,
    sample_rate: int = SAMPLE_RATE,
) -> Probs:
    """Detection over all the speech: 30 s chunks, averaged by their seconds of speech."""
    seconds = len(audio) / sample_rate
    if seconds <= CHUNK:
        return engine.detect(audio)
    chunks = [(t, min(seconds, t + CHUNK)) for t in np.arange(0.0, seconds, CHUNK)]
    weighted = [(a, b, speech_in(intervals, a, b)) for a, b in chunks]
    weighted = [c for c in weighted if c[2] >= MIN_CHUNK_SPEECH] or [
        max(weighted, key=lambda c: c[2])
    ]
    if len(weighted) > MAX_CHUNKS:
        pick = np.linspace(0, len(weighted) - 1, MAX_CHUNKS).round().astype(int)
        weighted = [weighted[i] for i in sorted(set(pick.tolist()))]
    total: dict[str, float] = {}
    weight = sum(w for _, _, w in weighted)
    for a, b, w in weighted:
        for code, p in engine.detect(audio[int(a * sample_rate) : int(b * sample_rate)]):
            total[code] = total.get(code, 0.0) + p * w / weight
    return sorted(total.items(), key=lambda cp: -cp[1])


def renormalize(probs: Probs, candidates: Sequence[str]) -> Probs:
    """Probabilities among ``candidates`` only, summing to 1."""
    kept = {code: p for code, p in probs if code in candidates}
    total = sum(kept.values())
    if total <= 0:
        return [(c, 1.0 / len(candidates)) for c in candidates]
    return sorted(((c, kept.get(c, 0.0) / total) for c in candidates), key=lambda cp: -cp[1])


def without_leaning(probs: Probs, candidates: Sequence[str], prior: dict[str, float]) -> Probs:
    """Among the candidates, with part of the model's own leaning taken out (label-shift
    correction: a person naming candidates holds them equally plausible)."""
    floor = 1e-6
    kept = {c: max(p, floor) / max(prior.get(c, floor), floor) ** PRIOR_WEIGHT
            for c, p in probs if c in candidates}  # fmt: skip
    return renormalize(sorted(kept.items(), key=lambda cp: -cp[1]), candidates)


def speech_audio(audio: np.ndarray[Any, Any], intervals: Intervals) -> np.ndarray[Any, Any]:
    """The speech of ``audio`` joined, at most the decoder's context."""
    parts, total = [], 0
    limit = DECODE_SECONDS * SAMPLE_RATE
    for s, e in intervals or [(0.0, len(audio) / SAMPLE_RATE)]:
        part = audio[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)]
        parts.append(part[: limit - total])
        total += len(parts[-1])
        if total >= limit:
            break
    return np.concatenate(parts) if parts else audio[:limit]


def decide(
    engine: Engine,
    audio: np.ndarray[Any, Any],
    intervals: Intervals,
    candidates: Sequence[str] | None = None,
    probs: Probs | None = None,
) -> Verdict:
    """The verdict on the speech in ``intervals`` of ``audio`` (see the module's steps)."""
    if not intervals:
        return Verdict([], [], "no speech found")
    probs = probs if probs is not None else detect_all(engine, audio, intervals)
    if not probs:
        return Verdict([], [], "no speech")
    among = without_leaning(probs, candidates, engine.prior) if candidates else None
    pool = among or probs
    top, top_p = pool[0]
    if candidates:
        contenders = [(c, p) for c, p in pool if p >= RIVAL * top_p]
    else:
        close = languages.relatives(top)
        contenders = [(c, p) for c, p in pool if c == top or (c in close and p >= RIVAL * top_p)]
    if len(contenders) == 1:
        how = (
            "detection among the candidates given"
            if candidates
            else "detection over all the speech"
        )
        runner = pool[1] if len(pool) > 1 else None
        if runner is not None and math.log(max(top_p, 1e-12) / max(runner[1], 1e-12)) < BAND:
            # a coin toss between two languages: on another machine it may fall the other way
            names = f"{languages.name_of(top)} / {languages.name_of(runner[0])}"
            return Verdict([top, runner[0]], probs, f"{names} not separated by {how} (within "
                           f"{BAND:g} nats)", [Contestant(top, top_p), Contestant(runner[0], runner[1],
                           score=math.log(max(runner[1], 1e-12) / max(top_p, 1e-12)))], among)  # fmt: skip
        return Verdict([top], probs, how, [Contestant(top, top_p, score=0.0)], among)
    return contest(engine, audio, intervals, contenders, probs, among)


def contest(
    engine: Engine,
    audio: np.ndarray[Any, Any],
    intervals: Intervals,
    contenders: Probs,
    probs: Probs,
    among: Probs | None,
) -> Verdict:
    contestants = [Contestant(c, p, score=math.log(max(p, 1e-9))) for c, p in contenders]
    weak = [c.code for c in contestants if c.code in languages.WEAK]
    margin = MARGIN_DETECTED
    how = "detection alone"
    if not weak:
        speech = speech_audio(audio, intervals)
        for c in contestants:
            c.decoded = engine.decode(speech, c.code)
        stuck = [c.code for c in contestants if c.decoded is not None and loops(c.decoded.text)]
        if stuck:
            how += (f" ({', '.join(languages.name_of(c) for c in stuck)}: the decoding looped, "
                    "Whisper's sign of a failed decoding)")  # fmt: skip
        elif all(c.decoded is not None and c.decoded.tokens >= MIN_TOKENS for c in contestants):
            mean_tokens = sum(c.decoded.tokens for c in contestants if c.decoded) / len(contestants)
            for c in contestants:
                assert c.decoded is not None
                c.score += mean_tokens * c.decoded.avg_logprob
            margin, how = MARGIN_DECODED, "detection and decoding under each"
    else:
        how += f" ({', '.join(languages.name_of(w) for w in weak)}: too little training for decoding to compare)"
    first = max(contestants, key=lambda c: c.detection)
    contestants.sort(key=lambda c: -c.score)
    best = contestants[0]
    within = [c.code for c in contestants if best.score - c.score < margin]
    names = " / ".join(languages.name_of(c.code) for c in contestants)
    if best is not first and best.detection < first.detection * RIVAL * math.exp(BAND):
        # it barely entered the contest: on another machine it might not have, and the verdict
        # would be the other language; both are named instead (the cautious outcome)
        within = [best.code, *[c for c in within if c != best.code]]
        within += [first.code] if first.code not in within else []
    used = margin == MARGIN_DECODED
    if len(within) == 1:
        return Verdict([best.code], probs, f"{names} compared by {how}", contestants, among, used)
    return Verdict(within, probs, f"{names} not separated by {how}", contestants, among, used)


def against_claim(
    engine: Engine,
    audio: np.ndarray[Any, Any],
    intervals: Intervals,
    overall: Verdict,
    claim: str | None,
) -> Verdict | None:
    """The claimed language and the verdict's compared by decoding under each (a contest of
    the two, as with ``--languages``), when they are close relatives the verdict's own contest
    did not compare; None otherwise."""
    if not claim or len(overall.codes) != 1 or claim == overall.codes[0]:
        return None
    if claim not in languages.relatives(overall.codes[0]):
        return None
    if claim in {c.code for c in overall.contestants if c.decoded is not None}:
        return None  # the verdict's own contest decoded it already
    pair = [overall.codes[0], claim]
    among = without_leaning(overall.probabilities, pair, engine.prior)
    return contest(engine, audio, intervals, among, overall.probabilities, among)
