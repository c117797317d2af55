"""What every command shares: the Typer app, common options, error mapping, running the pipeline."""

from __future__ import annotations

import contextlib
import json
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer

from verifyvid import api
from verifyvid.acquire import AcquireOptions, parse_size
from verifyvid.cli import output
from verifyvid.config import Settings, load_settings, stage_params
from verifyvid.errors import ExitCode, VerifyvidError
from verifyvid.pipeline.runner import RunOptions

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


IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        metavar="PATH|URL",
        help="The archive of known videos: a SQLite file or postgresql://user@host/db "
        "(default: VERIFYVID_INDEX, then the user data dir).",
    ),
]


def settings_for(config: Path | None, **flags: Any) -> Settings:
    return load_settings(config, **flags)


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
    merged = stage_params(settings)
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
