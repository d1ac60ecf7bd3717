"""GLRLM: radfeat against pyradiomics 3.0.1 (computed live), its baseline matrices, a naive
reference, a hand-computed case, and the batch kernel against the per-image path.

Every feature comparison uses rtol 1e-6, atol 1e-9 (``assert_features_close``'s defaults).
Set ``NUMBA_DISABLE_JIT=1`` to run the kernels as plain Python; the large cases are skipped then.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
import zlib

import numpy as np
import pytest

from conftest import CASES, PYRAD_DIR, assert_features_close, case_paths
from _reference.glrlm_naive import glrlm_features_naive, glrlm_naive

sitk = pytest.importorskip("SimpleITK")
radiomics = pytest.importorskip("radiomics")
from radiomics import imageoperations  # noqa: E402
from radiomics.glrlm import RadiomicsGLRLM  # noqa: E402

from radfeat.exceptions import InvalidROIError, MatrixTooLargeError  # noqa: E402
from radfeat.features.glrlm import FEATURES, compute_glrlm, glrlm_batch, glrlm_matrix  # noqa: E402
from radfeat.features.registry import get_family  # noqa: E402
from radfeat.features.roi import RoiData  # noqa: E402

radiomics.setVerbosity(logging.CRITICAL)
NO_JIT = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
NAMES = [f.name for f in FEATURES]
SMALL_CASES = ["breast1", "brain2"]  # the ones still quick as plain Python

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::DeprecationWarning")


# ------------------------------------------------------------------------------------ helpers


@functools.lru_cache(maxsize=None)
def cropped_case(name):
    """The case's image and label cropped as pyradiomics' extractor does (checkMask + crop)."""
    image, mask = (sitk.ReadImage(str(p)) for p in case_paths(name))
    bbox, _ = imageoperations.checkMask(image, mask, label=1)
    return imageoperations.cropToTumorMask(image, mask, bbox)


def roi_from_sitk(image, mask, settings):
    return RoiData(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(mask) == 1,
                   image.GetSpacing()[::-1], settings)


def ours(roi):
    return dict(zip(NAMES, compute_glrlm(roi)))


def pyradiomics_glrlm(image, mask, settings):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = RadiomicsGLRLM(image, mask, **settings).execute()
    return {k: float(v) for k, v in result.items()}


def to_sitk(array, spacing):
    img = sitk.GetImageFromArray(array)
    img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    return img


def compare_arrays(image, mask, spacing, settings):
    """pyradiomics vs radfeat on numpy arrays (cropped like the extractor crops)."""
    img, msk = to_sitk(image.astype(np.float64), spacing), to_sitk(mask.astype(np.uint8), spacing)
    bbox, _ = imageoperations.checkMask(img, msk, label=1)
    img, msk = imageoperations.cropToTumorMask(img, msk, bbox)
    assert_features_close(ours(roi_from_sitk(img, msk, settings)), pyradiomics_glrlm(img, msk, settings))


def random_roi(rng, shape, fill=0.75, levels=None):
    """Image (optionally with few distinct values, for long runs) and a ragged mask."""
    if levels is None:
        image = rng.normal(100.0, 30.0, shape).round(1)
    else:
        image = rng.integers(0, levels, shape) * 20.0
    mask = np.zeros(shape, bool)
    lo = [rng.integers(0, max(1, s // 4)) for s in shape]
    sl = tuple(slice(a, s) for a, s in zip(lo, shape))
    mask[sl] = rng.random(mask[sl].shape) < fill
    mask.flat[rng.integers(mask.size)] = True
    return image, mask


# ------------------------------------------------------------------------- registry and order


def test_feature_order_matches_pyradiomics():
    expected = [n for n, deprecated in RadiomicsGLRLM.getFeatureNames().items() if not deprecated]
    assert NAMES == expected
    family = get_family("glrlm")
    assert family.feature_names == tuple(NAMES)
    assert family.batch is glrlm_batch
    assert family.kind == "texture" and family.directional
    assert all(f.formula for f in FEATURES)


# ------------------------------------------------------------------ pyradiomics' test cases


CASE_SETTINGS = [
    {"binWidth": 25},
    {"binWidth": 25, "force2D": True},
    {"binWidth": 25, "force2D": True, "force2Ddimension": 1},
    {"binCount": 64},
    {"binWidth": 25, "weightingNorm": "no_weighting"},
    {"binWidth": 25, "weightingNorm": "manhattan"},
]


@pytest.mark.parametrize("settings", CASE_SETTINGS, ids=str)
@pytest.mark.parametrize("case", CASES)
def test_cases_match_pyradiomics(data_dir, case, settings):
    if NO_JIT and case not in SMALL_CASES:
        pytest.skip("large case skipped without JIT")
    image, mask = cropped_case(case)
    expected = pyradiomics_glrlm(image, mask, settings)
    assert_features_close(ours(roi_from_sitk(image, mask, settings)), expected)


@pytest.mark.parametrize("case", CASES)
def test_matrix_matches_baseline(data_dir, case):
    # The baseline matrices come from each case's default column of baseline_glrlm.csv
    # (binWidth 25, 3D, no weighting); test_glcm.py reads those settings from the CSV.
    if NO_JIT and case not in SMALL_CASES:
        pytest.skip("large case skipped without JIT")
    expected = np.load(PYRAD_DIR / "baseline" / f"{case}_glrlm.npy")
    got = glrlm_matrix(roi_from_sitk(*cropped_case(case), {"binWidth": 25}))
    assert got.shape == expected.shape
    np.testing.assert_array_equal(got, expected)   # run counts: exact


# ------------------------------------------------------------------------ random images


RANDOM_SETTINGS = [
    {"binWidth": 10},
    {"binCount": 16},
    {"binCount": 3},
    {"binWidth": 10, "weightingNorm": "manhattan"},
    {"binWidth": 10, "weightingNorm": "euclidean"},
    {"binWidth": 10, "weightingNorm": "infinity"},
    {"binWidth": 10, "weightingNorm": "no_weighting"},
    {"binCount": 16, "force2D": True},
    {"binCount": 16, "force2D": True, "force2Ddimension": 2},
]
RANDOM_SHAPES = [(7, 9), (40, 33), (5, 6, 7), (14, 18, 11)]


@pytest.mark.parametrize("settings", RANDOM_SETTINGS, ids=str)
@pytest.mark.parametrize("shape", RANDOM_SHAPES, ids=str)
def test_random_match_pyradiomics(shape, settings):
    if NO_JIT and np.prod(shape) > 500:
        pytest.skip("large image skipped without JIT")
    rng = np.random.default_rng(zlib.crc32(repr((shape, settings)).encode()))
    spacing = rng.uniform(0.5, 3.0, len(shape))
    for fill, levels in ((1.0, None), (0.7, None), (0.9, 3)):
        image, mask = random_roi(rng, shape, fill, levels)
        compare_arrays(image, mask, spacing, settings)


@pytest.mark.parametrize("seed", range(4))
def test_random_match_naive(seed):
    rng = np.random.default_rng(seed)
    shape = [(6, 7), (4, 5, 6), (9, 4), (3, 4, 4)][seed]
    image, mask = random_roi(rng, shape, 0.8, levels=3)
    for settings in ({"binCount": 3}, {"binCount": 3, "weightingNorm": "euclidean"},
                     {"binCount": 3, "force2D": True}):
        roi = RoiData(image, mask, np.ones(len(shape)), settings)
        excluded = 0 if settings.get("force2D") else -1
        P, gray = glrlm_naive(roi.levels, roi.mask, settings.get("weightingNorm"), None, excluded)
        # counts are exact; weighted sums of them may differ in the last bit (summation order)
        np.testing.assert_allclose(glrlm_matrix(roi), P[:, P.sum(axis=(0, 2)) != 0, :], rtol=1e-14)
        assert_features_close(ours(roi), glrlm_features_naive(P, gray))


# ------------------------------------------------------------------------- edge cases


def edge_cases():
    flat = np.full((5, 5), 100.0)
    square = np.zeros((5, 5), bool)
    square[1:4, 1:4] = True
    corners = np.zeros((3, 3), bool)
    corners[::2, ::2] = True
    thin = np.zeros((2, 1, 5), bool)
    thin[0, 0, 0] = thin[1, 0, 3] = True   # force2D leaves one offset, along which no run has 2 voxels
    return {
        "flat": (flat, square, {}),
        "row-gap": (np.array([[10.0, 40.0, 70.0]]), np.array([[True, False, True]]), {}),
        "corners": (np.arange(9.0).reshape(3, 3) * 30, corners, {}),
        "corners-flat-weighted": (np.full((3, 3), 5.0), corners, {"weightingNorm": "euclidean"}),
        "thin-force2d": (np.arange(10.0).reshape(2, 1, 5) * 30, thin, {"force2D": True}),
        "flat-3d": (np.full((3, 4, 5), 7.0), np.ones((3, 4, 5), bool), {"weightingNorm": "infinity"}),
    }


@pytest.mark.parametrize("name", list(edge_cases()))
def test_edge_cases_match_pyradiomics(name):
    image, mask, settings = edge_cases()[name]
    settings = {"binWidth": 25, **settings}
    img, msk = to_sitk(image, np.ones(image.ndim)), to_sitk(mask.astype(np.uint8), np.ones(image.ndim))
    roi = RoiData(image, mask, np.ones(image.ndim), settings)
    assert_features_close(ours(roi), pyradiomics_glrlm(img, msk, settings))


def test_single_voxel_raises_like_pyradiomics():
    mask = np.zeros((4, 4), bool)
    mask[1, 2] = True
    with pytest.raises(InvalidROIError, match="no offset fits"):
        compute_glrlm(RoiData(np.ones((4, 4)), mask, (1.0, 1.0), {"binWidth": 25}))


# --------------------------------------------------------------------- hand-computed case


HAND_IMAGE = np.array([[1.0, 1.0, 2.0], [1.0, 2.0, 2.0], [3.0, 3.0, 3.0]])


def test_hand_computed_3x3():
    roi = RoiData(HAND_IMAGE, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1})
    # Offsets (1, 1), (1, 0), (1, -1), (0, 1); rows: levels 1..3, columns: run lengths 1..3.
    expected = np.zeros((3, 3, 4))
    expected[:, :, 0] = [[3, 0, 0], [3, 0, 0], [3, 0, 0]]   # every diagonal run has length 1
    expected[:, :, 1] = [[1, 1, 0], [1, 1, 0], [3, 0, 0]]   # columns 1,1,3 / 1,2,3 / 2,2,3
    expected[:, :, 2] = [[1, 1, 0], [1, 1, 0], [3, 0, 0]]
    expected[:, :, 3] = [[1, 1, 0], [1, 1, 0], [0, 0, 1]]   # rows 1,1,2 / 1,2,2 / 3,3,3
    np.testing.assert_array_equal(glrlm_matrix(roi, raw=True), expected)
    got = ours(roi)
    # SRE per offset: 9/9, (5 + 2/4)/7 twice, (2 + 2/4 + 1/9)/5; RP: 9/9, 7/9, 7/9, 5/9
    assert got["ShortRunEmphasis"] == pytest.approx(1949 / 2520, rel=1e-14)
    assert got["RunPercentage"] == pytest.approx(7 / 9, rel=1e-14)
    assert got["GrayLevelNonUniformity"] == pytest.approx(338 / 140, rel=1e-14)
    assert got["LongRunEmphasis"] == pytest.approx((1 + 13 / 7 + 13 / 7 + 19 / 5) / 4, rel=1e-14)


# ----------------------------------------------------------------------------- batch


def per_image(compute, roi):
    """``compute(roi)``, or the NaN row the batch gives for an empty or single-voxel ROI."""
    if roi is None:
        return np.full(len(FEATURES), np.nan)
    try:
        return compute(roi)
    except InvalidROIError:
        return np.full(len(FEATURES), np.nan)


def batch_stack(rng, n, shape, settings):
    images = (rng.integers(0, 6, (n,) + shape) * 30).astype(np.float64)
    masks = rng.random((n,) + shape) < 0.8
    masks[0] = True
    masks[1] = False                 # empty ROI -> NaN row
    masks[2] = False
    masks[2].flat[3] = True          # single voxel -> NaN row
    rois = [RoiData(images[k], masks[k], np.ones(len(shape)), settings) if masks[k].any() else None
            for k in range(n)]
    levels = np.stack([r.levels if r is not None else np.zeros(shape, np.int64) for r in rois])
    return levels, masks, rois


@pytest.mark.parametrize("settings", [
    {"binWidth": 25},
    {"binCount": 4},
    {"binWidth": 40, "weightingNorm": "euclidean"},
], ids=str)
def test_batch_equals_per_image_2d(settings):
    rng = np.random.default_rng(5)
    levels, masks, rois = batch_stack(rng, 12 if NO_JIT else 40, (12, 13), settings)
    got = glrlm_batch(levels, masks, {**settings, "spacing": (0.5, 2.0)})
    assert got.shape == (levels.shape[0], len(FEATURES))
    for k, roi in enumerate(rois):
        if roi is None:
            assert np.isnan(got[k]).all()
            continue
        roi = RoiData(roi.image, roi.mask, (0.5, 2.0), roi.settings)
        expected = per_image(compute_glrlm, roi)
        np.testing.assert_allclose(got[k], expected, rtol=1e-12, atol=0, equal_nan=True)


def test_batch_equals_per_image_3d():
    rng = np.random.default_rng(4)
    settings = {"binCount": 3, "force2D": True}
    levels, masks, rois = batch_stack(rng, 6, (4, 5, 6), settings)
    got = glrlm_batch(levels, masks, settings)
    for k, roi in enumerate(rois):
        expected = per_image(compute_glrlm, roi)
        np.testing.assert_allclose(got[k], expected, rtol=1e-12, atol=0, equal_nan=True)


# ------------------------------------------------------------------------------ guards


def test_matrix_size_guard():
    image = np.arange(400.0).reshape(20, 20)
    settings = {"binWidth": 1, "maxMatrixMB": 0.01}   # 400 levels x 20 run lengths x 4 offsets
    roi = RoiData(image, np.ones((20, 20), bool), (1.0, 1.0), settings)
    with pytest.raises(MatrixTooLargeError, match="maxMatrixMB"):
        compute_glrlm(roi)
    with pytest.raises(MatrixTooLargeError):
        glrlm_batch(roi.levels[None], roi.mask[None], settings)


def test_parallel_accumulation_equals_serial():
    from radfeat._kernels import glcm as KC
    from radfeat._kernels import glrlm as K

    rng = np.random.default_rng(2)
    q = rng.integers(-1, 3, (9, 11, 13)).astype(np.int32)
    angles = KC.pad_angles_3d(KC.generate_angles(np.array([9, 11, 13]), np.array([1]), -1))
    np.testing.assert_array_equal(K.glrlm_accumulate_parallel(q, angles, 3, 13),
                                  K.glrlm_accumulate(q, angles, 3, 13))


def test_merge_directions_is_unweighted_sum():
    image, mask = cropped_case("breast1")
    merged = ours(roi_from_sitk(image, mask, {"binWidth": 25, "mergeDirections": True}))
    expected = pyradiomics_glrlm(image, mask, {"binWidth": 25, "weightingNorm": "no_weighting"})
    assert_features_close(merged, expected)
