"""The comparative benchmark: classical radiomics pipelines and CNNs on one split, one clock.

A benchmark config (YAML) names a data set, the seeds, and the methods::

    name: synthetic
    data: {synthetic: {n: 400, size: 32}}      # or medmnist / folder / manifest (radfeat.datasets)
    seeds: [0, 1, 2]
    bootstrap: 1000                             # test-set bootstrap resamples for the 95 % CIs
    methods:
      radiomics-svm: {kind: classical, model: svm, features: {settings: {binCount: 32}}}
      resnet18:      {kind: cnn, arch: resnet18, epochs: 30}
    quick: {max_per_split: 50, seeds: [0], epochs: 2, bootstrap: 200}

Protocol (the same for every method):

- one train/val/test split (the data set's official one when it has it), recorded by digest;
- every method trains on ``train`` only and uses ``val`` only to choose: classical pipelines pick
  hyperparameters by validation AUC (then refit on ``train``) and XGBoost stops early on it;
  CNNs keep the epoch with the best validation AUC;
- ``test`` is scored once per method and seed, with percentile-bootstrap 95 % CIs;
- costs: feature extraction, fit and predict seconds on the same clock, per-image latency
  (extraction + prediction of one test image, averaged), peak RSS rise, model size on disk.

Radiomic features do not depend on the seed, so each distinct feature configuration is
extracted once and its extraction cost is reported with every seed's run.
"""

from __future__ import annotations

import datetime as _dt
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ..exceptions import ConfigError

__all__ = ["DEFAULT_CONFIG", "PUBLISHED", "load_benchmark_config", "run_benchmark"]

#: The default benchmark (``radfeat benchmark`` with no config), shipped inside the package.
DEFAULT_CONFIG = Path(__file__).with_name("synthetic.yaml")

_SOURCE = "MedMNIST v2 (Yang et al., Scientific Data 2023), Table 3"
#: Published MedMNIST v2 test-set figures the report puts beside ours, by data set flag.
PUBLISHED = {
    "breastmnist": [
        {"method": "ResNet-18 (28)", "accuracy": 0.863, "auc": 0.901, "source": _SOURCE},
        {"method": "auto-sklearn", "accuracy": 0.803, "auc": 0.836, "source": _SOURCE},
    ],
    "retinamnist": [
        {"method": "ResNet-18 (28)", "accuracy": 0.524, "auc": 0.717, "source": _SOURCE},
        {"method": "auto-sklearn", "accuracy": 0.515, "auc": 0.690, "source": _SOURCE},
    ],
}

_TOP_KEYS = {"name", "data", "seeds", "bootstrap", "methods", "quick", "published", "threads"}
_QUICK_KEYS = {"max_per_split", "seeds", "epochs", "bootstrap"}
_CLASSICAL_KEYS = {"kind", "model", "features", "select_k", "grid", "class_weight", "model_params"}
_CNN_KEYS = {"kind", "arch", "epochs", "batch_size", "lr", "milestones", "weight_decay", "augment", "patience",
             "image_size", "device", "amp", "val_fraction"}
_QUICK_DEFAULTS = {"max_per_split": 50, "seeds": [0], "epochs": 2, "bootstrap": 200}


def _unknown(keys, known, where):
    from ..features.registry import did_you_mean

    for key in keys:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, known)}; known: "
                              f"{', '.join(sorted(known))}")


def load_benchmark_config(path=None) -> dict:
    """Read and validate a benchmark YAML; ``None`` gives the packaged synthetic default.

    Returns
    -------
    dict
        The config with ``_base`` (the folder relative data paths resolve against) and ``_path``.
    """
    import yaml

    path = Path(path) if path is not None else DEFAULT_CONFIG
    if not path.is_file():
        raise ConfigError(f"{path}: benchmark config not found")
    try:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: a benchmark config is a mapping, got {type(cfg).__name__}")
    _unknown(cfg, _TOP_KEYS, str(path))
    for key in ("data", "methods"):
        if not cfg.get(key):
            raise ConfigError(f"{path}: needs a {key!r} section")
    if not isinstance(cfg["methods"], dict):
        raise ConfigError(f"{path}: 'methods' maps a method name to its settings")
    for name, spec in cfg["methods"].items():
        spec = spec or {}
        kind = spec.get("kind")
        if kind not in ("classical", "cnn"):
            raise ConfigError(f"{path}: method {name!r} needs kind: classical or kind: cnn, got {kind!r}")
        _unknown(spec, _CLASSICAL_KEYS if kind == "classical" else _CNN_KEYS, f"{path}: method {name!r}")
    _unknown(cfg.get("quick") or {}, _QUICK_KEYS, f"{path}: quick")
    seeds = cfg.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) for s in seeds):
        raise ConfigError(f"{path}: seeds must be a non-empty list of integers, got {seeds!r}")
    cfg["_base"], cfg["_path"] = path.parent, str(path)
    return cfg


def data_override(value) -> dict:
    """The ``data`` section for ``--data PATH``: an npz is MedMNIST, a CSV a manifest, a folder a folder."""
    path = Path(value)
    if path.suffix == ".npz":
        return {"medmnist": str(path)}
    if path.suffix == ".csv":
        return {"manifest": str(path)}
    if path.is_dir():
        return {"folder": str(path)}
    raise ConfigError(f"{path}: --data takes a MedMNIST .npz, a manifest .csv or an image folder")


def _environment() -> dict:
    from .. import __version__

    env = {"radfeat": __version__, "python": platform.python_version(), "numpy": np.__version__,
           "platform": platform.platform(), "cpu_count": _cpu_count()}
    for mod in ("sklearn", "xgboost", "torch", "numba"):
        try:
            env[{"sklearn": "scikit-learn"}.get(mod, mod)] = __import__(mod).__version__
        except ImportError:
            env[{"sklearn": "scikit-learn"}.get(mod, mod)] = None
    try:
        import numba

        env["threads"] = numba.get_num_threads()
    except ImportError:  # pragma: no cover - numba is a dependency
        env["threads"] = None
    return env


def _cpu_device() -> str:
    import numba

    return f"cpu ({numba.get_num_threads()} threads)"


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _log(progress, message):
    if progress:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------- classical


def _post_feature_pipeline(spec, seed):
    """The classical pipeline minus its extraction step (features are extracted once, up front)."""
    from sklearn.pipeline import Pipeline

    from ..sklearn import make_classifier_pipeline

    full = make_classifier_pipeline(spec.get("model", "svm"), select_k=spec.get("select_k"),
                                    class_weight=spec.get("class_weight", "balanced"), random_state=seed,
                                    model_params=spec.get("model_params"))
    return Pipeline(full.steps[1:])


def _extract(spec, dataset, cache, progress, name):
    """Feature matrix of every image for this method's feature config (cached across methods/seeds)."""
    from ..sklearn import RadiomicsFeatures
    from .costs import measure

    features = dict(spec.get("features") or {})
    key = json.dumps(features, sort_keys=True, default=str)
    if key not in cache:
        extractor = RadiomicsFeatures(**features)
        _log(progress, f"{name}: extracting features from {len(dataset.y)} images")
        with measure() as m:
            F = extractor.fit_transform(dataset.X)
        cache[key] = {"F": np.asarray(F, dtype=np.float64), "extractor": extractor, "seconds": m["seconds"],
                      "peak_mb": m["peak_mb"], "names": list(extractor.get_feature_names_out())}
    return cache[key]


def _scorer(n_classes):
    return "roc_auc" if n_classes == 2 else "roc_auc_ovr"


def _run_classical(name, spec, dataset, seed, cache, progress):
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, PredefinedSplit
    from sklearn.pipeline import Pipeline

    from ..sklearn import param_grid
    from .costs import measure, model_size_bytes

    feats = _extract(spec, dataset, cache, progress, name)
    F, y = feats["F"], dataset.y
    tr, va, te = (dataset.indices(s) for s in ("train", "val", "test"))
    model = spec.get("model", "svm")
    pipe = _post_feature_pipeline(spec, seed)
    details = {"n_features": int(F.shape[1]), "model": model}
    with measure() as fit:
        if model == "xgboost":
            # early stopping on the validation split; the trees are fit on train rows only
            rows = np.concatenate([tr, va])
            mask = np.isin(rows, va)
            pipe.set_params(model__refit=False)
            pipe.fit(F[rows], y[rows], model__validation_mask=mask)
            details["best_iteration"] = int(pipe.named_steps["model"].best_iteration_)
        else:
            grid = spec.get("grid", param_grid(model))
            if grid:
                rows = np.concatenate([tr, va])
                fold = np.where(np.isin(rows, va), 0, -1)
                search = GridSearchCV(pipe, grid, cv=PredefinedSplit(fold), scoring=_scorer(dataset.n_classes),
                                      refit=False).fit(F[rows], y[rows])
                details["best_params"] = {k: (v if isinstance(v, (int, float, str)) else str(v))
                                          for k, v in search.best_params_.items()}
                details["val_auc"] = float(search.best_score_)
                pipe = clone(pipe).set_params(**search.best_params_)
            pipe.fit(F[tr], y[tr])
    with measure() as pred:
        proba = pipe.predict_proba(F[te])
    n_all, n_test = len(y), len(te)
    extract_s = feats["seconds"]
    deployed = Pipeline([("features", feats["extractor"])] + pipe.steps)
    cost = {"extract_s": extract_s, "fit_s": fit["seconds"], "predict_s": pred["seconds"],
            "total_s": extract_s + fit["seconds"] + pred["seconds"],
            "latency_ms": 1000.0 * (extract_s / n_all + pred["seconds"] / n_test),
            "peak_memory_mb": max(feats["peak_mb"], fit["peak_mb"], pred["peak_mb"]),
            "model_bytes": model_size_bytes(deployed), "device": _cpu_device()}
    return _align(proba, pipe.classes_, dataset.n_classes), cost, details


# ----------------------------------------------------------------------------------------- CNN


def _run_cnn(name, spec, dataset, seed, progress):
    from ..models import CNNClassifier
    from .costs import measure, model_size_bytes

    params = {k: v for k, v in spec.items() if k != "kind"}
    if "milestones" in params:
        params["milestones"] = tuple(params["milestones"])
    clf = CNNClassifier(random_state=seed, verbose=int(bool(progress)), **params)
    X_tr, y_tr = dataset.subset("train")
    X_va, y_va = dataset.subset("val")
    X_te, _ = dataset.subset("test")
    with measure() as fit:
        clf.fit(X_tr, y_tr, X_val=X_va, y_val=y_va)
    with measure() as pred:
        proba = clf.predict_proba(X_te)
    cost = {"extract_s": 0.0, "fit_s": fit["seconds"], "predict_s": pred["seconds"],
            "total_s": fit["seconds"] + pred["seconds"], "latency_ms": 1000.0 * pred["seconds"] / len(X_te),
            "peak_memory_mb": max(fit["peak_mb"], pred["peak_mb"]), "model_bytes": model_size_bytes(clf),
            "device": clf.device_}
    details = {"arch": clf.arch, "epochs": clf.epochs, "epochs_run": int(clf.n_epochs_run_),
               "best_epoch": int(clf.best_epoch_), "n_parameters": int(clf.n_parameters_),
               "best_val_auc": max((h["val_auc"] for h in clf.history_ if h["val_auc"] == h["val_auc"]),
                                   default=float("nan"))}
    return _align(proba, clf.classes_, dataset.n_classes), cost, details


def _align(proba, classes, n_classes):
    """Probabilities as (N, K) columns 0..K-1 even when a model saw only some classes."""
    proba = np.asarray(proba, dtype=np.float64)
    out = np.zeros((len(proba), n_classes))
    out[:, np.asarray(classes, dtype=np.intp)] = proba
    return out


# ------------------------------------------------------------------------------------- harness


def _published(cfg, dataset):
    if "published" in cfg:
        return list(cfg["published"] or [])
    return list(PUBLISHED.get(str(dataset.info.get("flag", dataset.name)).lower(), []))


def run_benchmark(config=None, *, data=None, out=None, quick=False, methods=None, progress=True) -> dict:
    """Run every method of a benchmark config on one split and write the report.

    Parameters
    ----------
    config : path, dict or None
        A benchmark YAML, an already loaded config (:func:`load_benchmark_config`), or None for the
        packaged synthetic default.
    data : path, optional
        Replace the config's data set (MedMNIST npz, manifest CSV, or image folder).
    out : path, optional
        Output folder for ``results.json``, ``results.csv``, ``report.md`` and the plots
        (nothing is written when None).
    quick : bool
        Apply the config's ``quick`` overrides (subsampled splits, one seed, few epochs).
    methods : list of str, optional
        Run only these methods of the config.
    progress : bool
        Log each step (and each CNN epoch) to stderr.

    Returns
    -------
    dict
        The results (schema in :mod:`radfeat.evaluation.report`).
    """
    from ..datasets import load_dataset
    from .metrics import bootstrap_ci, classification_metrics, summarise

    cfg = config if isinstance(config, dict) else load_benchmark_config(config)
    base = Path(cfg.get("_base", "."))
    data_spec = data_override(data) if data is not None else dict(cfg["data"])
    seeds, n_boot = list(cfg.get("seeds", [0])), int(cfg.get("bootstrap", 1000))
    chosen = dict(cfg["methods"])
    if methods:
        missing = [m for m in methods if m not in chosen]
        if missing:
            from ..features.registry import did_you_mean

            raise ConfigError(f"unknown method {missing[0]!r}{did_you_mean(missing[0], chosen)}; the config has "
                              f"{', '.join(chosen)}")
        chosen = {m: chosen[m] for m in methods}
    dataset = load_dataset(data_spec, base=Path(data).parent if data is not None else base)
    if quick:
        q = {**_QUICK_DEFAULTS, **(cfg.get("quick") or {})}
        dataset = dataset.limit(int(q["max_per_split"]), seed=0)
        seeds, n_boot = list(q["seeds"]), int(q["bootstrap"])
        chosen = {m: ({**s, "epochs": min(int(s.get("epochs", 100)), int(q["epochs"]))} if s["kind"] == "cnn" else s)
                  for m, s in chosen.items()}
    threads = cfg.get("threads")
    if threads:
        _set_threads(int(threads))
    _preload(chosen)
    digest = dataset.split_digest()
    y_test = dataset.y[dataset.indices("test")]
    _log(progress, f"data: {dataset.description} -- {dataset.counts()}, {dataset.n_classes} classes, "
                   f"split {digest[:12]}")

    runs, cache = [], {}
    total, done = len(chosen) * len(seeds), 0
    for name, spec in chosen.items():
        for seed in seeds:
            done += 1
            _log(progress, f"[{done}/{total}] {name} (seed {seed})")
            if spec["kind"] == "classical":
                proba, cost, details = _run_classical(name, spec, dataset, seed, cache, progress)
            else:
                proba, cost, details = _run_cnn(name, spec, dataset, seed, progress)
            metrics = classification_metrics(y_test, proba, dataset.n_classes)
            ci = bootstrap_ci(y_test, proba, dataset.n_classes, n_boot=n_boot, seed=seed)
            runs.append({"method": name, "kind": spec["kind"], "seed": seed, "split_sha256": digest,
                         "metrics": metrics, "ci95": ci, "cost": cost, "details": details,
                         "test_proba": proba.tolist()})
            _log(progress, f"    {name} seed {seed}: ACC {metrics['accuracy']:.3f}  AUC {metrics['auc']:.3f}  "
                           f"fit {cost['fit_s']:.1f}s")

    results = {
        "name": cfg.get("name", "benchmark"),
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "quick": bool(quick), "seeds": seeds, "bootstrap": n_boot,
        "config": {k: v for k, v in cfg.items() if not k.startswith("_")} | {"path": cfg.get("_path")},
        "dataset": {"name": dataset.name, "description": dataset.description,
                    "class_names": list(dataset.class_names), "n_classes": dataset.n_classes,
                    "ndim": dataset.ndim, "rgb": dataset.rgb, "counts": dataset.counts(),
                    "official_split": dataset.official_split, "split_sha256": digest,
                    "test_labels": y_test.tolist(), "info": _jsonable(dataset.info)},
        "environment": _environment(),
        "runs": runs,
        "published": _published(cfg, dataset),
    }
    results["summary"] = summarise(runs)
    if out is not None:
        from .report import write_report

        paths = write_report(results, out)
        _log(progress, f"wrote {', '.join(str(p) for p in paths.values())}")
    return results


def _preload(methods):
    """Import the model libraries before any clock starts: a one-off import is nobody's fit time."""
    import sklearn.svm  # noqa: F401

    if any(s.get("model") == "xgboost" for s in methods.values()):
        import xgboost  # noqa: F401
    if any(s["kind"] == "cnn" for s in methods.values()):
        import torch  # noqa: F401


def _set_threads(n):
    import numba

    numba.set_num_threads(min(n, numba.config.NUMBA_NUM_THREADS))
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:
        pass


def _jsonable(obj):
    return json.loads(json.dumps(obj, default=str))

