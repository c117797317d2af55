"""The `frames` stage: one sharp keyframe per shot, a contact sheet, and static overlays."""

from __future__ import annotations

from pydantic import Field

from verifyvid.lanes import Mark
from verifyvid.stage import Params, PictureStage, Shown, StageContext, StageSkipped
from verifyvid.stages.frames import overlays as ov
from verifyvid.stages.frames import report
from verifyvid.stages.frames.findings import find
from verifyvid.stages.frames.models import FramesResult, Overlay
from verifyvid.stages.frames.output import (
    SEARCH_ENGINES,
    KeyframeWriter,
    crop_overlays,
    write_contact_sheet,
)
from verifyvid.stages.frames.sample import bars_of
from verifyvid.stages.frames.scan import ANALYSIS_LONG_SIDE, FramesScan


class FramesParams(Params):
    interval: float = Field(10.0, gt=0, le=3600, json_schema_extra={"metavar": "SECONDS"})
    """A long shot gets one more keyframe every this many seconds."""
    max_samples: int = Field(400, ge=8, le=10_000)
    """Frames kept (at analysis resolution) for overlay detection."""
    jpeg_quality: int = Field(92, ge=1, le=100)
    """JPEG quality of the keyframes (1-100)."""
    analysis_fps: float = Field(30.0, gt=0, le=240)
    """Frames per second analysed for shots and sharpness (every frame is still decoded)."""


class FramesStage(PictureStage[FramesParams, FramesResult, FramesScan]):
    name = "frames"
    version = "6"
    description = "Keyframes per shot, contact sheet, reverse-search pack, bars, boxes and logos"
    params_model = FramesParams
    result_model = FramesResult
    uses = ("meta",)
    libraries = ("opencv-python-headless", "imagehash", "pillow")
    report_order = 30
    limits = (
        "Keyframes are chosen automatically; search more frames by hand when a shot matters.",
        "Overlay detection finds regions that stay fixed while the picture changes; in a single "
        "static shot, fixed scenery and overlays cannot be told apart, and a caption that changes "
        "every few seconds is not reported.",
    )

    def section(self, shown: Shown[FramesResult]) -> list[str]:
        return report.keyframes(shown) + report.concealment(shown)

    def lanes(self, result: FramesResult) -> list[Mark]:
        return report.marks(result)

    def consumer(self, ctx: StageContext, params: FramesParams) -> FramesScan:
        try:  # bars first (from a quick sample): shots, sharpness and keyframes are the picture's
            bars = bars_of(ctx.input_path, params.max_samples, ANALYSIS_LONG_SIDE)
        except ValueError:
            raise StageSkipped("no video stream") from None
        crop = bars.crop if bars is not None else None
        writer = KeyframeWriter(ctx.out_dir, self.name, params.jpeg_quality, crop)
        return FramesScan(writer, crop, bars.found if bars is not None else [],
                          bars.rotation if bars is not None else 0, params.interval,
                          params.max_samples, params.analysis_fps)  # fmt: skip

    def result_of(self, ctx: StageContext, params: FramesParams, scan: FramesScan) -> FramesResult:
        if scan.count == 0:
            raise RuntimeError(f"no frame could be decoded ({scan.errors} packets failed)")
        frame_step = 1 / scan.fps if scan.fps else 0.0
        duration = scan.last_time + frame_step
        shot_list = scan.shot_list(duration)
        keyframes, thumbnails = scan.writer.finish(shot_list)
        width, height = scan.width, scan.height
        found = scan.bars + ov.find_overlays(scan.samples.samples(width, height), scan.crop,
                                             [sh.start for sh in shot_list])  # fmt: skip
        overlays = [
            Overlay(
                kind=f.kind, box=f.box, start=round(f.start, 3), end=round(f.end, 3), fill=f.fill
            )
            for f in found
        ]
        crop_overlays(overlays, keyframes, ctx.out_dir, self.name)
        sheet = write_contact_sheet(thumbnails, ctx.out_dir, self.name)
        result = FramesResult(
            width=width,
            height=height,
            rotation=scan.rotation,
            fps=round(scan.fps, 3) if scan.fps else None,
            duration=round(duration, 3),
            frames_decoded=scan.count,
            decode_errors=scan.errors,
            shots=shot_list,
            keyframes=keyframes,
            contact_sheet=sheet,
            crop=scan.crop,
            overlays=overlays,
            search_engines=SEARCH_ENGINES,
        )
        result.findings = find(result)
        return result
