"""The `transcribe` stage's result (schema: docs/schemas/transcribe.schema.json)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verifyvid.languages import name_of
from verifyvid.stage import Result


class LanguageScore(BaseModel):
    code: str = Field(description="ISO 639-1 code as Whisper uses it (e.g. 'kk', 'ru')")
    name: str
    probability: float


class Evidence(BaseModel):
    """What was weighed for one language of a contest between close languages."""

    code: str
    detection: float = Field(description="detection probability (among the candidates, if given)")
    score: float = Field(description="log-probability, plus the decoding's log-likelihood if used")
    decoded_text: str | None = Field(
        default=None, description="the speech decoded in this language"
    )
    decoded_logprob: float | None = Field(default=None, description="mean per token")
    decoded_tokens: int | None = None


class Verdict(BaseModel):
    languages: list[str] = Field(
        description="one language; several when they could not be told apart (most likely first); "
        "none without speech"
    )
    abstained: bool = Field(description="true: the evidence does not separate these languages")
    method: str = Field(description="how the verdict was reached, in one sentence")
    decoded: bool = Field(
        default=False,
        description="whether decoding under each contestant entered the comparison (not when a "
        "contestant is a weak language or a decoding looped)",
    )
    evidence: list[Evidence] = Field(default_factory=list)


class Span(BaseModel):
    start: float
    end: float
    language: str | None = Field(description="the span's language; None when abstaining")
    languages: list[str] = Field(description="its verdict: one language, or the ones it could be")
    probability: float
    candidates: list[LanguageScore] = Field(
        default_factory=list, description="top languages of the span"
    )


class Window(BaseModel):
    """One stretch of speech (at most 6 s) detected alone: weak evidence, kept for reference."""

    start: float
    end: float
    top: list[LanguageScore]


class Segment(BaseModel):
    start: float
    end: float
    text: str
    language: str
    avg_logprob: float | None = Field(
        default=None, description="the decoder's mean log-probability"
    )
    no_speech_prob: float | None = None
    compression_ratio: float | None = Field(
        default=None, description="text compression ratio; high values mean repeated text"
    )


class TranscribeResult(Result):
    engine: str = Field(description="'faster' (faster-whisper) or 'openai' (openai-whisper)")
    model: str
    speech_seconds: float
    audio_seconds: float
    language: str | None = Field(
        description="the spoken language, when one can be named; None when abstaining (see "
        "verdict) or without speech"
    )
    language_probability: float | None = Field(
        description="its probability over all the speech (among the candidates, if given)"
    )
    verdict: Verdict
    languages: list[LanguageScore] = Field(
        description="top 5 of the detection over all the speech, unrestricted"
    )
    detection: dict[str, float] = Field(
        default_factory=dict,
        description="the detection over all the speech, every language of at least 1e-6 "
        "(4 significant digits): what a language claim is scored on",
    )
    leaning: dict[str, float] = Field(
        default_factory=dict,
        description="the model's own language probabilities on audio without speech (taken "
        "partly out when candidates or a claim are compared)",
    )
    candidates: list[LanguageScore] | None = Field(
        default=None,
        description="with --languages: probabilities among the candidates given (the model's own "
        "leaning partly taken out); not comparable with `languages`",
    )
    claim_contest: Verdict | None = Field(
        default=None,
        description="the claimed language (--claim-language) against the verdict, compared by "
        "decoding under each, when the two are close relatives: the claim test's evidence",
    )
    timeline: list[Span]
    windows: list[Window] = Field(default_factory=list)
    segments: list[Segment]
    translation: list[Segment] = Field(
        default_factory=list, description="English, with --translate"
    )
    translation_reliable: bool | None = Field(
        default=None,
        description="None without translation; false: do not quote it as a translation",
    )
    translation_warnings: list[str] = Field(default_factory=list)
    files: list[str] = Field(default_factory=list)

    def verdict_words(self) -> str:
        """'ukrainian (81%)', or 'russian or ukrainian (cannot tell with this model: 44% / 36%)'."""
        pool = {c.code: c.probability for c in (self.candidates or self.languages)}
        codes = self.verdict.languages
        if len(codes) == 1:
            return f"{name_of(codes[0])} ({pool.get(codes[0], 0.0):.0%})"
        names = " or ".join(name_of(c) for c in codes)
        shares = " / ".join(f"{pool.get(c, 0.0):.0%}" for c in codes)
        return f"{names} (cannot tell with this model: {shares})"
