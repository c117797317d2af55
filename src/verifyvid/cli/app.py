"""The `verifyvid` command line: thin commands that parse, call ``verifyvid.api``, render."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from verifyvid import __version__, api
from verifyvid.acquire import ACQUISITION_NAME, SOURCE_DIR, AcquireOptions, parse_size
from verifyvid.case.folder import read_manifest
from verifyvid.case.lock import CaseLock
from verifyvid.cli import output
from verifyvid.config import Settings, load_settings
from verifyvid.errors import ExitCode, UsageError, VerifyvidError
from verifyvid.pipeline.runner import RunOptions
from verifyvid.versions import tool_info

app = typer.Typer(
    name="verifyvid",
    help="Verify viral videos offline: metadata, keyframes, earlier uploads, speech, case reports.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)

# -- options shared by several commands -----------------------------------------------

CaseOpt = Annotated[
    Path | None,
    typer.Option(
        "--case",
        metavar="DIR",
        help="Case folder to create or reopen (default: ./cases/<name>-<sha8>/).",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON object on stdout.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Show tracebacks; do not contain stage failures.")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        envvar="VERIFYVID_CONFIG",
        help="Settings file (default: user config dir/verifyvid.toml).",
    ),
]
ForceOpt = Annotated[
    bool, typer.Option("--force", help="Re-run stages even when their cached output is valid.")
]
NoWaitOpt = Annotated[
    bool, typer.Option("--no-wait", help="Fail at once if another process is working on the case.")
]


ClaimDateOpt = Annotated[
    str | None,
    typer.Option(
        "--claim-date", metavar="YYYY-MM-DD", help="The date the clip is claimed to show."
    ),
]
ClaimPlaceOpt = Annotated[
    str | None,
    typer.Option("--claim-place", metavar="TEXT", help="The place it is claimed to show."),
]
ClaimLanguageOpt = Annotated[
    str | None,
    typer.Option(
        "--claim-language", metavar="CODE", help="The language claimed to be spoken (e.g. kk)."
    ),
]


CookiesOpt = Annotated[
    Path | None,
    typer.Option(
        "--cookies", metavar="FILE", help="Netscape cookies file for posts that need a login."
    ),
]
MaxSizeOpt = Annotated[
    str | None,
    typer.Option(
        "--max-size", metavar="SIZE", help="Refuse downloads larger than this (e.g. 500M)."
    ),
]
InfoJsonOpt = Annotated[
    Path | None,
    typer.Option(
        "--info-json",
        metavar="FILE",
        help="yt-dlp .info.json of a local file (default: the one beside it).",
    ),
]


def acquire_options(cookies: Path | None, fmt: str | None, max_size: str | None) -> AcquireOptions:
    return AcquireOptions(
        cookies=cookies, format=fmt, max_bytes=parse_size(max_size) if max_size else None
    )


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def cli_errors(debug: bool) -> Iterator[None]:
    """Map the core's errors to one line on stderr and a documented exit code."""
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    except typer.Exit:
        raise
    except VerifyvidError as e:
        if debug:
            raise
        output.error(str(e))
        raise typer.Exit(int(e.exit_code)) from None
    except OSError as e:
        if debug:
            raise
        where = f" ({e.filename})" if e.filename else ""
        output.error(
            f"cannot write: {e.strerror or e}{where}; free disk space or choose a writable place "
            "(--case, cases_dir) and run again"
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    except KeyboardInterrupt:
        if debug:
            raise
        output.error("interrupted; run the same command again to resume")
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    except Exception as e:
        if debug:
            raise
        output.error(
            f"internal error: {type(e).__name__}: {' '.join(str(e).split())[:300]}; "
            "run again with --debug and report the traceback"
        )
        raise typer.Exit(int(ExitCode.INTERNAL)) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


def settings_for(config: Path | None) -> Settings:
    return load_settings(config)


def run_pipeline(
    target: str,
    *,
    settings: Settings,
    case: Path | None,
    options: RunOptions,
    json_out: bool,
    quiet: bool,
    no_wait: bool,
    claims: dict[str, str | None] | None = None,
    acquire: AcquireOptions | None = None,
    info_json: Path | None = None,
) -> api.CheckResult:
    merged = {name: dict(values) for name, values in settings.stages.items()}
    if settings.whisper_model:
        merged.setdefault("transcribe", {}).setdefault("model", settings.whisper_model)
    for name, values in options.params.items():
        merged.setdefault(name, {}).update(values)
    options.params = merged
    err = output.stderr()

    def on_wait(path: Path) -> None:
        if not quiet:
            err.print(f"waiting for another verifyvid process working on {path} …")

    with output.ProgressObserver(enabled=not quiet and not json_out) as observer:
        return api.check(
            target,
            case_dir=case,
            cases_root=settings.cases_dir,
            options=options,
            observer=observer,
            wait=not no_wait,
            on_wait=on_wait,
            claims={k: v for k, v in (claims or {}).items() if v},
            acquire_options=acquire,
            info_json=info_json,
        )


def finish(result: api.CheckResult, json_out: bool, quiet: bool) -> None:
    if json_out:
        output.print_json(result.as_json())
    elif not quiet:
        output.print_summary(result)
    code = result.exit_code
    if code != ExitCode.OK:
        raise typer.Exit(int(code))


# -- commands ---------------------------------------------------------------------------


@app.command()
def check(
    target: Annotated[
        str, typer.Argument(metavar="INPUT", help="A video or audio file, or a case folder.")
    ],
    case: CaseOpt = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", metavar="STAGE", help="Run only this stage (and what it needs); repeatable."
        ),
    ] = None,
    skip: Annotated[
        list[str] | None,
        typer.Option("--skip", metavar="STAGE", help="Do not run this stage; repeatable."),
    ] = None,
    force: ForceOpt = False,
    claim_date: ClaimDateOpt = None,
    claim_place: ClaimPlaceOpt = None,
    claim_language: ClaimLanguageOpt = None,
    cookies: CookiesOpt = None,
    download_format: Annotated[
        str | None,
        typer.Option("--download-format", metavar="FORMAT", help="yt-dlp format for links."),
    ] = None,
    max_size: MaxSizeOpt = None,
    info_json: InfoJsonOpt = None,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Run every stage on INPUT (a file, a link, or a case folder) and write the report."""
    with cli_errors(debug):
        settings = settings_for(config)
        options = RunOptions(
            force=force,
            only=frozenset(only) if only else None,
            skip=frozenset(skip or ()),
            debug=debug,
        )
        claims = {"date": claim_date, "place": claim_place, "language": claim_language}
        result = run_pipeline(
            target,
            settings=settings,
            case=case,
            options=options,
            json_out=json_out,
            quiet=quiet,
            no_wait=no_wait,
            claims=claims,
            acquire=acquire_options(cookies, download_format, max_size),
            info_json=info_json,
        )
    finish(result, json_out, quiet)


@app.command()
def meta(
    target: Annotated[
        str, typer.Argument(metavar="INPUT|CASE", help="A media file or a case folder.")
    ],
    case: CaseOpt = None,
    no_exiftool: Annotated[
        bool, typer.Option("--no-exiftool", help="Do not ask ExifTool even when it is on PATH.")
    ] = False,
    force: ForceOpt = False,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Read container, stream, device, date and GPS metadata; flag re-encoding and editing."""
    params: dict[str, dict[str, Any]] = {"meta": {"exiftool": False}} if no_exiftool else {}
    stage_command("meta", target, case, params, force, no_wait, json_out, quiet, debug, config)


@app.command()
def frames(
    target: Annotated[
        str, typer.Argument(metavar="INPUT|CASE", help="A media file or a case folder.")
    ],
    case: CaseOpt = None,
    interval: Annotated[
        float | None,
        typer.Option(
            "--interval",
            metavar="SECONDS",
            help="One more keyframe every SECONDS in long shots [default: 10].",
        ),
    ] = None,
    force: ForceOpt = False,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Keyframes per shot, contact sheet, reverse-search pack, bars, boxes and logos."""
    params: dict[str, dict[str, Any]] = {"frames": {"interval": interval}} if interval else {}
    stage_command("frames", target, case, params, force, no_wait, json_out, quiet, debug, config)


@app.command("hash")
def hash_command(
    target: Annotated[
        str, typer.Argument(metavar="INPUT|CASE", help="A media file or a case folder.")
    ],
    case: CaseOpt = None,
    fps: Annotated[
        float | None, typer.Option("--fps", metavar="N", help="Hashes per second [default: 15].")
    ] = None,
    force: ForceOpt = False,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """PDQ perceptual hashes of frames (bars removed, mirrored too), for searching earlier uploads."""
    params: dict[str, dict[str, Any]] = {"hash": {"fps": fps}} if fps else {}
    stage_command("hash", target, case, params, force, no_wait, json_out, quiet, debug, config)


@app.command()
def transcribe(
    target: Annotated[
        str, typer.Argument(metavar="INPUT|CASE", help="A media file or a case folder.")
    ],
    case: CaseOpt = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            metavar="NAME|PATH",
            help="tiny, base, small, medium, large-v3, turbo; a .pt checkpoint (openai-whisper) or a "
            "CTranslate2 folder (faster-whisper). Default: VERIFYVID_WHISPER_MODEL, then base.",
        ),
    ] = None,
    engine: Annotated[
        str, typer.Option("--engine", metavar="auto|faster|openai", help="Whisper engine.")
    ] = "auto",
    languages: Annotated[
        str | None,
        typer.Option(
            "--languages",
            metavar="CODES",
            help="Candidate languages, e.g. kk,ru,uk: renormalize over them.",
        ),
    ] = None,
    translate: Annotated[
        bool, typer.Option("--translate", help="Add an English translation.")
    ] = False,
    force: ForceOpt = False,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Transcribe speech with Whisper; spoken-language timeline; optional English translation."""
    if engine not in ("auto", "faster", "openai"):
        output.error(f"--engine {engine}: choose auto, faster or openai")
        raise typer.Exit(int(ExitCode.USAGE))
    params: dict[str, Any] = {"engine": engine, "translate": translate}
    if model:
        params["model"] = model
    if languages:
        params["languages"] = [c.strip() for c in languages.split(",") if c.strip()]
    stage_command(
        "transcribe",
        target,
        case,
        {"transcribe": params},
        force,
        no_wait,
        json_out,
        quiet,
        debug,
        config,
    )


@app.command()
def models(json_out: JsonOpt = False) -> None:
    """List the Whisper models available on this machine (nothing is downloaded)."""
    from verifyvid.stages.transcribe.engines import local_models

    found = local_models()
    if json_out:
        output.print_json({"models": found})
        return
    out = output.stdout()
    if not found:
        out.print(
            "No Whisper model on this machine. Give --model PATH or set VERIFYVID_WHISPER_MODEL."
        )
    for m in found:
        out.print(f"{m['engine']:<7} {m['model']}  {m['path']}")


def stage_command(
    name: str,
    target: str,
    case: Path | None,
    params: dict[str, dict[str, Any]],
    force: bool,
    no_wait: bool,
    json_out: bool,
    quiet: bool,
    debug: bool,
    config: Path | None,
) -> None:
    """Shared body of the per-stage commands: run one stage, print its result."""
    with cli_errors(debug):
        settings = settings_for(config)
        options = RunOptions(force=force, only=frozenset({name}), params=params, debug=debug)
        result = run_pipeline(
            target,
            settings=settings,
            case=case,
            options=options,
            json_out=json_out,
            quiet=True,
            no_wait=no_wait,
        )
        outcome = result.outcomes[name]
        stage_json: Any = None
        if outcome.status in ("ok", "cached"):
            stage_json = json.loads(result.case.result_path(name).read_text(encoding="utf-8"))
    if json_out:
        if stage_json is None:
            stage_json = {"status": outcome.status, "error": outcome.error, "fix": outcome.fix}
        output.print_json(stage_json)
    elif not quiet:
        output.print_summary(result)
    if result.exit_code != ExitCode.OK:
        raise typer.Exit(int(result.exit_code))


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
    from verifyvid import batch as batch_core

    with cli_errors(debug):
        settings = settings_for(config)
        targets = batch_core.expand(inputs)
        if not targets:
            raise UsageError("no input found; give files, folders, links or @list.txt")
        params = {name: dict(values) for name, values in settings.stages.items()}
        if settings.whisper_model:
            params.setdefault("transcribe", {}).setdefault("model", settings.whisper_model)
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


index_app = typer.Typer(
    help="The archive of known videos: add, list, remove, stats.", no_args_is_help=True
)
app.add_typer(index_app, name="index")

IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        metavar="PATH",
        help="Archive file (default: VERIFYVID_INDEX, then the user data dir).",
    ),
]


def open_index(location: str | None, config: Path | None) -> Any:
    from verifyvid.archive.store import open_archive

    return open_archive(location or settings_for(config).index)


@index_app.command("add")
def index_add(
    paths: Annotated[list[Path], typer.Argument(metavar="PATH...", help="Video files or folders.")],
    source: Annotated[
        str | None, typer.Option("--source", metavar="URL", help="Where the video was found.")
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option("--first-seen", metavar="YYYY-MM-DD", help="When it was first seen."),
    ] = None,
    title: Annotated[
        str | None,
        typer.Option("--title", metavar="TEXT", help="A title (default: the file name)."),
    ] = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Hash videos (about 2 per second) into the archive; exact duplicates (same SHA-256) are skipped."""
    from verifyvid.archive.service import add_paths, check_date

    with cli_errors(debug):
        check_date(first_seen)
        rows = add_paths(open_index(index, config), paths, title, source, first_seen)
    if json_out:
        output.print_json({"results": rows})
    else:
        for row in rows:
            output.stdout().print(
                f"{row['status']:<9} {row.get('id', '-')!s:>5} {row['path']} {row.get('error') or ''}",
                markup=False,
            )
    if any(r["status"] == "error" for r in rows):
        raise typer.Exit(int(ExitCode.PARTIAL))


@index_app.command("add-case")
def index_add_case(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case folder with hashes.")],
    source: Annotated[
        str | None, typer.Option("--source", metavar="URL", help="Where the video was found.")
    ] = None,
    first_seen: Annotated[
        str | None,
        typer.Option("--first-seen", metavar="YYYY-MM-DD", help="When it was first seen."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="A title.")] = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Add a case's video to the archive, with the hashes the case already holds."""
    from verifyvid.archive.service import add_case

    with cli_errors(debug):
        row = add_case(open_index(index, config), case, title, source, first_seen)
    if json_out:
        output.print_json(row)
    else:
        output.stdout().print(f"{row['status']} {row['id']} {row['path']}", markup=False)


@index_app.command("list")
def index_list(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """List the videos in the archive."""
    with cli_errors(debug):
        videos = open_index(index, config).videos()
    if json_out:
        output.print_json({"videos": [v.as_json() for v in videos]})
        return
    for v in videos:
        output.stdout().print(
            f"{v.id:>5} {v.first_seen or '-':<10} {v.hashes:>6} {v.title}  {v.source or ''}",
            markup=False,
        )


@index_app.command("remove")
def index_remove(
    video_id: Annotated[int, typer.Argument(metavar="ID", help="A video id from `index list`.")],
    index: IndexOpt = None,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Remove a video and its hashes from the archive."""
    with cli_errors(debug):
        if not open_index(index, config).remove(video_id):
            raise UsageError(f"no video {video_id} in the archive; see `verifyvid index list`")
    output.stdout().print(f"removed {video_id}")


@index_app.command("stats")
def index_stats(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Count the videos and hashes in the archive."""
    with cli_errors(debug):
        archive = open_index(index, config)
        stats = {**archive.stats(), "engine": archive.engine, "location": str(archive.path)}
    if json_out:
        output.print_json(stats)
    else:
        output.stdout().print(
            f"{stats['videos']} videos, {stats['hashes']} hashes in {stats['location']}",
            markup=False,
        )


@app.command()
def search(
    target: Annotated[
        str, typer.Argument(metavar="INPUT|CASE", help="A media file or a case folder.")
    ],
    case: CaseOpt = None,
    index: IndexOpt = None,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Find earlier uploads: match the clip's frames against the archive, aligned in time."""
    from verifyvid.archive.service import search_case

    with cli_errors(debug):
        settings = settings_for(config)
        archive = open_index(index, config)
        result = run_pipeline(target, settings=settings, case=case, options=RunOptions(only=frozenset({"hash"}), debug=debug),
                              json_out=True, quiet=True, no_wait=no_wait)  # fmt: skip
        if result.outcomes["hash"].status not in ("ok", "cached"):
            raise UsageError(f"the clip could not be hashed: {result.outcomes['hash'].error}")
        found = search_case(archive, result.case.root)
    if json_out:
        output.print_json(found)
        return
    out = output.stdout()
    out.print(f"archive: {found['archive']['videos']} videos, {found['archive']['hashes']} hashes")
    if not found["matches"]:
        out.print("no match (this does not mean the clip is new: see docs/matching.md)")
    for m in found["matches"]:
        out.print(
            f"{m['score']:.2f}  seconds {m['query_start']:.1f}-{m['query_end']:.1f} of this clip are seconds "
            f"{m['ref_start']:.1f}-{m['ref_end']:.1f} of #{m['ref_id']} {m['title']}"
            + (f" (first seen {m['first_seen']})" if m["first_seen"] else "")
            + (" [mirrored]" if m["mirrored"] else ""),
            markup=False,
        )


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
        if not (case / "case.json").is_file():
            raise UsageError(
                f"{case} is not a case folder (no case.json); give a folder made by `verifyvid check`"
            )
        read_manifest(case)
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
    from verifyvid.case.integrity import verify as verify_case

    with cli_errors(debug):
        if not (case / "case.json").is_file():
            raise UsageError(
                f"{case} is not a case folder (no case.json); give a folder made by `verifyvid check`"
            )
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
        if not (case / "case.json").is_file():
            raise UsageError(
                f"{case} is not a case folder (no case.json); give a folder made by `verifyvid check`"
            )
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


def main() -> None:
    app()
