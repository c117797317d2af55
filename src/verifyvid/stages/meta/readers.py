"""Metadata readers. Each returns a JSON-able dict of what its source says, untouched.

- ``pyav``: libavformat through PyAV (always there): container, streams, tags.
- ``mediainfo``: MediaInfo through pymediainfo (its wheel bundles the library).
- ``ffprobe``: only when an ffprobe binary is on PATH (adds nothing PyAV lacks, kept for cross-checks).
- ``exiftool``: only when ExifTool is on PATH (QuickTime Keys, XMP and maker tags).
- ``gopro``: the GPMF ``udta`` box GoPro cameras write (model name, firmware).
"""

from __future__ import annotations

import json
import logging
import shutil
import struct
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from verifyvid.media.ffmpeg import ffprobe_exe

log = logging.getLogger(__name__)

JSON = dict[str, Any]


def _num(value: Fraction | int | float | None) -> float | None:
    return None if value is None else round(float(value), 6)


def _text(value: Any) -> Any:
    return str(value) if value is not None else None


def read_pyav(path: Path) -> JSON:
    with av.open(str(path), metadata_errors="replace") as c:
        streams = []
        for s in c.streams:
            cc: Any = s.codec_context
            entry: JSON = {
                "index": s.index,
                "type": s.type,
                "codec": cc.name if cc is not None else None,
                "codec_long": cc.codec.long_name if cc is not None else None,
                "profile": _text(getattr(s, "profile", None)),
                "time_base": _text(s.time_base),
                "start_time": s.start_time,
                "duration": s.duration,
                "frames": s.frames,
                "bit_rate": cc.bit_rate if cc is not None else None,
                "language": s.language,
                "tags": dict(s.metadata),
            }
            if s.type == "video" and cc is not None:
                entry.update(
                    width=cc.width,
                    height=cc.height,
                    level=cc.level if cc.level and cc.level > 0 else None,
                    pix_fmt=cc.pix_fmt,
                    sample_aspect_ratio=_text(cc.sample_aspect_ratio),
                    display_aspect_ratio=_text(cc.display_aspect_ratio),
                    average_rate=_num(s.average_rate),
                    guessed_rate=_num(s.guessed_rate),
                    color_range=_text(cc.color_range),
                    color_primaries=_text(cc.color_primaries),
                    color_trc=_text(cc.color_trc),
                    colorspace=_text(cc.colorspace),
                    has_b_frames=cc.has_b_frames,
                )
            elif s.type == "audio" and cc is not None:
                entry.update(
                    sample_rate=cc.sample_rate,
                    channels=cc.channels,
                    layout=cc.layout.name if cc.layout else None,
                )
            streams.append(entry)
        return {
            "format": c.format.name,
            "format_long": c.format.long_name,
            "duration": c.duration,
            "start_time": c.start_time,
            "bit_rate": c.bit_rate,
            "size": c.size,
            "tags": dict(c.metadata),
            "streams": streams,
        }


def read_mediainfo(path: Path) -> JSON | None:
    try:
        from pymediainfo import MediaInfo

        info = MediaInfo.parse(str(path))
    except Exception as e:  # library missing or unable: MediaInfo is a second opinion only
        log.info("MediaInfo could not read %s: %s", path.name, e)
        return None
    return {"tracks": [t.to_data() for t in info.tracks]}


def read_ffprobe(path: Path) -> JSON | None:
    exe = ffprobe_exe()
    if exe is None:
        return None
    import ffmpeg

    try:
        return dict(ffmpeg.probe(str(path), cmd=exe))
    except ffmpeg.Error:
        return None


def read_exiftool(path: Path) -> JSON | None:
    exe = shutil.which("exiftool")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "-j", "-G1", "-n", "-api", "LargeFileSupport=1", "--", str(path)],
            capture_output=True,
            timeout=60,
            check=False,
        ).stdout
        data = json.loads(out or b"[]")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return None
    return data[0] if data else None


# -- GoPro GPMF in moov/udta ---------------------------------------------------------


def _boxes(f: Any, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the ISO-BMFF boxes between start and end."""
    out = []
    pos = start
    while pos + 8 <= end:
        f.seek(pos)
        head = f.read(8)
        if len(head) < 8:
            break
        size, kind = struct.unpack(">I4s", head)
        header = 8
        if size == 1:
            large = f.read(8)
            if len(large) < 8:  # a 64-bit size cut off by the end of the file
                break
            size = struct.unpack(">Q", large)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            break
        out.append((kind, pos + header, min(pos + size, end)))
        pos += size
    return out


def _klv(data: bytes) -> dict[str, str]:
    """String entries (type 'c') of a GPMF KLV blob, nested containers included."""
    out: dict[str, str] = {}
    pos = 0
    while pos + 8 <= len(data):
        key = data[pos : pos + 4].decode("latin-1")
        kind, size, repeat = (
            data[pos + 4],
            data[pos + 5],
            struct.unpack(">H", data[pos + 6 : pos + 8])[0],
        )
        length = size * repeat
        value = data[pos + 8 : pos + 8 + length]
        if kind == 0:
            for k, v in _klv(value).items():
                out.setdefault(k, v)
        elif kind in (ord("c"), ord("U")) and key.isalnum() and len(value) > 1:
            # 'c' text; 'U' a UTC time as text, yymmddhhmmss.sss (GPSU: the GPS receiver's)
            out.setdefault(key, value.split(b"\0")[0].decode("utf-8", "replace").strip())
        elif kind == ord("L") and key == "GPSF" and len(value) >= 4:  # GPS fix: 0 none, 2 2D, 3 3D
            out.setdefault(key, str(struct.unpack(">I", value[:4])[0]))
        pos += 8 + ((length + 3) & ~3)
    return out


def read_gopro(path: Path) -> JSON | None:
    """GoPro's GPMF: the box in ``moov/udta`` (FIRM firmware, MINF model) and, from the first
    sample of the telemetry track ("GoPro MET"), the GPS receiver's time (GPSU) and fix (GPSF)."""
    found = {**(_gopro_udta(path) or {}), **_gopro_telemetry(path)}
    return found or None


def _gopro_telemetry(path: Path) -> dict[str, str]:
    try:
        with av.open(str(path), metadata_errors="replace") as c:
            met = [
                s
                for s in c.streams
                if s.type == "data" and "GoPro MET" in s.metadata.get("handler_name", "")
            ]
            for packet in c.demux(met[:1]) if met else []:
                found = _klv(bytes(packet))
                return {k: v for k, v in found.items() if k in ("GPSU", "GPSF")}
    except (av.FFmpegError, OSError, ValueError):
        return {}
    return {}


def _gopro_udta(path: Path) -> dict[str, str] | None:
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            for kind, a, b in _boxes(f, 0, size):
                if kind != b"moov":
                    continue
                for kind2, a2, b2 in _boxes(f, a, b):
                    if kind2 != b"udta":
                        continue
                    entries: dict[str, str] = {}
                    for kind3, a3, b3 in _boxes(f, a2, b2):
                        if kind3 in (b"GPMF", b"FIRM") and b3 - a3 < 1 << 20:
                            f.seek(a3)
                            blob = f.read(b3 - a3)
                            if kind3 == b"FIRM":
                                entries["FIRM"] = blob.split(b"\0")[0].decode("latin-1").strip()
                            else:
                                entries.update(_klv(blob))
                    return entries or None
    except OSError:
        return None
    return None


READERS = {
    "pyav": read_pyav,
    "mediainfo": read_mediainfo,
    "ffprobe": read_ffprobe,
    "exiftool": read_exiftool,
    "gopro": read_gopro,
}
