"""The report as one self-contained HTML page: the Markdown report rendered, case images embedded,
the timeline picture inline (report/glance.py), and, when the case holds its input, a player
that every timed item seeks. One inline script, allowed by its hash in a strict CSP; no network.

Keys: ``n``/``p`` move between findings; Enter on a focused timed item seeks to it.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import mimetypes
import os
import re
from pathlib import Path

from markdown_it import MarkdownIt
from PIL import Image

from verifyvid.findings import Finding
from verifyvid.report import glance
from verifyvid.report.markdown import render_markdown
from verifyvid.view import CaseView

STYLE = """body{font-family:system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;line-height:1.45}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .5rem;vertical-align:top}
img{max-width:100%}code{background:#f4f4f4;padding:0 .2rem;word-break:break-all}
.glance svg{width:100%;height:auto}.seek{cursor:pointer}
a.seek{color:#0b5394}tr[data-start]:hover{background:#f3f7fc}
.players{display:flex;gap:1rem;flex-wrap:wrap;position:sticky;top:0;background:#fff;padding:.3rem 0;z-index:1}
.players figure{margin:0;flex:1 1 20rem}.players .side{flex-basis:100%;margin:0}.players video{width:100%;max-height:32vh;background:#000}
:focus-visible{outline:3px solid #0072B2;outline-offset:2px}
li.finding:focus{background:#fff4d6}
g.seek:focus rect,g.seek:focus path{stroke:#000;stroke-width:2}
@media print{.players,.no-print,.glance figcaption{display:none}body{max-width:none;margin:0}a{color:inherit;text-decoration:none}
tr,li,img,svg{break-inside:avoid}}"""

SCRIPT = """(function(){
var v=document.getElementById('player');
var line=document.querySelector('.glance #playhead line, .glance #playhead path');
var axis=document.querySelector('.glance #axis path, .glance #axis rect');
var svg=document.querySelector('.glance svg');
function seek(t){if(!v||isNaN(t))return;v.currentTime=t;move(t);}
function move(t){if(!line||!axis||!svg)return;var d=parseFloat(svg.getAttribute('data-duration'));
if(!(d>0))return;var b=axis.getBBox();line.parentNode.setAttribute('transform','translate('+(b.width*t/d)+',0)');
line.style.strokeOpacity=1;line.style.opacity=1;}
if(v){v.addEventListener('timeupdate',function(){move(v.currentTime);});}
document.addEventListener('click',function(e){
var s=e.target.closest('[data-start]');if(!s)return;
if(s.tagName==='A')e.preventDefault();seek(parseFloat(s.getAttribute('data-start')));});
document.addEventListener('keydown',function(e){
var a=document.activeElement;
if((e.key==='Enter'||e.key===' ')&&a&&a.hasAttribute('data-start')&&a.tagName!=='A'){e.preventDefault();seek(parseFloat(a.getAttribute('data-start')));return;}
if(e.key!=='n'&&e.key!=='p')return;if(a&&(a.tagName==='VIDEO'||a.tagName==='INPUT'))return;
var f=Array.prototype.slice.call(document.querySelectorAll('li.finding'));if(!f.length)return;
var i=f.indexOf(a);i=e.key==='n'?Math.min(i+1,f.length-1):Math.max(i-1,0);f[i].focus();e.preventDefault();});
var both=document.querySelectorAll('button[data-ref]');
Array.prototype.forEach.call(both,function(b){b.addEventListener('click',function(){
var r=document.getElementById('ref-'+b.getAttribute('data-ref'));if(!v||!r)return;
v.currentTime=parseFloat(b.getAttribute('data-start'));r.currentTime=parseFloat(b.getAttribute('data-ref-start'));
v.play();r.play();});});
})();"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; media-src 'self' file:; "
       f"script-src 'sha256-{base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()}'")  # fmt: skip
STAMP = re.compile(r"(?<![\w:.])(?:(\d+):)?(\d{1,2}):(\d{2}\.\d{3})(?![\w.])")
TAG = re.compile(r"(<[^>]+>)")


def seconds_of(m: re.Match[str]) -> float:
    return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))


def seekable(body: str) -> str:
    """Each time stamp of the text (m:ss.sss) becomes a link that seeks the player, as do the
    report's ``#t=`` links; time stamps inside links and attributes are left alone."""
    body = re.sub(r'<a href="#t=([\d.]+)">', r'<a href="#t=\1" class="seek" data-start="\1">', body)
    parts = TAG.split(body)
    inside = 0
    for i, part in enumerate(parts):
        if part.startswith("<"):
            inside += 1 if re.match(r"<a[\s>]", part) else -1 if part.startswith("</a") else 0
            continue
        if inside == 0:
            parts[i] = STAMP.sub(
                lambda m: (
                    f'<a href="#t={seconds_of(m):.3f}" class="seek" '
                    f'data-start="{seconds_of(m):.3f}">{m.group(0)}</a>'
                ),
                part,
            )
    return "".join(parts)


def moment(finding: Finding) -> float | None:
    """The second of the clip a finding is about, when it names one (a match's start)."""
    query = finding.evidence.get("query")
    if isinstance(query, list) and query and isinstance(query[0], int | float):
        return float(query[0])
    return None


def findings_focusable(body: str, findings: list[Finding]) -> str:
    """The summary's findings (its first list) can be reached with n/p, and seek when timed."""
    head = body.find("<h2>Summary of signals</h2>")
    start, end = body.find("<ul>", head), body.find("</ul>", head)
    if head < 0 or start < 0 or end < 0:
        return body
    items = body[start:end].split("<li>")
    out = [items[0]]
    for n, item in enumerate(items[1:]):
        t = moment(findings[n]) if n < len(findings) else None
        timed = (
            f' data-start="{t:.3f}" class="finding seek"' if t is not None else ' class="finding"'
        )
        out.append(f'<li tabindex="0"{timed}>' + item)
    return body[:start] + "".join(out) + body[end:]


def rows_seekable(body: str) -> str:
    """A table row whose first timed link seeks: a click anywhere on the row seeks there."""

    def row(m: re.Match[str]) -> str:
        first = re.search(r'data-start="([\d.]+)"', m.group(0))
        if first is None:
            return m.group(0)
        return f'<tr data-start="{first.group(1)}" class="seek">' + m.group(0)[4:]

    return re.sub(r"<tr>.*?</tr>", row, body, flags=re.S)


SHOWN_SIDE = 480  # pixels: pictures embedded in the page are at most this wide or high


def shrunk(path: Path) -> tuple[str, bytes]:
    """A case picture as the page embeds it: its own bytes when small, else a copy at most
    ``SHOWN_SIDE`` pixels a side (the full picture stays in the case, linked)."""
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if not kind.startswith("image/"):
        return kind, path.read_bytes()
    with Image.open(path) as opened:
        if max(opened.size) <= SHOWN_SIDE:
            return kind, path.read_bytes()
        image = opened.convert("RGB")
    image.thumbnail((SHOWN_SIDE, SHOWN_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82)
    return "image/jpeg", out.getvalue()


def relative(target: Path, folder: Path) -> str:
    return os.path.relpath(target.resolve(), folder.resolve()).replace(os.sep, "/")


def players(data: CaseView, folder: Path) -> str:
    """The clip's player when the case holds its input, and the archived videos' at hand."""
    root = data.case.root.resolve()
    clip = data.case.input_path.resolve()
    if not clip.is_relative_to(root) or not clip.is_file():
        return ('<p class="no-print">No player: this case does not hold its input. Run the check '
                "with <code>--keep-input</code> to keep a copy in the case, and the report will "
                "play it.</p>\n")  # fmt: skip
    out = ['<div class="players"><figure><video id="player" controls preload="metadata" '
           f'src="{html.escape(relative(clip, folder))}" aria-label="the clip"></video>'
           "<figcaption>this clip</figcaption></figure>"]  # fmt: skip
    buttons = []
    search = data.results.get("search")
    seen: set[int] = set()
    for n, m in enumerate(getattr(search, "matches", [])[:3], 1):
        path = Path(m.ref_path) if getattr(m, "ref_path", None) else None
        if path is None or m.ref_id in seen or not path.is_file():
            continue
        seen.add(m.ref_id)
        out.append(f'<figure><video id="ref-{m.ref_id}" controls preload="metadata" '
                   f'src="{html.escape(relative(path, folder))}" '
                   f'aria-label="archived video {m.ref_id}"></video>'
                   f"<figcaption>archived #{m.ref_id} {html.escape(m.title)}</figcaption></figure>")  # fmt: skip
        buttons.append(f'<button type="button" data-ref="{m.ref_id}" data-start="{m.query_start:.3f}" '
                       f'data-ref-start="{m.ref_start:.3f}">Play match {n} side by side '
                       f"(#{m.ref_id} at {m.ref_start:.1f} s)</button>")  # fmt: skip
    if buttons:  # inside the sticky bar: in view wherever the reader is
        out.append('<p class="no-print side">' + " ".join(buttons) + "</p>")
    out.append("</div>")
    return "\n".join(out) + "\n"


def render_html(data: CaseView, folder: Path | None = None) -> str:
    """The page, to be written in ``folder`` (the case folder by default: links are relative)."""
    parser = MarkdownIt("commonmark", {"html": True}).enable("table")
    root = data.case.root.resolve()
    where = folder if folder is not None else root

    def embed(src: str, attr: str) -> str:
        if src.startswith("#") or re.match(r"https?://", src):
            return src
        path = data.case.inside(src)
        if path is None:
            return "#outside-the-case"  # a result naming a file outside the case: no link
        if attr == "href":  # the file itself, beside the page (the page embeds no full copy)
            return relative(path, where)
        kind, content = shrunk(path)
        return f"data:{kind};base64,{base64.b64encode(content).decode()}"

    tokens = parser.parse(render_markdown(data))
    for token in tokens:
        for child in token.children or []:
            for attr in ("src", "href"):  # images travel with the page; links point beside it
                if isinstance(child.attrs.get(attr), str):
                    child.attrs[attr] = embed(str(child.attrs[attr]), attr)
    body = parser.renderer.render(tokens, parser.options, {})
    body = rows_seekable(seekable(findings_focusable(body, [f for _, f in data.findings])))
    top = players(data, where)
    picture = glance.svg(data)
    if picture is not None:
        top += (f'<figure class="glance">{picture}<figcaption>The case at a glance: click a mark '
                "to play the clip from there.</figcaption></figure>\n")  # fmt: skip
    head, sep, rest = body.partition("</h1>\n")
    body = head + sep + top + rest if sep else top + body
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>Verification report</title><style>{STYLE}</style></head>\n<body>\n{body}"
        f"<script>{SCRIPT}</script>\n</body></html>\n"
    )
