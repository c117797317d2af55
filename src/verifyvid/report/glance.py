"""The case at a glance: one picture at the top of the report, the clip's seconds across, one lane
per kind of evidence (shots and keyframes, earlier uploads, spoken language, on-screen text,
overlays, voice flags), drawn with matplotlib from the case view alone (the stages' ``lanes``).

Colours follow the severity of the finding a mark belongs to, from the Okabe-Ito palette that
colour-blind readers tell apart, and warnings are hatched as well. Each mark is one SVG group
whose id is ``mark-<n>`` (n: its place in ``view.marks``); the axis is ``axis`` and the
playhead ``playhead``: the HTML report's script seeks the player from them, and the tests read
their geometry.
"""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.offsetbox import AnnotationBbox, OffsetImage
from matplotlib.patches import Patch, Rectangle
from PIL import Image

from verifyvid.lanes import LANES, Level, Mark
from verifyvid.view import CaseView

COLOUR: dict[Level, str] = {"warning": "#D55E00", "notice": "#E69F00", "info": "#56B4E9"}
HATCH: dict[Level, str | None] = {"warning": "///", "notice": None, "info": None}
NAME: dict[Level, str] = {"warning": "warning", "notice": "notice", "info": "information"}
WIDTH = 10.0  # inches, at 100 dots an inch
LANE = 0.42  # inches a lane
THUMB = 64  # pixels: the keyframes' thumbnails' width
THUMB_ROWS = 2  # lanes' height the keyframes' thumbnails take above the shots
MARGINS = 0.8  # inches: the axis below, the legend above
RC: dict[str, Any] = {
    "svg.fonttype": "none",
    "svg.hashsalt": "verifyvid",
}  # text stays text; stable ids


def outside(view: CaseView) -> list[str]:
    """Pictures the marks name that are not inside the case folder (never drawn)."""
    return sorted(
        {m.picture for m in view.marks if m.picture and view.case.inside(m.picture) is None}
    )


def stacked(marks: list[Mark]) -> dict[int, int]:
    """A row within its lane for each span (by its place in ``marks``): overlapping spans of one
    lane go one above the other, each in the lowest row where it fits."""
    slot: dict[int, int] = {}
    ends: dict[str, list[float]] = {}
    for n in sorted(range(len(marks)), key=lambda i: marks[i].start):
        mark = marks[n]
        if mark.at is not None and mark.end <= mark.start:
            continue
        rows = ends.setdefault(mark.lane, [])
        row = next((r for r, end in enumerate(rows) if end <= mark.start + 1e-6), len(rows))
        if row == len(rows):
            rows.append(mark.end)
        rows[row] = mark.end
        slot[n] = row
    return slot


def figure(view: CaseView) -> Figure | None:
    duration = view.duration
    marks = view.marks
    if not duration or not marks:
        return None
    slot = stacked(marks)
    lanes = [lane for lane in LANES if any(m.lane == lane for m in marks)]
    pictured = any(m.picture for m in marks if m.lane == "shots")
    spans = {lane: max([slot[n] + 1 for n, m in enumerate(marks) if m.lane == lane and n in slot],
                       default=1) for lane in lanes}  # fmt: skip
    tall = {lane: spans[lane] + (THUMB_ROWS if lane == "shots" and pictured else 0)
            for lane in lanes}  # fmt: skip
    rows = sum(tall.values())
    height = LANE * rows + MARGINS
    fig = Figure(figsize=(WIDTH, height), dpi=100)
    ax = fig.add_axes((0.17, 0.5 / height, 0.81, LANE * rows / height))
    ax.set_xlim(0, duration)
    ax.set_ylim(0, rows)
    ax.patch.set_gid("axis")
    ax.set_xlabel("seconds of the clip", fontsize=8, labelpad=1)
    ax.tick_params(labelsize=7)
    bottom: dict[str, float] = {}
    y = float(rows)
    for lane in lanes:
        y -= tall[lane]
        bottom[lane] = y
        ax.axhline(y, color="#dddddd", linewidth=0.6)
    ax.set_yticks([bottom[lane] + tall[lane] / 2 for lane in lanes])
    ax.set_yticklabels([LANES[lane] for lane in lanes], fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    thumb = duration * (THUMB * 100 / 72 + 6) / (WIDTH * 100 * 0.81)  # its width in seconds
    pictured_at = apart([m.at for n, m in enumerate(marks) if n not in slot and m.picture and
                         m.at is not None], thumb)  # fmt: skip
    for n, mark in enumerate(marks):
        y0 = bottom[mark.lane]
        if n not in slot:  # a moment: a tick across the lane's spans (and its picture above)
            at = mark.at if mark.at is not None else mark.start
            ax.vlines(at, y0 + 0.05, y0 + spans[mark.lane] - 0.05, colors="#222222",
                      linewidth=1.2, gid=f"mark-{n}")  # fmt: skip
            picture = view.case.inside(mark.picture) if at in pictured_at else None
            if picture is not None and tall[mark.lane] > spans[mark.lane]:
                ax.add_artist(AnnotationBbox(OffsetImage(thumbnail(picture), zoom=1.0),
                                             (min(max(at, thumb / 2), duration - thumb / 2),
                                              y0 + spans[mark.lane] + THUMB_ROWS / 2),
                                             frameon=True, pad=0.1, annotation_clip=False))  # fmt: skip
            continue
        y1 = y0 + slot[n]
        box = Rectangle((mark.start, y1 + 0.14), max(mark.end - mark.start, duration / 400), 0.72,
                        facecolor=COLOUR[mark.level], edgecolor="white", linewidth=0.5,
                        hatch=HATCH[mark.level], gid=f"mark-{n}")  # fmt: skip
        ax.add_patch(box)
        text = ax.text(mark.start + duration / 200, y1 + 0.5, mark.label[:60], fontsize=7,
                       va="center", clip_on=True, parse_math=False,
                       bbox={"facecolor": "white", "alpha": 0.8, "pad": 0.5, "linewidth": 0})  # fmt: skip
        text.set_clip_path(box)
    ax.axvline(0, color="#000000", linewidth=1.5, gid="playhead", alpha=0.0)
    levels = sorted({m.level for n, m in enumerate(marks) if n in slot}, key=list(COLOUR).index)
    if levels:
        ax.legend(handles=[Patch(facecolor=COLOUR[v], hatch=HATCH[v], label=NAME[v]) for v in levels],
                  loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=len(levels), fontsize=7,
                  frameon=False, borderaxespad=0.2)  # fmt: skip
    return fig


def apart(times: list[float], gap: float) -> set[float]:
    """The moments whose pictures are drawn: from the first on, each at least ``gap`` after the
    last drawn (a thumbnail's width), so that none covers another; the ticks show them all."""
    kept: list[float] = []
    for t in sorted(times):
        if not kept or t - kept[-1] >= gap:
            kept.append(t)
    return set(kept)


def thumbnail(path: Path) -> np.ndarray[Any, Any]:
    with Image.open(path) as opened:
        image = opened.convert("RGB")
    image.thumbnail((THUMB, THUMB))
    return np.asarray(image)


def png(view: CaseView) -> bytes | None:
    fig = figure(view)
    if fig is None:
        return None
    out = io.BytesIO()
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


GROUP = re.compile(r'<g id="mark-(\d+)">')


def svg(view: CaseView) -> str | None:
    """Inline SVG: each mark's group carries its seconds (``data-start``, ``data-end``) and its
    label as a tooltip; the root carries the clip's duration."""
    fig = figure(view)
    if fig is None:
        return None
    out = io.StringIO()
    with matplotlib.rc_context(RC):  # type: ignore[arg-type]
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text[text.index("<svg") :], flags=re.S)
    marks = view.marks

    def seekable(m: re.Match[str]) -> str:
        mark = marks[int(m.group(1))]
        start = mark.at if mark.at is not None else mark.start
        label = html.escape(f"{LANES[mark.lane]}: {mark.label}")
        return (f'<g id="mark-{m.group(1)}" class="seek" tabindex="0" role="button" '
                f'data-start="{start:.3f}" data-end="{mark.end:.3f}" aria-label="{label}">'
                f"<title>{label}</title>")  # fmt: skip

    text = GROUP.sub(seekable, text)
    duration = view.duration or 0.0
    return text.replace(
        "<svg ",
        f'<svg role="img" aria-label="The case at a glance" data-duration="{duration:.3f}" ',
        1,
    )
