"""Sound fingerprints: landmark hashes (spectrogram peak pairs, as in Shazam and audfprint), and
Chromaprint's raw fingerprint (through ffmpeg's ``chromaprint`` muxer) as the plain baseline.

Landmarks: the sound at 8 kHz (the band phone codecs keep), a 64 ms spectrogram every 16 ms;
the strongest local peaks of the log spectrogram, a few per second; each peak is paired with
the next peaks within a second ahead of it, and a pair is one 32-bit hash (the first peak's
frequency bin, the frequency step and the time step) at the first peak's time. A copy keeps
most of its strongest peaks through re-encoding, noise and volume changes, so a share of the
hashes survives; matching hashes of a clip and an archived video then agree on one time offset.

A clip's print, the one searched with, is taken at ``SHIFTS`` offsets of the spectrogram's grid
(as audfprint's ``--shifts``): a copy cut at any sample starts its 16 ms columns anywhere within
one, and the peaks of noisy or ambient sound move with the grid; the union of the shifted prints
holds the archived hashes that one grid loses. Archived prints keep one grid. Each hash of a
clip's print counts the grids that gave it (``grids``): a hash most grids agree on comes from a
peak that stands clear of the sound around it, so it is the likeliest to be in the archive too,
and a long clip's search asks for those first (archive/soundsearch.py ``sampled``).

Silence and low-energy spans give no peaks (``QUIET``, ``SILENCE``). A steady tone or a hum gives the same
hash all along: a hash that repeats within one recording more than ``REPEATS`` times is dropped,
so it cannot vote for a place.
"""

from __future__ import annotations

import io
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

RATE = 8_000  # Hz the landmarks are computed at
N_FFT = 512  # 64 ms
HOP = 128  # 16 ms
STEP = HOP / RATE  # seconds per spectrogram column
QUIET = 35.0  # dB below the loudest column within LOUD_SPAN: a quieter column has no peaks
LOUD_SPAN = 2.0  # seconds each side: the gate follows the sound nearby, not the whole recording
# (an excerpt then gates its columns as the whole recording did, away from its first and last
# LOUD_SPAN seconds)
SILENCE = -90.0  # dB (of a column's power): digital silence, whatever the recording's level
PEAK_SIZE = (17, 9)  # (bins, columns) a peak is the maximum of (about 270 Hz by 140 ms)
CONTRAST = 10.0  # dB a peak stands above the median of its column's band
DENSITY = 12  # peaks per second at most (the strongest)
FAN_OUT = 3  # pairs per anchor peak
MAX_DT = 63  # columns ahead a pair's second peak may be (about 1 s)
MAX_DF = 63  # bins above or below
REPEATS = 8  # a hash this frequent in one recording is a tone or a loop: dropped
SHIFTS = 4  # grid offsets of a clip's print (benchmarks/sound.py: dev recall 0.96 at 1, 0.99 at 4)
SOUND_KIND = "sound"
SOUND_NAME = "sound.npz"  # the sound stage's file in a case (stages/sound.py)

Array = np.ndarray[Any, Any]


@dataclass
class SoundPrint:
    """Landmark hashes of one recording: ``t`` seconds, ``hash`` uint32, sorted by time;
    ``grids``, for a clip's print taken at grid shifts, how many of the grids gave each hash."""

    t: Array
    hash: Array
    duration: float
    grids: Array | None = None
    kind: ClassVar[str] = SOUND_KIND

    def __len__(self) -> int:
        return len(self.t)

    def size(self) -> int:
        return len(self.t)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        np.savez(buf, t=self.t.astype(np.float32), hash=self.hash.astype(np.uint32),
                 duration=np.float64(self.duration))  # fmt: skip
        return buf.getvalue()

    @staticmethod
    def from_bytes(data: bytes) -> SoundPrint:
        with np.load(io.BytesIO(data)) as z:
            return SoundPrint(z["t"], z["hash"], float(z["duration"]))

    def arrays(self, prefix: str = "sound_") -> dict[str, Array]:
        out: dict[str, Array] = {
            f"{prefix}t": self.t.astype(np.float32), f"{prefix}hash": self.hash.astype(np.uint32),
            f"{prefix}duration": np.asarray(self.duration, np.float64)}  # fmt: skip
        if self.grids is not None:
            out[f"{prefix}grids"] = self.grids.astype(np.uint8)
        return out

    @staticmethod
    def load(path: Path, prefix: str = "sound_") -> SoundPrint | None:
        """From an npz written with ``arrays`` (the sound stage's file): the archived print, or
        with ``prefix="query_"`` the one searched with (the archived one in older cases)."""
        with np.load(path) as z:
            return SoundPrint.from_arrays(z, prefix) or SoundPrint.from_arrays(z)

    @staticmethod
    def from_arrays(h: Any, prefix: str = "sound_") -> SoundPrint | None:
        if f"{prefix}t" not in h:
            return None
        grids = np.asarray(h[f"{prefix}grids"]) if f"{prefix}grids" in h else None
        return SoundPrint(np.asarray(h[f"{prefix}t"]), np.asarray(h[f"{prefix}hash"]),
                          float(h[f"{prefix}duration"]), grids)  # fmt: skip


def to_rate(audio: Array, rate: int) -> Array:
    """Mono float32 samples at ``rate`` (from 16 kHz or any rate), to RATE."""
    from scipy import signal  # here: a search that only reads fingerprints does not load SciPy

    x = np.asarray(audio, np.float32)
    if rate == RATE:
        return x
    g = int(np.gcd(int(rate), RATE))
    out: Array = signal.resample_poly(x, RATE // g, int(rate) // g).astype(np.float32)
    return out


def peaks(audio: Array, rate: int) -> tuple[Array, Array]:
    """(column, bin) of the landmark peaks, in time order."""
    from scipy import ndimage, signal

    x = to_rate(audio, rate)
    if len(x) < N_FFT:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    _, _, spec = signal.stft(x, RATE, window="hann", nperseg=N_FFT, noverlap=N_FFT - HOP,
                             boundary=None, padded=False)  # fmt: skip
    power = np.abs(spec) ** 2
    db = 10.0 * np.log10(power + 1e-12)
    level = 10.0 * np.log10(power.sum(axis=0) + 1e-12)  # each column's power, dB
    span = 2 * round(LOUD_SPAN / STEP) + 1
    loud = ndimage.maximum_filter1d(level, size=span, mode="nearest")
    heard = (level >= loud - QUIET) & (level >= SILENCE)
    local = ndimage.maximum_filter(db, size=PEAK_SIZE, mode="constant", cval=-np.inf)
    base = column_median(db, 33)
    ok = (db == local) & (db >= base + CONTRAST) & heard[None, :]
    ok[0, :] = ok[-1, :] = False
    f, c = np.nonzero(ok)
    order = np.lexsort((f, c))
    f, c = f[order], c[order]
    strength = (db - base)[f, c]
    keep = strongest(c, strength, round(1.0 / STEP), DENSITY)
    return c[keep].astype(np.int64), f[keep].astype(np.int64)


def column_median(db: Array, size: int) -> Array:
    """The median of ``size`` bins centred on each bin of every column, edges repeated: SciPy's
    ``median_filter(db, (size, 1), mode="nearest")``, equal value for value, by Bottleneck's
    moving median (8 times faster: this filter was most of a print's time)."""
    import bottleneck

    half = size // 2
    padded = np.pad(db, ((half, half), (0, 0)), mode="edge")
    out: Array = bottleneck.move_median(padded, size, axis=0)[size - 1 :]
    return out


def strongest(c: Array, strength: Array, window: int, most: int) -> Array:
    """Whether each peak (in column order) is among the ``most`` strongest within ``window``
    columns centred on it: the same peaks are kept wherever the recording starts (blocks cut
    at fixed times would choose differently for a clip that starts a moment later)."""
    lo = np.searchsorted(c, c - window // 2, side="left")
    hi = np.searchsorted(c, c + window // 2, side="right")
    keep = np.zeros(len(c), bool)
    for i in range(len(c)):
        keep[i] = int(np.count_nonzero(strength[lo[i] : hi[i]] > strength[i])) < most
    return keep


def landmarks(audio: Array, rate: int) -> SoundPrint:
    """The landmark fingerprint of mono samples at ``rate``."""
    duration = len(audio) / float(rate)
    c, f = peaks(audio, rate)
    ts: list[Array] = []
    hs: list[Array] = []
    n = len(c)
    for k in range(1, FAN_OUT * 6 + 1):  # the next peaks in time order, FAN_OUT within range
        if k >= n:
            break
        dt = c[k:] - c[:-k]
        df = f[k:] - f[:-k]
        ok = (dt >= 1) & (dt <= MAX_DT) & (np.abs(df) <= MAX_DF)
        idx = np.flatnonzero(ok)
        ts.append(idx)
        hs.append((f[idx] << 14) | ((df[idx] + 64) << 7) | dt[idx])
    if not ts:
        return SoundPrint(np.zeros(0, np.float32), np.zeros(0, np.uint32), duration)
    anchor = np.concatenate(ts)
    value = np.concatenate(hs)
    # at most FAN_OUT pairs per anchor: the nearest ones (k grows with time distance)
    order = np.argsort(anchor, kind="stable")
    anchor, value = anchor[order], value[order]
    first = np.r_[0, np.flatnonzero(np.diff(anchor)) + 1]
    rank = np.arange(len(anchor)) - np.repeat(first, np.diff(np.r_[first, len(anchor)]))
    keep = rank < FAN_OUT
    anchor, value = anchor[keep], value[keep]
    t = c[anchor] * STEP + N_FFT / (2 * RATE)
    value = value.astype(np.uint32)
    _, inverse, counts = np.unique(value, return_inverse=True, return_counts=True)
    common = counts[inverse] > REPEATS
    return SoundPrint(t[~common].astype(np.float32), value[~common], duration)


def prints(audio: Array, rate: int, shifts: int = SHIFTS) -> tuple[SoundPrint, SoundPrint]:
    """(the archived print; the print a clip is searched with): the landmarks on one grid, and
    at ``shifts`` offsets of the spectrogram grid (HOP / shifts samples apart, the first being
    the archived print's), the same hash at the same column kept once with the number of grids
    that gave it. One resampling; the first grid is computed once for both."""
    x = to_rate(audio, rate)
    skips = [k * HOP // shifts for k in range(shifts)]
    grids = [landmarks(x[skip:], RATE) for skip in skips]
    t = np.concatenate([g.t + skip / RATE for g, skip in zip(grids, skips, strict=True)]).astype(
        np.float64
    )
    value = np.concatenate([g.hash for g in grids]).astype(np.uint32)
    column = np.concatenate([np.round(g.t / STEP).astype(np.int64) for g in grids])  # its grid's
    key = column * (1 << 32) + value.astype(np.int64)
    _, first, count = np.unique(key, return_index=True, return_counts=True)
    by_time = np.argsort(t[first], kind="stable")
    order = first[by_time]
    archived = SoundPrint(grids[0].t, grids[0].hash, len(audio) / float(rate))
    asked = SoundPrint(t[order].astype(np.float32), value[order], len(x) / float(RATE),
                       count[by_time].astype(np.uint8))  # fmt: skip
    return archived, asked


def query_print(audio: Array, rate: int, shifts: int = SHIFTS) -> SoundPrint:
    """The print a clip is searched with (``prints``)."""
    return prints(audio, rate, shifts)[1]


CHROMA_STEP = 4096 / 3 / 11025  # seconds between Chromaprint items (its 11025 Hz frames)


def chromaprint(audio: Array, rate: int, ffmpeg: str) -> SoundPrint:
    """Chromaprint's raw fingerprint (32-bit items every 0.124 s), from ffmpeg's muxer."""
    pcm = np.clip(np.asarray(audio, np.float32), -1, 1)
    cmd = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "f32le", "-ar",
           str(rate), "-ac", "1", "-i", "pipe:", "-f", "chromaprint", "-fp_format", "raw",
           "pipe:"]  # fmt: skip
    out = subprocess.run(cmd, input=pcm.tobytes(), capture_output=True, check=True).stdout
    items = np.frombuffer(out, "<u4").astype(np.uint32)
    t = (np.arange(len(items)) * CHROMA_STEP).astype(np.float32)
    return SoundPrint(t, items, len(audio) / float(rate))


def sound_of(path: Path) -> SoundPrint | None:
    """The landmark fingerprint of a file's first audio stream; None without one."""
    from verifyvid.media.audio import SAMPLE_RATE, NoAudio, load_audio

    try:
        audio = load_audio(path)
    except NoAudio:
        return None
    return landmarks(audio, SAMPLE_RATE)
