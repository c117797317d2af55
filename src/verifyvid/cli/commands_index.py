"""The archive of known videos (`index ...`); `search` is in commands_search.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from verifyvid.cli import output
from verifyvid.cli.common import (
    ConfigOpt,
    CookiesOpt,
    DebugOpt,
    IndexOpt,
    JsonOpt,
    MaxSizeOpt,
    Out,
    QuietOpt,
    app,
    cli_errors,
    command,
    settings_for,
)
from verifyvid.envelope import Envelope, status_of
from verifyvid.errors import ExitCode, UsageError

index_app = typer.Typer(
    help="The archive of known videos: add, import and export hash lists, list, remove, stats.",
    no_args_is_help=True,
)
app.add_typer(index_app, name="index")
watch_app = typer.Typer(
    help="Sources `index update` fetches: feeds, channels, playlists.", no_args_is_help=True
)
index_app.add_typer(watch_app, name="watch")

FirstSeenOpt = Annotated[
    str | None,
    typer.Option("--first-seen", metavar="YYYY-MM-DD", help="When it was first seen."),
]
SourceOpt = Annotated[
    str | None, typer.Option("--source", metavar="URL", help="Where the video was found.")
]


@contextmanager
def opened(location: str | None, config: Path | None) -> Iterator[Any]:
    """The archive (an error if it does not exist), closed afterwards."""
    from verifyvid.archive.engines import open_archive

    archive = open_archive(location or settings_for(config).index)
    try:
        yield archive
    finally:
        archive.close()


def refreshed(archive: Any) -> None:
    """Bring the candidate index up to date now, so the next search does not wait for it
    (nothing to do for an archive on a server, which keeps its indexes itself)."""
    archive.candidates()


LimitOpt = Annotated[
    int | None, typer.Option("--limit", min=1, metavar="N", help="At most N new items per link.")
]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", metavar="YYYY-MM-DD", help="Pass over items uploaded before this day."),
]
SleepOpt = Annotated[
    float,
    typer.Option("--sleep", min=0, metavar="SECONDS", help="Wait this long between downloads."),
]
KeepMediaOpt = Annotated[
    Path | None,
    typer.Option(
        "--keep-media",
        metavar="DIR",
        help="Keep the downloaded media here (default: discarded after hashing).",
    ),
]


@command("add", group=index_app)
def index_add(
    targets: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH|URL...",
            help="Video files or folders; links to posts, playlists, channels or RSS/Atom feeds.",
        ),
    ],
    source: SourceOpt = None,
    first_seen: FirstSeenOpt = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", metavar="TEXT", help="A title (default: the file name, or the post's)."
        ),
    ] = None,
    limit: LimitOpt = None,
    since: SinceOpt = None,
    sleep: SleepOpt = 0.0,
    cookies: CookiesOpt = None,
    max_size: MaxSizeOpt = None,
    keep_media: KeepMediaOpt = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Hash videos (about 2 per second) into the archive, from files or from where they live
    (links, channels, feeds: downloaded with yt-dlp, recorded with their page, uploader and
    upload time, media discarded after hashing); exact duplicates (same SHA-256) are not added
    again, and a link already archived is not downloaded again."""
    out = Out("index add", json_out, quiet, debug)
    with cli_errors(out):
        from verifyvid.archive.ingest import ingest
        from verifyvid.archive.service import add_paths, check_date
        from verifyvid.download import is_url

        check_date(first_seen)
        urls = [t for t in targets if is_url(t)]
        options = ingest_options(
            limit, since, sleep, cookies, max_size, keep_media, first_seen, title
        )
        files = [Path(t) for t in targets if not is_url(t)]

        def work(lazy: Any) -> list[dict[str, Any]]:
            rows = add_paths(lazy, files, title, source, first_seen)
            if urls:
                rows += ingest(lazy, urls, options, None if quiet or json_out else progress)
            return rows

        rows = adding(index or settings_for(config).index, work)
    envelope = partial(
        "index add", rows, ("added", "duplicate", "also seen", "known", "passed over")
    )
    out.emit(envelope, lambda: rows_table(rows))


def adding(
    location: str | None, work: Callable[[Any], list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """``work`` done on the archive at ``location``, created by the first video added (a
    command that adds nothing leaves none behind), brought up to date and closed after; each row
    gets a ``path`` (a link's, for an item of a link)."""
    from verifyvid.archive.engines import open_archive
    from verifyvid.archive.service import LazyArchive

    lazy = LazyArchive(lambda: open_archive(location, create=True))
    try:
        rows = work(lazy)
        if lazy.archive is not None:
            refreshed(lazy.archive)
    finally:
        if lazy.archive is not None:
            lazy.archive.close()
    for r in rows:
        r.setdefault("path", r.get("url"))
    return rows


def rows_table(rows: list[dict[str, Any]]) -> None:
    output.table(["status", "id", "hashes", "path", "reason"],
                 [[r["status"], r.get("id"), r.get("hashes"), r["path"], r.get("error")] for r in rows])  # fmt: skip


def progress(row: dict[str, Any], n: int, total: int) -> None:
    """One line on stderr per item of a link: its number of the total, status and title."""
    where = f"[{n}/{total}] " if total else ""
    what = row.get("title") or row.get("url")
    reason = f" ({row['error']})" if row.get("error") else ""
    output.stderr().print(f"{where}{row['status']}: {what}{reason}", markup=False, soft_wrap=True)


@command("add-case", group=index_app)
def index_add_case(
    case: Annotated[Path, typer.Argument(metavar="CASE", help="A case folder with hashes.")],
    source: SourceOpt = None,
    first_seen: FirstSeenOpt = None,
    title: Annotated[str | None, typer.Option("--title", metavar="TEXT", help="A title.")] = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Add a case's video to the archive, with the hashes the case already holds."""
    out = Out("index add-case", json_out, quiet, debug, str(case))
    with cli_errors(out):
        from verifyvid.archive.engines import open_archive
        from verifyvid.archive.service import add_case

        archive = open_archive(index or settings_for(config).index, create=True)
        try:
            row = add_case(archive, case, title, source, first_seen)
            refreshed(archive)
        finally:
            archive.close()
    out.emit(out.ok(row, case=str(case.resolve())), lambda: output.table(
        ["status", "id", "hashes", "path"], [[row["status"], row["id"], row["hashes"], row["path"]]]))  # fmt: skip


def partial(command_name: str, rows: list[dict[str, Any]], ok: tuple[str, ...]) -> Envelope:
    """The envelope of a command over many items: exit 4 when any item failed, each named."""
    missed = [r for r in rows if r["status"] not in ok]
    code = ExitCode.PARTIAL if missed else ExitCode.OK
    error = (f"{len(missed)} of {len(rows)} not done: "
             + "; ".join(r["error"] if str(r["error"]).startswith(str(r.get("path"))) else f"{r.get('path', r.get('id'))}: {r['error']}"
                         for r in missed)) if missed else None  # fmt: skip
    return Envelope(command=command_name, status=status_of(code), exit_code=int(code), error=error,
                    result={"videos": rows})  # fmt: skip


@command("import", group=index_app)
def index_import(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="vPDQ files, or folders of them (with or without manifest.jsonl).",
        ),
    ],
    source: SourceOpt = None,
    first_seen: FirstSeenOpt = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Add shared hash lists (vPDQ files: ThreatExchange's format) as hash-only videos; a file
    with a bad line is not imported, and named with the line."""
    out = Out("index import", json_out, quiet, debug)
    with cli_errors(out):
        from verifyvid.archive.hashlists import import_paths
        from verifyvid.archive.service import check_date

        check_date(first_seen)
        rows = adding(index or settings_for(config).index,
                      lambda lazy: import_paths(lazy, paths, source, first_seen))  # fmt: skip
    out.emit(partial("index import", rows, ("added", "duplicate")), lambda: rows_table(rows))


@command("export", group=index_app)
def index_export(
    vpdq: Annotated[
        Path,
        typer.Option(
            "--vpdq", metavar="DIR", help="Write one vPDQ file per video and manifest.jsonl here."
        ),
    ],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Export the archive as a hash list other desks can import (vPDQ files and a manifest)."""
    out = Out("index export", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        from verifyvid.archive.hashlists import export

        rows = export(archive, vpdq)
    out.emit(partial("index export", rows, ("exported",)), lambda: output.table(
        ["status", "id", "frames", "title", "file or reason"],
        [[r["status"], r["id"], r.get("frames"), r["title"], r.get("file") or r.get("error")] for r in rows]))  # fmt: skip


def ingest_options(limit: int | None, since: str | None, sleep: float, cookies: Path | None,
                   max_size: str | None, keep_media: Path | None, first_seen: str | None = None,
                   title: str | None = None) -> Any:  # fmt: skip
    from verifyvid.archive.ingest import IngestOptions
    from verifyvid.claims import checked_date
    from verifyvid.download import parse_size

    if cookies is not None and not cookies.is_file():
        raise UsageError(f"--cookies {cookies}: no such file")
    return IngestOptions(limit=limit, since=date.fromisoformat(checked_date(since, "--since")) if since else None,
                         sleep=sleep, cookies=cookies, max_bytes=parse_size(max_size) if max_size else None,
                         keep_media=keep_media, first_seen=first_seen, title=title)  # fmt: skip


@command("add", group=watch_app)
def watch_add(
    url: Annotated[str, typer.Argument(metavar="URL", help="A feed, channel or playlist.")],
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="A short name (default: host and last path part)."
        ),
    ] = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Watch a source: each `verifyvid index update` archives what it published since."""
    out = Out("index watch add", json_out, quiet, debug)
    with cli_errors(out):
        from verifyvid.archive import watch
        from verifyvid.archive.engines import open_archive

        archive = open_archive(index or settings_for(config).index, create=True)
        try:
            chosen = watch.add(archive, url, name)
        finally:
            archive.close()
    out.emit(out.ok({"url": url, "name": chosen}),
             lambda: output.stdout().print(f"watching {chosen}: {url}", markup=False))  # fmt: skip


@command("list", group=watch_app)
def watch_list(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """List the watched sources, with their last run."""
    out = Out("index watch list", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        sources = archive.watched()
    out.emit(out.ok({"sources": [s.__dict__ for s in sources]}), lambda: output.table(
        ["name", "url", "last run", "last result"],
        [[s.name, s.url, s.last_run or "never", s.last_result or ""] for s in sources]))  # fmt: skip


@command("remove", group=watch_app)
def watch_remove(
    key: Annotated[str, typer.Argument(metavar="URL|NAME", help="A watched source.")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Stop watching a source (what it brought stays in the archive)."""
    out = Out("index watch remove", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        if not archive.unwatch(key):
            raise UsageError(f"{key} is not watched; see `verifyvid index watch list`")
    out.emit(out.ok({"removed": key}),
             lambda: output.stdout().print(f"no longer watching {key}", markup=False))  # fmt: skip


@command("update", group=index_app)
def index_update(
    limit: LimitOpt = None,
    since: SinceOpt = None,
    sleep: SleepOpt = 0.0,
    cookies: CookiesOpt = None,
    max_size: MaxSizeOpt = None,
    keep_media: KeepMediaOpt = None,
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Archive what every watched source published since the last update (for cron: no
    prompts, one update at a time, a one-line summary; exit 0, or 4 when an item failed)."""
    out = Out("index update", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        from verifyvid.archive import watch

        options = ingest_options(limit, since, sleep, cookies, max_size, keep_media)
        done = watch.update(archive, options, None if quiet or json_out else progress)
        if done.rows:
            refreshed(archive)
    for r in done.rows:
        r.setdefault("path", r.get("url"))
    envelope = partial("index update", done.rows, ("added", "also seen", "known", "passed over"))
    envelope.result = {"summary": done.summary(), "busy": done.busy, "videos": done.rows}
    out.emit(envelope, lambda: output.stdout().print(done.summary(), markup=False))


@command("list", group=index_app)
def index_list(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """List the videos in the archive."""
    out = Out("index list", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        videos = archive.videos()
    out.emit(out.ok({"videos": [v.as_json() for v in videos]}), lambda: output.table(
        ["id", "first seen", "hashes", "title", "source"],
        [[v.id, v.first_seen or "-", v.hashes, v.title, v.source or ""] for v in videos]))  # fmt: skip


@command("remove", group=index_app)
def index_remove(
    video_id: Annotated[int, typer.Argument(metavar="ID", help="A video id from `index list`.")],
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Remove a video and its hashes from the archive."""
    out = Out("index remove", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        if not archive.remove(video_id):
            raise UsageError(f"no video {video_id} in the archive; see `verifyvid index list`")
        refreshed(archive)
    out.emit(out.ok({"removed": video_id}),
             lambda: output.stdout().print(f"removed {video_id}", markup=False))  # fmt: skip


@command("stats", group=index_app)
def index_stats(
    index: IndexOpt = None,
    json_out: JsonOpt = False,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Count the videos and hashes in the archive."""
    out = Out("index stats", json_out, quiet, debug)
    with cli_errors(out), opened(index, config) as archive:
        stats = {**archive.stats(), "engine": archive.engine, "location": str(archive.path)}
    out.emit(out.ok(stats), lambda: output.stdout().print(
        f"{stats['videos']} videos, {stats['hashes']} hashes in {stats['location']}", markup=False))  # fmt: skip
