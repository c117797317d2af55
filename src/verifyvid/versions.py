"""Versions of verifyvid and the libraries whose behaviour shapes the evidence."""

from __future__ import annotations

import functools
import platform
from importlib import metadata

from verifyvid import __version__
from verifyvid.case.manifest import ToolInfo
from verifyvid.media.ffmpeg import ffmpeg_version

KEY_LIBRARIES = ("av", "numpy", "pydantic", "imageio-ffmpeg")
"""Libraries under every stage; each stage names its own (``Stage.libraries``)."""


@functools.cache
def tool_info(libraries: tuple[str, ...] = ()) -> ToolInfo:
    """verifyvid, Python, ffmpeg, and the versions of the core and the given libraries."""
    libs: dict[str, str] = {}
    for name in dict.fromkeys((*KEY_LIBRARIES, *libraries)):
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return ToolInfo(
        verifyvid=__version__,
        python=platform.python_version(),
        libraries=libs,
        ffmpeg=ffmpeg_version(),
    )
