"""The library's entry points: what every CLI command calls.

``check`` is the whole pipeline for one input:

1. resolve the target: a media file (its case is created or reopened), a link, standard
   input ('-'), or a case folder; the claims are checked;
2. make sure a media file is usable (``InputError`` otherwise) and hash it;
3. lock the case folder, so one process writes it at a time;
4. run the selected stages (``pipeline.runner``), each into its own subfolder;
5. write the report from the case folder alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from verifyvid import claims as claim_rules
from verifyvid.case import atomic
from verifyvid.case.folder import (
    Case,
    open_case,
    read_manifest,
    reopen_case,
)
from verifyvid.case.lock import CaseLock
from verifyvid.download import AcquireOptions
from verifyvid.envelope import Envelope, FindingOut, InputOut, StageOut, status_of
from verifyvid.errors import ExitCode, UsageError
from verifyvid.findings import Finding
from verifyvid.intake import install, take
from verifyvid.pipeline import registry
from verifyvid.pipeline.plan import RunOptions, validated
from verifyvid.pipeline.registry import libraries
from verifyvid.pipeline.runner import Observer, Outcome, Runner
from verifyvid.report.markdown import render_markdown
from verifyvid.report.redact import redacted
from verifyvid.stage import Stage
from verifyvid.versions import tool_info
from verifyvid.view import CaseView
from verifyvid.view import load as load_view

REPORT_NAME = "report.md"


@dataclass
class StageFinding:
    stage: str
    finding: Finding

    def out(self) -> FindingOut:
        return FindingOut(stage=self.stage, **self.finding.model_dump(mode="json"))


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

    def problems(self) -> str | None:
        """One line naming each stage that failed or was unavailable, with why (None if none)."""
        parts = []
        for name, o in self.outcomes.items():
            if o.status in ("failed", "unavailable"):
                fix = f" (fix: {o.fix})" if o.fix else ""
                parts.append(f"stage {name} {o.status}: {o.error}{fix}")
        return "; ".join(parts) or None

    def envelope(self, command: str = "check", result: Any = None) -> Envelope:
        rec = self.case.manifest.input
        code = int(self.exit_code)
        return Envelope(
            command=command,
            status=status_of(code),
            exit_code=code,
            error=self.problems(),
            input=InputOut(path=rec.path, url=rec.url, sha256=rec.sha256, size=rec.size),
            case=str(self.case.root.resolve()),
            stages={
                name: StageOut(status=o.status, seconds=o.seconds, reason=o.error, fix=o.fix)
                for name, o in self.outcomes.items()
            },
            findings=[f.out() for f in self.findings],
            report=str(self.report.resolve()) if self.report else None,
            result=result,
        )


def case_findings(view: CaseView) -> list[StageFinding]:
    """Every finding of the case, most severe first, claims contradicted by the evidence
    included: the list the report shows (both read the case view)."""
    return [StageFinding(stage, f) for stage, f in view.findings]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def read_result(case: Case, stage: str) -> Any:
    """A stage's result.json as it is written in the case (JSON values)."""
    return read_json(case.result_path(stage))


def copy_out(case: Case, file: str, dest: Path) -> Path:
    """A file of the case copied to ``dest`` (atomically); UsageError when the case lacks it
    (its stage did not run to the end)."""
    source = case.root / file
    if not source.is_file():
        stage = file.split("/")[0]
        raise UsageError(f"{dest}: not written, the case has no {file} (the {stage} stage did "
                         "not finish; see its status)")  # fmt: skip
    atomic.write_bytes(dest.expanduser(), source.read_bytes())
    return dest


def open_existing(root: Path) -> Case:
    """A case folder for reading (its input need not be present)."""
    return Case(root, read_manifest(root))


REPORT_FORMATS = ("md", "json", "html", "pdf")
GLANCE_SUFFIX = ".glance.png"  # the timeline picture, beside the Markdown report


def render_report(
    case_dir: Path, fmt: str = "md", base: str = "", stages: Sequence[Stage[Any, Any]] | None = None
) -> str:
    return render_view(load_view(case_dir, stages), fmt, base)


def render_view(
    view: CaseView, fmt: str = "md", base: str = "", folder: Path | None = None,
    glance: str | None = None,
) -> str:  # fmt: skip
    """``folder``: where an HTML report will be written (its player's links are relative);
    ``glance``: the timeline picture's link in a Markdown report."""
    if fmt == "md":
        return render_markdown(view, base, glance)
    if fmt == "json":
        from verifyvid.report.formats import render_json

        return render_json(view)
    from verifyvid.report.page import render_html  # markdown-it and matplotlib: only here

    return render_html(view, folder)


def write_report(
    case: Case,
    fmt: str = "md",
    out: Path | None = None,
    view: CaseView | None = None,
    redact_paths: bool = False,
) -> Path:
    """Render the report of ``case`` (from ``view`` when the caller has read it already); by
    default into the case folder as report.<fmt>; ``redact_paths``: local paths become names."""
    path = out or case.root / f"report.{fmt}"
    shown = view if view is not None else load_view(case.root)
    local = [case.root.resolve(), Path(case.manifest.input.path)]  # what --redact-paths hides
    if fmt == "pdf":
        from verifyvid.report.pdf import write_pdf

        page = render_view(shown, "html", folder=path.parent)
        write_pdf(redacted(page, local) if redact_paths else page, path)
        return path
    base = ""
    if fmt == "md" and out is not None:
        base = os.path.relpath(case.root.resolve(), out.resolve().parent).replace(os.sep, "/") + "/"
    glance = None
    if fmt == "md":
        from verifyvid.report.glance import png  # matplotlib: only here

        picture = png(shown)
        if picture is not None:
            glance_path = path.with_name(path.stem + GLANCE_SUFFIX)
            atomic.write_bytes(glance_path, picture)
            glance = glance_path.name
    text = render_view(shown, fmt, "" if base == "./" else base, path.parent, glance)
    if redact_paths:
        text = redacted(text, local)
    atomic.write_text(path, text)
    return path


def archive_case(case: Case, index: str | None) -> dict[str, Any]:
    """Add a checked case's video to the archive ``index`` (the default file when None), with
    the hashes and sound the case holds: first seen on its platform upload day when the case
    knows it, else today (the day this desk saw it). The row `index add-case` prints."""
    from datetime import UTC, datetime

    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.service import add_case
    from verifyvid.archive.store import default_path
    from verifyvid.stages.acquire.models import AcquireResult

    acquired = case.load_result("acquire", AcquireResult)
    uploaded = acquired.upload_time if acquired is not None else None
    day = (uploaded or datetime.now(UTC)).date().isoformat()
    archive = open_archive(index or str(default_path()), create=True)
    try:
        return add_case(archive, case.root, None, None, day)
    finally:
        archive.close()


def with_claim(options: RunOptions, case: Case, stages: Sequence[Stage[Any, Any]]) -> RunOptions:
    """The case's claimed language handed to the transcribe stage, which then tests it by
    decoding when it is a close relative of what it hears (stages/transcribe/claim.py)."""
    claim = case.manifest.claims.get("language")
    own = options.params.get("transcribe", {})
    if not claim or "claim" in own or "transcribe" not in {s.name for s in stages}:
        return options
    return dataclasses.replace(
        options, params={**options.params, "transcribe": {**own, "claim": claim}}
    )


def set_claims(
    case_dir: Path, claims: dict[str, str | None], wait: bool = True, clear: bool = False
) -> Case:
    """Record what the clip is claimed to show (date, place, language) in the case; ``clear``
    forgets the claims recorded before."""
    given = claim_rules.checked(claims)
    with CaseLock(case_dir, wait=wait):
        case = open_existing(case_dir)
        if clear:
            case.manifest.claims.clear()
        case.manifest.claims.update(given)
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
    claims: dict[str, str | None] | None = None,
    acquire_options: AcquireOptions | None = None,
    info_json: Path | None = None,
    stdin: BinaryIO | None = None,
    stages: Sequence[Stage[Any, Any]] | None = None,
    keep_input: bool = False,
    redact_paths: bool = False,
) -> CheckResult:
    """Run the pipeline on a media file, a link, standard input ('-'), or a case folder;
    ``stages`` (default: the registry's) are the stages that exist for this run; ``keep_input``
    copies a local input into the case; ``redact_paths`` keeps local paths out of the report."""
    options = options or RunOptions()
    given = claim_rules.checked(claims or {})
    known = registry.chosen(stages)
    validated(known, options)  # bad options: exit 2 before a case is written
    with contextlib.ExitStack() as stack:
        intake = take(target, case_dir, cases_root, stack, acquire_options, info_json, stdin)
        with CaseLock(intake.root, wait=wait, on_wait=on_wait):
            if intake.record is not None:
                case = open_case(intake.root, intake.record)
            else:
                case = reopen_case(intake.root)
            install(case, intake, keep_input)
            case.manifest.claims.update(given)
            case.save()
            case.manifest.tool = tool_info(libraries(known))
            runner = Runner(case, known, with_claim(options, case, known), observer)
            outcomes = runner.run()
            view = load_view(case.root, known)
            report_path = (
                write_report(case, view=view, redact_paths=redact_paths) if report else None
            )
            case.save()
    return CheckResult(case, outcomes, case_findings(view), report_path)
