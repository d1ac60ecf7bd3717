"""Write a benchmark ``results`` dict to disk: JSON, CSV, a Markdown report and PNG plots.

``write_report(results, out_dir)`` produces::

    results.json             the dict as given (NaN/inf written as null)
    results.csv              one row per (method, seed) run
    report.md                data set, environment, summary tables, published figures, plots
    roc.png                  ROC curve per method (macro-average one-vs-rest for K > 2)
    confusion_<method>.png   confusion matrix per method, summed over seeds
    accuracy_vs_cost.png     mean AUC / accuracy against mean total cost per method

The results dict (what :func:`radfeat.evaluation.harness.run_benchmark` returns)::

    name, created (ISO time), quick (bool), seeds [int], bootstrap (resamples), config {...}
    dataset   {name, description, class_names, n_classes, ndim, rgb, counts {split: n},
               official_split, split_sha256, test_labels [int]}
    environment {radfeat, python, numpy, scikit-learn, torch (or None), ..., cpu_count, threads, platform}
    runs      [{method, kind ("classical" | "cnn"), seed, split_sha256,
                metrics  (classification_metrics output), ci95 (bootstrap_ci output),
                cost     {extract_s, fit_s, predict_s, total_s, latency_ms, peak_memory_mb, model_bytes, device},
                details  {free form: n_features, best_params, epochs_run, best_epoch, ...},
                test_proba [[float] * n_classes] * n_test}]
    summary   summarise(runs)
    published [{method, accuracy, auc, source}]   (may be empty)

Every consumer here also accepts ``null`` where a number was NaN, so
``write_report(load_results(path), out)`` regenerates a report from a saved run.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from numbers import Real
from pathlib import Path

import numpy as np

from .metrics import SCALAR_METRICS, roc_curve_points, summarise

__all__ = ["load_results", "write_report"]

_DASH = "—"


# --------------------------------------------------------------------------------------------
# JSON
# --------------------------------------------------------------------------------------------

def _sanitise(obj):
    """JSON-safe copy: NumPy to Python, NaN/inf to None, tuples to lists, paths to str."""
    if isinstance(obj, dict):
        return {str(k): _sanitise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_sanitise(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted((_sanitise(v) for v in obj), key=str)
    if isinstance(obj, np.ndarray):
        return _sanitise(obj.tolist())
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, Real):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def load_results(path) -> dict:
    """Read a ``results.json`` written by :func:`write_report`.

    Parameters
    ----------
    path : str or Path
        The JSON file, or the report directory holding ``results.json``.

    Returns
    -------
    dict
        The results; numbers that were NaN come back as ``None``.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


# --------------------------------------------------------------------------------------------
# formatting
# --------------------------------------------------------------------------------------------

def _num(value) -> float:
    """Float for any real number; NaN for None, strings and anything else."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return math.nan
    return float(value)


def _f3(value) -> str:
    v = _num(value)
    return _DASH if math.isnan(v) else f"{v:.3f}"


def _pm(mean, std) -> str:
    if math.isnan(_num(mean)):
        return _DASH
    s = _num(std)
    return _f3(mean) if math.isnan(s) else f"{_f3(mean)} ± {s:.3f}"


def _interval(lo, hi) -> str:
    if math.isnan(_num(lo)) or math.isnan(_num(hi)):
        return _DASH
    return f"{_num(lo):.3f}–{_num(hi):.3f}"


def _sig(value) -> str:
    """At least two significant digits, no exponent for ordinary run times."""
    v = _num(value)
    if math.isnan(v):
        return _DASH
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 10:
        return f"{v:,.0f}"
    if a >= 1:
        return f"{v:.1f}"
    if a >= 1e-4:
        digits = 1 - math.floor(math.log10(a))  # two significant digits after the leading zeros
        return f"{v:.{digits}f}"
    return f"{v:.1e}"


def _size(nbytes) -> str:
    v = _num(nbytes)
    if math.isnan(v):
        return _DASH
    if v < 1024**2:
        return f"{_sig(v / 1024)} KB"
    return f"{_sig(v / 1024**2)} MB"


def _cell(text) -> str:
    """Table-cell safe text (a '|' would split the Markdown cell)."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", str(name).lower()).strip("-") or "method"


def _slugs(methods: list[str]) -> dict[str, str]:
    """File-name slug per method, made unique when two names collapse to the same slug."""
    out, seen = {}, Counter()
    for m in methods:
        base = _slug(m)
        seen[base] += 1
        out[m] = base if seen[base] == 1 else f"{base}-{seen[base]}"
    return out


# --------------------------------------------------------------------------------------------
# results helpers
# --------------------------------------------------------------------------------------------

def _methods(runs) -> list[str]:
    return list(dict.fromkeys(r["method"] for r in runs))


def _class_names(results) -> list[str]:
    ds = results.get("dataset") or {}
    k = ds.get("n_classes")
    names = ds.get("class_names")
    if names:
        return [str(n) for n in names]
    if k is None:
        for run in results.get("runs", []):
            support = ((run.get("metrics") or {}).get("per_class") or {}).get("support")
            if support:
                k = len(support)
                break
    return [str(i) for i in range(int(k or 0))]


def _first_seed_run(results, method) -> dict:
    """The run of ``method`` whose seed comes first in ``results['seeds']`` (else the first listed)."""
    runs = [r for r in results.get("runs", []) if r["method"] == method]
    order = {s: i for i, s in enumerate(results.get("seeds") or [])}
    return min(runs, key=lambda r: order.get(r.get("seed"), len(order)))


def _scalar_metric_names(runs) -> list[str]:
    names: dict[str, None] = dict.fromkeys(m for m in SCALAR_METRICS
                                           if any(m in (r.get("metrics") or {}) for r in runs))
    for r in runs:
        for k, v in (r.get("metrics") or {}).items():
            if k not in names and (v is None or (isinstance(v, Real) and not isinstance(v, bool))):
                names[k] = None
    return list(names)


def _keys(dicts) -> list[str]:
    out: dict[str, None] = {}
    for d in dicts:
        out.update(dict.fromkeys(d or {}))
    return list(out)


# --------------------------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------------------------

def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, Real):
        v = float(value) if not isinstance(value, (int, np.integer)) else int(value)
        return "" if isinstance(v, float) and not math.isfinite(v) else v
    if isinstance(value, (dict, list)):
        return json.dumps(_sanitise(value), sort_keys=True)
    return value


def _write_csv(results, path: Path) -> None:
    runs = results.get("runs", [])
    metric_names = _scalar_metric_names(runs)
    ci_names = _keys(r.get("ci95") for r in runs)
    cost_names = _keys(r.get("cost") for r in runs)
    classes = _class_names(results)
    class_cols = ["f1_class_" + re.sub(r"\s+", "_", c) for c in classes]
    header = (["method", "kind", "seed", "split_sha256"] + metric_names
              + [f"{m}_ci_{side}" for m in ci_names for side in ("lo", "hi")] + cost_names + class_cols)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for r in runs:
            metrics = r.get("metrics") or {}
            ci = r.get("ci95") or {}
            cost = r.get("cost") or {}
            f1 = (metrics.get("per_class") or {}).get("f1") or []
            row = [r.get("method"), r.get("kind"), r.get("seed"), r.get("split_sha256")]
            row += [metrics.get(m) for m in metric_names]
            for m in ci_names:
                bounds = ci.get(m) or [None, None]
                row += [bounds[0], bounds[1]]
            row += [cost.get(c) for c in cost_names]
            row += [f1[i] if i < len(f1) else None for i in range(len(classes))]
            writer.writerow([_csv_value(v) for v in row])


# --------------------------------------------------------------------------------------------
# plots (Figure + Agg canvas directly: no pyplot state, no global backend switch)
# --------------------------------------------------------------------------------------------

def _new_figure(width: float, height: float):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: Path) -> None:
    fig.savefig(path, format="png", bbox_inches="tight")
    fig.clear()


def _placeholder(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="0.4")


def _macro_roc(y: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Macro-average one-vs-rest ROC: per-class curves interpolated onto a common FPR grid."""
    k = proba.shape[1]
    if k == 2:
        if len(np.unique(y)) < 2:
            return None
        return roc_curve_points(y == 1, proba[:, 1])
    curves = [roc_curve_points(y == c, proba[:, c]) for c in range(k) if 0 < np.sum(y == c) < y.size]
    if not curves:
        return None
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, 201)] + [f for f, _ in curves]))
    # ROC points are joined by straight lines (the trapezoids AUC integrates), so linear
    # interpolation between them is exact.
    tpr = np.mean([np.interp(grid, f, t) for f, t in curves], axis=0)
    return grid, tpr


def _plot_roc(results, path: Path) -> None:
    runs = results.get("runs", [])
    labels = (results.get("dataset") or {}).get("test_labels")
    k = len(_class_names(results))
    fig = _new_figure(5.5, 5.0)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], ls=":", color="0.6", lw=1)
    drawn = 0
    if labels is not None:
        y = np.asarray(labels, dtype=np.int64)
        for method in _methods(runs):
            run = _first_seed_run(results, method)
            proba = run.get("test_proba")
            if proba is None:
                continue
            proba = np.asarray(proba, dtype=np.float64)
            if proba.shape != (y.size, max(k, 2)):
                continue
            curve = _macro_roc(y, proba)
            if curve is None:
                continue
            ls = "-" if run.get("kind") == "classical" else "--"
            auc = _f3((run.get("metrics") or {}).get("auc"))
            ax.plot(*curve, ls=ls, lw=1.6, label=f"{method} (AUC {auc})")
            drawn += 1
    if not drawn:
        _placeholder(ax, "no test labels / probabilities to plot")
    title = "ROC, test set" if k <= 2 else "Macro-average one-vs-rest ROC, test set"
    ax.set(xlim=(0, 1), ylim=(0, 1.01), xlabel="False-positive rate", ylabel="True-positive rate",
           title=f"{title} (seed {_seed_label(results)})")
    ax.set_aspect("equal")
    if drawn:
        ax.legend(loc="lower right", fontsize=8)
    _save(fig, path)


def _seed_label(results) -> str:
    seeds = results.get("seeds") or []
    return str(seeds[0]) if seeds else "first"


def _plot_confusion(results, method: str, path: Path) -> None:
    runs = [r for r in results.get("runs", []) if r["method"] == method]
    mats = [np.asarray(r["metrics"]["confusion_matrix"]) for r in runs
            if (r.get("metrics") or {}).get("confusion_matrix") is not None]
    names = _class_names(results)
    k = len(names) or (mats[0].shape[0] if mats else 2)
    size = max(3.6, 0.55 * k + 2.2)
    fig = _new_figure(size + 0.8, size)
    ax = fig.add_subplot()
    if mats:
        cm = np.sum(mats, axis=0).astype(np.int64)
        im = ax.imshow(cm, cmap="Blues", vmin=0)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
        dark = cm.max() / 2.0
        for (i, j), v in np.ndenumerate(cm):
            ax.text(j, i, str(v), ha="center", va="center", fontsize=8 if k > 6 else 10,
                    color="white" if v > dark else "black")
        ticks = np.arange(cm.shape[0])
        labels = names if len(names) == cm.shape[0] else [str(i) for i in ticks]
        ax.set_xticks(ticks, labels, rotation=45 if k > 2 else 0, ha="right" if k > 2 else "center")
        ax.set_yticks(ticks, labels)
    else:
        _placeholder(ax, "no confusion matrix")
    ax.set(xlabel="Predicted", ylabel="True", title=f"{method}\n(summed over {len(mats)} seed(s))")
    _save(fig, path)


def _log_cost_axis(ax, lo: float, hi: float) -> None:
    """Log x axis spanning at least a decade, labelled in plain seconds rather than 10^k."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.set_xscale("log")
    lo, hi = lo / 1.5, hi * 1.5
    if hi / lo < 10:
        # Too narrow for a decade tick: widen symmetrically (in log space) so the axis is readable.
        centre = math.sqrt(lo * hi)
        lo, hi = centre / math.sqrt(10), centre * math.sqrt(10)
    ax.set_xlim(lo, hi)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: _sig(v)))
    if math.log10(hi / lo) <= 2:
        def minor(v, _):
            mantissa = round(v / 10 ** math.floor(math.log10(v)))
            return _sig(v) if mantissa in (2, 5) else ""

        ax.xaxis.set_minor_formatter(FuncFormatter(minor))
    else:
        ax.xaxis.set_minor_formatter(NullFormatter())


def _plot_cost(summary: list[dict], path: Path) -> None:
    fig = _new_figure(6.5, 4.5)
    ax = fig.add_subplot()
    colours = {"classical": "C0", "cnn": "C1"}
    drawn, costs = 0, []
    for row in summary:
        cost = _num(row.get("total_s_mean"))
        if not cost > 0:
            cost = sum(v for v in (_num(row.get(f"{c}_mean")) for c in ("extract_s", "fit_s", "predict_s"))
                       if v > 0)
        if not cost > 0:
            continue
        colour = colours.get(row.get("kind"), "C2")
        auc, acc = _num(row.get("auc_mean")), _num(row.get("accuracy_mean"))
        if not math.isnan(auc):
            std = _num(row.get("auc_std"))
            ax.errorbar(cost, auc, yerr=None if math.isnan(std) else std, fmt="o", color=colour, capsize=3, ms=7)
        if not math.isnan(acc):
            ax.plot(cost, acc, marker="s", ls="none", mfc="none", mec=colour, ms=7)
        y = auc if not math.isnan(auc) else acc
        if not math.isnan(y):
            costs.append(cost)
            ax.annotate(row["method"], (cost, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
            drawn += 1
    if drawn:
        _log_cost_axis(ax, min(costs), max(costs))
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", ls="none", color="0.3", label="AUC (mean ± std)"),
                   Line2D([], [], marker="s", ls="none", mfc="none", mec="0.3", label="Accuracy (mean)")]
        handles += [Line2D([], [], marker="o", ls="none", color=c, label=k) for k, c in colours.items()
                    if any(r.get("kind") == k for r in summary)]
        ax.legend(handles=handles, fontsize=8, loc="best")
    else:
        _placeholder(ax, "no cost figures to plot")
    ax.set(xlabel="Mean total cost per run (s, log scale)", ylabel="Score on the test set",
           title="Accuracy / AUC vs. cost")
    ax.grid(True, which="both", alpha=0.3)
    _save(fig, path)


# --------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------

def _data_section(results) -> list[str]:
    ds = results.get("dataset") or {}
    runs = results.get("runs", [])
    names = _class_names(results)
    counts = ds.get("counts") or {}
    count_text = ", ".join(f"{k} {v}" for k, v in counts.items()) or "unknown"
    split = "official split" if ds.get("official_split") else "seeded split"
    if not ds.get("official_split") and ds.get("split_seed") is not None:
        split += f" (seed {ds['split_seed']})"
    kind = f"{ds.get('ndim', '?')}-D, {'RGB' if ds.get('rgb') else 'grayscale'}"
    digests = Counter(r.get("split_sha256") for r in runs)
    ref = ds.get("split_sha256")
    description = ds.get("description", "").strip() or "no description"
    lines = [
        (f"**Data set:** {ds.get('name', '?')} — {description} ({kind}). Classes ({len(names)}): "
         f"{', '.join(names)}. Cases per split: {count_text}; {split}."),
        "",
    ]
    if not runs:
        lines.append(f"Split SHA-256 `{ref}`; no runs recorded.")
    elif len(digests) == 1 and (ref is None or ref in digests):
        lines.append(f"Split SHA-256 `{next(iter(digests))}`, shared by all {len(runs)} runs.")
    else:
        detail = "; ".join(f"`{d}`: {n} run(s)" for d, n in digests.items())
        lines.append(f"**WARNING: the runs did not all use the same data split** (data set digest `{ref}`; "
                     f"run digests {detail}). Scores are not comparable across these runs.")
    lines.append("")
    seeds = results.get("seeds") or []
    lines.append(f"**Seeds:** {', '.join(str(s) for s in seeds) or 'none'}. "
                 f"**Quick mode:** {'yes (reduced settings — not for publication)' if results.get('quick') else 'no'}.")
    lines.append("")
    env = dict(results.get("environment") or {})
    devices = list(dict.fromkeys((r.get("cost") or {}).get("device") for r in runs
                                 if (r.get("cost") or {}).get("device")))
    threads = env.pop("threads", None)
    cpus = env.pop("cpu_count", None)
    platform = env.pop("platform", None)
    versions = ", ".join(f"{k} {v if v is not None else 'not installed'}" for k, v in env.items())
    lines.append(f"**Environment:** device(s) {', '.join(devices) or 'unknown'}; CPU threads {threads} "
                 f"of {cpus} CPUs; {versions or 'versions unknown'}"
                 + (f"; {platform}." if platform else "."))
    return lines


def _main_table(summary: list[dict]) -> list[str]:
    header = ["Method", "Kind", "Seeds", "ACC", "AUC", "Bal. ACC", "F1 macro", "ACC 95 % CI", "AUC 95 % CI",
              "Extract s", "Fit s", "Predict s", "Latency ms/img", "Peak MB", "Model size", "Device"]
    rows = []
    for s in summary:
        rows.append([
            s["method"], s.get("kind") or _DASH, str(s.get("n_seeds", "")),
            _pm(s.get("accuracy_mean"), s.get("accuracy_std")), _pm(s.get("auc_mean"), s.get("auc_std")),
            _pm(s.get("balanced_accuracy_mean"), s.get("balanced_accuracy_std")),
            _pm(s.get("f1_macro_mean"), s.get("f1_macro_std")),
            _interval(s.get("accuracy_ci_lo_mean"), s.get("accuracy_ci_hi_mean")),
            _interval(s.get("auc_ci_lo_mean"), s.get("auc_ci_hi_mean")),
            _sig(s.get("extract_s_mean")), _sig(s.get("fit_s_mean")), _sig(s.get("predict_s_mean")),
            _sig(s.get("latency_ms_mean")), _sig(s.get("peak_memory_mb_mean")), _size(s.get("model_bytes_mean")),
            s.get("device") or _DASH,
        ])
    return _table(header, rows)


def _best(summary: list[dict], kind: str) -> dict | None:
    """Best method of a kind by mean AUC (mean accuracy where AUC is undefined)."""
    rows = [s for s in summary if s.get("kind") == kind]
    if not rows:
        return None

    def key(s):
        auc, acc = _num(s.get("auc_mean")), _num(s.get("accuracy_mean"))
        return (-math.inf if math.isnan(auc) else auc, -math.inf if math.isnan(acc) else acc)

    return max(rows, key=key)


def _signed(value) -> str:
    v = _num(value)
    return _DASH if math.isnan(v) else f"{v:+.3f}"


def _published_section(results, summary) -> list[str]:
    published = results.get("published") or []
    if not published:
        return []
    lines = ["## Published MedMNIST v2 figures", "",
             ("Reported in the literature for this data set (not re-run here; their training protocol, "
              "image size and model selection differ from ours)."), ""]
    lines += _table(["Method", "ACC", "AUC", "Source"],
                    [[p.get("method", "?"), _f3(p.get("accuracy")), _f3(p.get("auc")), p.get("source", "")]
                     for p in published])
    lines.append("")

    def pub_key(p):
        auc, acc = _num(p.get("auc")), _num(p.get("accuracy"))
        return (-math.inf if math.isnan(auc) else auc, -math.inf if math.isnan(acc) else acc)

    top = max(published, key=pub_key)
    parts = []
    for label, kind in (("classical pipeline", "classical"), ("CNN", "cnn")):
        best = _best(summary, kind)
        if best is None:
            continue
        d_acc = _num(best.get("accuracy_mean")) - _num(top.get("accuracy"))
        d_auc = _num(best.get("auc_mean")) - _num(top.get("auc"))
        parts.append(f"our best {label}, {best['method']}, reaches ACC {_f3(best.get('accuracy_mean'))} / "
                     f"AUC {_f3(best.get('auc_mean'))} (ΔACC {_signed(d_acc)}, ΔAUC {_signed(d_auc)})")
    if parts:
        lines.append(f"Against the best published figure, {top.get('method', '?')} (ACC {_f3(top.get('accuracy'))} / "
                     f"AUC {_f3(top.get('auc'))}): " + "; ".join(parts) + " (means over seeds).")
        lines.append("")
    return lines


def _per_class_table(results) -> list[str]:
    names = _class_names(results)
    runs = results.get("runs", [])
    rows = []
    for method in _methods(runs):
        f1s = [((r.get("metrics") or {}).get("per_class") or {}).get("f1") for r in runs if r["method"] == method]
        f1s = [f for f in f1s if f and len(f) == len(names)]
        if not f1s:
            continue
        a = np.array([[_num(v) for v in f] for f in f1s])
        std = a.std(axis=0, ddof=1) if len(a) >= 2 else np.zeros(a.shape[1])
        rows.append([method] + [_pm(m, s) for m, s in zip(a.mean(axis=0), std)])
    if not rows:
        return []
    return ["## Per-class F1", "", "Mean ± std over seeds.", ""] + _table(["Method"] + names, rows) + [""]


def _details_text(details: dict) -> tuple[str, str]:
    """(epochs, other details) for the per-run table."""
    details = dict(details or {})
    epochs = details.pop("epochs_run", None)
    best_epoch = details.pop("best_epoch", None)
    epoch_text = _DASH if epochs is None else str(epochs)
    if best_epoch is not None:
        epoch_text += f" (best {best_epoch})"
    parts = []
    params = details.pop("best_params", None)
    if params:
        parts.append("best " + json.dumps(_sanitise(params), sort_keys=True, separators=(",", ":")))
    for k, v in details.items():
        if isinstance(v, (str, int, float, bool)) or v is None:
            parts.append(f"{k}={v}")
    text = "; ".join(parts) or _DASH
    return epoch_text, text if len(text) <= 120 else text[:117] + "..."


def _per_run_table(results) -> list[str]:
    rows = []
    for r in results.get("runs", []):
        m, ci, cost = r.get("metrics") or {}, r.get("ci95") or {}, r.get("cost") or {}
        epochs, details = _details_text(r.get("details"))
        rows.append([r.get("method"), str(r.get("seed")), _f3(m.get("accuracy")), _f3(m.get("auc")),
                     _interval(*(ci.get("accuracy") or [None, None])), _interval(*(ci.get("auc") or [None, None])),
                     _sig(cost.get("fit_s")), epochs, details])
    return (["## Runs", ""]
            + _table(["Method", "Seed", "ACC", "AUC", "ACC 95 % CI", "AUC 95 % CI", "Fit s", "Epochs", "Details"],
                     rows)
            + [""])


def _markdown(results, summary, plots: dict[str, str]) -> str:
    ds = results.get("dataset") or {}
    runs = results.get("runs", [])
    n_test = next((r["metrics"]["n"] for r in runs if (r.get("metrics") or {}).get("n") is not None), None)
    cfg = results.get("config") if isinstance(results.get("config"), dict) else {}
    n_boot = results.get("bootstrap") or cfg.get("bootstrap") or cfg.get("n_boot")
    lines = [f"# Benchmark: {ds.get('name', results.get('name', '?'))}", ""]
    meta = [f"Run `{results['name']}`" if results.get("name") else None,
            f"created {results['created']}" if results.get("created") else None]
    if any(meta):
        text = ", ".join(x for x in meta if x)
        lines += [text[0].upper() + text[1:] + ".", ""]
    lines += _data_section(results) + [""]
    lines += [
        "## Results", "",
        f"Test set ({n_test if n_test is not None else '?'} cases). ACC, AUC, balanced accuracy and macro F1 are "
        "mean ± sample std over seeds. AUC is binary ROC AUC for two classes, macro one-vs-rest otherwise. "
        "The 95 % CIs are percentile bootstraps over test cases"
        + (f" ({n_boot} resamples)" if n_boot else "")
        + ", shown as the **mean of the per-seed CI bounds**. Times are means per run in seconds, all on one "
        "clock: every method trains on the train split only and uses the validation split only to choose "
        "(hyperparameters, early stopping, best epoch); radiomic features do not depend on the seed, so they are "
        "extracted once and that time is reported with every seed. Latency is the time to go from one test image "
        "to its prediction (feature extraction + model for classical pipelines, resize + forward pass for CNNs), "
        "averaged; peak MB is the rise in resident memory; model size is the file a deployer stores (skops "
        "pipeline, or the CNN checkpoint).", "",
    ]
    lines += _main_table(summary) + [""]
    lines += _published_section(results, summary)
    lines += _per_class_table(results)
    lines += _per_run_table(results)
    lines += ["## Plots", ""]
    for title, name in plots.items():
        lines += [f"![{title}]({name})", ""]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# entry point
# --------------------------------------------------------------------------------------------

def write_report(results: dict, out_dir) -> dict[str, Path]:
    """Write the JSON, CSV, Markdown report and PNG plots of one benchmark.

    Parameters
    ----------
    results : dict
        Benchmark results (schema in this module's docstring). ``summary`` is recomputed
        from ``runs`` for the report; the JSON keeps the dict as given.
    out_dir : str or Path
        Output directory, created if needed; existing files of the same names are overwritten.

    Returns
    -------
    dict of str to Path
        ``json``, ``csv``, ``markdown``, ``roc``, ``accuracy_vs_cost`` and
        ``confusion_<method-slug>`` for every method.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runs = results.get("runs", [])
    summary = summarise(runs)
    paths: dict[str, Path] = {}

    paths["json"] = out / "results.json"
    # allow_nan=False: the sanitising pass must have removed every NaN, or this is a bug to surface.
    # default=str: an odd object in the free-form config must not lose the whole report.
    text = json.dumps(_sanitise(results), indent=1, allow_nan=False, default=str)
    paths["json"].write_text(text + "\n", encoding="utf-8")

    paths["csv"] = out / "results.csv"
    _write_csv(results, paths["csv"])

    plots: dict[str, str] = {}
    paths["roc"] = out / "roc.png"
    _plot_roc(results, paths["roc"])
    plots["ROC curves"] = paths["roc"].name
    paths["accuracy_vs_cost"] = out / "accuracy_vs_cost.png"
    _plot_cost(summary, paths["accuracy_vs_cost"])
    plots["Accuracy and AUC vs. cost"] = paths["accuracy_vs_cost"].name
    for method, slug in _slugs(_methods(runs)).items():
        key = f"confusion_{slug}"
        paths[key] = out / f"{key}.png"
        _plot_confusion(results, method, paths[key])
        plots[f"Confusion matrix: {method}"] = paths[key].name

    paths["markdown"] = out / "report.md"
    paths["markdown"].write_text(_markdown(results, summary, plots), encoding="utf-8")
    return paths
