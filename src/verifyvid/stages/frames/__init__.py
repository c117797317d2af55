"""The `frames` stage: one sharp keyframe per shot, a contact sheet, and static overlays."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import cv2
from pydantic import Field

from verifyvid.media.decode import VideoDecoder, analysis_planes, unrotate
from verifyvid.stage import Params, Shown, Stage, StageContext, StageSkipped
from verifyvid.stages.frames import overlays as ov
from verifyvid.stages.frames import report
from verifyvid.stages.frames.findings import find
from verifyvid.stages.frames.models import Box, FramesResult, Overlay, Shot
from verifyvid.stages.frames.output import (
    SEARCH_ENGINES,
    KeyframeWriter,
    crop_overlays,
    write_contact_sheet,
)
from verifyvid.stages.frames.sample import Collector, analysis_size, quick_sample
from verifyvid.stages.frames.shots import LOOKAHEAD, ShotDetector, is_black

ANALYSIS_LONG_SIDE = 320


class FramesParams(Params):
    interval: float = Field(10.0, gt=0, le=3600, json_schema_extra={"metavar": "SECONDS"})
    """A long shot gets one more keyframe every this many seconds."""
    max_samples: int = Field(400, ge=8, le=10_000)
    """Frames kept (at analysis resolution) for overlay detection."""
    jpeg_quality: int = Field(92, ge=1, le=100)
    """JPEG quality of the keyframes (1-100)."""
    analysis_fps: float = Field(30.0, gt=0, le=240)
    """Frames per second analysed for shots and sharpness (every frame is still decoded)."""


@dataclass
class Pending:
    index: int  # ordinal among analysed frames
    time: float
    frame: Any
    sharpness: float
    black: bool


class FramesStage(Stage[FramesParams, FramesResult]):
    name = "frames"
    version = "4"
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

    def run(self, ctx: StageContext, params: FramesParams) -> FramesResult:
        try:
            quick = quick_sample(ctx.input_path, params.max_samples, ANALYSIS_LONG_SIDE)
            decoder = VideoDecoder(ctx.input_path)
        except ValueError:
            raise StageSkipped("no video stream") from None
        # bars first (from a quick sample): shots, sharpness and keyframes are the picture's
        crop, bars = ov.find_bars(quick[0]) if quick is not None else (None, [])
        rotation = quick[1] if quick is not None else 0
        writer = KeyframeWriter(ctx.out_dir, self.name, params.jpeg_quality, crop)
        with decoder:
            try:
                return self.analyse(ctx, params, decoder, writer, crop, bars, rotation)
            except BaseException:
                writer.abandon()  # no JPEG lands in the staging folder after the runner cleans it
                raise

    def analyse(self, ctx: StageContext, params: FramesParams, dec: VideoDecoder,
                writer: KeyframeWriter, crop: Box | None, bars: list[ov.Found], rotation: int) -> FramesResult:  # fmt: skip
        whole = analysis_size(dec.width, dec.height, ANALYSIS_LONG_SIDE)
        box: tuple[int, int, int, int] | None = None
        size = whole
        if crop is not None:  # the picture inside the bars, in decoded (unrotated) pixels
            box = unrotate(
                (crop.x, crop.y, crop.width, crop.height), rotation, dec.width, dec.height
            )
            size = analysis_size(box[2], box[3], ANALYSIS_LONG_SIDE)
        detector = ShotDetector()
        pending: deque[Pending] = deque()
        samples = Collector(params.max_samples, whole)
        shots: list[float] = [0.0]
        segment_start = 0.0
        segment_best: Pending | None = None
        since_cut = 0
        last_time = 0.0
        count = 0

        def close_segment() -> None:
            nonlocal segment_best
            if segment_best is not None:
                writer.write(
                    segment_best.frame,
                    segment_best.time,
                    len(shots) - 1,
                    segment_best.sharpness,
                    dec.rotation,
                )
            segment_best = None

        def finalize(entry: Pending, cut: bool) -> None:
            nonlocal segment_start, segment_best, since_cut
            if cut:
                close_segment()
                shots.append(entry.time)
                segment_start, since_cut = entry.time, 0
            elif entry.time - segment_start >= params.interval:
                close_segment()
                segment_start = entry.time
            since_cut += 1
            if entry.black or (since_cut <= 2 and segment_best is not None):
                return
            if segment_best is None or entry.sharpness > segment_best.sharpness:
                segment_best = entry

        expected = dec.duration or 0.0
        stride = max(1, round((dec.fps or params.analysis_fps) / params.analysis_fps))
        for df in dec.frames():
            count += 1
            last_time = df.time
            if df.index % stride:
                continue
            gray, tiny = analysis_planes(df.frame, *size, (64, 36), box)
            black = is_black(gray)
            sharp = float(cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_16S))[1][0, 0] ** 2)
            pending.append(Pending(detector.count, df.time, df.frame, sharp, black))
            cuts = set(detector.push(tiny, black))
            while len(pending) > LOOKAHEAD:
                entry = pending.popleft()
                finalize(entry, entry.index in cuts)
            samples.offer(df, dec.rotation, gray if box is None else None)
            if expected and count % 50 == 0:
                ctx.report_progress(min(0.95, df.time / expected))
        cuts = set(detector.flush())
        while pending:
            entry = pending.popleft()
            finalize(entry, entry.index in cuts)
        close_segment()
        if count == 0:
            raise RuntimeError(f"no frame could be decoded ({dec.errors} packets failed)")

        frame_step = 1 / dec.fps if dec.fps else 0.0
        duration = last_time + frame_step
        shot_list = [
            Shot(
                index=i,
                start=round(t, 3),
                end=round(shots[i + 1] if i + 1 < len(shots) else duration, 3),
            )
            for i, t in enumerate(shots)
        ]
        keyframes, thumbnails = writer.finish(shot_list)
        width, height = (
            (dec.height, dec.width) if dec.rotation in (90, 270) else (dec.width, dec.height)
        )
        found = bars + ov.find_overlays(samples.samples(width, height), crop,
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
            rotation=dec.rotation,
            fps=round(dec.fps, 3) if dec.fps else None,
            duration=round(duration, 3),
            frames_decoded=count,
            decode_errors=dec.errors,
            shots=shot_list,
            keyframes=keyframes,
            contact_sheet=sheet,
            crop=crop,
            overlays=overlays,
            search_engines=SEARCH_ENGINES,
        )
        result.findings = find(result)
        return result
