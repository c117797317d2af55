"""The stage contract: a name, a version, typed params, a typed result, one ``run``; and what the
stage shows: its report section, its dated events, its limits, the libraries behind its evidence.

Adding a stage is one package in ``verifyvid/stages/``, one line in
``verifyvid/pipeline/registry.py`` and one test file: its command (generated from the params
model, cli/stage_commands.py), its schema, its report section and its timeline events follow
from the class (docs/development.md).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from verifyvid.case.manifest import InputRecord, SourceRecord, StageRecord
from verifyvid.events import Event
from verifyvid.findings import Finding
from verifyvid.lanes import Mark
from verifyvid.media.framepass import FrameConsumer, decode_once


class Params(BaseModel):
    """Base of every stage's parameters (unknown keys are an error)."""

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)

    @classmethod
    def command_line_check(cls, values: dict[str, Any]) -> None:
        """Checks that hold only for values typed on the command line (e.g. a path must exist);
        raise UsageError. Settings from files are checked by the model alone."""


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
    source: SourceRecord | None = None
    """The files the input came with in ``source/`` (a download, an imported .info.json)."""
    report_progress: Callable[[float], None] = lambda fraction: None
    fed: FrameConsumer | None = None
    """For a picture stage: its consumer, already fed by a decoding pass the runner shared."""

    def dep(self, name: str, model: type[R]) -> R | None:
        value = self.deps.get(name)
        return value if isinstance(value, model) else None


@dataclass
class Shown(Generic[R]):
    """What a stage's report section sees, read from the case folder alone."""

    name: str
    result: R | None
    """The stage's result when it ran to completion in this case, else None."""
    record: StageRecord | None
    """Its record in case.json (status, error, fix), None when it never ran."""
    findings: list[Finding]
    """Its findings, most severe first."""
    base: str = ""
    """Prefix for links to case files (the report may live outside the case folder)."""


class Stage(ABC, Generic[P, R]):
    name: ClassVar[str]
    version: ClassVar[str]
    description: ClassVar[str]
    """One line: the stage's command help and its row in docs/cli.md."""
    params_model: ClassVar[type[Params]]
    """Its fields, with their docstrings, are the command's options (``cli=False`` hides one)."""
    result_model: ClassVar[type[Result]]
    libraries: ClassVar[tuple[str, ...]] = ()
    """Distributions whose versions shape its evidence (recorded in case.json)."""
    limits: ClassVar[tuple[str, ...]] = ()
    """What its method cannot tell: lines of the report's Limitations."""
    report_order: ClassVar[int] = 50
    """Where its report section goes (lower first)."""
    command: ClassVar[bool] = True
    """Whether `verifyvid <name>` is generated from the params model (cli/stage_commands.py)."""
    copies: ClassVar[dict[str, tuple[str, str]]] = {}
    """Options of its command that copy one of its case files out: option name -> (the file in
    the case, help); e.g. `verifyvid hash CLIP --vpdq FILE`."""
    requires: ClassVar[tuple[str, ...]] = ()
    """Stages whose result this one needs; it is skipped when one of them did not succeed."""
    uses: ClassVar[tuple[str, ...]] = ()
    """Stages whose result this one uses when present; they only order the run."""
    inputs: ClassVar[tuple[str, ...]] = ()
    """Stages it takes its input from, any of them (e.g. the search: picture hashes, sound):
    ``--only`` runs them as it runs required ones; the stage itself decides whether what came is
    enough (it raises StageSkipped otherwise)."""

    def state(self, ctx: StageContext, params: P) -> str:
        """What the result depends on outside the case (e.g. the archive's generation): part of
        the fingerprint, so a change re-runs the stage. May raise StageSkipped."""
        return ""

    @abstractmethod
    def run(self, ctx: StageContext, params: P) -> R:
        """Do the work, write extra files into ``ctx.out_dir``, return the result."""

    def section(self, shown: Shown[R]) -> list[str]:
        """Markdown lines of its report section(s), each starting with a ``## `` heading; none by
        default. Strings from the media go through ``verifyvid.render.md``."""
        return []

    def events(self, result: R) -> list[Event]:
        """Dated events its result shows, for the first-appearance timeline."""
        return []

    def lanes(self, result: R) -> list[Mark]:
        """Timed marks its result shows (seconds of the clip), for the timeline picture at the
        top of the report (report/glance.py)."""
        return []


C = TypeVar("C", bound=FrameConsumer)


class PictureStage(Stage[P, R], Generic[P, R, C]):
    """A stage that looks at decoded pictures: its work is a consumer of the decoding pass
    (media/framepass.py). When several picture stages run, the runner decodes the video once
    for all of them and hands each its fed consumer (``ctx.fed``); alone, it decodes itself."""

    @abstractmethod
    def consumer(self, ctx: StageContext, params: P) -> C:
        """A fresh consumer for this input (may raise StageSkipped)."""

    @abstractmethod
    def result_of(self, ctx: StageContext, params: P, consumer: C) -> R:
        """The result from a consumer that has seen the whole pass."""

    def run(self, ctx: StageContext, params: P) -> R:
        consumer = ctx.fed
        if consumer is None:
            consumer = self.consumer(ctx, params)
            try:
                decode_once(ctx.input_path, [consumer], ctx.report_progress)
            except ValueError:
                consumer.abandon()
                raise StageSkipped("no video stream") from None
        try:
            if consumer.error is not None:
                raise consumer.error
            return self.result_of(ctx, params, consumer)  # type: ignore[arg-type]
        except BaseException:
            consumer.abandon()
            raise
