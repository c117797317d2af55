"""The `transcribe` stage: Whisper transcript, spoken-language timeline, translation."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import Field, field_validator

from verifyvid import languages
from verifyvid.case import atomic
from verifyvid.errors import UsageError
from verifyvid.findings import Finding
from verifyvid.lanes import Mark
from verifyvid.media.audio import SAMPLE_RATE, load_audio
from verifyvid.media.probe import summarize
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.transcribe import engines, language, report, subtitles, timeline
from verifyvid.stages.transcribe.models import (
    Evidence,
    LanguageScore,
    Segment,
    Span,
    TranscribeResult,
    Verdict,
    Window,
)

LOW_CONFIDENCE = 0.5
CAVEAT_BELOW = 0.9  # a verdict less sure than this carries the weak-language caveat
SERIOUS = 0.25  # a language this probable is a serious candidate (weak-language notices)
# Whisper's own thresholds for a failed decoding (its temperature fallback uses them too)
WEAK_LOGPROB = -1.0
NO_SPEECH = 0.6
REPEATED = 2.4


class TranscribeParams(Params):
    model: str | None = Field(None, json_schema_extra={"metavar": "NAME|PATH"})
    """tiny, base, small, medium, large-v3, turbo; a .pt checkpoint (openai-whisper) or a
    CTranslate2 folder (faster-whisper). Default: VERIFYVID_WHISPER_MODEL, then base."""
    engine: Literal["auto", "faster", "openai"] = "auto"
    """Whisper engine."""
    languages: list[str] | None = Field(None, json_schema_extra={"metavar": "CODES"})
    """Candidate languages, e.g. kk,ru,uk: probabilities among them are added."""
    translate: bool = False
    """Add an English translation."""
    claim: str | None = Field(None, json_schema_extra={"cli": False})
    """The claimed spoken language (set from the case's --claim-language): when it is a close
    relative of the verdict, the two are also compared by decoding, so that the claim can be
    tested (stages/transcribe/claim.py)."""

    @classmethod
    def command_line_check(cls, values: dict[str, Any]) -> None:
        model = values.get("model")
        if model and engines.looks_like_path(model) and not Path(model).expanduser().exists():
            raise UsageError(f"--model {model}: no such file or folder; check the path")

    @field_validator("claim")
    @classmethod
    def known_claim(cls, v: str | None) -> str | None:
        return languages.checked([v], "--claim-language")[0] if v else None

    @field_validator("languages")
    @classmethod
    def known_languages(cls, v: list[str] | None) -> list[str] | None:
        return languages.checked(v, "--languages") or None if v else None

    @field_validator("model")
    @classmethod
    def known_name(cls, v: str | None) -> str | None:
        """A model name must be one the engines know, before any model loads. (A path that is
        gone makes the stage unavailable: a configured model may sit on a drive not mounted.)"""
        if v is None or engines.looks_like_path(v):
            return v
        known = engines.model_names()
        if v not in known:
            raise ValueError(
                f"unknown Whisper model name {v}; use one of {', '.join(known)}, or a path"
            )
        return v


class TranscribeStage(Stage[TranscribeParams, TranscribeResult]):
    name = "transcribe"
    version = "4"
    description = "Whisper transcript, spoken-language timeline and translation"
    params_model = TranscribeParams
    result_model = TranscribeResult
    libraries = ("openai-whisper", "faster-whisper", "ctranslate2")
    report_order = 40
    limits = (
        "Spoken-language detection says what the speech sounds like, not who speaks or where they "
        "come from; small Whisper models confuse close languages and handle low-resource languages "
        "such as Kazakh poorly.",
    )

    def section(self, shown: Shown[TranscribeResult]) -> list[str]:
        return report.speech(shown)

    def lanes(self, result: TranscribeResult) -> list[Mark]:
        return report.marks(result)

    def run(self, ctx: StageContext, params: TranscribeParams) -> TranscribeResult:
        if not summarize(ctx.input_path).has_audio:
            raise StageSkipped("no audio stream")
        audio = load_audio(ctx.input_path)
        ctx.report_progress(0.05)
        engine = engines.load(params.model, params.engine)
        ctx.report_progress(0.15)
        found = timeline.language_of(engine, audio, params.languages or None,
                                     lambda f: ctx.report_progress(0.15 + 0.35 * f))  # fmt: skip
        intervals, overall, ws, spans = found.intervals, found.overall, found.windows, found.spans
        tested = language.against_claim(engine, audio, intervals, overall, params.claim)
        segments, translation = self.transcribe(ctx, engine, audio, spans, params.translate)
        files = write_files(ctx, self.name, segments, translation)
        warnings = weaknesses(overall, segments)
        result = TranscribeResult(
            engine=engine.name,
            model=engine.model,
            speech_seconds=round(sum(e - s for s, e in intervals), 2),
            audio_seconds=round(len(audio) / SAMPLE_RATE, 2),
            language=overall.codes[0] if len(overall.codes) == 1 else None,
            language_probability=overall.probability,
            verdict=verdict_model(overall),
            languages=[score(c, p) for c, p in overall.probabilities[:5]],
            detection=kept(dict(overall.probabilities)),
            leaning=kept(engine.prior),
            candidates=[score(c, p) for c, p in overall.among] if overall.among else None,
            claim_contest=verdict_model(tested) if tested is not None else None,
            timeline=[span_model(s) for s in spans],
            windows=[
                Window(
                    start=round(w.start, 2),
                    end=round(w.end, 2),
                    top=[score(c, p) for c, p in (w.probs or [])[:3]],
                )
                for w in ws
            ],
            segments=segments,
            translation=translation,
            translation_reliable=(not warnings) if params.translate else None,
            translation_warnings=warnings if params.translate else [],
            files=files,
        )
        result.findings = find(result, warnings)
        return result

    def transcribe(
        self,
        ctx: StageContext,
        engine: engines.Engine,
        audio: np.ndarray[Any, Any],
        spans: list[timeline.Span],
        translate: bool,
    ) -> tuple[list[Segment], list[Segment]]:
        """Each span transcribed in its language (the most likely one when abstaining), and
        translated into English when asked; progress goes from 0.5 to 1 over the spans' seconds."""
        segments: list[Segment] = []
        translation: list[Segment] = []
        total = sum(s.end - s.start for s in spans) * (2 if translate else 1) or 1.0
        done = 0.0
        for span in spans:
            code = span.verdict.codes[0] if span.verdict.codes else None
            a, b = max(0.0, span.start - 0.2), span.end + 0.2
            piece = audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
            length = span.end - span.start
            for task, out, lang in (
                ("transcribe", segments, code or "?"),
                ("translate", translation, "en"),
            ):
                if task == "translate" and not translate:
                    continue
                at = done

                def progress(f: float, at: float = at, length: float = length) -> None:
                    ctx.report_progress(0.5 + 0.5 * (at + f * length) / total)

                for p in engine.transcribe(piece, code, task, progress):
                    if p.text:
                        out.append(Segment(start=round(a + p.start, 2), end=round(a + p.end, 2), text=p.text,
                                           language=lang, avg_logprob=round(p.avg_logprob, 3),
                                           no_speech_prob=round(p.no_speech_prob, 3),
                                           compression_ratio=round(p.compression_ratio, 3)))  # fmt: skip
                done += length
        return segments, translation


def kept(probs: dict[str, float]) -> dict[str, float]:
    """Probabilities of at least 1e-6, to 4 significant digits, most likely first."""
    ranked = sorted(probs.items(), key=lambda cp: -cp[1])
    return {c: float(f"{p:.4g}") for c, p in ranked if p >= 1e-6}


def score(code: str, p: float) -> LanguageScore:
    return LanguageScore(code=code, name=languages.name_of(code), probability=round(p, 4))


def verdict_model(v: language.Verdict) -> Verdict:
    return Verdict(languages=v.codes, abstained=v.abstained, method=v.method, decoded=v.decoded,
                   evidence=[Evidence(**e) for e in v.evidence()])  # fmt: skip


def span_model(span: timeline.Span) -> Span:
    v = span.verdict
    return Span(start=round(span.start, 2), end=round(span.end, 2),
                language=v.codes[0] if len(v.codes) == 1 else None, languages=v.codes,
                probability=v.probability or 0.0,
                candidates=[score(c, p) for c, p in (v.among or v.probabilities)[:3]])  # fmt: skip


def write_files(
    ctx: StageContext, name: str, segments: list[Segment], translation: list[Segment]
) -> list[str]:
    files = []
    for file, content in (
        ("transcript.srt", subtitles.srt(segments)),
        ("transcript.vtt", subtitles.vtt(segments)),
        ("transcript.txt", subtitles.text(segments)),
    ):
        atomic.write_text(ctx.out_dir / file, content)
        files.append(f"{name}/{file}")
    if translation:
        atomic.write_text(ctx.out_dir / "translation.srt", subtitles.srt(translation))
        files.append(f"{name}/translation.srt")
    return files


def weaknesses(overall: language.Verdict, segments: list[Segment]) -> list[str]:
    """Why the transcript (and so a translation of it) should not be quoted as it stands."""
    out = []
    if overall.abstained:
        out.append(
            "the spoken language is uncertain ("
            + " or ".join(languages.name_of(c) for c in overall.codes)
            + ")"
        )
    weak = [c for c in overall.codes if c in languages.WEAK]
    if weak:
        out.append(
            f"{', '.join(languages.name_of(c) for c in weak)} is poorly recognized by small Whisper models"
        )
    seconds = sum(s.end - s.start for s in segments)
    if segments and seconds > 0:
        mean = sum((s.avg_logprob or 0.0) * (s.end - s.start) for s in segments) / seconds
        if mean < WEAK_LOGPROB:
            out.append(
                f"the decoder was unsure of the words (mean log-probability {mean:.2f}, under {WEAK_LOGPROB})"
            )
        quiet = sum(s.end - s.start for s in segments if (s.no_speech_prob or 0.0) > NO_SPEECH)
        if quiet >= 0.5 * seconds:
            out.append("much of it may not be speech (no-speech probability over 0.6)")
        if any((s.compression_ratio or 0.0) > REPEATED for s in segments):
            out.append("some text repeats itself (a decoding loop)")
    return out


def span_words(s: Span) -> str:
    """A span's language for a sentence: "unsure" when the model barely knows what it hears."""
    words = " or ".join(languages.name_of(c) for c in s.languages)
    if s.probability < LOW_CONFIDENCE:
        words += f" (unsure: {s.probability:.0%})"
    return words


def serious(r: TranscribeResult) -> set[str]:
    """The languages the verdict was about: itself, its contestants, the candidates given, and
    any language holding ``SERIOUS`` of the detection (a 7 % runner-up is none of them)."""
    out = set(r.verdict.languages) | {e.code for e in r.verdict.evidence}
    out |= {s.code for s in r.candidates or []}
    return out | {s.code for s in r.languages if s.probability >= SERIOUS}


def find(r: TranscribeResult, warnings: list[str]) -> list[Finding]:
    out: list[Finding] = []
    if not r.verdict.languages:
        out.append(Finding(id="transcribe.no-speech", severity="info",
                           message="No speech found (silence, noise or music only)",
                           evidence={"audio_seconds": r.audio_seconds}))  # fmt: skip
        return out
    among = " among the candidates you gave" if r.candidates else ""
    message = f"Spoken language{among}: {r.verdict_words()} over {r.speech_seconds:.0f} s of speech"
    top = r.verdict.languages[0]
    top_p = r.language_probability or 0.0
    weak_near = sorted(serious(r) & languages.WEAK - {top})
    if top not in languages.WEAK and (top_p < CAVEAT_BELOW or weak_near):
        message += ("; small Whisper models recognize some languages poorly (e.g. Kazakh, Kyrgyz, "
                    "Uzbek) and report them as others: if the speaker may use one, listen, and try "
                    "--languages with the plausible candidates")  # fmt: skip
    out.append(Finding(id="transcribe.language", severity="notice" if r.verdict.abstained else "info",
                       message=message,
                       evidence={"verdict": r.verdict.model_dump(), "languages": [s.model_dump() for s in r.languages],
                                 "candidates": [s.model_dump() for s in r.candidates] if r.candidates else None}))  # fmt: skip
    if len(r.timeline) > 1:
        parts = ", ".join(f"{span_words(s)} {s.start:.1f}-{s.end:.1f} s" for s in r.timeline)
        out.append(Finding(id="transcribe.language-switch", severity="notice",
                           message=f"The spoken language changes: {parts}",
                           evidence={"timeline": [s.model_dump() for s in r.timeline]}))  # fmt: skip
    elif not r.verdict.abstained and top_p < LOW_CONFIDENCE:
        out.append(Finding(id="transcribe.low-confidence", severity="notice",
                           message=f"Language detection is unsure: {r.verdict_words()}; listen, and try "
                           "--languages with the plausible candidates",
                           evidence={"languages": [s.model_dump() for s in r.languages]}))  # fmt: skip
    weak = sorted(({top} | serious(r)) & languages.WEAK)
    if weak:
        out.append(Finding(id="transcribe.weak-language", severity="notice",
                           message=f"{', '.join(languages.name_of(c) for c in weak)} is poorly recognized by "
                           "small Whisper models: treat the detection and transcript with caution",
                           evidence={"languages": weak}))  # fmt: skip
    if r.translation and r.translation_reliable is False:
        out.append(Finding(id="transcribe.translation-unreliable", severity="notice",
                           message="The English translation is unreliable: " + "; ".join(warnings)
                           + ". Have it translated by a person",
                           evidence={"warnings": warnings}))  # fmt: skip
    return out
