"""The ocr stage's result: the text seen in the picture, when and where."""

from __future__ import annotations

from pydantic import BaseModel, Field

from verifyvid.stage import Result


class Span(BaseModel):
    start: float = Field(
        description="seconds; the first sampled frame showing it, minus half a step"
    )
    end: float


class TextItem(BaseModel):
    text: str = Field(description="the reading its frames agree on most (the surest of equals)")
    box: tuple[int, int, int, int] = Field(
        description="x, y, width, height where first seen, in the displayed picture"
    )
    spans: list[Span] = Field(description="when it is on screen (merged across sampled frames)")
    confidence: float = Field(description="the engine's confidence in the reading, 0-1")
    script: str = Field(description="Cyrillic, Latin, other")
    language: str | None = Field(
        default=None, description="a guess from the letters (kk, uk, ru, en)"
    )
    engine: str = Field(
        description="the engine and language model that read it, e.g. 'Tesseract 5.5.4 (kaz)'"
    )
    region: str | None = Field(
        default=None, description="the frames stage's overlay it lies in (logo, caption, box)"
    )
    moving: bool = Field(
        default=False, description="seen at different places (a scrolling or moving banner)"
    )
    crop: str = Field(description="the line as seen, relative to the case folder")


class Lead(BaseModel):
    kind: str = Field(description="handle, url, date, phone")
    value: str
    text: str = Field(description="the text item it was found in")
    start: float


class OcrResult(Result):
    engines: list[str] = Field(description="what found and read the text")
    languages: list[str] = Field(description="the Tesseract language models used")
    unreadable: list[str] = Field(
        default_factory=list, description="scripts asked for that no installed model reads"
    )
    fps: float = Field(description="frames sampled per second")
    frames: int = Field(description="frames sampled")
    unchanged: int = Field(
        default=0,
        description="sampled frames showing the same picture as the last frame read (a still "
        "shot), whose lines were carried over instead of read again",
    )
    faint: int = Field(
        default=0,
        description="texts not reported: under 4 letters and digits, and not read with 0.9 "
        "confidence in two sampled frames (mostly textures the engines read letters into)",
    )
    items: list[TextItem]
    leads: list[Lead]
