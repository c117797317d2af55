"""Timed marks: what the case shows at which seconds of the clip, for the timeline at the top of
the report (report/glance.py). Stages give theirs (``Stage.lanes``), one lane per kind of
evidence; the case view gathers them, as it gathers dated events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Lane = Literal["shots", "matches", "speech", "text", "overlays", "voice"]
LANES: dict[Lane, str] = {
    "shots": "shots, keyframes",
    "matches": "earlier uploads",
    "speech": "spoken language",
    "text": "on-screen text",
    "overlays": "bars, boxes, logos",
    "voice": "voice flags",
}
Level = Literal["warning", "notice", "info"]


@dataclass(frozen=True)
class Mark:
    lane: Lane
    start: float
    end: float
    label: str
    """Short, drawn on the mark when it fits (may come from the media: drawn as text only)."""
    level: Level = "info"
    """The severity of the finding it belongs to (the colour)."""
    at: float | None = None
    """A moment inside the span that matters (a keyframe's time), drawn as a tick."""
    picture: str | None = None
    """A case file to show at ``at`` (a keyframe), relative to the case folder."""
