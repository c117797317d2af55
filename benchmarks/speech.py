"""Spoken-language accuracy and speed of the `transcribe` stage.

1. Accuracy on every clip of ../shared/media/audio (truth: the folder name, or the MANIFEST's
   language column for other/), per language: verifyvid's speech-weighted timeline versus the
   engine's own single-file detection (faster-whisper `detect_language`, first 30 s), same model.
2. Real-time factor on one clip: `verifyvid transcribe` with each engine, and the `whisper`
   command-line tool, all on the same Whisper base weights (the openai-whisper checkpoint is
   rebuilt from the CTranslate2 model by fixtures/ct2_whisper.py), each as a new process.
3. The language timeline of the Chinese/English switch clip.

usage: python -m benchmarks.speech
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.common import SHARED, record, table
from fixtures.ct2_whisper import convert
from verifyvid.case.folder import input_record
from verifyvid.media.audio import load_audio
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.pipeline.stage import StageContext
from verifyvid.stages.transcribe import TranscribeParams, TranscribeStage, engines

MODEL = SHARED / "models" / "whisper-base-ct2"
AUDIO = SHARED / "media" / "audio"
RTF_CLIP = AUDIO / "ru" / "silero-vad_ru.wav"


def truths() -> dict[Path, set[str]]:
    manifest = {}
    with (SHARED / "MANIFEST.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            manifest[row["local_file"]] = row["language"]
    out = {}
    for path in sorted(AUDIO.rglob("*")):
        if path.is_file():
            label = (
                path.parent.name
                if path.parent.name != "other"
                else manifest[str(path.relative_to(SHARED))]
            )
            label = manifest.get(str(path.relative_to(SHARED)), label)
            out[path] = set(label.split("+"))
    return out


def accuracy() -> str:
    engine = engines.load(str(MODEL), "faster")
    stage = TranscribeStage()
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # clips, ours right, engine right
    rows = []
    for path, truth in truths().items():
        with tempfile.TemporaryDirectory() as out:
            ctx = StageContext(
                input_path=path, input=input_record(path), out_dir=Path(out), case_dir=Path(out)
            )
            ours = stage.run(ctx, TranscribeParams(model=str(MODEL))).language
        theirs = engine.detect(load_audio(path))[0][0]
        key = "+".join(sorted(truth))
        per[key][0] += 1
        per[key][1] += ours in truth
        per[key][2] += theirs in truth
        rows.append([f"{path.parent.name}/{path.name}", key, ours or "-", theirs])
    summary = [[k, v[0], f"{v[1]}/{v[0]}", f"{v[2]}/{v[0]}"] for k, v in sorted(per.items())]
    total = [sum(v[i] for v in per.values()) for i in range(3)]
    summary.append(["all", total[0], f"{total[1]}/{total[0]}", f"{total[2]}/{total[0]}"])
    return (
        table(
            ["language", "clips", "verifyvid timeline", "faster-whisper detect_language"], summary
        )
        + "\n\n<details><summary>per clip</summary>\n\n"
        + table(["clip", "truth", "verifyvid", "engine alone"], rows)
        + "\n\n</details>"
    )


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=True)
    return time.perf_counter() - t0


def speed(work: Path) -> str:
    checkpoint = convert(MODEL, work / "base.pt")
    bindir = work / "bin"
    bindir.mkdir()
    (bindir / "ffmpeg").symlink_to(ffmpeg_exe())  # the whisper CLI calls `ffmpeg` by name
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    seconds = len(load_audio(RTF_CLIP)) / 16000
    verifyvid = [
        sys.executable,
        "-m",
        "verifyvid",
        "transcribe",
        str(RTF_CLIP),
        "--force",
        "--quiet",
    ]
    runs = {
        "verifyvid, faster engine": [*verifyvid, "--model", str(MODEL), "--case", str(work / "c1")],
        "verifyvid, openai engine": [
            *verifyvid,
            "--model",
            str(checkpoint),
            "--case",
            str(work / "c2"),
        ],
        "whisper CLI": [
            str(Path(sys.executable).parent / "whisper"),
            str(RTF_CLIP),
            "--model",
            str(checkpoint),
            "--device",
            "cpu",
            "--fp16",
            "False",
            "--output_dir",
            str(work / "w"),
        ],
    }
    times = {name: timed(cmd, env) for name, cmd in runs.items()}
    cli = times["whisper CLI"]
    rows = [[name, t, t / seconds, t / cli] for name, t in times.items()]
    return (
        table(["run", "seconds", "real-time factor", "x whisper CLI"], rows)
        + f"\n\nClip: {RTF_CLIP.name} ({seconds:.0f} s of Russian), Whisper base, 2 CPU cores, each run a new "
        "process including model load. verifyvid also runs voice-activity detection and one language "
        "detection per 6 s window (the timeline), which the CLI does not. Target: faster engine <= 0.25x the CLI."
    )


def switch() -> str:
    path = AUDIO / "zh" / "autocut_test005.mp3"
    with tempfile.TemporaryDirectory() as out:
        ctx = StageContext(
            input_path=path, input=input_record(path), out_dir=Path(out), case_dir=Path(out)
        )
        result = TranscribeStage().run(ctx, TranscribeParams(model=str(MODEL)))
    rows = [[s.start, s.end, s.language, s.probability] for s in result.timeline]
    found = any(f.id == "transcribe.language-switch" for f in result.findings)
    return (
        table(["start", "end", "language", "probability"], rows)
        + f"\n\nSwitch finding: {'yes' if found else 'NO'}."
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        parts = [
            "### Language accuracy",
            accuracy(),
            "### Speed",
            speed(Path(work)),
            "### Timeline of autocut_test005.mp3 (Chinese, then English)",
            switch(),
        ]
    body = "\n\n".join(parts)
    print(body)
    record("speech", "python -m benchmarks.speech", body)


if __name__ == "__main__":
    main()
