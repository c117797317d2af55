"""The archive fills itself from where videos live: `index add URL` (docs/archive.md).

A URL is listed first, then each of its items is downloaded, hashed and recorded:

- an **RSS or Atom feed** (read by feedparser, fetched through yt-dlp's request layer, with its
  cookies and proxy): one item per entry, its media enclosure (else its link) downloaded, its link
  the page it was seen at, its publication time the upload time;
- anything else **yt-dlp** reads: a post (a Telegram public post `t.me/NAME/123`, a tweet, a
  video page) or a playlist or channel, listed flat.

Each item is downloaded with yt-dlp (as the acquire stage does), hashed in one decoding pass
(archive/service.hash_file: PDQ, local features, vPDQ) and recorded with where it was seen
(a sighting: page URL, uploader, the platform's upload time). The upload day is its first-seen
date unless ``first_seen`` is given. The media are discarded after hashing unless ``keep_media``.

Resumable and idempotent: an item whose page is already sighted is not downloaded again (a run
killed half-way redoes only what it had not recorded); the same media under another URL (same
SHA-256) is one video, also seen there, whose first-seen date is the earliest.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from verifyvid.archive.service import LazyArchive, hash_file
from verifyvid.archive.sightings import Sighting
from verifyvid.download import AcquireOptions, download
from verifyvid.errors import InputError, UsageError

FEED_BYTES = 20 << 20  # a feed larger than this is not read


@dataclass
class Item:
    url: str  # what is downloaded: a post, or a media URL (a feed's enclosure)
    page: str  # where it was seen: the post, the feed item's link
    title: str | None = None
    uploader: str | None = None
    uploaded: datetime | None = None


@dataclass
class IngestOptions:
    limit: int | None = None  # new items per URL
    since: date | None = None  # items uploaded before this day are passed over
    sleep: float = 0.0  # seconds between downloads
    cookies: Path | None = None
    max_bytes: int | None = None
    keep_media: Path | None = None
    first_seen: str | None = None  # instead of the platform's upload day
    title: str | None = None


def ydl_options(options: IngestOptions) -> dict[str, Any]:
    opts: dict[str, Any] = {"quiet": True, "no_warnings": True, "socket_timeout": 20,
                            "extract_flat": "in_playlist", "skip_download": True}  # fmt: skip
    if options.cookies:
        opts["cookiefile"] = str(options.cookies)
    return opts


def feed_items(data: bytes) -> list[Item] | None:
    """The entries of an RSS or Atom feed; None when ``data`` is not one."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.get("version") or not parsed.entries:
        return None
    items = []
    for entry in parsed.entries:
        media = [e.get("href") for e in entry.get("enclosures", []) if e.get("href")]
        link = entry.get("link")
        url = media[0] if media else link
        if not url:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        uploaded = datetime(*tuple(stamp)[:6]).replace(tzinfo=UTC) if stamp else None
        items.append(Item(url=url, page=link or url, title=entry.get("title"),
                          uploader=entry.get("author"), uploaded=uploaded))  # fmt: skip
    return items


def listing(url: str, options: IngestOptions) -> list[Item]:
    """The items of ``url`` (see the module); InputError when it cannot be read."""
    import yt_dlp

    try:
        with yt_dlp.YoutubeDL(ydl_options(options)) as ydl:
            if generic(url):  # no site extractor knows it: it may be a feed
                with ydl.urlopen(url) as response:
                    items = feed_items(response.read(FEED_BYTES))
                if items is not None:
                    return items
            info = ydl.extract_info(url, download=False)
    except Exception as e:  # yt-dlp's network and extractor errors
        reason = " ".join(str(e).replace("ERROR:", "").split())[:200]
        raise InputError(
            f"could not read {url}: {reason}; check the link and the network"
        ) from None
    if info.get("_type") == "playlist":
        return [Item(url=e.get("url") or e.get("webpage_url"), page=e.get("webpage_url") or e.get("url"),
                     title=e.get("title"), uploader=e.get("uploader") or e.get("channel"),
                     uploaded=stamp(e)) for e in info.get("entries") or [] if e and (e.get("url") or e.get("webpage_url"))]  # fmt: skip
    return [Item(url=url, page=url, title=info.get("title"),
                 uploader=info.get("uploader") or info.get("channel"), uploaded=stamp(info))]  # fmt: skip


def generic(url: str) -> bool:
    """Whether only yt-dlp's generic extractor takes ``url`` (no site's own extractor does)."""
    from yt_dlp.extractor import gen_extractor_classes

    return not any(ie.suitable(url) for ie in gen_extractor_classes() if ie.ie_key() != "Generic")


def stamp(info: dict[str, Any]) -> datetime | None:
    """The platform's upload time in an info dict (timestamp, else upload_date)."""
    if info.get("timestamp") is not None:
        return datetime.fromtimestamp(float(info["timestamp"]), UTC)
    day = info.get("upload_date")
    if isinstance(day, str) and len(day) == 8 and day.isdigit():
        return datetime(int(day[:4]), int(day[4:6]), int(day[6:]), tzinfo=UTC)
    return None


Report = Callable[[dict[str, Any], int, int], None]


def ingest(
    lazy: LazyArchive, urls: list[str], options: IngestOptions, report: Report | None = None
) -> list[dict[str, Any]]:
    """One row per item (``report`` hears each with its number and the total): added, also
    seen (the same media archived from elsewhere), known (its page is sighted already), passed
    over (before ``since``, or past ``limit``), skipped (no frame could be hashed) or error."""
    rows: list[dict[str, Any]] = []
    for url in urls:
        try:
            items = listing(url, options)
        except InputError as e:
            rows.append({"url": url, "status": "error", "error": str(e)})
            if report:
                report(rows[-1], 0, 0)
            continue
        new = 0
        for n, item in enumerate(items, 1):
            row = one(lazy, item, options, new)
            new += row["status"] in ("added", "also seen")
            rows.append(row)
            if report:
                report(row, n, len(items))
    return rows


def one(lazy: LazyArchive, item: Item, options: IngestOptions, new: int) -> dict[str, Any]:
    line: dict[str, Any] = {"url": item.page, "title": item.title}
    archive = lazy.get()
    known = archive.sighted(item.page)
    if known is not None:
        return {**line, "status": "known", "id": known}
    if options.since and item.uploaded and item.uploaded.date() < options.since:
        return {
            **line,
            "status": "passed over",
            "error": f"uploaded {item.uploaded.date()}, before --since",
        }
    if options.limit is not None and new >= options.limit:
        return {**line, "status": "passed over", "error": f"past --limit {options.limit}"}
    if new and options.sleep:
        time.sleep(options.sleep)
    staging = Path(tempfile.mkdtemp(prefix="verifyvid-ingest-"))
    try:
        media, info = download(
            item.url, staging, AcquireOptions(options.cookies, None, options.max_bytes)
        )
        # the listing's time first: a feed's publication time, not the file's Last-Modified
        # that yt-dlp reads for a direct link
        uploaded = item.uploaded or stamp(info)
        uploader = info.get("uploader") or info.get("channel") or item.uploader
        title = options.title or item.title or info.get("title") or media.name
        kept = keep(media, options.keep_media)
        seen = options.first_seen or (uploaded.date().isoformat() if uploaded else None)
        got = hash_file(archive, kept or media, title, item.page, seen, kept is not None)
        if got["status"] in ("added", "duplicate"):
            archive.sight(
                Sighting(got["id"], item.page, uploaded.isoformat() if uploaded else None, uploader)
            )
        if got.get("error"):  # name what was downloaded, not the temporary file
            got["error"] = f"{item.url}: " + str(got["error"]).replace(f"{media.name} ", "it ")
        status = {"duplicate": "also seen"}.get(got["status"], got["status"])
        return {**line, **got, "status": status, "title": title, "uploader": uploader,
                "uploaded": uploaded.isoformat() if uploaded else None}  # fmt: skip
    except (InputError, UsageError) as e:
        return {**line, "status": "error", "error": str(e)}
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def keep(media: Path, folder: Path | None) -> Path | None:
    """The downloaded media moved into ``folder`` (when media are kept), else None."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / media.name
    shutil.move(str(media), target)
    return target
