"""The sound-matching set, built from ../shared at run time (nothing is stored).

Archive: recordings with sound from ../shared (speech in 14 languages, a song, street and room
sound from the videos); of each recording of 30 s or more only the first half is archived.

Queries, one per archived recording and family, with parameters drawn from a fixed seed:
a random excerpt (6-15 s, or the whole recording when shorter), after 0-3 s of unrelated sound
(so the clip's seconds differ from the archive's), through the family's edit:

- ``as is`` (the same sound under other pictures), ``aac 64k``, ``opus 24k``, ``amr-nb 8 kHz``;
- ``noise 20 dB``, ``noise 10 dB``, ``noise 5 dB`` (white, pink or brown);
- ``music under -10 dB``, ``crowd under -10 dB`` (another recording 10 dB below the sound);
- ``volume +-10 dB``; ``excerpt 5 s``; ``reverb`` (a synthetic room, RT60 0.3-0.9 s, direct-to-reverberant 0-6 dB);
- ``speed +-5 % pitch kept`` (rubberband), ``speed +-5 %`` (resampled, pitch moves too);
- ``pitch +-3 st`` (rubberband, tempo kept).

Negatives (must match nothing): the second halves of the long recordings (the same speakers
saying other things), recordings never archived (other speakers of the same languages, faces
with speech, ambient sound), the sound of ``sound replaced`` (a clip's picture kept under
unrelated sound), digital silence, a steady tone, a 1 s clip.

Split by recording: ``held-out`` recordings are never looked at while tuning.
"""

from __future__ import annotations

import hashlib
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import imageio_ffmpeg
import numpy as np

from benchmarks.common import SHARED
from benchmarks.speech_set import colored_noise, mix
from verifyvid.media.audio import load_audio

RATE = 16_000
SEED = 20261207
MEDIA = SHARED / "media"
ARCHIVED = [
    "audio/ru/silero-vad_ru.wav", "audio/en/silero-vad_test.wav", "audio/de/silero-vad_de.wav",
    "audio/es/silero-vad_es.wav", "audio/ja/whisper-timestamped_japanese.mp3",
    "audio/other/softcatala_gossos.mp3", "audio/en/openai-whisper_jfk.flac",
    "audio/en/silero-vad_en_num.wav", "audio/en/whisper-timestamped_words.wav",
    "audio/en/vosk_test.wav", "audio/ar/klaam_demo.wav", "audio/zh/autocut_test005.mp3",
    "audio/other/fdeloche_librivox_nl.wav", "audio/other/fdeloche_wli_fi.wav",
    "audio/other/fdeloche_librivox_pt.wav", "audio/other/fdeloche_commonvoice_tr.wav",
    "audio/fr/buzz_whisper-french.mp3", "audio/uk/ua-silero-demo_ua_sample.wav",
    "audio/uk/ua-silero-demo_arctic_1.wav", "audio/ru/silero-vad_ru_num.wav",
    "audio/other/buzz_whisper-latvian.wav", "audio/kk/kscd_example_1.wav",
    "video/autocut_test002_speech.mov", "video/moviepy_audrey_speech.mp4",
    "video/mmaction2_makeup_speech.avi", "video/gopro_hero7.mp4", "video/gopro_max-heromode.mp4",
    "video/phone2005_sample.3gp", "video/android_keyed_metadata_only.mp4",
]  # fmt: skip
NEVER_ARCHIVED = [
    "audio/kk/kscd_example_2.wav", "audio/kk/avatar_atakan.wav", "audio/kk/avatar_qalaisyn.wav",
    "audio/uk/speech-recognition-uk_audio.wav", "audio/uk/ua-silero-demo_my2.wav",
    "audio/zh/wenet_aishell_BAC009S0724W0121.wav", "audio/zh/wenet_mid.wav",
    "audio/en/faster-whisper_stereo_diarization.wav", "audio/en/faster-whisper_hotwords.mp3",
    "video/retalking_face1_speech.mp4", "video/retalking_face3_speech.mp4",
    "video/retalking_face5_speech.mp4", "video/phone_fire2.mp4", "video/camera_100_0306.AVI",
    "video/phone_blue-go-video.mp4", "video/imageio_realshort_phone.mp4",
    "video/iphone6_with-gps.mov",
]  # fmt: skip
HELD_OUT = {
    "audio/es/silero-vad_es.wav", "audio/en/vosk_test.wav", "audio/en/whisper-timestamped_words.wav",
    "audio/other/fdeloche_wli_fi.wav", "audio/other/fdeloche_librivox_pt.wav",
    "audio/fr/buzz_whisper-french.mp3", "audio/ja/whisper-timestamped_japanese.mp3",
    "audio/other/buzz_whisper-latvian.wav", "audio/uk/ua-silero-demo_arctic_1.wav",
    "video/moviepy_audrey_speech.mp4", "video/gopro_max-heromode.mp4",
    "audio/zh/wenet_mid.wav", "audio/kk/avatar_qalaisyn.wav", "audio/uk/ua-silero-demo_my2.wav",
    "video/retalking_face3_speech.mp4", "video/phone_fire2.mp4",
}  # fmt: skip
# recordings that are one recording (the same speech in two files): a match to either is right
SAME = {"video/autocut_test002_speech.mov": "audio/zh/autocut_test005.mp3"}
LONG = 30.0  # seconds: a longer recording is archived only in its first half
FAMILIES = (
    "as is", "aac 64k", "opus 24k", "amr-nb 8 kHz", "noise 20 dB", "noise 10 dB", "noise 5 dB",
    "music under -10 dB", "crowd under -10 dB", "volume +-10 dB", "excerpt 5 s", "reverb",
    "speed +-5 % pitch kept", "speed +-5 %", "pitch +-3 st",
)  # fmt: skip
EXEMPT = {"speed +-5 %", "pitch +-3 st"}  # measured and reported as they are


@dataclass
class Recording:
    name: str
    audio: np.ndarray[Any, Any]
    split: str


@dataclass
class Query:
    name: str
    family: str
    split: str
    audio: np.ndarray[Any, Any]
    target: str | None  # the archived recording, None for a negative
    lead: float = 0.0  # clip seconds before the archived sound starts
    start: float = 0.0  # the archive second the clip's sound starts at
    rate: float = 1.0  # archive seconds per clip second

    def right(self, name: str) -> bool:
        def key(n: str | None) -> str | None:
            return SAME.get(n, n) if n is not None else None

        return self.target is not None and key(name) == key(self.target)

    def truth(self, q: float) -> float:
        return self.start + (q - self.lead) * self.rate


def rng_for(*key: str) -> np.random.Generator:
    digest = hashlib.sha256("/".join([str(SEED), *key]).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))


def load(name: str) -> np.ndarray[Any, Any]:
    try:
        return load_audio(MEDIA / name)
    except RuntimeError:
        return np.zeros(0, np.float32)


def archive() -> tuple[list[Recording], list[Recording]]:
    """(archived recordings, never-archived ones: the second halves and the others)."""
    kept, other = [], []
    for name in ARCHIVED:
        audio = load(name)
        split = "held-out" if name in HELD_OUT else "dev"
        if len(audio) / RATE >= LONG:
            half = len(audio) // 2
            kept.append(Recording(name, audio[:half], split))
            other.append(Recording(name + " (second half)", audio[half:], split))
        else:
            kept.append(Recording(name, audio, split))
    for name in NEVER_ARCHIVED:
        audio = load(name)
        if len(audio):
            other.append(Recording(name, audio, "held-out" if name in HELD_OUT else "dev"))
    return [r for r in kept if len(r.audio) / RATE >= 2.0], other


def ffmpeg_filter(
    audio: np.ndarray[Any, Any], args: list[str], container: str = "wav"
) -> np.ndarray[Any, Any]:
    """``audio`` through the bundled ffmpeg (it has the AMR-NB encoder and rubberband, which
    Debian's build lacks): 16 kHz in, the filters and codec in ``container``, 16 kHz out."""
    exe = imageio_ffmpeg.get_ffmpeg_exe()
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    encode = [exe, "-hide_banner", "-loglevel", "error", "-f", "s16le", "-ar", str(RATE),
              "-ac", "1", "-i", "pipe:", *args, "-f", container, "pipe:"]  # fmt: skip
    coded = subprocess.run(encode, input=pcm, capture_output=True, check=True).stdout
    decode = [exe, "-hide_banner", "-loglevel", "error", "-i", "pipe:", "-f", "s16le",
              "-ar", str(RATE), "-ac", "1", "pipe:"]  # fmt: skip
    out = subprocess.run(decode, input=coded, capture_output=True, check=True).stdout
    return np.frombuffer(out, "<i2").astype(np.float32) / 32768.0


def reverb(audio: np.ndarray[Any, Any], rng: np.random.Generator) -> np.ndarray[Any, Any]:
    rt60 = float(rng.uniform(0.3, 0.9))
    n = int(rt60 * RATE)
    t = np.arange(n) / RATE
    ir = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)
    ir[: int(0.002 * RATE)] = 0.0  # the first reflections arrive a few ms after the direct sound
    drr = float(rng.uniform(0.0, 6.0))  # dB: direct to reverberant energy (a room, a hall)
    ir *= np.sqrt(1.0 / 10 ** (drr / 10) / float(np.sum(ir**2)))
    ir[0] = 1.0
    wet = np.convolve(audio, ir)[: len(audio)]
    return (wet / max(1e-6, float(np.max(np.abs(wet)))) * 0.9).astype(np.float32)


def edit(audio: np.ndarray[Any, Any], family: str, rng: np.random.Generator,
         others: list[Recording]) -> tuple[np.ndarray[Any, Any], float]:  # fmt: skip
    """(edited sound, archive seconds per clip second)."""
    sign = float(rng.choice([-1.0, 1.0]))
    if family == "aac 64k":
        return ffmpeg_filter(audio, ["-c:a", "aac", "-b:a", "64k"], "adts"), 1.0
    if family == "opus 24k":
        return ffmpeg_filter(audio, ["-c:a", "libopus", "-b:a", "24k"], "ogg"), 1.0
    if family == "amr-nb 8 kHz":
        return ffmpeg_filter(
            audio, ["-ar", "8000", "-c:a", "libopencore_amrnb", "-b:a", "12.2k"], "amr"
        ), 1.0
    if family.startswith("noise"):
        snr = float(family.split()[1])
        color = str(rng.choice(["white", "pink", "brown"]))
        return mix(audio, colored_noise(len(audio), color, rng).astype(np.float32), snr), 1.0
    if family.endswith("under -10 dB"):
        pool = [r for r in others if r.name.startswith("video/")] if family.startswith("crowd") \
            else [r for r in others if r.name.startswith("audio/")]  # fmt: skip
        bg = pool[int(rng.integers(len(pool)))].audio
        return mix(audio, bg, 10.0), 1.0
    if family == "volume +-10 dB":
        gain = 10 ** (sign * float(rng.uniform(6, 10)) / 20)
        return np.clip(audio * gain, -1, 1).astype(np.float32), 1.0
    if family == "reverb":
        return reverb(audio, rng), 1.0
    if family == "speed +-5 % pitch kept":
        tempo = 1.0 + sign * float(rng.uniform(0.03, 0.05))
        return ffmpeg_filter(audio, ["-af", f"rubberband=tempo={tempo:.4f}"]), tempo
    if family == "speed +-5 %":
        speed = 1.0 + sign * float(rng.uniform(0.03, 0.05))
        return ffmpeg_filter(audio, ["-af", f"asetrate={RATE * speed:.0f},aresample={RATE}"]), speed
    if family == "pitch +-3 st":
        pitch = 2 ** (sign * float(rng.uniform(2.5, 3.5)) / 12)
        return ffmpeg_filter(audio, ["-af", f"rubberband=pitch={pitch:.4f}"]), 1.0
    return audio, 1.0


def queries(kept: list[Recording], others: list[Recording]) -> Iterator[Query]:
    lead_pool = [r for r in others if len(r.audio) >= 3 * RATE]
    for rec in kept:
        for family in FAMILIES:
            rng = rng_for(rec.name, family)
            seconds = len(rec.audio) / RATE
            want = 5.0 if family == "excerpt 5 s" else float(rng.uniform(6, 15))
            want = min(want, seconds)
            start = float(rng.uniform(0, seconds - want))
            piece = rec.audio[int(start * RATE) : int((start + want) * RATE)]
            edited, rate = edit(piece, family, rng, others)
            lead = float(rng.uniform(0, 3))
            src = lead_pool[int(rng.integers(len(lead_pool)))].audio
            head = src[: int(lead * RATE)] * 0.5
            yield Query(f"{rec.name} / {family}", family, rec.split,
                        np.concatenate([head, edited]).astype(np.float32), rec.name, lead, start, rate)  # fmt: skip
    for i, rec in enumerate(others):
        yield Query(rec.name, "negative", rec.split, rec.audio, None)
        if i % 3 == 0:  # a clip's picture kept under other sound: its sound is some other clip's
            rng = rng_for(rec.name, "replaced")
            yield Query(rec.name + " (sound replaced)", "sound replaced", rec.split,
                        mix(rec.audio, colored_noise(len(rec.audio), "pink", rng).astype(np.float32), 20.0), None)  # fmt: skip
    t = np.arange(10 * RATE) / RATE
    yield Query("digital silence", "negative", "dev", np.zeros(10 * RATE, np.float32), None)
    yield Query(
        "tone 440 Hz",
        "negative",
        "dev",
        (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
        None,
    )
    yield Query("hum 50 Hz", "negative", "held-out", (0.3 * np.sin(2 * np.pi * 50 * t) + 0.1 * np.sin(2 * np.pi * 150 * t)).astype(np.float32), None)  # fmt: skip
    longest = max(others, key=lambda r: len(r.audio))
    yield Query("1 s clip", "negative", "held-out", longest.audio[RATE : 2 * RATE], None)
