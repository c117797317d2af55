"""A spoken-language claim tested against the speech, not compared with a guess
(docs/findings.md, "Claims").

The claimed language is always scored: against the model's most likely alternatives, with the
model's own leaning partly taken out (as for ``--languages``: language.without_leaning). Then:

- **consistent**: the verdict, or one span of the timeline, is the claimed language; or the claim
  leads its alternatives by ``SUPPORT`` nats;
- **contradicted**, only on strong evidence, all of:
  - the verdict is one language X other than the claim, over the whole timeline (no switch), and
    the model recognizes X well (not on languages.WEAK);
  - every window of the speech, detected alone, hears X first: a claim may hold for part of
    the speech (a join of Kazakh and Russian is heard as Russian with 93 % as a whole);
  - X holds the detection over all the speech with log-odds of at least ``STRONG`` (73 %; not a
    9 % guess); when the claim is a language the model barely knows (languages.WEAK), at least
    ``STRONG_WEAK`` (92 %): the model reports such speech as another language with up to 66 %
    (Kazakh, in the speech benchmark), while it hears clear Russian with 98-99 %;
  - X leads the claim by ``CONTRADICT`` nats when the two are scored against each other;
  - when the claim is a close relative of X (languages.CLOSE_GROUPS), X beat it in a contest with
    decoding under each (the verdict's own, or the one the stage runs for a claim given before it
    ran: language.against_claim), by the decoding margin plus the safety band: detection alone
    hears a 3 s Ukrainian excerpt as Russian with 92 %;
- **unknown** ("cannot tell with this model") otherwise, with the reason and what to do.

Each threshold carries the safety band measured in benchmarks/margins.py (language.BAND), so a
value that could move across it between two CPUs gives the cautious outcome; an outcome can move
between adjacent verdicts across machines, never from consistent to contradicted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from verifyvid import languages
from verifyvid.stages.transcribe.language import (
    BAND,
    MARGIN_DECODED,
    MARGIN_DETECTED,
    without_leaning,
)
from verifyvid.stages.transcribe.models import TranscribeResult, Verdict

ALTERNATIVES = 3  # the model's most likely languages the claim is scored against
# the detection share the contradicting language needs, as log-odds (nats), with the band:
STRONG = 0.0 + BAND  # more likely than all the others together (p >= 0.73)
STRONG_WEAK = (
    math.log(0.8 / 0.2) + BAND
)  # against a claim of a language the model barely knows (p >= 0.92)
CONTRADICT = MARGIN_DETECTED + BAND  # nats by which it must lead the claim
SUPPORT = MARGIN_DETECTED + BAND  # nats by which a claim must lead to be consistent on scores
ADVICE = "listen to the speech, or run transcribe with a larger --model (docs/speech.md)"


@dataclass(frozen=True)
class Contest:
    code: str
    score: float
    decoded: bool


@dataclass(frozen=True)
class Speech:
    """What the transcribe stage recorded, as the claim test needs it."""

    verdict: Sequence[str]  # one language, several (abstention), or none (no speech)
    spans: Sequence[Sequence[str]]  # each timeline span's verdict
    detection: Mapping[str, float]  # over all the speech, every language
    leaning: Mapping[str, float]  # the model's probabilities on audio without speech
    contest: Sequence[Contest] = ()
    windows: Sequence[str] = ()  # each window's first language, detected alone
    tested: Sequence[Contest] = ()  # a claim against the verdict (language.against_claim)


def of(result: TranscribeResult) -> Speech:
    """The claim test's view of a transcribe result (a result written before detection and
    leaning were recorded is scored on its top 5, leaning kept: more often "cannot tell")."""

    def contests(v: Verdict) -> list[Contest]:
        return [Contest(e.code, e.score, v.decoded) for e in v.evidence]

    contest = contests(result.verdict)
    tested = contests(result.claim_contest) if result.claim_contest else []
    return Speech(verdict=result.verdict.languages, spans=[s.languages for s in result.timeline],
                  detection=result.detection or {s.code: s.probability for s in result.languages},
                  leaning=result.leaning, contest=contest, tested=tested,
                  windows=[w.top[0].code for w in result.windows if w.top])  # fmt: skip


@dataclass(frozen=True)
class Tested:
    verdict: str  # "consistent", "contradicted" or "unknown"
    evidence: str  # one sentence, the scores behind it included


def scored(speech: Speech, claim: str) -> list[tuple[str, float]]:
    """The claim and the model's most likely alternatives, among themselves, most likely first."""
    ranked = sorted(speech.detection.items(), key=lambda cp: -cp[1])
    others = [c for c, _ in ranked if c != claim][:ALTERNATIVES]
    return without_leaning(ranked, [claim, *others], dict(speech.leaning))


def test(speech: Speech, claim: str) -> Tested:
    """The verdict on a spoken-language claim (see the module's rules)."""
    if not speech.verdict:
        return Tested("unknown", "no speech found")
    name = languages.name_of
    pool = scored(speech, claim)
    shares = ", ".join(f"{c} {p:.0%}" for c, p in pool)
    heard = " or ".join(name(c) for c in speech.verdict)
    top = speech.detection.get(speech.verdict[0], 0.0)
    said = f"the model hears {heard} ({top:.0%} of the detection); the claim against its top alternatives: {shares}"
    if (len(speech.verdict) == 1 and speech.verdict[0] == claim) or [claim] in [
        list(s) for s in speech.spans
    ]:
        return Tested("consistent", said)
    if claim in speech.verdict:
        return Tested("unknown", f"{said}; cannot tell {heard} apart with this model: {ADVICE}")
    p = dict(pool)
    lead = math.log(max(p.get(speech.verdict[0], 0.0), 1e-12) / max(p[claim], 1e-12))
    pair = {c.code: c for c in speech.tested}
    in_contest = pair if claim in pair else {c.code: c for c in speech.contest}
    if claim not in in_contest and -lead >= SUPPORT and pool[0][0] == claim:
        weak = (
            f" ({name(claim)} is poorly recognized by this model: {ADVICE})"
            if claim in languages.WEAK
            else ""
        )
        return Tested("consistent", f"{said}: the claim leads{weak}")
    reasons = []
    x = speech.verdict[0]
    if len(speech.verdict) > 1:
        reasons.append(f"the model cannot tell {heard} apart")
    if len(speech.spans) > 1:
        reasons.append("the language changes within the speech")
    if x in languages.WEAK:
        reasons.append(f"{name(x)} is poorly recognized by this model")
    others = sorted({w for w in speech.windows if w != x})
    if others:
        reasons.append(f"parts of the speech sound like {', '.join(name(w) for w in others)}")
    strong = STRONG_WEAK if claim in languages.WEAK else STRONG
    if math.log(max(top, 1e-12) / max(1.0 - top, 1e-12)) < strong:
        needed = 1.0 / (1.0 + math.exp(-strong))
        reasons.append(f"{name(x)} holds only {top:.0%} of the detection (needed: {needed:.0%})")
    if lead < CONTRADICT:
        reasons.append(f"{name(x)} leads the claim by {lead:.1f} nats (needed: {CONTRADICT:.1f})")
    if claim in languages.relatives(x):
        c, w = in_contest.get(claim), in_contest.get(x)
        if c is None or w is None or not c.decoded:
            reasons.append(
                f"{name(claim)} and {name(x)} are close, and were not compared by decoding"
            )
        elif w.score - c.score < MARGIN_DECODED + BAND:
            reasons.append(
                f"{name(x)} won its contest with the claim by less than {MARGIN_DECODED + BAND:.1f}"
            )
    if not reasons:
        return Tested("contradicted", said)
    return Tested("unknown", f"{said}; cannot tell with this model: {'; '.join(reasons)}; {ADVICE}")
