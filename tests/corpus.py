"""The bad-input corpus: broken and awkward inputs generated at test time, with the exit code
and message each must give (docs/errors.md lists the same table)."""

from __future__ import annotations

import random
import shutil
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from fixtures.synth import clip, ffmpeg_since, remux
from tests.conftest import VIDEO


@dataclass
class Case:
    name: str
    make: Callable[[Path, Path], Path]  # (folder, a valid clip) -> the input to give
    exit_code: int
    message: str  # a fragment of the one-line error ("" when the run succeeds)


def empty(d: Path, good: Path) -> Path:
    (d / "empty.mp4").write_bytes(b"")
    return d / "empty.mp4"


def truncated(d: Path, good: Path) -> Path:
    data = good.read_bytes()  # ffmpeg writes moov at the end: half a file has none
    (d / "truncated.mp4").write_bytes(data[: len(data) // 2])
    return d / "truncated.mp4"


def header_only(d: Path, good: Path) -> Path:
    return VIDEO / "android_keyed_metadata_only.mp4"


def text_as_mp4(d: Path, good: Path) -> Path:
    (d / "notes.mp4").write_text("# Not a video\n\nJust text.\n")
    return d / "notes.mp4"


def jpeg_as_mp4(d: Path, good: Path) -> Path:
    ok, data = cv2.imencode(".jpg", np.full((64, 64, 3), 128, np.uint8))
    assert ok
    (d / "photo.mp4").write_bytes(data.tobytes())
    return d / "photo.mp4"


def pdf_as_mp4(d: Path, good: Path) -> Path:
    (d / "doc.mp4").write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
    )
    return d / "doc.mp4"


def audio_only(d: Path, good: Path) -> Path:
    return remux(good, d / "voice.m4a", args=["-vn"])


def video_only(d: Path, good: Path) -> Path:
    return remux(good, d / "mute.mp4", args=["-an"])


def zero_duration(d: Path, good: Path) -> Path:
    return remux(good, d / "zero.mp4", args=["-t", "0"])


def single_frame(d: Path, good: Path) -> Path:
    return clip(d / "one.mp4", seconds=0.04, audio=False)


def absurd_dimensions(d: Path, good: Path) -> Path:
    (d / "huge.y4m").write_bytes(
        b"YUV4MPEG2 W200000 H200000 F25:1 Ip A1:1 C420jpeg\nFRAME\n" + b"\x80" * 4096
    )
    return d / "huge.y4m"


def variable_frame_rate(d: Path, good: Path) -> Path:
    return clip(d / "vfr.mp4", seconds=2, audio=False, vf="setpts='if(lt(N,25),N/25/TB,(25+(N-25)*3)/25/TB)'",
                extra=["-fps_mode", "vfr"])  # fmt: skip


def rotated(d: Path, good: Path) -> Path:
    # -display_rotation needs ffmpeg 6; Debian 12's 5.1 does not know it
    return remux(
        good, d / "rotated.mp4", input_args=["-display_rotation", "90"], exe=ffmpeg_since(6)
    )


def corrupted_packets(d: Path, good: Path) -> Path:
    data = bytearray(good.read_bytes())
    start = data.find(b"mdat") + 8
    noise = random.Random(3)
    for offset in range(start + len(data) // 4, start + len(data) // 2, 997):
        data[offset : offset + 64] = noise.randbytes(64)
    (d / "corrupt.mp4").write_bytes(bytes(data))
    return d / "corrupt.mp4"


def name_spaces(d: Path, good: Path) -> Path:
    return Path(shutil.copy(good, d / "my clip (final) v2.mp4"))


def name_unicode(d: Path, good: Path) -> Path:
    return Path(shutil.copy(good, d / "Жұлдыз 视频 ✓.mp4"))


def name_shell(d: Path, good: Path) -> Path:
    return Path(shutil.copy(good, d / "a'b\"c $(rm -rf x); `id` & | *.mp4"))


def symlink_loop(d: Path, good: Path) -> Path:
    (d / "loop-a.mp4").symlink_to(d / "loop-b.mp4")
    (d / "loop-b.mp4").symlink_to(d / "loop-a.mp4")
    return d / "loop-a.mp4"


def directory(d: Path, good: Path) -> Path:
    (d / "folder.mp4").mkdir()
    return d / "folder.mp4"


def missing(d: Path, good: Path) -> Path:
    return d / "does-not-exist.mp4"


def not_mp4_at_all(d: Path, good: Path) -> Path:
    (d / "random.bin").write_bytes(random.Random(7).randbytes(4096))
    return d / "random.bin"


def random_bytes_lyrics(d: Path, good: Path) -> Path:
    # These random bytes happen to open with ffmpeg's lenient lyrics (lrc) demuxer.
    (d / "noise.bin").write_bytes(random.Random(131).randbytes(4096))
    return d / "noise.bin"


def subtitles_as_input(d: Path, good: Path) -> Path:
    (d / "subs.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHello\n\n", encoding="utf-8")
    return d / "subs.srt"


def moov_only_garbage_mdat(d: Path, good: Path) -> Path:
    data = bytearray(good.read_bytes())
    start = data.find(b"mdat") + 8
    moov = data.find(b"moov")
    data[start:moov - 8] = bytes(len(data[start:moov - 8]))  # fmt: skip
    (d / "zeroed.mp4").write_bytes(bytes(data))
    return d / "zeroed.mp4"


def y4m_header_only(d: Path, good: Path) -> Path:
    (d / "header.y4m").write_bytes(b"YUV4MPEG2 W320 H240 F25:1 Ip A1:1 C420jpeg\n")
    return d / "header.y4m"


_ = struct  # (kept for future binary edits)

CORPUS = [
    Case("empty file", empty, 3, "not a media file"),
    Case("truncated MP4 (no moov)", truncated, 3, "not a media file"),
    Case("header only, no decodable frames", header_only, 4, ""),
    Case("text renamed .mp4", text_as_mp4, 3, "not a media file"),
    Case("JPEG renamed .mp4", jpeg_as_mp4, 3, "still image"),
    Case("PDF renamed .mp4", pdf_as_mp4, 3, "not a media file"),
    Case("random bytes", not_mp4_at_all, 3, "not a media file"),
    Case("random bytes ffmpeg opens as lyrics", random_bytes_lyrics, 3, "not a media file"),
    Case("subtitle file", subtitles_as_input, 3, "is text (srt)"),
    Case("audio only", audio_only, 0, ""),
    Case("video only", video_only, 0, ""),
    Case("zero duration", zero_duration, 0, ""),
    Case("single frame", single_frame, 0, ""),
    Case("absurd dimensions header", absurd_dimensions, 3, ""),
    Case("Y4M header, no frame", y4m_header_only, 4, ""),
    Case("variable frame rate", variable_frame_rate, 0, ""),
    Case("rotated", rotated, 0, ""),
    Case("corrupted packets mid-stream", corrupted_packets, 0, ""),
    Case("media data zeroed", moov_only_garbage_mdat, 4, ""),
    Case("name with spaces", name_spaces, 0, ""),
    Case("unicode name", name_unicode, 0, ""),
    Case("quotes and shell metacharacters", name_shell, 0, ""),
    Case("symlink loop", symlink_loop, 3, "symbolic link loop"),
    Case("directory given as a file", directory, 2, "is a folder"),
    Case("missing file", missing, 2, "no such file"),
]
