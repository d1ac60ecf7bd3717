"""``radfeat train`` / ``radfeat predict``: fit a classical pipeline on a data set, save it safely.

A training config (YAML)::

    data:
      medmnist: ../shared/data/medmnist-breastmnist/breastmnist.npz   # or:
      # folder: images/          labels: labels.csv      (columns: image, label)
      # manifest: cases.csv      label_column: Label     (pyradiomics batch CSV + a label column)
    model: svm                     # svm | xgboost | logreg | random_forest
    features: {settings: {binCount: 32}, families: [firstorder, glcm, glrlm, glszm, gldm, ngtdm]}
    select_k: null
    search: {cv: 3}                # optional grid search over param_grid(model)

Models are written with skops (no arbitrary pickle). The file holds the pipeline, the class
labels, the feature names and radfeat's feature version; loading refuses any type outside
radfeat, scikit-learn, XGBoost, NumPy and SciPy, and a file from another feature version.
"""

from __future__ import annotations

import datetime as _dt
import json
from pathlib import Path

import numpy as np

from . import FEATURE_VERSION  # re-exported: model files record it
from .exceptions import ConfigError, RadfeatError

__all__ = ["FEATURE_VERSION", "load_training_data", "train", "save_model", "load_model", "predict",
           "ModelFileError"]

TRUSTED_PREFIXES = ("radfeat.", "sklearn.", "xgboost.", "numpy.", "scipy.", "builtins.", "collections.")


class ModelFileError(RadfeatError, ValueError):
    """A model file that is untrusted, corrupt, or from another radfeat feature version."""


def _read_config(path) -> dict:
    import yaml

    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: training config not found")
    cfg = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    unknown = set(cfg) - {"data", "model", "features", "select_k", "search", "random_state"}
    if unknown:
        raise ConfigError(f"{path}: unknown keys {sorted(unknown)} (known: data, model, features, select_k, search, "
                          "random_state)")
    cfg["_base"] = path.parent
    return cfg


def _resolve(base: Path, value) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def load_training_data(data: dict, base=Path(".")):
    """``(X_train, y_train, X_test, y_test, description)`` from a config's ``data`` section.

    The section is read by :func:`radfeat.datasets.load_dataset`. MedMNIST (and any data set
    with its own split, e.g. a ``split`` column): train + val train, test is held out. Folders,
    manifests and synthetic data without one: a stratified 80/20 split (seed 0). Labels are
    returned as their original values (integers, or strings).
    """
    from .datasets import load_dataset

    if not isinstance(data, dict) or not ({"medmnist", "folder", "manifest", "synthetic"} & set(data)):
        raise ConfigError("data needs one of: medmnist, folder (+ labels), manifest (+ label_column), synthetic")
    ds = load_dataset(data, base)
    kind = ds.info.get("kind")
    desc = {"medmnist": f"MedMNIST {ds.name} (train+val / test)", "folder": f"image folder {ds.info.get('source')}",
            "manifest": f"manifest {ds.info.get('source')}"}.get(kind, ds.description)
    values = ds.info.get("label_values")
    y_all = np.asarray(values)[ds.y] if values is not None and kind != "medmnist" else ds.y
    if ds.official_split:
        tr, te = ds.indices(["train", "val"]), ds.indices("test")
        if kind != "medmnist":
            desc += " (train+val / test)"
    else:
        from sklearn.model_selection import train_test_split

        tr, te = train_test_split(np.arange(len(ds.y)), test_size=0.2, random_state=0, stratify=y_all)
    if isinstance(ds.X, np.ndarray):
        return ds.X[tr], y_all[tr], ds.X[te], y_all[te], desc
    return [ds.X[i] for i in tr], y_all[tr], [ds.X[i] for i in te], y_all[te], desc


def _metrics(y_true, proba, classes):
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, roc_auc_score

    pred = classes[np.argmax(proba, axis=1)]
    out = {"accuracy": float(accuracy_score(y_true, pred)),
           "balanced_accuracy": float(balanced_accuracy_score(y_true, pred))}
    try:
        out["auc"] = float(roc_auc_score(y_true, proba[:, 1]) if len(classes) == 2 else
                           roc_auc_score(y_true, proba, multi_class="ovr", labels=classes))
    except ValueError:
        out["auc"] = float("nan")
    return out


def train(config_path, output) -> dict:
    """Fit the configured pipeline, evaluate it on the held-out split, save model + model card."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from .sklearn import RadiomicsFeatures, make_classifier_pipeline, param_grid

    cfg = _read_config(config_path)
    X, y, X_test, y_test, description = load_training_data(cfg.get("data") or {}, cfg["_base"])
    model = cfg.get("model", "svm")
    feat_cfg = dict(cfg.get("features") or {})
    if "params" in feat_cfg and isinstance(feat_cfg["params"], str):
        feat_cfg["params"] = str(_resolve(cfg["_base"], feat_cfg["params"]))
    pipe = make_classifier_pipeline(model, features=RadiomicsFeatures(**feat_cfg), select_k=cfg.get("select_k"),
                                    random_state=cfg.get("random_state", 0))
    search = cfg.get("search")
    if search:
        cv = StratifiedKFold(int(search.get("cv", 3)), shuffle=True, random_state=0)
        grid = search.get("grid") or param_grid(model)
        pipe = GridSearchCV(pipe, grid, cv=cv, scoring=search.get("scoring", "roc_auc_ovr"), n_jobs=None).fit(X, y)
        best = pipe.best_estimator_
        chosen = pipe.best_params_
    else:
        best = pipe.fit(X, y)
        chosen = {}
    classes = best.classes_
    metrics = _metrics(y_test, best.predict_proba(X_test), classes)
    names = list(best.named_steps["features"].get_feature_names_out())
    save_model(best, output, classes=classes, feature_names=names)
    card = model_card(best, description, model, chosen, metrics, names, len(y), len(y_test))
    Path(output).with_suffix(".md").write_text(card, encoding="utf-8")
    return {"metrics": metrics, "model": str(output), "card": str(Path(output).with_suffix(".md"))}


def _top_features(pipe, names, k=15):
    steps = pipe.named_steps
    kept = np.array(names)
    for key in ("variance", "select"):
        step = steps.get(key)
        if step is not None and step != "passthrough" and hasattr(step, "get_support"):
            kept = kept[step.get_support()]
    est = steps["model"]
    inner = getattr(est, "estimator", est)
    for attr in ("feature_importances_", "coef_"):
        values = getattr(inner, attr, None)
        if values is None:
            for sub in (getattr(est, "calibrated_classifiers_", None) or []):
                values = getattr(getattr(sub, "estimator", None), attr, None)
                if values is not None:
                    break
        if values is not None:
            score = np.abs(np.atleast_2d(values)).mean(axis=0)
            order = np.argsort(score)[::-1][:k]
            return [(kept[i], float(score[i])) for i in order if i < len(kept)], attr
    return [], None


def model_card(pipe, data, model, chosen, metrics, names, n_train, n_test) -> str:
    """A Markdown model card: data, settings, held-out metrics, top features, versions."""
    from .io.writers import package_versions

    feats = pipe.named_steps["features"]
    top, source = _top_features(pipe, names)
    lines = [f"# radfeat model card: {model}", "",
             f"- created: {_dt.datetime.now(_dt.timezone.utc).isoformat(timespec='seconds')}",
             f"- data: {data}; {n_train} training images, {n_test} held-out test images",
             f"- classes: {', '.join(map(str, pipe.classes_))}",
             f"- features: {len(names)} radfeat features (feature version {FEATURE_VERSION}); "
             f"extractor settings: `{json.dumps({k: v for k, v in feats.get_params().items() if v is not None}, default=str)}`",
             f"- pipeline: {' -> '.join(name for name, _ in pipe.steps)}",
             f"- search: {json.dumps(chosen, default=str) if chosen else 'none (fixed hyperparameters)'}",
             "", "## Held-out test metrics", "", "| metric | value |", "| --- | ---: |"]
    lines += [f"| {k} | {v:.4f} |" for k, v in metrics.items()]
    if top:
        lines += ["", f"## Top features ({source})", "", "| feature | score |", "| --- | ---: |"]
        lines += [f"| {n} | {v:.4g} |" for n, v in top]
    lines += ["", "## Versions", ""] + [f"- {k}: {v}" for k, v in package_versions().items() if v]
    try:
        import sklearn

        lines.append(f"- scikit-learn: {sklearn.__version__}")
    except ImportError:
        pass
    return "\n".join(lines) + "\n"


def save_model(pipe, path, *, classes, feature_names) -> Path:
    """Write ``{pipeline, classes, feature names, feature version}`` with skops."""
    import skops.io as sio

    from . import __version__

    doc = {"radfeat_model": 1, "feature_version": FEATURE_VERSION, "radfeat_version": __version__,
           "classes": [c.item() if hasattr(c, "item") else c for c in classes],
           "feature_names": list(feature_names), "pipeline": pipe}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.dump(doc, path)
    return path


def load_model(path):
    """Load a model file written by :func:`save_model`, refusing untrusted types and other versions."""
    import skops.io as sio

    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: model file not found")
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelFileError(f"{path}: not a skops model file ({exc})") from None
    refused = [t for t in untrusted if not t.startswith(TRUSTED_PREFIXES)]
    if refused:
        raise ModelFileError(f"{path}: refusing to load untrusted types: {', '.join(refused)}")
    doc = sio.load(path, trusted=untrusted)
    if not isinstance(doc, dict) or doc.get("radfeat_model") != 1:
        raise ModelFileError(f"{path}: not a radfeat model file")
    if doc.get("feature_version") != FEATURE_VERSION:
        raise ModelFileError(f"{path}: made with radfeat feature version {doc.get('feature_version')} "
                             f"(radfeat {doc.get('radfeat_version')}); this radfeat computes feature version "
                             f"{FEATURE_VERSION}: retrain the model")
    return doc


def predict(model_path, images):
    """Class probabilities for image files: a DataFrame with ``image``, ``prediction``, ``p_<class>``."""
    import pandas as pd

    doc = load_model(model_path)
    pipe = doc["pipeline"]
    proba = pipe.predict_proba([str(p) for p in images])
    classes = np.asarray(doc["classes"])
    frame = pd.DataFrame({"image": [str(p) for p in images], "prediction": classes[np.argmax(proba, axis=1)]})
    for k, c in enumerate(classes):
        frame[f"p_{c}"] = proba[:, k]
    return frame
