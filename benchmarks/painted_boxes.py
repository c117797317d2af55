"""Boxes painted over footage that barely changes (the seed case: black bars over the faces in a
statement filmed on a tripod), found by the frames stage, against the rule before 2026-12-03 that
looked for no box when the picture barely changes.

Families: the box's colour (black, dark grey, white), then black re-encoded harder (CRF 30-35) and
black scaled down after painting (to 50-75 %). Place and size are drawn per item from a fixed seed
(anywhere in the middle 80 % of the picture, 10-35 % of its width, 6-20 % of its height), and so
are the encoding (CRF 18-28 unless the family says) and the offset into the clip. Every clip is
also encoded without a box, the same ways, for false boxes. Clips: the shared clips whose picture
barely changes, split by clip; the held-out clips were never used to set the thresholds.

    python -m benchmarks.painted_boxes [--per-family 3] [--record]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from unittest import mock

from benchmarks.common import SHARED, record, table
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.stages.frames import overlays
from verifyvid.stages.frames.models import Box

DEV = ("retalking_face3_speech.mp4", "mmaction2_demo_skeleton_1080p.mp4", "phone2005_sample.3gp")
HELD_OUT = ("retalking_face1_speech.mp4", "imageio_webcam_no_duration.webm")
FAMILIES = {  # colour, CRF range, scale after painting
    "black": ("black", (18, 28), 1.0),
    "dark grey": ("0x202020", (18, 28), 1.0),
    "white": ("white", (18, 28), 1.0),
    "black, CRF 30-35": ("black", (30, 35), 1.0),
    "black, scaled down": ("black", (18, 28), 0.0),  # 0: drawn per item, 50-75 %
}
SECONDS = 8.0
NOTES = """A box is found when an opaque-box overlay covers it with IoU >= 0.5. False boxes: every
other opaque-box overlay, on the boxed copies and on the copies without a box. "Before" is the
same run with the painted-box rule switched off (the stage then looked for no box at all on a
picture whose median grey-level spread over time is under 3). What the rule cannot see: a box
shown for only part of a still shot (its pixels change when it comes), a blurred or pixelated
patch (it is not flat), a box whose colour matches what lies around it on more than 40 % of
a side."""


def encode(src: Path, out: Path, rng: random.Random, family: str | None) -> Box | None:
    """A copy of ``src`` (with a box of ``family`` drawn when given); the box, displayed pixels."""
    colour, (lo, hi), scale = FAMILIES[family or "black"]
    width, height = size_of(src)
    scale = scale or rng.uniform(0.5, 0.75)
    crf = rng.randint(lo, hi)
    vf = []
    box = None
    if family is not None:
        bw, bh = round(width * rng.uniform(0.10, 0.35)), round(height * rng.uniform(0.06, 0.20))
        x = round(rng.uniform(0.1 * width, 0.9 * width - bw))
        y = round(rng.uniform(0.1 * height, 0.9 * height - bh))
        vf.append(f"drawbox=x={x}:y={y}:w={bw}:h={bh}:color={colour}:t=fill")
        box = Box(x=round(x * scale), y=round(y * scale), width=round(bw * scale),
                  height=round(bh * scale))  # fmt: skip
    if scale != 1.0:
        vf.append(f"scale={2 * round(width * scale / 2)}:{2 * round(height * scale / 2)}")
    offset = rng.uniform(0, 1.0)
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1", "-ss", f"{offset:.2f}",
                    "-t", str(SECONDS), "-i", str(src), *(["-vf", ",".join(vf)] if vf else []), "-an",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-pix_fmt", "yuv420p",
                    str(out)], check=True)  # fmt: skip
    return box


def size_of(path: Path) -> tuple[int, int]:
    from verifyvid.media.decode import VideoDecoder, to_rgb

    with VideoDecoder(path) as video:
        h, w = to_rgb(next(iter(video.frames())).frame, video.rotation).shape[:2]
    return w - w % 2, h - h % 2


def run(per_family: int, painted: bool) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(split, family) -> (found, false boxes) per item; family "none" for the copies without."""
    out: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    patch = (mock.patch.object(overlays, "_painted_boxes", lambda *a: []) if not painted
             else contextlib.nullcontext())  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp, patch:
        for split, clips in (("dev", DEV), ("held-out", HELD_OUT)):
            for name in clips:
                src = SHARED / "media" / "video" / name
                for family in [None, *FAMILIES]:
                    for i in range(per_family if family else 2):
                        rng = random.Random(f"{name}-{family}-{i}")
                        path = Path(tmp) / f"{name}-{family or 'none'}-{i}.mp4".replace(" ", "_")
                        truth = encode(src, path, rng, family)
                        found = in_process(path, Path(tmp) / f"case-{path.stem}-{painted}")
                        hit = sum(1 for b in found if truth and b.iou(truth) >= 0.5)
                        out[(split, family or "none")].append((min(hit, 1), len(found) - hit))
    return out


def in_process(path: Path, case: Path) -> list[Box]:
    """The frames stage's overlays in this process (so the rule can be switched off here)."""
    from typer.testing import CliRunner

    from verifyvid.cli.app import app

    res = CliRunner().invoke(app, ["frames", str(path), "--case", str(case), "--json"])
    result = json.loads(res.stdout)["result"]
    if result is None:
        raise RuntimeError(f"frames failed on {path.name}: {res.stdout[:300]}")
    return [Box(**o["box"]) for o in result["overlays"] if o["kind"] == "opaque-box"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-family", type=int, default=3)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    t0 = time.perf_counter()
    now, before = run(args.per_family, True), run(args.per_family, False)
    rows = []
    for key in sorted(now):
        a, b = now[key], before[key]
        rows.append([key[1], key[0], len(a), f"{sum(f for f, _ in a)}" if key[1] != "none" else "-",
                     sum(x for _, x in a), f"{sum(f for f, _ in b)}" if key[1] != "none" else "-",
                     sum(x for _, x in b)])  # fmt: skip
    text = table(["family", "split", "copies", "boxes found", "false boxes", "found before",
                  "false before"], rows)  # fmt: skip
    body = f"{text}\n\nClips: dev {', '.join(DEV)}; held-out {', '.join(HELD_OUT)}. {time.perf_counter() - t0:.0f} s.\n\n{NOTES}"
    print(body)
    if args.record:
        record(
            "Painted boxes on still footage", "python -m benchmarks.painted_boxes --record", body
        )


if __name__ == "__main__":
    main()
