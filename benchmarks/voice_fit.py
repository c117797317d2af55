"""The tried voice-disguise model: how it is fitted, how a recording is scored, how the threshold
is chosen (benchmarks/voice.py runs all of it in one process)."""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks import voice_data, voice_features, voice_set

SEED = 20261203
HIDDEN = (32,)
ALPHA = 0.3  # chosen on grouped cross-validation over the dev clips (window AUC)
TARGET_FP = 0.03
BLOCK = 6  # windows (3 s, 1.5 s apart): a recording is judged on blocks of about 10 s


def training_rows(data: voice_data.Data) -> Any:
    keep = [i for i, m in enumerate(data.meta)
            if m["split"] == "dev" and m["tool"] in ("none", *voice_set.TRAIN_TOOLS)]  # fmt: skip
    return np.isin(data.version, keep)


def columns(groups: list[str] | None) -> list[int]:
    """Feature columns of the named groups (voice_features.GROUPS); None: all."""
    if groups is None:
        return list(range(len(voice_features.NAMES)))
    return [voice_features.NAMES.index(n) for g in groups for n in voice_features.GROUPS[g]]


def fit(X: Any, y: Any, kind: str = "mlp") -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if kind == "linear":
        clf: Any = LogisticRegression(C=0.3, max_iter=2000)
    else:
        clf = MLPClassifier(hidden_layer_sizes=HIDDEN, alpha=ALPHA, max_iter=600,
                            early_stopping=False, random_state=SEED)  # fmt: skip
    return make_pipeline(StandardScaler(), clf).fit(X, y)


def recording_score(probs: Any) -> float:
    """The highest mean window probability over BLOCK consecutive windows (all of them when
    fewer): one odd 3 s window does not make a recording."""
    p = np.asarray(probs, float)
    if len(p) == 0:
        return 0.0
    if len(p) <= BLOCK:
        return float(p.mean())
    return float(max(p[i : i + BLOCK].mean() for i in range(len(p) - BLOCK + 1)))


def recording_scores(data: voice_data.Data, probs: Any) -> dict[int, float]:
    """Every recording's score from its windows' probabilities (0 without a window)."""
    out = {v: 0.0 for v in range(len(data.meta))}
    for v in np.unique(data.version):
        out[int(v)] = recording_score(probs[data.version == v])
    return out


def out_of_fold(data: voice_data.Data, train_rows: Any, cols: list[int], kind: str = "mlp") -> Any:
    """Window probabilities of every window, each from a model fitted without its clip (5 folds
    grouped by clip; the model sees only ``train_rows`` of the other clips)."""
    from sklearn.model_selection import GroupKFold

    clips = np.array([data.meta[v]["clip"] for v in data.version])
    y = labels(data)
    probs = np.full(len(y), np.nan)
    scope = np.flatnonzero(np.isin(clips, np.unique(clips[train_rows])))
    for train, test in GroupKFold(n_splits=5).split(scope, y[scope], clips[scope]):
        t = scope[train][train_rows[scope[train]]]
        probs[scope[test]] = fit(data.X[t][:, cols], y[t], kind).predict_proba(
            data.X[scope[test]][:, cols]
        )[:, 1]
    return probs


def labels(data: voice_data.Data) -> Any:
    return np.array([data.meta[v]["tool"] != "none" for v in data.version])


def threshold_for(negatives: list[float], fp: float) -> float:
    """The lowest score that flags at most ``fp`` of these unaltered recordings' scores."""
    s = sorted(negatives)
    k = int(np.floor(fp * len(s)))
    return float(s[len(s) - k - 1] + 1e-9) if s else 0.5


def fit_shift(X: Any, semis: Any) -> Any:
    from sklearn.linear_model import Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(StandardScaler(), Ridge(alpha=1.0)).fit(X, semis)
