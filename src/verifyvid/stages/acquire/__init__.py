"""The `acquire` stage: what the platform said about the post the input came from.

The download itself happens before the case exists (the case folder is named after the file's
SHA-256; see intake.py): the media, yt-dlp's .info.json and thumbnails are kept as written in
``source/``. This stage reads them and writes the summary (uploader, channel, upload time, title,
description, counts) as ``acquire/result.json``. A local file with no .info.json is ``skipped``.
"""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifyvid.case.manifest import KEPT_LOCAL
from verifyvid.download import SOURCE_DIR, read_info, thumbnails_in
from verifyvid.events import Event
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.acquire import report
from verifyvid.stages.acquire.models import AcquireResult


class AcquireParams(Params):
    pass


class AcquireStage(Stage[AcquireParams, AcquireResult]):
    name = "acquire"
    version = "2"
    description = "The platform's metadata of a downloaded or imported post (yt-dlp .info.json)"
    params_model = AcquireParams
    result_model = AcquireResult
    libraries = ("yt-dlp",)
    report_order = 5
    command = False  # `verifyvid acquire URL` downloads first (cli/commands_case.py)
    limits = (
        "A platform's upload time dates this upload only; earlier copies may exist elsewhere, and "
        "uploader names and descriptions are whatever the uploader typed.",
    )

    def state(self, ctx: StageContext, params: AcquireParams) -> str:
        """The files kept in source/: importing another .info.json re-runs the stage."""
        files = ctx.source.files if ctx.source else []
        return hashlib.sha256("".join(f.sha256 for f in files).encode()).hexdigest()

    def run(self, ctx: StageContext, params: AcquireParams) -> AcquireResult:
        src = ctx.source
        folder = ctx.case_dir / SOURCE_DIR
        infos = sorted(folder.glob("*.info.json")) if folder.is_dir() else []
        if src is None or (src.tool == KEPT_LOCAL and not infos):
            raise StageSkipped(
                "a local file with no platform metadata (a link or --info-json FILE adds it)"
            )
        info = read_info(infos[0]) if infos else {}
        return summarize(
            info, url=ctx.input.url, captured=src.captured, tool=src.tool, sha256=ctx.input.sha256,
            media=relative(ctx.input_path, ctx.case_dir),
            info_json=relative(infos[0], ctx.case_dir) if infos else None,
            thumbnails=[relative(p, ctx.case_dir) for p in thumbnails_in(folder)] if folder.is_dir() else [],
        )  # fmt: skip

    def section(self, shown: Shown[AcquireResult]) -> list[str]:
        return report.source(shown)

    def events(self, result: AcquireResult) -> list[Event]:
        out = []
        if result.upload_time is not None:
            who = result.uploader or result.channel
            by = f" by {who}" if who else ""
            where = result.webpage_url or result.info_json or "yt-dlp info JSON"
            out.append(Event(result.upload_time, f"uploaded to {result.extractor or 'the platform'}{by}",
                             where, "high: platform timestamp (of this upload; earlier copies may exist)",
                             "uploaded"))  # fmt: skip
        if result.captured is not None:
            out.append(Event(result.captured, "downloaded by verifyvid", result.url or "",
                             "high: this machine's clock"))  # fmt: skip
        return out


def relative(path: Path, root: Path) -> str:
    """``path`` relative to the case folder when it lies in it, else as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def upload_time(info: dict[str, Any]) -> datetime | None:
    ts = info.get("timestamp") or info.get("release_timestamp")
    if isinstance(ts, int | float) and not isinstance(ts, bool):
        try:
            return datetime.fromtimestamp(ts, UTC)
        except (OverflowError, OSError, ValueError):
            return None
    day = info.get("upload_date") or info.get("release_date")
    if isinstance(day, str) and len(day) == 8 and day.isdigit():
        try:
            return datetime(int(day[:4]), int(day[4:6]), int(day[6:]), tzinfo=UTC)
        except ValueError:  # not a calendar day (20221345)
            return None
    return None


def summarize(info: dict[str, Any], *, url: str | None, captured: datetime | None, tool: str | None,
              sha256: str, media: str, info_json: str | None, thumbnails: list[str]) -> AcquireResult:  # fmt: skip
    def text(key: str) -> str | None:
        value = info.get(key)
        return str(value) if value not in (None, "") else None

    def count(key: str) -> int | None:
        value = info.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        return int(value) if math.isfinite(value) else None

    return AcquireResult(
        url=url, captured=captured, tool=tool, sha256=sha256, file=media, info_json=info_json,
        thumbnails=thumbnails, extractor=text("extractor_key") or text("extractor"),
        webpage_url=text("webpage_url"), original_url=text("original_url"), uploader=text("uploader"),
        uploader_id=text("uploader_id"), channel=text("channel"), upload_time=upload_time(info),
        title=text("title"), description=text("description"), view_count=count("view_count"),
        like_count=count("like_count"),
    )  # fmt: skip
