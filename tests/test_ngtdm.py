"""NGTDM features against pyradiomics (live), its baseline matrices, a naive reference and a
hand-computed image.

pyradiomics runs its feature class on images cropped as its extractor does, radfeat on the same
cropped arrays (see :mod:`_reference.oracle`). Every feature is compared at rtol 1e-6, atol 1e-9.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from _reference import ngtdm_naive
from conftest import PYRAD_DIR
from radfeat._kernels import _neighbours
from radfeat._kernels import ngtdm as kernels
from radfeat.exceptions import InvalidROIError
from radfeat.features.ngtdm import FEATURES, compute_ngtdm, ngtdm_batch, ngtdm_matrix
from radfeat.features.roi import RoiData

radiomics = pytest.importorskip("radiomics")
from radiomics import ngtdm  # noqa: E402

from _reference.oracle import (CASE_PARAMS, Oracle, assert_batch_rows, assert_size_guard,  # noqa: E402
                               batch_inputs, crop, cropped_case, random_case, random_levels,
                               roi_from_sitk, sitk_pair)

NAMES = [f.name for f in FEATURES]
ORACLE = Oracle(compute_ngtdm, ngtdm.RadiomicsNGTDM, tuple(NAMES))


# ---------------------------------------------------------------------------------------------
# pyradiomics, live
# ---------------------------------------------------------------------------------------------

CASE_VARIANTS = {
    "3d": {},
    "force2D": {"force2D": True},
    "force2D_axis1": {"force2D": True, "force2Ddimension": 1},
    "binCount_dist12": {"binCount": 32, "distances": [1, 2]},
}


@pytest.mark.parametrize("variant", list(CASE_VARIANTS))
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matches_pyradiomics_cases(case, variant, data_dir):
    ORACLE.compare(*cropped_case(case), CASE_VARIANTS[variant])


RANDOM_SETTINGS = [
    {"binWidth": 7},
    {"binCount": 13},
    {"binCount": 6, "distances": [2]},
    {"binWidth": 20, "distances": [1, 3]},
]


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), pytest.param((20, 24, 30), marks=pytest.mark.heavy)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    image, mask = random_case(np.random.default_rng(seed), shape, 0.6)
    axes = range(3) if len(shape) == 3 else ()
    for settings in RANDOM_SETTINGS + [{"binCount": 9, "force2D": True, "force2Ddimension": a} for a in axes]:
        ORACLE.compare(image, mask, settings)


@pytest.mark.parametrize("distances", [[1, 1], [1, 2, 1]])
def test_repeated_distances_match_pyradiomics(distances):
    ORACLE.compare(*random_case(np.random.default_rng(5), (5, 9, 8), 0.7, high=60),
                   {"binWidth": 10, "distances": distances})


def test_force2d_on_a_2d_image_matches_pyradiomics():
    image, mask = random_case(np.random.default_rng(6), (12, 15), 0.7, high=50)
    ORACLE.compare(image, mask, {"binWidth": 10, "force2D": True, "force2Ddimension": 0})


def test_isolated_voxels_match_pyradiomics():
    # voxels without an ROI neighbour count in n_i with a difference of 0
    msk = np.zeros((7, 7))
    msk[::3, ::3] = 1
    msk[1, 1] = 1
    image, mask = crop(*sitk_pair(np.arange(49.0).reshape(7, 7), msk))
    ORACLE.compare(image, mask, {"binWidth": 5})


@pytest.mark.parametrize("values", [np.full((4, 6, 7), 42.0), None])
def test_flat_or_uniform_difference_roi_matches_pyradiomics(values):
    # flat: s_i = 0 everywhere -> Coarseness 1e6, the rest 0 (pyradiomics' conventions)
    rng = np.random.default_rng(8)
    msk = rng.random((4, 6, 7)) < 0.6
    image, mask = crop(*sitk_pair(values if values is not None else np.zeros((4, 6, 7)), msk))
    ORACLE.compare(image, mask, {})
    assert ORACLE.ours_sitk(image, mask, {}) == {"Busyness": 0, "Coarseness": 1e6, "Complexity": 0, "Contrast": 0,
                                                 "Strength": 0}


def test_single_voxel_raises_like_pyradiomics():
    # a single voxel, cropped to its 1x1x1 box as pyradiomics' extractor would (its checkMask
    # rejects such a mask before that)
    image, mask = sitk_pair(np.full((1, 1, 1), 7.0), np.ones((1, 1, 1)))
    with pytest.raises(RuntimeError):
        ORACLE.theirs(image, mask, {})
    with pytest.raises(InvalidROIError, match="no neighbour"):
        compute_ngtdm(roi_from_sitk(image, mask, {}))


# ---------------------------------------------------------------------------------------------
# baseline matrices (pyradiomics' tests/test_matrices.py fixtures)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(case, data_dir):
    # The .npy files are P_ngtdm of the no-suffix column of baseline_ngtdm.csv: binWidth 25,
    # distances [1], 3D (its diagnostics_Configuration_Settings row). Columns n_i and i are
    # exact; s_i sums floating-point differences, and the baseline was written by an older
    # pyradiomics (1.3.0.post61) that summed in another order: lung2 differs by 1.7e-11.
    image, mask = cropped_case(case)
    baseline = np.load(PYRAD_DIR / "baseline" / f"{case}_ngtdm.npy")
    p = ngtdm_matrix(roi_from_sitk(image, mask, {"binWidth": 25, "distances": [1]}))
    assert p.shape == baseline.shape
    np.testing.assert_array_equal(p[:, [0, 2]], baseline[:, [0, 2]])
    np.testing.assert_allclose(p[:, 1], baseline[:, 1], rtol=1e-12, atol=0)
    live = ngtdm.RadiomicsNGTDM(image, mask, binWidth=25)
    live._initCalculation()
    np.testing.assert_allclose(p, live.P_ngtdm[0], rtol=1e-13, atol=0)


# ---------------------------------------------------------------------------------------------
# naive reference and hand-computed values
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(9, 11), (5, 6, 7)])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_naive_reference(shape, seed):
    rng = np.random.default_rng(seed)
    levels = rng.integers(1, 6, shape)
    mask = rng.random(shape) < 0.7
    axes = [-1] + list(range(len(shape)))
    for distances, axis in [((1,), -1), ((1, 2), -1), ((2,), axes[-1])] + [((1,), a) for a in axes]:
        settings = {"binWidth": 1, "distances": list(distances),
                    "force2D": axis >= 0, "force2Ddimension": max(axis, 0)}
        roi = RoiData(levels.astype(float), mask, (1.0,) * len(shape), settings)
        ref = ngtdm_naive.ngtdm_matrix(roi.levels, mask, distances, axis)
        p = ngtdm_matrix(roi)
        np.testing.assert_allclose(p, ref, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(compute_ngtdm(roi), ngtdm_naive.ngtdm_features(ref), rtol=1e-12, atol=1e-12)


def test_hand_computed_3x3():
    # levels   |centre - mean of the 8-neighbours in the ROI|
    #  1 1 2     1/3  3/5  1/3
    #  1 2 2     1    1/4  1/5
    #  3 3 1     1    6/5  4/3
    arr = np.array([[1, 1, 2], [1, 2, 2], [3, 3, 1]], float)
    roi = RoiData(arr, np.ones((3, 3), bool), (1.0, 1.0), {"binWidth": 1})
    s = [Fraction(49, 15), Fraction(47, 60), Fraction(11, 5)]
    np.testing.assert_allclose(ngtdm_matrix(roi), [[4, float(s[0]), 1], [3, float(s[1]), 2], [2, float(s[2]), 3]],
                               rtol=1e-15)
    f = dict(zip(NAMES, compute_ngtdm(roi)))
    p = [Fraction(4, 9), Fraction(3, 9), Fraction(2, 9)]
    sum_ps = sum(pi * si for pi, si in zip(p, s))
    assert sum_ps == Fraction(1189, 540)
    assert f["Coarseness"] == pytest.approx(540 / 1189, rel=1e-14)
    pairs = [(a, b) for a in range(3) for b in range(3)]
    contrast = sum(p[a] * p[b] * (a - b) ** 2 for a, b in pairs) * sum(s) / 9 / 6
    strength = sum((p[a] + p[b]) * (a - b) ** 2 for a, b in pairs) / sum(s)
    busyness = sum_ps / sum(abs((a + 1) * p[a] - (b + 1) * p[b]) for a, b in pairs)
    assert f["Contrast"] == pytest.approx(float(contrast), rel=1e-14)
    assert f["Strength"] == pytest.approx(float(strength), rel=1e-14)
    assert f["Busyness"] == pytest.approx(float(busyness), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# batch kernel, registry, guard
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,settings", [
    ((28, 28), {"binCount": 16}),
    ((12, 14), {"binWidth": 10, "distances": [1, 2]}),
    ((12, 14), {"binWidth": 10, "force2D": True, "force2Ddimension": 1}),
    ((4, 5, 6), {"binCount": 8}),
    ((16, 18), {"binWidth": 0.5}),  # ~200 levels: the batch scratch grows
])
def test_batch_equals_per_image(shape, settings):
    rois, levels, masks = batch_inputs(np.random.default_rng(3), 40, shape, settings)
    assert_batch_rows(ngtdm_batch(levels, masks, settings), rois, masks, compute_ngtdm, len(NAMES),
                      rtol=1e-12, atol=1e-12)


def test_parallel_chunks_equal_serial():
    lv = random_levels(np.random.default_rng(11), (7, 9, 10), 0.7, 6)
    padded, offsets, dims = _neighbours.neighbourhood(lv, 3, np.array([1, 2]), -1)
    serial = kernels.ngtdm_matrix(padded, offsets, dims, 5)
    for chunks in (2, 3, 7):
        # s_i is summed in another order per chunk: equal to rounding
        np.testing.assert_allclose(kernels.ngtdm_matrix_parallel(padded, offsets, dims, 5, chunks), serial,
                                   rtol=1e-13, atol=0)


def test_registered():
    ORACLE.assert_registered("ngtdm", ngtdm_batch, settings={"distances": [1]})
    assert len(NAMES) == 5
    assert NAMES == list(ngtdm.RadiomicsNGTDM.getFeatureNames())


def test_matrix_size_guard():
    rng = np.random.default_rng(4)
    roi = RoiData(rng.normal(size=(10, 10)), np.ones((10, 10), bool), (1, 1), {"binCount": 64, "maxMatrixMB": 1e-4})
    assert_size_guard(compute_ngtdm, ngtdm_batch, roi, "ngtdm")
