"""A 1-hour 1080p input: wall time and peak memory (target: peak <= 1.5 GB) of the meta stage
alone and of `verifyvid check --skip transcribe` (with and without the ocr stage), each a new
process, beside one `ffmpeg -f null` decode of the same file (target: check <= 1.5x it).

usage: python -m benchmarks.long_input [--minutes 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record, table
from benchmarks.frames_speed import time_ffmpeg
from verifyvid.media.ffmpeg import ffmpeg_exe

PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)"
)


def make_clip(work: Path, minutes: int) -> Path:
    """One minute of 1080p25 H.264 + AAC from lavfi, looped into the full length by stream copy."""
    unit, full = work / "minute.mp4", work / "long.mp4"
    ff = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run([*ff, "-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=25", "-f", "lavfi", "-i",
                    "sine=frequency=300", "-t", "60", "-c:v", "libx264", "-preset", "veryfast", "-crf", "28",
                    "-g", "50", "-c:a", "aac", str(unit)], check=True)  # fmt: skip
    subprocess.run(
        [*ff, "-stream_loop", str(minutes - 1), "-i", str(unit), "-c", "copy", str(full)],
        check=True,
    )
    unit.unlink()
    return full


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=int, default=60)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        t0 = time.perf_counter()
        clip = make_clip(work, args.minutes)
        made = time.perf_counter() - t0
        size = clip.stat().st_size
        decode = time_ffmpeg(clip)
        runs = {
            "meta (`--only meta`)": ["--only", "meta"],
            "check --skip transcribe --skip ocr": ["--skip", "transcribe", "--skip", "ocr"],
            "check --skip transcribe": ["--skip", "transcribe"],
        }
        for i, (name, extra) in enumerate(runs.items()):
            cmd = [sys.executable, "-c", PEAK, sys.executable, "-m", "verifyvid", "check", str(clip), *extra,
                   "--case", str(work / f"case{i}"), "--quiet"]  # fmt: skip
            t1 = time.perf_counter()
            out = subprocess.run(cmd, capture_output=True, text=True, check=False)
            seconds = time.perf_counter() - t1
            peak_mb = int(out.stdout.strip().splitlines()[-1]) / 1024
            rows.append([name, round(seconds, 1), f"{seconds / decode:.2f}", round(peak_mb),
                         "yes" if peak_mb <= 1536 else "NO", out.returncode])  # fmt: skip
    body = (
        table(["run", "seconds", "x one decode", "peak RSS (MB)", "<= 1.5 GB", "exit code"], rows)
        + f"\n\nInput: {args.minutes} min of 1920x1080 25 fps H.264 (CRF 28) + AAC, {size / 1e9:.2f} GB, generated in "
        f"{made:.0f} s (one minute of lavfi testsrc2 looped by stream copy). `ffmpeg -i clip -f null -`: "
        f"{decode:.1f} s, once, before the runs. Each run is a new process on a new case; the peak is the "
        "process's maximum resident set size. `meta` reads every packet header (no decoding); `check` "
        "decodes every frame once for the frames, hash and ocr stages (search has no archive here and "
        "is skipped). Transcription is not included (its memory is the Whisper model's)."
    )
    print(body)
    record(
        f"long input ({args.minutes} min 1080p)",
        f"python -m benchmarks.long_input --minutes {args.minutes}",
        body,
    )


if __name__ == "__main__":
    main()
