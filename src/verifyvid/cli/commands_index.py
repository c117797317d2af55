"""The archive of known videos (`index ...`) and `search`."""

from __future__ import annotations

from pathlib import Path
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
    app,
    cli_errors,
    run_pipeline,
    settings_for,
)
from verifyvid.errors import ExitCode, UsageError
from verifyvid.pipeline.runner import RunOptions

index_app = typer.Typer(
    help="The archive of known videos: add, list, remove, stats.", no_args_is_help=True
)
app.add_typer(index_app, name="index")


def open_index(location: str | None, config: Path | None) -> Any:
    from verifyvid.archive.store import open_archive

    return open_archive(location or settings_for(config).index)


def refreshed(archive: Any) -> None:
    """Bring the candidate index up to date now, so the next search does not wait for it."""
    from verifyvid.archive.cached import current_index

    current_index(archive)


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
    with cli_errors(debug):
        from verifyvid.archive.service import add_paths, check_date

        check_date(first_seen)
        archive = open_index(index, config)
        rows = add_paths(archive, paths, title, source, first_seen)
        refreshed(archive)
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
    with cli_errors(debug):
        from verifyvid.archive.service import add_case

        archive = open_index(index, config)
        row = add_case(archive, case, title, source, first_seen)
        refreshed(archive)
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
        archive = open_index(index, config)
        if not archive.remove(video_id):
            raise UsageError(f"no video {video_id} in the archive; see `verifyvid index list`")
        refreshed(archive)
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
    with cli_errors(debug):
        from verifyvid.stages.search.models import SearchResult

        settings = settings_for(config, index=index)
        result = run_pipeline(target, settings=settings, case=case, options=RunOptions(only=frozenset({"search"}), debug=debug),
                              json_out=True, quiet=True, no_wait=no_wait)  # fmt: skip
        for name in ("hash", "search"):
            outcome = result.outcomes[name]
            if outcome.status not in ("ok", "cached"):
                raise UsageError(
                    f"{name}: {outcome.error}" + (f"; {outcome.fix}" if outcome.fix else "")
                )
        got = result.case.load_result("search", SearchResult)
        assert got is not None
        found: dict[str, Any] = {
            "archive": got.archive.model_dump(),
            "matches": [m.model_dump(exclude={"image", "ref_duration"}) for m in got.matches],
        }
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
            + (" [mirrored]" if m["mirrored"] else "")
            + (" [inner picture]" if m["region"] == "inset" else ""),
            markup=False,
        )
