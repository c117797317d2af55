"""The built-in stages, in the order they are shown. Adding a stage: one line here."""

from __future__ import annotations

from typing import Any

from verifyvid.pipeline.stage import Stage
from verifyvid.stages.frames import FramesStage
from verifyvid.stages.hashes import HashStage
from verifyvid.stages.meta import MetaStage
from verifyvid.stages.search import SearchStage
from verifyvid.stages.transcribe import TranscribeStage


def all_stages() -> list[Stage[Any, Any]]:
    return [
        MetaStage(),
        FramesStage(),
        HashStage(),
        SearchStage(),
        TranscribeStage(),
    ]


def stage_named(name: str) -> Stage[Any, Any]:
    for stage in all_stages():
        if stage.name == name:
            return stage
    raise KeyError(name)
