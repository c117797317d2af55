"""A PNG per match: the clip's timeline above the archived video's, the matched seconds joined."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

from verifyvid.stages.search.models import Match

WIDTH, HEIGHT, MARGIN, BAR = 760, 130, 20, 18
GREY, BLUE, ORANGE, INK = (215, 215, 215), (40, 110, 200), (230, 120, 30), (20, 20, 20)


def draw(match: Match, query_duration: float, path: Path) -> None:
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    pen = ImageDraw.Draw(image)
    span = WIDTH - 2 * MARGIN
    ref_duration = max(match.ref_duration or match.ref_end, match.ref_end, 1e-3)
    longest = max(query_duration, ref_duration, 1e-3)

    def x(seconds: float) -> float:  # one scale for both bars: lengths compare
        return MARGIN + span * max(0.0, seconds) / longest

    top, bottom = 28, 86
    pen.rectangle((x(0), top, x(query_duration), top + BAR), fill=GREY)
    pen.rectangle((x(0), bottom, x(ref_duration), bottom + BAR), fill=GREY)
    q0, q1, r0, r1 = x(match.query_start), x(match.query_end), x(match.ref_start), x(match.ref_end)
    pen.polygon(
        [(q0, top + BAR), (q1, top + BAR), (r1, bottom), (r0, bottom)], fill=(250, 225, 200)
    )
    pen.rectangle((q0, top, max(q1, q0 + 2), top + BAR), fill=BLUE)
    pen.rectangle((r0, bottom, max(r1, r0 + 2), bottom + BAR), fill=ORANGE)
    pen.text(
        (MARGIN, 8),
        f"this clip ({query_duration:.1f} s): {match.query_start:.1f}-{match.query_end:.1f} s",
        fill=INK,
    )
    flags = (
        (" mirrored" if match.mirrored else "")
        + (" inner picture" if match.region == "inset" else "")
        + (f" speed {match.speed:g}x" if abs(match.speed - 1) > 0.02 else "")
    )
    pen.text((MARGIN, bottom + BAR + 4),
             f"#{match.ref_id} {match.title[:60]} ({ref_duration:.1f} s): {match.ref_start:.1f}-{match.ref_end:.1f} s{flags}",
             fill=INK)  # fmt: skip
    image.save(path, format="PNG")
