"""Classification metrics, bootstrap confidence intervals and per-method summaries.

Every metric is computed from confusion-matrix counts and case weights, in NumPy only, so that
the point estimate and each bootstrap resample go through the *same* code (a resample is just
a vector of integer multiplicities over the test cases). The results equal scikit-learn's
``accuracy_score``, ``balanced_accuracy_score``, ``precision_recall_fscore_support``
(``zero_division=0``, ``labels=range(K)``), ``confusion_matrix`` and ``roc_auc_score``
(binary, or ``multi_class="ovr", average="macro"``); the test suite checks this.

Every value returned is a plain Python ``float``/``int``/``list`` so the results serialise to
JSON unchanged (NaN excepted, which the report writer turns into ``null``).
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = ["SCALAR_METRICS", "bootstrap_ci", "classification_metrics", "roc_auc", "roc_curve_points",
           "summarise"]

#: The scalar metrics :func:`classification_metrics` returns, in report order.
SCALAR_METRICS = ("accuracy", "auc", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro")

# Bounds the (resamples x cases) multiplicity matrix of one bootstrap chunk (8 MB of float64; the AUC
# pass holds a few temporaries of that size).
_CHUNK_CELLS = 1_000_000


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------

def _check_inputs(y_true, proba, n_classes) -> tuple[np.ndarray, np.ndarray, int]:
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)) or n_classes < 2:
        raise ValueError(f"n_classes must be an integer >= 2, got {n_classes!r}")
    k = int(n_classes)
    y = np.asarray(y_true)
    if y.ndim != 1:
        raise ValueError(f"y_true must be 1-D (one class code per case), got shape {y.shape}")
    if y.size == 0:
        raise ValueError("y_true is empty: metrics need at least one test case")
    if y.dtype.kind == "f":
        # Labels that went through JSON or pandas may arrive as 0.0/1.0; accept only exact integers.
        if not np.all(np.isfinite(y)) or np.any(y != np.round(y)):
            raise ValueError("y_true must hold integer class codes, got non-integer values")
    elif y.dtype.kind not in "iub":
        raise ValueError(f"y_true must hold integer class codes, got dtype {y.dtype}")
    y = y.astype(np.int64)
    if y.min() < 0 or y.max() >= k:
        raise ValueError(f"y_true holds codes outside 0..{k - 1}: min {y.min()}, max {y.max()}")
    p = np.asarray(proba, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != k:
        raise ValueError(f"proba must have shape (n_cases, n_classes={k}), got {p.shape}")
    if p.shape[0] != y.shape[0]:
        raise ValueError(f"proba has {p.shape[0]} rows but y_true has {y.shape[0]} cases")
    if not np.all(np.isfinite(p)):
        raise ValueError("proba holds NaN or infinite values")
    return y, p, k


# --------------------------------------------------------------------------------------------
# weighted kernels (rows of `w` are case multiplicities: ones for the point estimate)
# --------------------------------------------------------------------------------------------

def _confusion(y: np.ndarray, pred: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """Confusion matrices ``(B, K, K)`` (rows true, columns predicted) for weight rows ``w (B, N)``."""
    cell = y * k + pred
    onehot = np.zeros((y.size, k * k))
    onehot[np.arange(y.size), cell] = 1.0
    return (w @ onehot).reshape(w.shape[0], k, k)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (scikit-learn's ``zero_division=0``)."""
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _count_metrics(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Count-based metrics for a stack of confusion matrices ``(B, K, K)``; each value is ``(B,)``."""
    tp = np.diagonal(cm, axis1=1, axis2=2)
    support = cm.sum(axis=2)
    predicted = cm.sum(axis=1)
    n = support.sum(axis=1)
    recall = _divide(tp, support)
    # Balanced accuracy averages recall over the classes present in y_true only (scikit-learn drops
    # the 0/0 classes rather than counting them as 0, unlike recall_macro).
    present = support > 0
    balanced = (recall * present).sum(axis=1) / present.sum(axis=1)
    return {
        "accuracy": tp.sum(axis=1) / n,
        "balanced_accuracy": balanced,
        "precision": _divide(tp, predicted),
        "recall": recall,
        # 2tp / (2tp + fp + fn) from counts, as scikit-learn >= 1.3 does; 0 when the class is
        # neither present nor predicted.
        "f1": _divide(2.0 * tp, support + predicted),
    }


def _tie_groups(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ascending sort order of ``score`` and the start index of every run of equal scores."""
    order = np.argsort(score, kind="stable")
    s = score[order]
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    return order, starts


def _binary_auc(positive: np.ndarray, score: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted Mann-Whitney AUC for each weight row of ``w (B, N)``; NaN where a class is empty.

    AUC = P(score_pos > score_neg) + 1/2 P(tie): within a run of tied scores each positive gets
    the negatives strictly below plus half of those tied with it, which is exactly the trapezoidal
    area under the ROC curve that ``roc_auc_score`` integrates.
    """
    order, starts = _tie_groups(score)
    ws = w[:, order]
    pos = positive[order]
    wp = np.add.reduceat(ws * pos, starts, axis=1)
    wn = np.add.reduceat(ws * ~pos, starts, axis=1)
    below = np.cumsum(wn, axis=1) - wn
    num = (wp * (below + 0.5 * wn)).sum(axis=1)
    den = wp.sum(axis=1) * wn.sum(axis=1)
    out = np.full(w.shape[0], np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _auc(y: np.ndarray, p: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    if k == 2:
        return _binary_auc(y == 1, p[:, 1], w)
    # Macro one-vs-rest: NaN as soon as one class is absent, like roc_auc_score(labels=range(K)).
    per_class = np.stack([_binary_auc(y == c, p[:, c], w) for c in range(k)], axis=1)
    return per_class.mean(axis=1)


# --------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------

def roc_auc(y_true, proba, n_classes: int) -> float:
    """Area under the ROC curve, rank-based (Mann-Whitney U with midranks for ties).

    Parameters
    ----------
    y_true : array-like of int, shape (n_cases,)
        Class codes ``0 .. n_classes - 1``.
    proba : array-like of float, shape (n_cases, n_classes)
        Class scores (probabilities); rows need not sum to 1.
    n_classes : int
        Number of classes ``K``.

    Returns
    -------
    float
        Binary: AUC of ``proba[:, 1]`` for class 1. ``K > 2``: the unweighted mean of the
        one-vs-rest AUCs. NaN when undefined (a class absent from ``y_true``). Equals
        ``roc_auc_score(y, proba[:, 1])`` / ``roc_auc_score(y, proba, multi_class="ovr",
        average="macro", labels=range(K))`` to rounding, without its cost or warnings.
    """
    y, p, k = _check_inputs(y_true, proba, n_classes)
    return float(_auc(y, p, k, np.ones((1, y.size)))[0])


def roc_curve_points(positive, score) -> tuple[np.ndarray, np.ndarray]:
    """ROC curve of one binary problem: false- and true-positive rates at every distinct threshold.

    Parameters
    ----------
    positive : array-like of bool, shape (n_cases,)
        True for the positive class.
    score : array-like of float, shape (n_cases,)
        Higher means more likely positive.

    Returns
    -------
    fpr, tpr : ndarray
        Both start at 0 and end at 1 (as ``sklearn.metrics.roc_curve(drop_intermediate=False)``).

    Raises
    ------
    ValueError
        If either class is empty (the curve is undefined).
    """
    pos = np.asarray(positive, dtype=bool)
    s = np.asarray(score, dtype=np.float64)
    n_pos = int(pos.sum())
    n_neg = pos.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC curve needs both positive and negative cases")
    order = np.argsort(-s, kind="stable")
    s, pos = s[order], pos[order]
    # One point per distinct threshold: the last index of every run of tied scores.
    last = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1]
    tps = np.cumsum(pos)[last]
    fps = (last + 1) - tps
    return np.r_[0.0, fps / n_neg], np.r_[0.0, tps / n_pos]


def classification_metrics(y_true, proba, n_classes: int) -> dict:
    """Test-set metrics of one model.

    Parameters
    ----------
    y_true : array-like of int, shape (n_cases,)
        Class codes ``0 .. n_classes - 1``.
    proba : array-like of float, shape (n_cases, n_classes)
        Predicted class probabilities; the prediction is their argmax (first class on ties).
    n_classes : int
        Number of classes ``K`` (classes may be absent from ``y_true``).

    Returns
    -------
    dict
        ``accuracy``, ``auc`` (see :func:`roc_auc`; NaN when undefined), ``balanced_accuracy``,
        ``precision_macro``, ``recall_macro``, ``f1_macro`` (macro over all K classes,
        ``zero_division=0``), ``per_class`` (``{"precision", "recall", "f1", "support"}``, lists of
        K values), ``confusion_matrix`` (K x K nested list of ints, rows true, columns predicted)
        and ``n``. Plain Python numbers throughout.

    Raises
    ------
    ValueError
        On shape mismatches, class codes outside ``0..K-1`` or non-finite probabilities.
    """
    y, p, k = _check_inputs(y_true, proba, n_classes)
    w = np.ones((1, y.size))
    cm = _confusion(y, p.argmax(axis=1), k, w)
    m = _count_metrics(cm)
    return {
        "accuracy": float(m["accuracy"][0]),
        "auc": float(_auc(y, p, k, w)[0]),
        "balanced_accuracy": float(m["balanced_accuracy"][0]),
        "precision_macro": float(m["precision"][0].mean()),
        "recall_macro": float(m["recall"][0].mean()),
        "f1_macro": float(m["f1"][0].mean()),
        "per_class": {
            "precision": [float(v) for v in m["precision"][0]],
            "recall": [float(v) for v in m["recall"][0]],
            "f1": [float(v) for v in m["f1"][0]],
            "support": [int(v) for v in cm[0].sum(axis=1)],
        },
        "confusion_matrix": cm[0].astype(np.int64).tolist(),
        "n": int(y.size),
    }


def _resample_metrics(y, pred, p, k, w, wanted) -> dict[str, np.ndarray]:
    out = {}
    if wanted & {"accuracy", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro"}:
        m = _count_metrics(_confusion(y, pred, k, w))
        out.update(accuracy=m["accuracy"], balanced_accuracy=m["balanced_accuracy"],
                   precision_macro=m["precision"].mean(axis=1), recall_macro=m["recall"].mean(axis=1),
                   f1_macro=m["f1"].mean(axis=1))
    if "auc" in wanted:
        out["auc"] = _auc(y, p, k, w)
    return out


def bootstrap_ci(y_true, proba, n_classes: int, *, n_boot: int = 1000, level: float = 0.95,
                 seed: int = 0,
                 metrics=("accuracy", "auc", "balanced_accuracy", "f1_macro", "precision_macro",
                          "recall_macro")) -> dict[str, list[float]]:
    """Percentile-bootstrap confidence intervals over the test cases.

    Resample ``b`` (``b = 0 .. n_boot - 1``, in order) is the case index vector
    ``rng.integers(0, n, size=n)`` from ``rng = np.random.default_rng(seed)``; the interval is
    ``np.percentile(values, [50 (1 - level), 50 (1 + level)])`` over the resamples where the metric
    is defined (AUC resamples missing a class are skipped), so it can be reproduced exactly with a
    plain loop.

    Parameters
    ----------
    y_true, proba, n_classes
        As for :func:`classification_metrics`.
    n_boot : int, default 1000
        Number of resamples.
    level : float, default 0.95
        Coverage, in ``(0, 1)``.
    seed : int, default 0
        Seed of the NumPy ``Generator`` drawing the resamples.
    metrics : sequence of str
        Any of ``accuracy``, ``auc``, ``balanced_accuracy``, ``f1_macro``, ``precision_macro``,
        ``recall_macro``.

    Returns
    -------
    dict
        ``{metric: [lo, hi]}`` as Python floats; ``[nan, nan]`` when no resample defined it.
    """
    y, p, k = _check_inputs(y_true, proba, n_classes)
    metrics = tuple(metrics)
    unknown = set(metrics) - set(SCALAR_METRICS)
    if unknown:
        raise ValueError(f"unknown bootstrap metrics {sorted(unknown)}; known: {list(SCALAR_METRICS)}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer, got {n_boot!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"level must lie in (0, 1), got {level!r}")
    n = y.size
    pred = p.argmax(axis=1)
    rng = np.random.default_rng(seed)
    wanted = set(metrics)
    values: dict[str, list[np.ndarray]] = {m: [] for m in metrics}
    chunk = max(1, _CHUNK_CELLS // n)
    for start in range(0, int(n_boot), chunk):
        rows = min(chunk, int(n_boot) - start)
        # One draw per resample (not one (rows, n) draw): the stream then does not depend on the
        # chunk size, and a naive per-resample loop reproduces it.
        idx = np.stack([rng.integers(0, n, size=n) for _ in range(rows)])
        offsets = (np.arange(rows) * n)[:, None]
        w = np.bincount((idx + offsets).ravel(), minlength=rows * n).reshape(rows, n).astype(np.float64)
        for name, v in _resample_metrics(y, pred, p, k, w, wanted).items():
            if name in values:
                values[name].append(v)
    tail = 50.0 * (1.0 - float(level))
    out = {}
    for name in metrics:
        v = np.concatenate(values[name])
        v = v[np.isfinite(v)]
        if v.size == 0:
            out[name] = [math.nan, math.nan]
        else:
            lo, hi = np.percentile(v, [tail, 100.0 - tail])
            out[name] = [float(lo), float(hi)]
    return out


def _number(value) -> float | None:
    """A real number as float (None -> NaN, as after a JSON round trip); None for anything else."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    return float(value)


def _mean_std(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=np.float64)
    mean = float(a.mean())
    std = float(a.std(ddof=1)) if a.size >= 2 else 0.0
    return mean, std


def summarise(runs) -> list[dict]:
    """Mean and spread over seeds, one row per method.

    Parameters
    ----------
    runs : sequence of dict
        Run records with ``method``, ``kind``, ``metrics`` and optionally ``cost`` and ``ci95``.

    Returns
    -------
    list of dict
        In order of first appearance: ``method``, ``kind``, ``n_seeds``, then for every scalar
        metric ``<m>_mean`` and ``<m>_std`` (sample std, ``ddof=1``; 0 for a single run; a NaN
        in any seed makes both NaN), for every numeric cost entry ``<c>_mean``, the first run's
        ``device`` when given, and for every bootstrap interval ``<m>_ci_lo_mean`` /
        ``<m>_ci_hi_mean`` (mean of the per-seed bounds). The case count ``n`` is not averaged.
    """
    groups: dict[str, list[dict]] = {}
    for run in runs:
        groups.setdefault(run["method"], []).append(run)
    rows = []
    for method, group in groups.items():
        row = {"method": method, "kind": group[0].get("kind"), "n_seeds": len(group)}
        for name in _ordered_keys(r.get("metrics", {}) for r in group):
            if name == "n":
                continue
            vals = [_number(r.get("metrics", {}).get(name)) for r in group]
            if any(v is None for v in vals):
                continue  # not a scalar (per_class, confusion_matrix)
            row[f"{name}_mean"], row[f"{name}_std"] = _mean_std(vals)
        for name in _ordered_keys(r.get("cost") or {} for r in group):
            vals = [_number((r.get("cost") or {}).get(name)) for r in group]
            if any(v is None for v in vals):
                continue
            row[f"{name}_mean"] = _mean_std(vals)[0]
        device = (group[0].get("cost") or {}).get("device")
        if device is not None:
            row["device"] = device
        for name in _ordered_keys(r.get("ci95") or {} for r in group):
            bounds = [(r.get("ci95") or {}).get(name) or [None, None] for r in group]
            for j, side in enumerate(("lo", "hi")):
                vals = [_number(b[j]) for b in bounds]
                if not any(v is None for v in vals):
                    row[f"{name}_ci_{side}_mean"] = _mean_std(vals)[0]
        rows.append(row)
    return rows


def _ordered_keys(dicts) -> list[str]:
    """Union of the dicts' keys in order of first appearance."""
    keys: dict[str, None] = {}
    for d in dicts:
        keys.update(dict.fromkeys(d))
    return list(keys)
