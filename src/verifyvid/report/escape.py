"""Make strings from the media or the web inert in Markdown (GitHub, Pandoc) and HTML."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

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
