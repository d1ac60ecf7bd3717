"""radfeat.sklearn: the stateless transformer, its fast path and cache, and the model pipelines.

Real data: BreastMNIST (2D grey ultrasound, binary) and RetinaMNIST (2D colour fundus, 5
classes) from the shared data folder; 3D: seeded synthetic lesions with masks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from conftest import DATA_DIR  # noqa: E402
from radfeat.datasets.synthetic import synthetic_case  # noqa: E402
from radfeat.exceptions import ConfigError, ImageReadError, InvalidROIError  # noqa: E402
from radfeat.extraction import Extractor  # noqa: E402
from radfeat.sklearn import (RadiomicsFeatures, make_classifier_pipeline, param_grid)  # noqa: E402
from radfeat.testing import check_extractor  # noqa: E402
import radfeat.sklearn as rsk  # noqa: E402

BREAST = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"
RETINA = DATA_DIR / "medmnist-retinamnist" / "retinamnist.npz"


def _load(path):
    if not path.exists():
        pytest.skip(f"{path} not found (set RADFEAT_DATA)")
    with np.load(path) as d:
        return {k: d[k] for k in d.files}


@pytest.fixture(scope="module")
def breast():
    return _load(BREAST)


@pytest.fixture(scope="module")
def retina():
    return _load(RETINA)


def _per_class(labels, n, classes=None):
    """Indices of the first ``n`` samples of each class (a small, balanced, deterministic subset)."""
    labels = np.asarray(labels).ravel()
    classes = np.unique(labels) if classes is None else classes
    return np.sort(np.concatenate([np.flatnonzero(labels == c)[:n] for c in classes]))


@pytest.fixture(scope="module")
def volumes():
    """12 synthetic 3D lesions with masks; the label is the boundary irregularity (smooth vs lobulated)."""
    cases = [synthetic_case((10, 20, 20), seed=s, irregularity=0.05 if s % 2 else 0.45) for s in range(12)]
    return [(image, mask) for image, mask in cases], np.arange(12) % 2


class _Counter:
    """Counts the images that reach extraction (cache misses), by wrapping RadiomicsFeatures._compute."""

    def __init__(self, monkeypatch):
        self.images = 0
        original = RadiomicsFeatures._compute

        def counting(est, inputs, *args, **kwargs):
            self.images += len(inputs)
            return original(est, inputs, *args, **kwargs)

        monkeypatch.setattr(RadiomicsFeatures, "_compute", counting)


# ------------------------------------------------------------------------------ contract checks


def test_check_extractor_breastmnist(breast):
    idx = _per_class(breast["train_labels"], 20)
    ran = check_extractor(RadiomicsFeatures(), breast["train_images"][idx], breast["train_labels"][idx])
    assert "grid_search" in ran and "row_order" in ran


def test_check_extractor_3d_with_masks_and_cache(volumes, tmp_path):
    X, y = volumes
    check_extractor(RadiomicsFeatures(spacing=(2.0, 1.0, 1.0), memory=tmp_path), X, y)


def test_check_extractor_rgb_multiclass(retina):
    idx = _per_class(retina["train_labels"], 8)
    X, y = retina["train_images"][idx], retina["train_labels"][idx]
    assert X.shape[1:] == (28, 28, 3) and len(np.unique(y)) == 5
    check_extractor(RadiomicsFeatures(), X, y)


class _SortsRows(RadiomicsFeatures):
    def transform(self, X):
        out = super().transform(X)
        return out[np.argsort(np.nansum(out, axis=1), kind="stable")]


class _ValidatesInInit(RadiomicsFeatures):
    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self.config_ = params


@pytest.mark.parametrize("broken, check", [(_SortsRows(), "row_order"), (_ValidatesInInit(), "init_stores_params")])
def test_check_extractor_catches_broken_estimators(breast, broken, check):
    idx = _per_class(breast["train_labels"], 6)
    with pytest.raises(AssertionError, match=check):
        check_extractor(broken, breast["train_images"][idx], breast["train_labels"][idx],
                        checks=["init_stores_params", "row_order"])


def test_only_radfeat_sklearn_imports_sklearn_at_import_time():
    import pkgutil
    import subprocess
    import sys

    import radfeat

    # radfeat.models holds scikit-learn estimators (CNNClassifier) on top of radfeat.sklearn
    modules = [m.name for m in pkgutil.walk_packages(radfeat.__path__, "radfeat.")
               if m.name not in ("radfeat.sklearn", "radfeat.__main__") and not m.name.startswith("radfeat.models.")]
    code = (f"import importlib, sys\nfor m in {modules!r}: importlib.import_module(m)\n"
            "print([m for m in sys.modules if m == 'sklearn' or m.startswith('sklearn.')][:3])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", f"importing radfeat's modules loaded scikit-learn: {out.stdout}"


# ------------------------------------------------------------------------------------ fast path


@pytest.mark.parametrize("kwargs", [
    {},
    {"settings": {"binCount": 32}, "batch_size": 7},  # several chunks, a ragged last one
    {"families": {"firstorder": [], "glcm": ["Contrast", "Idmn"], "glszm": []},
     "settings": {"distances": [1, 2], "voxelArrayShift": 10}},
    {"params": {"binWidth": 10, "force2D": True, "weightingNorm": "euclidean"}, "spacing": (0.5, 0.8)},
    {"families": ["firstorder", "lbp", "haralick", "gldm", "ngtdm"], "settings": {"lbpRadius": 2}},
])
def test_fast_path_equals_per_image(breast, kwargs, monkeypatch):
    images = breast["train_images"][:60]
    calls = []
    original = rsk._extract_rows
    monkeypatch.setattr(rsk, "_extract_rows", lambda items, *a, **k: calls.append(len(items)) or original(items, *a, **k))
    fast = RadiomicsFeatures(**kwargs).fit_transform(images)
    assert calls == [1], f"the fast path extracted {calls} image(s) one by one instead of one (for shape)"
    slow = RadiomicsFeatures(fast_path=False, **kwargs).fit_transform(images)
    assert sum(calls) == 1 + len(images)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=0)


def test_fast_path_equals_per_image_rgb(retina):
    images = retina["train_images"][:40]
    fast = RadiomicsFeatures(batch_size=16).fit_transform(images)
    slow = RadiomicsFeatures(fast_path=False).fit_transform(images)
    names = RadiomicsFeatures().fit(images).get_feature_names_out()
    assert any(n.startswith("original_color_") for n in names)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=0)
    red = RadiomicsFeatures(settings={"colorChannel": "R"})
    np.testing.assert_allclose(red.fit_transform(images), RadiomicsFeatures(settings={"colorChannel": "R"},
                                                                            fast_path=False).fit_transform(images),
                               rtol=1e-9, atol=0)


def test_fast_path_colour_only_and_mixed(retina, monkeypatch):
    # each family gets the stacks its batch kernel registered to read: colour alone never makes the
    # grey stack, LBP gets the grey intensities, GLCM the levels
    images = retina["train_images"][:12]
    made = []
    original = rsk._grey_stack
    monkeypatch.setattr(rsk, "_grey_stack", lambda *a: made.append(1) or original(*a))
    grey = {"colorChannel": "gray"}  # the grey families named on a colour image need a channel
    for families, greys in ((["color"], 0), (["color", "lbp", "glcm"], 2)):
        made.clear()
        fast = RadiomicsFeatures(families=families, settings=grey, batch_size=6).fit_transform(images)
        assert len(made) == greys  # once per chunk, shared by LBP and the levels of GLCM
        slow = RadiomicsFeatures(families=families, settings=grey, fast_path=False).fit_transform(images)
        np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=0)


def test_batch_kernels_declare_what_they_read():
    from radfeat.features.registry import BATCH_INPUTS, get_family, register_batch

    reads = {name: get_family(name).batch_reads for name in
             ("firstorder", "color", "lbp", "glcm", "glrlm", "glszm", "gldm", "ngtdm", "haralick", "gabor")}
    assert reads == {"firstorder": ("intensities", "levels"), "color": ("colour",), "lbp": ("intensities",),
                     "glcm": ("levels",), "glrlm": ("levels",), "glszm": ("levels",), "gldm": ("levels",),
                     "ngtdm": ("levels",), "haralick": ("levels",), "gabor": ()}
    assert get_family("gabor").batch is None
    assert set(BATCH_INPUTS) == {"levels", "intensities", "colour"}
    with pytest.raises(ValueError, match="reads must name some of"):
        register_batch("glcm", reads=("pixels",))


def test_firstorder_batch_reads_spacing_and_shift():
    from radfeat.features.firstorder import compute_firstorder
    from radfeat.features.registry import get_family
    from radfeat.features.roi import RoiData

    rng = np.random.default_rng(5)
    images = rng.normal(100, 20, size=(6, 9, 11))
    masks = rng.random(images.shape) < 0.8
    settings = {"binWidth": 8, "voxelArrayShift": 30, "spacing": np.array([0.5, 2.5])}
    rois = [RoiData(images[k], masks[k], (0.5, 2.5), settings) for k in range(len(images))]
    levels = np.stack([r.levels for r in rois])
    batch = get_family("firstorder").batch(images, levels, masks, settings)
    np.testing.assert_allclose(batch, np.array([compute_firstorder(r) for r in rois]), rtol=1e-12)
    with pytest.raises(ValueError, match="stacks of one shape"):
        get_family("firstorder").batch(images, levels[:, :-1], masks, settings)


def test_fast_path_equals_per_image_3d():
    images = np.stack([synthetic_case((6, 10, 10), seed=s)[0] for s in range(5)])
    fast = RadiomicsFeatures(spacing=(2.0, 1.0, 1.0)).fit_transform(images)
    slow = RadiomicsFeatures(spacing=(2.0, 1.0, 1.0), fast_path=False).fit_transform(images)
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=0)


def test_fast_path_not_taken_where_it_cannot_match(breast, monkeypatch):
    images = breast["train_images"][:4]
    calls = []
    original = rsk._extract_rows
    monkeypatch.setattr(rsk, "_extract_rows", lambda items, *a, **k: calls.append(len(items)) or original(items, *a, **k))
    for kwargs in ({"image_types": {"Original": {}, "LoG": {"sigma": [1.0]}}},
                   {"settings": {"resegmentRange": [10, 250]}},
                   {"settings": {"compat": "ibsi"}},
                   {"families": ["firstorder", "gabor"]}):  # no batch kernel
        calls.clear()
        RadiomicsFeatures(**kwargs).fit_transform(images)
        assert calls == [len(images)], f"{kwargs}: expected per-image extraction, got calls {calls}"


# ---------------------------------------------------------------------------------------- cache


def test_memory_extracts_each_image_once_in_grid_search(breast, tmp_path, monkeypatch):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    idx = _per_class(breast["train_labels"], 30)
    X, y = breast["train_images"][idx], breast["train_labels"][idx]
    counter = _Counter(monkeypatch)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    grid = {"model__C": [0.01, 0.1, 1.0]}
    GridSearchCV(make_classifier_pipeline("logreg"), grid, cv=cv).fit(X, y)
    uncached = counter.images
    assert uncached >= 3 * 3 * len(X)  # every fold of every candidate extracts its rows again

    counter.images = 0
    search = GridSearchCV(make_classifier_pipeline("logreg", memory=tmp_path), grid, cv=cv).fit(X, y)
    assert counter.images == len(X), f"{counter.images} extractions for {len(X)} distinct images"
    counter.images = 0
    search.best_estimator_.predict_proba(X)
    assert counter.images == 0
    # a different configuration is a different cache entry
    RadiomicsFeatures(memory=tmp_path, settings={"binCount": 8}).fit_transform(X[:5])
    assert counter.images == 5


def test_memory_keys_on_content_and_masks(volumes, tmp_path, monkeypatch):
    X, _ = volumes
    counter = _Counter(monkeypatch)
    rf = RadiomicsFeatures(memory=str(tmp_path))
    first = rf.fit_transform(X[:4])
    copies = [(image.copy(), mask.copy()) for image, mask in X[:4]]  # same content, new objects
    np.testing.assert_array_equal(rf.transform(copies), first)
    assert counter.images == 4
    holed = []
    for image, mask in X[:4]:
        mask = mask.copy()
        mask[5, 10, 10] = 0  # one voxel less at the lesion's centre
        holed.append((image, mask))
    rf.transform(holed)
    assert counter.images == 8


# --------------------------------------------------------------------- input forms and errors


def test_input_forms_agree(breast, tmp_path):
    images = breast["train_images"][:6]
    rf = RadiomicsFeatures()
    ref = rf.fit_transform(images)
    np.testing.assert_array_equal(rf.transform(list(images)), ref)
    np.testing.assert_array_equal(rf.transform([(im, None) for im in images]), ref)
    whole = np.ones(images.shape[1:], np.uint8)
    np.testing.assert_allclose(rf.transform([(im, whole) for im in images]), ref, rtol=1e-9, atol=0)
    paths = []
    for i, im in enumerate(images):
        np.save(tmp_path / f"{i}.npy", im)
        paths.append(str(tmp_path / f"{i}.npy"))
    np.testing.assert_allclose(rf.transform(paths), ref, rtol=1e-9, atol=0)
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"Image": paths, "Mask": [None] * len(paths)})
    np.testing.assert_allclose(rf.transform(frame), ref, rtol=1e-9, atol=0)


def test_feature_names_before_and_after_fit(retina):
    assert list(RadiomicsFeatures().get_feature_names_out()) == Extractor().feature_names(2)
    assert list(RadiomicsFeatures(ndim=3).get_feature_names_out()) == Extractor().feature_names(3)
    assert list(RadiomicsFeatures(rgb=True).get_feature_names_out()) == Extractor().feature_names(2, True)
    default = RadiomicsFeatures().get_feature_names_out()
    classes = {n.split("_")[1] for n in default}
    assert {"firstorder", "shape2D", "glcm", "glrlm", "glszm", "gldm", "ngtdm"} <= classes  # pyradiomics' set
    rf = RadiomicsFeatures().fit(retina["train_images"][:3])
    assert rf.rgb_ and list(rf.get_feature_names_out()) == Extractor().feature_names(2, True)
    # an (N, D, H, 3) grey volume stack, told apart from colour by the hint
    vol = RadiomicsFeatures(rgb=False).fit(retina["train_images"][:3, :, :, :].astype(np.float64))
    assert vol.ndim_ == 3 and not vol.rgb_
    with pytest.raises(ValueError, match="colour image"):
        rf.transform(retina["train_images"][:3, :, :, 0])
    grey = RadiomicsFeatures().fit(retina["train_images"][:3, :, :, 0])
    with pytest.raises(ValueError, match="fitted on 2D grey"):
        grey.transform(np.stack([synthetic_case((4, 8, 8), seed=s)[0] for s in range(2)]))


def test_params_forms():
    images = np.stack([synthetic_case((20, 20), seed=s)[0] for s in range(4)])
    a = RadiomicsFeatures(params={"binWidth": 25}).fit_transform(images)
    b = RadiomicsFeatures(params={"setting": {"binWidth": 25}}).fit_transform(images)
    np.testing.assert_array_equal(a, b)
    c = RadiomicsFeatures(params={"binWidth": 25}, settings={"binCount": 8}).fit_transform(images)
    assert not np.array_equal(a, c)
    rf = RadiomicsFeatures(families=["firstorder"]).fit(images)
    assert all(n.startswith("original_firstorder_") for n in rf.get_feature_names_out())
    with pytest.raises(ConfigError, match="did you mean"):
        RadiomicsFeatures(families=["glcn"]).fit(images)
    with pytest.raises(ConfigError):
        RadiomicsFeatures(params={"binWidht": 25}).fit(images)


def test_undefined_features_are_nan_but_input_errors_raise(tmp_path):
    image, mask = synthetic_case((20, 20), seed=0)
    dot = np.zeros_like(mask)
    dot[5, 5] = 1
    line = np.zeros_like(mask)
    line[5, 3:9] = 1  # one row: 1D, below minimumROIDimensions=2
    X = [(image, mask), (image, dot), (image, line)]
    out = RadiomicsFeatures().fit_transform(X)
    assert np.isfinite(out[0]).all() and np.isnan(out[1:]).all()
    relaxed = RadiomicsFeatures(settings={"minimumROIDimensions": 1}).fit_transform(X)
    names = RadiomicsFeatures().fit(X).get_feature_names_out()
    first_order = np.array([n.startswith("original_firstorder_") for n in names])
    assert np.isfinite(relaxed[2, first_order]).all()  # defined families kept on the 1D ROI
    with pytest.raises(InvalidROIError, match=r"X\[1\]"):
        RadiomicsFeatures(undefined="raise").fit_transform(X)
    with pytest.warns(RuntimeWarning, match="NaN"):
        RadiomicsFeatures(undefined="warn").fit_transform(X)
    flat = np.full((3, 16, 16), 7, np.uint8)  # texture of a flat image: pyradiomics' conventions, no error
    assert RadiomicsFeatures().fit_transform(flat).shape[0] == 3
    missing = [str(tmp_path / "missing.nrrd")]
    with pytest.raises(ImageReadError, match="missing.nrrd"):
        RadiomicsFeatures().fit(missing)
    with pytest.raises(ImageReadError, match="missing.nrrd"):
        RadiomicsFeatures().transform(missing)
    with pytest.raises(ValueError, match="single image"):
        RadiomicsFeatures().fit(image)


def test_n_jobs_processes_match_serial(volumes):
    X, _ = volumes
    serial = RadiomicsFeatures().fit_transform(X[:4])
    parallel = RadiomicsFeatures(n_jobs=2).fit_transform(X[:4])
    np.testing.assert_array_equal(parallel, serial)


# ------------------------------------------------------------------------------------ pipelines


def test_pipeline_pandas_output_and_column_labels(breast):
    idx = _per_class(breast["train_labels"], 15)
    X, y = breast["train_images"][idx], breast["train_labels"][idx]
    assert y.shape == (30, 1)
    pipe = make_classifier_pipeline("logreg", select_k=10).set_output(transform="pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (N, 1) labels: no DataConversionWarning, no other noise
        pipe.fit(X, y)
        frame = pipe[:-1].transform(X)
    assert frame.shape == (30, 10) and all(c.startswith("original_") for c in frame.columns)
    assert list(pipe[:-1].get_feature_names_out()) == list(frame.columns)
    assert pipe.predict(X).shape == (30,)


@pytest.mark.parametrize("model", ["svm", "xgboost", "logreg", "random_forest"])
def test_models_binary_and_multiclass(retina, model):
    pytest.importorskip("xgboost") if model == "xgboost" else None
    idx = _per_class(retina["train_labels"], 12)
    X, y = retina["train_images"][idx], retina["train_labels"][idx]
    pipe = make_classifier_pipeline(model, model_params={"n_estimators": 50} if model == "random_forest" else None)
    proba = pipe.fit(X, y).predict_proba(X)
    assert proba.shape == (len(X), 5) and np.allclose(proba.sum(axis=1), 1)
    binary = (y.ravel() > 0).astype(int)
    assert make_classifier_pipeline(model).fit(X, binary).predict_proba(X).shape == (len(X), 2)
    grid = param_grid(model)
    assert grid and all(k.startswith("model__") for k in grid)
    pipe.set_params(**{k: v[0] for k, v in grid.items()})  # every key names a real parameter


def test_xgboost_validation_mask_is_routed(breast):
    pytest.importorskip("xgboost")
    idx = _per_class(breast["train_labels"], 40)
    X, y = breast["train_images"][idx], breast["train_labels"][idx]
    mask = np.zeros(len(X), bool)
    mask[::4] = True
    pipe = make_classifier_pipeline("xgboost").fit(X, y, model__validation_mask=mask)
    model = pipe.named_steps["model"]
    assert 1 <= model.best_iteration_ <= model.n_estimators


def test_breastmnist_test_auc(breast):
    """SVM and XGBoost on all of BreastMNIST train (+ val for XGBoost's early stopping), scored on test.

    Threshold 0.75: chance is 0.5; the published 28x28 baselines are 0.836 (auto-sklearn) and
    0.901 (ResNet-18), and these default pipelines score about 0.78 (SVM) and 0.83 (XGBoost), so
    0.75 leaves room for platform noise while still failing a pipeline that mixes up rows or
    feature columns (which lands near 0.5).
    """
    pytest.importorskip("xgboost")
    from sklearn.metrics import roc_auc_score

    X_test, y_test = breast["test_images"], breast["test_labels"].ravel()
    svm = make_classifier_pipeline("svm").fit(breast["train_images"], breast["train_labels"])
    auc_svm = roc_auc_score(y_test, svm.predict_proba(X_test)[:, 1])
    X = np.concatenate([breast["train_images"], breast["val_images"]])
    y = np.concatenate([breast["train_labels"], breast["val_labels"]])
    is_val = np.r_[np.zeros(len(breast["train_images"]), bool), np.ones(len(breast["val_images"]), bool)]
    xgb = make_classifier_pipeline("xgboost").fit(X, y, model__validation_mask=is_val)
    auc_xgb = roc_auc_score(y_test, xgb.predict_proba(X_test)[:, 1])
    assert auc_svm >= 0.75 and auc_xgb >= 0.75, f"test AUC: SVM {auc_svm:.3f}, XGBoost {auc_xgb:.3f}"
