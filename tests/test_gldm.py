"""GLDM features against pyradiomics (live), its baseline matrices, a naive reference and a
hand-computed image.

pyradiomics runs its feature class on images cropped by ``checkMask`` + ``cropToTumorMask``
(padDistance 0, as its extractor does); radfeat runs on the same cropped arrays through
``RoiData``. Every feature is compared at rtol 1e-6, atol 1e-9.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import SimpleITK as sitk

from _reference import gldm_naive
from conftest import CASES, PYRAD_DIR, assert_features_close, load_case
from radfeat._kernels import gldm as kernels
from radfeat.exceptions import InvalidROIError, MatrixTooLargeError
from radfeat.features.gldm import FEATURES, compute_gldm, gldm_batch, gldm_matrix
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

radiomics = pytest.importorskip("radiomics")
from radiomics import gldm, imageoperations  # noqa: E402

radiomics.setVerbosity(40)

NAMES = [f.name for f in FEATURES]
HEAVY_CASES = ("brain1", "lung1", "lung2")  # too slow for the pure-Python (NUMBA_DISABLE_JIT) pass
CASE_PARAMS = [pytest.param(c, marks=pytest.mark.heavy) if c in HEAVY_CASES else c for c in CASES]


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

def _crop(image, mask, **settings):
    bbox, _ = imageoperations.checkMask(image, mask, label=1, **settings)
    assert bbox is not None, "pyradiomics rejected the mask"
    return imageoperations.cropToTumorMask(image, mask, bbox)


@functools.lru_cache(maxsize=None)
def _cropped_case(case):
    return _crop(*load_case(case))


def _roi(image, mask, settings):
    return RoiData(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(mask) == 1,
                   image.GetSpacing()[::-1], settings)


def _theirs(image, mask, settings):
    return {k: float(v) for k, v in gldm.RadiomicsGLDM(image, mask, **settings).execute().items()}


def _ours(image, mask, settings):
    return dict(zip(NAMES, compute_gldm(_roi(image, mask, settings))))


def _compare(image, mask, settings):
    theirs = _theirs(image, mask, settings)
    assert set(theirs) == set(NAMES)
    assert_features_close(_ours(image, mask, settings), theirs)


def _sitk_pair(arr, msk, spacing=(0.7, 1.3, 2.0)):
    image = sitk.GetImageFromArray(np.asarray(arr, dtype=float))
    image.SetSpacing(spacing[: image.GetDimension()])
    mask = sitk.GetImageFromArray(np.asarray(msk, dtype=np.uint8))
    mask.CopyInformation(image)
    return image, mask


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
    _compare(*_cropped_case(case), CASE_VARIANTS[variant])


RANDOM_SETTINGS = [
    {"binWidth": 7},
    {"binCount": 13, "gldm_a": 1},
    {"binCount": 6, "distances": [2], "gldm_a": 0},
    {"binWidth": 20, "distances": [1, 3], "gldm_a": 3},
]


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), pytest.param((20, 24, 30), marks=pytest.mark.heavy)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    rng = np.random.default_rng(seed)
    image, mask = _crop(*_sitk_pair(rng.normal(100, 40, size=shape).round(1), rng.random(shape) < 0.6))
    for settings in RANDOM_SETTINGS:
        _compare(image, mask, settings)
    if len(shape) == 3:
        for axis in (0, 1, 2):
            _compare(image, mask, {"binCount": 9, "force2D": True, "force2Ddimension": axis})


@pytest.mark.parametrize("distances", [[1, 1], [1, 2, 1], [2, 1]])
def test_repeated_and_unordered_distances_match_pyradiomics(distances):
    # cmatrices wraps round its angle cycle for a repeated distance; radfeat reproduces that
    rng = np.random.default_rng(5)
    image, mask = _crop(*_sitk_pair(rng.integers(0, 60, (5, 9, 8)), rng.random((5, 9, 8)) < 0.7))
    _compare(image, mask, {"binWidth": 10, "distances": distances})


def test_force2d_on_a_2d_image_matches_pyradiomics():
    # pyradiomics then drops neighbours along array axis 0 (y): only horizontal ones remain
    rng = np.random.default_rng(6)
    image, mask = _crop(*_sitk_pair(rng.integers(0, 50, (12, 15)), rng.random((12, 15)) < 0.7))
    _compare(image, mask, {"binWidth": 10, "force2D": True, "force2Ddimension": 0})


def test_single_slice_volume_matches_pyradiomics():
    rng = np.random.default_rng(7)
    arr = rng.integers(0, 50, (1, 10, 12))
    msk = rng.random((1, 10, 12)) < 0.7
    image, mask = _crop(*_sitk_pair(arr, msk))
    _compare(image, mask, {"binWidth": 10})


def test_flat_roi_matches_pyradiomics():
    rng = np.random.default_rng(8)
    image, mask = _crop(*_sitk_pair(np.full((4, 6, 7), 42.0), rng.random((4, 6, 7)) < 0.6))
    _compare(image, mask, {})
    ours = _ours(image, mask, {})
    n_voxels = float(sitk.GetArrayFromImage(mask).sum())
    assert ours["GrayLevelVariance"] == 0 and ours["GrayLevelNonUniformity"] == n_voxels


def test_grey_level_gap_rows_removed():
    # levels 1 and 3 present, 2 absent: i runs over {1, 3}, as in pyradiomics
    arr = np.array([[1, 1, 3], [3, 3, 1], [1, 3, 3]], float)
    image, mask = _sitk_pair(arr, np.ones_like(arr))
    _compare(image, mask, {"binWidth": 1})
    p, ivec, _ = gldm_matrix(_roi(image, mask, {"binWidth": 1}))
    assert ivec.tolist() == [1.0, 3.0] and p.shape[0] == 2


def test_no_neighbour_raises_like_pyradiomics():
    arr = np.array([[5.0, 6.0], [7.0, 8.0]])
    image, mask = _sitk_pair(arr, np.ones_like(arr))
    settings = {"binWidth": 1, "distances": [2]}  # every offset of norm 2 leaves the 2x2 box
    with pytest.raises(RuntimeError):
        _theirs(image, mask, settings)
    with pytest.raises(InvalidROIError, match="no neighbour"):
        compute_gldm(_roi(image, mask, settings))


# ---------------------------------------------------------------------------------------------
# baseline matrices (pyradiomics' tests/test_matrices.py fixtures)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(case, data_dir):
    # The .npy files are P_gldm of the no-suffix column of baseline_gldm.csv: binWidth 25,
    # distances [1], gldm_a 0, 3D (see its diagnostics_Configuration_Settings row).
    image, mask = _cropped_case(case)
    baseline = np.load(PYRAD_DIR / "baseline" / f"{case}_gldm.npy")
    p, ivec, jvec = gldm_matrix(_roi(image, mask, {"binWidth": 25, "distances": [1], "gldm_a": 0}))
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

def _batch_inputs(rng, n, shape, settings):
    """Per-image RoiData and the matching stack of discretised levels."""
    rois, levels, masks = [], [], []
    for k in range(n):
        img = rng.normal(50, 20, shape).round(1)
        msk = rng.random(shape) < rng.uniform(0.3, 0.9)
        if k == 0:
            msk[:] = False
            msk[(0,) * len(shape)] = True  # one pixel: no neighbour fits -> NaN row
        elif k == 1:
            msk[:] = False  # empty -> NaN row
        if msk.any():
            roi = RoiData(img, msk, (1.0,) * len(shape), settings)
            levels.append(roi.levels)
            rois.append(roi)
        else:
            levels.append(np.zeros(shape, np.int64))
            rois.append(None)
        masks.append(msk)
    return rois, np.stack(levels), np.stack(masks)


@pytest.mark.parametrize("shape,settings", [
    ((28, 28), {"binCount": 16}),
    ((12, 14), {"binWidth": 10, "distances": [1, 2], "gldm_a": 1}),
    ((12, 14), {"binWidth": 10, "force2D": True, "force2Ddimension": 1}),
    ((4, 5, 6), {"binCount": 8}),
])
def test_batch_equals_per_image(shape, settings):
    rois, levels, masks = _batch_inputs(np.random.default_rng(3), 40, shape, settings)
    out = gldm_batch(levels, masks, settings)
    assert out.shape == (40, len(NAMES))
    assert np.isnan(out[0]).all() and np.isnan(out[1]).all()
    for k in range(2, 40):
        np.testing.assert_allclose(out[k], compute_gldm(rois[k]), rtol=1e-12, atol=1e-12)


def test_parallel_chunks_equal_serial():
    rng = np.random.default_rng(11)
    lv = np.where(rng.random((7, 9, 10)) < 0.7, rng.integers(1, 6, (7, 9, 10)), 0).astype(np.int64)
    lo, hi = kernels.roi_bbox(lv)
    padded, offsets, dims = kernels.pad_levels(lv, lo, hi, kernels.roi_angles(lo, hi, 3, np.array([1, 2]), -1))
    serial = kernels.gldm_matrix(padded, offsets, dims, 1.0, 5)
    for chunks in (2, 3, 7):
        np.testing.assert_array_equal(kernels.gldm_matrix_parallel(padded, offsets, dims, 1.0, 5, chunks), serial)


def test_registered():
    fam = get_family("gldm")
    assert fam.feature_names == tuple(NAMES) and len(NAMES) == 14
    assert fam.batch is gldm_batch and fam.compute is compute_gldm
    assert fam.settings == {"gldm_a": 0, "distances": [1]}
    assert set(NAMES) == {k for k, dep in gldm.RadiomicsGLDM.getFeatureNames().items() if not dep}


def test_matrix_size_guard():
    rng = np.random.default_rng(4)
    roi = RoiData(rng.normal(size=(10, 10)), np.ones((10, 10), bool), (1, 1), {"binCount": 64, "maxMatrixMB": 1e-4})
    with pytest.raises(MatrixTooLargeError, match="gldm"):
        compute_gldm(roi)
    with pytest.raises(MatrixTooLargeError):
        gldm_batch(roi.levels[None], roi.mask[None], roi.settings)
