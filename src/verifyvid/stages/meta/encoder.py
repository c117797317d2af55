"""Who wrote the file: encoder, muxer and software tags, classified (camera, phone, ffmpeg,
transcoder, editor, platform, screen recorder)."""

from __future__ import annotations

import re

from verifyvid.stages.meta.models import Device, Encoder
from verifyvid.stages.meta.normalize import JSON, clean

EDITORS = re.compile(
    r"premiere|after ?effects|adobe|final ?cut|imovie|davinci|resolve|capcut|inshot|kinemaster|"
    r"filmora|wondershare|vegas|kdenlive|shotcut|openshot|clipchamp|movavi|lumafusion|\bvn\b|"
    r"videoleap|splice|powerdirector|avid|media composer|canva",
    re.I,
)
TRANSCODERS = re.compile(
    r"handbrake|mencoder|xmedia ?recode|format ?factory|avidemux|virtualdub", re.I
)
SCREEN = re.compile(
    r"obs|evcapture|bandicam|camtasia|screen ?(cast|record)|录屏|fraps|sharex", re.I
)
PLATFORM = re.compile(
    r"produced by google|youtube|tiktok|bytedance|instagram|facebook|telegram|whatsapp|twitter|vid:v",
    re.I,
)
FFMPEG = re.compile(r"^lav[fc]\d|libav|ffmpeg|x264|x265|^videohandler$|^soundhandler$", re.I)
CAMERA = re.compile(
    r"gopro|dji|insta360|canon|nikon|sony|panasonic|fujifilm|olympus|garmin|hero\d", re.I
)
PHONE = re.compile(r"android|^videohandle$|^soundhandle$|samsung|huawei|xiaomi", re.I)
APPLE = re.compile(r"core media|com\.apple", re.I)


def encoder_tags(raw: dict[str, JSON | None]) -> dict[str, str]:
    pyav = raw.get("pyav") or {}
    tags: dict[str, str] = {}
    for key in (
        "encoder",
        "software",
        "encoded_by",
        "title",
        "comment",
        "com.apple.quicktime.software",
    ):
        if (v := clean(pyav.get("tags", {}).get(key))) is not None:
            tags[f"container {key}"] = v
    for s in pyav.get("streams", []):
        for key in ("encoder", "handler_name", "_STATISTICS_WRITING_APP-eng"):
            if (v := clean(s.get("tags", {}).get(key))) is not None:
                tags.setdefault(f"stream {key}", v)
    for track in (raw.get("mediainfo") or {}).get("tracks", []):
        for key in (
            "writing_library",
            "encoded_library_name",
            "writing_application",
            "encoded_application",
            "encoded_library_settings",
            "movie_name",  # QuickTime's user-data title, which PyAV does not read
        ):
            if (v := clean(track.get(key))) is not None:
                tags.setdefault(f"mediainfo {key}", v[:300])
    exif = raw.get("exiftool") or {}
    for k, v in exif.items():
        is_tool = k.split(":")[-1] in ("Software", "Encoder", "CreatorTool", "HistorySoftwareAgent")
        if is_tool and (text := clean(v)) is not None:
            tags.setdefault(f"exiftool {k}", text)
    return tags


def encoder(raw: dict[str, JSON | None], dev: Device) -> Encoder:
    tags = encoder_tags(raw)
    values = list(tags.values())
    for kind, pattern in (
        ("editor", EDITORS),
        ("screen-recorder", SCREEN),
        ("transcoder", TRANSCODERS),
        ("platform", PLATFORM),
        ("ffmpeg", FFMPEG),
    ):
        hit = next((v for v in values if pattern.search(v)), None)
        if hit:
            return Encoder(name=hit, kind=kind, tags=tags)
    if dev.firmware or any(CAMERA.search(v) for v in values):
        name = next((v for v in values if CAMERA.search(v)), dev.model or dev.make)
        return Encoder(name=name, kind="camera", tags=tags)
    if dev.make or dev.software:
        device = " ".join(x for x in (dev.make, dev.model, dev.software) if x)
        return Encoder(name=device, kind="phone", tags=tags)
    if any(APPLE.search(v) for v in values):
        # Core Media handler names are written by every Apple app (Camera, QuickTime, iMovie,
        # screen capture, third-party apps on AVFoundation): Apple software, not proof of a phone
        return Encoder(name="Apple Core Media (an iPhone, iPad or Mac app; no device tag)",
                       kind="apple-software", tags=tags)  # fmt: skip
    if any(PHONE.search(v) for v in values):
        return Encoder(name=next(v for v in values if PHONE.search(v)), kind="phone", tags=tags)
    return Encoder(name=values[0] if values else None, kind="unknown", tags=tags)
