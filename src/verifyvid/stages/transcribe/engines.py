"""Two Whisper engines behind one small interface, and where their models come from.

- ``faster``: faster-whisper (CTranslate2), int8 on the CPU; a model name downloads through
  faster-whisper's own code into the Hugging Face cache, a folder with ``model.bin`` loads as is.
- ``openai``: openai-whisper (PyTorch); a model name downloads through ``whisper.load_model``
  into ``~/.cache/whisper``, a ``.pt`` checkpoint loads as is.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from verifyvid.stage import StageUnavailable

log = logging.getLogger(__name__)

ENGINES = ("auto", "faster", "openai")
DEFAULT_MODEL = "base"
FIX = (
    "give --model PATH (a CTranslate2 model folder, or an openai-whisper .pt file), or set "
    "VERIFYVID_WHISPER_MODEL; or run once with network access so the engine downloads '{name}' "
    "into its cache. `verifyvid models` lists what is on this machine"
)

Audio = np.ndarray[Any, Any]


@dataclass
class Piece:
    start: float
    end: float
    text: str
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 0.0


@dataclass
class Decoded:
    """The speech decoded under one language: how well the decoder could explain it."""

    language: str
    text: str
    avg_logprob: float  # mean log-probability of its tokens
    tokens: int


Progress = Callable[[float], None]
SAMPLE_RATE = 16_000
DECODE_SECONDS = 30  # the decoder's own context: at most this much speech is decoded per check


def decoded(language: str, pieces: list[Piece], tokens: list[int]) -> Decoded:
    n = sum(tokens)
    mean = sum(p.avg_logprob * t for p, t in zip(pieces, tokens, strict=True)) / n if n else 0.0
    return Decoded(language, " ".join(p.text for p in pieces).strip(), round(mean, 4), n)


def silence_inputs() -> list[Audio]:
    """Ten seconds each of silence, white noise, pink noise and mains hum: audio that says
    nothing about a language."""
    rng = np.random.default_rng(0)
    n = 10 * SAMPLE_RATE
    white = rng.standard_normal(n)
    spectrum = np.fft.rfft(white)
    freqs = np.fft.rfftfreq(n)
    freqs[0] = freqs[1]
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), n)
    hum = np.sin(2 * np.pi * 100 * np.arange(n) / SAMPLE_RATE)
    return [np.zeros(n, np.float32), (0.05 * white).astype(np.float32),
            (0.05 * pink / pink.std()).astype(np.float32), (0.1 * hum).astype(np.float32)]  # fmt: skip


class Engine(ABC):
    name: str
    model: str

    @abstractmethod
    def detect(self, audio: Audio) -> list[tuple[str, float]]:
        """Language probabilities for (the first 30 s of) ``audio``, most likely first."""

    @abstractmethod
    def transcribe(
        self, audio: Audio, language: str | None, task: str, progress: Progress | None = None
    ) -> list[Piece]:
        """Segments of ``audio`` (task 'transcribe' or 'translate' into English); ``progress``
        receives the fraction of ``audio`` done."""

    @abstractmethod
    def decode(self, audio: Audio, language: str) -> Decoded:
        """The first ``DECODE_SECONDS`` of ``audio`` decoded greedily under ``language``."""

    @functools.cached_property
    def prior(self) -> dict[str, float]:
        """The model's own leaning: its language probabilities for audio without speech (the
        posterior given no evidence). Whisper leans toward the languages it was trained on most
        (Russian over Ukrainian, Spanish over Catalan, nothing toward Kazakh)."""
        total: dict[str, float] = {}
        inputs = silence_inputs()
        for audio in inputs:
            for code, p in self.detect(audio):
                total[code] = total.get(code, 0.0) + p / len(inputs)
        return total


class FasterEngine(Engine):
    name = "faster"

    def __init__(self, path: str, label: str, compute_type: str = "int8") -> None:
        """``compute_type``: CTranslate2's (int8 here; benchmarks/margins.py compares float32)."""
        from faster_whisper import WhisperModel

        self.model = label
        self.whisper = WhisperModel(
            path, device="cpu", compute_type=compute_type, cpu_threads=os.cpu_count() or 1
        )

    def detect(self, audio: Audio) -> list[tuple[str, float]]:
        _, _, probs = self.whisper.detect_language(audio)
        return sorted(((code, float(p)) for code, p in probs), key=lambda cp: -cp[1])

    def transcribe(
        self, audio: Audio, language: str | None, task: str, progress: Progress | None = None
    ) -> list[Piece]:
        segments, _ = self.whisper.transcribe(
            audio, language=language, task=task, beam_size=5, condition_on_previous_text=False
        )
        out, seconds = [], len(audio) / SAMPLE_RATE
        for s in segments:  # a generator: each segment is decoded when asked for
            out.append(Piece(s.start, s.end, s.text.strip(), s.avg_logprob, s.no_speech_prob,
                             s.compression_ratio))  # fmt: skip
            if progress is not None and seconds:
                progress(min(1.0, s.end / seconds))
        return out

    def decode(self, audio: Audio, language: str) -> Decoded:
        segments, _ = self.whisper.transcribe(
            audio[: DECODE_SECONDS * SAMPLE_RATE], language=language, beam_size=1,
            temperature=0.0, condition_on_previous_text=False, without_timestamps=True,
        )  # fmt: skip
        got = list(segments)
        pieces = [Piece(s.start, s.end, s.text.strip(), s.avg_logprob) for s in got]
        return decoded(language, pieces, [len(s.tokens) for s in got])


class OpenAIEngine(Engine):
    name = "openai"

    def __init__(self, path: str, label: str) -> None:
        import whisper

        self.model = label
        self.whisper = whisper.load_model(path, device="cpu")

    def detect(self, audio: Audio) -> list[tuple[str, float]]:
        import whisper

        mel = whisper.log_mel_spectrogram(
            whisper.pad_or_trim(audio), n_mels=self.whisper.dims.n_mels
        )
        _, probs = self.whisper.detect_language(mel)
        return sorted(((code, float(p)) for code, p in probs.items()), key=lambda cp: -cp[1])

    def run(self, audio: Audio, language: str | None, task: str, **options: Any) -> list[Any]:
        result = self.whisper.transcribe(audio, language=language, task=task, fp16=False,
                                         verbose=None, condition_on_previous_text=False, **options)  # fmt: skip
        return list(result["segments"])

    def transcribe(
        self, audio: Audio, language: str | None, task: str, progress: Progress | None = None
    ) -> list[Piece]:
        pieces = [
            Piece(float(s["start"]), float(s["end"]), str(s["text"]).strip(),
                  float(s["avg_logprob"]), float(s["no_speech_prob"]), float(s["compression_ratio"]))
            for s in self.run(audio, language, task)
        ]  # fmt: skip
        if progress is not None:
            progress(1.0)
        return pieces

    def decode(self, audio: Audio, language: str) -> Decoded:
        got = self.run(audio[: DECODE_SECONDS * SAMPLE_RATE], language, "transcribe",
                       temperature=0.0, without_timestamps=True)  # fmt: skip
        pieces = [Piece(float(s["start"]), float(s["end"]), str(s["text"]).strip(),
                        float(s["avg_logprob"])) for s in got]  # fmt: skip
        return decoded(language, pieces, [len(s["tokens"]) for s in got])


def openai_cache() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "whisper"


def openai_names() -> dict[str, str]:
    """Model names openai-whisper can download, with their checkpoint URLs."""
    spec = importlib.util.find_spec("whisper")
    if spec is None or spec.origin is None:
        return {}
    import whisper  # imports torch: only when this engine is wanted

    return dict(whisper._MODELS)


def looks_like_path(model: str) -> bool:
    return "/" in model or os.sep in model or model.endswith(".pt") or model.startswith(("~", "."))


@functools.cache
def model_names() -> list[str]:
    """Model names the engines can download (faster-whisper's list holds openai-whisper's)."""
    from faster_whisper.utils import available_models

    return list(available_models())


def resolve(model: str | None, engine: str) -> tuple[str, str, str]:
    """(engine, path or name to load, label) for a model name or path."""
    wanted = model or DEFAULT_MODEL
    path = Path(wanted).expanduser()
    if path.exists():
        if path.is_file() and path.suffix == ".pt":
            if engine == "faster":
                raise StageUnavailable(
                    f"{path} is an openai-whisper checkpoint", "use --engine openai or auto"
                )
            return "openai", str(path), str(path)
        if path.is_dir() and (path / "model.bin").is_file():
            if engine == "openai":
                raise StageUnavailable(
                    f"{path} is a CTranslate2 model", "use --engine faster or auto"
                )
            return "faster", str(path), str(path)
        raise StageUnavailable(
            f"{path} is not a Whisper model (neither a .pt checkpoint nor a folder with model.bin)",
            FIX.format(name=DEFAULT_MODEL),
        )
    if looks_like_path(wanted):
        raise StageUnavailable(
            f"Whisper model {wanted}: no such file or folder", FIX.format(name=DEFAULT_MODEL)
        )
    return ("openai" if engine == "openai" else "faster"), wanted, wanted


def not_downloadable(name: str, error: Exception) -> StageUnavailable:
    reason = " ".join(str(error).split())[:160]
    return StageUnavailable(
        f"Whisper model '{name}' is not on this machine and could not be downloaded ({reason})",
        FIX.format(name=name),
    )


def fetch_faster(name: str) -> str:
    """The local folder of a faster-whisper model name, downloading it if need be."""
    from faster_whisper.utils import available_models, download_model

    if name not in available_models() and "/" not in name:
        raise StageUnavailable(
            f"unknown Whisper model name '{name}'",
            f"use one of {', '.join(available_models())}, or a path",
        )
    try:
        return str(download_model(name, local_files_only=True))
    except Exception as e:
        log.debug("faster-whisper model %s is not cached (%s); downloading", name, e)
    try:
        return str(download_model(name))
    except Exception as e:
        raise not_downloadable(name, e) from None


def fetch_openai(name: str) -> str:
    names = openai_names()
    if name not in names:
        raise StageUnavailable(
            f"unknown openai-whisper model name '{name}'", f"use one of {', '.join(names)}"
        )
    cached = openai_cache() / os.path.basename(names[name])
    if cached.is_file():
        return str(cached)
    import whisper

    try:
        whisper._download(names[name], str(openai_cache()), in_memory=False)
    except Exception as e:
        raise not_downloadable(name, e) from None
    return str(cached)


@functools.cache
def load(model: str | None, engine: str = "auto") -> Engine:
    """Load (once per process) the engine for a model name or path."""
    kind, target, label = resolve(model, engine)
    if kind == "faster":
        local = target if Path(target).exists() else fetch_faster(target)
        return FasterEngine(local, label)
    local = target if Path(target).exists() else fetch_openai(target)
    return OpenAIEngine(local, label)


def local_models() -> list[dict[str, str]]:
    """Whisper models already on this machine, for `verifyvid models`: engine, model (a name),
    source (where it was found) and path."""
    found: list[dict[str, str]] = []
    try:
        from huggingface_hub import scan_cache_dir

        for repo in scan_cache_dir().repos:
            if "whisper" in repo.repo_id.lower() and repo.repo_type == "model":
                found.append({"engine": "faster", "model": repo.repo_id,
                              "source": "Hugging Face cache", "path": str(repo.repo_path)})  # fmt: skip
    except Exception as e:  # no cache yet, or an unreadable one: nothing found there
        log.debug("no Hugging Face cache to list (%s)", e)
    cache = openai_cache()
    if cache.is_dir():
        for pt in sorted(cache.glob("*.pt")):
            found.append({"engine": "openai", "model": pt.stem, "source": "openai-whisper cache",
                          "path": str(pt)})  # fmt: skip
    configured = os.environ.get("VERIFYVID_WHISPER_MODEL")
    if configured and Path(configured).exists():
        path = Path(configured).resolve()
        kind = "openai" if path.suffix == ".pt" else "faster"
        found.append({"engine": kind, "model": path.stem if path.suffix else path.name,
                      "source": "VERIFYVID_WHISPER_MODEL", "path": str(path)})  # fmt: skip
    return found
