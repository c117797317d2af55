"""The report's Keyframes and Concealment signs section, from the frames stage's result."""

from __future__ import annotations

from verifyvid.lanes import Level, Mark
from verifyvid.render import link, not_run, stamp
from verifyvid.stage import Shown
from verifyvid.stages.frames.models import FramesResult


def keyframes(shown: Shown[FramesResult]) -> list[str]:
    out = ["## Keyframes", ""]
    frames = shown.result
    if frames is None:
        return out + not_run(shown.name, shown.record)
    out += [
        f"{len(frames.shots)} shot(s) in {frames.duration:.2f} s of {frames.width}x{frames.height} video; "
        f"{len(frames.keyframes)} keyframe(s), the sharpest frame of each shot (and every few seconds "
        "in long shots), ready for reverse image search.",
        "",
    ]
    if frames.crop:
        out += [
            "The keyframes are the picture without the bars (the whole frames are kept beside "
            "them, in `frames/keyframes/full/`).",
            "",
        ]
    if frames.contact_sheet:
        out += [f"![contact sheet]({shown.base}{frames.contact_sheet})", ""]
    engines = ", ".join(link(e.name, e.upload_url) for e in frames.search_engines)
    out += [
        f"Upload each keyframe to {engines}; sort results by date where the engine allows it.",
        "",
    ]
    out += ["| time | shot | still |", "|---|---|---|"]
    for k in frames.keyframes:
        shot = f"{k.shot + 1} ({stamp(k.shot_start)}–{stamp(k.shot_end)})"
        still = f"{shown.base}{k.file}"
        out.append(
            f"| {stamp(k.time)} | {shot} | [![keyframe {stamp(k.time)}]({still})]({still}) |"
        )
    return [*out, ""]


def concealment(shown: Shown[FramesResult]) -> list[str]:
    out = ["## Concealment signs", ""]
    frames = shown.result
    if frames is None:
        return out + not_run(shown.name, shown.record)
    if not frames.overlays:
        return [*out, "No static bars, boxes, logos or captions were found.", ""]
    out += ["| kind | box (x, y, w, h) | on screen | crop |", "|---|---|---|---|"]
    for o in frames.overlays:
        b = o.box
        kind = o.kind + (f" ({o.fill})" if o.fill else "")
        crop = f"![{o.kind}]({shown.base}{o.file})" if o.file else ""
        out.append(
            f"| {kind} | {b.x}, {b.y}, {b.width}, {b.height} | {stamp(o.start)}–{stamp(o.end)} | {crop} |"
        )
    if frames.crop:
        c = frames.crop
        out += ["", f"Picture without bars: x {c.x}, y {c.y}, {c.width}x{c.height}."]
    return [*out, ""]


OVERLAY_LEVEL: dict[str, Level] = {"opaque-box": "warning", "logo": "notice", "caption": "notice",
                                   "letterbox": "notice", "pillarbox": "notice"}  # fmt: skip


def marks(frames: FramesResult) -> list[Mark]:
    """Shots with their keyframes, and the overlays, for the timeline picture."""
    out = [Mark("shots", s.start, s.end, f"shot {i + 1}") for i, s in enumerate(frames.shots)]
    out += [Mark("shots", k.time, k.time, "keyframe", at=k.time, picture=k.file)
            for k in frames.keyframes]  # fmt: skip
    for o in frames.overlays:
        label = o.kind.replace("-", " ") + (f" ({o.fill})" if o.fill else "")
        out.append(Mark("overlays", o.start, o.end, label, OVERLAY_LEVEL.get(o.kind, "info")))
    return out
