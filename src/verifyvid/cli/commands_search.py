"""`search`: earlier uploads of a clip in the archive of known videos, without the other stages."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from verifyvid.cli import output
from verifyvid.cli.common import (
    CaseOpt,
    ConfigOpt,
    DebugOpt,
    IndexOpt,
    JsonOpt,
    NoWaitOpt,
    Out,
    QuietOpt,
    cli_errors,
    command,
    run_pipeline,
    settings_for,
)
from verifyvid.errors import UsageError
from verifyvid.pipeline.plan import RunOptions


@command()
def search(
    target: Annotated[
        str,
        typer.Argument(metavar="INPUT|CASE", help="A media file, a case folder, or - (stdin)."),
    ],
    case: CaseOpt = None,
    index: IndexOpt = None,
    every: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Align the clip with every archived copy of a matched footage "
            "(default: the closest and the earliest; the others get their grouped seconds).",
        ),
    ] = False,
    no_wait: NoWaitOpt = False,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Find earlier uploads: match the clip's frames against the archive, aligned in time."""
    out = Out("search", json_out, quiet, debug, target)
    with cli_errors(out):
        from verifyvid.stages.search.models import SearchResult

        settings = settings_for(config, index=index)
        params = {"search": {"every": True}} if every else {}
        options = RunOptions(only=frozenset({"search"}), debug=debug, params=params)
        result = run_pipeline(target, settings=settings, case=case, options=options, out=out,
                              no_wait=no_wait, progress=False)  # fmt: skip
        done = ("ok", "cached")
        if result.outcomes["search"].status not in done:  # say why: the picture's, else its own
            hashed = result.outcomes["hash"]
            name = "hash" if hashed.status not in done and hashed.status != "skipped" else "search"
            outcome = result.outcomes[name]
            raise UsageError(
                f"{name}: {outcome.error}" + (f"; {outcome.fix}" if outcome.fix else "")
            )
        got = result.case.load_result("search", SearchResult)
        assert got is not None
        found: dict[str, Any] = {
            "archive": got.archive.model_dump(),
            "matches": [m.model_dump(exclude={"image", "ref_duration"}) for m in got.matches],
            "footage": [g.model_dump() for g in got.footage],
        }

    def human() -> None:
        stdout = output.stdout()
        stdout.print(
            f"archive: {found['archive']['videos']} videos, {found['archive']['hashes']} hashes",
            markup=False,
        )
        if not found["matches"]:
            stdout.print("no match (this does not mean the clip is new: see docs/matching.md)")
        for m in found["matches"]:
            stdout.print(
                f"{m['score']:.2f}  seconds {m['query_start']:.1f}-{m['query_end']:.1f} of this clip "
                f"are seconds {m['ref_start']:.1f}-{m['ref_end']:.1f} of #{m['ref_id']} {m['title']}"
                + (f" (first seen {m['first_seen']})" if m["first_seen"] else "")
                + (" [mirrored]" if m["mirrored"] else "")
                + (" [inner picture]" if m["region"] == "inset" else "")
                + (" [local features]" if m["region"] == "local" else "")
                + (" [sound only]" if m["region"] == "sound" else "")
                + (" [and its sound]" if m["sound"] and m["region"] != "sound" else "")
                + (f" [footage #{m['footage']}]" if m["footage"] is not None else ""),
                markup=False,
            )
        for g in found["footage"]:
            stdout.print(
                f"footage #{g['id']}: in {g['videos']} archived videos, the earliest "
                + (
                    f"#{g['earliest']} first seen {g['first_seen']}"
                    if g["earliest"]
                    else "not dated"
                )
                + f" ({len(g['copies'])} not aligned; --all aligns them, --json lists them)",
                markup=False,
            )

    out.emit(result.envelope("search", found), human)
