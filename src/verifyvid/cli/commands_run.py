"""`check` and the per-stage commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

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
    IndexOpt,
    InfoJsonOpt,
    JsonOpt,
    MaxSizeOpt,
    NoWaitOpt,
    QuietOpt,
    acquire_options,
    app,
    cli_errors,
    finish,
    run_pipeline,
    settings_for,
    stage_command,
)
from verifyvid.errors import ExitCode
from verifyvid.pipeline.runner import RunOptions


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
    index: IndexOpt = None,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Run every stage on INPUT (a file, a link, or a case folder) and write the report;
    the search for earlier uploads runs when an archive exists."""
    with cli_errors(debug):
        settings = settings_for(config, index=index)
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
