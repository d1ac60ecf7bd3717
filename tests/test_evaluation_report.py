"""Benchmark metrics (checked against scikit-learn), bootstrap CIs, summaries and the report writer."""

from __future__ import annotations

import copy
import csv
import json
import math
import sys
import time

import numpy as np
import pytest

sklearn_metrics = pytest.importorskip("sklearn.metrics")
pytest.importorskip("matplotlib")

from radfeat.evaluation import metrics as M
from radfeat.evaluation.report import load_results, write_report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _predictions(n, k, *, seed, signal=1.5, ties=False):
    """Labels and softmax probabilities that are informative but imperfect."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += signal
    proba = np.exp(logits)
    proba /= proba.sum(axis=1, keepdims=True)
    if ties:
        # Coarse probabilities create many tied scores; renormalise so sklearn accepts the rows.
        proba = np.round(proba, 1) + 1e-3
        proba /= proba.sum(axis=1, keepdims=True)
    return y, proba


def _sk_auc(y, proba, k):
    if k == 2:
        return sklearn_metrics.roc_auc_score(y, proba[:, 1])
    return sklearn_metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=list(range(k)))


# ------------------------------------------------------------------------------------------------
# metrics
# ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("k", [2, 5])
def test_classification_metrics_match_sklearn(k):
    y, proba = _predictions(150, k, seed=k)
    pred = proba.argmax(axis=1)
    m = M.classification_metrics(y, proba, k)
    labels = list(range(k))
    assert m["accuracy"] == pytest.approx(sklearn_metrics.accuracy_score(y, pred), abs=1e-12)
    assert m["balanced_accuracy"] == pytest.approx(sklearn_metrics.balanced_accuracy_score(y, pred), abs=1e-12)
    assert m["auc"] == pytest.approx(_sk_auc(y, proba, k), abs=1e-12)
    for avg_name in ("precision", "recall", "f1"):
        fn = getattr(sklearn_metrics, f"{avg_name}_score")
        assert m[f"{avg_name}_macro"] == pytest.approx(
            fn(y, pred, average="macro", labels=labels, zero_division=0), abs=1e-12)
    p, r, f, s = sklearn_metrics.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    np.testing.assert_allclose(m["per_class"]["precision"], p, atol=1e-12)
    np.testing.assert_allclose(m["per_class"]["recall"], r, atol=1e-12)
    np.testing.assert_allclose(m["per_class"]["f1"], f, atol=1e-12)
    assert m["per_class"]["support"] == s.tolist()
    assert m["confusion_matrix"] == sklearn_metrics.confusion_matrix(y, pred, labels=labels).tolist()
    assert m["n"] == 150
    # Plain Python types only, so json.dumps works without a custom encoder.
    json.dumps(m)
    assert type(m["accuracy"]) is float and type(m["n"]) is int
    assert all(type(v) is int for row in m["confusion_matrix"] for v in row)


def test_metrics_match_sklearn_with_absent_and_unpredicted_classes():
    # Class 3 never occurs in y_true, class 2 is never predicted: the zero_division=0 and
    # balanced-accuracy edge cases.
    y = np.array([0, 0, 1, 1, 2, 2, 0, 1, 2, 0])
    proba = np.full((10, 4), 0.1)
    pred = np.array([0, 1, 1, 1, 0, 3, 0, 0, 1, 3])
    proba[np.arange(10), pred] = 0.7
    m = M.classification_metrics(y, proba, 4)
    labels = [0, 1, 2, 3]
    with pytest.warns(UserWarning):
        assert m["balanced_accuracy"] == pytest.approx(sklearn_metrics.balanced_accuracy_score(y, pred))
    assert m["f1_macro"] == pytest.approx(sklearn_metrics.f1_score(y, pred, average="macro", labels=labels,
                                                                   zero_division=0))
    assert m["precision_macro"] == pytest.approx(sklearn_metrics.precision_score(
        y, pred, average="macro", labels=labels, zero_division=0))
    assert m["recall_macro"] == pytest.approx(sklearn_metrics.recall_score(
        y, pred, average="macro", labels=labels, zero_division=0))
    assert math.isnan(m["auc"])  # class 3 absent: macro OvR AUC undefined


@pytest.mark.parametrize("k,ties", [(2, False), (2, True), (3, True), (5, False), (5, True)])
def test_fast_auc_equals_sklearn(k, ties):
    for seed in range(3):
        y, proba = _predictions(97, k, seed=seed, ties=ties)
        if ties:
            assert len(np.unique(proba[:, 1])) < 60  # the tie path is really exercised
        assert M.roc_auc(y, proba, k) == pytest.approx(_sk_auc(y, proba, k), abs=1e-12)


def test_fast_auc_all_tied_and_perfect():
    y = np.array([0, 1, 0, 1, 1])
    assert M.roc_auc(y, np.full((5, 2), 0.5), 2) == 0.5
    proba = np.c_[1 - y, y].astype(float)
    assert M.roc_auc(y, proba, 2) == 1.0
    assert M.roc_auc(y, proba[:, ::-1], 2) == 0.0


def test_auc_nan_with_one_class():
    proba = np.array([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    m = M.classification_metrics([1, 1, 1], proba, 2)
    assert math.isnan(m["auc"])
    assert m["accuracy"] == pytest.approx(1 / 3)
    ci = M.bootstrap_ci([1, 1, 1], proba, 2, n_boot=50)
    assert all(math.isnan(v) for v in ci["auc"])
    assert ci["accuracy"][0] <= ci["accuracy"][1]


def test_roc_curve_points_match_sklearn():
    y, proba = _predictions(80, 2, seed=4, ties=True)
    fpr, tpr = M.roc_curve_points(y == 1, proba[:, 1])
    sk_fpr, sk_tpr, _ = sklearn_metrics.roc_curve(y, proba[:, 1], drop_intermediate=False)
    np.testing.assert_allclose(fpr, sk_fpr, atol=1e-12)
    np.testing.assert_allclose(tpr, sk_tpr, atol=1e-12)
    assert np.trapezoid(tpr, fpr) == pytest.approx(M.roc_auc(y, proba, 2), abs=1e-12)


@pytest.mark.parametrize("args,match", [
    (([0, 1], np.ones((3, 2)), 2), "rows"),
    (([0, 1], np.ones((2, 3)), 2), "shape"),
    (([0, 2], np.ones((2, 2)), 2), "outside"),
    (([0.5, 1], np.ones((2, 2)), 2), "integer"),
    (([[0, 1]], np.ones((2, 2)), 2), "1-D"),
    (([], np.ones((0, 2)), 2), "empty"),
    (([0, 1], [[0.5, np.nan], [0.5, 0.5]], 2), "NaN"),
    (([0, 1], np.ones((2, 1)), 1), "n_classes"),
])
def test_validation_errors(args, match):
    with pytest.raises(ValueError, match=match):
        M.classification_metrics(*args)


# ------------------------------------------------------------------------------------------------
# bootstrap
# ------------------------------------------------------------------------------------------------

def test_bootstrap_accuracy_matches_naive_loop_exactly():
    y, proba = _predictions(123, 3, seed=7)
    pred = proba.argmax(axis=1)
    ci = M.bootstrap_ci(y, proba, 3, n_boot=300, level=0.9, seed=11)
    rng = np.random.default_rng(11)
    accs = []
    for _ in range(300):
        idx = rng.integers(0, y.size, size=y.size)
        accs.append(np.mean(pred[idx] == y[idx]))
    assert ci["accuracy"] == np.percentile(accs, [5.0, 95.0]).tolist()


def test_bootstrap_auc_matches_naive_loop():
    y, proba = _predictions(40, 3, seed=8)
    ci = M.bootstrap_ci(y, proba, 3, n_boot=60, seed=2, metrics=("auc", "f1_macro"))
    rng = np.random.default_rng(2)
    aucs, f1s = [], []
    for _ in range(60):
        idx = rng.integers(0, y.size, size=y.size)
        if len(np.unique(y[idx])) == 3:
            aucs.append(_sk_auc(y[idx], proba[idx], 3))
        f1s.append(sklearn_metrics.f1_score(y[idx], proba[idx].argmax(axis=1), average="macro",
                                            labels=[0, 1, 2], zero_division=0))
    np.testing.assert_allclose(ci["auc"], np.percentile(aucs, [2.5, 97.5]), atol=1e-12)
    np.testing.assert_allclose(ci["f1_macro"], np.percentile(f1s, [2.5, 97.5]), atol=1e-12)
    assert set(ci) == {"auc", "f1_macro"}


def test_bootstrap_contains_estimate_deterministic_and_narrows():
    y, proba = _predictions(200, 2, seed=3)
    point = M.classification_metrics(y, proba, 2)
    ci = M.bootstrap_ci(y, proba, 2, n_boot=400, seed=5)
    for name, (lo, hi) in ci.items():
        assert lo <= point[name] <= hi, name
        assert lo < hi, name
    assert M.bootstrap_ci(y, proba, 2, n_boot=400, seed=5) == ci
    assert M.bootstrap_ci(y, proba, 2, n_boot=400, seed=6) != ci
    y_big, proba_big = _predictions(3200, 2, seed=3)
    ci_big = M.bootstrap_ci(y_big, proba_big, 2, n_boot=400, seed=5)
    for name in ("accuracy", "auc"):
        assert ci_big[name][1] - ci_big[name][0] < 0.5 * (ci[name][1] - ci[name][0])


def test_bootstrap_independent_of_chunking(monkeypatch):
    y, proba = _predictions(50, 2, seed=1)
    ref = M.bootstrap_ci(y, proba, 2, n_boot=77, seed=3)
    monkeypatch.setattr(M, "_CHUNK_CELLS", 50 * 10)  # 10 resamples per chunk
    assert M.bootstrap_ci(y, proba, 2, n_boot=77, seed=3) == ref


def test_bootstrap_is_fast():
    y, proba = _predictions(400, 5, seed=0)
    t0 = time.perf_counter()
    ci = M.bootstrap_ci(y, proba, 5, n_boot=1000)
    assert time.perf_counter() - t0 < 2.0
    assert set(ci) == set(M.SCALAR_METRICS)


def test_bootstrap_argument_errors():
    y, proba = _predictions(10, 2, seed=0)
    with pytest.raises(ValueError, match="unknown"):
        M.bootstrap_ci(y, proba, 2, metrics=("mcc",))
    with pytest.raises(ValueError, match="level"):
        M.bootstrap_ci(y, proba, 2, level=95)
    with pytest.raises(ValueError, match="n_boot"):
        M.bootstrap_ci(y, proba, 2, n_boot=0)


# ------------------------------------------------------------------------------------------------
# summarise
# ------------------------------------------------------------------------------------------------

def test_summarise_mean_std():
    def run(method, kind, acc, auc, fit):
        return {"method": method, "kind": kind, "seed": 0,
                "metrics": {"accuracy": acc, "auc": auc, "n": 10, "per_class": {"f1": [0.1, 0.2]},
                            "confusion_matrix": [[1, 2], [3, 4]]},
                "ci95": {"auc": [None, None] if auc is None else [auc - 0.1, auc + 0.1]},
                "cost": {"fit_s": fit, "total_s": 2 * fit, "device": "cpu (2 threads)"}}

    runs = [run("a", "classical", 0.8, 0.9, 1.0), run("b", "cnn", 0.7, None, 10.0),
            run("a", "classical", 0.6, 0.7, 3.0), run("a", "classical", 0.7, 0.8, 2.0)]
    rows = M.summarise(runs)
    assert [r["method"] for r in rows] == ["a", "b"]
    a, b = rows
    assert a["kind"] == "classical" and a["n_seeds"] == 3
    assert a["accuracy_mean"] == pytest.approx(0.7)
    assert a["accuracy_std"] == pytest.approx(np.std([0.8, 0.6, 0.7], ddof=1))
    assert a["auc_mean"] == pytest.approx(0.8)
    assert a["fit_s_mean"] == pytest.approx(2.0) and a["total_s_mean"] == pytest.approx(4.0)
    assert a["auc_ci_lo_mean"] == pytest.approx(0.7) and a["auc_ci_hi_mean"] == pytest.approx(0.9)
    assert a["device"] == "cpu (2 threads)"
    assert "n_mean" not in a and "per_class_mean" not in a and "device_mean" not in a
    assert b["n_seeds"] == 1 and b["accuracy_std"] == 0.0 and b["fit_s_mean"] == 10.0
    assert math.isnan(b["auc_mean"])  # null (NaN after a JSON round trip) propagates


# ------------------------------------------------------------------------------------------------
# report
# ------------------------------------------------------------------------------------------------

# (method, kind, signal strength of its synthetic predictions, feature-extraction seconds)
METHODS = (("radiomics-svm", "classical", 1.2, 4.2), ("radiomics-xgboost", "classical", 1.6, 9.0),
           ("cnn-resnet18", "cnn", 2.5, 0.0))


def make_results(*, k=2, n_test=80, seeds=(0, 1, 2), published=True, n_boot=100):
    """A results dict in the harness' schema, from synthetic predictions."""
    rng = np.random.default_rng(123)
    class_names = ["benign", "malignant"] if k == 2 else [f"class {i}" for i in range(k)]
    y = rng.integers(0, k, n_test)
    y[:k] = np.arange(k)  # every class present
    digest = "ab12" * 16
    runs = []
    for method, kind, signal, extract_s in METHODS:
        for seed in seeds:
            logits = rng.normal(size=(n_test, k))
            logits[np.arange(n_test), y] += signal
            proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            cnn = kind == "cnn"
            details = ({"epochs_run": 30, "best_epoch": 22, "lr": 1e-3} if cnn else
                       {"n_features": 120, "best_params": ({"svc__C": 10.0, "svc__gamma": "scale"}
                                                           if "svm" in method else {"xgb__max_depth": 3})})
            runs.append({
                "method": method, "kind": kind, "seed": seed, "split_sha256": digest,
                "metrics": M.classification_metrics(y, proba, k),
                "ci95": M.bootstrap_ci(y, proba, k, n_boot=n_boot, seed=seed),
                "cost": {"extract_s": extract_s + seed, "fit_s": 35.0 + seed if cnn else 0.8,
                         "predict_s": 0.05, "total_s": extract_s + seed + (35.05 + seed if cnn else 0.85),
                         "latency_ms": 0.6 if cnn else 0.05, "peak_memory_mb": 812.0 if cnn else 210.5,
                         "model_bytes": 44_800_000 if cnn else 52_000,
                         "device": "cuda (NVIDIA H100)" if cnn else "cpu (2 threads)"},
                "details": details,
                "test_proba": proba.tolist(),
            })
    return {
        "name": "synthetic", "created": "2026-11-24T01:30:00Z", "quick": False, "bootstrap": n_boot,
        "config": {"bootstrap": n_boot, "methods": [m[0] for m in METHODS]},
        "seeds": list(seeds),
        "dataset": {"name": "synthetic-blobs", "description": "Synthetic textured blobs", "class_names": class_names,
                    "n_classes": k, "ndim": 2, "rgb": False, "counts": {"train": 240, "val": 80, "test": n_test},
                    "official_split": False, "split_sha256": digest, "test_labels": y.tolist()},
        "environment": {"radfeat": "0.1.0", "python": sys.version.split()[0], "numpy": np.__version__,
                        "scikit-learn": "1.9.1", "torch": None, "cpu_count": 2, "threads": 2,
                        "platform": "Linux-x86_64"},
        "runs": runs,
        "summary": M.summarise(runs),
        "published": ([{"method": "ResNet-18 (28)", "accuracy": 0.863, "auc": 0.901,
                        "source": "MedMNIST v2 (Yang et al., 2023), Table 3"},
                       {"method": "auto-sklearn", "accuracy": 0.803, "auc": 0.836,
                        "source": "MedMNIST v2 (Yang et al., 2023), Table 3"}] if published else []),
    }


@pytest.fixture(scope="module")
def binary_report(tmp_path_factory):
    results = make_results()
    results["runs"][0]["metrics"]["auc"] = float("nan")  # must come out as null
    out = tmp_path_factory.mktemp("report") / "nested" / "out"
    return results, out, write_report(results, out)


def _assert_png(path):
    import matplotlib.image as mpimg

    assert path.read_bytes()[:8] == PNG_SIGNATURE
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 150 and img.shape[1] > 150
    assert float(np.ptp(img[..., :3])) > 0.1  # something was drawn


def test_write_report_creates_every_file(binary_report):
    _, out, paths = binary_report
    slugs = ["radiomics-svm", "radiomics-xgboost", "cnn-resnet18"]
    expected = {"json", "csv", "markdown", "roc", "accuracy_vs_cost"} | {f"confusion_{s}" for s in slugs}
    assert set(paths) == expected
    assert {p.name for p in out.iterdir()} == {"results.json", "results.csv", "report.md", "roc.png",
                                               "accuracy_vs_cost.png"} | {f"confusion_{s}.png" for s in slugs}
    for path in paths.values():
        assert path.parent == out and path.is_file()
        if path.suffix == ".png":
            _assert_png(path)


def test_results_json_round_trips_with_nan_as_null(binary_report):
    results, out, paths = binary_report
    text = paths["json"].read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    assert text.startswith("{\n \"name\"")  # indent=1
    loaded = load_results(out)
    assert loaded == load_results(paths["json"])
    assert loaded["runs"][0]["metrics"]["auc"] is None
    expected = copy.deepcopy(results)
    expected["runs"][0]["metrics"]["auc"] = None
    assert loaded == json.loads(json.dumps(expected))


def test_results_csv_rows_and_columns(binary_report):
    results, _, paths = binary_report
    with open(paths["csv"], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(results["runs"]) == 9
    header = list(rows[0])
    assert header[:4] == ["method", "kind", "seed", "split_sha256"]
    for col in ["accuracy", "auc", "balanced_accuracy", "precision_macro", "recall_macro", "f1_macro", "n",
                "auc_ci_lo", "auc_ci_hi", "accuracy_ci_lo", "accuracy_ci_hi", "f1_macro_ci_hi",
                "extract_s", "fit_s", "predict_s", "total_s", "latency_ms", "peak_memory_mb", "model_bytes",
                "device", "f1_class_benign", "f1_class_malignant"]:
        assert col in header, col
    assert rows[0]["auc"] == ""  # NaN
    run, row = results["runs"][4], rows[4]
    assert (row["method"], row["seed"]) == (run["method"], str(run["seed"]))
    assert float(row["accuracy"]) == run["metrics"]["accuracy"]
    assert float(row["auc_ci_lo"]) == run["ci95"]["auc"][0]
    assert float(row["f1_class_malignant"]) == run["metrics"]["per_class"]["f1"][1]
    assert int(row["model_bytes"]) == run["cost"]["model_bytes"]


def test_report_markdown_content(binary_report):
    results, _, paths = binary_report
    md = paths["markdown"].read_text(encoding="utf-8")
    assert md.startswith("# Benchmark: synthetic-blobs")
    for method, *_ in METHODS:
        assert method in md
    for text in ("benign", "malignant", "train 240", "seeded split", results["dataset"]["split_sha256"],
                 "Published MedMNIST v2 figures", "ResNet-18 (28)", "Yang et al., 2023", "our best CNN",
                 "our best classical pipeline", "mean of the per-seed CI bounds", "(100 resamples)", "Per-class F1",
                 "![ROC curves](roc.png)", "(accuracy_vs_cost.png)", "(confusion_cnn-resnet18.png)",
                 "cpu (2 threads)", "cuda (NVIDIA H100)", "torch not installed", "Quick mode:** no",
                 "30 (best 22)", '"svc__C":10.0', "43 MB", "51 KB"):
        assert text in md, text
    assert "WARNING" not in md
    # Main table: one row per method with mean ± std.
    svm_row = next(line for line in md.splitlines() if line.startswith("| radiomics-svm | classical"))
    svm = next(s for s in M.summarise(results["runs"]) if s["method"] == "radiomics-svm")
    assert f"{svm['accuracy_mean']:.3f} ± {svm['accuracy_std']:.3f}" in svm_row


def test_report_warns_on_differing_splits_and_omits_empty_published(tmp_path):
    results = make_results(published=False, seeds=(0, 1), n_boot=20)
    results["runs"][1]["split_sha256"] = "ff" * 32
    paths = write_report(results, tmp_path)
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "WARNING" in md and "ff" * 32 in md
    assert "Published MedMNIST v2 figures" not in md


def test_report_multiclass_and_reload(tmp_path):
    results = make_results(k=5, n_test=60, seeds=(0,), published=False, n_boot=20)
    paths = write_report(load_results(write_report(results, tmp_path / "a")["json"]), tmp_path / "b")
    for key in ("roc", "accuracy_vs_cost", "confusion_radiomics-svm"):
        _assert_png(paths[key])
    with open(paths["csv"], newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert "f1_class_class_4" in header
    assert "class 4" in paths["markdown"].read_text(encoding="utf-8")


def test_lazy_package_import():
    import subprocess

    code = ("import sys, radfeat.evaluation as e; assert 'sklearn' not in sys.modules; "
            "assert 'matplotlib' not in sys.modules; e.classification_metrics; e.summarise; "
            "assert 'matplotlib' not in sys.modules and 'sklearn' not in sys.modules; e.write_report")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_sanitises_numpy_and_tolerates_no_runs(tmp_path):
    results = make_results(seeds=(0,), published=False, n_boot=20)
    results["config"].update(out=tmp_path, weights=np.array([0.5, np.nan]), lr=np.float32(np.inf),
                             tags={"b", "a"})
    results["runs"] = []
    results["summary"] = []
    paths = write_report(results, tmp_path)
    loaded = load_results(paths["json"])
    assert loaded["config"]["weights"] == [0.5, None] and loaded["config"]["lr"] is None
    assert loaded["config"]["out"] == str(tmp_path) and loaded["config"]["tags"] == ["a", "b"]
    md = paths["markdown"].read_text(encoding="utf-8")
    assert "WARNING" not in md and "no runs recorded" in md
    with open(paths["csv"], newline="", encoding="utf-8") as fh:
        assert len(list(csv.reader(fh))) == 1  # header only
    _assert_png(paths["roc"])
