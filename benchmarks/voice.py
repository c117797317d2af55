"""Voice disguise (issue 19): can pitch-shifted speech be told from natural speech of a speaker
the model never heard? Measured here before any stage ships.

Data: benchmarks/voice_set.py and voice_data.py (real speech from ../shared/media/audio, each
recording altered whole by one of six tools, 1-6 semitones up or down, every version through a
recording condition). Models are fitted in this run on the dev clips with the tools resample,
vocoder and praat only; the rubberband, sox and praat-keep-formants rows are tools never seen.

Methods, fitted on the same rows in the same run (benchmarks/voice_fit.py):
- ``MLP, all features``: a 32-unit network over every window feature (voice_features.py);
- ``MLP, texture only``: the same over the artefact features alone (perturbation, harmonicity,
  cepstral peak, bandwidths, frame-to-frame change), which should not depend on who speaks;
- ``baseline``: a logistic regression over pitch and formants (the F0/vocal-tract relation).

A recording is scored on blocks of about 10 s (voice_fit.recording_score). Reported per tool:
ROC AUC on the dev clips (out of fold: each clip scored by a model fitted without it) and on
the held-out clips (a model fitted on all dev clips); recall of shifts of 3 semitones or more
at the held-out 5 % false-positive point; and, at the threshold chosen on the dev clips for 3 %
false positives, the held-out recall and false positives. Then: false positives per language
from a grouped 5-fold cross-validation over all clips, the shift estimate's error, speed.

usage: python -m benchmarks.voice [--no-record]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Any

import numpy as np

from benchmarks import voice_data, voice_features, voice_fit, voice_set
from benchmarks.common import SHARED, record, table
from verifyvid.media.audio import load_audio, speech_intervals

Array = np.ndarray[Any, Any]
SPEED_CLIP = SHARED / "media" / "audio" / "ru" / "silero-vad_ru.wav"
METHODS = {"MLP, all features": (None, "mlp"), "MLP, texture only": (["texture"], "mlp"),
           "baseline": (["pitch-formants"], "linear")}  # fmt: skip


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    p, n = np.array(pos)[:, None], np.array(neg)[None, :]
    return float(((p > n).sum() + 0.5 * (p == n).sum()) / (p.size * n.size))


def rate(scores: list[float], thr: float) -> str:
    return f"{np.mean(np.array(scores) >= thr):.2f}" if scores else "-"


def versions(data: voice_data.Data, split: str, tool: str, big: bool = False) -> list[int]:
    return [v for v, m in enumerate(data.meta) if m["split"] == split and m["tool"] == tool
            and (not big or abs(m["shift"]) >= 3)]  # fmt: skip


def evaluate(data: voice_data.Data, name: str) -> list[list[object]]:
    """Rows of the per-tool table for one method."""
    groups, kind = METHODS[name]
    cols = voice_fit.columns(groups)
    rows = voice_fit.training_rows(data)
    y = voice_fit.labels(data)
    dev = voice_fit.recording_scores(
        data, np.nan_to_num(voice_fit.out_of_fold(data, rows, cols, kind))
    )
    fitted = voice_fit.fit(data.X[rows][:, cols], y[rows], kind)
    held = voice_fit.recording_scores(data, fitted.predict_proba(data.X[:, cols])[:, 1])
    neg_dev = [dev[v] for v in versions(data, "dev", "none")]
    thr = voice_fit.threshold_for(neg_dev, voice_fit.TARGET_FP)
    neg = [held[v] for v in versions(data, "held-out", "none")]
    t5 = voice_fit.threshold_for(neg, 0.05)
    out: list[list[object]] = []
    for tool in voice_set.TOOLS:
        big = [held[v] for v in versions(data, "held-out", tool, big=True)]
        out.append([name, tool, "yes" if tool in voice_set.TRAIN_TOOLS else "no",
                    f"{auc([dev[v] for v in versions(data, 'dev', tool)], neg_dev):.2f}",
                    f"{auc([held[v] for v in versions(data, 'held-out', tool)], neg):.2f}",
                    rate(big, t5), rate(big, thr), rate(neg, thr)])  # fmt: skip
    return out


def fp_table(data: voice_data.Data, scores: dict[int, float], thr: float) -> str:
    groups: dict[str, list[float]] = defaultdict(list)
    for v, m in enumerate(data.meta):
        if m["tool"] == "none":
            groups[m["language"]].append(scores[v])
    rows = [[g, len(s), rate(s, thr)] for g, s in sorted(groups.items())]
    return table(["language", "unaltered recordings", "flagged"], rows)


def cross_validated(data: voice_data.Data) -> tuple[dict[int, float], float]:
    """Out-of-fold scores over all clips (the training tools only) and the 3 % threshold."""
    rows = np.isin(
        data.version,
        [v for v, m in enumerate(data.meta) if m["tool"] in ("none", *voice_set.TRAIN_TOOLS)],
    )
    probs = voice_fit.out_of_fold(data, rows, voice_fit.columns(None))
    scores = voice_fit.recording_scores(data, np.nan_to_num(probs))
    negatives = [scores[v] for v, m in enumerate(data.meta) if m["tool"] == "none"]
    return scores, voice_fit.threshold_for(negatives, voice_fit.TARGET_FP)


def shift_error(data: voice_data.Data) -> str:
    rows = voice_fit.training_rows(data)
    semis = np.array([data.meta[v]["shift"] for v in data.version])
    model = voice_fit.fit_shift(data.X[rows], semis[rows])
    out = []
    for tool in voice_set.TOOLS:
        errs = [abs(float(np.median(model.predict(data.X[data.version == v])) - data.meta[v]["shift"]))
                for v in versions(data, "held-out", tool, big=True) if (data.version == v).any()]  # fmt: skip
        out.append([tool, len(errs), f"{np.median(errs):.1f}", f"{np.percentile(errs, 90):.1f}",
                    f"{np.mean(np.array(errs) <= 1.5):.2f}"])  # fmt: skip
    return table(["tool", "altered >=3 st", "median error (st)", "90th pct", "within 1.5 st"], out)


def probe_one(name: str) -> list[tuple[str, float, float]]:
    """(tool, shift, partial roughness) of every version of one clip, as voice_data makes them."""
    clip = next(c for c in voice_set.all_clips() if c.name == name)
    tools = voice_set.available_tools()
    out = []
    for v in voice_set.versions(
        clip, tools, voice_data.PER_TOOL, voice_data.NEGATIVES, voice_set.backgrounds()
    ):
        intervals = speech_intervals(v.audio, voice_features.RATE)
        out.append((v.tool, v.shift, voice_features.partial_roughness(v.audio, intervals)))
    return out


def probes() -> str:
    """One measure fitted on nothing, on the held-out clips: partial roughness per tool."""
    from concurrent.futures import ProcessPoolExecutor

    names = [c.name for c in voice_set.all_clips() if c.split == "held-out"]
    with ProcessPoolExecutor(2) as pool:
        found = [r for part in pool.map(probe_one, names) for r in part]
    neg = [-x for t, _, x in found if t == "none"]  # smoother = more suspicious
    t5 = voice_fit.threshold_for(neg, 0.05)
    rows = []
    for tool in voice_set.TOOLS:
        big = [-x for t, s, x in found if t == tool and abs(s) >= 3]
        if big:
            rows.append([tool, len(big), f"{auc(big, neg):.2f}", rate(big, t5)])
    return table(["tool", "altered >=3 st", "AUC (smoother = altered)", "recall at 5 % FP"], rows)


def speed(data: voice_data.Data) -> str:
    audio = load_audio(SPEED_CLIP)
    rows = voice_fit.training_rows(data)
    fitted = voice_fit.fit(data.X[rows], voice_fit.labels(data)[rows])
    voice_features.tracks(audio[: voice_features.RATE * 3], [(0.0, 3.0)])  # librosa's first call
    t0 = time.perf_counter()
    tracks = voice_features.tracks(audio, speech_intervals(audio, voice_features.RATE))
    ws = voice_features.windows(tracks)
    fitted.predict_proba(np.array([voice_features.vector(tracks, a, b) for a, b in ws]))
    took = time.perf_counter() - t0
    seconds = len(audio) / voice_features.RATE
    return (f"Features and model on {SPEED_CLIP.name} ({seconds:.0f} s): {took:.2f} s, "
            f"{took / seconds:.3f}x real time (target <= 0.1x).")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    data = voice_data.load()
    rows: list[list[object]] = []
    for name in METHODS:
        rows += evaluate(data, name)
    cv_scores, cv_thr = cross_validated(data)
    dev_clips = len({m["clip"] for m in data.meta if m["split"] == "dev"})
    held_clips = len({m["clip"] for m in data.meta if m["split"] == "held-out"})
    head = ["method", "tool", "seen in training", "AUC dev (out of fold)", "AUC held-out",
            "held-out recall >=3 st at 5 % FP", "held-out recall >=3 st at the dev threshold",
            "held-out FP at the dev threshold"]  # fmt: skip
    parts = [
        'Verdict and reasons: docs/speech.md, "Voice disguise: not offered".',
        f"Set: {len(data.meta)} recordings from {dev_clips} dev and {held_clips} held-out clips "
        f"(one speaker each, about), {len(data.X)} windows of 3 s; sox "
        f"{'present' if voice_set.has_sox() else 'absent'}.",
        "### Per method and tool\n\n" + table(head, rows),
        "### Grouped 5-fold cross-validation over all clips: false positives per language\n\n"
        f"MLP, all features; every clip scored by a model fitted without it; threshold "
        f"{cv_thr:.4f} (3 % of all unaltered recordings).\n\n" + fp_table(data, cv_scores, cv_thr),
        "### Shift estimate (ridge regression, held-out, all altered >=3 st)\n\n"
        + shift_error(data),
        "### A measure fitted on nothing: partial roughness (held-out clips)\n\n"
        "The median frame-to-frame second difference of the harmonics' level "
        "(voice_features.partial_roughness); no speaker identity in it.\n\n" + probes(),
        "### Speed\n\n" + speed(data),
    ]
    body = "\n\n".join(parts)
    print(body)
    if not args.no_record:
        record("Voice disguise (issue 19, not shipped)", "python -m benchmarks.voice", body)


if __name__ == "__main__":
    main()
