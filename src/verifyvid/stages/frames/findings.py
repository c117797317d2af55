"""Findings of the `frames` stage (what they prove: docs/findings.md)."""

from __future__ import annotations

from verifyvid.findings import Finding, Severity
from verifyvid.stages.frames.models import FramesResult


def find(result: FramesResult) -> list[Finding]:
    out: list[Finding] = []
    rules: list[tuple[str, str, Severity, str]] = [
        (
            "opaque-box",
            "frames.opaque-box",
            "warning",
            "An opaque box stays fixed over part of the picture: concealment added after filming (e.g. over faces)",
        ),
        (
            "logo",
            "frames.logo",
            "notice",
            "A static logo or watermark: the clip passed through a channel or app that stamps its mark",
        ),
        ("caption", "frames.caption", "notice", "Burned-in text stays fixed over the picture"),
    ]
    for kind, fid, severity, message in rules:
        boxes = [o for o in result.overlays if o.kind == kind]
        if boxes:
            out.append(
                Finding(
                    id=fid,
                    severity=severity,
                    message=f"{message} ({len(boxes)} region(s))",
                    evidence={"boxes": [o.box.model_dump() for o in boxes]},
                )
            )
    bars = [o for o in result.overlays if o.kind in ("letterbox", "pillarbox")]
    if bars:
        fills = sorted({o.fill or "?" for o in bars})
        out.append(
            Finding(
                id="frames.bars",
                severity="notice",
                message=f"{'/'.join(sorted({o.kind for o in bars}))} bars ({', '.join(fills)}) frame the picture: "
                "re-framed for another aspect ratio after filming",
                evidence={"crop": result.crop.model_dump() if result.crop else None},
            )
        )
    if result.decode_errors:
        out.append(
            Finding(
                id="frames.decode-errors",
                severity="notice",
                message=f"{result.decode_errors} packets could not be decoded: the file is damaged",
                evidence={"errors": result.decode_errors},
            )
        )
    out.append(
        Finding(
            id="frames.shots",
            severity="info",
            message=f"{len(result.shots)} shot(s), {len(result.keyframes)} keyframe(s) for reverse image search",
            evidence={},
        )
    )
    return out
