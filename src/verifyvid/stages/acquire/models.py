"""The acquire stage's result: where the input came from, as the platform described it."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from verifyvid.stage import Result


class AcquireResult(Result):
    url: str | None = Field(description="the link given, None when imported from a local file")
    captured: datetime | None = Field(description="when verifyvid downloaded it (UTC)")
    tool: str | None = Field(description="the downloader and its version")
    sha256: str = Field(description="SHA-256 of the media file at acquisition")
    file: str = Field(description="the media file, relative to the case folder when kept in it")
    info_json: str | None = Field(
        default=None, description="the platform's metadata as yt-dlp wrote it"
    )
    thumbnails: list[str] = Field(default_factory=list)
    extractor: str | None = None
    webpage_url: str | None = None
    original_url: str | None = None
    uploader: str | None = None
    uploader_id: str | None = None
    channel: str | None = None
    upload_time: datetime | None = Field(
        default=None, description="the platform's upload time (UTC)"
    )
    title: str | None = None
    description: str | None = None
    view_count: int | None = None
    like_count: int | None = None
