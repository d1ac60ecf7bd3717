"""GLDM features against pyradiomics (live), its baseline matrices, a naive reference and a
hand-computed image.

pyradiomics runs its feature class on images cropped as its extractor does, radfeat on the same
cropped arrays (see :mod:`_reference.oracle`). Every feature is compared at rtol 1e-6, atol 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from _reference import gldm_naive
from conftest import PYRAD_DIR
from radfeat._kernels import _neighbours
from radfeat._kernels import gldm as kernels
from radfeat.exceptions import InvalidROIError
from radfeat.features.gldm import FEATURES, compute_gldm, gldm_batch, gldm_matrix
from radfeat.features.roi import RoiData

radiomics = pytest.importorskip("radiomics")
from radiomics import gldm  # noqa: E402

from _reference.oracle import (CASE_PARAMS, Oracle, assert_batch_rows, assert_size_guard,  # noqa: E402
                               batch_inputs, crop, cropped_case, random_case, random_levels,
                               roi_from_sitk, sitk_pair)

NAMES = [f.name for f in FEATURES]
ORACLE = Oracle(compute_gldm, gldm.RadiomicsGLDM, tuple(NAMES))


# ---------------------------------------------------------------------------------------------
# pyradiomics, live
# ---------------------------------------------------------------------------------------------

CASE_VARIANTS = {
    "3d": {},
    "force2D": {"force2D": True},
    "force2D_axis2": {"force2D": True, "force2Ddimension": 2},
    "binCount_dist12_a2": {"binCount": 32, "distances": [1, 2], "gldm_a": 2},
}


@pytest.mark.parametrize("variant", list(CASE_VARIANTS))
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matches_pyradiomics_cases(case, variant, data_dir):
    ORACLE.compare(*cropped_case(case), CASE_VARIANTS[variant])


RANDOM_SETTINGS = [
    {"binWidth": 7},
    {"binCount": 13, "gldm_a": 1},
    {"binCount": 6, "distances": [2], "gldm_a": 0},
    {"binWidth": 20, "distances": [1, 3], "gldm_a": 3},
]


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), pytest.param((20, 24, 30), marks=pytest.mark.heavy)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    image, mask = random_case(np.random.default_rng(seed), shape, 0.6)
    axes = range(3) if len(shape) == 3 else ()
    for settings in RANDOM_SETTINGS + [{"binCount": 9, "force2D": True, "force2Ddimension": a} for a in axes]:
        ORACLE.compare(image, mask, settings)


@pytest.mark.parametrize("distances", [[1, 1], [1, 2, 1], [2, 1]])
def test_repeated_and_unordered_distances_match_pyradiomics(distances):
    # cmatrices wraps round its angle cycle for a repeated distance; radfeat reproduces that
    ORACLE.compare(*random_case(np.random.default_rng(5), (5, 9, 8), 0.7, high=60),
                   {"binWidth": 10, "distances": distances})


def test_force2d_on_a_2d_image_matches_pyradiomics():
    # pyradiomics then drops neighbours along array axis 0 (y): only horizontal ones remain
    image, mask = random_case(np.random.default_rng(6), (12, 15), 0.7, high=50)
    ORACLE.compare(image, mask, {"binWidth": 10, "force2D": True, "force2Ddimension": 0})


def test_single_slice_volume_matches_pyradiomics():
    ORACLE.compare(*random_case(np.random.default_rng(7), (1, 10, 12), 0.7, high=50), {"binWidth": 10})


def test_flat_roi_matches_pyradiomics():
    rng = np.random.default_rng(8)
    image, mask = crop(*sitk_pair(np.full((4, 6, 7), 42.0), rng.random((4, 6, 7)) < 0.6))
    ORACLE.compare(image, mask, {})
    ours = ORACLE.ours_sitk(image, mask, {})
    n_voxels = float(sitk.GetArrayFromImage(mask).sum())
    assert ours["GrayLevelVariance"] == 0 and ours["GrayLevelNonUniformity"] == n_voxels


def test_grey_level_gap_rows_removed():
    # levels 1 and 3 present, 2 absent: i runs over {1, 3}, as in pyradiomics
    arr = np.array([[1, 1, 3], [3, 3, 1], [1, 3, 3]], float)
    image, mask = sitk_pair(arr, np.ones_like(arr))
    ORACLE.compare(image, mask, {"binWidth": 1})
    p, ivec, _ = gldm_matrix(roi_from_sitk(image, mask, {"binWidth": 1}))
    assert ivec.tolist() == [1.0, 3.0] and p.shape[0] == 2


def test_no_neighbour_raises_like_pyradiomics():
    arr = np.array([[5.0, 6.0], [7.0, 8.0]])
    image, mask = sitk_pair(arr, np.ones_like(arr))
    settings = {"binWidth": 1, "distances": [2]}  # every offset of norm 2 leaves the 2x2 box
    with pytest.raises(RuntimeError):
        ORACLE.theirs(image, mask, settings)
    with pytest.raises(InvalidROIError, match="no neighbour"):
        compute_gldm(roi_from_sitk(image, mask, settings))


# ---------------------------------------------------------------------------------------------
# baseline matrices (pyradiomics' tests/test_matrices.py fixtures)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(case, data_dir):
    # The .npy files are P_gldm of the no-suffix column of baseline_gldm.csv: binWidth 25,
    # distances [1], gldm_a 0, 3D (see its diagnostics_Configuration_Settings row).
    image, mask = cropped_case(case)
    baseline = np.load(PYRAD_DIR / "baseline" / f"{case}_gldm.npy")
    p, ivec, jvec = gldm_matrix(roi_from_sitk(image, mask, {"binWidth": 25, "distances": [1], "gldm_a": 0}))
    assert p.shape == baseline.shape
    np.testing.assert_allclose(p, baseline, rtol=0, atol=1e-9)
    live = gldm.RadiomicsGLDM(image, mask, binWidth=25)
    live._initCalculation()
    np.testing.assert_array_equal(p, live.P_gldm[0])
    np.testing.assert_array_equal(jvec, live.coefficients["jvector"])


# ---------------------------------------------------------------------------------------------
# naive reference and hand-computed values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(9, 11), (5, 6, 7)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_naive_reference(shape, seed):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, 6, shape)
    mask = rng.random(shape) < 0.7
    mask.flat[0] = True
    levels.flat[0] = 1  # so that binWidth 1 keeps the levels as they are
    axes = [-1] + list(range(len(shape)))
    for distances, alpha, axis in [((1,), 0, -1), ((1, 2), 1, -1), ((2,), 0, axes[-1])] + [((1,), 0, a) for a in axes]:
        settings = {"binWidth": 1, "distances": list(distances), "gldm_a": alpha,
                    "force2D": axis >= 0, "force2Ddimension": max(axis, 0)}
        roi = RoiData(levels.astype(float), mask, (1.0,) * len(shape), settings)
        ref_p, ref_i, ref_j = gldm_naive.gldm_matrix(roi.levels, mask, distances, alpha, axis)
        p, ivec, jvec = gldm_matrix(roi)
        np.testing.assert_array_equal(p, ref_p)
        np.testing.assert_array_equal(ivec, ref_i)
        np.testing.assert_array_equal(jvec, ref_j)
        np.testing.assert_allclose(compute_gldm(roi), gldm_naive.gldm_features(ref_p, ref_i, ref_j),
                                   rtol=1e-12, atol=1e-12)


def test_hand_computed_3x3():
    # levels          dependent neighbours (8-connectivity, alpha 0)
    #   1 1 2           2 2 2
    #   1 2 2           2 2 2
    #   3 3 1           1 1 0
    arr = np.array([[1, 1, 2], [1, 2, 2], [3, 3, 1]], float)
    roi = RoiData(arr, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1})
    p, ivec, jvec = gldm_matrix(roi)
    assert ivec.tolist() == [1, 2, 3] and jvec.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(p, [[1, 0, 3], [0, 0, 3], [0, 2, 0]])
    f = dict(zip(NAMES, compute_gldm(roi)))
    assert f["LargeDependenceEmphasis"] == pytest.approx((1 + 2 * 4 + 6 * 9) / 9, rel=1e-14)
    assert f["SmallDependenceEmphasis"] == pytest.approx((1 + 2 / 4 + 6 / 9) / 9, rel=1e-14)
    assert f["GrayLevelNonUniformity"] == pytest.approx((16 + 9 + 4) / 9, rel=1e-14)
    assert f["DependenceNonUniformity"] == pytest.approx((1 + 4 + 36) / 9, rel=1e-14)
    # gldm_a = 1: only the 1-3 pairs are independent; dependences 3 5 3 / 3 8 5 / 2 3 2
    p1, _, jvec1 = gldm_matrix(RoiData(arr, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1, "gldm_a": 1}))
    assert jvec1.tolist() == [3, 4, 6, 9]
    np.testing.assert_array_equal(p1, [[1, 2, 1, 0], [0, 1, 1, 1], [1, 1, 0, 0]])


# ---------------------------------------------------------------------------------------------
# batch kernel, registry, guard
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,settings", [
    ((28, 28), {"binCount": 16}),
    ((12, 14), {"binWidth": 10, "distances": [1, 2], "gldm_a": 1}),
    ((12, 14), {"binWidth": 10, "force2D": True, "force2Ddimension": 1}),
    ((4, 5, 6), {"binCount": 8}),
    ((16, 18), {"binWidth": 0.5}),  # ~200 levels: the batch scratch grows
])
def test_batch_equals_per_image(shape, settings):
    rois, levels, masks = batch_inputs(np.random.default_rng(3), 40, shape, settings)
    assert_batch_rows(gldm_batch(levels, masks, settings), rois, masks, compute_gldm, len(NAMES),
                      rtol=1e-12, atol=1e-12)


def test_parallel_chunks_equal_serial():
    lv = random_levels(np.random.default_rng(11), (7, 9, 10), 0.7, 6)
    padded, offsets, dims = _neighbours.neighbourhood(lv, 3, np.array([1, 2]), -1)
    serial = kernels.gldm_matrix(padded, offsets, dims, 1.0, 5)
    for chunks in (2, 3, 7):
        np.testing.assert_array_equal(kernels.gldm_matrix_parallel(padded, offsets, dims, 1.0, 5, chunks), serial)


def test_registered():
    ORACLE.assert_registered("gldm", gldm_batch, settings={"gldm_a": 0, "distances": [1]})
    assert len(NAMES) == 14


def test_matrix_size_guard():
    rng = np.random.default_rng(4)
    roi = RoiData(rng.normal(size=(10, 10)), np.ones((10, 10), bool), (1, 1), {"binCount": 64, "maxMatrixMB": 1e-4})
    assert_size_guard(compute_gldm, gldm_batch, roi, "gldm")
