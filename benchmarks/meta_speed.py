"""Time of the `meta` stage on every clip of ../shared/media/video (target: < 1 s each), and of a
cached re-run of `verifyvid check` as a user types it (target: < 2 s).

usage: python -m benchmarks.meta_speed
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import SHARED, record, table
from verifyvid.case.folder import input_record
from verifyvid.stage import StageContext
from verifyvid.stages.meta import MetaParams, MetaStage


def time_meta(path: Path, repeats: int = 3) -> tuple[float, int]:
    stage = MetaStage()
    record_ = input_record(path)
    times, findings = [], 0
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as out:
            ctx = StageContext(
                input_path=path, input=record_, out_dir=Path(out), case_dir=Path(out)
            )
            t0 = time.perf_counter()
            result = stage.run(ctx, MetaParams())
            times.append(time.perf_counter() - t0)
            findings = len(result.findings)
    return statistics.median(times), findings


def time_cli(args: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "verifyvid", *args], cwd=cwd, capture_output=True, check=False
    )
    return time.perf_counter() - t0


def main() -> None:
    rows = []
    for path in sorted((SHARED / "media" / "video").iterdir()):
        seconds, findings = time_meta(path)
        rows.append(
            [
                path.name,
                round(path.stat().st_size / 1e6, 2),
                seconds,
                findings,
                "yes" if seconds < 1 else "NO",
            ]
        )
    worst = max(r[2] for r in rows)
    with tempfile.TemporaryDirectory() as work:
        clip = str(SHARED / "media" / "video" / "gopro_hero7.mp4")
        first = time_cli(["check", clip, "--json"], Path(work))
        again = time_cli(["check", clip, "--json"], Path(work))
    body = (
        table(["file", "MB", "meta seconds (median of 3)", "findings", "< 1 s"], rows)
        + f"\n\nSlowest: {worst:.3f} s. `verifyvid check gopro_hero7.mp4 --json` (every stage: meta, frames, "
        f"hash, transcribe with Whisper base) as a new process: first run {first:.2f} s, cached re-run "
        f"{again:.2f} s (target < 2 s), both including "
        "interpreter start-up and imports. Measured with ExifTool on PATH, which the stage then asks too."
    )
    print(body)
    record("meta stage speed", "python -m benchmarks.meta_speed", body)


if __name__ == "__main__":
    main()
