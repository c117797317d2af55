"""Findings: what a stage noticed, with the evidence, ranked by severity."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Severity = Literal["info", "notice", "warning"]
SEVERITY_RANK: dict[str, int] = {"warning": 0, "notice": 1, "info": 2}


class Finding(BaseModel):
    id: str = Field(description="stable identifier, e.g. 'meta.reencoded-ffmpeg'")
    severity: Severity
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)


def ranked(findings: list[Finding]) -> list[Finding]:
    """Most severe first; stable within a severity."""
    return sorted(findings, key=lambda f: SEVERITY_RANK[f.severity])
