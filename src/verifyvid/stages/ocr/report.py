"""The report's On-screen text section, from the ocr stage's result."""

from __future__ import annotations

from urllib.parse import quote

from verifyvid.lanes import Mark
from verifyvid.render import link, md, not_run, stamp
from verifyvid.stage import Shown
from verifyvid.stages.ocr.models import Lead, OcrResult


def on_screen_text(shown: Shown[OcrResult]) -> list[str]:
    out = ["## On-screen text", ""]
    result = shown.result
    if result is None:
        return out + not_run(shown.name, shown.record)
    carried = (f"; {result.unchanged} showing the same picture as the frame read before them, not read again"
               if result.unchanged else "")  # fmt: skip
    faint = (f" {result.faint} short reading(s) left out: not read surely in two frames "
             "(often letters read into a texture)." if result.faint else "")  # fmt: skip
    out += [
        f"Read by {md('; '.join(result.engines))}, {result.fps:g} frame(s) a second ({result.frames} frames{carried}).{faint}",
        "",
    ]
    if result.unreadable:
        out += [
            f"No model for {md(', '.join(result.unreadable))} on this machine: such text is missed or misread.",
            "",
        ]
    if not result.items:
        return [*out, "No text was read in the picture.", ""]
    out += [
        "| on screen | text | language | confidence | read by | where | crop |",
        "|---|---|---|---|---|---|---|",
    ]
    for item in result.items:
        when = ", ".join(f"{stamp(s.start)}–{stamp(s.end)}" for s in item.spans[:4])
        where = (item.region or "") + (" (moving)" if item.moving else "")
        crop = f"![text]({shown.base}{item.crop})"
        out.append(f"| {when} | {md(item.text)} | {md(item.language or item.script)} | {item.confidence:.2f} | "
                   f"{md(item.engine)} | {md(where)} | {crop} |")  # fmt: skip
    out.append("")
    if result.leads:
        out += ["Leads in the text (search them; the text can be copied onto any footage):", ""]
        out += [
            f"- {lead.kind} {md(lead.value)}: {', '.join(links(lead))}" for lead in result.leads
        ]
        out.append("")
    return out


def links(lead: Lead) -> list[str]:
    out = []
    if lead.kind == "handle":
        out.append(link("Telegram", f"https://t.me/{quote(lead.value.lstrip('@'))}"))
    if lead.kind == "url":
        url = (
            lead.value
            if lead.value.lower().startswith(("http://", "https://"))
            else f"https://{lead.value}"
        )
        out.append(link("open", url))
    out.append(
        link("web search", f"https://duckduckgo.com/?q={quote(chr(34) + lead.value + chr(34))}")
    )
    return out


def marks(result: OcrResult) -> list[Mark]:
    """When each text is on screen."""
    return [Mark("text", s.start, s.end, item.text) for item in result.items for s in item.spans]
