"""The library's entry points: what every CLI command calls.

``check`` is the whole pipeline for one input:

1. resolve the target: a media file (its case is created or reopened) or a case folder;
2. make sure a media file is usable (``InputError`` otherwise) and hash it;
3. lock the case folder, so one process writes it at a time;
4. run the selected stages (``pipeline.runner``), each into its own subfolder;
5. write the report from the case folder alone.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifyvid.acquire import AcquireOptions
from verifyvid.case import atomic
from verifyvid.case.folder import (
    Case,
    open_case,
    read_manifest,
    reopen_case,
)
from verifyvid.case.lock import CaseLock
from verifyvid.case.manifest import DONE
from verifyvid.errors import ExitCode
from verifyvid.findings import Finding, ranked
from verifyvid.intake import install, take
from verifyvid.pipeline import registry
from verifyvid.pipeline.runner import Observer, Outcome, Runner, RunOptions
from verifyvid.pipeline.stage import Stage
from verifyvid.report.markdown import render_markdown

REPORT_NAME = "report.md"


@dataclass
class StageFinding:
    stage: str
    finding: Finding

    def as_json(self) -> dict[str, Any]:
        return {"stage": self.stage, **self.finding.model_dump(mode="json")}


@dataclass
class CheckResult:
    case: Case
    outcomes: dict[str, Outcome]
    findings: list[StageFinding]
    report: Path | None

    @property
    def exit_code(self) -> ExitCode:
        bad = any(o.status in ("failed", "unavailable") for o in self.outcomes.values())
        return ExitCode.PARTIAL if bad else ExitCode.OK

    def as_json(self) -> dict[str, Any]:
        rec = self.case.manifest.input
        return {
            "case": str(self.case.root.resolve()),
            "input": {"path": rec.path, "url": rec.url, "sha256": rec.sha256, "size": rec.size},
            "stages": {
                name: {"status": o.status, "seconds": o.seconds, "error": o.error, "fix": o.fix}
                for name, o in self.outcomes.items()
            },
            "findings": [f.as_json() for f in self.findings],
            "report": str(self.report.resolve()) if self.report else None,
        }


def case_findings(case: Case, stages: list[Stage[Any, Any]] | None = None) -> list[StageFinding]:
    """Findings of every stage that succeeded, most severe first."""
    out: list[StageFinding] = []
    for stage in stages or registry.all_stages():
        record = case.manifest.stages.get(stage.name)
        if record is None or record.status not in DONE:
            continue
        result = case.load_result(stage.name, stage.result_model)
        if result is not None:
            out.extend(StageFinding(stage.name, f) for f in result.findings)
    order = {id(f): i for i, f in enumerate(ranked([sf.finding for sf in out]))}
    return sorted(out, key=lambda sf: order[id(sf.finding)])


def open_existing(root: Path) -> Case:
    """A case folder for reading (its input need not be present)."""
    return Case(root, read_manifest(root))


REPORT_FORMATS = ("md", "json", "html")


def render_report(case_dir: Path, fmt: str = "md", base: str = "") -> str:
    if fmt == "md":
        return render_markdown(case_dir, base)
    from verifyvid.report.formats import render_html, render_json  # markdown-it: only here

    return render_json(case_dir) if fmt == "json" else render_html(case_dir)


def write_report(case: Case, fmt: str = "md", out: Path | None = None) -> Path:
    """Render the report of ``case``; by default into the case folder as report.<fmt>."""
    path = out or case.root / f"report.{fmt}"
    base = ""
    if fmt == "md" and out is not None:
        base = os.path.relpath(case.root.resolve(), out.resolve().parent).replace(os.sep, "/") + "/"
    atomic.write_text(path, render_report(case.root, fmt, "" if base == "./" else base))
    return path


def set_claims(case_dir: Path, claims: dict[str, str], wait: bool = True) -> Case:
    """Record what the clip is claimed to show (date, place, language) in the case."""
    with CaseLock(case_dir, wait=wait):
        case = open_existing(case_dir)
        case.manifest.claims.update({k: v for k, v in claims.items() if v})
        case.save()
        write_report(case)
    return case


def check(
    target: str,
    *,
    case_dir: Path | None = None,
    cases_root: Path = Path("cases"),
    options: RunOptions | None = None,
    observer: Observer | None = None,
    wait: bool = True,
    on_wait: Callable[[Path], None] | None = None,
    report: bool = True,
    claims: dict[str, str] | None = None,
    acquire_options: AcquireOptions | None = None,
    info_json: Path | None = None,
) -> CheckResult:
    """Run the pipeline on a media file, a link, or an existing case folder."""
    options = options or RunOptions()
    with contextlib.ExitStack() as stack:
        intake = take(target, case_dir, cases_root, stack, acquire_options, info_json)
        with CaseLock(intake.root, wait=wait, on_wait=on_wait):
            if intake.record is not None:
                case = open_case(intake.root, intake.record)
            else:
                case = reopen_case(intake.root)
            install(case, intake)
            case.manifest.claims.update({k: v for k, v in (claims or {}).items() if v})
            case.save()
            runner = Runner(case, registry.all_stages(), options, observer)
            outcomes = runner.run()
            report_path = write_report(case) if report else None
            case.save()
    return CheckResult(case, outcomes, case_findings(case), report_path)
