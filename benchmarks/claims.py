"""Spoken-language claims tested on every item of the speech benchmark (issue 34).

Each item of benchmarks/speech_set.py is checked twice through the claim test the report uses
(stages/transcribe/claim.py):

- with its **true** language claimed (each side of a two-language join too): a "contradicted"
  here is a false contradiction, the worst output for a desk (target 0);
- with a **wrong but plausible** claim: Russian speech claimed as Kazakh or Ukrainian, Ukrainian
  claimed as Russian, Kazakh claimed as Russian; other languages claimed as the plain baseline's
  confusions are not (a wrong claim is any language but the truth). The contradictions caught are
  reported, per split, beside the old rule (contradicted when the claim is not the verdict and
  holds under 20 % of the detection) in the same run.

The values come from benchmarks/speech_values.py (Whisper base, CTranslate2 int8, as shipped).

usage: python -m benchmarks.claims [--values FILE.jsonl]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.common import record, table
from benchmarks.speech_values import WRONG
from verifyvid.stages.transcribe import claim

OLD_SHARE = 0.2  # the rule before issue 34: contradicted under this share unless the verdict


def read(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return lines[0], lines[1:]


def contests(v: dict[str, Any]) -> list[claim.Contest]:
    used = v.get("decoded", all(c["logprob"] is not None for c in v["contest"]))
    return [claim.Contest(c["code"], c["score"], used) for c in v["contest"]]


def speech(head: dict[str, Any], row: dict[str, Any], code: str | None = None) -> claim.Speech:
    """The claim test's view of an item, as the stage records it when ``code`` is claimed
    before it runs (its decoded contest with the verdict, where the stage runs one)."""
    v = row["verdict"]
    spans = [s[2] for s in row.get("spans", [])] or [v["codes"]]
    windows = [max(w[2], key=w[2].get) for w in row.get("windows", []) if w[2]]
    pair = row.get("tested", {}).get(code) if code else None
    return claim.Speech(v["codes"], spans, row["detection"], head["leaning"], contests(v), windows,
                        contests(pair) if pair else [])  # fmt: skip


def old_rule(s: claim.Speech, code: str) -> str:
    if code in s.verdict:
        return "consistent" if len(s.verdict) == 1 else "unknown"
    return "unknown" if s.detection.get(code, 0.0) >= OLD_SHARE else "contradicted"


def claims_of(row: dict[str, Any]) -> Iterator[tuple[str, bool]]:
    """(claimed language, whether it is true) for one item."""
    for code in row["truth"]:
        yield code, True
    if row["family"] != "join":
        for code in WRONG.get(row["truth"][0], []):
            yield code, False


def values(path: Path | None, work: Path) -> Path:
    if path is not None:
        return path
    out = work / "int8.jsonl"
    subprocess.run([sys.executable, "-m", "benchmarks.speech_values", str(out)], check=True)
    return out


def evaluate(head: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    # per (kind, split): claims, consistent, unknown, contradicted (new), contradicted (old)
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    false_ones: list[list[object]] = []
    for row in rows:
        for code, true in claims_of(row):
            s = speech(head, row, code)
            got = claim.test(s, code)
            kind = "true" if true else f"wrong: {row['truth'][0]} claimed as {code}"
            keys = [kind] if true else [kind, "wrong (all)"]
            for key in keys:
                c = per[(key, row["split"])]
                c[0] += 1
                c[1] += got.verdict == "consistent"
                c[2] += got.verdict == "unknown"
                c[3] += got.verdict == "contradicted"
                c[4] += old_rule(s, code) == "contradicted"
            if true and got.verdict == "contradicted":
                false_ones.append([row["name"], row["family"], row["split"], code, got.evidence])
    rows_out = []
    for (kind, split), (n, ok, unk, con, old) in sorted(per.items()):
        rows_out.append([kind, split, n, ok, unk, con, old])
    text = table(["claims", "split", "n", "consistent", "cannot tell", "contradicted",
                  "contradicted by the old rule"], rows_out)  # fmt: skip
    text += (
        f"\n\nFalse contradictions (a true claim contradicted): **{len(false_ones)}** (target 0)."
    )
    if false_ones:
        text += "\n\n" + table(["clip", "family", "split", "claim", "evidence"], false_ones)
    return text


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--values", type=Path, help="values from benchmarks.speech_values")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        head, rows = read(values(args.values, Path(work)))
    text = evaluate(head, rows)
    print(text)
    record("claims (spoken language)", "python -m benchmarks.claims", text)


if __name__ == "__main__":
    main()
