"""First-order features against pyradiomics (live), IBSI-1, and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from conftest import (CASES, IBSI_DIR, assert_features_close, ibsi_reference, ibsi_within, load_case,
                      pyradiomics_features, radfeat_features)
from radfeat._kernels.firstorder import firstorder_batch, firstorder_from_values
from radfeat.features.firstorder import FEATURES, compute_firstorder
from radfeat.features.roi import RoiData

pytest.importorskip("radiomics")

VARIANTS = {
    "default": {},
    "binCount32": {"binCount": 32},
    "resampled2mm": {"resampledPixelSpacing": [2, 2, 2]},
    "normalized": {"normalize": True, "normalizeScale": 100, "removeOutliers": 3, "binWidth": 5},
    "shift": {"voxelArrayShift": 1000, "binWidth": 10},
}


@pytest.mark.heavy
@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("case", CASES)
def test_matches_pyradiomics_3d(case, variant, data_dir):
    image, mask = load_case(case)
    settings = VARIANTS[variant]
    ours = radfeat_features(image, mask, settings)
    theirs = pyradiomics_features(image, mask, settings)
    assert set(ours) == set(theirs)
    assert_features_close(ours, theirs)


def _largest_slice(case):
    image, mask = load_case(case)
    m = sitk.GetArrayFromImage(mask) == 1
    z = int(np.argmax(m.sum(axis=(1, 2))))
    return image[:, :, z], mask[:, :, z], image[:, :, z:z + 1], mask[:, :, z:z + 1]


@pytest.mark.parametrize("case", CASES)
def test_matches_pyradiomics_2d(case, data_dir):
    image2d, mask2d, image_slab, mask_slab = _largest_slice(case)
    for settings in ({}, {"binCount": 16}):
        # a real 2D image
        assert_features_close(radfeat_features(image2d, mask2d, settings),
                              pyradiomics_features(image2d, mask2d, settings))
        # a one-slice 3D volume with force2D (pyradiomics' 2D route on 3D input)
        s = {**settings, "force2D": True, "minimumROIDimensions": 2}
        assert_features_close(radfeat_features(image_slab, mask_slab, s),
                              pyradiomics_features(image_slab, mask_slab, s))


@pytest.mark.parametrize("shape", [(7, 9), (33, 20), (6, 11, 9), (20, 24, 30)])
@pytest.mark.parametrize("seed", [0, 1])
def test_matches_pyradiomics_random(shape, seed):
    rng = np.random.default_rng(seed)
    arr = rng.normal(100, 40, size=shape).round(1)
    msk = (rng.random(shape) < 0.6).astype(np.uint8)
    image = sitk.GetImageFromArray(arr)
    image.SetSpacing([0.7, 1.3, 2.0][: arr.ndim])
    mask = sitk.GetImageFromArray(msk)
    mask.CopyInformation(image)
    for settings in ({"binWidth": 7}, {"binCount": 13}):
        assert_features_close(radfeat_features(image, mask, settings), pyradiomics_features(image, mask, settings))


def _by_name(values):
    return dict(zip([f.name for f in FEATURES], values))


def test_hand_computed():
    # values 1, 2, 3, 4 on a 2x2 ROI of 2 x 3 mm pixels
    roi = RoiData(np.array([[1.0, 2.0], [3.0, 4.0]]), np.ones((2, 2), bool), (2.0, 3.0), {"binWidth": 1})
    f = _by_name(compute_firstorder(roi))
    assert f["Mean"] == 2.5 and f["Minimum"] == 1 and f["Maximum"] == 4 and f["Range"] == 3
    assert f["Energy"] == 30 and f["TotalEnergy"] == 30 * 6
    assert f["Variance"] == pytest.approx(1.25, rel=1e-15)
    assert f["Median"] == 2.5 and f["10Percentile"] == pytest.approx(1.3) and f["90Percentile"] == pytest.approx(3.7)
    assert f["InterquartileRange"] == pytest.approx(1.5)
    assert f["MeanAbsoluteDeviation"] == 1.0
    assert f["RobustMeanAbsoluteDeviation"] == 0.5  # only 2 and 3 lie within [P10, P90]
    assert f["Skewness"] == 0.0
    assert f["Kurtosis"] == pytest.approx((1.5**4 * 2 + 0.5**4 * 2) / 4 / 1.25**2)
    assert f["Entropy"] == pytest.approx(2.0, rel=1e-12)  # four equally likely grey levels
    assert f["Uniformity"] == pytest.approx(0.25)
    assert f["RootMeanSquared"] == pytest.approx(np.sqrt(7.5))


def test_flat_roi_gives_zero_skewness_and_kurtosis():
    roi = RoiData(np.full((3, 3), 7.0), np.ones((3, 3), bool), (1.0, 1.0))
    f = _by_name(compute_firstorder(roi))
    assert f["Skewness"] == 0 and f["Kurtosis"] == 0 and f["Variance"] == 0 and f["Entropy"] == pytest.approx(0, abs=1e-12)


def test_batch_equals_single():
    rng = np.random.default_rng(3)
    images = rng.normal(50, 10, size=(20, 12, 12))
    masks = rng.random((20, 12, 12)) < 0.7
    levels = np.zeros(images.shape, np.int64)
    singles = []
    for k in range(20):
        roi = RoiData(images[k], masks[k], (1.0, 1.0), {"binWidth": 5})
        levels[k] = roi.levels
        singles.append(compute_firstorder(roi))
    np.testing.assert_allclose(firstorder_batch(images, levels, masks, 0.0, 1.0), np.array(singles), rtol=1e-12)


IBSI_TAGS = {  # radfeat name -> IBSI tag
    "Mean": "stat_mean", "Variance": "stat_var", "Skewness": "stat_skew", "Median": "stat_median",
    "Minimum": "stat_min", "10Percentile": "stat_p10", "90Percentile": "stat_p90", "Maximum": "stat_max",
    "InterquartileRange": "stat_iqr", "Range": "stat_range", "MeanAbsoluteDeviation": "stat_mad",
    "RobustMeanAbsoluteDeviation": "stat_rmad", "Energy": "stat_energy", "RootMeanSquared": "stat_rms",
    "Entropy": "ih_entropy", "Uniformity": "ih_uniformity",
}


def test_ibsi_digital_phantom(data_dir):
    ref = ibsi_reference("digital_phantom")
    image = sitk.ReadImage(str(IBSI_DIR / "digital_phantom" / "phantom.nii.gz"))
    mask = sitk.ReadImage(str(IBSI_DIR / "digital_phantom" / "mask.nii.gz"))
    # IBSI: no discretisation for the digital phantom, i.e. bin width 1 over integer grey levels.
    ours = radfeat_features(image, mask, {"binWidth": 1})
    failures = []
    for name, tag in IBSI_TAGS.items():
        value = ours[f"original_firstorder_{name}"]
        if not ibsi_within(value, *ref[tag]):
            failures.append((name, value, ref[tag]))
    assert not failures, failures
    # pyradiomics' Kurtosis is the plain 4th standardised moment; IBSI reports excess kurtosis (-3).
    assert ibsi_within(ours["original_firstorder_Kurtosis"] - 3, *ref["stat_kurt"])


# ---------------------------------------------------------------------------------------------
# percentiles by counting / bucketing instead of a sort: exactly numpy's order statistics
# ---------------------------------------------------------------------------------------------

def _value_sets(rng):
    yield "integers", rng.integers(-1000, 1000, 5000).astype(float)          # counting
    yield "wide integers", rng.integers(0, 10**9, 3000).astype(float)         # bucketing
    yield "few levels", rng.integers(0, 3, 2000).astype(float)
    yield "normal", rng.normal(0, 1, 7000)
    yield "one decimal", np.round(rng.normal(0, 100, 4000), 1)
    yield "skewed", np.exp(rng.normal(0, 20, 6000)) * rng.choice([-1.0, 1.0], 6000)
    yield "outliers", np.concatenate([rng.random(9000), [1e12, -1e300]])    # one bucket holds nearly all
    yield "tiny range", 1.0 + rng.integers(0, 5, 3000) * np.spacing(1.0)
    yield "constant", np.full(500, 7.25)
    yield "sorted", np.sort(rng.normal(0, 1, 5000))[::-1].copy()
    yield "small", rng.normal(0, 1, 7)


@pytest.mark.parametrize("seed", [0, 1])
def test_percentiles_are_numpys_order_statistics(seed):
    rng = np.random.default_rng(seed)
    for name, values in _value_sets(rng):
        out = np.empty(len(FEATURES))
        firstorder_from_values(values, np.ones(values.size, np.int64), 0.0, 1.0, out)
        f = _by_name(out)
        p10, p25, p50, p75, p90 = np.percentile(values, [10, 25, 50, 75, 90])
        assert f["10Percentile"] == p10 and f["90Percentile"] == p90 and f["Median"] == p50, name
        assert f["InterquartileRange"] == p75 - p25, name
        assert f["Minimum"] == values.min() and f["Maximum"] == values.max(), name
        robust = values[(values >= p10) & (values <= p90)]
        # (summation order differs: allow rounding relative to the values' size)
        assert f["RobustMeanAbsoluteDeviation"] == pytest.approx(np.mean(np.abs(robust - robust.mean())),
                                                                 rel=1e-9, abs=1e-13 * np.abs(robust).max()), name


def test_masked_kernel_reads_any_dtype_and_strides():
    rng = np.random.default_rng(5)
    base = rng.integers(-300, 300, size=(9, 14, 11))
    mask = rng.random(base.shape) < 0.6
    ref = compute_firstorder(RoiData(base.astype(np.float64), mask, (1.0, 2.0, 0.5), {"binWidth": 20}))
    for image in (base.astype(np.int16), base.astype(np.float32), base.astype(np.int32)[:, ::-1].copy()[:, ::-1]):
        got = compute_firstorder(RoiData(image, mask, (1.0, 2.0, 0.5), {"binWidth": 20}))
        np.testing.assert_array_equal(got, ref)


def test_two_distinct_values_give_nan_robust_mad_like_pyradiomics():
    # no voxel lies between P10 and P90: pyradiomics' nanmean of nothing is NaN
    image = sitk.GetImageFromArray(np.array([[1.0, 2.0, 5.0]]))
    mask = sitk.GetImageFromArray(np.array([[1, 1, 0]], dtype=np.uint8))
    mask.CopyInformation(image)
    theirs = pyradiomics_features(image, mask, {"binWidth": 1, "minimumROIDimensions": 1})
    ours = radfeat_features(image, mask, {"binWidth": 1, "minimumROIDimensions": 1})
    assert np.isnan(theirs["original_firstorder_RobustMeanAbsoluteDeviation"])
    assert_features_close(ours, theirs)


def _naive_firstorder(values, levels, shift, voxel_volume):
    """pyradiomics' formulas in plain numpy (the reference of the counted integer path)."""
    v = values.astype(np.float64)
    p10, p25, p50, p75, p90 = np.percentile(v, [10, 25, 50, 75, 90])
    d = v - v.mean()
    m2 = np.mean(d ** 2)
    robust = v[(v >= p10) & (v <= p90)]
    p = np.bincount(levels)[1:] / v.size
    p = p[p > 0]
    energy = np.sum((v + shift) ** 2)
    return {"10Percentile": p10, "90Percentile": p90, "Energy": energy,
            "Entropy": -np.sum(p * np.log2(p + np.spacing(1))), "InterquartileRange": p75 - p25,
            "Kurtosis": np.mean(d ** 4) / m2 ** 2, "Maximum": v.max(), "MeanAbsoluteDeviation": np.mean(np.abs(d)),
            "Mean": v.mean(), "Median": p50, "Minimum": v.min(), "Range": v.max() - v.min(),
            "RobustMeanAbsoluteDeviation": np.mean(np.abs(robust - robust.mean())),
            "RootMeanSquared": np.sqrt(energy / v.size), "Skewness": np.mean(d ** 3) / m2 ** 1.5,
            "TotalEnergy": energy * voxel_volume, "Uniformity": np.sum(p ** 2), "Variance": m2,
            "StandardDeviation": np.sqrt(m2)}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's mean of an empty robust set (NaN, as ours)
@pytest.mark.parametrize("low, high, shift", [(1, 256, 0.0), (-1024, 3000, 1000.0), (0, 4, 0.5), (-5, 5, -2.25)])
def test_integer_rois_counted_once_match_numpy(low, high, shift):
    # short-range integers take the counted path: every statistic from (value, count) pairs
    rng = np.random.default_rng(low + high)
    for n in (2, 17, 784, 9000):
        values = rng.integers(low, high, n).astype(np.float64)
        levels = rng.integers(1, 20, n)
        out = np.empty(len(FEATURES))
        firstorder_from_values(values, levels, shift, 0.5, out)
        got = _by_name(out)
        for name, ref in _naive_firstorder(values, levels, shift, 0.5).items():
            if name in ("Skewness", "Kurtosis") and np.mean((values - values.mean()) ** 2) == 0:
                ref = 0.0  # a flat ROI: pyradiomics' 0 instead of 0 / 0
            # central moments are summed in another order than numpy's pairwise sums
            assert got[name] == pytest.approx(ref, rel=1e-12, abs=1e-12, nan_ok=True), (name, n)
        assert got["Mean"] == values.sum() / n and got["Energy"] == np.sum((values + shift) ** 2)
