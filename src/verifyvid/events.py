"""Dated events: what the case knows happened when, with where it comes from and how far to
trust it. Stages give theirs (``Stage.events``); the case view adds the acquisition's and its own
and puts them in order for the first-appearance timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass
class Event:
    when: datetime
    what: str
    source: str
    reliability: str
    kind: str = "other"
    """What the event dates: 'created' (the file), 'uploaded', 'first-seen' (an earlier copy)
    or 'other'; a claimed date is compared with the first of the first three."""


DATING = ("created", "uploaded", "first-seen")


def parse_day(text: str) -> date | None:
    """The YYYY-MM-DD date a text starts with, or None."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
