"""GLSZM features against pyradiomics (live), its baseline matrices, a naive reference
(scipy.ndimage.label) and a hand-computed image.

pyradiomics runs its feature class on images cropped as its extractor does, radfeat on the same
cropped arrays (see :mod:`_reference.oracle`). Every feature is compared at rtol 1e-6, atol 1e-9.
"""

from __future__ import annotations

import numpy as np
import pytest

from _reference import glszm_naive
from conftest import PYRAD_DIR
from radfeat._kernels import _neighbours
from radfeat._kernels import glszm as kernels
from radfeat.exceptions import InvalidROIError
from radfeat.features.glszm import FEATURES, compute_glszm, glszm_batch, glszm_matrix
from radfeat.features.roi import RoiData

radiomics = pytest.importorskip("radiomics")
from radiomics import glszm  # noqa: E402

from _reference.oracle import (CASE_PARAMS, Oracle, assert_batch_rows, assert_size_guard,  # noqa: E402
                               batch_inputs, crop, cropped_case, random_case, random_levels,
                               roi_from_sitk, sitk_pair)

NAMES = [f.name for f in FEATURES]
ORACLE = Oracle(compute_glszm, glszm.RadiomicsGLSZM, tuple(NAMES))


# ---------------------------------------------------------------------------------------------
# pyradiomics, live
# ---------------------------------------------------------------------------------------------

CASE_VARIANTS = {
    "3d": {},
    "force2D": {"force2D": True},
    "force2D_axis1": {"force2D": True, "force2Ddimension": 1},
    "force2D_axis2": {"force2D": True, "force2Ddimension": 2},
    "binCount": {"binCount": 16, "distances": [1, 2]},  # distances must not matter
}


@pytest.mark.parametrize("variant", list(CASE_VARIANTS))
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matches_pyradiomics_cases(case, variant, data_dir):
    ORACLE.compare(*cropped_case(case), CASE_VARIANTS[variant])


RANDOM_SETTINGS = [{"binWidth": 7}, {"binCount": 13}, {"binCount": 4}, {"binWidth": 30}]


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), pytest.param((20, 24, 30), marks=pytest.mark.heavy)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    image, mask = random_case(np.random.default_rng(seed), shape, 0.6)
    axes = range(3) if len(shape) == 3 else ()
    for settings in RANDOM_SETTINGS + [{"binCount": 5, "force2D": True, "force2Ddimension": a} for a in axes]:
        ORACLE.compare(image, mask, settings)


@pytest.mark.heavy
def test_large_zones_parallel_slices_match_pyradiomics():
    # big enough for the per-slice parallel flood fill (force2D along z) and for zones that
    # snake through a whole volume (3D)
    rng = np.random.default_rng(9)
    arr = rng.normal(0, 1, (40, 40, 40)).cumsum(0).cumsum(1).cumsum(2)
    image, mask = crop(*sitk_pair(arr, rng.random(arr.shape) < 0.9))
    for settings in ({"binCount": 6}, {"binCount": 6, "force2D": True}, {"binCount": 40, "force2D": True}):
        ORACLE.compare(image, mask, settings)


def test_force2d_on_a_2d_image_matches_pyradiomics():
    # pyradiomics then drops neighbours along array axis 0 (y): zones run along rows only
    image, mask = random_case(np.random.default_rng(6), (12, 15), 0.8, high=50)
    ORACLE.compare(image, mask, {"binWidth": 25, "force2D": True, "force2Ddimension": 0})


def test_single_slice_volume_matches_pyradiomics():
    ORACLE.compare(*random_case(np.random.default_rng(7), (1, 10, 12), 0.7, high=50), {"binWidth": 10})


def test_flat_roi_matches_pyradiomics():
    rng = np.random.default_rng(8)
    image, mask = crop(*sitk_pair(np.full((4, 6, 7), 42.0), rng.random((4, 6, 7)) < 0.6))
    ORACLE.compare(image, mask, {})
    assert ORACLE.ours_sitk(image, mask, {})["GrayLevelVariance"] == 0


def test_grey_level_gap_rows_removed():
    arr = np.array([[1, 1, 3], [3, 3, 1], [1, 3, 5]], float)
    image, mask = sitk_pair(arr, np.ones_like(arr))
    ORACLE.compare(image, mask, {"binWidth": 1})
    p, ivec, jvec = glszm_matrix(roi_from_sitk(image, mask, {"binWidth": 1}))
    assert ivec.tolist() == [1.0, 3.0, 5.0]


def test_single_voxel_raises_like_pyradiomics():
    image, mask = sitk_pair(np.full((1, 1, 1), 7.0), np.ones((1, 1, 1)))
    with pytest.raises(RuntimeError):
        ORACLE.theirs(image, mask, {})
    with pytest.raises(InvalidROIError, match="no neighbour"):
        compute_glszm(roi_from_sitk(image, mask, {}))


# ---------------------------------------------------------------------------------------------
# baseline matrices (pyradiomics' tests/test_matrices.py fixtures)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(case, data_dir):
    # The .npy files are P_glszm of the no-suffix column of baseline_glszm.csv: binWidth 25, 3D
    # (its diagnostics_Configuration_Settings row), after pyradiomics removed absent levels
    # (rows) and absent zone sizes (columns).
    image, mask = cropped_case(case)
    baseline = np.load(PYRAD_DIR / "baseline" / f"{case}_glszm.npy")
    p, ivec, jvec = glszm_matrix(roi_from_sitk(image, mask, {"binWidth": 25}))
    assert p.shape == baseline.shape
    np.testing.assert_array_equal(p, baseline)
    live = glszm.RadiomicsGLSZM(image, mask, binWidth=25)
    live._initCalculation()
    np.testing.assert_array_equal(p, live.P_glszm[0])
    np.testing.assert_array_equal(ivec, live.coefficients["ivector"])
    np.testing.assert_array_equal(jvec, live.coefficients["jvector"])


# ---------------------------------------------------------------------------------------------
# naive reference and hand-computed values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(9, 11), (5, 6, 7), (3, 30, 30)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_naive_reference(shape, seed):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, 4, shape)
    mask = rng.random(shape) < 0.75
    for axis in [-1] + list(range(len(shape))):
        settings = {"binWidth": 1, "force2D": axis >= 0, "force2Ddimension": max(axis, 0)}
        roi = RoiData(levels.astype(float), mask, (1.0,) * len(shape), settings)
        ref_p, ref_i, ref_j = glszm_naive.glszm_matrix(roi.levels, mask, axis)
        p, ivec, jvec = glszm_matrix(roi)
        np.testing.assert_array_equal(p, ref_p)
        np.testing.assert_array_equal(ivec, ref_i)
        np.testing.assert_array_equal(jvec, ref_j)
        np.testing.assert_allclose(compute_glszm(roi), glszm_naive.glszm_features(ref_p, ref_i, ref_j),
                                   rtol=1e-12, atol=1e-12)


def test_parallel_slices_equal_serial_fill():
    # the per-slice flood fill (force2D along z) finds the same zones as the serial one
    lv = random_levels(np.random.default_rng(10), (6, 20, 20), 0.8, 4)
    one = np.ones(1, np.int64)
    serial = kernels.glszm_zones(*_neighbours.neighbourhood(lv, 3, one, 0))  # consumes its input
    sliced = kernels.glszm_zones_slices(*_neighbours.neighbourhood(lv, 3, one, 0))
    assert sorted(zip(*serial)) == sorted(zip(*sliced))


def test_hand_computed_3x3():
    # levels   zones (8-connectivity)
    #  1 1 2    level 1: {(0,0), (0,1), (1,0)} size 3 and {(2,2)} size 1
    #  1 2 2    level 2: {(0,2), (1,1), (1,2)} size 3
    #  3 3 1    level 3: {(2,0), (2,1)} size 2
    arr = np.array([[1, 1, 2], [1, 2, 2], [3, 3, 1]], float)
    roi = RoiData(arr, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1})
    p, ivec, jvec = glszm_matrix(roi)
    assert ivec.tolist() == [1, 2, 3] and jvec.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(p, [[1, 0, 1], [0, 0, 1], [0, 1, 0]])
    f = dict(zip(NAMES, compute_glszm(roi)))
    assert f["ZonePercentage"] == pytest.approx(4 / 9, rel=1e-15)
    assert f["SmallAreaEmphasis"] == pytest.approx((1 + 1 / 9 + 1 / 9 + 1 / 4) / 4, rel=1e-14)
    assert f["LargeAreaEmphasis"] == pytest.approx((1 + 9 + 9 + 4) / 4, rel=1e-14)
    assert f["GrayLevelNonUniformity"] == pytest.approx((4 + 1 + 1) / 4, rel=1e-14)
    assert f["ZoneEntropy"] == pytest.approx(2.0, rel=1e-14)  # four cells of 1/4
    # force2D along x (axis 1): zones are vertical runs only
    p2, _, jvec2 = glszm_matrix(RoiData(arr, np.ones((3, 3), bool), (1.0, 1.0),
                                        {"binWidth": 1, "force2D": True, "force2Ddimension": 1}))
    assert jvec2.tolist() == [1, 2]
    np.testing.assert_array_equal(p2, [[2, 1], [1, 1], [2, 0]])


# ---------------------------------------------------------------------------------------------
# batch kernel, registry, guard
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,settings", [
    ((28, 28), {"binCount": 16}),
    ((12, 14), {"binCount": 3}),
    ((12, 14), {"binWidth": 10, "force2D": True, "force2Ddimension": 1}),
    ((4, 5, 6), {"binCount": 4}),
    ((4, 5, 6), {"binCount": 4, "force2D": True, "force2Ddimension": 2}),
    ((16, 18), {"binWidth": 0.5}),  # ~200 levels: the batch scratch grows
])
def test_batch_equals_per_image(shape, settings):
    rois, levels, masks = batch_inputs(np.random.default_rng(3), 40, shape, settings)
    assert_batch_rows(glszm_batch(levels, masks, settings), rois, masks, compute_glszm, len(NAMES),
                      rtol=1e-12, atol=1e-12)


def test_registered():
    ORACLE.assert_registered("glszm", glszm_batch)
    assert len(NAMES) == 16 and NAMES == list(glszm.RadiomicsGLSZM.getFeatureNames())


def test_matrix_size_guard():
    rng = np.random.default_rng(4)
    roi = RoiData(rng.normal(size=(10, 10)), np.ones((10, 10), bool), (1, 1), {"binCount": 64, "maxMatrixMB": 1e-4})
    assert_size_guard(compute_glszm, glszm_batch, roi, "glszm")
