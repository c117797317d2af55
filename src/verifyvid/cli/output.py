"""Console output: progress on stderr, human summaries and JSON on stdout, one-line errors."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from verifyvid.api import CheckResult
from verifyvid.pipeline.runner import Outcome

STATUS_STYLE = {
    "ok": "green",
    "cached": "green",
    "skipped": "yellow",
    "unavailable": "yellow",
    "failed": "red",
}
SEVERITY_STYLE = {"warning": "bold red", "notice": "yellow", "info": "dim"}


def stdout() -> Console:
    return Console(highlight=False, soft_wrap=True)


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """One line on stderr: what is wrong and what to do."""
    stderr().print(f"[red]error:[/red] {escape(message)}")


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
    sys.stdout.flush()


def print_jsonl(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()


class BatchProgress:
    """A progress bar on stderr (only when it is a terminal): done of total, failures, rate,
    time elapsed and left."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.enabled = enabled
        self.failed = 0
        self.progress = Progress(TextColumn("batch"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                                 TextColumn("{task.fields[failed]} failed"),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("left"),
                                 TimeRemainingColumn(), console=stderr())  # fmt: skip
        self.task = self.progress.add_task("batch", total=total, failed=0, rate="")

    def __enter__(self) -> BatchProgress:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def advance(self, failed: bool = False) -> None:
        self.failed += failed
        self.progress.advance(self.task)
        task = self.progress.tasks[0]
        rate = f"{task.completed / task.elapsed * 60:.1f}/min" if task.elapsed else ""
        self.progress.update(self.task, failed=self.failed, rate=rate)


def batch_progress(total: int, enabled: bool) -> BatchProgress:
    return BatchProgress(total, enabled)


class ProgressObserver:
    """A rich progress display on stderr, shown only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.console = stderr()
        self.enabled = enabled and self.console.is_terminal
        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TextColumn("left"),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> ProgressObserver:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()

    def stage_started(self, name: str) -> None:
        if self.enabled:
            self.tasks[name] = self.progress.add_task(name, total=1.0, status="running")

    def stage_progress(self, name: str, fraction: float) -> None:
        if self.enabled and name in self.tasks:
            self.progress.update(self.tasks[name], completed=min(1.0, max(0.0, fraction)))

    def stage_finished(self, name: str, outcome: Outcome) -> None:
        if not self.enabled:
            return
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(name, total=1.0, status="")
        style = STATUS_STYLE.get(outcome.status, "")
        self.progress.update(
            self.tasks[name], completed=1.0, status=f"[{style}]{outcome.status}[/{style}]"
        )


def print_batch_line(line: dict[str, Any]) -> None:
    """One input of a batch, for people: status, input, then its case or its error."""
    status = line["status"]
    style = {"ok": "green", "partial": "yellow"}.get(status, "red")
    where = line["case"] or line["error"] or ""
    path = (line.get("input") or {}).get("path") or ""
    stdout().print(f"[{style}]{status:<8}[/{style}] {escape(path)}  {escape(where)}")


def print_summary(result: CheckResult, limit: int = 8) -> None:
    out = stdout()
    out.print(f"[bold]Case[/bold] {escape(str(result.case.root))}")
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    table.add_column("stage")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("note")
    for name, o in result.outcomes.items():
        style = STATUS_STYLE.get(o.status, "")
        note = o.error or ""
        if o.fix:
            note += f" (fix: {o.fix})"
        table.add_row(name, f"[{style}]{o.status}[/{style}]", f"{o.seconds:.2f}", escape(note))
    out.print(table)
    shown = [f for f in result.findings if f.finding.severity != "info"][:limit] or result.findings[
        :limit
    ]
    if shown:
        out.print("[bold]Main findings[/bold]")
        for sf in shown:
            style = SEVERITY_STYLE[sf.finding.severity]
            out.print(f"  [{style}]{sf.finding.severity:<7}[/{style}] {escape(sf.finding.message)}")
    if result.report:
        out.print(f"[bold]Report[/bold] {escape(str(result.report))}")


def table(headers: list[str], rows: list[list[Any]]) -> None:
    """A plain table with a header row on stdout (no borders: easy to read and to grep)."""
    t = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for h in headers:
        t.add_column(h)
    for row in rows:
        t.add_row(*(escape("" if v is None else str(v)) for v in row))
    console = stdout()
    if not console.is_terminal:  # piped: never fold a path across lines
        console = Console(highlight=False, width=10_000)
    console.print(t)


def print_path(label: str, path: Path) -> None:
    stdout().print(f"[bold]{label}[/bold] {escape(str(path))}")
