"""The voice-disguise set (benchmarks/voice_set.py): every tool moves a real voice's pitch by the
semitones asked, keeps its length, and the unaltered versions keep it."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import voice_set
from tests.conftest import shared_file
from verifyvid.media.audio import load_audio

CLIP = "media/audio/ru/silero-vad_ru_num.wav"


def median_pitch(audio: np.ndarray) -> float:  # type: ignore[type-arg]
    import parselmouth

    pitch = parselmouth.Sound(audio.astype(np.float64), voice_set.RATE).to_pitch_ac(
        pitch_floor=60.0, pitch_ceiling=600.0
    )
    f0 = pitch.selected_array["frequency"]
    return float(np.median(f0[f0 > 0]))


@pytest.mark.parametrize("tool", [t for t in voice_set.TOOLS if t != "sox" or voice_set.has_sox()])
@pytest.mark.parametrize("semitones", [4.0, -5.0])
def test_each_tool_moves_the_pitch_as_asked(tool: str, semitones: float) -> None:
    audio = load_audio(shared_file(CLIP))
    moved = voice_set.shift(audio, tool, semitones)
    measured = 12 * np.log2(median_pitch(moved) / median_pitch(audio))
    assert measured == pytest.approx(semitones, abs=1.0)
    assert abs(len(moved) - len(audio)) / len(audio) < 0.03  # the length is kept


def test_conditions_keep_the_voice_and_its_length() -> None:
    audio = load_audio(shared_file(CLIP))
    rng = np.random.default_rng(1)
    for name in voice_set.CONDITIONS:
        out = voice_set.condition(audio, name, rng, voice_set.backgrounds())
        assert abs(len(out) - len(audio)) / len(audio) < 0.05, name
        assert abs(12 * np.log2(median_pitch(out) / median_pitch(audio))) < 0.7, name
