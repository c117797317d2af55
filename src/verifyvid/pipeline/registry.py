"""The stages: the built-in ones, in the order they are listed, then any registered (``register``,
or a package's ``verifyvid.stages`` entry point). Adding a built-in stage: one line here."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from verifyvid.stage import Stage
from verifyvid.stages.acquire import AcquireStage
from verifyvid.stages.credentials import CredentialsStage
from verifyvid.stages.frames import FramesStage
from verifyvid.stages.hashes import HashStage
from verifyvid.stages.meta import MetaStage
from verifyvid.stages.ocr import OcrStage
from verifyvid.stages.search import SearchStage
from verifyvid.stages.sound import SoundStage
from verifyvid.stages.transcribe import TranscribeStage

BUILT_IN: tuple[type[Stage[Any, Any]], ...] = (
    AcquireStage,
    MetaStage,
    CredentialsStage,
    FramesStage,
    OcrStage,
    HashStage,
    SoundStage,
    SearchStage,
    TranscribeStage,
)
EXTRA: list[type[Stage[Any, Any]]] = []
ENTRY_POINTS = "verifyvid.stages"


def register(stage: type[Stage[Any, Any]]) -> type[Stage[Any, Any]]:
    """Add a stage class (usable as a decorator); registering one twice keeps one."""
    if stage not in EXTRA:
        EXTRA.append(stage)
    return stage


@functools.cache
def installed() -> tuple[type[Stage[Any, Any]], ...]:
    """Stage classes other packages offer through the ``verifyvid.stages`` entry point group."""
    return tuple(ep.load() for ep in metadata.entry_points(group=ENTRY_POINTS))


def all_stages() -> list[Stage[Any, Any]]:
    stages: list[Stage[Any, Any]] = []
    for cls in (*BUILT_IN, *installed(), *EXTRA):
        if all(s.name != cls.name for s in stages):
            stages.append(cls())
    return stages


def chosen(stages: Sequence[Stage[Any, Any]] | None) -> list[Stage[Any, Any]]:
    """The stages given, or (None) every stage there is."""
    return list(stages) if stages is not None else all_stages()


def libraries(stages: list[Stage[Any, Any]]) -> tuple[str, ...]:
    """The distributions behind the stages' evidence, each once, in stage order."""
    return tuple(dict.fromkeys(lib for s in stages for lib in s.libraries))


def stage_named(name: str) -> Stage[Any, Any]:
    for stage in all_stages():
        if stage.name == name:
            return stage
    raise KeyError(name)
