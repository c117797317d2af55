"""Commands on inputs in bulk and on case folders: acquire, batch, report, claim, version."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from verifyvid import __version__, api
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
    DownloadFormatOpt,
    ForceOpt,
    JsonOpt,
    MaxSizeOpt,
    NoWaitOpt,
    OnlyOpt,
    Out,
    QuietOpt,
    SkipOpt,
    acquire_options,
    cli_errors,
    command,
    run_options,
    run_pipeline,
    settings_for,
)
from verifyvid.config import stage_params
from verifyvid.errors import ExitCode, UsageError
from verifyvid.pipeline import registry
from verifyvid.pipeline.plan import RunOptions, validated
from verifyvid.pipeline.registry import libraries
from verifyvid.report.redact import redacted
from verifyvid.versions import tool_info

CaseArg = Annotated[Path, typer.Argument(metavar="CASE", help="A case folder.")]


@command()
def acquire(
    url: Annotated[
        str,
        typer.Argument(
            metavar="URL", help="A post or a media link (Telegram, X, TikTok, YouTube...)."
        ),
    ],
    case: CaseOpt = None,
    cookies: CookiesOpt = None,
    download_format: DownloadFormatOpt = None,
    max_size: MaxSizeOpt = None,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Download a post with yt-dlp into a new case, keeping the platform's metadata."""
    out = Out("acquire", json_out, quiet, debug, url)
    with cli_errors(out):
        settings = settings_for(config)
        result = run_pipeline(url, settings=settings, case=case,
                              options=RunOptions(only=frozenset({"acquire"}), debug=debug), out=out,
                              no_wait=no_wait, acquire=acquire_options(cookies, download_format, max_size))  # fmt: skip
        summary = api.read_json(result.case.result_path("acquire"))

    def human() -> None:
        output.print_path("Case", result.case.root)
        output.print_path("Media", result.case.root / summary["file"])

    out.emit(result.envelope("acquire", summary), human)


@command()
def batch(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUTS...",
            help="Files, folders, links, @list.txt (one per line) or @- (the list on stdin).",
        ),
    ],
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", metavar="N", min=1, help="Inputs processed in parallel."),
    ] = 2,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="ADDRESS",
            help="Send one task per input to this Dask scheduler (tcp://HOST:8786; or "
            "VERIFYVID_CLUSTER); workers run `dask worker ADDRESS` where verifyvid is installed.",
        ),
    ] = None,
    cases: Annotated[
        Path | None,
        typer.Option(
            "--cases",
            metavar="DIR",
            help="Where the cases go (default: the cases folder). With --cluster: a folder the "
            "workers share, which they write to; without it, each case comes back as a zip.",
        ),
    ] = None,
    add: Annotated[
        bool,
        typer.Option(
            "--add",
            help="Add each clip checked to the archive (after its search; first seen on its "
            "upload day when known, else today). With --cluster: the team's PostgreSQL archive.",
        ),
    ] = False,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    force: ForceOpt = False,
    claim_date: ClaimDateOpt = None,
    claim_place: ClaimPlaceOpt = None,
    claim_language: ClaimLanguageOpt = None,
    json_out: Annotated[
        bool,
        typer.Option(
            "--json", "--jsonl", help="Print one JSON object per input, one per line, on stdout."
        ),
    ] = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Check many inputs in parallel processes, or on a Dask cluster (the `check` of each); exit 4
    if any failed, 3 if the cluster cannot be reached or is lost."""
    out = Out("batch", json_out, quiet, debug, lines=True)
    with cli_errors(out):
        from verifyvid import batch as batch_core
        from verifyvid import claims as claim_rules
        from verifyvid.pipeline import registry

        settings = settings_for(config)
        claims = claim_rules.checked(
            {"date": claim_date, "place": claim_place, "language": claim_language}
        )
        options = run_options(only, skip, force, debug=False)
        options.params = stage_params(settings)
        validated(registry.all_stages(), options)  # a bad option fails once, not per input
        targets = batch_core.expand(inputs, sys.stdin if "@-" in inputs else None)
        if not targets:
            raise UsageError("no input found; give files, folders, links or @list.txt")
        err = output.stderr()
        counts: dict[str, int] = {}
        root = cases if cases is not None else settings.cases_dir
        address = cluster or settings.cluster
        if address:
            from verifyvid import cluster as dask_cluster

            dask_cluster.shared_archive(options, settings.index, add)
            client = dask_cluster.connect(address)
            note = dask_cluster.slow_workers(client)
            if note and not quiet:
                err.print(f"note: {note}", markup=False)
            lines = dask_cluster.run(
                client, targets, root, cases is not None, options, dict(claims), add
            )
        else:
            lines = batch_core.run(targets, root, options, jobs, dict(claims), add)
        progress = output.batch_progress(len(targets), enabled=not quiet and err.is_terminal)
        with progress:
            for line in lines:
                if json_out:
                    output.print_jsonl(line)
                elif not quiet:
                    output.print_batch_line(line)
                counts[line["status"]] = counts.get(line["status"], 0) + 1
                progress.advance(failed=line["status"] != "ok")
        failed = len(targets) - counts.get("ok", 0)
        if not quiet and not json_out:
            summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
            err.print(f"{len(targets)} inputs: {summary}", markup=False)
    if failed:
        err.print(f"partial: {failed} of {len(targets)} inputs did not complete", markup=False)
        raise typer.Exit(int(ExitCode.PARTIAL))


@command()
def report(
    case: CaseArg,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Write here instead of CASE/report.<format>; - writes to stdout.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="md|json|html|pdf",
            help="Markdown, JSON for scripts, self-contained HTML that plays the clip, or PDF "
            "(printed by a headless Chromium, when one is installed).",
        ),
    ] = "md",
    redact_paths: Annotated[
        bool,
        typer.Option(
            "--redact-paths",
            help="Name files without the folders they sit in on this machine (to share the report).",
        ),
    ] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Render the report of a case folder from its files alone (never re-runs a stage)."""
    out = Out("report", json_out, quiet, debug, str(case))
    with cli_errors(out):
        if fmt not in api.REPORT_FORMATS:
            raise UsageError(f"--format {fmt}: choose md, json, html or pdf")
        to_stdout = out_path is not None and str(out_path) == "-"
        if to_stdout and fmt == "pdf":
            raise UsageError("-o - prints text reports only; give -o FILE.pdf for a PDF")
        if to_stdout and json_out:
            raise UsageError("-o - prints the report itself; leave out --json")
        read_manifest(case)  # a clear error when CASE is not a case folder
        redact = redact_paths or settings_for(config).redact_paths
        with CaseLock(case):
            opened = api.open_existing(case)
            if to_stdout:
                text = api.render_report(case, fmt)
                known = [case.resolve(), Path(opened.manifest.input.path)]
                sys.stdout.write(redacted(text, known) if redact else text)
                return
            path = api.write_report(opened, fmt, out_path, redact_paths=redact)
    out.emit(out.ok({"path": str(path.resolve()), "format": fmt}, case=str(case.resolve())),
             lambda: output.print_path("Report", path))  # fmt: skip


@command()
def claim(
    case: CaseArg,
    claim_date: ClaimDateOpt = None,
    claim_place: ClaimPlaceOpt = None,
    claim_language: ClaimLanguageOpt = None,
    clear: Annotated[
        bool,
        typer.Option("--clear", help="Forget the claims recorded before (then add any given)."),
    ] = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Record what the clip is claimed to show; the report compares each claim with the evidence."""
    out = Out("claim", json_out, quiet, debug, str(case))
    with cli_errors(out):
        read_manifest(case)  # a clear error when CASE is not a case folder
        claims = {"date": claim_date, "place": claim_place, "language": claim_language}
        if not clear and not any(claims.values()):
            raise UsageError(
                "give at least one of --claim-date, --claim-place, --claim-language, or --clear"
            )
        recorded = api.set_claims(case, claims, clear=clear).manifest.claims
    out.emit(out.ok({"claims": dict(recorded)}, case=str(case.resolve()),
                    report=str((case / "report.md").resolve())),
             lambda: output.print_path("Claims recorded; report", case / "report.md"))  # fmt: skip


@command()
def version(json_out: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """Print the versions of verifyvid, ffmpeg and the key libraries."""
    out = Out("version", json_out, quiet, debug)
    with cli_errors(out):
        info = tool_info(libraries(registry.all_stages()))

    def human() -> None:
        stdout = output.stdout()
        stdout.print(f"verifyvid {__version__} (Python {info.python})", markup=False)
        stdout.print(f"ffmpeg {info.ffmpeg}", markup=False)
        for name, ver in sorted(info.libraries.items()):
            stdout.print(f"{name} {ver}", markup=False)

    out.emit(out.ok(info.model_dump()), human)
