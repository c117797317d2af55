"""Findings from normalized metadata. What each does and does not prove: docs/findings.md."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from verifyvid.findings import Finding
from verifyvid.stages.meta.clocks import spoken
from verifyvid.stages.meta.models import HeaderClock, MetaResult
from verifyvid.stages.meta.normalize import compared_time, is_set

COMMON_RATIOS = {
    "16:9": 16 / 9,
    "9:16": 9 / 16,
    "4:3": 4 / 3,
    "3:4": 3 / 4,
    "1:1": 1.0,
    "3:2": 1.5,
    "2:3": 2 / 3,
    "5:4": 1.25,
    "4:5": 0.8,
    "11:9 (CIF)": 11 / 9,
    "2:1": 2.0,
    "1.85:1": 1.85,
    "2.39:1": 2.39,
    "21:9": 21 / 9,
    "1.9:1": 1.9,
}
# QuickTime dates are often local time: allow the widest UTC offset before calling a date late.
ZONE_SLACK = timedelta(hours=14)
DURATION_SLACK = 1.0  # seconds


def display_ratio(width: int, height: int, sar: str | None, rotation: int | None) -> float:
    ratio = width / height
    if sar and ":" not in sar and "/" in sar:
        num, _, den = sar.partition("/")
        if num.isdigit() and den.isdigit() and int(num) and int(den):
            ratio *= int(num) / int(den)
    if rotation in (90, 270):
        ratio = 1 / ratio
    return ratio


def find(meta: MetaResult, file_mtime: datetime, now: datetime | None = None) -> list[Finding]:
    now = now or datetime.now(UTC)
    out: list[Finding] = []
    add = out.append
    enc, dev = meta.encoder, meta.device
    video = [s for s in meta.streams if s.type == "video"]
    audio = [s for s in meta.streams if s.type == "audio"]

    if meta.video_decodable is False:
        add(
            Finding(
                id="meta.undecodable",
                severity="warning",
                message="The video stream cannot be decoded: the file holds headers but no usable pictures",
                evidence={"stream": video[0].index if video else None},
            )
        )
    if enc.kind == "editor":
        add(
            Finding(
                id="meta.edited",
                severity="warning",
                message=f"Written by an editing application ({enc.name})",
                evidence={"tags": enc.tags},
            )
        )
    if enc.kind == "screen-recorder":
        add(
            Finding(
                id="meta.screen-recording",
                severity="warning",
                message=f"Written by a screen recorder ({enc.name}): a recording of a screen, not a camera original",
                evidence={"tags": enc.tags},
            )
        )
    if enc.kind in ("ffmpeg", "transcoder"):
        add(
            Finding(
                id="meta.reencoded-ffmpeg",
                severity="notice",
                message=f"Re-encoded or re-muxed by an ffmpeg-based or transcoding tool ({enc.name})",
                evidence={"tags": enc.tags},
            )
        )
    if enc.kind == "platform":
        add(
            Finding(
                id="meta.platform",
                severity="notice",
                message=f"Processed by a platform ({enc.name}): a re-encode, not the original upload",
                evidence={"tags": enc.tags},
            )
        )

    real_times = [t for t in meta.creation_times if is_set(t)]
    if (
        not dev.make
        and not dev.model
        and not meta.gps
        and not real_times
        and enc.kind in ("ffmpeg", "platform", "transcoder", "unknown")
    ):
        add(
            Finding(
                id="meta.stripped",
                severity="notice",
                message="No device, date or location metadata: stripped, as platforms and re-encoders do",
                evidence={"encoder": enc.name},
            )
        )
    if meta.creation_times and not real_times:
        add(
            Finding(
                id="meta.creation-unset",
                severity="notice",
                message="Creation time is unset (an epoch value such as 1904 or 1970, or unreadable)",
                evidence={"as_written": [t.as_written for t in meta.creation_times]},
            )
        )
    for t in real_times:
        when = compared_time(t)  # a local time with no zone is taken as UTC, with the 14 h slack
        assert when is not None
        utc = t.utc.isoformat() if t.utc else None
        if when > now + ZONE_SLACK:
            add(
                Finding(
                    id="meta.creation-future",
                    severity="warning",
                    message=f"Creation time {t.as_written} ({t.source}) lies in the future",
                    evidence={"source": t.source, "utc": utc, "as_written": t.as_written},
                )
            )
        elif when > file_mtime + ZONE_SLACK:
            add(
                Finding(
                    id="meta.creation-after-mtime",
                    severity="notice",
                    message=f"Creation time {t.as_written} ({t.source}) is later than the file's modification time",
                    evidence={
                        "source": t.source,
                        "utc": utc,
                        "as_written": t.as_written,
                        "file_mtime": file_mtime.isoformat(),
                    },
                )
            )

    if meta.header_clock is not None:
        out += clock_findings(meta.header_clock)

    durations: dict[str, float] = {}
    for s in (*video, *audio):
        if seconds := s.packet_duration or s.duration:
            durations[f"stream {s.index} ({s.type})"] = seconds
    if meta.container.duration and meta.container.duration_source == "container":
        durations["container"] = meta.container.duration
    if len(durations) >= 2 and max(durations.values()) - min(durations.values()) > DURATION_SLACK:
        add(
            Finding(
                id="meta.durations-disagree",
                severity="notice",
                message="Stream durations disagree by more than 1 s: streams were cut, replaced or joined",
                evidence={"seconds": durations},
            )
        )
    if meta.container.duration_source != "container":
        add(
            Finding(
                id="meta.no-duration",
                severity="info",
                message="The container states no duration"
                + (
                    f"; {meta.container.duration:.2f} s derived from packets"
                    if meta.container.duration
                    else ""
                ),
                evidence={"duration": meta.container.duration},
            )
        )

    if video and video[0].rotation:
        add(
            Finding(
                id="meta.rotation",
                severity="info",
                message=f"Display rotation of {video[0].rotation}° applied by the player",
                evidence={"rotation": video[0].rotation},
            )
        )
    if video and video[0].variable_frame_rate:
        add(
            Finding(
                id="meta.vfr",
                severity="info",
                message="Variable frame rate (usual for phones and screen recorders, rare after editing)",
                evidence={"average_frame_rate": video[0].average_frame_rate},
            )
        )
    if dev.make or dev.model:
        add(
            Finding(
                id="meta.device",
                severity="info",
                message=f"Device: {' '.join(x for x in (dev.make, dev.model) if x)}"
                + (f", firmware {dev.firmware}" if dev.firmware else "")
                + (f", software {dev.software}" if dev.software else ""),
                evidence=dev.model_dump(exclude_none=True),
            )
        )
    if meta.gps:
        add(
            Finding(
                id="meta.gps",
                severity="info",
                message=f"GPS position {meta.gps.latitude:.5f}, {meta.gps.longitude:.5f}",
                evidence={"source": meta.gps.source, "osm_url": meta.gps.osm_url},
            )
        )
    if video and not audio:
        add(
            Finding(
                id="meta.no-audio",
                severity="info",
                message="No audio track (removed, or never recorded)",
                evidence={},
            )
        )
    if video and video[0].width and video[0].height:
        v = video[0]
        assert v.width is not None and v.height is not None
        ratio = display_ratio(v.width, v.height, v.sample_aspect_ratio, v.rotation)
        name, nearest = min(COMMON_RATIOS.items(), key=lambda kv: abs(kv[1] - ratio) / kv[1])
        if abs(nearest - ratio) / nearest > 0.03:
            add(
                Finding(
                    id="meta.unusual-aspect",
                    severity="notice",
                    message=f"Unusual display aspect ratio {ratio:.3f} (nearest common: {name}): "
                    "bars or a crop may have been added",
                    evidence={"width": v.width, "height": v.height, "ratio": round(ratio, 4)},
                )
            )
    return out


def clock_findings(clock: HeaderClock) -> list[Finding]:
    """What the header's time is, read against the reference: local time at a zone, or a time
    no zone explains. Nothing when the header is UTC, as the format says."""
    against = (
        f"the GPS time ({clock.reference})"
        if clock.independent
        else f"the creation date that states its UTC offset ({clock.reference})"
    )
    evidence = clock.model_dump(mode="json", exclude_none=True)
    if clock.zone is None:
        side = "after" if clock.difference > 0 else "before"
        cause = (
            "the camera clock was wrong, or the header was written later (a re-mux or an editor)"
            if clock.independent
            else "the header was written later (a re-mux or an editor), or the clock was changed"
        )
        return [Finding(id="meta.clock-mismatch", severity="notice", evidence=evidence,
                        message=f"The movie header's time is {spoken(clock.difference)} {side} "
                        f"{against}, more than any time zone explains: {cause}")]  # fmt: skip
    if clock.zone == "+00:00" or clock.utc is None:
        return []
    side = "behind" if clock.difference < 0 else "ahead of"
    message = (
        f"The movie header's time is local time at UTC{clock.zone}, not UTC: it is "
        f"{spoken(clock.difference)} {side} {against}; read as local time it is "
        f"{clock.utc.strftime('%Y-%m-%d %H:%M:%S')} UTC"
    )
    if clock.fits_gps is not None:
        sun = f"sun time at the GPS position: UTC{clock.solar_zone:+.1f}"
        message += (
            f". The zone fits where the GPS says the camera was ({sun})"
            if clock.fits_gps
            else f". The zone does not fit where the GPS says the camera was ({sun}): the clock "
            "was set for another place, or the position is not this recording's"
        )
    severity = "notice" if clock.fits_gps is False else "info"
    return [
        Finding(id="meta.header-local-time", severity=severity, message=message, evidence=evidence)
    ]
