"""Gabor filter-bank energies against ``skimage.filters.gabor``.

Oracle: ``real, imag = skimage.filters.gabor(image.astype(float), f, theta=k pi / n)``, then the
mean and standard deviation of ``sqrt(real^2 + imag^2)`` over the ROI, on the same array radfeat
receives (the ROI's bounding box). Features are compared at rtol 1e-6, atol 1e-9 (the atol only
matters for the standard deviation of a flat image, exactly 0 in both). The filter responses
themselves are compared bit for bit. Inputs: Kather 2016 histology tiles (grey), BreastMNIST
images and seeded random images and masks.

scipy.ndimage's ``reflect`` border reads outside its array when an image side is between 2 and
a quarter of the kernel's half size (2..4 pixels for the 35-pixel kernel of frequency 0.1); there
radfeat keeps the true reflection (checked against ``numpy.pad(mode="symmetric")``) and the
scikit-image comparison starts at 5 pixels.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import breastmnist as breast_images, kather_grey as kather_tiles
from radfeat._kernels import gabor as K
from radfeat.exceptions import ConfigError, EmptyROIError, InvalidROIError, UnsupportedImageError
from radfeat.features.gabor import (FEATURES, compute_gabor, gabor_bank_features, gabor_feature_names,
                                    gabor_thetas)
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

skfilters = pytest.importorskip("skimage.filters")

RTOL, ATOL = 1e-6, 1e-9
DEFAULT_FREQS = (0.1, 0.2, 0.3, 0.4)


def reference(image, mask, freqs=DEFAULT_FREQS, n=4, bandwidth=1):
    image = np.asarray(image, dtype=np.float64)
    out = []
    for f in freqs:
        for theta in gabor_thetas(n):
            real, imag = skfilters.gabor(image, f, theta=theta, bandwidth=bandwidth)
            mag = np.sqrt(real ** 2 + imag ** 2)[mask]
            out += [mag.mean(), mag.std()]
    return np.array(out)


def roi_of(image, mask, **settings):
    return RoiData(image, mask, (1.0, 1.0), settings)


# ---------------------------------------------------------------------------------------------
# responses, bit for bit
# ---------------------------------------------------------------------------------------------


def scipy_reflect_ok(shape, half):
    """False where scipy.ndimage's reflect border reads outside its array (see the module notes)."""
    return all(s == 1 or 4 * s > h for s, h in zip(shape, half))


def numpy_convolve(image, weights):
    """``convolve(image, weights, mode="reflect")`` in numpy, tap by tap in scipy's order."""
    hy, hx = weights.shape[0] // 2, weights.shape[1] // 2
    padded = np.pad(image, ((hy, hy), (hx, hx)), mode="symmetric")
    flipped = weights[::-1, ::-1]
    acc = np.zeros(image.shape)
    for dy, dx in zip(*np.nonzero(np.abs(flipped) > np.finfo(float).eps)):
        acc = acc + padded[dy:dy + image.shape[0], dx:dx + image.shape[1]] * flipped[dy, dx]
    return acc


@pytest.mark.parametrize("freq", [pytest.param(0.05, marks=pytest.mark.heavy), 0.1, 0.25, 0.4])
@pytest.mark.parametrize("theta", [0.0, 0.3, np.pi / 4, np.pi / 2, 2.0])
def test_responses_equal_scipy(freq, theta):
    rng = np.random.default_rng(int(freq * 100) + int(theta * 10))
    kernel = skfilters.gabor_kernel(freq, theta=theta)
    half = (kernel.shape[0] // 2, kernel.shape[1] // 2)
    for shape in ((1, 9), (3, 4), (5, 40), (31, 17), (64, 64)):
        image = rng.normal(50, 20, shape)
        real, imag = skfilters.gabor(image, freq, theta=theta)
        padded = K.reflect_pad(image, *half)
        for part, from_skimage in ((np.real(kernel), real), (np.imag(kernel), imag)):
            dy, dx, w = K.taps(part)
            got = np.empty(shape)
            K.convolve_rows(padded, shape[0], shape[1], 0, 0, dy, dx, w, got)
            assert np.array_equal(got, numpy_convolve(image, part))
            if scipy_reflect_ok(shape, half):
                assert np.array_equal(got, from_skimage)


@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (2, 3), (3, 1), (4, 7), (5, 2), (9, 40)])
def test_reflect_pad_is_numpy_symmetric(shape):
    image = np.arange(np.prod(shape), dtype=float).reshape(shape)
    for py, px in ((0, 0), (1, 2), (17, 17), (34, 5)):
        np.testing.assert_array_equal(K.reflect_pad(image, py, px),
                                      np.pad(image, ((py, py), (px, px)), mode="symmetric"))


# ---------------------------------------------------------------------------------------------
# features
# ---------------------------------------------------------------------------------------------


@pytest.mark.heavy
def test_kather_tiles(data_dir):
    for image in kather_tiles(3):
        mask = np.ones(image.shape, bool)
        ours = compute_gabor(roi_of(image, mask))
        np.testing.assert_allclose(ours, reference(image, mask), rtol=RTOL, atol=ATOL)


@pytest.mark.heavy
def test_kather_disc_mask_on_box(data_dir):
    yy, xx = np.mgrid[:150, :150]
    disc = (yy - 60) ** 2 + (xx - 90) ** 2 < 30 ** 2
    box = np.ix_(np.any(disc, 1), np.any(disc, 0))
    for image in kather_tiles(6)[3:]:
        crop, mask = image[box], disc[box]
        np.testing.assert_allclose(compute_gabor(roi_of(crop, mask)), reference(crop, mask), rtol=RTOL, atol=ATOL)


@pytest.mark.heavy
def test_breastmnist(data_dir):
    for image in breast_images(4):
        mask = np.ones(image.shape, bool)
        ours = compute_gabor(roi_of(image, mask))
        np.testing.assert_allclose(ours, reference(image, mask), rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", range(3))
def test_random_images_masks_and_banks(seed):
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in rng.integers(5, 30, 2))
    image = rng.normal(0, 10, shape) if seed else rng.integers(0, 256, shape).astype(np.uint8)
    mask = rng.random(shape) < 0.6
    mask[0, 0] = True
    freqs = [round(float(f), 3) for f in rng.uniform(0.08, 0.45, 2)]
    n = int(rng.integers(1, 7))
    bw = float(rng.uniform(0.7, 2.0))
    settings = {"gaborFrequencies": freqs, "gaborOrientations": n, "gaborBandwidth": bw}
    ours = gabor_bank_features(roi_of(image, mask, **settings))
    assert len(ours) == len(gabor_feature_names(settings)) == 2 * len(freqs) * n
    np.testing.assert_allclose(ours, reference(image, mask, freqs, n, bw), rtol=RTOL, atol=ATOL)


def test_integer_image_converted_first():
    # skimage.filters.gabor on uint8 convolves in uint8 and truncates; radfeat converts first
    image = np.random.default_rng(1).integers(0, 256, (12, 12)).astype(np.uint8)
    mask = np.ones(image.shape, bool)
    np.testing.assert_allclose(compute_gabor(roi_of(image, mask)), reference(image.astype(float), mask),
                               rtol=RTOL, atol=ATOL)


def test_flat_image():
    out = compute_gabor(roi_of(np.full((8, 8), 2.0), np.ones((8, 8), bool)))
    assert (out[1::2] < 1e-12).all()  # every pixel's response is the same sum (std: rounding only)
    np.testing.assert_allclose(out, reference(np.full((8, 8), 2.0), np.ones((8, 8), bool)), rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------------
# registry, names, errors
# ---------------------------------------------------------------------------------------------


def test_registry_entry():
    fam = get_family("gabor")
    assert fam.dims == frozenset({2}) and fam.kind == "intensity" and not fam.default
    assert fam.batch is None
    assert len(fam.feature_names) == 32 == len(FEATURES)
    assert fam.feature_names[:4] == ("F0-1_Theta0_Mean", "F0-1_Theta0_Std", "F0-1_Theta45_Mean",
                                     "F0-1_Theta45_Std")
    assert fam.feature_names[-1] == "F0-4_Theta135_Std"


def test_names():
    assert gabor_feature_names({"gaborFrequencies": [0.25], "gaborOrientations": 8})[:4] == (
        "F0-25_Theta0_Mean", "F0-25_Theta0_Std", "F0-25_Theta22-5_Mean", "F0-25_Theta22-5_Std")
    assert gabor_feature_names({"gaborBandwidth": 2}) == get_family("gabor").feature_names


@pytest.mark.parametrize("settings", [{"gaborFrequencies": [0.1, 0.2]}, {"gaborOrientations": 6}])
def test_other_banks_name_their_own_features(settings):
    from radfeat.extraction import Extractor

    image = np.arange(36.0).reshape(6, 6)
    roi = roi_of(image, np.ones((6, 6), bool), **settings)
    values = compute_gabor(roi)
    np.testing.assert_array_equal(values, gabor_bank_features(roi))
    names = gabor_feature_names(settings)
    extractor = Extractor({"setting": settings, "featureClass": {"gabor": []}})
    out = extractor.execute(image)
    assert list(out) == [f"original_gabor_{n}" for n in names] == extractor.feature_names(2)
    np.testing.assert_allclose(list(out.values()), values, rtol=1e-12)


@pytest.mark.parametrize("settings", [{"gaborFrequencies": []}, {"gaborFrequencies": [0.1, -0.2]},
                                      {"gaborFrequencies": [0.1, 0.1]}, {"gaborFrequencies": "0.1"},
                                      {"gaborOrientations": 0}, {"gaborOrientations": 2.5},
                                      {"gaborBandwidth": 0}])
def test_invalid_settings(settings):
    with pytest.raises(ConfigError):
        gabor_feature_names(settings)


def test_input_errors():
    with pytest.raises(InvalidROIError):
        compute_gabor(RoiData(np.zeros((3, 6, 6)), np.ones((3, 6, 6), bool), (1, 1, 1)))
    with pytest.raises(UnsupportedImageError):
        compute_gabor(RoiData(np.zeros((6, 6, 3)), np.ones((6, 6), bool), (1, 1)))
    with pytest.raises(EmptyROIError):
        compute_gabor(roi_of(np.zeros((6, 6)), np.zeros((6, 6), bool)))


def test_extractor_runs_gabor(data_dir):
    try:
        from radfeat.extraction import Extractor
    except ImportError as exc:  # the extractor is being edited elsewhere
        pytest.skip(f"radfeat.extraction not importable: {exc}")
    image = breast_images(1)[0]
    mask = np.zeros(image.shape, np.uint8)
    mask[4:22, 5:20] = 1
    out = Extractor({"featureClass": {"gabor": ["F0-2_Theta90_Mean", "F0-4_Theta45_Std"]}}).execute(image, mask)
    ref = dict(zip(get_family("gabor").feature_names, reference(image[4:22, 5:20], mask[4:22, 5:20] == 1)))
    assert out["original_gabor_F0-2_Theta90_Mean"] == pytest.approx(ref["F0-2_Theta90_Mean"], rel=RTOL)
    assert out["original_gabor_F0-4_Theta45_Std"] == pytest.approx(ref["F0-4_Theta45_Std"], rel=RTOL)
