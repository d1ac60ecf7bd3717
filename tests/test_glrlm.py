"""GLRLM: radfeat against pyradiomics 3.0.1 (computed live), its baseline matrices, a naive
reference, a hand-computed case, and the batch kernel against the per-image path.

Every feature comparison uses rtol 1e-6, atol 1e-9 (``assert_features_close``'s defaults).
Set ``NUMBA_DISABLE_JIT=1`` to run the kernels as plain Python (with ``-m "not heavy"``: the
large pyradiomics cases are marked ``heavy``, large random images are skipped).
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import PYRAD_DIR, assert_features_close
from _reference.glrlm_naive import glrlm_features_naive, glrlm_naive

radiomics = pytest.importorskip("radiomics")
from radiomics.glrlm import RadiomicsGLRLM  # noqa: E402

from _reference.oracle import (CASE_PARAMS, NO_JIT, Oracle, assert_batch_rows,  # noqa: E402
                               assert_size_guard, batch_stack, cropped_case, edge_case_rois, random_roi,
                               roi_from_sitk)
from radfeat.exceptions import InvalidROIError  # noqa: E402
from radfeat.features.glrlm import FEATURES, compute_glrlm, glrlm_batch, glrlm_matrix  # noqa: E402
from radfeat.features.roi import RoiData  # noqa: E402

NAMES = [f.name for f in FEATURES]
ORACLE = Oracle(compute_glrlm, RadiomicsGLRLM, tuple(NAMES))

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::DeprecationWarning")


# ------------------------------------------------------------------------- registry and order


def test_feature_order_matches_pyradiomics():
    ORACLE.assert_registered("glrlm", glrlm_batch, kind="texture", directional=True)


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
@pytest.mark.parametrize("case", CASE_PARAMS)
def test_cases_match_pyradiomics(data_dir, case, settings):
    ORACLE.compare(*cropped_case(case), settings)


@pytest.mark.parametrize("case", CASE_PARAMS)
def test_matrix_matches_baseline(data_dir, case):
    # The baseline matrices come from each case's default column of baseline_glrlm.csv
    # (binWidth 25, 3D, no weighting); test_glcm.py reads those settings from the CSV.
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
    ORACLE.compare_random_rois(shape, settings, [(1.0, None), (0.7, None), (0.9, 3)])


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
        assert_features_close(ORACLE.ours(roi), glrlm_features_naive(P, gray))


# ------------------------------------------------------------------------- edge cases


def edge_cases():
    thin = np.zeros((2, 1, 5), bool)
    thin[0, 0, 0] = thin[1, 0, 3] = True   # force2D leaves one offset, along which no run has 2 voxels
    return edge_case_rois(**{
        "thin-force2d": (np.arange(10.0).reshape(2, 1, 5) * 30, thin, {"force2D": True}),
        "flat-3d": (np.full((3, 4, 5), 7.0), np.ones((3, 4, 5), bool), {"weightingNorm": "infinity"}),
    })


@pytest.mark.parametrize("name", list(edge_cases()))
def test_edge_cases_match_pyradiomics(name):
    image, mask, settings = edge_cases()[name]
    ORACLE.compare_arrays(image, mask, np.ones(image.ndim), {"binWidth": 25, **settings}, cropped=False)


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
    got = ORACLE.ours(roi)
    # SRE per offset: 9/9, (5 + 2/4)/7 twice, (2 + 2/4 + 1/9)/5; RP: 9/9, 7/9, 7/9, 5/9
    assert got["ShortRunEmphasis"] == pytest.approx(1949 / 2520, rel=1e-14)
    assert got["RunPercentage"] == pytest.approx(7 / 9, rel=1e-14)
    assert got["GrayLevelNonUniformity"] == pytest.approx(338 / 140, rel=1e-14)
    assert got["LongRunEmphasis"] == pytest.approx((1 + 13 / 7 + 13 / 7 + 19 / 5) / 4, rel=1e-14)


# ----------------------------------------------------------------------------- batch


@pytest.mark.parametrize("settings", [
    {"binWidth": 25},
    {"binCount": 4},
    {"binWidth": 40, "weightingNorm": "euclidean"},
], ids=str)
def test_batch_equals_per_image_2d(settings):
    rng = np.random.default_rng(5)
    rois, levels, masks = batch_stack(rng, 12 if NO_JIT else 40, (12, 13), settings, high=6, step=30)
    assert_batch_rows(glrlm_batch(levels, masks, {**settings, "spacing": (0.5, 2.0)}), rois, masks, compute_glrlm,
                      len(FEATURES), spacing=(0.5, 2.0))


def test_batch_equals_per_image_many_levels():
    # more levels than the batch kernel's initial scratch holds (it grows)
    rng = np.random.default_rng(6)
    settings = {"binWidth": 1}
    rois, levels, masks = batch_stack(rng, 12 if NO_JIT else 40, (14, 15), settings)
    assert_batch_rows(glrlm_batch(levels, masks, settings), rois, masks, compute_glrlm, len(FEATURES))


def test_batch_equals_per_image_3d():
    rng = np.random.default_rng(4)
    settings = {"binCount": 3, "force2D": True}
    rois, levels, masks = batch_stack(rng, 6, (4, 5, 6), settings, high=6, step=30)
    assert_batch_rows(glrlm_batch(levels, masks, settings), rois, masks, compute_glrlm, len(FEATURES))


# ------------------------------------------------------------------------------ guards


def test_matrix_size_guard():
    image = np.arange(400.0).reshape(20, 20)
    settings = {"binWidth": 1, "maxMatrixMB": 0.01}   # 400 levels x 20 run lengths x 4 offsets
    roi = RoiData(image, np.ones((20, 20), bool), (1.0, 1.0), settings)
    assert_size_guard(compute_glrlm, glrlm_batch, roi, "maxMatrixMB")


def test_parallel_accumulation_equals_serial():
    from radfeat._kernels import _neighbours
    from radfeat._kernels import glrlm as K

    rng = np.random.default_rng(2)
    q = rng.integers(-1, 3, (9, 11, 13)).astype(np.int32)
    angles = _neighbours.generate_angles(np.array([9, 11, 13]), np.array([1]), -1, False)
    angles = _neighbours.pad_angles_3d(angles)
    np.testing.assert_array_equal(K.glrlm_accumulate_parallel(q, angles, 3, 13),
                                  K.glrlm_accumulate(q, angles, 3, 13))


def _walked_counts(q, off, n_gray):
    # pyradiomics' C loop in Python: the runs along every line of q (-1 outside the ROI), and
    # nothing if no line holds two ROI voxels
    counts = np.zeros((n_gray, max(q.shape)))
    longest = 0
    for start in np.ndindex(*q.shape):
        if all(0 <= c < s for c, s in zip(np.subtract(start, off), q.shape)):
            continue  # not the first voxel of its line
        values, pos = [], np.array(start)
        while all(0 <= c < s for c, s in zip(pos, q.shape)):
            values.append(int(q[tuple(pos)]))
            pos = pos + off
        longest = max(longest, sum(v >= 0 for v in values))
        run_value, run_len = -1, 0
        for v in values + [-1]:
            if v >= 0 and v == run_value:
                run_len += 1
                continue
            if run_value >= 0:
                counts[run_value, run_len - 1] += 1
            run_value, run_len = v, (1 if v >= 0 else 0)
    return counts if longest > 1 else 0 * counts


def test_run_counts_equal_line_walk():
    # every offset, either orientation, on boxes with and without neighbouring ROI voxels (the
    # single-voxel column is derived from the level counts, so empty and sparse ROIs matter)
    from radfeat._kernels import glrlm as K

    rng = np.random.default_rng(4)
    offsets = [(a, b, c) for a in (-1, 0, 1) for b in (-1, 0, 1) for c in (-1, 0, 1) if (a, b, c) != (0, 0, 0)]
    for trial in range(60):
        shape = tuple(int(v) for v in rng.integers(1, 8, 3))
        levels = int(rng.integers(1, 4))
        q = rng.integers(0, levels, shape).astype(np.int32)
        q[rng.random(shape) < (0.9 if trial % 5 == 0 else 0.3)] = -1  # sparse ROIs: no adjacent voxels
        got = K.glrlm_accumulate(q, np.array(offsets), levels, max(shape))
        for a, off in enumerate(offsets):
            np.testing.assert_array_equal(got[a], _walked_counts(q, off, levels), err_msg=f"{shape} {off}")


def test_merge_directions_is_unweighted_sum():
    ORACLE.compare_merged(*cropped_case("breast1"), {"binWidth": 25})
