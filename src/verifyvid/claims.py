"""What a clip is claimed to show (date, place, spoken language), checked before it is recorded.

The report compares each claim with the evidence (report/data.py); a claim that cannot mean
anything (2022-13-45, 'klingon') is refused up front instead of being compared.
"""

from __future__ import annotations

import re
from datetime import date

from verifyvid import languages
from verifyvid.errors import UsageError

KINDS = ("date", "place", "language")


def checked(claims: dict[str, str | None]) -> dict[str, str]:
    """The given claims, normalized (a language name becomes its code); UsageError if one is
    not a real calendar date or not a known language."""
    out: dict[str, str] = {}
    for kind, value in claims.items():
        if kind not in KINDS:
            raise UsageError(f"unknown claim {kind}; claims are {', '.join(KINDS)}")
        if value is None or not value.strip():
            continue
        text = value.strip()
        if kind == "date":
            out[kind] = checked_date(text, "--claim-date")
        elif kind == "language":
            try:
                out[kind] = languages.checked([text], "--claim-language")[0]
            except ValueError as e:
                raise UsageError(str(e)) from None
        else:
            out[kind] = text
    return out


def checked_date(text: str, what: str) -> str:
    """A YYYY-MM-DD date that exists in the calendar."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise UsageError(f"{what} {text}: not a calendar date; give YYYY-MM-DD") from None
