"""Reports to share: local paths (where the case, the input, a model or an archive sit on this
machine, the user's home) become plain names."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# An absolute path: POSIX (/a/b/name) or Windows (C:\a\name); never the path part of a link
# (https://host/a is preceded by a host name, //host by a colon).
POSIX = re.compile(r"(?<![\w.:/~\\-])/(?:[^\s/\"'<>`|()\[\]]+/)+([^\s/\"'<>`|()\[\]]*)")
WINDOWS = re.compile(r"(?<![\w])[A-Za-z]:\\(?:[^\s\\\"'<>`|]+\\)*([^\s\\\"'<>`|]*)")


def redacted(text: str, known: Iterable[Path] = ()) -> str:
    """``text`` with each absolute path replaced by its last name; ``known`` paths (the case
    folder, the input) are replaced first, whole, so a space in one does not leave a piece."""
    for path in sorted({str(p) for p in known if p.is_absolute()}, key=len, reverse=True):
        if len(path) > 1:
            text = text.replace(path, Path(path).name or path)
    home = str(Path.home())
    if len(home) > 1:
        text = text.replace(home + "/", "~/")
    text = POSIX.sub(lambda m: m.group(1) or "…", text)
    return WINDOWS.sub(lambda m: m.group(1) or "…", text)
