"""Run stages over a case in dependency order, with caching and failure containment.

For each stage, in order:

1. skip it if not selected (``only``/``skip``) or if a stage it requires did not succeed;
2. reuse it (status ``cached``) when version, params, input and dependencies are unchanged
   and its files are still there, unless forced;
3. run it into a private staging folder, write ``result.json`` there, then swap the
   folder into place and record it in ``case.json``.

A stage's exception is recorded (status ``failed``) and the run goes on with the stages
that do not depend on it; the previous output of that stage and of every other stage is
left untouched.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from verifyvid.case import atomic
from verifyvid.case.folder import RESULT_NAME, Case, now
from verifyvid.case.manifest import DONE, StageRecord, Status
from verifyvid.hashing import sha256_file
from verifyvid.media.framepass import FrameConsumer, decode_once
from verifyvid.pipeline.plan import RunOptions, closure, ordered, validated
from verifyvid.stage import (
    Params,
    PictureStage,
    Result,
    Stage,
    StageContext,
    StageSkipped,
    StageUnavailable,
)

log = logging.getLogger(__name__)


class Observer(Protocol):
    def stage_started(self, name: str) -> None: ...
    def stage_progress(self, name: str, fraction: float) -> None: ...
    def stage_finished(self, name: str, outcome: Outcome) -> None: ...


class SilentObserver:
    def stage_started(self, name: str) -> None:
        pass

    def stage_progress(self, name: str, fraction: float) -> None:
        pass

    def stage_finished(self, name: str, outcome: Outcome) -> None:
        pass


@dataclass
class Outcome:
    """What happened to one stage in this run."""

    status: Status
    seconds: float
    error: str | None = None
    fix: str | None = None


def fingerprint(
    stage: Stage[Any, Any], params: Params, input_sha: str, deps: dict[str, str], state: str = ""
) -> str:
    blob = json.dumps(
        {
            "stage": stage.name,
            "version": stage.version,
            "params": params.model_dump(mode="json"),
            "input": input_sha,
            "deps": deps,
            **({"state": state} if state else {}),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def damaged_file(case: Case, record: StageRecord) -> str | None:
    """The first of a stage's files that is missing or not as the stage wrote it (size, then
    SHA-256), else None. A stage's files are derived: one that is damaged is made again."""
    if not any(f.path.endswith(RESULT_NAME) for f in record.files):
        return f"{record.name}/{RESULT_NAME}"
    for f in record.files:
        path = case.root / f.path
        try:
            if path.stat().st_size != f.size or sha256_file(path) != f.sha256:
                return f.path
        except OSError:
            return f.path
    return None


class Runner:
    def __init__(
        self,
        case: Case,
        stages: Sequence[Stage[Any, Any]],
        options: RunOptions,
        observer: Observer | None = None,
    ) -> None:
        self.case = case
        self.stages = ordered(stages)
        self.options = options
        self.observer: Observer = observer or SilentObserver()
        self.results: dict[str, Result] = {}
        self.params = validated(self.stages, options)
        self.fed: dict[str, FrameConsumer] = {}  # consumers fed by a shared pass, not yet run

    def selected(self) -> set[str]:
        names = {s.name for s in self.stages}
        if self.options.only is not None:
            names = closure(self.options.only, self.stages)
        return names - set(self.options.skip)

    def run(self) -> dict[str, Outcome]:
        self.case.clean_stale()
        selected = self.selected()
        outcomes: dict[str, Outcome] = {}
        for stage in self.stages:
            if stage.name in selected:
                outcomes[stage.name] = self.run_one(stage)
            elif stage.name in self.options.skip:
                outcomes[stage.name] = self.skip_by_flag(stage)
        return outcomes

    # -- one stage ---------------------------------------------------------------

    def params_for(self, stage: Stage[Any, Any]) -> Params:
        return self.params[stage.name]

    def dep_result(self, name: str) -> Result | None:
        if name in self.results:
            return self.results[name]
        record = self.case.manifest.stages.get(name)
        stage = next((s for s in self.stages if s.name == name), None)
        if record is None or record.status not in DONE or stage is None:
            return None
        result = self.case.load_result(name, stage.result_model)
        if result is not None:
            self.results[name] = result
        return result

    def skip_by_flag(self, stage: Stage[Any, Any]) -> Outcome:
        record = self.case.manifest.stages.get(stage.name)
        if record is not None and record.status in DONE:
            return Outcome(status=record.status, seconds=0.0)
        return self.record_only(stage, "skipped", "skipped by --skip")

    def record_only(
        self, stage: Stage[Any, Any], status: Status, error: str, fix: str | None = None
    ) -> Outcome:
        old = self.case.manifest.stages.get(stage.name)
        self.case.manifest.stages[stage.name] = StageRecord(
            name=stage.name,
            version=stage.version,
            params=self.params_for(stage).model_dump(mode="json"),
            status=status,
            started=now(),
            error=error,
            fix=fix,
            files=old.files if old else [],
        )
        self.case.save()
        outcome = Outcome(status=status, seconds=0.0, error=error, fix=fix)
        self.observer.stage_finished(stage.name, outcome)
        return outcome

    def prepare(self, stage: Stage[Any, Any]) -> tuple[StageContext, str] | str:
        """The stage's context and fingerprint, or why it is skipped (a required stage did not
        succeed, or its state says so)."""
        params = self.params_for(stage)
        deps: dict[str, Result] = {}
        dep_prints: dict[str, str] = {}
        for name in (*stage.requires, *stage.uses, *stage.inputs):
            result = self.dep_result(name)
            record = self.case.manifest.stages.get(name)
            if result is None or record is None:
                if name in stage.requires:
                    why = record.status if record else "did not run"
                    return f"needs stage {name}, which {why}"
                continue
            deps[name] = result
            dep_prints[name] = record.fingerprint or ""
        ctx = self.context(stage, deps)
        try:
            state = stage.state(ctx, params)
        except StageSkipped as e:
            return str(e)
        except Exception as e:  # the stage's run meets the same problem and records it
            log.debug("stage %s: its outside state is unknown (%s)", stage.name, e)
            state = f"unknown {time.time()}"
        return ctx, fingerprint(stage, params, self.case.manifest.input.sha256, dep_prints, state)

    def reusable(self, stage: Stage[Any, Any], fp: str, say: bool = True) -> bool:
        """Whether the stage's recorded outcome stands for this fingerprint."""
        old = self.case.manifest.stages.get(stage.name)
        return (
            not self.options.force
            and old is not None
            and old.fingerprint == fp
            and old.status in (*DONE, "skipped")
            and (old.status == "skipped" or (self.intact(old) if say else damaged_file(self.case, old) is None))
        )  # fmt: skip

    def run_one(self, stage: Stage[Any, Any]) -> Outcome:
        params = self.params_for(stage)
        ready = self.prepare(stage)
        if isinstance(ready, str):
            return self.record_only(stage, "skipped", ready)
        ctx, fp = ready
        old = self.case.manifest.stages.get(stage.name)
        if old is not None and self.reusable(stage, fp):
            status: Status = "skipped" if old.status == "skipped" else "cached"
            if old.status != status:
                old.status = status
                self.case.save()
            if status == "cached":
                cached = self.dep_result(stage.name)
                if cached is None:  # result.json unreadable: recompute below
                    old = None
            if old is not None:
                outcome = Outcome(status=status, seconds=0.0, error=old.error)
                self.observer.stage_finished(stage.name, outcome)
                return outcome
        return self.execute(stage, params, ctx, fp)

    def share_pass(self, stage: PictureStage[Any, Any, Any], ctx: StageContext) -> None:
        """Decode the video once for this picture stage and every later one that will run
        (their consumers wait in ``self.fed``); alone, the stage decodes for itself."""
        selected = self.selected()
        later = self.stages[self.stages.index(stage) + 1 :]
        others = [o for o in later if o.name in selected and isinstance(o, PictureStage)]
        if not others:
            return
        first = stage.consumer(ctx, self.params_for(stage))
        consumers: dict[str, FrameConsumer] = {}
        for other in others:
            ready = self.prepare(other)
            if isinstance(ready, str) or self.reusable(other, ready[1], say=False):
                continue
            other_ctx = ready[0]
            shutil.rmtree(other_ctx.out_dir, ignore_errors=True)
            other_ctx.out_dir.mkdir(parents=True)
            try:
                consumers[other.name] = other.consumer(other_ctx, self.params_for(other))
            except Exception as e:  # it meets the same when its turn comes
                log.debug("stage %s stays out of the shared pass: %s", other.name, e)
        try:
            decode_once(ctx.input_path, [first, *consumers.values()], ctx.report_progress)
        except ValueError:
            for c in (first, *consumers.values()):
                c.error = StageSkipped("no video stream")
        ctx.fed = first
        self.fed.update(consumers)

    def intact(self, record: StageRecord) -> bool:
        damaged = damaged_file(self.case, record)
        if damaged is not None and record.files:  # derived: made again, said in one line
            print(f"note: {damaged} is missing or damaged; running the {record.name} stage again",
                  file=sys.stderr)  # fmt: skip
        return damaged is None

    def context(self, stage: Stage[Any, Any], deps: dict[str, Result]) -> StageContext:
        """What the stage sees; its output folder is a private staging folder."""
        return StageContext(
            input_path=self.case.input_path,
            input=self.case.manifest.input,
            out_dir=self.case.root / f".{stage.name}.tmp-{os.getpid()}",
            case_dir=self.case.root,
            deps=deps,
            source=self.case.manifest.source,
            report_progress=lambda f: self.observer.stage_progress(stage.name, f),
        )

    def execute(
        self, stage: Stage[Any, Any], params: Params, ctx: StageContext, fp: str
    ) -> Outcome:
        staging = ctx.out_dir
        ctx.fed = self.fed.pop(stage.name, None)
        if ctx.fed is None:  # a fed consumer's staging folder was made before the pass
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
        record = StageRecord(
            name=stage.name,
            version=stage.version,
            params=params.model_dump(mode="json"),
            status="ok",
            started=now(),
            fingerprint=fp,
        )
        old = self.case.manifest.stages.get(stage.name)
        self.observer.stage_started(stage.name)
        t0 = time.perf_counter()
        try:
            if isinstance(stage, PictureStage) and ctx.fed is None:
                self.share_pass(stage, ctx)
            result = stage.run(ctx, params)
            atomic.write_model(staging / RESULT_NAME, result)
            atomic.replace_dir(staging, self.case.stage_dir(stage.name))
            record.files = self.case.file_records(self.case.stage_dir(stage.name))
            self.results[stage.name] = result
        except StageSkipped as e:
            record.status, record.error = "skipped", str(e)
            record.files = old.files if old else []
        except StageUnavailable as e:
            record.status, record.error, record.fix = "unavailable", str(e), e.fix
            record.fingerprint = None
            record.files = old.files if old else []
        except Exception as e:
            if self.options.debug:
                raise
            record.status, record.error = "failed", one_line(e)
            record.traceback = traceback.format_exc()
            log.warning("stage %s failed: %s", stage.name, record.error)
            record.fingerprint = None
            record.files = old.files if old else []
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        record.seconds = round(time.perf_counter() - t0, 3)
        log.info("stage %s: %s in %.2f s", stage.name, record.status, record.seconds)
        self.case.manifest.stages[stage.name] = record
        self.case.save()
        outcome = Outcome(record.status, record.seconds, record.error, record.fix)
        self.observer.stage_finished(stage.name, outcome)
        return outcome


def one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}"[:500]
