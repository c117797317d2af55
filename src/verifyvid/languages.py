"""Spoken-language codes: the ISO 639-1 codes (and English names) Whisper knows.

Read from openai-whisper's tokenizer module alone, so PyTorch is not imported just for names.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path
from types import ModuleType


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
    except Exception:  # an unexpected openai-whisper layout: codes are then not checked
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
