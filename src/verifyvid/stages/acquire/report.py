"""The report's Source section: the platform's description of the post the input came from."""

from __future__ import annotations

from verifyvid.render import md
from verifyvid.stage import Shown
from verifyvid.stages.acquire.models import AcquireResult


def source(shown: Shown[AcquireResult]) -> list[str]:
    src = shown.result
    if src is None:
        return []  # a local file: the summary table says why there is no source
    when = "%Y-%m-%d %H:%M:%S"
    rows = [
        ("Link", src.url), ("Platform", src.extractor), ("Page", src.webpage_url), ("Uploader", src.uploader),
        ("Channel", src.channel), ("Uploaded (UTC)", src.upload_time.strftime(when) if src.upload_time else None),
        ("Title", src.title), ("Views", src.view_count), ("Likes", src.like_count),
        ("Downloaded (UTC)", src.captured.strftime(when) if src.captured else None), ("Downloader", src.tool),
        ("SHA-256 at acquisition", src.sha256),
    ]  # fmt: skip
    out = ["## Source", "", "| field | value |", "|---|---|"]
    out += [f"| {k} | {md(str(v))} |" for k, v in rows if v not in (None, "")]
    if src.description:
        out += ["", f"**Description**: {md(src.description[:1000])}"]
    return [*out, ""]
