"""Window features of every version of benchmarks/voice_set.py, computed once and cached.

The cache (``~/.cache/verifyvid-bench/voice-<key>.npz``) is keyed by the set's parameters and the
versions of the features and of the set (bump them on a change). Two processes share the work.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import speech_set, voice_set
from benchmarks import voice_features as features
from verifyvid.media.audio import speech_intervals

Array = np.ndarray[Any, Any]
NEGATIVES = 6  # unaltered versions per clip: one per condition
PER_TOOL = 6  # altered versions per clip and tool: each size twice, the direction drawn
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "verifyvid-bench"


@dataclass
class Data:
    """One row per window; ``version`` numbers the recording the window comes from."""

    X: Array
    version: Array
    meta: list[dict[str, Any]]  # per version: clip, language, split, tool, shift, condition, size


def key() -> str:
    tools = voice_set.available_tools()
    text = (
        f"{features.VERSION}/{voice_set.VERSION}/{speech_set.SEED}/{NEGATIVES}/{PER_TOOL}/{tools}"
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def one_clip(name: str) -> tuple[list[dict[str, Any]], list[Array]]:
    """The metadata and the window features of every version of one clip."""
    clip = next(c for c in voice_set.all_clips() if c.name == name)
    metas, xs = [], []
    tools = voice_set.available_tools()
    for v in voice_set.versions(clip, tools, PER_TOOL, NEGATIVES, voice_set.backgrounds()):
        tracks = features.tracks(v.audio, speech_intervals(v.audio, features.RATE))
        ws = features.windows(tracks)
        metas.append({"clip": v.clip, "language": v.language, "split": v.split, "tool": v.tool,
                      "shift": v.shift, "condition": v.condition, "size": v.size,
                      "seconds": round(len(v.audio) / features.RATE, 2)})  # fmt: skip
        xs.append(
            np.array([features.vector(tracks, a, b) for a, b in ws]).reshape(
                len(ws), len(features.NAMES)
            )
        )
    return metas, xs


def load() -> Data:
    path = CACHE / f"voice-{key()}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return Data(z["X"], z["version"], json.loads(str(z["meta"])))
    names = [c.name for c in voice_set.all_clips()]
    with ProcessPoolExecutor(2) as pool:
        parts = list(pool.map(one_clip, names))
    meta: list[dict[str, Any]] = []
    xs, version = [], []
    for metas, x in parts:
        for m, xv in zip(metas, x, strict=True):
            version += [len(meta)] * len(xv)
            meta.append(m)
            xs.append(xv)
    data = Data(np.vstack(xs), np.array(version), meta)
    CACHE.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, X=data.X, version=data.version, meta=json.dumps(meta))
    tmp.replace(path)
    return data


if __name__ == "__main__":
    import time

    t = time.time()
    d = load()
    print(d.X.shape, len(d.meta), f"{time.time() - t:.0f} s")
