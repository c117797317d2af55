"""The `meta` stage: container, streams, device, dates, GPS, GOP and chain-of-custody hashes."""

from __future__ import annotations

import json
from typing import Any

from verifyvid.case import atomic
from verifyvid.case.manifest import InputRecord
from verifyvid.events import Event
from verifyvid.stage import Params, Shown, Stage, StageContext
from verifyvid.stages.meta import checks, clocks, encoder, normalize, report, tags
from verifyvid.stages.meta.models import MetaResult
from verifyvid.stages.meta.packets import PacketScan, scan_packets, video_decodable
from verifyvid.stages.meta.readers import READERS


class MetaParams(Params):
    exiftool: bool = True
    """Also ask ExifTool when it is on PATH."""
    ffprobe: bool = True
    """Also ask ffprobe when it is on PATH (a cross-check; it adds nothing PyAV lacks)."""


class MetaStage(Stage[MetaParams, MetaResult]):
    name = "meta"
    version = "3"
    description = "Container, streams, device, dates, GPS, GOP, encoder and re-encoding signs"
    params_model = MetaParams
    result_model = MetaResult
    libraries = ("av", "pymediainfo", "imageio-ffmpeg")
    report_order = 20
    limits = (
        "Metadata can be edited, removed or forged with free tools; its presence is not proof of "
        "origin and its absence is not proof of manipulation.",
        "QuickTime/MP4 header times are often the device's local time even though the format says "
        "UTC; compare them with other evidence before relying on a date.",
    )

    def section(self, shown: Shown[MetaResult]) -> list[str]:
        return report.metadata(shown)

    def events(self, result: MetaResult) -> list[Event]:
        out = []
        clock = result.header_clock
        for t in result.creation_times:
            if t.utc is not None and not normalize.is_unset(t):
                when = t.utc
                if normalize.independent(t):
                    reliability = "high: satellite time, independent of the camera clock"
                elif t.offset:
                    reliability = "medium: device clock, time zone as written"
                elif clock and clock.utc and clock.zone and t.source == clock.header:
                    when = clock.utc
                    reliability = (f"medium: device clock, local time at UTC{clock.zone} "
                                   f"(read against {clock.reference})")  # fmt: skip
                else:
                    reliability = "low: device clock, time zone uncertain"
                out.append(Event(when, "file created (metadata)", t.source, reliability, "created"))
        return out

    def run(self, ctx: StageContext, params: MetaParams) -> MetaResult:
        path = ctx.input_path
        raw = {}
        for name, reader in READERS.items():
            if not {"exiftool": params.exiftool, "ffprobe": params.ffprobe}.get(name, True):
                continue
            raw[name] = reader(path)
            if raw[name] is not None:
                atomic.write_text(
                    ctx.out_dir / "raw" / f"{name}.json",
                    json.dumps(raw[name], indent=1, default=str, ensure_ascii=False) + "\n",
                )
        ctx.report_progress(0.3)
        scan = scan_packets(path)
        ctx.report_progress(0.8)
        return described(raw, scan, ctx.input, video_decodable(path) if has_video(raw) else None)


def has_video(raw: dict[str, Any]) -> bool:
    return any(s.get("type") == "video" for s in (raw.get("pyav") or {}).get("streams") or [])


def described(
    raw: dict[str, Any], scan: PacketScan, file: InputRecord, decodable: bool | None
) -> MetaResult:
    """The result from the readers' raw output and the packet scan alone (no file access)."""
    stream_list = normalize.streams(raw, scan)
    video = [s for s in stream_list if s.type == "video"]
    gop = None
    if video:
        gop = scan.gop(video[0].index, video[0].average_frame_rate or video[0].real_frame_rate)
    dev = normalize.device(raw)
    times = normalize.creation_times(raw)
    gps = normalize.gps(raw)
    result = MetaResult(
        sources=sorted(k for k, v in raw.items() if v is not None), sha256=file.sha256, md5=file.md5,
        container=normalize.container(raw, stream_list, file.size), streams=stream_list, device=dev,
        encoder=encoder.encoder(raw, dev), creation_time=normalize.primary_creation(times),
        creation_times=times, gps=gps, gop=gop, video_decodable=decodable,
        tags=tags.gathered(raw),
    )  # fmt: skip
    result.header_clock = clocks.header_clock(times, result.container.duration, gps)
    result.findings = checks.find(result, file.mtime)
    return result
