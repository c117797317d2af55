"""The Markdown case report: a pure function of the case folder (it never runs a stage).

Sections, in order: summary of signals, claims against evidence, first-appearance timeline,
then each stage's own section (``Stage.section``, in ``report_order``: source, earlier uploads,
metadata, keyframes and concealment signs, speech), chain of custody, and the limitations each
stage declares (``Stage.limits``).
Every string that comes from the media or the web goes through ``render.md``/``render.code``;
links are made only for http(s) URLs.
"""

from __future__ import annotations

import re
from pathlib import Path

from verifyvid.lanes import LANES
from verifyvid.render import code, md, said
from verifyvid.view import CaseView

SEVERITY_LABEL = {"warning": "⚠ warning", "notice": "notice", "info": "info"}


def render_markdown(data: CaseView, base: str = "", glance: str | None = None) -> str:
    """The report; ``base`` prefixes links to case files when the report lives elsewhere;
    ``glance``: where the timeline picture (report/glance.py) was written, relative to it."""
    name = Path(data.case.manifest.input.path).name
    lines = [
        f"# Verification report: {md(name)}",
        "",
        "This report lists signals found in the file; it gives no verdict. "
        "Each signal says what it does and does not show (see Limitations).",
        "",
    ]
    if glance:
        lanes = "; ".join(
            name for lane, name in LANES.items() if any(m.lane == lane for m in data.marks)
        )
        lines += [
            f"![The case at a glance: the clip's seconds across; lanes: {lanes}]({glance})",
            "",
        ]
    lines += summary(data)
    lines += claims(data)
    lines += timeline(data)
    for stage in sorted(data.stages, key=lambda s: s.report_order):
        lines += stage.section(data.shown(stage, base))
    lines += custody(data)
    lines += limitations(data)
    text, bad = inside_only("\n".join(lines).rstrip() + "\n", data, base)
    if bad:
        text += "\n" + "\n".join(problem(bad)) + "\n"
    return text


LINK = re.compile(r"(!?)\[((?:\\.|[^\]\\])*)\]\((<?)([^)<>\s]+)(>?)\)")


def inside_only(text: str, data: CaseView, base: str) -> tuple[str, list[str]]:
    """Links and images to case files that are not inside the case folder (a received case's
    result naming ``../../tmp/secret.txt``) become plain text; the paths are returned."""
    bad: list[str] = []

    def check(m: re.Match[str]) -> str:
        target = m.group(4)
        if re.match(r"(https?:|#|data:)", target) or not target.startswith(base):
            return m.group(0)
        rel = target[len(base) :]
        if not data.case.escapes(rel):
            return m.group(0)
        bad.append(rel)
        return f"{m.group(2)} (not shown: outside the case folder)"

    for _ in range(3):  # an image inside a link: the image first, then the link
        again = LINK.sub(check, text)
        if again == text:
            break
        text = again
    return text, bad


def problem(paths: list[str]) -> list[str]:
    return [
        "## Problems of this case",
        "",
        "Its results name files outside the case folder; they are neither shown nor linked. A case "
        "made by verifyvid never does this: it was edited after the check (run `verifyvid verify`).",
        "",
        *[f"- {code(p)}" for p in sorted(set(paths))],
        "",
    ]


def summary(data: CaseView) -> list[str]:
    out = ["## Summary of signals", ""]
    if not data.findings:
        out += ["No signals were found by the stages that ran.", ""]
    for stage, f in data.findings:
        out.append(f"- **{SEVERITY_LABEL[f.severity]}** ({md(stage)}): {md(f.message)}")
    out.append("")
    out += ["| stage | status | seconds | note |", "|---|---|---|---|"]
    for name in [s.name for s in data.stages]:
        rec = data.case.manifest.stages.get(name)
        if rec is None:
            out.append(f"| {name} | not run | | not requested in this case |")
            continue
        note = said(rec)
        if rec.fix:
            note += f" Fix: {rec.fix}"
        out.append(f"| {name} | {rec.status} | {rec.seconds:.2f} | {md(note)} |")
    return [*out, ""]


def claims(data: CaseView) -> list[str]:
    out = ["## Claims against evidence", ""]
    checks = data.claim_checks
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


def timeline(data: CaseView) -> list[str]:
    out = [
        "## First-appearance timeline",
        "",
        "| when (UTC) | event | source | reliability |",
        "|---|---|---|---|",
    ]
    for e in data.events:
        out.append(
            f"| {e.when.strftime('%Y-%m-%d %H:%M:%S')} | {md(e.what)} | {md(e.source)} | {md(e.reliability)} |"
        )
    return [
        *out,
        "",
        "Platform upload times and archive first-seen dates appear here when the case has them.",
        "",
    ]


def custody(data: CaseView) -> list[str]:
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
    for f in m.files():
        out.append(f"| {md(f.path)} | {f.size} | {code(f.sha256)} |")
    out += ["", "</details>", "", "`verifyvid verify CASE` recomputes every hash above.", ""]
    return out


def limitations(data: CaseView) -> list[str]:
    out = ["## Limitations", ""]
    for stage in sorted(data.stages, key=lambda s: s.report_order):
        out += [f"- {line}" for line in stage.limits]
    return [*out, ""]
