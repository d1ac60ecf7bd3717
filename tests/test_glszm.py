"""GLSZM features against pyradiomics (live), its baseline matrices, a naive reference
(scipy.ndimage.label) and a hand-computed image.

pyradiomics runs its feature class on images cropped by ``checkMask`` + ``cropToTumorMask``
(padDistance 0, as its extractor does); radfeat runs on the same cropped arrays through
``RoiData``. Every feature is compared at rtol 1e-6, atol 1e-9.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
import SimpleITK as sitk

from _reference import glszm_naive
from conftest import CASES, PYRAD_DIR, assert_features_close, load_case
from radfeat._kernels import glszm as kernels
from radfeat._kernels.gldm import pad_levels, roi_angles, roi_bbox
from radfeat.exceptions import InvalidROIError, MatrixTooLargeError
from radfeat.features.glszm import FEATURES, compute_glszm, glszm_batch, glszm_matrix
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

radiomics = pytest.importorskip("radiomics")
from radiomics import glszm, imageoperations  # noqa: E402

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
    return {k: float(v) for k, v in glszm.RadiomicsGLSZM(image, mask, **settings).execute().items()}


def _ours(image, mask, settings):
    return dict(zip(NAMES, compute_glszm(_roi(image, mask, settings))))


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
    "force2D_axis1": {"force2D": True, "force2Ddimension": 1},
    "force2D_axis2": {"force2D": True, "force2Ddimension": 2},
    "binCount": {"binCount": 16, "distances": [1, 2]},  # distances must not matter
}


@pytest.mark.parametrize("variant", list(CASE_VARIANTS))
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matches_pyradiomics_cases(case, variant, data_dir):
    _compare(*_cropped_case(case), CASE_VARIANTS[variant])


RANDOM_SETTINGS = [{"binWidth": 7}, {"binCount": 13}, {"binCount": 4}, {"binWidth": 30}]


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), pytest.param((20, 24, 30), marks=pytest.mark.heavy)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    rng = np.random.default_rng(seed)
    image, mask = _crop(*_sitk_pair(rng.normal(100, 40, size=shape).round(1), rng.random(shape) < 0.6))
    for settings in RANDOM_SETTINGS:
        _compare(image, mask, settings)
    if len(shape) == 3:
        for axis in (0, 1, 2):
            _compare(image, mask, {"binCount": 5, "force2D": True, "force2Ddimension": axis})


@pytest.mark.heavy
def test_large_zones_parallel_slices_match_pyradiomics():
    # big enough for the per-slice parallel flood fill (force2D along z) and for zones that
    # snake through a whole volume (3D)
    rng = np.random.default_rng(9)
    arr = rng.normal(0, 1, (40, 40, 40)).cumsum(0).cumsum(1).cumsum(2)
    image, mask = _crop(*_sitk_pair(arr, rng.random(arr.shape) < 0.9))
    for settings in ({"binCount": 6}, {"binCount": 6, "force2D": True}, {"binCount": 40, "force2D": True}):
        _compare(image, mask, settings)


def test_force2d_on_a_2d_image_matches_pyradiomics():
    # pyradiomics then drops neighbours along array axis 0 (y): zones run along rows only
    rng = np.random.default_rng(6)
    image, mask = _crop(*_sitk_pair(rng.integers(0, 50, (12, 15)), rng.random((12, 15)) < 0.8))
    _compare(image, mask, {"binWidth": 25, "force2D": True, "force2Ddimension": 0})


def test_single_slice_volume_matches_pyradiomics():
    rng = np.random.default_rng(7)
    image, mask = _crop(*_sitk_pair(rng.integers(0, 50, (1, 10, 12)), rng.random((1, 10, 12)) < 0.7))
    _compare(image, mask, {"binWidth": 10})


def test_flat_roi_matches_pyradiomics():
    rng = np.random.default_rng(8)
    image, mask = _crop(*_sitk_pair(np.full((4, 6, 7), 42.0), rng.random((4, 6, 7)) < 0.6))
    _compare(image, mask, {})
    assert _ours(image, mask, {})["GrayLevelVariance"] == 0


def test_grey_level_gap_rows_removed():
    arr = np.array([[1, 1, 3], [3, 3, 1], [1, 3, 5]], float)
    image, mask = _sitk_pair(arr, np.ones_like(arr))
    _compare(image, mask, {"binWidth": 1})
    p, ivec, jvec = glszm_matrix(_roi(image, mask, {"binWidth": 1}))
    assert ivec.tolist() == [1.0, 3.0, 5.0]


def test_single_voxel_raises_like_pyradiomics():
    image, mask = _sitk_pair(np.full((1, 1, 1), 7.0), np.ones((1, 1, 1)))
    with pytest.raises(RuntimeError):
        _theirs(image, mask, {})
    with pytest.raises(InvalidROIError, match="no neighbour"):
        compute_glszm(_roi(image, mask, {}))


# ---------------------------------------------------------------------------------------------
# baseline matrices (pyradiomics' tests/test_matrices.py fixtures)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(case, data_dir):
    # The .npy files are P_glszm of the no-suffix column of baseline_glszm.csv: binWidth 25, 3D
    # (its diagnostics_Configuration_Settings row), after pyradiomics removed absent levels
    # (rows) and absent zone sizes (columns).
    image, mask = _cropped_case(case)
    baseline = np.load(PYRAD_DIR / "baseline" / f"{case}_glszm.npy")
    p, ivec, jvec = glszm_matrix(_roi(image, mask, {"binWidth": 25}))
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
    rng = np.random.default_rng(10)
    lv = np.where(rng.random((6, 20, 20)) < 0.8, rng.integers(1, 4, (6, 20, 20)), 0).astype(np.int64)
    lo, hi = roi_bbox(lv)
    angles = roi_angles(lo, hi, 3, np.ones(1, np.int64), 0)
    serial = kernels.glszm_zones(*pad_levels(lv, lo, hi, angles))
    sliced = kernels.glszm_zones_slices(*pad_levels(lv, lo, hi, angles))
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

def _batch_inputs(rng, n, shape, settings):
    """Per-image RoiData and the matching stack of discretised levels (image 0: one pixel,
    image 1: empty)."""
    rois, levels, masks = [], [], []
    for k in range(n):
        img = rng.normal(50, 20, shape).round(1)
        msk = rng.random(shape) < rng.uniform(0.3, 0.9)
        if k < 2:
            msk[:] = False
            msk[(0,) * len(shape)] = k == 0
        rois.append(RoiData(img, msk, (1.0,) * len(shape), settings) if msk.any() else None)
        levels.append(rois[-1].levels if msk.any() else np.zeros(shape, np.int64))
        masks.append(msk)
    return rois, np.stack(levels), np.stack(masks)


@pytest.mark.parametrize("shape,settings", [
    ((28, 28), {"binCount": 16}),
    ((12, 14), {"binCount": 3}),
    ((12, 14), {"binWidth": 10, "force2D": True, "force2Ddimension": 1}),
    ((4, 5, 6), {"binCount": 4}),
    ((4, 5, 6), {"binCount": 4, "force2D": True, "force2Ddimension": 2}),
])
def test_batch_equals_per_image(shape, settings):
    rois, levels, masks = _batch_inputs(np.random.default_rng(3), 40, shape, settings)
    out = glszm_batch(levels, masks, settings)
    assert out.shape == (40, len(NAMES))
    assert np.isnan(out[:2]).all()
    for k in range(2, 40):
        np.testing.assert_allclose(out[k], compute_glszm(rois[k]), rtol=1e-12, atol=1e-12)


def test_registered():
    fam = get_family("glszm")
    assert fam.feature_names == tuple(NAMES) and len(NAMES) == 16
    assert fam.batch is glszm_batch and fam.compute is compute_glszm
    assert NAMES == list(glszm.RadiomicsGLSZM.getFeatureNames())


def test_matrix_size_guard():
    rng = np.random.default_rng(4)
    roi = RoiData(rng.normal(size=(10, 10)), np.ones((10, 10), bool), (1, 1), {"binCount": 64, "maxMatrixMB": 1e-4})
    with pytest.raises(MatrixTooLargeError, match="glszm"):
        compute_glszm(roi)
    with pytest.raises(MatrixTooLargeError):
        glszm_batch(roi.levels[None], roi.mask[None], roi.settings)
