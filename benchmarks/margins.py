"""How far the spoken-language deciding values move when the arithmetic changes (issue 34).

CTranslate2 picks its kernels by CPU (instruction set, int8 GEMM), so one clip can give a slightly
different score on another machine, and a verdict that sits on a threshold flips. Without a second
kind of CPU at hand, the change of machine is stood in for by the engine's own set-ups, each run in
a new process on every item of the speech benchmark (benchmarks/speech_values.py):

- ``int8`` as shipped (the reference), on this CPU's best kernels;
- ``int8, AVX``: CT2_FORCE_CPU_ISA=AVX, the kernels an older or another vendor's CPU would run;
- ``float32``: no quantization (a larger change than any CPU's).

For each deciding value, against the reference: how many items, the median, 95th percentile and
largest absolute change, and how many outcomes flipped. The values:

- *detection lead*: log(p1 / p2) of the reference's top two languages (verdicts, contests);
- *top log-odds*: the reference top language's log-odds (claims' STRONG);
- *contest lead*: the score gap of a contest's first two (MARGIN_DECODED / MARGIN_DETECTED);
- *Kazakh among kk,ru*: log(p_kk / p_ru) among the candidates (the test that failed on AMD);
- *switch sides*: each side's language probability at a join's true boundary (SIDE_CONFIDENT,
  OTHER_MAX);
- *claim lead*: the lead of the verdict's language over a claimed language (claim.CONTRADICT).

The bands (language.BAND, language.BAND_P) are the largest change seen with another instruction
set, times a safety factor of 1.5, rounded up: BAND from the detection-based values (the
decoded contests' leads move more, greedy decodings diverge, and are reported beside them),
BAND_P from the switch sides; docs/findings.md ("Margins") records them. Claim leads farther than
``NEAR`` nats from 0 are left out: a change there crosses no threshold.

usage: python -m benchmarks.margins [--values DIR]   (DIR keeps or reuses the runs' files)
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.claims import claims_of, read, speech
from benchmarks.common import record, table
from verifyvid import languages
from verifyvid.stages.transcribe import claim, language

SETUPS = {"int8": ("int8", None), "int8, AVX": ("int8", "AVX"), "float32": ("float32", None)}
SAFETY = 1.5
NEAR = 10.0  # nats: claim leads farther than this from 0 are far from every threshold
BANDED = ("detection lead", "top log-odds", "Kazakh among kk,ru", "claim lead")  # set BAND


def run(name: str, folder: Path) -> Path:
    compute, isa = SETUPS[name]
    out = folder / (name.replace(", ", "-").lower() + ".jsonl")
    if not out.exists():
        env = dict(os.environ)
        if isa:
            env["CT2_FORCE_CPU_ISA"] = isa
        part = out.with_suffix(".part")
        subprocess.run([sys.executable, "-m", "benchmarks.speech_values", "--compute", compute,
                        str(part)], env=env, check=True)  # fmt: skip
        part.rename(out)
    return out


def log_ratio(probs: dict[str, float], a: str, b: str) -> float:
    return math.log(max(probs.get(a, 0.0), 1e-9) / max(probs.get(b, 0.0), 1e-9))


def deciding(head: dict[str, Any], row: dict[str, Any], ref: dict[str, Any]) -> dict[str, float]:
    """The row's deciding values, for the languages the reference row's decisions were about."""
    out: dict[str, float] = {}
    top = sorted(ref["detection"].items(), key=lambda cp: -cp[1])
    if len(top) >= 2:
        out["detection lead"] = log_ratio(row["detection"], top[0][0], top[1][0])
        p = row["detection"].get(top[0][0], 0.0)
        out["top log-odds"] = math.log(max(p, 1e-9) / max(1.0 - p, 1e-9))
    ref_contest = sorted(ref["verdict"]["contest"], key=lambda c: -c["score"])
    mine = {c["code"]: c for c in row["verdict"]["contest"]}
    if len(ref_contest) >= 2 and all(c["code"] in mine for c in ref_contest[:2]):
        a, b = (mine[c["code"]] for c in ref_contest[:2])
        if (a["logprob"] is None) == (ref_contest[0]["logprob"] is None):
            out["contest lead"] = a["score"] - b["score"]
    if "kk_ru" in row and row["kk_ru"]["among"]:
        out["Kazakh among kk,ru"] = log_ratio(row["kk_ru"]["among"], "kk", "ru")
    for i, side in enumerate(row.get("sides", [])):
        lang = max(ref["sides"][i], key=lambda k: ref["sides"][i][k])
        out[f"switch side {i + 1}"] = side.get(lang, 0.0)
    s = speech(head, row)
    x = ref["verdict"]["codes"][0] if ref["verdict"]["codes"] else None
    for code, _ in claims_of(row):
        if x and code != x:
            pool = dict(claim.scored(s, code))
            lead = log_ratio(pool, x, code)
            if abs(lead) <= NEAR:  # far from every threshold, a change matters to nothing
                out[f"claim lead {code}"] = lead
    return out


def kind(value: str) -> str:
    return "claim lead" if value.startswith("claim lead") else (
        "switch sides" if value.startswith("switch side") else value)  # fmt: skip


def outcomes(head: dict[str, Any], row: dict[str, Any]) -> dict[str, str]:
    out = {"verdict": "/".join(row["verdict"]["codes"])}
    if "kk_ru" in row:
        out["kk,ru verdict"] = "/".join(row["kk_ru"]["codes"])
    for code, true in claims_of(row):
        out[f"claim {code} ({'true' if true else 'wrong'})"] = claim.test(
            speech(head, row, code), code
        ).verdict
    return out


def without_bands(v: dict[str, Any]) -> list[str]:
    """The verdict as the rules gave it before the safety bands: the top language where two
    were named for a lead under the band (language.decide), else the contest's winner and every
    contestant within its margin (no entry band: language.contest)."""
    if "(within" in v["method"]:
        return list(v["codes"][:1])
    contest = sorted(v["contest"], key=lambda c: -c["score"])
    if len(contest) < 2:
        return list(v["codes"])
    margin = (
        language.MARGIN_DECODED if contest[0]["logprob"] is not None else language.MARGIN_DETECTED
    )
    return [c["code"] for c in contest if contest[0]["score"] - c["score"] < margin]


def score(codes: list[str], truth: list[str]) -> float:
    if len(codes) == 1:
        return float(codes[0] in truth)
    return 0.5 if set(truth) & set(codes) else 0.0


def accuracy(rows: list[dict[str, Any]]) -> str:
    """The speech benchmark's accuracy (single-language items; an abstention naming the truth
    counts 0.5), with and without the safety bands, from one run."""
    per: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
    for r in rows:
        if r["family"] == "join" or len(r["truth"]) > 1:
            continue
        c = per[r["split"]]
        c[0] += 1
        c[1] += score(without_bands(r["verdict"]), r["truth"])
        c[2] += score(r["verdict"]["codes"], r["truth"])
    return table(["split", "items", "without the bands", "with them (as shipped)"],
                 [[k, int(n), f"{a:g} = {a / n:.3f}", f"{b:g} = {b / n:.3f}"]
                  for k, (n, a, b) in sorted(per.items())])  # fmt: skip


def clearance(rows: list[dict[str, Any]]) -> str:
    """Each clip as it is: its verdict's deciding lead and how far it is from the threshold that
    would change it (tests assert a verdict only on clips clear of the band)."""
    out = []
    for r in rows:
        if r["family"] != "as is":
            continue
        contest = sorted(r["verdict"]["contest"], key=lambda c: -c["score"])
        if len(contest) >= 2:
            m = (
                language.MARGIN_DECODED
                if contest[0]["logprob"] is not None
                else language.MARGIN_DETECTED
            )
            lead, what = contest[0]["score"] - contest[1]["score"], f"contest lead (margin {m:g})"
        else:
            top = sorted(r["detection"].items(), key=lambda cp: -cp[1])
            rival = max(
                (p for c, p in top[1:] if c in languages.relatives(top[0][0])), default=1e-9
            )
            lead = math.log(top[0][1] * language.RIVAL / rival)
            m, what = 0.0, "log(RIVAL x p1 / closest relative)"
        row = [r["name"], "/".join(r["verdict"]["codes"]), what, f"{lead:.2f}",
               "yes" if abs(lead - m) >= language.BAND else "no"]  # fmt: skip
        if "kk_ru" in r:
            kk = sorted(r["kk_ru"]["contest"], key=lambda c: -c["score"])
            gap = kk[0]["score"] - kk[1]["score"] if len(kk) >= 2 else None
            clear = gap is None or abs(gap - language.MARGIN_DETECTED) >= language.BAND
            row.append(f"{'/'.join(r['kk_ru']['codes'])}"
                       + (f", lead {gap:.2f}" if gap is not None else "")
                       + ("" if clear else " (not clear of the band)"))  # fmt: skip
        else:
            row.append("-")
        out.append(row)
    return table(["clip", "verdict", "deciding value", "value", "clear of the band",
                  "with --languages kk,ru"], out)  # fmt: skip


def compare(folder: Path, setups: list[str] | None = None) -> tuple[str, dict[str, float]]:
    runs = {name: read(run(name, folder)) for name in setups or SETUPS}
    ref_head, ref_rows = runs["int8"]
    changes: dict[tuple[str, str], list[float]] = defaultdict(list)
    flips: dict[str, list[str]] = defaultdict(list)
    for name, (head, rows) in runs.items():
        if name == "int8":
            continue
        by_index = {r["index"]: r for r in rows}
        for ref in ref_rows:
            row = by_index.get(ref["index"])
            if row is None:
                continue
            mine, theirs = deciding(head, row, ref), deciding(ref_head, ref, ref)
            for value in theirs.keys() & mine.keys():
                changes[(name, kind(value))].append(abs(mine[value] - theirs[value]))
            a, b = outcomes(ref_head, ref), outcomes(head, row)
            for what in a.keys() & b.keys():
                if a[what] != b[what]:
                    flips[name].append(
                        f"{ref['name']} {ref['family']} {what}: {a[what]} → {b[what]}"
                    )
    rows_out, worst = [], {"nats": 0.0, "share": 0.0}
    for (name, value), deltas in sorted(changes.items()):
        d = np.array(deltas)
        unit = "share" if value == "switch sides" else "nats"
        rows_out.append([name, value, unit, len(d), float(np.median(d)),
                         float(np.percentile(d, 95)), float(d.max())])  # fmt: skip
        if name == "int8, AVX" and (value in BANDED or unit == "share"):
            worst[unit] = max(worst[unit], float(d.max()))  # a change of instruction set
    text = table(["set-up against int8", "deciding value", "unit", "items", "median change",
                  "95th percentile", "largest"], rows_out)  # fmt: skip
    text += "\n\nOutcomes that changed against the reference (int8 as shipped):\n\n"
    for name in runs:
        if name != "int8":
            text += f"- {name}: {len(flips[name])}" + (
                ": " + "; ".join(flips[name]) if flips[name] else "") + "\n"  # fmt: skip
    bands = {u: math.ceil(SAFETY * w * 20) / 20 for u, w in worst.items()}
    text += (
        f"\nLargest change with another instruction set (int8, AVX): {worst['nats']:.3f} nats, "
        f"{worst['share']:.3f} in probability. Bands (x{SAFETY:g}, rounded up to 0.05): "
        f"{bands['nats']:.2f} nats, {bands['share']:.2f}; in the code: language.BAND = "
        f"{language.BAND}, language.BAND_P = {language.BAND_P}."
    )
    text += "\n\n### Accuracy with the safety bands\n\n" + accuracy(ref_rows)
    text += "\n\n### The clips as they are: how clear each verdict is\n\n" + clearance(ref_rows)
    return text, bands


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=Path, help="folder for the runs' files (kept, reused)")
    parser.add_argument(
        "--setups", default="int8,int8-avx,float32", help="which of int8, int8-avx, float32"
    )
    args = parser.parse_args()
    setups = [s.strip() for s in args.setups.split(",")]
    setups = [s for s in SETUPS if s in setups or s.replace(", ", "-").lower() in setups]
    with tempfile.TemporaryDirectory() as work:
        folder = args.values or Path(work)
        folder.mkdir(parents=True, exist_ok=True)
        text, _ = compare(folder, setups)
    print(text)
    record("margins (spoken language)", "python -m benchmarks.margins", text)


if __name__ == "__main__":
    main()
