"""The golden report: a case built from a generated clip, with volatile values normalized.

Regenerate on purpose with `python scripts/gen_golden.py` after a deliberate report change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from fixtures.synth import clip, transform
from verifyvid import api
from verifyvid.api import render_report
from verifyvid.archive.engines import open_archive
from verifyvid.archive.service import add_paths
from verifyvid.case.folder import Case, read_manifest
from verifyvid.pipeline.plan import RunOptions
from verifyvid.render import md

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden" / "report.md"
FIXED = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def build_case(work: Path) -> Path:
    source = clip(work / "golden clip.mp4", seconds=4, size="320x240", audio=False,
                  vf="drawbox=x=40:y=30:w=80:h=40:color=black:t=fill")  # fmt: skip
    # the archive holds an earlier, smaller copy of its first three seconds
    earlier = transform(source, work / "earlier.mp4", "[0:v]trim=end=3,scale=240:180[out]")
    archive = open_archive(str(work / "archive.sqlite"), create=True)
    add_paths(archive, [earlier], "Earlier copy", "https://example.org/v/1", "2019-05-06")
    archive.close()
    # the optional system readers and language data are left out: the report is the same on
    # every machine
    (work / "no-tessdata").mkdir(exist_ok=True)
    params = {
        "meta": {"exiftool": False, "ffprobe": False},
        "ocr": {"tessdata": str(work / "no-tessdata")},
        "search": {"index": str(work / "archive.sqlite")},
    }
    result = api.check(
        str(source),
        case_dir=work / "case",
        options=RunOptions(skip=frozenset({"transcribe"}), params=params),
    )
    case = Case(result.case.root, read_manifest(result.case.root))
    m = case.manifest
    m.created = m.updated = m.input.mtime = FIXED
    m.input.path = "/evidence/golden clip.mp4"
    m.claims = {"date": "2024-01-01", "language": "kk"}
    for record in m.stages.values():
        record.started, record.seconds = FIXED, 1.0
    case.save()
    return case.root


def normalize(text: str) -> str:
    text = re.sub(r"\b[0-9a-f]{64}\b", "<sha256>", text)
    text = re.sub(r"\b[0-9a-f]{32}\b", "<md5>", text)
    text = re.sub(r"\b[0-9a-f]{16}\b", "<phash>", text)
    text = re.sub(r"^- verifyvid .*$", "- <versions>", text, flags=re.M)
    text = re.sub(r"^- Libraries: .*$", "- <libraries>", text, flags=re.M)
    text = re.sub(r"^- Case opened .*$", "- <case dates>", text, flags=re.M)
    text = re.sub(r"\(\d+ bytes, modified", "(<size> bytes, modified", text)
    text = re.sub(r"^(\| [^|]+ \| )\d+( \| `<sha256>` \|)$", r"\1<size>\2", text, flags=re.M)
    text = re.sub(r"Lavf[\d.]+", "Lavf<version>", text)
    text = re.sub(r"^\| case opened \|.*$", "| <case opened> |", text, flags=re.M)
    return text


def render(work: Path) -> str:
    text = render_report(build_case(work))
    return normalize(text.replace(str(work), "<work>").replace(md(str(work)), "<work>"))
