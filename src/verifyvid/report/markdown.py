"""The Markdown case report: a pure function of the case folder (it never runs a stage).

Sections, in order: summary of signals, claims against evidence, first-appearance timeline,
earlier uploads, metadata, keyframes, concealment signs, speech, chain of custody, limitations.
Every string that comes from the media or the web goes through ``escape.md``/``escape.code``;
links are made only for http(s) URLs.
"""

from __future__ import annotations

from pathlib import Path

from verifyvid.pipeline import registry
from verifyvid.report import sections
from verifyvid.report.data import ReportData, claim_checks, events, load
from verifyvid.report.escape import code, md

SEVERITY_LABEL = {"warning": "⚠ warning", "notice": "notice", "info": "info"}


def render_markdown(case_dir: Path, base: str = "") -> str:
    """The report; ``base`` prefixes links to case files when the report lives elsewhere."""
    data = load(case_dir)
    name = Path(data.case.manifest.input.path).name
    lines = [
        f"# Verification report: {md(name)}",
        "",
        "This report lists signals found in the file; it gives no verdict. "
        "Each signal says what it does and does not show (see Limitations).",
        "",
    ]
    lines += summary(data)
    lines += claims(data)
    lines += timeline(data)
    lines += source(data)
    lines += sections.earlier_uploads(data, base)
    lines += sections.metadata(data)
    lines += sections.keyframes(data, base)
    lines += sections.concealment(data, base)
    lines += sections.speech(data)
    lines += custody(data)
    lines += limitations()
    return "\n".join(lines).rstrip() + "\n"


def summary(data: ReportData) -> list[str]:
    out = ["## Summary of signals", ""]
    if not data.findings:
        out += ["No signals were found by the stages that ran.", ""]
    for stage, f in data.findings:
        out.append(f"- **{SEVERITY_LABEL[f.severity]}** ({md(stage)}): {md(f.message)}")
    out.append("")
    out += ["| stage | status | seconds | note |", "|---|---|---|---|"]
    names = [s.name for s in registry.all_stages()]
    if "acquire" in data.case.manifest.stages:
        names.insert(0, "acquire")
    for name in names:
        rec = data.case.manifest.stages.get(name)
        if rec is None:
            out.append(f"| {name} | not run | | not requested in this case |")
            continue
        note = rec.error or ""
        if rec.fix:
            note += f" Fix: {rec.fix}"
        out.append(f"| {name} | {rec.status} | {rec.seconds:.2f} | {md(note)} |")
    return [*out, ""]


def claims(data: ReportData) -> list[str]:
    out = ["## Claims against evidence", ""]
    checks = claim_checks(data)
    if not checks:
        return [
            *out,
            "No claim was recorded (`--claim-date`, `--claim-place`, `--claim-language`, or `verifyvid claim`).",
            "",
        ]
    out += ["| claim | claimed | what the case shows | comparison |", "|---|---|---|---|"]
    for c in checks:
        out.append(f"| {c.kind} | {md(c.claimed)} | {md(c.evidence)} | {c.verdict} |")
    return [*out, ""]


def timeline(data: ReportData) -> list[str]:
    out = [
        "## First-appearance timeline",
        "",
        "| when (UTC) | event | source | reliability |",
        "|---|---|---|---|",
    ]
    for e in events(data):
        out.append(
            f"| {e.when.strftime('%Y-%m-%d %H:%M:%S')} | {md(e.what)} | {md(e.source)} | {md(e.reliability)} |"
        )
    return [
        *out,
        "",
        "Platform upload times and archive first-seen dates appear here when the case has them.",
        "",
    ]


def source(data: ReportData) -> list[str]:
    src = data.source
    if src is None:
        return []
    out = ["## Source", ""]
    rows = [
        ("Link", src.url), ("Platform", src.extractor), ("Page", src.webpage_url), ("Uploader", src.uploader),
        ("Channel", src.channel), ("Uploaded (UTC)", src.upload_time.strftime("%Y-%m-%d %H:%M:%S") if src.upload_time else None),
        ("Title", src.title), ("Views", src.view_count), ("Likes", src.like_count),
        ("Downloaded (UTC)", src.captured.strftime("%Y-%m-%d %H:%M:%S") if src.captured else None), ("Downloader", src.tool),
        ("SHA-256 at acquisition", src.sha256),
    ]  # fmt: skip
    out += ["| field | value |", "|---|---|"]
    out += [f"| {k} | {md(str(v))} |" for k, v in rows if v not in (None, "")]
    if src.description:
        out += ["", f"**Description**: {md(src.description[:1000])}"]
    return [*out, ""]


def custody(data: ReportData) -> list[str]:
    m = data.case.manifest
    out = ["## Chain of custody", ""]
    out.append(
        f"- Input: {code(m.input.path)} ({m.input.size} bytes, modified {m.input.mtime.isoformat()})"
    )
    if m.input.url:
        out.append(f"- Acquired from: {code(m.input.url)}")
    out += [f"- SHA-256 {code(m.input.sha256)}", f"- MD5 {code(m.input.md5)}"]
    out.append(f"- Case opened {m.created.isoformat()}, last updated {m.updated.isoformat()}")
    out.append(
        f"- verifyvid {m.tool.verifyvid}, Python {m.tool.python}, ffmpeg {md(m.tool.ffmpeg or 'unknown')}"
    )
    libs = ", ".join(f"{k} {v}" for k, v in sorted(m.tool.libraries.items()))
    out += [f"- Libraries: {md(libs)}", "", "| stage | version | parameters |", "|---|---|---|"]
    for name, rec in m.stages.items():
        params = ", ".join(f"{k}={v}" for k, v in rec.params.items())
        out.append(f"| {md(name)} | {md(rec.version)} | {md(params)} |")
    out += [
        "",
        "<details><summary>SHA-256 of every case file</summary>",
        "",
        "| file | bytes | SHA-256 |",
        "|---|---|---|",
    ]
    for rec in m.stages.values():
        for f in rec.files:
            out.append(f"| {md(f.path)} | {f.size} | {code(f.sha256)} |")
    out += ["", "</details>", "", "`verifyvid verify CASE` recomputes every hash above.", ""]
    return out


def limitations() -> list[str]:
    return [
        "## Limitations",
        "",
        "- No match in an archive or a reverse image search does not mean the footage is original or new.",
        "- Metadata can be edited, removed or forged with free tools; its presence is not proof of "
        "origin and its absence is not proof of manipulation.",
        "- QuickTime/MP4 header times are often the device's local time even though the format says "
        "UTC; compare them with other evidence before relying on a date.",
        "- Keyframes are chosen automatically; search more frames by hand when a shot matters.",
        "- Overlay detection finds regions that stay fixed while the picture changes; in a single "
        "static shot, fixed scenery and overlays cannot be told apart, and a caption that changes "
        "every few seconds is not reported.",
        "- Spoken-language detection says what the speech sounds like, not who speaks or where they "
        "come from; small Whisper models confuse close languages and handle low-resource languages "
        "such as Kazakh poorly.",
        "",
    ]
