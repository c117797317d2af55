"""The `frames` stage's result (schema: docs/schemas/frames.schema.json)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from verifyvid.stage import Result

OverlayKind = Literal["letterbox", "pillarbox", "opaque-box", "logo", "caption"]


class Box(BaseModel):
    """A rectangle in pixels of the displayed (rotation-applied) picture."""

    x: int
    y: int
    width: int
    height: int

    def iou(self, other: Box) -> float:
        ix = max(0, min(self.x + self.width, other.x + other.width) - max(self.x, other.x))
        iy = max(0, min(self.y + self.height, other.y + other.height) - max(self.y, other.y))
        inter = ix * iy
        union = self.width * self.height + other.width * other.height - inter
        return inter / union if union else 0.0


class Shot(BaseModel):
    index: int
    start: float = Field(description="seconds")
    end: float = Field(description="seconds")


class SearchEngine(BaseModel):
    name: str
    upload_url: str
    how: str


class Keyframe(BaseModel):
    index: int
    time: float = Field(description="seconds from the start of the video")
    shot: int
    shot_start: float
    shot_end: float
    sharpness: float = Field(description="variance of the Laplacian at analysis resolution")
    file: str = Field(
        description="JPEG at full resolution, relative to the case folder: the picture without "
        "bars (the result's crop) when the video has them"
    )
    width: int
    height: int
    full_file: str | None = Field(
        default=None, description="the whole frame, bars included, when ``file`` is cropped"
    )
    phash: str = Field(description="imagehash pHash, 64 bits as hex")


class Overlay(BaseModel):
    kind: OverlayKind
    box: Box
    start: float
    end: float
    fill: str | None = Field(default=None, description="for bars: black, blurred or solid")
    file: str | None = Field(default=None, description="cropped image, relative to the case folder")


class FramesResult(Result):
    width: int = Field(description="displayed width (after rotation)")
    height: int
    rotation: int = Field(description="degrees applied to the decoded frames (clockwise)")
    fps: float | None
    duration: float = Field(description="seconds of video decoded")
    frames_decoded: int
    decode_errors: int
    shots: list[Shot]
    keyframes: list[Keyframe]
    contact_sheet: str | None
    crop: Box | None = Field(description="the picture without letterbox/pillarbox bars")
    overlays: list[Overlay]
    search_engines: list[SearchEngine]
