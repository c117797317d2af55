"""The Markdown case report: a pure function of the case folder (it never runs a stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verifyvid.case.folder import Case, read_manifest
from verifyvid.case.manifest import DONE
from verifyvid.findings import Finding, ranked
from verifyvid.pipeline import registry
from verifyvid.pipeline.stage import Result
from verifyvid.report.escape import code, link, md
from verifyvid.stages.frames.models import FramesResult
from verifyvid.stages.frames.output import stamp
from verifyvid.stages.meta.models import MetaResult

SEVERITY_LABEL = {"warning": "⚠ warning", "notice": "notice", "info": "info"}


def load_results(case: Case) -> dict[str, Result]:
    out: dict[str, Result] = {}
    for stage in registry.all_stages():
        record = case.manifest.stages.get(stage.name)
        if record is not None and record.status in DONE:
            result = case.load_result(stage.name, stage.result_model)
            if result is not None:
                out[stage.name] = result
    return out


def render_markdown(case_dir: Path) -> str:
    case = Case(case_dir, read_manifest(case_dir))
    results = load_results(case)
    lines: list[str] = []
    inp = case.manifest.input
    lines += [f"# Verification report: {md(Path(inp.path).name)}", ""]
    lines += [
        "This report lists signals found in the file; it gives no verdict. "
        "Each signal says what it does and does not show (see Limitations).",
        "",
    ]
    lines += summary(results)
    lines += stages_table(case)
    meta = results.get("meta")
    if isinstance(meta, MetaResult):
        lines += meta_section(meta)
    frames = results.get("frames")
    if isinstance(frames, FramesResult):
        lines += frames_section(frames)
    lines += custody(case)
    lines += limitations()
    return "\n".join(lines).rstrip() + "\n"


def summary(results: dict[str, Result]) -> list[str]:
    findings: list[tuple[str, Finding]] = [(n, f) for n, r in results.items() for f in r.findings]
    order = {id(f): i for i, f in enumerate(ranked([f for _, f in findings]))}
    findings.sort(key=lambda nf: order[id(nf[1])])
    out = ["## Summary of signals", ""]
    if not findings:
        return [*out, "No signals were found by the stages that ran.", ""]
    for stage, f in findings:
        out.append(f"- **{SEVERITY_LABEL[f.severity]}** ({md(stage)}): {md(f.message)}")
    return [*out, ""]


def stages_table(case: Case) -> list[str]:
    out = ["## Stages", "", "| stage | status | seconds | note |", "|---|---|---|---|"]
    for stage in registry.all_stages():
        rec = case.manifest.stages.get(stage.name)
        if rec is None:
            out.append(f"| {stage.name} | not run | | |")
            continue
        note = rec.error or ""
        if rec.fix:
            note += f" Fix: {rec.fix}"
        out.append(f"| {stage.name} | {rec.status} | {rec.seconds:.2f} | {md(note)} |")
    return [*out, ""]


def meta_section(meta: MetaResult) -> list[str]:
    dev, enc, c = meta.device, meta.encoder, meta.container
    out = ["## Metadata", ""]
    rows: list[tuple[str, Any]] = [
        (
            "Container",
            f"{c.format_long or c.format}" + (f" (brand {c.major_brand})" if c.major_brand else ""),
        ),
        ("Duration", f"{c.duration:.2f} s ({c.duration_source})" if c.duration else "unknown"),
        ("Device", " ".join(x for x in (dev.make, dev.model) if x) or "not recorded"),
        ("Device software", dev.software or dev.firmware or "not recorded"),
        ("Encoder", f"{enc.name or 'unknown'} ({enc.kind})"),
    ]
    for v in (s for s in meta.streams if s.type in ("video", "audio")):
        if v.type == "video":
            desc = f"{v.codec} {v.width}x{v.height}"
            if v.average_frame_rate:
                desc += f" @ {v.average_frame_rate:g} fps"
            if v.rotation:
                desc += f", rotated {v.rotation}°"
        else:
            desc = f"{v.codec} {v.sample_rate} Hz, {v.channels} ch"
        rows.append((f"Stream {v.index} ({v.type})", desc))
    out += ["| field | value |", "|---|---|"]
    out += [f"| {k} | {md(str(v))} |" for k, v in rows]
    out.append("")
    if meta.creation_time:
        t = meta.creation_time
        out += [
            "**Creation time**: "
            + f"{md(t.as_written)} as written"
            + (f", {t.utc.isoformat()} UTC" if t.utc else "")
            + f", from {md(t.source)}. Caveat: {md(t.caveat)}.",
            "",
        ]
        others = [x for x in meta.creation_times if x != t]
        for x in others:
            out.append(f"- also {md(x.as_written)} from {md(x.source)} ({md(x.caveat)})")
        if others:
            out.append("")
    else:
        out += ["**Creation time**: not recorded.", ""]
    if meta.gps:
        g = meta.gps
        where = f"{g.latitude:.6f}, {g.longitude:.6f}" + (
            f", altitude {g.altitude:g} m" if g.altitude is not None else ""
        )
        out += [f"**GPS**: {where} ({md(g.source)}), {link('map', g.osm_url)}", ""]
    out += [f"**File hashes**: SHA-256 {code(meta.sha256)}, MD5 {code(meta.md5)}", ""]
    return out


def frames_section(frames: FramesResult) -> list[str]:
    out = ["## Keyframes", ""]
    out.append(
        f"{len(frames.shots)} shot(s) in {frames.duration:.2f} s of {frames.width}x{frames.height} video; "
        f"{len(frames.keyframes)} keyframe(s), the sharpest frame of each shot (and every "
        "few seconds in long shots), ready for reverse image search."
    )
    out.append("")
    if frames.contact_sheet:
        out += [f"![contact sheet]({frames.contact_sheet})", ""]
    engines = ", ".join(link(e.name, e.upload_url) for e in frames.search_engines)
    out += [
        f"Upload each keyframe to: {engines}. Sort results by date where the engine allows it.",
        "",
    ]
    out += ["| time | shot | file |", "|---|---|---|"]
    for k in frames.keyframes:
        out.append(
            f"| {stamp(k.time)} | {k.shot + 1} ({stamp(k.shot_start)}–{stamp(k.shot_end)}) | "
            f"[{md(k.file)}]({k.file}) |"
        )
    out.append("")
    out += ["## Concealment signs", ""]
    if not frames.overlays:
        out += ["No static bars, boxes, logos or captions were found.", ""]
        return out
    out += ["| kind | box (x, y, w, h) | on screen | crop |", "|---|---|---|---|"]
    for o in frames.overlays:
        b = o.box
        kind = o.kind + (f" ({o.fill})" if o.fill else "")
        crop = f"![{o.kind}]({o.file})" if o.file else ""
        out.append(
            f"| {kind} | {b.x}, {b.y}, {b.width}, {b.height} | {stamp(o.start)}–{stamp(o.end)} | {crop} |"
        )
    out.append("")
    return out


def custody(case: Case) -> list[str]:
    m = case.manifest
    out = ["## Chain of custody", ""]
    out += [
        f"- Input: {code(m.input.path)} ({m.input.size} bytes, modified {m.input.mtime.isoformat()})"
    ]
    if m.input.url:
        out.append(f"- Acquired from: {link(m.input.url, m.input.url)}")
    out += [f"- SHA-256 {code(m.input.sha256)}", f"- MD5 {code(m.input.md5)}"]
    out.append(
        f"- verifyvid {m.tool.verifyvid}, Python {m.tool.python}, ffmpeg {md(m.tool.ffmpeg or 'unknown')}"
    )
    libs = ", ".join(f"{k} {v}" for k, v in sorted(m.tool.libraries.items()))
    out += [f"- Libraries: {md(libs)}", ""]
    return out


def limitations() -> list[str]:
    return [
        "## Limitations",
        "",
        "- Metadata can be edited, removed or forged with free tools; its presence is not proof of "
        "origin and its absence is not proof of manipulation.",
        "- QuickTime/MP4 header times are often the device's local time even though the format says "
        "UTC; compare them with other evidence before relying on a date.",
        "- Keyframes are chosen automatically; a reverse image search with no result does not mean "
        "the footage is new, only that these stills were not found.",
        "- Overlay detection finds regions that stay fixed while the picture changes; in a single "
        "static shot, fixed scenery and overlays cannot be told apart, and a caption that changes "
        "every few seconds is not reported.",
        "",
    ]
