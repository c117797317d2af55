"""`check` and `models` (the per-stage commands are generated: cli/stage_commands.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from verifyvid import api
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
    IndexOpt,
    InfoJsonOpt,
    JsonOpt,
    KeepInputOpt,
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
from verifyvid.envelope import failure
from verifyvid.errors import ExitCode, UsageError, VerifyvidError

ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="NAME|PATH",
        help="tiny, base, small, medium, large-v3, turbo; a .pt checkpoint (openai-whisper) or a "
        "CTranslate2 folder (faster-whisper). Default: VERIFYVID_WHISPER_MODEL, then base.",
    ),
]
EngineOpt = Annotated[
    str | None, typer.Option("--engine", metavar="auto|faster|openai", help="Whisper engine.")
]
LanguagesOpt = Annotated[
    str | None,
    typer.Option(
        "--languages",
        metavar="CODES",
        help="Candidate languages, e.g. kk,ru,uk: probabilities among them are added.",
    ),
]
TranslateOpt = Annotated[bool, typer.Option("--translate", help="Add an English translation.")]


def speech_params(
    model: str | None, engine: str | None, languages: str | None, translate: bool
) -> dict[str, Any]:
    """The transcribe stage's parameters from the speech options (checked before any model
    loads)."""
    from verifyvid.stages.transcribe import TranscribeParams

    TranscribeParams.command_line_check({"model": model})
    if engine is not None and engine not in ("auto", "faster", "openai"):
        raise UsageError(f"--engine {engine}: choose auto, faster or openai")
    params: dict[str, Any] = {}
    if model:
        params["model"] = model
    if engine:
        params["engine"] = engine
    if languages is not None:
        params["languages"] = [c.strip() for c in languages.split(",") if c.strip()]
        if not params["languages"]:
            raise UsageError("--languages: give codes such as kk,ru")
    if translate:
        params["translate"] = True
    return params


@command()
def check(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="INPUT...",
            help="Video or audio files, links, case folders, or - (stdin); several are checked "
            "one after another (for parallel runs use `batch`).",
        ),
    ],
    case: CaseOpt = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    force: ForceOpt = False,
    claim_date: ClaimDateOpt = None,
    claim_place: ClaimPlaceOpt = None,
    claim_language: ClaimLanguageOpt = None,
    model: ModelOpt = None,
    engine: EngineOpt = None,
    languages: LanguagesOpt = None,
    translate: TranslateOpt = False,
    cookies: CookiesOpt = None,
    download_format: DownloadFormatOpt = None,
    max_size: MaxSizeOpt = None,
    info_json: InfoJsonOpt = None,
    index: IndexOpt = None,
    no_wait: NoWaitOpt = False,
    keep_input: KeepInputOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Run every stage on each INPUT and write its report; the search for earlier uploads runs
    when an archive exists. With several inputs, --json prints one JSON object per line."""
    several = len(targets) > 1
    out = Out("check", json_out, quiet, debug, None if several else targets[0], lines=several)
    with cli_errors(out):
        if several and case is not None:
            raise UsageError("--case takes one input; give one INPUT, or leave --case out")
        settings = settings_for(config, index=index, keep_input=keep_input or None)
        speech = speech_params(model, engine, languages, translate)
        claims = {"date": claim_date, "place": claim_place, "language": claim_language}
        acquired = acquire_options(cookies, download_format, max_size)

        def one(target: str) -> api.CheckResult:
            options = run_options(only, skip, force, debug)
            options.params = {"transcribe": dict(speech)} if speech else {}
            return run_pipeline(target, settings=settings, case=case, options=options, out=out,
                                no_wait=no_wait, claims=claims, acquire=acquired,
                                info_json=info_json)  # fmt: skip

        if not several:
            result = one(targets[0])
    if not several:
        out.emit(result.envelope(), lambda: output.print_summary(result))
        return
    with cli_errors(out):
        check_each(targets, one, out)


def check_each(targets: list[str], one: Callable[[str], api.CheckResult], out: Out) -> None:
    """Several inputs, one after another: one line (or summary) each; exit 4 if any failed."""
    failed = 0
    for target in targets:
        try:
            result = one(target)
            envelope = result.envelope()
            if not out.json_out and not out.quiet:
                output.print_summary(result)
        except VerifyvidError as e:
            if out.debug:
                raise
            envelope = failure("check", int(e.exit_code), str(e), target)
            output.error(f"{target}: {e}")
        failed += envelope.exit_code != 0
        if out.json_out:
            out.print(envelope)
    if failed:
        output.stderr().print(f"partial: {failed} of {len(targets)} inputs did not complete",
                              markup=False)  # fmt: skip
        raise typer.Exit(int(ExitCode.PARTIAL))


@command()
def models(json_out: JsonOpt = False, quiet: QuietOpt = False, debug: DebugOpt = False) -> None:
    """List the Whisper models available on this machine (nothing is downloaded)."""
    out = Out("models", json_out, quiet, debug)
    with cli_errors(out):
        from verifyvid.stages.transcribe.engines import local_models

        found = local_models()

    def human() -> None:
        if not found:
            output.stdout().print(
                "No Whisper model on this machine. Give --model PATH or set "
                "VERIFYVID_WHISPER_MODEL.",
                markup=False,
            )
            return
        output.table(["engine", "model", "found in", "path"],
                     [[m["engine"], m["model"], m["source"], m["path"]] for m in found])  # fmt: skip

    out.emit(out.ok({"models": found}), human)
