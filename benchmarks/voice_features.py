"""Measurements of a voice in windows of a few seconds: the inputs of the voice-disguise model
tried for issue 19 (benchmarks/voice.py; not a stage: it does not hold on unseen speakers).

Three groups, each a sign a pitch shifter leaves:

- ``envelope``: MFCC statistics of the spectral envelope below 4 kHz (librosa). A shifter that
  moves the formants with the pitch (resampling, a phase vocoder, most apps) moves the whole
  envelope; one that keeps them leaves tell-tale smearing.
- ``pitch-formants``: F0 and the first three formants (Praat through parselmouth) and the
  vocal-tract spacing they imply. A real voice keeps pitch and vocal-tract size in proportion
  within a range; a shifter moves one without the other, or both beyond it.
- ``texture``: the artefacts, with no speaker identity in them: harmonics-to-noise ratio,
  voicing, formant bandwidths, cepstral peak prominence, jitter and shimmer, and the envelope's
  change from frame to frame. Phase vocoders and resamplers smear transients and harmonics;
  resynthesis regularises periods.

Only the band below 4 kHz is looked at: a telephone line, a low-bitrate codec or a resampling
cuts the band above at some frequency, which says nothing about the voice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

RATE = 16_000
HOP = 0.01  # seconds per analysis frame
WINDOW = 3.0  # seconds per scored window
STEP = 1.5
MIN_SPEECH = 1.5  # seconds of speech a window needs
N_MFCC = 20
FMAX = 4000.0
VERSION = 2  # bump when the features change (benchmarks/voice_data.py caches by it)

Array = np.ndarray[Any, Any]


@dataclass
class Tracks:
    """Frame-wise measurements of a whole recording (one row per 10 ms frame)."""

    mfcc: Array  # (frames, N_MFCC)
    f0: Array  # Hz, 0 where unvoiced
    formants: Array  # (frames, 3) Hz, nan where undefined
    hnr: Array  # dB, nan where unvoiced
    bandwidths: Array  # (frames, 3) Hz of the first three formants, nan where undefined
    cpp: Array  # cepstral peak prominence (dB) per frame
    speech: Array  # bool, inside a speech interval
    sound: Any  # the parselmouth Sound and its glottal pulses (PointProcess), for jitter
    pulses: Any

    @property
    def frames(self) -> int:
        return len(self.f0)


def tracks(audio: Array, intervals: list[tuple[float, float]]) -> Tracks:
    import librosa
    import parselmouth

    n = int(len(audio) / RATE / HOP) + 1
    hop = int(RATE * HOP)
    mfcc = librosa.feature.mfcc(y=audio.astype(np.float32), sr=RATE, n_mfcc=N_MFCC, n_fft=512,
                                hop_length=hop, n_mels=40, fmin=60.0, fmax=FMAX).T  # fmt: skip
    sound = parselmouth.Sound(audio.astype(np.float64), sampling_frequency=RATE)
    pitch = sound.to_pitch_ac(time_step=HOP, pitch_floor=60.0, pitch_ceiling=600.0)
    f0 = at_frames(pitch.xs(), pitch.selected_array["frequency"], n, fill=0.0)
    formant = sound.to_formant_burg(time_step=HOP, max_number_of_formants=5, maximum_formant=5500.0)
    times = formant.xs()
    values = np.array([[formant.get_value_at_time(k, t) for k in (1, 2, 3)] for t in times])
    formants = np.stack([at_frames(times, values[:, k], n, fill=np.nan) for k in range(3)], axis=1)
    widths = np.array([[formant.get_bandwidth_at_time(k, t) for k in (1, 2, 3)] for t in times])
    bandwidths = np.stack(
        [at_frames(times, widths[:, k], n, fill=np.nan) for k in range(3)], axis=1
    )
    harmonicity = sound.to_harmonicity_ac(time_step=HOP, minimum_pitch=60.0)
    h = harmonicity.values[0].astype(float)
    h[h < -100] = np.nan  # Praat's -200 dB marks unvoiced frames
    hnr = at_frames(harmonicity.xs(), h, n, fill=np.nan)
    speech = np.zeros(n, bool)
    for a, b in intervals:
        speech[int(a / HOP) : int(np.ceil(b / HOP))] = True
    pulses = parselmouth.praat.call(sound, "To PointProcess (periodic, cc)", 60.0, 600.0)
    cpp = fit(cepstral_peaks(audio, hop)[:, None], n)[:, 0]
    return Tracks(fit(mfcc, n), f0, formants, hnr, bandwidths, cpp, speech, sound, pulses)


def cepstral_peaks(audio: Array, hop: int) -> Array:
    """Cepstral peak prominence per frame: the height of the cepstrum's peak at quefrencies of
    60-400 Hz voices above the straight line fitted under it (Hillenbrand's CPP). A clear
    harmonic comb gives a high peak; smeared harmonics a low one."""
    import librosa

    spec = np.abs(librosa.stft(audio.astype(np.float32), n_fft=1024, hop_length=hop)) ** 2
    ceps = np.fft.irfft(10 * np.log10(spec + 1e-10), axis=0)[: 1024 // 2]
    q = np.arange(len(ceps)) / RATE
    band = (q >= 1 / 400) & (q <= 1 / 60)
    qb, cb = q[band], ceps[band]
    slope, icpt = np.polyfit(qb, cb, 1)
    peak = cb.argmax(axis=0)
    return np.asarray(cb[peak, np.arange(cb.shape[1])] - (slope * qb[peak] + icpt))


def at_frames(times: Array, values: Array, n: int, fill: float) -> Array:
    """Values measured at ``times`` placed on the 10 ms frame grid (nearest frame)."""
    out = np.full(n, fill, float)
    idx = np.clip(np.round(np.asarray(times) / HOP).astype(int), 0, n - 1)
    out[idx] = values
    return out


def fit(matrix: Array, n: int) -> Array:
    if len(matrix) >= n:
        return matrix[:n]
    return np.vstack([matrix, np.repeat(matrix[-1:], n - len(matrix), axis=0)])


def windows(t: Tracks) -> list[tuple[float, float]]:
    """Windows of WINDOW seconds every STEP seconds holding at least MIN_SPEECH of speech; a
    recording shorter than a window is one window."""
    seconds = t.frames * HOP
    starts = np.arange(0.0, max(seconds - WINDOW, 0.0) + 1e-9, STEP)
    if len(starts) and seconds - (starts[-1] + WINDOW) > STEP / 2:
        starts = np.append(starts, seconds - WINDOW)
    out = []
    for a in starts:
        b = min(a + WINDOW, seconds)
        if t.speech[int(a / HOP) : int(b / HOP)].sum() * HOP >= min(MIN_SPEECH, 0.5 * (b - a)):
            out.append((round(float(a), 2), round(float(b), 2)))
    return out


NAMES = (
    [f"mfcc{k}_mean" for k in range(1, N_MFCC)]
    + [f"mfcc{k}_std" for k in range(1, N_MFCC)]
    + [f"mfcc{k}_delta" for k in range(1, N_MFCC)]
    + ["f0_median", "f0_p10", "f0_p90", "voiced", "f1", "f2", "f3", "spacing", "f0_to_spacing"]
    + ["hnr", "hnr_p90", "b1", "b2", "b3", "cpp", "cpp_p90", "jitter", "shimmer", "apq11"]
    + [f"mfcc{k}_delta3" for k in range(1, N_MFCC)]
)
GROUPS = {
    "envelope": [n for n in NAMES if n.startswith("mfcc") and not n.endswith("_delta")],
    "pitch-formants": [
        "f0_median",
        "f0_p10",
        "f0_p90",
        "f1",
        "f2",
        "f3",
        "spacing",
        "f0_to_spacing",
    ],
    "texture": [n for n in NAMES if "_delta" in n]
    + [
        "voiced",
        "hnr",
        "hnr_p90",
        "b1",
        "b2",
        "b3",
        "cpp",
        "cpp_p90",
        "jitter",
        "shimmer",
        "apq11",
    ],
}


def semitones(hz: Array | float) -> Array:
    """Hz as semitones above 100 Hz."""
    return 12.0 * np.log2(np.maximum(np.asarray(hz, float), 1e-3) / 100.0)


def vector(t: Tracks, a: float, b: float) -> Array:
    """The features of one window (seconds ``a`` to ``b``), in NAMES order."""
    sl = slice(int(a / HOP), max(int(b / HOP), int(a / HOP) + 1))
    speech = t.speech[sl]

    def heard(track: Array) -> Array:
        """The window's frames of ``track`` in speech (all of them when none is)."""
        return track[sl][speech] if speech.any() else track[sl]

    mfcc = heard(t.mfcc)
    delta = (
        np.abs(np.diff(mfcc[:, 1:], axis=0)).mean(axis=0) if len(mfcc) > 1 else np.zeros(N_MFCC - 1)
    )
    f0 = heard(t.f0)
    voiced = f0 > 0
    hnr = heard(t.hnr)[voiced]
    if voiced.sum() >= 5:
        p10, p50, p90 = semitones(np.percentile(f0[voiced], [10, 50, 90]))
    else:
        p10 = p50 = p90 = semitones(150.0)  # no voicing measured: a neutral value
    fm = medians(heard(t.formants)[voiced], [500.0, 1500.0, 2500.0])
    spacing = float(np.mean(fm / np.array([0.5, 1.5, 2.5])))  # uniform-tube formant spacing
    h = hnr[~np.isnan(hnr)] if len(hnr) else hnr
    h50, h90 = np.percentile(h, [50, 90]) if len(h) >= 5 else (5.0, 10.0)
    bw = np.log(np.maximum(medians(heard(t.bandwidths)[voiced], [80.0, 120.0, 200.0]), 1.0))
    cpp = heard(t.cpp)[voiced]
    c50, c90 = np.percentile(cpp, [50, 90]) if len(cpp) >= 5 else (10.0, 15.0)
    lag = 3
    delta3 = (
        np.abs(mfcc[lag:, 1:] - mfcc[:-lag, 1:]).mean(axis=0)
        if len(mfcc) > lag
        else np.zeros(N_MFCC - 1)
    )
    return np.concatenate([
        mfcc[:, 1:].mean(axis=0), mfcc[:, 1:].std(axis=0), delta,
        [p50, p10, p90, voiced.mean() if len(voiced) else 0.0],
        semitones(fm), [semitones(spacing), p50 - semitones(spacing)],
        [h50, h90], bw, [c50, c90], perturbation(t, a, b), delta3,
    ]).astype(float)  # fmt: skip


def medians(frames: Array, typical: list[float]) -> Array:
    """Per column, the median of the frames' defined values; ``typical`` where none is."""
    if not len(frames) or np.isnan(frames).all():
        return np.array(typical)
    return np.where(np.isnan(m := np.nanmedian(frames, axis=0)), typical, m)


def perturbation(t: Tracks, a: float, b: float) -> list[float]:
    """Praat's local jitter, local shimmer and 11-point shimmer over the window's glottal pulses
    (log; 0 where Praat cannot measure them): resynthesis regularises periods, phase vocoders
    modulate the amplitude of harmonics."""
    from parselmouth.praat import call

    out = []
    for value in (
        call(t.pulses, "Get jitter (local)", a, b, 0.0001, 0.02, 1.3),
        call([t.sound, t.pulses], "Get shimmer (local)", a, b, 0.0001, 0.02, 1.3, 1.6),
        call([t.sound, t.pulses], "Get shimmer (apq11)", a, b, 0.0001, 0.02, 1.3, 1.6),
    ):
        out.append(float(np.log(value)) if value == value and value > 0 else 0.0)
    return out


def partial_roughness(audio: Array, intervals: list[tuple[float, float]]) -> float:
    """How much the level of the voice's harmonics jumps from one 8 ms frame to the next: the
    median absolute second difference over time (dB) of spectral peaks within 25 dB of their
    frame's strongest, 100 Hz-3 kHz, in speech. A phase vocoder interpolates magnitudes between
    its analysis frames, so its partials come out smoother than a voice's. A recording-level
    probe, not fitted on anything."""
    import librosa

    hop = 128
    spec = np.abs(librosa.stft(audio.astype(np.float32), n_fft=1024, hop_length=hop))
    freqs = np.fft.rfftfreq(1024, 1 / RATE)
    level = 20 * np.log10(spec[(freqs > 100) & (freqs < 3000)] + 1e-7)
    speech = np.zeros(level.shape[1], bool)
    for a, b in intervals:
        speech[int(a * RATE / hop) : int(b * RATE / hop)] = True
    top = level.max(axis=0)
    speech &= top > top.max() - 40
    peaks = (level[1:-1] > level[:-2]) & (level[1:-1] > level[2:]) & (level[1:-1] > top[None] - 25)
    curve = np.abs(level[1:-1, 2:] - 2 * level[1:-1, 1:-1] + level[1:-1, :-2])
    chosen = peaks[:, 1:-1] & speech[None, 1:-1]
    return float(np.median(curve[chosen])) if chosen.any() else 0.0
