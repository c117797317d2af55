"""The report as JSON (one versioned schema for scripts) and as self-contained HTML."""

from __future__ import annotations

import base64
import mimetypes
from typing import Any

from markdown_it import MarkdownIt
from pydantic import BaseModel, Field

from verifyvid.case.manifest import InputRecord, Status, ToolInfo
from verifyvid.report.markdown import render_markdown
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


STYLE = """body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
img{max-width:100%}code{background:#f4f4f4;padding:0 .2rem;word-break:break-all}"""


def render_html(data: CaseView) -> str:
    """The Markdown report as one HTML file: case images embedded as data URIs, no scripts."""
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    root = data.case.root.resolve()

    def embed(src: str) -> str:
        if ":" in src or src.startswith("/"):
            return src  # a URL (only http(s) are ever linked) or an absolute path
        path = (root / src).resolve()
        if not path.is_relative_to(root) or not path.is_file():
            return src
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"

    tokens = parser.parse(render_markdown(data))
    for token in tokens:
        for child in token.children or []:
            for attr in ("src", "href"):  # images, and links to case files, travel with the page
                if isinstance(child.attrs.get(attr), str):
                    child.attrs[attr] = embed(str(child.attrs[attr]))
    body = parser.renderer.render(tokens, parser.options, {})
    title = "Verification report"
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
        f"<title>{title}</title><style>{STYLE}</style></head>\n<body>\n{body}</body></html>\n"
    )
