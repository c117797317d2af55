"""Turn what the readers said into one documented result. Pure functions of their output."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

from verifyvid.stages.meta.models import Container, CreationTime, Device, Gps, Stream
from verifyvid.stages.meta.packets import PacketScan

JSON = dict[str, Any]

CAVEAT_QT = (
    "QuickTime/MP4 movie header: UTC by the specification, but many cameras and phones write "
    "local time here, so it may be off by the time-zone offset"
)
CAVEAT_APPLE = "Apple QuickTime Keys creation date: local time of the device with its UTC offset"
CAVEAT_MKV = "Matroska DateUTC: UTC, set by the muxer (often the time of the last re-mux)"
CAVEAT_LOCAL = "local time of the device, time zone unknown"
CAVEAT_XMP = "XMP date written by the editing or capture software; time zone as written"
CAVEAT_GPS = (
    "GPS time from the camera's satellite receiver (GoPro telemetry GPSU), independent of the "
    "camera clock; the time of the first telemetry sample, within about a second of the start"
)
CAVEAT_GPS_NO_FIX = (
    "GPS time from GoPro telemetry (GPSU) written without a satellite fix: it may be stale or the "
    "camera's own clock"
)
GPS_SOURCE = "GoPro telemetry GPSU"

ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def clean(value: Any) -> str | None:
    """A tag value as a stripped one-line string, or None when empty."""
    if value is None:
        return None
    text = " ".join(str(value).replace("\x00", " ").split())
    return text or None


def parse_time(text: str) -> datetime | None:
    """Parse the date forms metadata carries; naive results are returned naive."""
    s = text.strip()
    s = re.sub(r"^(\d{4}):(\d{2}):(\d{2})", r"\1-\2-\3", s)  # EXIF style
    s = re.sub(r"\s*(UTC|GMT)$", "+00:00", s)
    try:
        return datetime.fromisoformat(s)
    except ValueError:
        return None


def creation_entry(source: str, raw: str, caveat: str, assume_utc: bool) -> CreationTime | None:
    value = clean(raw)
    if value is None:
        return None
    parsed = parse_time(value)
    offset = None
    utc = None
    if parsed is not None:
        if parsed.tzinfo is not None:
            off = parsed.utcoffset()
            if off is not None and not value.upper().endswith(("Z", "UTC", "GMT")):
                minutes = int(off.total_seconds() // 60)
                offset = f"{'+' if minutes >= 0 else '-'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
            utc = parsed.astimezone(UTC)
        elif assume_utc:
            utc = parsed.replace(tzinfo=UTC)
    return CreationTime(source=source, as_written=value, utc=utc, offset=offset, caveat=caveat)


def creation_times(raw: dict[str, JSON | None]) -> list[CreationTime]:
    av_tags = (raw.get("pyav") or {}).get("tags", {})
    fmt = (raw.get("pyav") or {}).get("format", "")
    out: list[CreationTime | None] = []
    if "com.apple.quicktime.creationdate" in av_tags:
        out.append(
            creation_entry(
                "QuickTime Keys com.apple.quicktime.creationdate",
                av_tags["com.apple.quicktime.creationdate"],
                CAVEAT_APPLE,
                assume_utc=False,
            )
        )
    exif = raw.get("exiftool") or {}
    for key in ("XMP-exif:DateTimeOriginal", "XMP-xmp:CreateDate", "XMP-photoshop:DateCreated"):
        if key in exif:
            out.append(creation_entry(f"ExifTool {key}", str(exif[key]), CAVEAT_XMP, False))
    if "creation_time" in av_tags:
        if fmt.startswith("matroska"):
            out.append(
                creation_entry("Matroska DateUTC", av_tags["creation_time"], CAVEAT_MKV, True)
            )
        else:
            out.append(
                creation_entry(
                    "QuickTime mvhd creation_time", av_tags["creation_time"], CAVEAT_QT, True
                )
            )
    for key in ("date", "creation_date", "date_recorded"):
        if key in av_tags:
            out.append(creation_entry(f"container tag '{key}'", av_tags[key], CAVEAT_LOCAL, False))
    out.append(gps_time(raw.get("gopro") or {}))
    return [e for e in out if e is not None]


def gps_time(gopro: dict[str, Any]) -> CreationTime | None:
    """GoPro's GPSU (``yymmddhhmmss.sss``, UTC) as a creation time on its own clock."""
    text = str(gopro.get("GPSU") or "")
    try:
        utc = datetime.strptime(text, "%y%m%d%H%M%S.%f").replace(tzinfo=UTC)
    except ValueError:
        return None
    fixed = str(gopro.get("GPSF", "")) in ("2", "3")
    return CreationTime(source=GPS_SOURCE, as_written=text, utc=utc, offset="+00:00",
                        caveat=CAVEAT_GPS if fixed else CAVEAT_GPS_NO_FIX)  # fmt: skip


def independent(entry: CreationTime) -> bool:
    """A time from a clock other than the device's (a satellite receiver with a fix)."""
    return entry.source == GPS_SOURCE and entry.caveat == CAVEAT_GPS


def compared_time(entry: CreationTime) -> datetime | None:
    """The time in UTC, or, for a local time with no zone (a date as some cameras write it), the
    time as written taken as UTC, to compare with a 14 h slack; None when it cannot be read."""
    if entry.utc is not None:
        return entry.utc
    parsed = parse_time(entry.as_written)
    return parsed.replace(tzinfo=UTC) if parsed is not None and parsed.tzinfo is None else None


def is_unset(entry: CreationTime) -> bool:
    when = compared_time(entry)
    return when is not None and when.year in (1904, 1970) and when.month == 1


def is_set(entry: CreationTime) -> bool:
    """A readable time that is not an epoch placeholder (a local time with no zone counts)."""
    return compared_time(entry) is not None and not is_unset(entry)


def dated(entry: CreationTime) -> bool:
    """A time known in UTC that is not an epoch placeholder."""
    return entry.utc is not None and not is_unset(entry)


def primary_creation(entries: list[CreationTime]) -> CreationTime | None:
    real = [e for e in entries if dated(e)]
    return real[0] if real else (entries[0] if entries else None)


def parse_iso6709(text: str) -> tuple[float, float, float | None] | None:
    """Decimal degrees from an ISO 6709 string such as ``+32.0929+034.8620+028.516/``."""
    m = ISO6709.match(text.strip())
    if not m:
        return None
    lat_s, lon_s, alt_s = m.groups()

    def degrees(s: str, deg_digits: int) -> float:
        sign = -1.0 if s[0] == "-" else 1.0
        whole, _, frac = s[1:].partition(".")
        value = float(s[1:])
        extra = len(whole) - deg_digits
        if extra == 2:  # DDMM.MMM
            value = float(whole[:deg_digits]) + float(f"{whole[deg_digits:]}.{frac or 0}") / 60
        elif extra == 4:  # DDMMSS.SS
            value = (
                float(whole[:deg_digits])
                + float(whole[deg_digits : deg_digits + 2]) / 60
                + float(f"{whole[deg_digits + 2 :]}.{frac or 0}") / 3600
            )
        return sign * value

    lat, lon = degrees(lat_s, 2), degrees(lon_s, 3)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon, (float(alt_s) if alt_s else None)


def osm_url(lat: float, lon: float) -> str:
    return (
        f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=16/{lat:.6f}/{lon:.6f}"
    )


def gps(raw: dict[str, JSON | None]) -> Gps | None:
    av_tags = (raw.get("pyav") or {}).get("tags", {})
    for key in ("com.apple.quicktime.location.ISO6709", "location", "location-eng"):
        text = clean(av_tags.get(key))
        if text and (parsed := parse_iso6709(text)):
            lat, lon, alt = parsed
            return Gps(
                latitude=lat,
                longitude=lon,
                altitude=alt,
                source=f"tag '{key}' (ISO 6709)",
                raw=text,
                osm_url=osm_url(lat, lon),
            )
    exif = raw.get("exiftool") or {}
    lat_v, lon_v = exif.get("Composite:GPSLatitude"), exif.get("Composite:GPSLongitude")
    if isinstance(lat_v, int | float) and isinstance(lon_v, int | float):
        alt_v = exif.get("Composite:GPSAltitude")
        return Gps(
            latitude=float(lat_v),
            longitude=float(lon_v),
            altitude=float(alt_v) if isinstance(alt_v, int | float) else None,
            source="ExifTool Composite:GPSLatitude/GPSLongitude (XMP or maker notes)",
            raw=f"{lat_v} {lon_v}",
            osm_url=osm_url(float(lat_v), float(lon_v)),
        )
    return None


def _first(*values: Any) -> tuple[str | None, int]:
    for i, v in enumerate(values):
        if (text := clean(v)) is not None:
            return text, i
    return None, -1


def device(raw: dict[str, JSON | None]) -> Device:
    av_tags = (raw.get("pyav") or {}).get("tags", {})
    gopro = raw.get("gopro") or {}
    exif = raw.get("exiftool") or {}

    def exif_any(suffix: str) -> Any:
        return next((v for k, v in exif.items() if k.endswith(":" + suffix)), None)

    sources: list[str] = []
    make, i = _first(
        av_tags.get("com.apple.quicktime.make"),
        av_tags.get("make"),
        av_tags.get("com.android.manufacturer"),
        "GoPro" if gopro else None,
        exif_any("Make"),
    )
    if make:
        sources.append(
            [
                "com.apple.quicktime.make",
                "make",
                "com.android.manufacturer",
                "GoPro GPMF",
                "ExifTool Make",
            ][i]
        )
    model, i = _first(
        av_tags.get("com.apple.quicktime.model"),
        av_tags.get("model"),
        av_tags.get("com.android.model"),
        gopro.get("MINF"),
        exif_any("Model"),
    )
    if model:
        sources.append(
            [
                "com.apple.quicktime.model",
                "model",
                "com.android.model",
                "GoPro GPMF MINF",
                "ExifTool Model",
            ][i]
        )
    android = clean(av_tags.get("com.android.version"))
    software, i = _first(
        av_tags.get("com.apple.quicktime.software"), f"Android {android}" if android else None
    )
    if software:
        sources.append(["com.apple.quicktime.software", "com.android.version"][i])
    firmware, _ = _first(gopro.get("FIRM"), av_tags.get("firmware"), gopro.get("FMWR"))
    if firmware:
        sources.append("firmware")
    return Device(
        make=make,
        model=model,
        software=software,
        firmware=firmware,
        serial=clean(gopro.get("CASN")),
        source=sources,
    )


def _rate(value: Any) -> float | None:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        return None
    return round(rate, 3) if rate > 0 else None


def _seconds(ticks: Any, time_base: Any) -> float | None:
    if ticks is None or time_base in (None, "None"):
        return None
    try:
        return round(float(ticks * Fraction(str(time_base))), 3)
    except (ValueError, ZeroDivisionError, TypeError):
        return None


def rotation(raw: dict[str, JSON | None]) -> int | None:
    for track in (raw.get("mediainfo") or {}).get("tracks", []):
        if track.get("track_type") == "Video" and track.get("rotation") is not None:
            try:
                return round(float(track["rotation"])) % 360
            except (TypeError, ValueError):
                pass
    exif = (raw.get("exiftool") or {}).get("Composite:Rotation")
    return int(exif) % 360 if isinstance(exif, int | float) else None


def streams(raw: dict[str, JSON | None], scan: PacketScan | None) -> list[Stream]:
    pyav = raw.get("pyav") or {}
    mi_video = [
        t for t in (raw.get("mediainfo") or {}).get("tracks", []) if t.get("track_type") == "Video"
    ]
    out = []
    video_seen = 0
    for s in pyav.get("streams", []):
        entry = Stream(
            index=s["index"],
            type=s["type"],
            codec=s.get("codec"),
            codec_long=s.get("codec_long"),
            profile=s.get("profile"),
            bit_rate=s.get("bit_rate") or None,
            language=clean(s.get("language")),
            duration=_seconds(s.get("duration"), s.get("time_base")),
            tags={k: str(v) for k, v in s.get("tags", {}).items()},
        )
        if s["type"] == "video":
            entry = entry.model_copy(
                update={
                    "level": s.get("level"),
                    "width": s.get("width"),
                    "height": s.get("height"),
                    "pix_fmt": s.get("pix_fmt"),
                    "sample_aspect_ratio": s.get("sample_aspect_ratio"),
                    "display_aspect_ratio": s.get("display_aspect_ratio"),
                    "average_frame_rate": _rate(s.get("average_rate")),
                    "real_frame_rate": _rate(s.get("guessed_rate")),
                    "color_range": s.get("color_range"),
                    "color_primaries": s.get("color_primaries"),
                    "color_transfer": s.get("color_trc"),
                    "color_space": s.get("colorspace"),
                }
            )
            mode = (
                mi_video[video_seen].get("frame_rate_mode") if video_seen < len(mi_video) else None
            )
            spread = scan.frame_rate_spread(s["index"]) if scan else None
            if mode in ("VFR", "CFR"):
                entry.variable_frame_rate = mode == "VFR"
            elif spread is not None:
                entry.variable_frame_rate = spread[1] / spread[0] > 1.1
            if video_seen == 0:
                entry.rotation = rotation(raw)
            video_seen += 1
        elif s["type"] == "audio":
            entry = entry.model_copy(
                update={
                    "sample_rate": s.get("sample_rate"),
                    "channels": s.get("channels"),
                    "channel_layout": s.get("layout"),
                }
            )
        if scan is not None and s["index"] in scan.streams:
            entry.packet_duration = scan.duration(s["index"])
            entry.packets = scan.streams[s["index"]].packets
        out.append(entry)
    return out


def container(raw: dict[str, JSON | None], stream_list: list[Stream], size: int) -> Container:
    pyav = raw.get("pyav") or {}
    tags = pyav.get("tags", {})
    duration = round(pyav["duration"] / 1_000_000, 3) if pyav.get("duration") else None
    source = "container" if duration else None
    if duration is None:
        ends = [s.packet_duration for s in stream_list if s.packet_duration]
        if ends:
            duration, source = max(ends), "packets"
    brands = clean(tags.get("compatible_brands")) or ""
    compatible = [brands[i : i + 4].strip() for i in range(0, len(brands), 4)] if brands else []
    return Container(
        format=pyav.get("format", "unknown"),
        format_long=pyav.get("format_long"),
        major_brand=clean(tags.get("major_brand")),
        compatible_brands=[b for b in compatible if b],
        duration=duration,
        duration_source=source,
        size=size,
        bit_rate=pyav.get("bit_rate") or None,
    )
