"""The report as JSON: one versioned schema for scripts (the HTML page: report/page.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from verifyvid.case.manifest import InputRecord, Status, ToolInfo
from verifyvid.view import CaseView

REPORT_SCHEMA_VERSION = 1


class ClaimOut(BaseModel):
    kind: str
    claimed: str
    evidence: str
    comparison: str


class EventOut(BaseModel):
    when: str
    what: str
    source: str
    reliability: str


class FindingOut(BaseModel):
    stage: str
    id: str
    severity: str
    message: str
    evidence: dict[str, Any]


class StageOut(BaseModel):
    status: Status | None = Field(description="None: not run")
    version: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None
    fix: str | None = None
    result: dict[str, Any] | None = Field(default=None, description="the stage's result.json")


class JsonReport(BaseModel):
    report_schema: int = REPORT_SCHEMA_VERSION
    case: str
    input: InputRecord
    tool: ToolInfo
    claims: list[ClaimOut]
    timeline: list[EventOut]
    findings: list[FindingOut]
    stages: dict[str, StageOut]


def render_json(data: CaseView) -> str:
    m = data.case.manifest
    stages: dict[str, StageOut] = {}
    for stage in data.stages:
        rec = m.stages.get(stage.name)
        result = data.results.get(stage.name)
        stages[stage.name] = StageOut(
            status=rec.status if rec else None,
            version=rec.version if rec else None,
            params=rec.params if rec else {},
            error=rec.error if rec else None,
            fix=rec.fix if rec else None,
            result=result.model_dump(mode="json") if result is not None else None,
        )
    report = JsonReport(
        case=str(data.case.root.resolve()),
        input=m.input,
        tool=m.tool,
        claims=[
            ClaimOut(kind=c.kind, claimed=c.claimed, evidence=c.evidence, comparison=c.verdict)
            for c in data.claim_checks
        ],
        timeline=[
            EventOut(
                when=e.when.isoformat(), what=e.what, source=e.source, reliability=e.reliability
            )
            for e in data.events
        ],
        findings=[FindingOut(stage=s, **f.model_dump(mode="json")) for s, f in data.findings],
        stages=stages,
    )
    return report.model_dump_json(indent=2) + "\n"
