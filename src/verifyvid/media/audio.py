"""Decode the audio track to 16 kHz mono float32 in memory, with ffmpeg (through ffmpeg-python)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np

from verifyvid.media.ffmpeg import ffmpeg_exe

SAMPLE_RATE = 16_000


class NoAudio(RuntimeError):
    """The file has no audio stream."""


_last: tuple[tuple[str, int, int, int], np.ndarray[Any, Any]] | None = None


def load_audio(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray[Any, Any]:
    """The first audio stream as float32 samples in [-1, 1]. The last file decoded is kept, so
    the stages of one run that read the sound (fingerprints, transcription) decode it once."""
    global _last
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, sample_rate)
    if _last is not None and _last[0] == key:
        return _last[1]
    _last = None  # the previous file's samples are let go before the next decode
    audio = _decode(path, sample_rate)
    audio.flags.writeable = False  # shared: a stage must not change another's samples
    _last = (key, audio)
    return audio


def _decode(path: Path, sample_rate: int) -> np.ndarray[Any, Any]:
    try:
        out, _ = (
            ffmpeg.input(str(path))
            .output("pipe:", format="s16le", acodec="pcm_s16le", ac=1, ar=sample_rate, map="0:a:0")
            .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
            .run(cmd=ffmpeg_exe(), capture_stdout=True, capture_stderr=True)
        )
    except ffmpeg.Error as e:
        lines = [
            line.strip()
            for line in e.stderr.decode("utf-8", "replace").splitlines()
            if line.strip()
        ]
        last = lines[-1].split("] ")[-1][:160] if lines else "no message"
        if "matches no streams" in last:
            raise NoAudio("no audio stream") from None
        raise RuntimeError(f"the audio track cannot be decoded (ffmpeg: {last})") from None
    return np.frombuffer(out, np.int16).astype(np.float32) / 32768.0


def speech_intervals(audio: np.ndarray[Any, Any], sample_rate: int) -> list[tuple[float, float]]:
    """Speech intervals in seconds, from faster-whisper's Silero VAD (its model is in the wheel)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(
        audio, VadOptions(min_silence_duration_ms=500, speech_pad_ms=200), sampling_rate=sample_rate
    )
    return [(s["start"] / sample_rate, s["end"] / sample_rate) for s in stamps]
