"""Versions of verifyvid and the libraries whose behaviour shapes the evidence."""

from __future__ import annotations

import functools
import platform
from importlib import metadata

from verifyvid import __version__
from verifyvid.case.manifest import ToolInfo
from verifyvid.media.ffmpeg import ffmpeg_version

KEY_LIBRARIES = (
    "av",
    "pymediainfo",
    "opencv-python-headless",
    "numpy",
    "imagehash",
    "pillow",
    "openai-whisper",
    "faster-whisper",
    "ctranslate2",
    "pydantic",
    "imageio-ffmpeg",
)


@functools.cache
def tool_info() -> ToolInfo:
    libs: dict[str, str] = {}
    for name in KEY_LIBRARIES:
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
