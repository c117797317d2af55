"""The seed case, made once per test module: an archived video re-framed to 9:16 with black bars
and a black box over the faces (the 2022 case's edit), checked with its input kept, speech
transcribed with the shared Whisper base model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import MODEL, Cli, shared_file
from verifyvid.media.ffmpeg import ffmpeg_exe

SOURCE = "media/video/moviepy_audrey_speech.mp4"
EDIT = ("[0:v]drawbox=x=iw*0.35:y=ih*0.15:w=iw*0.3:h=ih*0.3:color=black:t=fill,"
        "scale=540:-2,pad=540:960:(ow-iw)/2:(oh-ih)/2:black[out]")  # fmt: skip


def seed_case(folder: Path) -> Path:
    """The case folder (its report.md and report.html written)."""
    if not MODEL.is_dir():
        pytest.skip("the shared Whisper base model is not here")
    cli = Cli()
    archive = folder / "archive.sqlite"
    cli.json("index", "add", shared_file(SOURCE), "--index", archive, "--first-seen", "2019-03-01")
    clip = folder / "liberation_front.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", shared_file(SOURCE), "-filter_complex",
                    EDIT, "-map", "[out]", "-map", "0:a", "-c:v", "libx264", "-preset", "ultrafast",
                    "-c:a", "aac", clip], check=True)  # fmt: skip
    with pytest.MonkeyPatch.context() as env:
        env.setenv("VERIFYVID_WHISPER_MODEL", str(MODEL))
        env.setenv("XDG_CACHE_HOME", str(folder / "cache"))
        env.setenv("XDG_CONFIG_HOME", str(folder / "config"))
        run = cli("check", clip, "--index", archive, "--keep-input", "--case", folder / "case",
                  "--json")  # fmt: skip
        assert run.exit_code in (0, 4), run.output  # 4: a stage unavailable here (OCR data)
        case = Path(json.loads(run.stdout)["case"])
        assert cli("report", case, "--format", "html").exit_code == 0
    return case
