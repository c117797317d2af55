"""Reports (Markdown, JSON, HTML), escaping of hostile content, claims, and `verify`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures.synth import clip
from tests.conftest import Cli, shared_file
from tests.golden import GOLDEN, render
from verifyvid.api import render_report
from verifyvid.case import atomic
from verifyvid.case.folder import Case, read_manifest
from verifyvid.case.manifest import FileRecord, StageRecord
from verifyvid.hashing import sha256_file
from verifyvid.render import md
from verifyvid.report.formats import JsonReport
from verifyvid.report.page import SCRIPT
from verifyvid.stages.transcribe.models import (
    LanguageScore,
    Segment,
    Span,
    TranscribeResult,
    Verdict,
)

HOSTILE = "Evil | `tick` <script>alert(1)</script> [x](javascript:alert(1))\n# Heading\n<img src=x onerror=alert(2)>"


def test_golden_report(tmp_path: Path) -> None:
    assert render(tmp_path) == GOLDEN.read_text(encoding="utf-8"), (
        "run python scripts/gen_golden.py if intended"
    )


def hostile_case(cli: Cli, tmp_path: Path) -> Path:
    path = clip(
        tmp_path / "x <b>`name`.mov",
        seconds=2,
        metadata={"software": HOSTILE, "title": HOSTILE},
        extra=["-movflags", "use_metadata_tags"],
    )
    data = cli.json("check", path, "--skip", "transcribe", "--case", tmp_path / "case")
    case_dir = Path(data["case"])
    # a transcript line carrying HTML, written as the stage would
    result = TranscribeResult(
        engine="faster", model="m", speech_seconds=2, audio_seconds=2, language="ru", language_probability=0.9,
        languages=[LanguageScore(code="ru", name="russian", probability=0.9)],
        verdict=Verdict(languages=["ru"], abstained=False, method=HOSTILE),
        timeline=[Span(start=0, end=2, language="ru", languages=["ru"], probability=0.9)],
        segments=[Segment(start=0, end=2, text=HOSTILE, language="ru")],
    )  # fmt: skip
    atomic.write_model(case_dir / "transcribe" / "result.json", result)
    case = Case(case_dir, read_manifest(case_dir))
    f = case_dir / "transcribe" / "result.json"
    case.manifest.stages["transcribe"] = StageRecord(
        name="transcribe", version="1", status="ok",
        files=[FileRecord(path="transcribe/result.json", size=f.stat().st_size, sha256=sha256_file(f))],
    )  # fmt: skip
    case.manifest.claims = {"place": HOSTILE}
    case.save()
    return case_dir


def test_hostile_strings_are_inert(cli: Cli, tmp_path: Path) -> None:
    case_dir = hostile_case(cli, tmp_path)
    text = render_report(case_dir)
    assert "Evil" in text  # the content is shown...
    prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)  # code spans render as literal text
    assert "<script" not in prose and "<img" not in prose and "<b>" not in prose  # ...but inert
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    assert not re.search(r"^#+ Heading", text, re.M)
    headings = [line for line in text.splitlines() if line.startswith("#")]
    assert all(h.startswith(("# Verification report", "## ")) for h in headings), headings
    place = next(line for line in text.splitlines() if line.startswith("| place |"))
    assert len(re.findall(r"(?<!\\)\|", place)) == 5, place  # still four cells
    html = render_report(case_dir, "html")
    assert html.count(f"<script>{SCRIPT}</script>") == 1  # our own script, allowed by its hash
    assert "<script" not in html.lower().replace("&lt;script", "").replace(
        f"<script>{SCRIPT.lower()}", ""
    )
    assert 'href="javascript' not in html and "onerror=" not in html.replace(
        "onerror=alert(2)&gt;", ""
    )
    assert "Content-Security-Policy" in html


def test_markdown_table_cells_stay_cells(tmp_path: Path) -> None:
    assert md("a|b") == "a\\|b" and md("x\n# y") == "x \\# y"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_md_escape_property(text: str) -> None:
    out = md(text)
    assert "\n" not in out and "<" not in out and ">" not in out
    assert not re.search(r"(?<!\\)\|", out)
    assert not re.search(r"(?<!\\)`", out)
    assert not re.search(r"(?<!\\)\[", out)


def test_json_and_html_reports(cli: Cli) -> None:
    data = cli.json(
        "check", shared_file("media/video/iphone6_with-gps.mov"), "--skip", "transcribe"
    )
    case_dir = Path(data["case"])
    report = JsonReport.model_validate_json(render_report(case_dir, "json"))
    assert report.report_schema == 1
    assert (
        report.stages["meta"].result is not None
        and report.stages["meta"].result["device"]["model"] == "iPhone 6"
    )
    assert report.stages["transcribe"].status == "skipped"
    result = cli("report", case_dir, "--format", "html")
    assert result.exit_code == 0
    html = (case_dir / "report.html").read_text()
    assert html.count("data:image/jpeg;base64,") >= 2 and html.count("<script") == 1
    out = cli("report", case_dir, "-f", "json", "-o", case_dir.parent / "r.json")
    assert (
        out.exit_code == 0
        and json.loads((case_dir.parent / "r.json").read_text())["report_schema"] == 1
    )


def test_iphone_report(cli: Cli) -> None:
    data = cli.json("check", shared_file("media/video/iphone6_with-gps.mov"), "--skip", "transcribe",
                    "--claim-date", "2022-01-05", "--claim-language", "kk")  # fmt: skip
    text = Path(data["report"]).read_text()
    assert "| Device | Apple iPhone 6 |" in text
    assert "https://www.openstreetmap.org/?mlat=32.092900&mlon=34.862000" in text
    assert "2019-07-24T11:25:40+0300 as written, 2019-07-24 08:25:40 UTC" in text
    assert "Caveat: Apple QuickTime Keys creation date" in text
    assert "![contact sheet](frames/contact_sheet.jpg)" in text
    assert "frames/keyframes/" in text
    assert (
        "| date | 2022-01-05 | the earliest known appearance: created 2019-07-24, before the"
        in text
    )
    assert "**⚠ warning** (claims): The claimed date (2022-01-05) does not match" in text
    assert "| contradicted |" in text


def test_claim_command(cli: Cli, small_clip: Path) -> None:
    data = cli.json("check", small_clip, "--skip", "transcribe")
    result = cli("claim", data["case"], "--claim-place", "Almaty")
    assert result.exit_code == 0
    assert read_manifest(Path(data["case"])).claims == {"place": "Almaty"}
    assert (
        "| place | Almaty | no GPS position in the file | unknown |"
        in Path(data["report"]).read_text()
    )
    assert cli("claim", data["case"]).exit_code == 2


def test_report_elsewhere_links_back_to_case(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    data = cli.json("check", small_clip, "--skip", "transcribe")
    (tmp_path / "out").mkdir()
    assert cli("report", data["case"], "-o", tmp_path / "out" / "r.md").exit_code == 0
    text = (tmp_path / "out" / "r.md").read_text()
    link = re.search(r"!\[contact sheet\]\(([^)]+)\)", text)
    assert link and (tmp_path / "out" / link.group(1)).is_file()


def test_verify_detects_changes(cli: Cli, small_clip: Path, tmp_path: Path) -> None:
    source = tmp_path / "evidence.mp4"
    shutil.copy(small_clip, source)
    data = cli.json("check", source, "--skip", "transcribe")
    case_dir = Path(data["case"])
    assert cli.result("verify", case_dir)["intact"] is True
    for name in ("meta/result.json", "frames/contact_sheet.jpg"):
        target = case_dir / name
        original = target.read_bytes()
        target.write_bytes(original[:100] + bytes([original[100] ^ 1]) + original[101:])
        out = cli.result("verify", case_dir, code=4)
        assert out["changed"] == [name]
        target.write_bytes(original)
    (case_dir / "frames" / "extra.txt").write_text("planted")
    assert cli.result("verify", case_dir, code=4)["added"] == ["frames/extra.txt"]
    (case_dir / "frames" / "extra.txt").unlink()
    raw = bytearray(source.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    source.write_bytes(bytes(raw))
    out = cli.result("verify", case_dir, code=4)
    assert out["changed"] == [f"input {source.resolve()}"]
    human = cli("verify", case_dir)
    assert human.exit_code == 4 and "NOT intact" in human.stdout


tag = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@settings(max_examples=100, deadline=None)
@given(make=tag, model=tag, software=tag, created=tag, writer=tag)
def test_metadata_section_is_inert_for_any_tags(
    make: str, model: str, software: str, created: str, writer: str
) -> None:
    from verifyvid.case.folder import now
    from verifyvid.stage import Shown
    from verifyvid.stages.meta import checks, encoder, normalize
    from verifyvid.stages.meta.models import MetaResult
    from verifyvid.stages.meta.report import metadata

    tags = {"com.apple.quicktime.make": make, "com.apple.quicktime.model": model,
            "com.apple.quicktime.software": software, "creation_time": created, "encoder": writer}  # fmt: skip
    raw = {"pyav": {"format": "mov", "tags": tags, "streams": []}}
    dev = normalize.device(raw)  # type: ignore[arg-type]
    times = normalize.creation_times(raw)  # type: ignore[arg-type]
    meta = MetaResult(
        sources=["pyav"], sha256="0" * 64, md5="0" * 32, container=normalize.container(raw, [], 1),  # type: ignore[arg-type]
        streams=[], device=dev, encoder=encoder.encoder(raw, dev),  # type: ignore[arg-type]
        creation_time=normalize.primary_creation(times), creation_times=times,
    )  # fmt: skip
    meta.findings = checks.find(meta, now())
    text = "\n".join(metadata(Shown("meta", meta, None, meta.findings)))
    prose = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<" not in prose and ">" not in prose
    assert [line for line in text.splitlines() if line.startswith("#")] == ["## Metadata"]
    for line in text.splitlines():
        if line.startswith("| "):
            assert len(re.findall(r"(?<!\\)\|", line)) == 3, line


def test_a_failed_stage_reads_as_a_sentence_and_json_keeps_the_text(
    cli: Cli, small_clip: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    cli.json("check", small_clip, "--only", "meta", "--case", case)
    manifest = json.loads((case / "case.json").read_text())
    manifest["stages"]["meta"].update(
        status="failed", error="RuntimeError: no frame could be decoded"
    )
    (case / "case.json").write_text(json.dumps(manifest))
    text = cli("report", case, "-o", "-").stdout
    assert "RuntimeError" not in text
    assert "could not finish on this file (no frame could be decoded)" in text
    assert (
        "RuntimeError: no frame could be decoded"
        in cli("report", case, "-f", "json", "-o", "-").stdout
    )
