"""Report sections for the media stages: metadata, keyframes, concealment signs, speech."""

from __future__ import annotations

from typing import Any

from verifyvid.report.data import ReportData
from verifyvid.report.escape import code, link, md
from verifyvid.stages.frames.models import FramesResult
from verifyvid.stages.frames.output import stamp
from verifyvid.stages.meta.models import MetaResult
from verifyvid.stages.search.models import Match, SearchResult
from verifyvid.stages.transcribe.models import TranscribeResult

REGIONS = {"whole": "whole", "inset": "inner picture", "local": "local features"}


def closeness(m: Match) -> str:
    """Hash matches: median distance of 256 bits; local-feature matches: median inliers."""
    if m.median_distance is None:
        return f"{m.inliers or 0:g} keypoints"
    return f"{m.median_distance:g} / 256"


def not_run(data: ReportData, stage: str) -> list[str]:
    rec = data.case.manifest.stages.get(stage)
    if rec is None:
        return [f"The {stage} stage did not run in this case.", ""]
    why = f": {md(rec.error)}" if rec.error else ""
    fix = f" Fix: {md(rec.fix)}" if rec.fix else ""
    return [f"The {stage} stage is **{rec.status}**{why}.{fix}", ""]


def earlier_uploads(data: ReportData, base: str) -> list[str]:
    out = ["## Earlier uploads", ""]
    found = data.result("search", SearchResult)
    if found is None:
        out += not_run(data, "search")
        return [*out, "Search the keyframes below with the reverse image search engines.", ""]
    a = found.archive
    out += [f"Searched the archive of known videos ({a.engine}, {code(a.location)}: {a.videos} videos, "
            f"{a.hashes} frame hashes, generation {a.generation}) with {found.query_hashes} frame hashes "
            f"of this clip ({found.query_duration:.1f} s).", ""]  # fmt: skip
    for v in found.identical:
        title = link(v.title, v.source) if v.source else md(v.title)
        out += [f"**This exact file** (the same SHA-256) is archived as #{v.ref_id} {title}, first seen "
                f"{md(v.first_seen or 'unknown')}.", ""]  # fmt: skip
    if not found.matches:
        return [
            *out,
            "**No match.** This archive holds no video sharing this clip's frames in time order. "
            "That does not mean the footage is new or original: it may be elsewhere (search the "
            "keyframes below with the reverse image search engines).",
            "",
        ]
    out += ["| # | this clip (s) | archived video (s) | archived video | first seen | speed | mirrored | region | frames | closeness | score |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for n, m in enumerate(found.matches, 1):
        title = link(m.title, m.source) if m.source else md(m.title)
        ref = "several places" if m.ambiguous else f"{m.ref_start:.1f}-{m.ref_end:.1f}"
        out.append(f"| {n} | {m.query_start:.1f}-{m.query_end:.1f} | {ref} | "
                   f"#{m.ref_id} {title} | {md(m.first_seen or 'unknown')} | {m.speed:g} | "
                   f"{'yes' if m.mirrored else 'no'} | {REGIONS.get(m.region, m.region)} | {m.matched_frames} | {closeness(m)} | {m.score:.2f} |")  # fmt: skip
    out.append("")
    for n, m in enumerate(found.matches, 1):
        where = f" (archived file: {code(m.ref_path)})" if m.ref_path else ""
        if m.ambiguous:
            out.append(f"**Match {n}**: seconds {m.query_start:.1f}-{m.query_end:.1f} of this clip match "
                       f"#{m.ref_id} {md(m.title)}{where} at several places equally well (a still or "
                       f"repeated shot): which of its seconds cannot be told (one of them: "
                       f"{m.ref_start:.1f}-{m.ref_end:.1f}).")  # fmt: skip
        else:
            out.append(f"**Match {n}**: seconds {m.query_start:.1f}-{m.query_end:.1f} of this clip are seconds "
                       f"{m.ref_start:.1f}-{m.ref_end:.1f} of #{m.ref_id} {md(m.title)}{where}.")  # fmt: skip
        if m.median_distance is None:
            out.append(f"{m.matched_frames} frames (one a second) verified in time order by local features: "
                       f"a median of {m.inliers or 0:g} keypoints per frame pair agree on one rotation, scale "
                       "and shift of the picture (a cropped, turned or partly covered copy); score "
                       f"{m.score:.2f} ranks matches by coverage, agreement and frames, it is not a probability.")  # fmt: skip
        else:
            out.append(f"{m.matched_frames} frames matched in time order (resting on {m.evidence:g} distinct archived "
                       "frames: one that matches several places counts less); median distance "
                       f"{m.median_distance:g} of 256 bits (0: the same picture; unrelated pictures differ by "
                       f"about 128); score {m.score:.2f} ranks matches by coverage, closeness and frames, "
                       "it is not a probability.")  # fmt: skip
        if m.image:
            out += ["", f"![match {n}: this clip above, the archived video below]({base}{m.image})"]
        if m.pairs:
            out += [
                "",
                f"![match {n}: frames of this clip (left) beside the archived video's at the matched seconds (right)]({base}{m.pairs})",
            ]
        out.append("")
    return [
        *out,
        "A match means the two videos share frames in the same order; which one came first is "
        "told by the first-seen dates, not by the hashes. Open both videos and compare.",
        "",
    ]


def metadata(data: ReportData) -> list[str]:
    out = ["## Metadata", ""]
    meta = data.result("meta", MetaResult)
    if meta is None:
        return out + not_run(data, "meta")
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
    notes = [f for name, f in data.findings if name == "meta"]
    out += [f"- {f.severity}: {md(f.message)}" for f in notes] + ([""] if notes else [])
    return out


def keyframes(data: ReportData, base: str) -> list[str]:
    out = ["## Keyframes", ""]
    frames = data.result("frames", FramesResult)
    if frames is None:
        return out + not_run(data, "frames")
    out += [
        f"{len(frames.shots)} shot(s) in {frames.duration:.2f} s of {frames.width}x{frames.height} video; "
        f"{len(frames.keyframes)} keyframe(s), the sharpest frame of each shot (and every few seconds "
        "in long shots), ready for reverse image search.",
        "",
    ]
    if frames.contact_sheet:
        out += [f"![contact sheet]({base}{frames.contact_sheet})", ""]
    engines = ", ".join(link(e.name, e.upload_url) for e in frames.search_engines)
    out += [
        f"Upload each keyframe to {engines}; sort results by date where the engine allows it.",
        "",
    ]
    out += ["| time | shot | still |", "|---|---|---|"]
    for k in frames.keyframes:
        shot = f"{k.shot + 1} ({stamp(k.shot_start)}–{stamp(k.shot_end)})"
        still = f"{base}{k.file}"
        out.append(
            f"| {stamp(k.time)} | {shot} | [![keyframe {stamp(k.time)}]({still})]({still}) |"
        )
    return [*out, ""]


def concealment(data: ReportData, base: str) -> list[str]:
    out = ["## Concealment signs", ""]
    frames = data.result("frames", FramesResult)
    if frames is None:
        return out + not_run(data, "frames")
    if not frames.overlays:
        return [*out, "No static bars, boxes, logos or captions were found.", ""]
    out += ["| kind | box (x, y, w, h) | on screen | crop |", "|---|---|---|---|"]
    for o in frames.overlays:
        b = o.box
        kind = o.kind + (f" ({o.fill})" if o.fill else "")
        crop = f"![{o.kind}]({base}{o.file})" if o.file else ""
        out.append(
            f"| {kind} | {b.x}, {b.y}, {b.width}, {b.height} | {stamp(o.start)}–{stamp(o.end)} | {crop} |"
        )
    if frames.crop:
        c = frames.crop
        out += ["", f"Picture without bars: x {c.x}, y {c.y}, {c.width}x{c.height}."]
    return [*out, ""]


def speech(data: ReportData, excerpt: int = 20) -> list[str]:
    out = ["## Speech", ""]
    r = data.result("transcribe", TranscribeResult)
    if r is None:
        return out + not_run(data, "transcribe")
    out.append(
        f"Whisper model {code(r.model)} ({'faster-whisper' if r.engine == 'faster' else 'openai-whisper'}); "
        f"{r.speech_seconds:.1f} s of speech in {r.audio_seconds:.1f} s of audio."
    )
    out.append("")
    if not r.verdict.languages:
        return [*out, "No speech was found.", ""]
    verdict = r.verdict_words()
    if r.verdict.abstained:
        out += [f"**Spoken language**: {md(verdict)}. The evidence does not separate these languages; "
                "a single name would be a guess.", ""]  # fmt: skip
    else:
        among = " among the candidates you gave" if r.candidates else ""
        out += [f"**Spoken language**{among}: {md(verdict)}.", ""]
    out += [f"How: {md(r.verdict.method)}.", ""]
    if r.candidates:
        cand = ", ".join(f"{md(s.name)} {s.probability:.0%}" for s in r.candidates)
        out += [f"**Among the candidates you gave** (`--languages`): {cand}.", ""]
    top = ", ".join(f"{md(s.name)} ({s.code}) {s.probability:.0%}" for s in r.languages)
    out += [f"**Detection over all the speech, unrestricted** (top 5): {top}.", ""]
    out += ["| from | to | language | probability |", "|---|---|---|---|"]
    out += [
        f"| {stamp(s.start)} | {stamp(s.end)} | {md(' or '.join(s.languages))} | {s.probability:.0%} |"
        for s in r.timeline
    ]
    out += ["", "**Transcript** (excerpt):", ""]
    out += [f"- `{stamp(s.start)}` ({md(s.language)}) {md(s.text)}" for s in r.segments[:excerpt]]
    if len(r.segments) > excerpt:
        out.append(f"- … {len(r.segments) - excerpt} more segments in transcribe/transcript.txt")
    if r.translation and r.translation_reliable is False:
        out += ["", "**English translation**: not shown, because it would be unreliable: "
                + md("; ".join(r.translation_warnings)) + ". Have the transcript translated by a person "
                "(the machine translation is kept in transcribe/translation.srt).", ""]  # fmt: skip
    elif r.translation:
        out += ["", "**English translation** (machine, excerpt):", ""]
        out += [f"- `{stamp(s.start)}` {md(s.text)}" for s in r.translation[:excerpt]]
    return [*out, ""]
