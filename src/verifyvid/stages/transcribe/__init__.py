"""The `transcribe` stage: Whisper transcript, spoken-language timeline, translation."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from verifyvid import languages
from verifyvid.case import atomic
from verifyvid.findings import Finding
from verifyvid.media.audio import SAMPLE_RATE, load_audio
from verifyvid.media.probe import summarize
from verifyvid.pipeline.stage import Params, Stage, StageContext, StageSkipped
from verifyvid.stages.transcribe import engines, subtitles, timeline
from verifyvid.stages.transcribe.models import LanguageScore, Segment, Span, TranscribeResult

# Languages with little Whisper training data: detection and transcripts are unreliable with
# the small models (tiny, base, small). See docs/speech.md.
WEAK_LANGUAGES = {
    "kk",
    "ky",
    "tg",
    "uz",
    "tk",
    "mn",
    "be",
    "ps",
    "sd",
    "yo",
    "so",
    "ln",
    "ha",
    "lo",
    "my",
    "bo",
}
LOW_CONFIDENCE = 0.5
SWITCH_SECONDS = 5.0  # a switch: one language for >= 5 s, another for >= 3 s


class TranscribeParams(Params):
    model: str | None = None
    """Model name (tiny, base, small, medium, large-v3, turbo) or path; default: VERIFYVID_WHISPER_MODEL, then 'base'."""
    engine: Literal["auto", "faster", "openai"] = "auto"
    languages: list[str] | None = None
    """Candidate languages (ISO 639-1) to renormalize the detection over."""
    translate: bool = False

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
    version = "1"
    description = "Whisper transcript, spoken-language timeline and translation"
    params_model = TranscribeParams
    result_model = TranscribeResult

    def run(self, ctx: StageContext, params: TranscribeParams) -> TranscribeResult:
        if not summarize(ctx.input_path).has_audio:
            raise StageSkipped("no audio stream")
        audio = load_audio(ctx.input_path)
        ctx.report_progress(0.05)
        engine = engines.load(params.model, params.engine)
        ctx.report_progress(0.15)
        names = languages.names()
        candidates = params.languages or None

        def score(code: str, p: float) -> LanguageScore:
            return LanguageScore(code=code, name=names.get(code, code), probability=round(p, 4))

        windows = timeline.windows(timeline.speech(audio, SAMPLE_RATE))
        for i, w in enumerate(windows):
            w.probs = engine.detect(audio[int(w.start * SAMPLE_RATE) : int(w.end * SAMPLE_RATE)])
            ctx.report_progress(0.15 + 0.35 * (i + 1) / len(windows))
        overall = timeline.weighted(windows)
        spans = timeline.spans(windows, candidates)
        segments: list[Segment] = []
        translation: list[Segment] = []
        for i, span in enumerate(spans):
            a, b = max(0.0, span.start - 0.2), span.end + 0.2
            piece = audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)]
            for p in engine.transcribe(piece, span.language, "transcribe"):
                if p.text:
                    segments.append(
                        Segment(
                            start=round(a + p.start, 2),
                            end=round(a + p.end, 2),
                            text=p.text,
                            language=span.language,
                        )
                    )
            if params.translate:
                for p in engine.transcribe(piece, span.language, "translate"):
                    if p.text:
                        translation.append(
                            Segment(
                                start=round(a + p.start, 2),
                                end=round(a + p.end, 2),
                                text=p.text,
                                language="en",
                            )
                        )
            ctx.report_progress(0.5 + 0.5 * (i + 1) / len(spans))

        files = []
        for name, content in (
            ("transcript.srt", subtitles.srt(segments)),
            ("transcript.vtt", subtitles.vtt(segments)),
            ("transcript.txt", subtitles.text(segments)),
        ):
            atomic.write_text(ctx.out_dir / name, content)
            files.append(f"{self.name}/{name}")
        if translation:
            atomic.write_text(ctx.out_dir / "translation.srt", subtitles.srt(translation))
            files.append(f"{self.name}/translation.srt")

        result = TranscribeResult(
            engine=engine.name,
            model=engine.model,
            speech_seconds=round(sum(w.seconds for w in windows), 2),
            audio_seconds=round(len(audio) / SAMPLE_RATE, 2),
            language=(timeline.renormalize(overall, candidates) if candidates else overall)[0][0]
            if overall
            else None,
            language_probability=round(overall[0][1], 4) if overall else None,
            languages=[score(c, p) for c, p in overall[:5]],
            candidates=[score(c, p) for c, p in timeline.renormalize(overall, candidates)]
            if candidates and overall
            else None,
            timeline=[
                Span(
                    start=round(s.start, 2),
                    end=round(s.end, 2),
                    language=s.language,
                    probability=round(s.probability, 4),
                    candidates=[score(c, p) for c, p in s.probs[:3]],
                )
                for s in spans
            ],
            segments=segments,
            translation=translation,
            files=files,
        )
        if result.language_probability is not None and candidates and result.candidates:
            result.language_probability = result.candidates[0].probability
        result.findings = find(result, names)
        return result


def find(r: TranscribeResult, names: dict[str, str]) -> list[Finding]:
    out: list[Finding] = []
    if r.language is None:
        out.append(
            Finding(
                id="transcribe.no-speech",
                severity="info",
                message="No speech found (silence, noise or music only)",
                evidence={"audio_seconds": r.audio_seconds},
            )
        )
        return out
    main = names.get(r.language, r.language)
    out.append(
        Finding(
            id="transcribe.language",
            severity="info",
            message=f"Spoken language: {main} ({r.language_probability:.0%}) over {r.speech_seconds:.0f} s of speech",
            evidence={"languages": [s.model_dump() for s in r.languages]},
        )
    )
    seconds: dict[str, float] = {}
    for span, after in zip(r.timeline, [*r.timeline[1:], None], strict=True):
        # a span lasts until the next one starts (pauses belong to the language before them)
        until = after.start if after is not None else span.end
        seconds[span.language] = seconds.get(span.language, 0.0) + until - span.start
    switched = (
        len([code for code, t in seconds.items() if t >= SWITCH_SECONDS * 0.6]) > 1
        and max(seconds.values()) >= SWITCH_SECONDS
    )
    if switched:
        parts = ", ".join(
            f"{names.get(s.language, s.language)} {s.start:.1f}-{s.end:.1f} s" for s in r.timeline
        )
        out.append(
            Finding(
                id="transcribe.language-switch",
                severity="notice",
                message=f"The spoken language changes: {parts}",
                evidence={"timeline": [s.model_dump() for s in r.timeline]},
            )
        )
    elif r.language_probability is not None and r.language_probability < LOW_CONFIDENCE:
        out.append(
            Finding(
                id="transcribe.low-confidence",
                severity="notice",
                message=f"Language detection is unsure: {main} at {r.language_probability:.0%}; "
                "listen, and try --languages with the plausible candidates",
                evidence={"languages": [s.model_dump() for s in r.languages]},
            )
        )
    weak = sorted({s.code for s in r.languages[:3]} & WEAK_LANGUAGES)
    if weak:
        out.append(
            Finding(
                id="transcribe.weak-language",
                severity="notice",
                message=f"{', '.join(names.get(c, c) for c in weak)} is poorly recognized by small Whisper "
                "models: treat the detection and transcript with caution",
                evidence={"languages": weak},
            )
        )
    return out
