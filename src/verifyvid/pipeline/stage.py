"""The stage contract: a name, a version, typed params, a typed result, one ``run``.

Adding a stage is one module in ``verifyvid/stages/``, one line in
``verifyvid/pipeline/registry.py`` and one test file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from verifyvid.case.manifest import InputRecord
from verifyvid.findings import Finding


class Params(BaseModel):
    """Base of every stage's parameters (unknown keys are an error)."""

    model_config = ConfigDict(extra="forbid")


class Result(BaseModel):
    """Base of every stage's result, written as ``<stage>/result.json``."""

    findings: list[Finding] = Field(default_factory=list)


P = TypeVar("P", bound=Params)
R = TypeVar("R", bound=Result)


class StageSkipped(Exception):
    """The stage does not apply to this input (e.g. no audio track): status ``skipped``."""


class StageUnavailable(Exception):
    """An optional piece is missing (a model, a binary): status ``unavailable``."""

    def __init__(self, message: str, fix: str) -> None:
        super().__init__(message)
        self.fix = fix


@dataclass
class StageContext:
    """What a stage sees: the input, a private output folder and its dependencies' results."""

    input_path: Path
    input: InputRecord
    out_dir: Path
    case_dir: Path
    deps: dict[str, Result] = field(default_factory=dict)
    report_progress: Callable[[float], None] = lambda fraction: None

    def dep(self, name: str, model: type[R]) -> R | None:
        value = self.deps.get(name)
        return value if isinstance(value, model) else None


class Stage(ABC, Generic[P, R]):
    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str]
    params_model: ClassVar[type[Params]]
    result_model: ClassVar[type[Result]]
    requires: ClassVar[tuple[str, ...]] = ()
    """Stages whose result this one needs; it is skipped when one of them did not succeed."""
    uses: ClassVar[tuple[str, ...]] = ()
    """Stages whose result this one uses when present; they only order the run."""

    def state(self, params: P) -> str:
        """What the result depends on outside the case (e.g. the archive's generation): part of
        the fingerprint, so a change re-runs the stage. May raise StageSkipped."""
        return ""

    @abstractmethod
    def run(self, ctx: StageContext, params: P) -> R:
        """Do the work, write extra files into ``ctx.out_dir``, return the result."""
