"""The `transcribe` stage's result (schema: docs/schemas/transcribe.schema.json)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verifyvid.pipeline.stage import Result


class LanguageScore(BaseModel):
    code: str = Field(description="ISO 639-1 code as Whisper uses it (e.g. 'kk', 'ru')")
    name: str
    probability: float


class Span(BaseModel):
    start: float
    end: float
    language: str
    probability: float
    candidates: list[LanguageScore] = Field(
        default_factory=list, description="top languages of the span"
    )


class Segment(BaseModel):
    start: float
    end: float
    text: str
    language: str


class TranscribeResult(Result):
    engine: str = Field(description="'faster' (faster-whisper) or 'openai' (openai-whisper)")
    model: str
    speech_seconds: float
    audio_seconds: float
    language: str | None = Field(description="overall language, weighted by speech duration")
    language_probability: float | None
    languages: list[LanguageScore] = Field(description="top 5 overall")
    candidates: list[LanguageScore] | None = Field(
        default=None,
        description="with --languages: probabilities renormalized over those languages",
    )
    timeline: list[Span]
    segments: list[Segment]
    translation: list[Segment] = Field(
        default_factory=list, description="English, with --translate"
    )
    files: list[str] = Field(default_factory=list)
