"""The one JSON shape every command prints with ``--json`` (and every ``batch`` line).

Scripts read the same keys whatever the command and whatever happened: ``status`` and
``exit_code`` say how it ended, ``error`` why it did not end well, ``result`` holds what the
command itself returns (a stage's result, the archive's videos, a search's matches...).
Schema: docs/schemas/output.schema.json (generated from these models).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from verifyvid.errors import ExitCode

SCHEMA = "verifyvid-output/1"

OutputStatus = Literal["ok", "partial", "error", "interrupted"]
# every key is always printed (the schema says so) and no other key appears
STRICT = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)


def status_of(code: int) -> OutputStatus:
    if code == ExitCode.OK:
        return "ok"
    if code == ExitCode.PARTIAL:
        return "partial"
    if code == ExitCode.INTERRUPTED:
        return "interrupted"
    return "error"


class InputOut(BaseModel):
    model_config = STRICT

    path: str | None = Field(description="the media file (absolute), or the input as given")
    url: str | None = Field(default=None, description="the link it was acquired from")
    sha256: str | None = None
    size: int | None = Field(default=None, description="bytes")


class StageOut(BaseModel):
    model_config = STRICT

    status: str = Field(description="ok, cached, skipped, unavailable or failed")
    seconds: float
    reason: str | None = Field(
        default=None, description="why it was skipped, unavailable or failed"
    )
    fix: str | None = Field(default=None, description="how to make an unavailable stage work")


class FindingOut(BaseModel):
    model_config = STRICT

    stage: str = Field(description="the stage that found it, or 'claims'")
    id: str
    severity: Literal["info", "notice", "warning"]
    message: str
    evidence: dict[str, Any] = Field(default_factory=dict)


class Envelope(BaseModel):
    """What a command printed: how it ended, about which input and case, and its result."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, json_schema_serialization_defaults_required=True
    )

    schema_: str = Field(default=SCHEMA, alias="schema", description="this shape and its version")
    command: str = Field(description="the command, e.g. 'check', 'meta', 'index add'")
    status: OutputStatus = Field(
        description="ok (exit 0), partial (exit 4), error (exit 1, 2, 3), interrupted (130)"
    )
    exit_code: int
    error: str | None = Field(
        default=None, description="one line: what went wrong and what to do (None on exit 0)"
    )
    input: InputOut | None = None
    case: str | None = Field(default=None, description="the case folder (absolute)")
    stages: dict[str, StageOut] = Field(default_factory=dict)
    findings: list[FindingOut] = Field(
        default_factory=list, description="most severe first; claims contradicted by evidence too"
    )
    report: str | None = Field(default=None, description="the report written (absolute path)")
    result: Any = Field(default=None, description="what the command returns; see docs/schemas.md")

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = self.model_dump(mode="json", by_alias=True)
        return data


def failure(command: str, code: int, message: str, target: str | None = None) -> Envelope:
    """The envelope of a command that could not run (bad usage, unusable input, a bug)."""
    return Envelope(
        command=command,
        status=status_of(code),
        exit_code=code,
        error=message,
        input=InputOut(path=target) if target is not None else None,
    )
