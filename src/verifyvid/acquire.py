"""Acquisition: download a post with yt-dlp (used as a library), or import a yt-dlp .info.json.

The platform's metadata (extractor, uploader, channel, upload time, title, description,
counts) is evidence; it is kept as yt-dlp wrote it (``source/*.info.json``) and summarized in
``source/acquisition.json``, recorded in case.json as the ``acquire`` step so `verify` covers it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from verifyvid.errors import InputError, UsageError

SOURCE_DIR = "source"
ACQUISITION_NAME = "acquisition.json"
MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".3gp", ".ts", ".flv", ".mp3", ".m4a",
                  ".ogg", ".opus", ".wav", ".flac", ".aac"}  # fmt: skip


class Acquisition(BaseModel):
    url: str | None = Field(description="the link given, None when imported from a local file")
    captured: datetime | None = Field(description="when verifyvid downloaded it (UTC)")
    tool: str | None = Field(description="the downloader and its version")
    sha256: str = Field(description="SHA-256 of the media file at acquisition")
    file: str = Field(description="the media file, relative to the case folder")
    info_json: str | None = None
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


@dataclass
class AcquireOptions:
    cookies: Path | None = None
    format: str | None = None
    max_bytes: int | None = None


def is_url(target: str) -> bool:
    return urlsplit(target).scheme.lower() in ("http", "https")


def parse_size(text: str) -> int:
    """'500M', '2G', '800k' or a number of bytes."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    t = text.strip().lower().removesuffix("b")
    try:
        return int(float(t[:-1]) * units[t[-1]]) if t and t[-1] in units else int(t)
    except (ValueError, KeyError):
        raise UsageError(f"--max-size {text}: give a size such as 500M or 2G") from None


class _Log:
    """Collects yt-dlp's messages instead of letting them reach the terminal."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def debug(self, msg: str) -> None:
        pass

    def info(self, msg: str) -> None:
        pass

    def warning(self, msg: str) -> None:
        pass

    def error(self, msg: str) -> None:
        self.errors.append(msg)


def download(url: str, staging: Path, options: AcquireOptions) -> tuple[Path, dict[str, Any]]:
    """Download the post's media, info JSON and thumbnails into ``staging``."""
    import yt_dlp

    if options.cookies is not None and not options.cookies.is_file():
        raise UsageError(f"--cookies {options.cookies}: no such file")
    log = _Log()
    opts: dict[str, Any] = {
        "outtmpl": str(staging / "%(title).80B [%(id)s].%(ext)s"),
        "writeinfojson": True,
        "writethumbnail": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "noplaylist": True,
        "logger": log,
        "socket_timeout": 20,
        "retries": 2,
        "restrictfilenames": False,
    }
    if options.cookies:
        opts["cookiefile"] = str(options.cookies)
    if options.format:
        opts["format"] = options.format
    if options.max_bytes:
        opts["max_filesize"] = options.max_bytes
    try:
        with yt_dlp.YoutubeDL(opts) as ydl:
            info = ydl.sanitize_info(ydl.extract_info(url, download=True))
    except Exception as e:  # DownloadError, ExtractorError, network errors
        reason = " ".join((log.errors[-1] if log.errors else str(e)).replace("ERROR:", "").split())
        raise InputError(
            f"could not acquire {url}: {reason}; check the link, the network or --cookies"
        ) from None
    files = [Path(d["filepath"]) for d in info.get("requested_downloads", []) if d.get("filepath")]
    media = next((f for f in files if f.is_file()), None)
    if media is None:
        if options.max_bytes:
            raise InputError(
                f"could not acquire {url}: the file is larger than --max-size or was not downloaded"
            )
        raise InputError(
            f"could not acquire {url}: no media file was downloaded; the post may hold no video"
        )
    return media, dict(info)


def _time(info: dict[str, Any]) -> datetime | None:
    ts = info.get("timestamp") or info.get("release_timestamp")
    if isinstance(ts, int | float):
        return datetime.fromtimestamp(ts, UTC)
    day = info.get("upload_date") or info.get("release_date")
    if isinstance(day, str) and len(day) == 8 and day.isdigit():
        return datetime(int(day[:4]), int(day[4:6]), int(day[6:]), tzinfo=UTC)
    return None


def summarize(info: dict[str, Any], *, url: str | None, captured: datetime | None, tool: str | None,
              sha256: str, media: str, info_json: str | None, thumbnails: list[str]) -> Acquisition:  # fmt: skip
    def text(key: str) -> str | None:
        value = info.get(key)
        return str(value) if value not in (None, "") else None

    def count(key: str) -> int | None:
        value = info.get(key)
        return int(value) if isinstance(value, int | float) else None

    return Acquisition(
        url=url, captured=captured, tool=tool, sha256=sha256, file=media, info_json=info_json,
        thumbnails=thumbnails, extractor=text("extractor_key") or text("extractor"),
        webpage_url=text("webpage_url"), original_url=text("original_url"), uploader=text("uploader"),
        uploader_id=text("uploader_id"), channel=text("channel"), upload_time=_time(info),
        title=text("title"), description=text("description"), view_count=count("view_count"),
        like_count=count("like_count"),
    )  # fmt: skip


def find_info_json(media: Path, explicit: Path | None) -> Path | None:
    """``--info-json FILE``, else ``<name>.info.json`` or ``<stem>.info.json`` beside the file."""
    if explicit is not None:
        if not explicit.is_file():
            raise UsageError(f"--info-json {explicit}: no such file")
        return explicit
    for candidate in (media.with_name(media.name + ".info.json"), media.with_suffix(".info.json")):
        if candidate.is_file():
            return candidate
    return None


def read_info(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError) as e:
        raise UsageError(
            f"{path} is not a readable yt-dlp .info.json ({e}); fix or remove it"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path} is not a yt-dlp .info.json (not a JSON object)")
    return data


def thumbnails_in(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")
    )


def yt_dlp_version() -> str:
    from yt_dlp.version import __version__

    return f"yt-dlp {__version__}"


def copy_into(folder: Path, files: list[Path]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for f in files:
        shutil.copy2(f, folder / f.name)
