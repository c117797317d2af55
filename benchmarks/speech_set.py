"""A harder spoken-language set, built from ../shared/media/audio at run time (nothing is stored).

Families, each with its parameters drawn from a fixed seed per item:

- ``as is``: every clip;
- ``excerpt 3 s``, ``excerpt 5 s``, ``excerpt 8 s``: a random stretch of the clip's speech;
- ``telephone``: band-limited (low cut 200-400 Hz, high cut 3.0-3.6 kHz), 8 kHz, G.711 mu-law or
  A-law, back to 16 kHz;
- ``noise``: white, pink or brown noise at 3-15 dB SNR;
- ``background``: music or street/room sound from the shared videos' soundtracks, 3-15 dB SNR;
- ``join``: two languages one after the other, each side 8-12 s of speech (a side shorter than
  that is built from several clips of its language), close pairs (ru+uk, kk+ru, es+ca, es+pt,
  ca+pt, tr+kk) and distant ones (en+ru, de+fr, ja+en, ar+en, es+de, fi+nl, uk+en).

Every source clip belongs to one split: ``dev`` (methods may be tuned on it) or ``held-out``
(never looked at while tuning; reported beside it). A join belongs to held-out when either side
comes from a held-out clip.
"""

from __future__ import annotations

import csv
import hashlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from benchmarks.common import SHARED
from verifyvid.media.audio import load_audio
from verifyvid.media.ffmpeg import ffmpeg_exe

AUDIO = SHARED / "media" / "audio"
VIDEO = SHARED / "media" / "video"
RATE = 16_000
SEED = 20261122

# Clips never used while choosing the methods' thresholds (one per language where there are
# several, and about half of the languages that have only one).
HELD_OUT = {
    "ru/silero-vad_ru_num.wav", "uk/ua-silero-demo_my2.wav", "uk/speech-recognition-uk_audio.wav",
    "kk/avatar_qalaisyn.wav", "kk/kscd_example_2.wav", "en/vosk_test.wav",
    "en/whisper-timestamped_words.wav", "en/faster-whisper_hotwords.mp3", "zh/wenet_mid.wav",
    "fr/buzz_whisper-french.mp3", "ja/whisper-timestamped_japanese.mp3",
    "other/fdeloche_wli_fi.wav", "other/fdeloche_librivox_pt.wav", "other/buzz_whisper-latvian.wav",
}  # fmt: skip
CLOSE_GROUPS = [{"ru", "uk", "be", "bg"}, {"kk", "ky", "tt", "uz", "tr"}, {"es", "gl", "ca", "pt"}]
CLOSE_PAIRS = [("ru", "uk"), ("kk", "ru"), ("es", "ca"), ("es", "pt"), ("ca", "pt"), ("tr", "kk")]
DISTANT_PAIRS = [("en", "ru"), ("de", "fr"), ("ja", "en"), ("ar", "en"), ("es", "de"),
                 ("fi", "nl"), ("uk", "en")]  # fmt: skip
BACKGROUNDS = {"music": "phone2005_sample.3gp", "street": "gopro_hero7.mp4",
               "walk": "gopro_max-heromode.mp4", "room": "camera_100_0306.AVI"}  # fmt: skip


@dataclass
class Clip:
    name: str  # relative to media/audio
    language: str
    audio: np.ndarray[Any, Any]
    split: str


@dataclass
class Item:
    name: str
    family: str
    split: str
    truth: set[str]
    audio: np.ndarray[Any, Any]
    close: bool  # the true language has a close relative (CLOSE_GROUPS)
    sides: list[tuple[str, float, float]] = field(default_factory=list)  # joins: (lang, start, end)

    @property
    def seconds(self) -> float:
        return len(self.audio) / RATE


def rng_for(*key: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join([str(SEED), *key]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def clips() -> list[Clip]:
    with (SHARED / "MANIFEST.tsv").open(encoding="utf-8") as f:
        language = {r["local_file"]: r["language"] for r in csv.DictReader(f, delimiter="\t")}
    out = []
    for path in sorted(AUDIO.rglob("*")):
        if path.is_file():
            name = str(path.relative_to(AUDIO))
            lang = language[str(path.relative_to(SHARED))]
            split = "held-out" if name in HELD_OUT else "dev"
            out.append(Clip(name, lang, load_audio(path), split))
    return out


def is_close(language: str) -> bool:
    return any(language in g for g in CLOSE_GROUPS)


def excerpt(
    audio: np.ndarray[Any, Any], seconds: float, rng: np.random.Generator
) -> np.ndarray[Any, Any]:
    """A random stretch of ``seconds`` that starts inside the speech (leading silence skipped)."""
    n = int(seconds * RATE)
    loud = np.nonzero(np.abs(audio) > 0.02)[0]
    first = int(loud[0]) if len(loud) else 0
    last_start = max(first, len(audio) - n)
    start = int(rng.integers(first, last_start + 1))
    return audio[start : start + n]


def ffmpeg_filter(
    audio: np.ndarray[Any, Any], args: list[str], container: str = "wav"
) -> np.ndarray[Any, Any]:
    """``audio`` through ffmpeg (16 kHz float in, the given filters and codec written in
    ``container``, decoded back to 16 kHz)."""
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    encode = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(RATE),
              "-ac", "1", "-i", "pipe:", *args, "-f", container, "pipe:"]  # fmt: skip
    wav = subprocess.run(encode, input=pcm, capture_output=True, check=True).stdout
    decode = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", "pipe:", "-f", "s16le",
              "-ar", str(RATE), "-ac", "1", "pipe:"]  # fmt: skip
    out = subprocess.run(decode, input=wav, capture_output=True, check=True).stdout
    return np.frombuffer(out, "<i2").astype(np.float32) / 32768.0


def telephone(audio: np.ndarray[Any, Any], rng: np.random.Generator) -> np.ndarray[Any, Any]:
    low, high = int(rng.integers(200, 401)), int(rng.integers(3000, 3601))
    codec = str(rng.choice(["pcm_mulaw", "pcm_alaw"]))
    return ffmpeg_filter(audio, ["-af", f"highpass=f={low},lowpass=f={high}", "-ar", "8000",
                                 "-c:a", codec])  # fmt: skip


def colored_noise(n: int, color: str, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    white = rng.standard_normal(n)
    if color == "white":
        return white
    spectrum = np.fft.rfft(white)
    f = np.fft.rfftfreq(n)
    f[0] = f[1]
    spectrum /= np.sqrt(f) if color == "pink" else f
    return np.fft.irfft(spectrum, n)


def mix(
    voice: np.ndarray[Any, Any], background: np.ndarray[Any, Any], snr_db: float
) -> np.ndarray[Any, Any]:
    reps = int(np.ceil(len(voice) / max(1, len(background))))
    bg = np.tile(background, reps)[: len(voice)]
    speech_power = (
        float(np.mean(voice[np.abs(voice) > 0.01] ** 2)) if np.any(np.abs(voice) > 0.01) else 1e-6
    )
    bg = bg * np.sqrt(speech_power / (float(np.mean(bg**2)) + 1e-12) / 10 ** (snr_db / 10))
    out = voice + bg
    return (out / max(1.0, float(np.max(np.abs(out))))).astype(np.float32)


def side(mine: list[Clip], seconds: float, rng: np.random.Generator) -> np.ndarray[Any, Any]:
    """``seconds`` of one language: a stretch of one clip, or several of its clips end to end."""
    parts, total = [], 0.0
    while total < seconds - 0.5:  # clips are used again when the language has too few
        for i in rng.permutation(len(mine)):
            piece = excerpt(mine[i].audio, seconds - total, rng)
            parts.append(piece)
            total += len(piece) / RATE
            if total >= seconds - 0.5:
                break
    return np.concatenate(parts)


def side_pool(single: list[Clip], language: str, split: str) -> tuple[list[Clip], bool]:
    """The clips a join's side takes, and whether they are held-out ones: a held-out join uses
    the language's held-out clips where it has some."""
    held = [c for c in single if c.language == language and c.split == "held-out"]
    dev = [c for c in single if c.language == language and c.split == "dev"]
    if split == "held-out" and held:
        return held, True
    return dev, False


def items(families: set[str] | None = None) -> Iterator[Item]:
    all_clips = clips()
    backgrounds = {k: load_audio(VIDEO / v) for k, v in BACKGROUNDS.items()}
    single = [c for c in all_clips if "+" not in c.language]

    def want(family: str) -> bool:
        return families is None or family in families

    for c in all_clips:
        truth = set(c.language.split("+"))
        close = any(is_close(t) for t in truth)
        if want("as is"):
            yield Item(c.name, "as is", c.split, truth, c.audio, close)
        if "+" in c.language:
            continue  # the code-switching clip is only scored as it is
        for seconds in (3, 5, 8):
            family = f"excerpt {seconds} s"
            if want(family) and len(c.audio) / RATE > seconds + 0.5:
                rng = rng_for(c.name, family)
                yield Item(c.name, family, c.split, truth, excerpt(c.audio, seconds, rng), close)
        if want("telephone"):
            yield Item(
                c.name,
                "telephone",
                c.split,
                truth,
                telephone(c.audio, rng_for(c.name, "tel")),
                close,
            )
        if want("noise"):
            rng = rng_for(c.name, "noise")
            noise = colored_noise(len(c.audio), str(rng.choice(["white", "pink", "brown"])), rng)
            yield Item(
                c.name,
                "noise",
                c.split,
                truth,
                mix(c.audio, noise, float(rng.uniform(3, 15))),
                close,
            )
        if want("background"):
            rng = rng_for(c.name, "background")
            kind = str(rng.choice(sorted(backgrounds)))
            yield Item(c.name, "background", c.split, truth,
                       mix(c.audio, backgrounds[kind], float(rng.uniform(3, 15))), close)  # fmt: skip
    if want("join"):
        for a, b in [*CLOSE_PAIRS, *DISTANT_PAIRS]:
            for split in ("dev", "held-out"):
                (pool_a, held_a), (pool_b, held_b) = (side_pool(single, x, split) for x in (a, b))
                if not pool_a or not pool_b or (split == "held-out") != (held_a or held_b):
                    continue
                rng = rng_for("join", a, b, split)
                first = side(pool_a, float(rng.uniform(8, 12)), rng)
                gap = np.zeros(int(RATE * float(rng.uniform(0.3, 1.0))), np.float32)
                second = side(pool_b, float(rng.uniform(8, 12)), rng)
                t1 = len(first) / RATE
                t2 = t1 + len(gap) / RATE
                close = any({a, b} <= g for g in CLOSE_GROUPS)
                yield Item(f"{a}+{b}", "join", split, {a, b}, np.concatenate([first, gap, second]),
                           close, [(a, 0.0, t1), (b, t2, t2 + len(second) / RATE)])  # fmt: skip
