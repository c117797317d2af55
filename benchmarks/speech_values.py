"""The deciding values of the spoken-language verdicts, item by item, from one engine set-up.

benchmarks/margins.py runs this once per set-up (CTranslate2 int8 as shipped, int8 with another
instruction set forced, float32), each in a new process, and compares the values; the claims
benchmark (benchmarks/claims.py) reads the shipped set-up's values. For every item of
benchmarks/speech_set.py:

- the detection over all its speech, every language (``detection``);
- the overall verdict (language.decide): its codes and its contestants' scores; the timeline's
  windows (each detected alone) and spans (timeline.language_of, as the stage runs it);
- for Kazakh items, the verdict among ``--languages kk,ru``;
- for two-language joins, each side's detection at the true boundary.

usage: python -m benchmarks.speech_values [--compute int8|float32] [--every N] OUT.jsonl
(CT2_FORCE_CPU_ISA=AVX|AVX2|AVX512|GENERIC in the environment picks CTranslate2's kernels)
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from benchmarks.speech_set import Item, items
from verifyvid.stages.transcribe import engines, language, timeline

MODEL = Path(__file__).resolve().parents[2] / "shared" / "models" / "whisper-base-ct2"
KEEP = 1e-7  # detection probabilities below this are not written


def verdict_values(v: language.Verdict) -> dict[str, Any]:
    return {"codes": v.codes, "method": v.method, "decoded": v.decoded,
            "among": dict(v.among) if v.among else None,
            "contest": [{"code": c.code, "detection": c.detection, "score": c.score,
                         "logprob": c.decoded.avg_logprob if c.decoded else None,
                         "tokens": c.decoded.tokens if c.decoded else None}
                        for c in v.contestants]}  # fmt: skip


def values(engine: engines.Engine, index: int, item: Item) -> dict[str, Any]:
    found = timeline.language_of(engine, item.audio, None)
    intervals, detection = found.intervals, found.overall.probabilities
    out: dict[str, Any] = {
        "index": index, "name": item.name, "family": item.family, "split": item.split,
        "truth": sorted(item.truth), "close": item.close,
        "speech": round(sum(e - s for s, e in intervals), 2),
        "detection": {c: p for c, p in detection if p >= KEEP},
    }  # fmt: skip
    out["verdict"] = verdict_values(found.overall)
    out["spans"] = [[s.start, s.end, s.verdict.codes] for s in found.spans]
    out["windows"] = [[w.start, w.end, dict((w.probs or [])[:3])] for w in found.windows]
    if item.family == "join":
        boundary = item.sides[1][1]
        seg = timeline.Segmenter(engine, item.audio, intervals, None)
        start, end = intervals[0][0], intervals[-1][1]
        out["sides"] = [dict(seg.top(start, boundary)[:5]), dict(seg.top(boundary, end)[:5])]
    out["tested"] = tested(engine, item, found)
    if item.truth & {"kk"} and item.family != "join":
        out["kk_ru"] = verdict_values(language.decide(engine, item.audio, intervals, ["kk", "ru"]))
    return out


# claims the claims benchmark makes beside the true one (benchmarks/claims.py)
WRONG = {"ru": ["kk", "uk"], "uk": ["ru"], "kk": ["ru"]}


def tested(engine: engines.Engine, item: Item, found: timeline.Language) -> dict[str, Any]:
    """Each claim the claims benchmark makes of this item against the verdict, by decoding,
    where the stage would (language.against_claim: a close relative of the verdict)."""
    out: dict[str, Any] = {}
    claims = set(item.truth) | set(
        WRONG.get(sorted(item.truth)[0], []) if item.family != "join" else []
    )
    for claim in sorted(claims):
        v = language.against_claim(engine, item.audio, found.intervals, found.overall, claim)
        if v is not None:
            out[claim] = verdict_values(v)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--compute", default="int8")
    parser.add_argument("--every", type=int, default=1, help="every Nth item only")
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    engine = engines.FasterEngine(str(MODEL), str(MODEL), args.compute)
    with args.out.open("w", encoding="utf-8") as f:
        head = {"compute": args.compute, "isa": os.environ.get("CT2_FORCE_CPU_ISA", "default"),
                "leaning": {c: p for c, p in engine.prior.items() if p >= KEEP}}  # fmt: skip
        f.write(json.dumps(head) + "\n")
        for i, item in enumerate(items()):
            if i % args.every:
                continue
            f.write(json.dumps(values(engine, i, item)) + "\n")
            f.flush()


if __name__ == "__main__":
    main()
