"""``case.json``: the manifest of a case folder (documented in docs/case-folder.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1
MANIFEST_NAME = "case.json"

Status = Literal["ok", "failed", "skipped", "unavailable", "cached"]
DONE: tuple[Status, ...] = ("ok", "cached")


class FileRecord(BaseModel):
    path: str = Field(description="relative to the case folder, '/'-separated")
    size: int
    sha256: str


class InputRecord(BaseModel):
    path: str = Field(description="absolute path of the media file")
    url: str | None = Field(default=None, description="where it was acquired from, if a link")
    size: int
    sha256: str
    md5: str
    mtime: datetime = Field(description="the file's modification time, UTC")


class ToolInfo(BaseModel):
    verifyvid: str
    python: str
    libraries: dict[str, str] = Field(default_factory=dict)
    ffmpeg: str | None = None


class StageRecord(BaseModel):
    name: str
    version: str
    params: dict[str, Any] = Field(default_factory=dict)
    status: Status
    started: datetime | None = None
    seconds: float = 0.0
    error: str | None = None
    fix: str | None = Field(default=None, description="how to make an unavailable stage work")
    traceback: str | None = None
    fingerprint: str | None = Field(
        default=None, description="hash of version, params, input and dependencies' fingerprints"
    )
    files: list[FileRecord] = Field(default_factory=list)


class CaseManifest(BaseModel):
    schema_version: int = SCHEMA_VERSION
    tool: ToolInfo
    input: InputRecord
    created: datetime
    updated: datetime
    claims: dict[str, str] = Field(default_factory=dict)
    stages: dict[str, StageRecord] = Field(default_factory=dict)
