"""Contract checks for radfeat's scikit-learn transformer.

scikit-learn's common estimator checks feed 2D numeric tables and skip estimators whose input
is images, so :func:`check_extractor` runs radfeat's own version of them on real images::

    from radfeat.sklearn import RadiomicsFeatures
    from radfeat.testing import check_extractor

    check_extractor(RadiomicsFeatures(), images, labels)   # a few tens of images, >= 2 per class

Each check raises :class:`AssertionError` naming the check and what broke. scikit-learn names
are taken from :mod:`radfeat.sklearn`, which stays the one radfeat module importing sklearn.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np

__all__ = ["check_extractor", "CHECKS"]


# ---------------------------------------------------------------------------------------- helpers


def _tools():
    from .sklearn import _sklearn_tools

    return _sklearn_tools()


def _take(X, index):
    """Rows ``index`` of X in the form it came in (array, DataFrame or sequence)."""
    index = np.asarray(index, dtype=np.intp)
    if hasattr(X, "iloc"):
        return X.iloc[index]
    if isinstance(X, np.ndarray):
        return X[index]
    return [X[i] for i in index]


def _same_value(a, b) -> bool:
    if a is b:
        return True
    try:
        equal = a == b
        if isinstance(equal, np.ndarray):
            return bool(equal.all())
        return bool(equal)
    except Exception:
        import joblib

        return joblib.hash(a) == joblib.hash(b)


def _assert_same_params(p1, p2, what):
    assert set(p1) == set(p2), f"{what}: parameter names differ: {sorted(set(p1) ^ set(p2))}"
    different = [k for k in p1 if not _same_value(p1[k], p2[k])]
    assert not different, f"{what}: parameters {different} changed ({[(p1[k], p2[k]) for k in different]})"


def _assert_same_output(a, b, what):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, f"{what}: output shapes differ, {a.shape} vs {b.shape}"
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    if not same.all():
        rows, cols = np.nonzero(~same)
        raise AssertionError(f"{what}: {int((~same).sum())} value(s) differ, first at row {rows[0]} column "
                             f"{cols[0]}: {a[rows[0], cols[0]]!r} vs {b[rows[0], cols[0]]!r}")


def _uncached(estimator, tools):
    # the core checks must exercise extraction itself, not read back a cache
    est = tools.clone(estimator)
    if "memory" in est.get_params(deep=False):
        est.set_params(memory=None)
    return est


def _cv(y, folds):
    counts = np.unique(np.asarray(y).ravel(), return_counts=True)[1]
    n_splits = int(min(folds, counts.min()))
    assert n_splits >= 2, f"check_extractor needs at least 2 samples of each class, got class counts {counts}"
    return _tools().StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=0)


def _pipeline(estimator):
    from .sklearn import make_classifier_pipeline

    # logistic regression: the fastest model that still needs the whole pipeline to run
    return make_classifier_pipeline("logreg", features=estimator)


# ----------------------------------------------------------------------------------------- checks


def check_clone(estimator, X, y, tools):
    """``clone`` gives an unfitted estimator with equal parameters, of a fitted one too."""
    c = tools.clone(estimator)
    assert type(c) is type(estimator), f"clone: type {type(c).__name__} instead of {type(estimator).__name__}"
    _assert_same_params(estimator.get_params(deep=False), c.get_params(deep=False), "clone")
    fitted = tools.clone(_uncached(estimator, tools)).fit(X, y)
    again = tools.clone(fitted)
    leaked = [k for k in vars(again) if k.endswith("_") and not k.startswith("_")]
    assert not leaked, f"clone: fitted attributes {leaked} survived cloning a fitted estimator"


def check_init_stores_params(estimator, X, y, tools):
    """``__init__`` only stores its arguments (sklearn's convention; nothing validated or derived there)."""
    params = estimator.get_params(deep=False)
    fresh = type(estimator)(**params)
    extra = sorted(set(vars(fresh)) - set(params))
    assert not extra, f"__init__: sets attributes {extra} besides its parameters"
    changed = [k for k in params if vars(fresh).get(k, object()) is not params[k]]
    assert not changed, f"__init__: parameters {changed} are not stored unchanged"


def check_get_set_params(estimator, X, y, tools):
    """``set_params(**get_params())`` round-trips, returns self, and rejects unknown names."""
    params = estimator.get_params(deep=False)
    other = tools.clone(estimator)
    returned = other.set_params(**params)
    assert returned is other, "set_params: does not return self"
    _assert_same_params(params, other.get_params(deep=False), "get_params/set_params round trip")
    try:
        other.set_params(not_a_parameter_of_radfeat=1)
    except ValueError:
        pass
    else:
        raise AssertionError("set_params: an unknown parameter name was accepted silently")


def check_fit_returns_self(estimator, X, y, tools):
    """``fit`` returns the estimator itself, with and without ``y``."""
    est = _uncached(estimator, tools)
    assert est.fit(X, y) is est, "fit: does not return self"
    assert tools.clone(est).fit(X) is not None, "fit: fails without y"


def check_output_shape_and_names(estimator, X, y, tools):
    """One float row per sample, one column per name of ``get_feature_names_out``, same names before fit."""
    est = _uncached(estimator, tools).fit(X, y)
    out = est.transform(X)
    names = est.get_feature_names_out()
    n = len(X)
    assert isinstance(out, np.ndarray) and out.dtype.kind == "f", \
        f"transform: expected a float ndarray, got {type(out).__name__} {getattr(out, 'dtype', '')}"
    assert out.shape == (n, len(names)), \
        f"transform: output shape {out.shape} but {n} samples and {len(names)} feature names"
    assert len(set(names)) == len(names), "get_feature_names_out: duplicate names"
    assert all(isinstance(s, str) for s in names), "get_feature_names_out: names are not all strings"
    hinted = tools.clone(est).set_params(ndim=est.ndim_, rgb=est.rgb_)
    before = hinted.get_feature_names_out()
    assert list(before) == list(names), \
        "get_feature_names_out: names before fit (from the ndim/rgb hints) differ from those after fit"


def check_stateless(estimator, X, y, tools):
    """Output does not depend on what ``fit`` saw, and ``transform`` works without ``fit``."""
    est = _uncached(estimator, tools)
    full = tools.clone(est).fit(X, y).transform(X)
    half = tools.clone(est).fit(_take(X, np.arange(max(1, len(X) // 2)))).transform(X)
    _assert_same_output(full, half, "statelessness (fit on half of X vs all of X)")
    unfitted = tools.clone(est).transform(X)
    _assert_same_output(full, unfitted, "statelessness (transform without fit)")


def check_deterministic(estimator, X, y, tools):
    """Two transforms of the same X agree exactly."""
    est = _uncached(estimator, tools).fit(X, y)
    _assert_same_output(est.transform(X), est.transform(X), "determinism")


def check_row_order(estimator, X, y, tools):
    """Permuting the samples permutes the output rows (no sorting or grouping leaks through)."""
    est = _uncached(estimator, tools).fit(X, y)
    out = est.transform(X)
    perm = np.random.default_rng(0).permutation(len(X))
    _assert_same_output(est.transform(_take(X, perm)), out[perm], "row order")


def check_pandas_output(estimator, X, y, tools):
    """``set_output(transform="pandas")`` gives a DataFrame with the feature names as columns."""
    import pandas as pd

    est = _uncached(estimator, tools)
    plain = tools.clone(est).fit_transform(X, y)
    df = tools.clone(est).set_output(transform="pandas").fit_transform(X, y)
    assert isinstance(df, pd.DataFrame), f"set_output(pandas): got {type(df).__name__}, not a DataFrame"
    names = tools.clone(est).fit(X, y).get_feature_names_out()
    assert list(df.columns) == list(names), "set_output(pandas): columns are not get_feature_names_out()"
    _assert_same_output(df.to_numpy(), plain, "set_output(pandas) values")


def check_pickle(estimator, X, y, tools):
    """A pickled and restored fitted estimator gives identical output."""
    est = _uncached(estimator, tools).fit(X, y)
    restored = pickle.loads(pickle.dumps(est))
    _assert_same_output(restored.transform(X), est.transform(X), "pickle round trip")


def check_memory(estimator, X, y, tools):
    """With ``memory`` set, cached rows equal freshly computed ones (skipped without ``memory``)."""
    if estimator.get_params(deep=False).get("memory") is None:
        return
    fresh = _uncached(estimator, tools).fit(X, y).transform(X)
    first = tools.clone(estimator).fit(X, y).transform(X)
    second = tools.clone(estimator).fit(X, y).transform(X)
    _assert_same_output(first, fresh, "memory cache (first pass)")
    _assert_same_output(second, fresh, "memory cache (read back)")


def check_pipeline_cross_val(estimator, X, y, tools):
    """The estimator runs as a Pipeline step under ``cross_val_score``, with (N, 1) labels too."""
    y = np.asarray(y)
    pipe = _pipeline(tools.clone(estimator))
    with warnings.catch_warnings():
        warnings.simplefilter("error", tools.DataConversionWarning)
        scores = tools.cross_val_score(pipe, X, y.reshape(-1, 1), cv=_cv(y, 3), error_score="raise")
    assert np.all(np.isfinite(scores)), f"cross_val_score: non-finite scores {scores}"


def check_grid_search(estimator, X, y, tools):
    """GridSearchCV over a radfeat parameter (``features__settings``: two binCount values) and a
    classifier parameter (``model__C``); the radfeat parameter must reach the extraction."""
    y = np.asarray(y).ravel()
    base = dict(estimator.get_params(deep=False).get("settings") or {})
    options = [{**base, "binCount": 8}, {**base, "binCount": 16}]
    a = _uncached(estimator, tools).set_params(settings=options[0]).fit_transform(X)
    b = _uncached(estimator, tools).set_params(settings=options[1]).fit_transform(X)
    assert not np.array_equal(a, b, equal_nan=True), \
        "features__settings: binCount 8 and 16 give identical features; the setting does not reach extraction"
    pipe = _pipeline(tools.clone(estimator))
    grid = {"features__settings": options, "model__C": [0.1, 1.0]}
    search = tools.GridSearchCV(pipe, grid, cv=_cv(y, 3), error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert len(scores) == 4 and np.all(np.isfinite(scores)), f"GridSearchCV: scores {scores}"
    assert search.best_params_["features__settings"] in options and search.best_params_["model__C"] in (0.1, 1.0), \
        f"GridSearchCV: best_params_ {search.best_params_} not from the grid"
    assert search.predict(X).shape == (len(X),), "GridSearchCV: predict of the refitted pipeline has a wrong shape"


#: (name, check) in the order :func:`check_extractor` runs them.
CHECKS = (
    ("clone", check_clone),
    ("init_stores_params", check_init_stores_params),
    ("get_set_params", check_get_set_params),
    ("fit_returns_self", check_fit_returns_self),
    ("output_shape_and_names", check_output_shape_and_names),
    ("stateless", check_stateless),
    ("deterministic", check_deterministic),
    ("row_order", check_row_order),
    ("pandas_output", check_pandas_output),
    ("pickle", check_pickle),
    ("memory", check_memory),
    ("pipeline_cross_val", check_pipeline_cross_val),
    ("grid_search", check_grid_search),
)


def check_extractor(estimator, X, y, *, checks=None):
    """Run radfeat's contract checks for an image-to-features transformer.

    Parameters
    ----------
    estimator : RadiomicsFeatures
        Unfitted; it is cloned for every check and never modified.
    X : images
        A small set of inputs the estimator accepts (tens of images keep this fast); at least
        two samples of each class of ``y``.
    y : array-like of shape (n_samples,) or (n_samples, 1)
        Class labels, for the Pipeline and GridSearchCV checks.
    checks : iterable of str, optional
        Names from :data:`CHECKS` to run (default: all).

    Returns
    -------
    list of str
        The checks that ran.

    Raises
    ------
    AssertionError
        At the first failing check, with the check's name and what broke.
    """
    tools = _tools()
    y = np.asarray(y)
    if len(y) != len(X):
        raise ValueError(f"X has {len(X)} samples but y has {len(y)}")
    wanted = None if checks is None else set(checks)
    if wanted is not None:
        unknown = wanted - {name for name, _ in CHECKS}
        if unknown:
            raise ValueError(f"unknown checks {sorted(unknown)}; known: {[n for n, _ in CHECKS]}")
    ran = []
    for name, check in CHECKS:
        if wanted is not None and name not in wanted:
            continue
        try:
            check(estimator, X, y, tools)
        except AssertionError as exc:
            raise AssertionError(f"check_extractor[{name}]: {exc}") from None
        ran.append(name)
    return ran
