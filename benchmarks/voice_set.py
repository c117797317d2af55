"""Altered and unaltered voices, built from ../shared/media/audio at run time (nothing is stored).

Each recording is altered whole, as a disguise would be, by one of several independent tools:

- ``resample``: ffmpeg asetrate + aresample + atempo (play faster or slower, restore the length);
- ``vocoder``: librosa's phase-vocoder pitch shift (time stretch, then resampling);
- ``praat``: Praat's "Change gender" (PSOLA) with the formants shifted as far as the pitch;
- ``rubberband``: the Rubber Band library through ffmpeg's ``rubberband`` filter;
- ``sox``: sox's ``pitch`` effect (WSOLA + resampling), when the ``sox`` program is present;
- ``praat-keep-formants``: Praat's "Change gender" moving the pitch only (the formants stay):
  the hardest case, reported apart, never used for training.

then passes, like the unaltered version, through a recording condition drawn at random:
``clean``, ``telephone`` (8 kHz G.711), ``noise`` (white/pink/brown, 5-20 dB SNR), ``codec``
(AAC 32-64 kb/s or Opus 12-32 kb/s), ``background`` (music or street sound at 5-20 dB SNR) or
``lowpass`` (3.4-7.5 kHz). Shifts are drawn per item from a fixed seed, in three sizes:
1-2.9, 3-4.9 and 5-6 semitones, up or down.

Praat's "Change gender" is not deterministic (two runs on the same audio differ by a few
hundredths): a benchmark figure over the praat rows can move by about 0.01 between runs.

Splits follow benchmarks/speech_set.py: a clip in ``HELD_OUT`` is never used for training nor
for choosing the threshold.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.speech_set import (
    RATE,
    Clip,
    clips,
    colored_noise,
    excerpt,
    ffmpeg_filter,
    mix,
    rng_for,
    telephone,
)

Array = np.ndarray[Any, Any]

VERSION = 1  # bump when the set changes (benchmarks/voice_data.py caches by it)
TOOLS = ["resample", "vocoder", "praat", "rubberband", "sox", "praat-keep-formants"]
TRAIN_TOOLS = ["resample", "vocoder", "praat"]  # rubberband and sox are only ever tested
CONDITIONS = ["clean", "telephone", "noise", "codec", "background", "lowpass"]
LONGEST = 20.0  # seconds kept of a longer clip
SIZES = {"1-2.9": (1.0, 2.9), "3-4.9": (3.0, 4.9), "5-6": (5.0, 6.0)}


@dataclass
class Voice:
    clip: str
    language: str
    split: str
    tool: str  # "none" for unaltered
    shift: float  # semitones, 0 for unaltered
    condition: str
    audio: Array

    @property
    def size(self) -> str:
        return next((k for k, (a, b) in SIZES.items() if a <= abs(self.shift) <= b), "none")


def has_sox() -> bool:
    return shutil.which("sox") is not None


def available_tools() -> list[str]:
    """TOOLS without sox where the ``sox`` program is missing."""
    return [t for t in TOOLS if t != "sox" or has_sox()]


def shift(audio: Array, tool: str, semitones: float) -> Array:
    """``audio`` (16 kHz) with its pitch moved by ``semitones`` with ``tool``."""
    r = 2.0 ** (semitones / 12.0)
    if tool == "resample":
        return ffmpeg_filter(
            audio, ["-af", f"asetrate={RATE * r:.0f},aresample={RATE},atempo={1 / r:.5f}"]
        )
    if tool == "rubberband":
        return ffmpeg_filter(audio, ["-af", f"rubberband=pitch={r:.5f}"])
    if tool == "vocoder":
        import librosa

        return librosa.effects.pitch_shift(
            audio.astype(np.float32), sr=RATE, n_steps=semitones
        ).astype(np.float32)
    if tool in ("praat", "praat-keep-formants"):
        import parselmouth
        from parselmouth.praat import call

        sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=RATE)
        median = call(
            sound.to_pitch_ac(pitch_floor=60.0, pitch_ceiling=600.0),
            "Get quantile",
            0,
            0,
            0.5,
            "Hertz",
        )
        median = median if np.isfinite(median) else 150.0
        formant_ratio = r if tool == "praat" else 1.0
        out = call(sound, "Change gender", 60, 600, formant_ratio, median * r, 1.0, 1.0)
        return np.asarray(out.values[0], np.float32)
    if tool == "sox":
        with tempfile.TemporaryDirectory() as d:
            src, dst = Path(d, "in.wav"), Path(d, "out.wav")
            import soundfile

            soundfile.write(src, audio, RATE, subtype="PCM_16")
            subprocess.run(["sox", str(src), str(dst), "pitch", f"{semitones * 100:.0f}"], check=True,
                           capture_output=True)  # fmt: skip
            out, _ = soundfile.read(dst, dtype="float32")
            return np.asarray(out, np.float32)
    raise ValueError(tool)


def condition(
    audio: Array, name: str, rng: np.random.Generator, backgrounds: dict[str, Array]
) -> Array:
    if name == "clean":
        return audio
    if name == "telephone":
        return telephone(audio, rng)
    if name == "noise":
        color = str(rng.choice(["white", "pink", "brown"]))
        return mix(
            audio,
            colored_noise(len(audio), color, rng).astype(np.float32),
            float(rng.uniform(5, 20)),
        )
    if name == "codec":
        if rng.random() < 0.5:
            return ffmpeg_filter(
                audio, ["-c:a", "aac", "-b:a", f"{int(rng.integers(32, 65))}k"], container="adts"
            )
        return ffmpeg_filter(
            audio,
            ["-ar", "48000", "-c:a", "libopus", "-b:a", f"{int(rng.integers(12, 33))}k"],
            container="ogg",
        )
    if name == "background":
        bg = backgrounds[str(rng.choice(sorted(backgrounds)))]
        start = int(rng.integers(0, max(1, len(bg) - len(audio))))
        return mix(audio, bg[start:], float(rng.uniform(5, 20)))
    if name == "lowpass":
        return ffmpeg_filter(
            audio, ["-af", f"lowpass=f={int(rng.integers(3400, 7501))}:poles=2,lowpass=f=7900"]
        )
    raise ValueError(name)


@functools.cache
def backgrounds() -> dict[str, Array]:
    from benchmarks.speech_set import BACKGROUNDS, VIDEO
    from verifyvid.media.audio import load_audio

    return {k: load_audio(VIDEO / v) for k, v in BACKGROUNDS.items() if k in ("music", "street")}


def versions(clip: Clip, tools: list[str], per_tool: int, negatives: int,
             bgs: dict[str, Array]) -> list[Voice]:  # fmt: skip
    """Unaltered versions of ``clip`` (``negatives`` of them, the conditions in turn) and
    ``per_tool`` altered ones per tool (the sizes in turn; direction and condition drawn)."""
    out = []
    for i in range(negatives):
        rng = rng_for("voice", clip.name, "none", str(i))
        cond = CONDITIONS[i % len(CONDITIONS)]
        out.append(Voice(clip.name, clip.language, clip.split, "none", 0.0, cond,
                         condition(clip.audio, cond, rng, bgs)))  # fmt: skip
    sizes = list(SIZES.values())
    for tool in tools:
        for i in range(per_tool):
            rng = rng_for("voice", clip.name, tool, str(i))
            lo, hi = sizes[i % len(sizes)]
            semis = float(rng.uniform(lo, hi)) * (1 if (i // len(sizes)) % 2 == 0 else -1)
            if rng.random() < 0.5:
                semis = -semis
            cond = str(rng.choice(CONDITIONS))
            altered = shift(clip.audio, tool, semis)
            out.append(Voice(clip.name, clip.language, clip.split, tool, round(semis, 2), cond,
                             condition(altered, cond, rng, bgs)))  # fmt: skip
    return out


@functools.cache
def all_clips() -> list[Clip]:
    """Every single-language clip, long ones cut to a stretch of LONGEST seconds."""
    out = []
    for c in clips():
        if "+" not in c.language:
            if len(c.audio) > LONGEST * RATE:
                c.audio = excerpt(c.audio, LONGEST, rng_for("voice", c.name, "excerpt"))
            out.append(c)
    return out
