"""How far the picture evidence moves when the arithmetic changes (issue 34, picture side).

The picture stages' floats come from NumPy, OpenCV and OpenBLAS, which each pick their kernels by
CPU at run time. A change of machine is stood in for by turning that choice off in a new process:
``NPY_DISABLE_CPU_FEATURES=X86_V3`` (NumPy's AVX2/FMA kernels), ``OPENCV_CPU_DISABLE=AVX2,AVX,
FP16,FMA3`` and ``OPENBLAS_CORETYPE=Nehalem``. Every decodable clip of ../shared/media/video is
checked (meta, frames, hash, OCR; no speech, no search) both ways, and compared:

- *hash bits*: PDQ hashes of the same frames (whole, mirrored, inner-picture), bits that differ;
  search's thresholds are on these distances (search.RADIUS, align.MARGIN, align.GUIDED_RADIUS);
- *local features*: ORB descriptors, bits that differ, and keypoints found one way only;
- *outcomes*: findings (ids and messages), shots and keyframe times, bars/boxes/logos, OCR texts.

usage: python -m benchmarks.margins_picture
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import SHARED, record, table
from verifyvid.fingerprint.hashfile import load_hashes

VIDEOS = SHARED / "media" / "video"
NOT_VIDEO = {"android_keyed_metadata_only.mp4"}
OTHER_CPU = {"NPY_DISABLE_CPU_FEATURES": "X86_V3", "OPENCV_CPU_DISABLE": "AVX2,AVX,FP16,FMA3",
             "OPENBLAS_CORETYPE": "Nehalem"}  # fmt: skip


def check(clip: Path, case: Path, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "verifyvid", "check", str(clip), "--skip", "transcribe",
           "--skip", "search", "--case", str(case), "--quiet"]  # fmt: skip
    subprocess.run(cmd, env={**os.environ, **env}, check=False, capture_output=True)


def outcomes(case: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for stage in ("meta", "frames", "hash", "ocr"):
        path = case / stage / "result.json"
        if not path.exists():
            continue
        r = json.loads(path.read_text())
        out[f"{stage} findings"] = sorted((f["id"], f["message"]) for f in r["findings"])
        if stage == "frames":
            out["keyframes"] = [k.get("time") for k in r["keyframes"]]
            out["shots"] = len(r["shots"])
            out["overlays"] = json.dumps(r["overlays"], sort_keys=True)
            out["crop"] = json.dumps(r["crop"], sort_keys=True)
        if stage == "ocr":
            out["ocr texts"] = sorted(i["text"] for i in r["items"])
    return out


def bits(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    if a.shape != b.shape or not a.size:
        return np.zeros(0, dtype=int)
    return np.unpackbits(np.bitwise_xor(a, b), axis=1).sum(axis=1)


def main() -> None:
    clips = sorted(p for p in VIDEOS.iterdir() if p.name not in NOT_VIDEO)
    moved: dict[str, list[int]] = {"hash": [], "mirror": [], "inset": [], "local_desc": []}
    rows, changed = [], []
    with tempfile.TemporaryDirectory() as work:
        for clip in clips:
            a, b = Path(work) / f"{clip.stem}-a", Path(work) / f"{clip.stem}-b"
            check(clip, a, {})
            check(clip, b, OTHER_CPU)
            ha, hb = a / "hash" / "hashes.npz", b / "hash" / "hashes.npz"
            row: list[object] = [clip.name]
            if ha.exists() and hb.exists():
                x, y = load_hashes(ha), load_hashes(hb)
                same_t = x["t"].shape == y["t"].shape and bool(np.all(x["t"] == y["t"]))
                for key in moved:
                    d = bits(x[key], y[key])
                    moved[key] += d.tolist()
                    row.append(f"{int(d.max()) if d.size else 0} / {len(d)}")
                row.append("yes" if same_t else "no")
            else:
                row += ["-"] * (len(moved) + 1)
            oa, ob = outcomes(a), outcomes(b)
            diff = sorted(k for k in oa.keys() | ob.keys() if oa.get(k) != ob.get(k))
            row.append(", ".join(diff) or "none")
            changed += [f"{clip.name}: {k}" for k in diff]
            rows.append(row)
    text = table(["clip", "PDQ bits moved (max / frames)", "mirror", "inner picture",
                  "ORB descriptor bits", "same frame times", "outcomes that changed"], rows)  # fmt: skip
    summary = []
    for key, values in moved.items():
        v = np.array(values) if values else np.zeros(1, dtype=int)
        summary.append(
            [key, len(values), int((v > 0).sum()), int(v.max()), float(np.percentile(v, 99))]
        )
    text += "\n\n" + table(
        ["hashes", "compared", "differ", "largest (bits)", "99th percentile"], summary
    )
    text += (
        f"\n\nOutcomes that changed: {len(changed)}"
        + (": " + "; ".join(changed) if changed else "")
        + "."
    )
    print(text)
    record("margins (picture)", "python -m benchmarks.margins_picture", text)


if __name__ == "__main__":
    main()
