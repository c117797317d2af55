"""Spoken-language codes: the ISO 639-1 codes (and English names) Whisper knows.

Read from openai-whisper's tokenizer module alone, so PyTorch is not imported just for names.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
from pathlib import Path
from types import ModuleType

log = logging.getLogger(__name__)


@functools.cache
def _tokenizer_module() -> ModuleType | None:
    spec = importlib.util.find_spec("whisper")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "tokenizer.py"
    module_spec = importlib.util.spec_from_file_location("_whisper_tokenizer_names", path)
    if module_spec is None or module_spec.loader is None:
        return None
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as e:  # an unexpected openai-whisper layout: codes are then not checked
        log.warning("cannot read Whisper's language list (%s); language codes are not checked", e)
        return None
    return module


@functools.cache
def names() -> dict[str, str]:
    """Whisper's language codes and their English names (e.g. 'kk': 'kazakh')."""
    module = _tokenizer_module()
    return dict(module.LANGUAGES) if module is not None else {}


def code_of(text: str) -> str | None:
    """The code for a code or an English name ('kk', 'KK', 'Kazakh' -> 'kk'); None if unknown.
    When the list of codes cannot be read, any two- or three-letter code is accepted."""
    key = text.strip().lower()
    known = names()
    if not known:
        return key if key.isalpha() and 2 <= len(key) <= 3 else None
    if key in known:
        return key
    module = _tokenizer_module()
    by_name: dict[str, str] = dict(getattr(module, "TO_LANGUAGE_CODE", {}))
    return by_name.get(key)


def checked(codes: list[str], what: str) -> list[str]:
    """Codes normalized; ValueError naming every unknown one (``what``: the option's name)."""
    out, unknown = [], []
    for text in codes:
        code = code_of(text)
        if code is None:
            unknown.append(text)
        elif code not in out:
            out.append(code)
    if unknown:
        raise ValueError(
            f"{what} {', '.join(unknown)}: not a language Whisper knows; give ISO 639-1 codes "
            "such as kk, ru, uk (docs/speech.md lists them)"
        )
    return out


# Languages small Whisper models confuse with each other (docs/speech.md): a verdict between
# members of one group needs a second signal, or is given as "one of them".
CLOSE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"ru", "uk", "be", "bg", "mk", "sr"}),
    frozenset({"kk", "ky", "tt", "uz", "tr", "az", "ba", "tk"}),
    frozenset({"es", "gl", "ca", "pt"}),
    frozenset({"cs", "sk", "pl"}),
    frozenset({"hr", "bs", "sr", "sl"}),
    frozenset({"da", "no", "nn", "sv"}),
    frozenset({"id", "ms", "jw"}),
    frozenset({"hi", "ur"}),
    frozenset({"fa", "ps", "tg"}),
    frozenset({"zh", "yue"}),
    frozenset({"nl", "af"}),
)

# Languages with little Whisper training data: the small models (tiny, base, small) detect and
# transcribe them poorly, and often report them as other languages.
WEAK = frozenset({"kk", "ky", "tg", "uz", "tk", "mn", "be", "ps", "sd", "yo", "so", "ln", "ha",
                  "lo", "my", "bo", "tt", "ba", "haw", "jw", "la", "nn"})  # fmt: skip


def relatives(code: str) -> frozenset[str]:
    """The languages close to ``code`` (itself included)."""
    out: set[str] = {code}
    for group in CLOSE_GROUPS:
        if code in group:
            out |= group
    return frozenset(out)


def name_of(code: str) -> str:
    return names().get(code, code)
