"""What every command shares: the Typer app, common options, one error policy, one output shape.

Every command follows the same steps: parse, call the core, build an ``Envelope``, and hand it to
``Out.emit``, which prints it (``--json``) or a human rendering, says why on stderr when the
command did not fully succeed, and exits with the envelope's code. Errors raised by the core
become one line on stderr (and the error envelope with ``--json``) in ``cli_errors``.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Annotated, Any

import typer
from typer.core import TyperArgument, TyperCommand

from verifyvid import __version__, api
from verifyvid.cli import output
from verifyvid.config import Settings, load_settings, stage_params
from verifyvid.download import AcquireOptions, parse_size
from verifyvid.envelope import Envelope, failure
from verifyvid.errors import ExitCode, UsageError, explain
from verifyvid.pipeline.plan import RunOptions

log = logging.getLogger("verifyvid")


def print_version(value: bool) -> None:
    if value:
        output.stdout().print(f"verifyvid {__version__}", markup=False)
        raise typer.Exit()


app = typer.Typer(
    name="verifyvid",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    rich_markup_mode=None,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="Log what happens on stderr (-vv: more detail)."
        ),
    ] = 0,
) -> None:
    """Verify viral videos offline: metadata, keyframes, earlier uploads, speech, case reports."""
    setup_logging(verbose)


def setup_logging(verbose: int) -> None:
    """Silent by default (a command's error is its one line); -v logs what happens (and an
    internal error's traceback), -vv the details."""
    level = (
        logging.CRITICAL + 1 if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("verifyvid %(levelname)s %(name)s: %(message)s"))
    handler.set_name("verifyvid-console")
    handler.setLevel(level)
    log.handlers = [h for h in log.handlers if h.get_name() != "verifyvid-console"] + [handler]
    log.setLevel(min(level, logging.ERROR))  # errors always reach other handlers (tests)
    log.propagate = False


# -- help without type placeholders ----------------------------------------------------------


class PlainArgument(TyperArgument):
    """An argument shown as ``INPUT`` (``[INPUT]`` when optional): no ``{INPUT}``, no ``<str>``."""

    def label(self) -> str:
        name = self.metavar or (self.name or "").upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return name

    def get_usage_pieces(self, ctx: Any) -> list[str]:
        return [self.label() if self.required else f"[{self.label()}]"]

    def get_help_record(self, ctx: Any) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        return None if record is None else (self.label(), record[1])


class PlainCommand(TyperCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = PlainArgument


def command(name: str | None = None, group: typer.Typer = app) -> Callable[..., Any]:
    """``@command()``: a command of ``group`` with plain help."""
    return group.command(name, cls=PlainCommand)


# -- options shared by several commands -----------------------------------------------

CaseOpt = Annotated[
    Path | None,
    typer.Option(
        "--case",
        metavar="DIR",
        help="Case folder to create or reopen (default: ./cases/<name>-<sha8>/).",
    ),
]
KeepInputOpt = Annotated[
    bool,
    typer.Option(
        "--keep-input",
        help="Copy the input into the case (source/), so the case holds it wherever it goes.",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object on stdout (docs/schemas.md).")
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", "-q", help="Print nothing but errors (and why, on exit 4).")
]
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
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--only", metavar="STAGE", help="Run only this stage (and what it needs); repeatable."
    ),
]
SkipOpt = Annotated[
    list[str] | None,
    typer.Option("--skip", metavar="STAGE", help="Do not run this stage; repeatable."),
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
        "--claim-language",
        metavar="CODE",
        help="The language claimed to be spoken: an ISO 639-1 code (kk) or name (kazakh).",
    ),
]
CookiesOpt = Annotated[
    Path | None,
    typer.Option(
        "--cookies", metavar="FILE", help="Netscape cookies file for posts that need a login."
    ),
]
DownloadFormatOpt = Annotated[
    str | None,
    typer.Option("--download-format", metavar="FORMAT", help="yt-dlp format selection for links."),
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
IndexOpt = Annotated[
    str | None,
    typer.Option(
        "--index",
        metavar="PATH|URL",
        help="The archive of known videos: a SQLite file or postgresql://user@host/db "
        "(default: VERIFYVID_INDEX, then the user data dir).",
    ),
]


def acquire_options(cookies: Path | None, fmt: str | None, max_size: str | None) -> AcquireOptions:
    return AcquireOptions(
        cookies=cookies, format=fmt, max_bytes=parse_size(max_size) if max_size else None
    )


def run_options(
    only: list[str] | None, skip: list[str] | None, force: bool, debug: bool
) -> RunOptions:
    return RunOptions(
        force=force, only=frozenset(only) if only else None, skip=frozenset(skip or ()), debug=debug
    )


# -- how a command ends ---------------------------------------------------------------------


@dataclass
class Out:
    """How one command prints: ``--json``, ``--quiet``, ``--debug``."""

    command: str
    json_out: bool = False
    quiet: bool = False
    debug: bool = False
    target: str | None = None
    lines: bool = False
    """JSON lines: each envelope on one line (batch, check with several inputs)."""

    def print(self, envelope: Envelope) -> None:
        (output.print_jsonl if self.lines else output.print_json)(envelope.as_json())

    def emit(self, envelope: Envelope, human: Callable[[], None] | None = None) -> None:
        """Print the envelope (or ``human()``), say why on stderr if the command did not fully
        succeed, and exit with the envelope's code."""
        if self.json_out:
            self.print(envelope)
        elif not self.quiet and human is not None:
            human()
        if envelope.exit_code == ExitCode.PARTIAL and envelope.error:
            output.stderr().print(f"partial: {envelope.error}", markup=False, soft_wrap=True)
        if envelope.exit_code != ExitCode.OK:
            raise typer.Exit(envelope.exit_code)

    def ok(self, result: Any = None, **fields: Any) -> Envelope:
        return Envelope(command=self.command, status="ok", exit_code=0, result=result, **fields)

    def fail(self, code: ExitCode, message: str) -> None:
        """End with a one-line error (and the error envelope with --json)."""
        output.error(message)
        if self.json_out:
            self.print(failure(self.command, int(code), message, self.target))
        raise typer.Exit(int(code))


def on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def cli_errors(out: Out) -> Iterator[None]:
    """Map the core's errors to one line on stderr and a documented exit code."""
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    except typer.Exit:
        raise
    except (Exception, KeyboardInterrupt) as e:
        if out.debug:
            raise
        failure = explain(e)
        if failure.code == ExitCode.INTERNAL:
            log.error("%s failed", out.command, exc_info=True)
        out.fail(failure.code, failure.message)
    finally:
        signal.signal(signal.SIGTERM, previous)


def settings_for(config: Path | None, **flags: Any) -> Settings:
    return load_settings(config, **flags)


def run_pipeline(
    target: str,
    *,
    settings: Settings,
    case: Path | None,
    options: RunOptions,
    out: Out,
    no_wait: bool,
    claims: dict[str, str | None] | None = None,
    acquire: AcquireOptions | None = None,
    info_json: Path | None = None,
    progress: bool = True,
) -> api.CheckResult:
    merged = stage_params(settings)
    for name, values in options.params.items():
        merged.setdefault(name, {}).update(values)
    options.params = merged
    err = output.stderr()

    def on_wait(path: Path) -> None:
        if not out.quiet:
            err.print(f"waiting for another verifyvid process working on {path} …")

    show = progress and not out.quiet and not out.json_out
    with output.ProgressObserver(enabled=show) as observer:
        return api.check(
            target,
            case_dir=case,
            cases_root=settings.cases_dir,
            options=options,
            observer=observer,
            wait=not no_wait,
            on_wait=on_wait,
            claims=claims,
            acquire_options=acquire,
            info_json=info_json,
            stdin=sys.stdin.buffer if target == "-" else None,
            keep_input=settings.keep_input,
            redact_paths=settings.redact_paths,
        )


def stage_command(
    name: str,
    target: str,
    case: Path | None,
    params: dict[str, dict[str, Any]],
    force: bool,
    no_wait: bool,
    out: Out,
    config: Path | None,
    copies: dict[Path, str] | None = None,
) -> None:
    """Shared body of the per-stage commands: run one stage (and what it needs); the envelope's
    result is the stage's result.json. ``copies``: destination -> a file of the case, copied
    out once the stage has run (Stage.copies)."""
    with cli_errors(out):
        settings = settings_for(config)
        options = RunOptions(force=force, only=frozenset({name}), params=params, debug=out.debug)
        result = run_pipeline(target, settings=settings, case=case, options=options, out=out,
                              no_wait=no_wait)  # fmt: skip
        outcome = result.outcomes[name]
        stage_json: Any = None
        if outcome.status in ("ok", "cached"):
            stage_json = api.read_result(result.case, name)
        for dest, file in (copies or {}).items():
            api.copy_out(result.case, file, dest)
    out.emit(result.envelope(name, stage_json), lambda: output.print_summary(result))


def require_path(flag: str, value: str | None) -> None:
    """A path given on the command line must exist (checked before anything runs)."""
    if value is not None and not Path(value).expanduser().exists():
        raise UsageError(f"{flag} {value}: no such file or folder; check the path")
