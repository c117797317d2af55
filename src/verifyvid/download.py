"""Download a post with yt-dlp (used as a library), or find a yt-dlp .info.json beside a file.

What comes with the input (the downloaded media, the platform's .info.json, thumbnails) is kept
as written in ``<case>/source/`` and recorded in case.json's ``source`` so `verify` covers it; the
``acquire`` stage (stages/acquire) reads it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from verifyvid.errors import InputError, UsageError

SOURCE_DIR = "source"
MEDIA_SUFFIXES = {".mp4", ".mov", ".m4v", ".mkv", ".webm", ".avi", ".3gp", ".ts", ".flv", ".mp3", ".m4a",
                  ".ogg", ".opus", ".wav", ".flac", ".aac"}  # fmt: skip


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
