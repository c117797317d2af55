"""Commands on inputs in bulk and on case folders: acquire, batch, report, verify, claim, version."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from verifyvid import __version__, api
from verifyvid.acquire import ACQUISITION_NAME, SOURCE_DIR
from verifyvid.case.folder import read_manifest
from verifyvid.case.lock import CaseLock
from verifyvid.cli import output
from verifyvid.cli.common import (
    CaseOpt,
    ClaimDateOpt,
    ClaimLanguageOpt,
    ClaimPlaceOpt,
    ConfigOpt,
    CookiesOpt,
    DebugOpt,
    ForceOpt,
    JsonOpt,
    MaxSizeOpt,
    NoWaitOpt,
    QuietOpt,
    acquire_options,
    app,
    cli_errors,
    run_pipeline,
    settings_for,
)
from verifyvid.config import stage_params
from verifyvid.errors import ExitCode, UsageError
from verifyvid.pipeline.runner import RunOptions
from verifyvid.versions import tool_info


@app.command()
def acquire(
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL", help="A post or a media link (Telegram, X, TikTok, YouTube...)."
        ),
    ],
    case: CaseOpt = None,
    cookies: CookiesOpt = None,
    fmt: Annotated[
        str | None, typer.Option("--format", metavar="FORMAT", help="yt-dlp format selection.")
    ] = None,
    max_size: MaxSizeOpt = None,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Download a post with yt-dlp into a new case, keeping the platform's metadata."""
    with cli_errors(debug):
        settings = settings_for(config)
        result = run_pipeline(
            url,
            settings=settings,
            case=case,
            options=RunOptions(only=frozenset(), debug=debug),
            json_out=json_out,
            quiet=True,
            no_wait=no_wait,
            acquire=acquire_options(cookies, fmt, max_size),
        )
        summary = json.loads(
            (result.case.root / SOURCE_DIR / ACQUISITION_NAME).read_text(encoding="utf-8")
        )
    if json_out:
        output.print_json({"case": str(result.case.root.resolve()), **summary})
    elif not quiet:
        output.print_path("Case", result.case.root)
        output.print_path("Media", result.case.root / summary["file"])


@app.command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUTS...", help="Files, folders, links, or @list.txt (one per line)."
        ),
    ],
    jobs: Annotated[
        int, typer.Option("--jobs", "-j", metavar="N", help="Inputs processed in parallel.")
    ] = 2,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Only JSON lines on stdout (no summary).")
    ] = False,
    force: ForceOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Check many inputs in parallel processes: one JSON line per input; exit 4 if any failed."""
    with cli_errors(debug):
        from verifyvid import batch as batch_core

        settings = settings_for(config)
        targets = batch_core.expand(inputs)
        if not targets:
            raise UsageError("no input found; give files, folders, links or @list.txt")
        params = stage_params(settings)
        err = output.stderr()
        failed = 0
        counts: dict[str, int] = {}
        progress = output.batch_progress(len(targets), enabled=not quiet and err.is_terminal)
        with progress:
            for line in batch_core.run(targets, settings.cases_dir, params, jobs, force):
                output.print_jsonl(line)
                counts[line["status"]] = counts.get(line["status"], 0) + 1
                failed += line["exit_code"] != 0
                progress.advance()
        if not quiet and not jsonl:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            err.print(f"{len(targets)} inputs: {summary}")
    if failed:
        raise typer.Exit(int(ExitCode.PARTIAL))


@app.command()
def report(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case folder.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", help="Write here instead of CASE/report.<format>."
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="md|json|html",
            help="Markdown, JSON for scripts, or self-contained HTML.",
        ),
    ] = "md",
    debug: DebugOpt = False,
) -> None:
    """Render the report of a case folder from its files alone (never re-runs a stage)."""
    with cli_errors(debug):
        if fmt not in api.REPORT_FORMATS:
            raise UsageError(f"--format {fmt}: choose md, json or html")
        read_manifest(case)  # a clear error when CASE is not a case folder
        with CaseLock(case):
            path = api.write_report(api.open_existing(case), fmt, out)
    output.print_path("Report", path)


@app.command()
def verify(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case folder.")],
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Recompute the SHA-256 of the input and every case file; exit 4 if anything changed."""
    with cli_errors(debug):
        from verifyvid.case.integrity import verify as verify_case

        read_manifest(case)  # a clear error when CASE is not a case folder
        result = verify_case(case)
    if json_out:
        output.print_json(
            {
                "intact": result.intact,
                "checked": result.checked,
                "changed": result.changed,
                "missing": result.missing,
                "added": result.added,
            }
        )
    else:
        out = output.stdout()
        for label, items in (
            ("changed", result.changed),
            ("missing", result.missing),
            ("added", result.added),
        ):
            for item in items:
                out.print(f"{label:<8} {item}", markup=False)
        out.print(f"{'intact' if result.intact else 'NOT intact'}: {result.checked} files checked")
    if not result.intact:
        raise typer.Exit(int(ExitCode.PARTIAL))


@app.command()
def claim(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case folder.")],
    claim_date: ClaimDateOpt = None,
    claim_place: ClaimPlaceOpt = None,
    claim_language: ClaimLanguageOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Record what the clip is claimed to show; the report compares each claim with the evidence."""
    with cli_errors(debug):
        read_manifest(case)  # a clear error when CASE is not a case folder
        claims = {"date": claim_date, "place": claim_place, "language": claim_language}
        if not any(claims.values()):
            raise UsageError("give at least one of --claim-date, --claim-place, --claim-language")
        api.set_claims(case, {k: v for k, v in claims.items() if v})
    output.print_path("Claims recorded; report", case / "report.md")


@app.command()
def version(json_out: JsonOpt = False) -> None:
    """Print the versions of verifyvid, ffmpeg and the key libraries."""
    info = tool_info()
    if json_out:
        output.print_json(info.model_dump())
        return
    out = output.stdout()
    out.print(f"verifyvid {__version__} (Python {info.python})")
    out.print(f"ffmpeg {info.ffmpeg}")
    for name, ver in sorted(info.libraries.items()):
        out.print(f"{name} {ver}")
