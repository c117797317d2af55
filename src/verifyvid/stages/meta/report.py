"""The report's Metadata section, from the meta stage's result."""

from __future__ import annotations

from typing import Any

from verifyvid.render import link, md, not_run
from verifyvid.stage import Shown
from verifyvid.stages.meta.models import MetaResult


def metadata(shown: Shown[MetaResult]) -> list[str]:
    out = ["## Metadata", ""]
    meta = shown.result
    if meta is None:
        return out + not_run(shown.name, shown.record)
    dev, enc, c = meta.device, meta.encoder, meta.container
    rows: list[tuple[str, Any]] = [
        (
            "Container",
            f"{c.format_long or c.format}" + (f" (brand {c.major_brand})" if c.major_brand else ""),
        ),
        ("Duration", f"{c.duration:.2f} s ({c.duration_source})" if c.duration else "unknown"),
        ("Device", " ".join(x for x in (dev.make, dev.model) if x) or "not recorded"),
        (
            "Device software",
            " / ".join(x for x in (dev.software, dev.firmware) if x) or "not recorded",
        ),
        ("Encoder", f"{enc.name or 'unknown'} ({enc.kind})"),
    ]
    for s in meta.streams:
        if s.type == "video":
            desc = f"{s.codec} {s.width}x{s.height}"
            desc += f" @ {s.average_frame_rate:g} fps" if s.average_frame_rate else ""
            desc += f", rotated {s.rotation}°" if s.rotation else ""
        elif s.type == "audio":
            desc = f"{s.codec} {s.sample_rate} Hz, {s.channels} ch"
        else:
            continue
        rows.append((f"Stream {s.index} ({s.type})", desc))
    out += ["| field | value |", "|---|---|", *[f"| {k} | {md(str(v))} |" for k, v in rows], ""]
    if meta.creation_time:
        t = meta.creation_time
        utc = f", {t.utc.strftime('%Y-%m-%d %H:%M:%S')} UTC" if t.utc else ""
        out += [
            f"**Creation time**: {md(t.as_written)} as written{utc}, from {md(t.source)}. Caveat: {md(t.caveat)}.",
            "",
        ]
        for x in meta.creation_times:
            if x != t:
                out.append(f"- also {md(x.as_written)} from {md(x.source)} ({md(x.caveat)})")
        out.append("")
    else:
        out += ["**Creation time**: not recorded.", ""]
    if meta.gps:
        g = meta.gps
        alt = f", altitude {g.altitude:g} m" if g.altitude is not None else ""
        out += [
            f"**GPS**: {g.latitude:.6f}, {g.longitude:.6f}{alt} ({md(g.source)}), {link('map', g.osm_url)}",
            "",
        ]
    else:
        out += ["**GPS**: not recorded.", ""]
    if meta.gop:
        gop = meta.gop
        interval = f"every {gop.interval_frames:g} frames" if gop.interval_frames else "once"
        out += [
            f"**GOP**: {gop.keyframes} keyframes ({interval}), B-frames {'yes' if gop.b_frames else 'no'}.",
            "",
        ]
    if meta.tags:
        out += [
            "**Tags typed into the file** (what a person or an app wrote; anyone can edit them):",
            "",
        ]
        names = sorted({t.name for t in meta.tags})
        for name in names:
            values = [f"{md(t.value)} ({md(t.where)})" for t in meta.tags if t.name == name]
            out.append(f"- {md(name)}: " + "; ".join(values))
        out.append("")
    notes = shown.findings
    out += [f"- {f.severity}: {md(f.message)}" for f in notes] + ([""] if notes else [])
    return out
