"""GLCM: radfeat against pyradiomics 3.0.1 (computed live), its baseline matrices, a naive
reference, a hand-computed case, and the batch kernel against the per-image path.

Every feature comparison uses rtol 1e-6, atol 1e-9 (``assert_features_close``'s defaults).
Set ``NUMBA_DISABLE_JIT=1`` to run the kernels as plain Python (with ``-m "not heavy"``: the
large pyradiomics cases are marked ``heavy``, large random images are skipped).
"""

from __future__ import annotations

import ast
import csv

import numpy as np
import pytest

from conftest import PYRAD_DIR, assert_features_close
from _reference.glcm_naive import angles_naive, glcm_features_naive, glcm_naive

radiomics = pytest.importorskip("radiomics")
from radiomics import cMatrices  # noqa: E402
from radiomics.glcm import RadiomicsGLCM  # noqa: E402

from _reference.oracle import (CASE_PARAMS, NO_JIT, Oracle, assert_batch_rows,  # noqa: E402
                               assert_size_guard, batch_stack, corners_mask, cropped_case, edge_case_rois,
                               random_roi, roi_from_sitk, to_sitk)
from radfeat._kernels import _neighbours  # noqa: E402
from radfeat._kernels import glcm as K  # noqa: E402
from radfeat.exceptions import ConfigError, EmptyROIError, InvalidROIError  # noqa: E402
from radfeat.features.glcm import (FEATURES, compute_glcm, glcm_angles, glcm_batch,  # noqa: E402
                                   glcm_matrix)
from radfeat.features.roi import RoiData  # noqa: E402

NAMES = [f.name for f in FEATURES]
ORACLE = Oracle(compute_glcm, RadiomicsGLCM, tuple(NAMES))

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::DeprecationWarning")


# ------------------------------------------------------------------------- registry and order


def test_feature_order_matches_pyradiomics():
    ORACLE.assert_registered("glcm", glcm_batch, kind="texture", directional=True)


@pytest.mark.parametrize("shape", [(5, 5, 5), (1, 5, 5), (5, 1, 5), (2, 3, 4), (3, 3), (1, 4), (2, 9)])
@pytest.mark.parametrize("distances", [[1], [2], [1, 2], [1, 3], [3, 1], [1, 1]])
@pytest.mark.parametrize("force2d", [False, True])
def test_angles_match_cmatrices(shape, distances, force2d):
    size = np.array(shape)
    try:
        expected = cMatrices.generate_angles(size, np.array(distances), False, force2d, 0)
    except RuntimeError:  # pyradiomics: "Error getting angle count" (no offset fits)
        expected = np.zeros((0, len(shape)), int)
    got = _neighbours.generate_angles(size.astype(np.int64), np.array(distances, np.int64), 0 if force2d else -1,
                                      False)
    np.testing.assert_array_equal(got, expected.reshape(-1, len(shape)))
    if len(set(distances)) == len(distances):
        np.testing.assert_array_equal(got, angles_naive(shape, distances, 0 if force2d else -1))


# ------------------------------------------------------------------ pyradiomics' test cases


CASE_SETTINGS = [
    {"binWidth": 25},
    {"binWidth": 25, "force2D": True},
    {"binWidth": 25, "force2D": True, "force2Ddimension": 2},
    {"binCount": 64},
    {"binWidth": 25, "weightingNorm": "no_weighting"},
    {"binWidth": 25, "weightingNorm": "euclidean"},
    {"binCount": 32, "distances": [1, 2], "symmetricalGLCM": False},
]


@pytest.mark.parametrize("settings", CASE_SETTINGS, ids=str)
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_cases_match_pyradiomics(data_dir, case, settings):
    ORACLE.compare(*cropped_case(case), settings)


def baseline_settings(case):
    """The settings of the case's default column in pyradiomics' baseline_glcm.csv."""
    with open(PYRAD_DIR / "baseline" / "baseline_glcm.csv", newline="") as fh:
        rows = {row[0]: row for row in csv.reader(fh)}
    column = rows["featureName"].index(case)
    settings = ast.literal_eval(rows["diagnostics_Configuration_Settings"][column])
    keep = ("binWidth", "binCount", "distances", "weightingNorm", "force2D", "force2Ddimension",
            "symmetricalGLCM")
    return {k: v for k, v in settings.items() if k in keep}


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(data_dir, case):
    settings = baseline_settings(case)
    assert settings["binWidth"] == 25 and settings["distances"] == [1] and not settings["force2D"]
    expected = np.load(PYRAD_DIR / "baseline" / f"{case}_glcm.npy")
    got = glcm_matrix(roi_from_sitk(*cropped_case(case), settings))
    assert got.shape == expected.shape
    # pyradiomics' own test allows 1e-3; the matrices are counts / total, so they agree to rounding.
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14)


# ------------------------------------------------------------------------ random images


RANDOM_SETTINGS = [
    {"binWidth": 10},
    {"binCount": 16},
    {"binCount": 5},
    {"binWidth": 10, "distances": [1, 2]},
    {"binWidth": 10, "distances": [2]},
    {"binCount": 8, "symmetricalGLCM": False},
    {"binWidth": 10, "weightingNorm": "manhattan"},
    {"binWidth": 10, "weightingNorm": "euclidean"},
    {"binWidth": 10, "weightingNorm": "infinity"},
    {"binWidth": 10, "weightingNorm": "no_weighting"},
    {"binCount": 16, "force2D": True},
    {"binCount": 16, "force2D": True, "force2Ddimension": 1},
    {"binCount": 8, "symmetricalGLCM": False, "weightingNorm": "manhattan", "distances": [1, 2]},
]
RANDOM_SHAPES = [(7, 9), (40, 33), (5, 6, 7), (14, 18, 11)]


@pytest.mark.parametrize("settings", RANDOM_SETTINGS, ids=str)
@pytest.mark.parametrize("shape", RANDOM_SHAPES, ids=str)
def test_random_match_pyradiomics(shape, settings):
    ORACLE.compare_random_rois(shape, settings, [(1.0, None), (0.7, None)])


@pytest.mark.parametrize("seed", range(4))
def test_random_match_naive(seed):
    rng = np.random.default_rng(seed)
    shape = [(6, 7), (4, 5, 6), (9, 4), (3, 4, 4)][seed]
    image, mask = random_roi(rng, shape, 0.8)
    for settings in ({"binCount": 6}, {"binCount": 6, "distances": [1, 2], "symmetricalGLCM": False},
                     {"binCount": 6, "weightingNorm": "infinity"}):
        roi = RoiData(image, mask, np.ones(len(shape)), settings)
        P, gray = glcm_naive(roi.levels, roi.mask, settings.get("distances", [1]),
                             settings.get("symmetricalGLCM", True), settings.get("weightingNorm"))
        np.testing.assert_allclose(glcm_matrix(roi), P, rtol=1e-12, atol=1e-15)
        expected = glcm_features_naive(P, gray, roi.n_levels)
        assert_features_close(ORACLE.ours(roi), expected)


# ------------------------------------------------------------------------- edge cases


def edge_cases():
    return edge_case_rois(**{
        "row-gap-flat": (np.array([[10.0, 40.0, 10.0]]), np.array([[True, False, True]]), {}),
        "corners-flat": (np.full((3, 3), 5.0), corners_mask(), {}),
        "two-levels": (np.array([[0.0, 0.0, 30.0, 30.0]] * 3), np.ones((3, 4), bool), {}),
        "flat-3d": (np.full((3, 4, 5), 7.0), np.ones((3, 4, 5), bool), {"weightingNorm": "manhattan"}),
    })


@pytest.mark.parametrize("name", list(edge_cases()))
def test_edge_cases_match_pyradiomics(name):
    image, mask, settings = edge_cases()[name]
    ORACLE.compare_arrays(image, mask, np.ones(image.ndim), {"binWidth": 25, **settings}, cropped=False)


def test_flat_roi_values():
    image, mask, _ = edge_cases()["flat"]
    got = ORACLE.ours(RoiData(image, mask, (1.0, 1.0), {"binWidth": 25}))
    assert got["Correlation"] == 1.0 and got["MCC"] == 1.0 and got["Imc2"] == 0.0
    assert got["JointEnergy"] == 1.0 and got["Contrast"] == 0.0


def test_single_voxel_raises_like_pyradiomics():
    mask = np.zeros((4, 4), bool)
    mask[1, 2] = True
    with pytest.raises(InvalidROIError, match="no offset fits"):
        compute_glcm(RoiData(np.ones((4, 4)), mask, (1.0, 1.0), {"binWidth": 25}))
    with pytest.raises(RuntimeError, match="angle count"):  # on the ROI cropped to its box
        RadiomicsGLCM(to_sitk(np.ones((1, 1)), (1, 1)), to_sitk(np.ones((1, 1), np.uint8), (1, 1))).execute()
    empty = RoiData(np.ones((4, 4)), np.zeros((4, 4), bool), (1.0, 1.0), {"binWidth": 25},
                    levels=np.zeros((4, 4), int))
    with pytest.raises(EmptyROIError):
        glcm_matrix(empty)


# --------------------------------------------------------------------- hand-computed case


HAND_IMAGE = np.array([[1.0, 1.0, 2.0], [1.0, 2.0, 2.0], [3.0, 3.0, 3.0]])


def test_hand_computed_3x3():
    roi = RoiData(HAND_IMAGE, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1})
    np.testing.assert_array_equal(roi.levels, HAND_IMAGE.astype(int))
    # Offsets in pyradiomics' order: (1, 1), (1, 0), (1, -1), (0, 1) (rows down, columns right).
    np.testing.assert_array_equal(glcm_angles(roi), [[1, 1], [1, 0], [1, -1], [0, 1]])
    raw = glcm_matrix(roi, raw=True)
    expected_raw = np.zeros((3, 3, 4))
    expected_raw[:, :, 0] = [[0, 2, 1], [0, 0, 1], [0, 0, 0]]   # 1->2 twice, 1->3, 2->3
    expected_raw[:, :, 1] = [[1, 1, 1], [0, 1, 2], [0, 0, 0]]   # columns 1,1,3 / 1,2,3 / 2,2,3
    expected_raw[:, :, 2] = [[1, 0, 0], [0, 1, 2], [0, 0, 0]]
    expected_raw[:, :, 3] = [[1, 2, 0], [0, 1, 0], [0, 0, 2]]   # rows 1,1,2 / 1,2,2 / 3,3,3
    np.testing.assert_array_equal(raw, expected_raw)
    p = glcm_matrix(roi)
    sym = expected_raw + expected_raw.transpose(1, 0, 2)
    np.testing.assert_allclose(p, sym / sym.sum(axis=(0, 1)), rtol=1e-15)
    got = ORACLE.ours(roi)
    # JointAverage per offset: 15/8, 23/12, 16/8, 24/12; Contrast: 14/8, 14/12, 4/8, 4/12
    assert got["JointAverage"] == pytest.approx((15 / 8 + 23 / 12 + 2 + 2) / 4, rel=1e-14)
    assert got["Contrast"] == pytest.approx(45 / 48, rel=1e-14)
    assert got["JointEnergy"] == pytest.approx(115 / 576, rel=1e-14)
    assert got["MaximumProbability"] == pytest.approx(0.25, rel=1e-14)
    assert got["SumAverage"] == pytest.approx(2 * got["JointAverage"], rel=1e-14)


# ----------------------------------------------------------------------------- batch


@pytest.mark.parametrize("settings", [
    {"binWidth": 25},
    {"binCount": 12, "distances": [1, 2], "symmetricalGLCM": False},
    {"binWidth": 40, "weightingNorm": "euclidean", "spacing": (0.5, 2.0)},
], ids=str)
def test_batch_equals_per_image_2d(settings):
    rng = np.random.default_rng(7)
    rois, levels, masks = batch_stack(rng, 12 if NO_JIT else 40, (12, 13), settings)
    assert_batch_rows(glcm_batch(levels, masks, settings), rois, masks, compute_glcm, len(FEATURES),
                      spacing=settings.get("spacing", (1.0, 1.0)))


def test_batch_equals_per_image_3d():
    rng = np.random.default_rng(3)
    settings = {"binCount": 8}
    rois, levels, masks = batch_stack(rng, 6, (4, 5, 6), settings)
    assert_batch_rows(glcm_batch(levels, masks, settings), rois, masks, compute_glcm, len(FEATURES))


def test_batch_matches_pyradiomics_on_cropped_images():
    rng = np.random.default_rng(11)
    image = rng.integers(0, 256, (20, 20)).astype(np.float64)
    mask = np.zeros((20, 20), bool)
    mask[4:15, 6:12] = True
    settings = {"binWidth": 25}
    roi = RoiData(image, mask, (1.0, 1.0), settings)
    got = glcm_batch(roi.levels[None], mask[None], settings)[0]
    img, msk = to_sitk(image, (1, 1)), to_sitk(mask.astype(np.uint8), (1, 1))
    assert_features_close(dict(zip(NAMES, got)), ORACLE.theirs(img, msk, settings))


# ------------------------------------------------------------------------------ guards


def test_matrix_size_guard():
    image = np.arange(400.0).reshape(20, 20)
    settings = {"binWidth": 1, "maxMatrixMB": 0.01}   # 400 levels: 400*400*4*8 bytes = 4.9 MB
    roi = RoiData(image, np.ones((20, 20), bool), (1.0, 1.0), settings)
    assert_size_guard(compute_glcm, glcm_batch, roi, "maxMatrixMB")


def test_invalid_distances():
    roi = RoiData(HAND_IMAGE, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1, "distances": [0]})
    with pytest.raises(ConfigError):
        compute_glcm(roi)


# ------------------------------------------------------------------------ kernel internals


def test_parallel_accumulation_equals_serial():
    rng = np.random.default_rng(2)
    q = rng.integers(-1, 7, (9, 11, 13)).astype(np.int32)
    angles = _neighbours.generate_angles(np.array([9, 11, 13]), np.array([1, 2]), -1, False)
    angles = _neighbours.pad_angles_3d(angles)
    serial = K.glcm_accumulate(q, angles, 7)
    for chunks in (1, 2, 5, 99):
        np.testing.assert_array_equal(K.glcm_accumulate_parallel(q, angles, 7, chunks), serial)
    p = K.glcm_normalize(serial, True, np.ones(len(angles)), False)
    a, b = np.empty(len(FEATURES)), np.empty(len(FEATURES))
    gray = np.arange(1.0, 8.0)
    K.glcm_features(p, gray, 7, True, a)
    K.glcm_features_parallel(p, gray, 7, True, b)
    np.testing.assert_array_equal(a, b)


def mcc_numpy(p):
    """MCC of one normalised matrix the way pyradiomics computes it (numpy eigvals)."""
    px, py = p.sum(1), p.sum(0)
    q = (p[:, None, :] * p[None, :, :] / (px[:, None, None] * py[None, None, :] + np.spacing(1))).sum(2)
    ev = np.sort(np.linalg.eigvals(q))
    return np.sqrt(ev[-2]).real


@pytest.mark.parametrize("symmetric", [True, False])
def test_mcc_fast_and_exact_paths(symmetric):
    rng = np.random.default_rng(8)
    counts = rng.integers(0, 50, (9, 9)).astype(float)
    # a grey level seen in a handful of pairs among ~1e9: eps / (px py) is no longer negligible,
    # so the symmetric shortcut must hand over to the exact (LAPACK) path
    counts[0, 0] = 1e9
    counts[8, :] = 0
    counts[8, 3] = 1
    if symmetric:
        counts = counts + counts.T
    p = counts / counts.sum()
    px, py = p.sum(1), p.sum(0)
    re_fast, _, _ = K._mcc_lambda2(p, px, py, symmetric)
    re_exact, _, _ = K._mcc_exact(p, px, py)
    assert np.sqrt(re_fast) == pytest.approx(mcc_numpy(p), rel=1e-9)
    assert np.sqrt(re_exact) == pytest.approx(mcc_numpy(p), rel=1e-9)
    plain = rng.integers(1, 50, (9, 9)).astype(float)
    plain = (plain + plain.T) / (2 * plain.sum())
    assert np.sqrt(K._mcc_lambda2(plain, plain.sum(1), plain.sum(0), True)[0]) == pytest.approx(
        mcc_numpy(plain), rel=1e-12)


def test_symmetric_eigenvalues_match_lapack():
    rng = np.random.default_rng(9)
    for n in (1, 2, 3, 8, 31):
        a = rng.normal(size=(n, n))
        a = a + a.T
        a[0, :] = a[:, 0] = 0.0  # a zero row, as absent neighbours give
        np.testing.assert_allclose(np.sort(K._sym_eigvals(a.copy())), np.linalg.eigvalsh(a),
                                   rtol=0, atol=1e-12 * np.abs(a).max())


def _structured_counts(rng, kind, g):
    c = rng.integers(0, 5, size=(g, g)).astype(float) * (rng.random((g, g)) < 0.7)
    h = g // 2
    if kind == "blocks":  # two groups of levels that never meet: eigenvalue 1 twice, MCC 1
        c[:h, h:] = 0
        c[h:, :h] = 0
    elif kind == "bipartite":  # levels only ever meet the other group: eigenvalue -1
        c[:h, :h] = 0
        c[h:, h:] = 0
    elif kind == "empty rows":  # levels without a neighbour in this direction (px or py zero)
        c[rng.random(g) < 0.3, :] = 0
        c[:, rng.random(g) < 0.3] = 0
    elif kind == "rank one":  # independent rows and columns: second eigenvalue 0
        c = np.outer(rng.integers(1, 5, g), rng.integers(1, 5, g)).astype(float)
    return c


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("kind", ["random", "blocks", "bipartite", "empty rows", "rank one"])
def test_mcc_matches_numpy_on_degenerate_matrices(kind, symmetric):
    # the deflated Householder + Laguerre path (or its exact fallback) against pyradiomics' own
    # formula, wherever the second eigenvalue is not rounding noise around 0
    rng = np.random.default_rng(21)
    for g in (2, 3, 5, 9, 17, 32):
        for _ in range(4):
            c = _structured_counts(rng, kind, g)
            if symmetric:
                c = c + c.T
            if c.sum() == 0:
                continue
            p = c / c.sum()
            px, py = p.sum(1), p.sum(0)
            re, im, cplx = K._mcc_lambda2(p, px, (px if symmetric else py), symmetric)
            expected = mcc_numpy(p)
            got = np.sqrt(complex(re, im)).real if cplx else np.sqrt(max(re, 0.0))
            if not expected >= 1e-6:  # an exact 0: noise (or NaN) on both sides; combine_angles zeroes it
                assert not got >= 1e-6
            else:
                assert got == pytest.approx(expected, rel=1e-9), (kind, g)


def test_tridiagonal_extremes_match_lapack():
    rng = np.random.default_rng(22)
    for n in (1, 2, 3, 8, 31, 64):
        for build in ("random", "blocks", "low rank", "diagonal"):
            a = rng.normal(size=(n, n))
            a = a + a.T
            if build == "blocks":
                a[: n // 2, n // 2:] = a[n // 2:, : n // 2] = 0.0
            elif build == "low rank":
                v = rng.normal(size=(n, 2))
                a = v @ v.T  # a cluster of (near) zero eigenvalues at the bottom
            elif build == "diagonal":
                a = np.diag(rng.integers(0, 3, n).astype(float))
            ev = np.linalg.eigvalsh(a)
            d, e = K._tridiagonalize(a.copy())
            lo, hi = K._tridiagonal_extremes(d, e)
            scale = max(np.abs(ev).max(), 1e-300)
            assert abs(lo - ev[0]) <= 1e-13 * scale and abs(hi - ev[-1]) <= 1e-13 * scale, (n, build)


# ------------------------------------------------------------- hooks for textureAggregation


def test_merge_directions_is_unweighted_sum():
    ORACLE.compare_merged(*cropped_case("breast1"), {"binWidth": 25})


def test_slice_keeps_volume_ng():
    # A slice handed over by textureAggregation carries the volume's Ng, which Idn/Idmn divide by.
    rng = np.random.default_rng(12)
    image, mask = random_roi(rng, (6, 7), 1.0)
    roi = RoiData(image, mask, (1.0, 1.0), {"binCount": 5})
    big = RoiData(image, mask, (1.0, 1.0), {"binCount": 5}, levels=roi.levels, n_levels=9)
    P, gray = glcm_naive(roi.levels, roi.mask)
    assert_features_close(ORACLE.ours(big), glcm_features_naive(P, gray, 9))
    assert ORACLE.ours(big)["Idn"] != ORACLE.ours(roi)["Idn"]


# ------------------------------------------- kernel fast paths against plain NumPy references


def _counts_numpy(q, angles, n_gray):
    """Co-occurrence counts of ``q`` (-1 outside the ROI) by shifted array views."""
    counts = np.zeros((len(angles), n_gray, n_gray))
    for a, off in enumerate(angles):
        src = tuple(slice(max(0, -d), s - max(0, d)) for d, s in zip(off, q.shape))
        dst = tuple(slice(max(0, d), s - max(0, -d)) for d, s in zip(off, q.shape))
        i, j = q[src].ravel(), q[dst].ravel()
        keep = (i >= 0) & (j >= 0)
        np.add.at(counts[a], (i[keep], j[keep]), 1)
    return counts


@pytest.mark.parametrize("shape", [(1, 9, 17), (5, 7, 6), (1, 1, 12), (4, 1, 5), (3, 6, 1)])
def test_accumulation_with_holes_matches_numpy(shape):
    # ROI spans per row, holes inside them, rows and planes without any ROI voxel
    rng = np.random.default_rng(sum(shape))
    q = rng.integers(-1, 5, shape).astype(np.int32)
    q[..., : shape[2] // 3] = -1
    q[:, ::3, :] = -1
    if shape[0] > 1:
        q[0] = -1
    angles = _neighbours.pad_angles_3d(
        _neighbours.generate_angles(np.array(shape, np.int64), np.array([1, 2]), -1, False))
    expected = _counts_numpy(q, angles, 5)
    np.testing.assert_array_equal(K.glcm_accumulate(q, angles, 5), expected)
    for chunks in (2, 3, 7):
        np.testing.assert_array_equal(K.glcm_accumulate_parallel(q, angles, 5, chunks), expected)


def _stress_matrix(kind, rng):
    """Counts and grey levels that take the feature kernel's special paths."""
    if kind == "rare level":  # px py below the entropy series' threshold: cell-by-cell rows
        counts = rng.integers(0, 50, (7, 7)).astype(float)
        counts[0, 0] = 1e9
        counts[6, :] = 0
        counts[6, 2] = 1
        return counts, np.arange(1.0, 8.0)
    if kind == "many values":  # more distinct cell values than memo slots
        return rng.integers(1, 10 ** 6, (24, 24)).astype(float), np.arange(1.0, 25.0)
    if kind == "level gaps":  # p_{x+y} and p_{x-y} scattered by grey value
        return rng.integers(0, 9, (6, 6)).astype(float), np.array([1.0, 2.0, 5.0, 6.0, 9.0, 13.0])
    return rng.integers(0, 5, (32, 32)).astype(float), np.arange(1.0, 33.0)  # a 28 x 28 image's


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("kind", ["rare level", "many values", "level gaps", "small image"])
def test_features_match_numpy_on_stress_matrices(kind, symmetric):
    counts, gray = _stress_matrix(kind, np.random.default_rng(33))
    if symmetric:
        counts = counts + counts.T
    p = counts / counts.sum()
    ng = int(gray[-1]) + 1
    out = np.empty(len(FEATURES))
    K.glcm_features(p[None], gray, ng, symmetric, out)
    assert_features_close(dict(zip(NAMES, out)), glcm_features_naive(p[:, :, None], gray, ng))


def test_batch_with_large_counts_equals_per_image():
    # counts beyond _normalize_hist's quotient table
    rng = np.random.default_rng(5)
    settings = {"binCount": 2}
    rois, levels, masks = batch_stack(rng, 4, (30, 31), settings)
    assert max(glcm_matrix(r, raw=True).max() for r, m in zip(rois, masks) if m.sum() > 1) > K._QUOT
    assert_batch_rows(glcm_batch(levels, masks, settings), rois, masks, compute_glcm, len(FEATURES))


def test_mcc_fast_path_on_large_rois():
    # nearly independent neighbours (second eigenvalue ~1e-4) with a rare level: the fast path's
    # error bound must hold wherever it is trusted
    rng = np.random.default_rng(34)
    for _ in range(40):
        g = int(rng.choice([5, 17, 32]))
        c = np.outer(rng.integers(1, 50, g), rng.integers(1, 50, g)) * 1000.0 + rng.integers(0, 500, (g, g))
        c[0, :] = rng.integers(0, 3, g)
        c = c + c.T
        p = c / c.sum()
        px = p.sum(1)
        lam2 = K._mcc_lambda2(p, px, px, True)[0]
        assert np.sqrt(lam2) == pytest.approx(mcc_numpy(p), rel=1e-8)
