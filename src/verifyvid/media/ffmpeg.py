"""Locate ffmpeg: a system binary on PATH first, else the one shipped by imageio-ffmpeg."""

from __future__ import annotations

import functools
import shutil
import subprocess


@functools.cache
def ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def ffprobe_exe() -> str | None:
    """ffprobe only exists as a system binary (imageio-ffmpeg ships ffmpeg alone)."""
    return shutil.which("ffprobe")


@functools.cache
def ffmpeg_version() -> str:
    try:
        out = subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-version"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except OSError as e:
        return f"unavailable ({e})"
    first = out.splitlines()[0] if out else ""
    return first.removeprefix("ffmpeg version ").split(" Copyright")[0].strip()
