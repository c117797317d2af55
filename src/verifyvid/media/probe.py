"""Open a file with libavformat (PyAV) and say whether it is usable media."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from verifyvid.errors import InputError

# Demuxers that accept still images or text: they "open" but are not video or audio.
IMAGE_FORMATS = ("image2",)
TEXT_FORMATS = ("tty", "txt", "lrc", "srt", "ass", "webvtt", "mpl2", "sami")


@dataclass(frozen=True)
class MediaSummary:
    format_name: str
    has_video: bool
    has_audio: bool
    duration: float | None


def summarize(path: Path) -> MediaSummary:
    """Raise :class:`InputError` unless ``path`` holds a video or audio stream."""
    try:
        with av.open(str(path), metadata_errors="replace") as container:
            fmt = container.format.name
            video = [s for s in container.streams.video if s.codec_context is not None]
            audio = list(container.streams.audio)
            duration = container.duration / 1_000_000 if container.duration else None
    except av.FFmpegError as e:
        reason = " ".join(str(getattr(e, "strerror", None) or e).split())
        raise InputError(
            f"{path.name} is not a media file ffmpeg can read ({reason}); give a video or audio file"
        ) from None
    if fmt in TEXT_FORMATS:
        # Text demuxers are lenient: random bytes sometimes "open" as lyrics (lrc).
        if not _looks_like_text(path):
            raise InputError(
                f"{path.name} is not a media file ffmpeg can read (unknown binary data); "
                "give a video or audio file"
            )
        raise InputError(
            f"{path.name} is text ({fmt}), not a video or audio file; give a video or audio file"
        )
    if fmt.endswith("_pipe") or fmt in IMAGE_FORMATS:
        raise InputError(
            f"{path.name} is a still image ({fmt.removesuffix('_pipe')}), not a video or audio "
            "file; search still images with a reverse image search instead"
        )
    if not video and not audio:
        raise InputError(f"{path.name} has no video or audio stream; give a video or audio file")
    return MediaSummary(fmt, bool(video), bool(audio), duration)


def _looks_like_text(path: Path) -> bool:
    """True when the file's start decodes as UTF-8 (a subtitle or lyrics file, not noise)."""
    with path.open("rb") as f:
        head = f.read(4096)
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start >= len(head) - 3  # a character cut at the 4 KiB boundary
    return True
