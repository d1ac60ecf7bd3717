"""The benchmark harness end to end on a tiny synthetic set: one classical and one CNN method on
one split, metrics equal to scikit-learn's on the same predictions, and the report files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from conftest import DATA_DIR
from radfeat.evaluation.costs import PeakMemory, measure, model_size_bytes
from radfeat.evaluation.harness import DEFAULT_CONFIG, load_benchmark_config, run_benchmark
from radfeat.exceptions import ConfigError

pytest.importorskip("torch")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "name": "tiny",
    "data": {"synthetic": {"n": 72, "size": 24, "seed": 3}},
    "seeds": [0, 1],
    "bootstrap": 100,
    "methods": {
        "radiomics-logreg": {"kind": "classical", "model": "logreg", "grid": {"model__C": [0.1, 1.0]},
                             "features": {"settings": {"binCount": 16}, "families": ["firstorder", "glcm"]}},
        "simple-cnn": {"kind": "cnn", "arch": "simple", "epochs": 2, "batch_size": 16, "image_size": 24},
    },
    "quick": {"max_per_split": 6, "seeds": [0], "epochs": 1, "bootstrap": 20},
}


def _config(tmp_path, cfg=TINY, name="tiny.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bench")
    out = tmp / "out"
    results = run_benchmark(_config(tmp), out=out, progress=False)
    return results, out


def test_every_method_and_seed_ran_on_the_same_split(tiny_run):
    results, _ = tiny_run
    runs = results["runs"]
    assert [(r["method"], r["seed"]) for r in runs] == [("radiomics-logreg", 0), ("radiomics-logreg", 1),
                                                       ("simple-cnn", 0), ("simple-cnn", 1)]
    digest = results["dataset"]["split_sha256"]
    assert len(digest) == 64 and {r["split_sha256"] for r in runs} == {digest}
    n_test = results["dataset"]["counts"]["test"]
    assert len(results["dataset"]["test_labels"]) == n_test
    assert all(np.asarray(r["test_proba"]).shape == (n_test, 2) for r in runs)


def test_metrics_equal_sklearn_on_the_same_predictions(tiny_run):
    from sklearn.metrics import (accuracy_score, balanced_accuracy_score, confusion_matrix, f1_score,
                                 precision_score, recall_score, roc_auc_score)

    results, _ = tiny_run
    y = np.asarray(results["dataset"]["test_labels"])
    for run in results["runs"]:
        proba = np.asarray(run["test_proba"])
        pred = proba.argmax(1)
        m = run["metrics"]
        assert m["accuracy"] == pytest.approx(accuracy_score(y, pred), abs=1e-12)
        assert m["auc"] == pytest.approx(roc_auc_score(y, proba[:, 1]), abs=1e-12)
        assert m["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(y, pred), abs=1e-12)
        assert m["f1_macro"] == pytest.approx(f1_score(y, pred, average="macro", zero_division=0), abs=1e-12)
        assert m["precision_macro"] == pytest.approx(precision_score(y, pred, average="macro", zero_division=0),
                                                     abs=1e-12)
        assert m["recall_macro"] == pytest.approx(recall_score(y, pred, average="macro"), abs=1e-12)
        assert m["confusion_matrix"] == confusion_matrix(y, pred, labels=[0, 1]).tolist()
        lo, hi = run["ci95"]["accuracy"]
        assert lo <= m["accuracy"] <= hi


def test_costs_and_details_are_recorded(tiny_run):
    results, _ = tiny_run
    for run in results["runs"]:
        c = run["cost"]
        assert c["fit_s"] > 0 and c["predict_s"] > 0 and c["model_bytes"] > 1000 and c["latency_ms"] > 0
        assert c["total_s"] == pytest.approx(c["extract_s"] + c["fit_s"] + c["predict_s"])
        assert c["device"].startswith("cpu")
    classical = [r for r in results["runs"] if r["kind"] == "classical"]
    # features are extracted once for both seeds: one extraction time, reported with each run
    assert classical[0]["cost"]["extract_s"] == classical[1]["cost"]["extract_s"] > 0
    assert classical[0]["details"]["best_params"]["model__C"] in (0.1, 1.0)
    cnn = [r for r in results["runs"] if r["kind"] == "cnn"]
    assert all(1 <= r["details"]["best_epoch"] <= r["details"]["epochs_run"] <= 2 for r in cnn)
    assert all(r["cost"]["extract_s"] == 0.0 for r in cnn)


def test_report_files(tiny_run):
    results, out = tiny_run
    for name in ("results.json", "results.csv", "report.md", "roc.png", "accuracy_vs_cost.png",
                 "confusion_radiomics-logreg.png", "confusion_simple-cnn.png"):
        assert (out / name).stat().st_size > 100, name
    assert (out / "roc.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    stored = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert stored["dataset"]["split_sha256"] == results["dataset"]["split_sha256"]
    import pandas as pd

    table = pd.read_csv(out / "results.csv")
    assert len(table) == 4 and set(table["method"]) == {"radiomics-logreg", "simple-cnn"}
    np.testing.assert_allclose(table["auc"], [r["metrics"]["auc"] for r in results["runs"]], rtol=1e-12)
    report = (out / "report.md").read_text(encoding="utf-8")
    assert "radiomics-logreg" in report and "simple-cnn" in report and "WARNING" not in report


def test_cli_quick_run_and_method_subset(tmp_path):
    out = tmp_path / "cli"
    proc = subprocess.run([sys.executable, "-m", "radfeat", "benchmark", "--config", str(_config(tmp_path)),
                           "--quick", "--methods", "radiomics-logreg", "--out", str(out), "-q"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "radiomics-logreg" in proc.stdout and "simple-cnn" not in proc.stdout
    stored = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert stored["quick"] is True and stored["seeds"] == [0]
    assert all(v <= 6 for v in stored["dataset"]["counts"].values())


def test_medmnist_data_override(tmp_path):
    npz = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"
    if not npz.exists():
        pytest.skip("shared MedMNIST file missing")
    results = run_benchmark(_config(tmp_path), data=npz, quick=True, methods=["radiomics-logreg"], progress=False)
    assert results["dataset"]["official_split"] is True
    assert results["published"] and results["published"][0]["auc"] == 0.901  # MedMNIST v2 ResNet-18 (28)


def test_config_errors_name_the_problem(tmp_path):
    bad = dict(TINY, seeds=[0], metods={})
    with pytest.raises(ConfigError, match=r"unknown key 'metods' \(did you mean 'methods'\?\)"):
        load_benchmark_config(_config(tmp_path, bad))
    bad = dict(TINY, methods={"x": {"kind": "cnn", "epoch": 3}})
    with pytest.raises(ConfigError, match=r"method 'x'.*'epoch' \(did you mean 'epochs'\?\)"):
        load_benchmark_config(_config(tmp_path, bad))
    bad = dict(TINY, methods={"x": {"kind": "deep"}})
    with pytest.raises(ConfigError, match="kind: classical or kind: cnn"):
        load_benchmark_config(_config(tmp_path, bad))
    with pytest.raises(ConfigError, match=r"unknown method 'simple_cnn' \(did you mean 'simple-cnn'\?\)"):
        run_benchmark(_config(tmp_path), methods=["simple_cnn"], progress=False)
    with pytest.raises(ConfigError, match="not found"):
        load_benchmark_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name", ["synthetic", "breastmnist", "retinamnist", "medmnist"])
def test_shipped_configs_load(name):
    cfg = load_benchmark_config(ROOT / "configs" / "benchmark" / f"{name}.yaml")
    assert cfg["methods"] and len(cfg["seeds"]) >= 3
    kinds = {m["kind"] for m in cfg["methods"].values()}
    assert kinds == {"classical", "cnn"}
    # the shipped paths assume the repository sits beside shared/ (as in CI); a clone elsewhere
    # points RADFEAT_DATA at the data instead and passes --data
    if "medmnist" in cfg["data"] and (ROOT.parent / "shared" / "data").is_dir():
        assert (cfg["_base"] / cfg["data"]["medmnist"]).resolve().exists()


def test_default_config_is_the_synthetic_one():
    assert (ROOT / "configs" / "benchmark" / "synthetic.yaml").read_text(encoding="utf-8") == DEFAULT_CONFIG.read_text(encoding="utf-8")
    assert load_benchmark_config(None)["data"]["synthetic"]


def test_peak_memory_sees_native_allocations():
    with measure() as m:
        block = np.ones(80 * 2**20 // 8)  # 80 MiB, allocated outside Python's allocator
        block.sum()
    del block
    assert m["seconds"] > 0 and m["peak_mb"] > 60
    with PeakMemory() as quiet:
        pass
    assert quiet.peak_mb < 20


def test_model_size_is_the_skops_file():
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression().fit(np.arange(20.0).reshape(10, 2), [0, 1] * 5)
    assert model_size_bytes(model) == len(sio.dumps(model))
