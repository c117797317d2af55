"""Report text for every section (the report's own and the stages'): strings from the media or the
web made inert in Markdown (GitHub, Pandoc) and HTML, times as stamps, a stage that did not run."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from verifyvid.case.manifest import StageRecord

# Characters that start Markdown inline syntax anywhere in a line (Pandoc and GitHub).
MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!$^])")
# Characters that start a block (list, heading, quote, numbered list) at a line start.
MD_LINE_START = re.compile(r"^([-+=>]|\d+[.)])")


def md(text: str) -> str:
    """One line of plain text: newlines folded, Markdown punctuation and HTML escaped."""
    one_line = " ".join(str(text).split())
    escaped = one_line.replace("&", "&amp;")
    escaped = MD_SPECIAL.sub(r"\\\1", escaped)
    escaped = escaped.replace("\\<", "&lt;").replace("\\>", "&gt;")
    return MD_LINE_START.sub(_escape_block_start, escaped)


def _escape_block_start(m: re.Match[str]) -> str:
    token = m.group(1)
    return f"{token[:-1]}\\{token[-1]}" if token[0].isdigit() else f"\\{token}"


def code(text: str) -> str:
    """Inline code that no backtick inside can close early."""
    one_line = " ".join(str(text).split())
    longest = max((len(m) for m in re.findall(r"`+", one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def safe_url(url: str) -> str | None:
    """The URL if it is http(s) with a host, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(c in url for c in " \n\r\t<>\"'`()[]"):
        return None
    return url.strip()


def link(label: str, url: str) -> str:
    """A Markdown link for http(s) URLs; anything else is shown as inert text."""
    target = safe_url(url)
    if target is None:
        return md(f"{label} ({url})" if label != url else url)
    return f"[{md(label)}](<{target}>)"


def seek(label: str, seconds: float) -> str:
    """``label`` (trusted text) as a link to a second of the clip: the HTML report's player
    seeks there; elsewhere an in-page anchor that does nothing."""
    return f"[{label}](#t={seconds:.3f})"


def stamp(seconds: float) -> str:
    """A time in the clip as m:ss.sss (h:mm:ss.sss from an hour)."""
    m, s = divmod(seconds, 60)
    h, m = divmod(int(m), 60)
    return f"{h:d}:{m:02d}:{s:06.3f}" if h else f"{m:d}:{s:06.3f}"


EXCEPTION = re.compile(r"^[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure)\b:?\s*")


def said(record: StageRecord) -> str:
    """A stage's error as a reader reads it: a failure without the programmer's exception name,
    saying where the technical record is (case.json keeps the text as it was)."""
    if record.status != "failed" or not record.error:
        return record.error or ""
    text = EXCEPTION.sub("", record.error).strip()
    return f"could not finish on this file ({text}); the technical record is in case.json" if text else (
        "could not finish on this file; the technical record is in case.json")  # fmt: skip


def not_run(name: str, record: StageRecord | None) -> list[str]:
    """Why a stage's section has nothing to show: not run in this case, or its status and why."""
    if record is None:
        return [f"The {name} stage did not run in this case.", ""]
    why = f": {md(said(record))}" if record.error else ""
    fix = f" Fix: {md(record.fix)}" if record.fix else ""
    return [f"The {name} stage is **{record.status}**{why}.{fix}", ""]
