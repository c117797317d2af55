"""Earlier uploads on hard footage: recall per content family x edit family (issue: hard
footage). The content (benchmarks/hard_set.py): talking heads before plain walls, sky and haze,
a rendered globe, a test pattern, a texture under a big logo, a screen recording, clips of 1-2 s.
The edits: every family of the matching benchmark (benchmarks/matching.py), with the same
seeded parameters. Split by archived clip (a hash of its name): held-out clips are never looked
at while tuning. Negatives: clips of the same rendered families that are never archived, as
they are and re-encoded.

    python -m benchmarks.hard_footage [--work DIR] [--record]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import record, table
from benchmarks.hard_set import clips
from benchmarks.matching import Truth, coverage, make_queries, mapping_error, split_of
from fixtures.synth import transform
from verifyvid import api
from verifyvid.archive.engines import open_archive
from verifyvid.archive.search import Query, search
from verifyvid.archive.service import add_paths
from verifyvid.fingerprint.hashfile import load_hashes
from verifyvid.pipeline.plan import RunOptions


def cell(hits: list[bool]) -> str:
    return f"{sum(hits)}/{len(hits)}" if hits else "-"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument(
        "--work", type=Path, default=Path(tempfile.gettempdir()) / "verifyvid-bench-hard"
    )
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--content", default=None,
                    help="only the queries of this content family (and the negatives): a quick look")  # fmt: skip
    args = ap.parse_args()
    if args.record and args.content:
        ap.error("--record measures every content family: leave out --content")
    work: Path = args.work
    archived, negatives = clips(work / "clips")
    family_of = {p.name: f for f, p in archived}
    location = work / "archive.sqlite"
    for old in work.glob("archive.sqlite*"):
        subprocess.run(["rm", "-rf", str(old)], check=True)
    archive = open_archive(str(location), create=True)
    rows = add_paths(archive, [p for _, p in archived], None, None, "2020-01-01")
    names = {r["id"]: Path(r["path"]).name for r in rows if r["status"] == "added"}
    grouped = [Path(r["path"]).name for r in rows if r.get("copy_of")]
    queries = [q for q in make_queries(work, [p for _, p in archived]) if q[0] != "unrelated"]
    for family, path in negatives:
        queries.append(("unrelated", path, Truth(None)))
        again = work / "queries" / f"{path.stem}--unrelated_crf35.mp4"
        if not again.exists():
            transform(path, again, "[0:v]null[out]", crf=35)
        queries.append(("unrelated", again, Truth(None)))
        family_of[path.name] = family
    per: dict[tuple[str, str, str], dict[str, list[Any]]] = {}
    details = []
    for edit, path, truth in queries:
        source = truth.ref or path.name.split("--")[0] + ".mp4"
        content = family_of.get(truth.ref or "", family_of.get(source, "negative"))
        if args.content and content not in (args.content, "negative"):
            continue
        case = api.check(str(path), case_dir=work / "cases" / path.stem,
                         options=RunOptions(only=frozenset({"hash"})), report=False).case  # fmt: skip
        h = load_hashes(case.root / "hash" / "hashes.npz")
        found = search(archive, Query.load(h)) if len(h["t"]) else []
        right = [m for m in found if names.get(m["ref_id"]) == truth.ref]
        s = per.setdefault((content, edit, split_of(truth.ref or path.name)), {})
        s.setdefault("false", []).append(sum(names.get(m["ref_id"]) != truth.ref for m in found))
        if truth.ref is not None:
            s.setdefault("hit", []).append(bool(right))
            s.setdefault("mapping", []).extend(
                mapping_error(m, truth) for m in right if not m.get("ambiguous")
            )
            if right:
                s.setdefault("coverage", []).append(coverage(right, truth))
        details.append({"content": content, "edit": edit, "query": path.name, "hit": bool(right),
                        "false": s["false"][-1], "matches": [{**m, "ref": names.get(m["ref_id"])} for m in found]})  # fmt: skip
        print(f"{content:<26} {edit:<36} {path.name:<60} hit={bool(right) if truth.ref else '-'} "
              f"false={s['false'][-1]}", flush=True)  # fmt: skip
    archive.close()
    (work / "details.json").write_text(json.dumps(details, indent=1, default=str))
    contents = sorted({c for c, _, _ in per if c != "negative"})
    edits = list(dict.fromkeys(e for _, e, _ in per if e != "unrelated"))
    out = []
    for split in ("dev", "held-out"):
        matrix = [
            [edit, *[cell(per.get((c, edit, split), {}).get("hit", [])) for c in contents]]
            for edit in edits
        ]
        totals = [
            "all edits",
            *[
                cell([h for e in edits for h in per.get((c, e, split), {}).get("hit", [])])
                for c in contents
            ],
        ]
        out.append(f"### {split}: recall per edit family (rows) and content family (columns)\n\n"
                   + table(["edit", *contents], [*matrix, totals]))  # fmt: skip
    mapping = [v for s in per.values() for v in s.get("mapping", [])]
    false = sum(sum(s.get("false", [])) for s in per.values())
    worst = sorted(
        ((sum(s["hit"]) / len(s["hit"]), c, e, sp) for (c, e, sp), s in per.items() if s.get("hit"))
    )[:8]
    summary = table(["measure", "value"], [
        ["queries", len(queries)],
        ["recall, all (dev / held-out)", " / ".join(
            cell([h for (c, e, sp), s in per.items() if sp == split for h in s.get("hit", [])]) for split in ("dev", "held-out"))],
        ["false matches (all queries, negatives included)", false],
        ["mapping error s (median / 90th pct / max)",
         f"{statistics.median(mapping):.2f} / {float(np.percentile(mapping, 90)):.2f} / {max(mapping):.2f}" if mapping else "-"],
        ["worst cells (recall, content, edit, split)", "; ".join(f"{r:.2f} {c}, {e}, {sp}" for r, c, e, sp in worst)],
        ["archived clips grouped as copies of another", ", ".join(grouped) or "none"],
    ])  # fmt: skip
    body = (f"{len(archived)} archived clips in {len(contents)} content families, {len(negatives)} negatives "
            "(never archived, as they are and re-encoded).\n\n" + summary + "\n\n" + "\n\n".join(out) + "\n")  # fmt: skip
    print(body)
    if args.record:
        record(
            "Matching: hard footage",
            "python -m benchmarks.hard_footage --record",
            (__doc__ or "").split("    python")[0] + "\n" + body,
        )


if __name__ == "__main__":
    main()
