"""``case.json``: the manifest of a case folder (documented in docs/case-folder.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

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


KEPT_LOCAL = "local file"  # SourceRecord.tool of a local input copied into the case (--keep-input)


class SourceRecord(BaseModel):
    """How the input came into the case, when not as a local file alone: the files kept in
    ``source/`` (downloaded media, the platform's .info.json, thumbnails), covered by `verify`."""

    tool: str | None = Field(
        default=None, description="the downloader and its version, or 'standard input'"
    )
    captured: datetime | None = Field(
        default=None, description="when verifyvid downloaded or read it (UTC)"
    )
    seconds: float = Field(default=0.0, description="how long the download took")
    files: list[FileRecord] = Field(default_factory=list)


class CaseManifest(BaseModel):
    schema_version: int = SCHEMA_VERSION
    tool: ToolInfo
    input: InputRecord
    created: datetime
    updated: datetime
    claims: dict[str, str] = Field(default_factory=dict)
    source: SourceRecord | None = Field(
        default=None, description="the files the input came with (None: a local file alone)"
    )
    stages: dict[str, StageRecord] = Field(default_factory=dict)

    def files(self) -> list[FileRecord]:
        """Every file the case keeps a hash of: what the input came with, then each stage's."""
        kept = list(self.source.files) if self.source else []
        return kept + [f for record in self.stages.values() for f in record.files]

    @model_validator(mode="before")
    @classmethod
    def _source_from_old_acquire(cls, data: Any) -> Any:
        """Cases written before acquisition was a stage recorded ``source/`` as a hand-made
        ``acquire`` step (version 1, no fingerprint): its files become the source record."""
        if not isinstance(data, dict):
            return data
        stages = data.get("stages")
        if not isinstance(stages, dict):
            return data
        old = stages.get("acquire")
        if isinstance(old, dict) and old.get("version") == "1" and data.get("source") is None:
            files = old.get("files") or []
            if all(
                isinstance(f, dict) and str(f.get("path", "")).startswith("source/") for f in files
            ):
                data = {**data, "stages": {k: v for k, v in stages.items() if k != "acquire"}}
                linked = bool((old.get("params") or {}).get("url"))
                data["source"] = {"captured": old.get("started") if linked else None,
                                  "seconds": old.get("seconds", 0.0), "files": files}  # fmt: skip
        return data
