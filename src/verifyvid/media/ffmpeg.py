"""Locate ffmpeg: a system binary on PATH when it is recent enough, else the one shipped by
imageio-ffmpeg (always installed, so verifyvid never needs a system package).

The oldest system ffmpeg accepted is ``MIN_SYSTEM_VERSION`` (4.4, as in Ubuntu 22.04; Debian 12
has 5.1): verifyvid only asks ffmpeg to decode audio, which every release since then does the
same way. An older or unreadable system binary is passed over for the bundled one.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess

MIN_SYSTEM_VERSION = (4, 4)


def parse_version(first_line: str) -> tuple[int, int] | None:
    """(major, minor) from the first line of ``ffmpeg -version``; (999, 0) for a build from git
    ('N-112233-g…'), None when it cannot be read. Distribution builds read '5.1.9-0+deb12u1',
    release builds 'n7.1' or '7.1.1'."""
    m = re.match(r"ffmpeg version (\S+)", first_line.strip())
    if not m:
        return None
    text = m.group(1)
    if text.startswith("N-"):
        return (999, 0)
    numbers = re.match(r"n?(\d+)\.(\d+)", text)
    if numbers:
        return int(numbers.group(1)), int(numbers.group(2))
    single = re.match(r"n?(\d+)(?!\d)", text)
    return (int(single.group(1)), 0) if single else None


def version_line(exe: str) -> str:
    try:
        out = subprocess.run(
            [exe, "-hide_banner", "-version"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unavailable ({e})"
    return out.splitlines()[0] if out else ""


def acceptable(exe: str) -> bool:
    version = parse_version(version_line(exe))
    return version is not None and version >= MIN_SYSTEM_VERSION


def bundled_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@functools.cache
def ffmpeg_exe() -> str:
    found = shutil.which("ffmpeg")
    if found and acceptable(found):
        return found
    return bundled_exe()


@functools.cache
def ffprobe_exe() -> str | None:
    """ffprobe only exists as a system binary (imageio-ffmpeg ships ffmpeg alone)."""
    return shutil.which("ffprobe")


@functools.cache
def ffmpeg_version() -> str:
    exe = ffmpeg_exe()
    first = version_line(exe)
    version = first.removeprefix("ffmpeg version ").split(" Copyright")[0].strip()
    return f"{version} ({'bundled' if exe == bundled_exe() else exe})"
