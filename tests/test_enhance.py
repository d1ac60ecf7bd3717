"""Enhancement functions against the scikit-image / SciPy routines they wrap, called here directly.

Each comparison uses the same routine on the same input, so results must be identical
(``assert_array_equal``); the few conversions radfeat adds (float64, min-max scaling for CLAHE,
back to uint8 for RGB) are written out again here.
"""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage
from skimage import exposure
from skimage.color import hsv2rgb, rgb2hsv
from skimage.restoration import denoise_nl_means, estimate_sigma
from skimage.util import img_as_float

from conftest import DATA_DIR, PYRAD_DIR, breastmnist
from radfeat.exceptions import ConfigError, EmptyROIError, UnsupportedImageError
from radfeat.preprocessing.enhance import clip_intensities, denoise, equalize


def kather(i=0):
    paths = sorted((DATA_DIR / "kather2016-texture-samples").glob("*/*.tif"))
    if not paths:
        pytest.skip("Kather tiles not found (set RADFEAT_DATA)")
    return sitk.GetArrayFromImage(sitk.ReadImage(str(paths[i])))


def breast1():
    """pyradiomics' breast1 volume as a (z, y, x) int16 array, its spacing and its mask."""
    img = PYRAD_DIR / "breast1_image.nrrd"
    if not img.exists():
        pytest.skip(f"{img} not found (set RADFEAT_DATA)")
    image = sitk.ReadImage(str(img))
    mask = sitk.GetArrayFromImage(sitk.ReadImage(str(PYRAD_DIR / "breast1_label.nrrd"))) == 1
    return sitk.GetArrayFromImage(image), image.GetSpacing()[::-1], mask


def to_uint8(x):
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------- denoise

def test_median_matches_scipy():
    vol, _, _ = breast1()
    for img in [*breastmnist(3), vol]:
        out = denoise(img, "median", size=3)
        assert out.dtype == img.dtype
        np.testing.assert_array_equal(out, ndimage.median_filter(img, size=3, mode="reflect"))
    np.testing.assert_array_equal(denoise(vol, "median", size=(1, 3, 5)),
                                  ndimage.median_filter(vol, size=(1, 3, 5), mode="reflect"))
    # RGB: each channel alone
    rgb = kather(2)
    out = denoise(rgb, "median", size=5, channel_axis=-1)
    assert out.dtype == np.uint8
    for c in range(3):
        np.testing.assert_array_equal(out[..., c], ndimage.median_filter(rgb[..., c], size=5, mode="reflect"))


def test_gaussian_sigma_in_mm():
    vol, spacing, _ = breast1()
    out, info = denoise(vol, "gaussian", sigma=1.5, spacing=spacing, return_info=True)
    vox = 1.5 / np.asarray(spacing)
    np.testing.assert_array_equal(out, ndimage.gaussian_filter(vol.astype(np.float64), sigma=tuple(vox),
                                                               mode="reflect", truncate=4.0))
    assert out.dtype == np.float64 and info["sigma_voxels"] == pytest.approx(vox.tolist())
    assert vox[0] < vox[1]  # 2.1 mm slices get fewer voxels of blur than 0.66 mm pixels
    img = breastmnist(1)[0]
    np.testing.assert_array_equal(denoise(img, "gaussian", sigma=2.0),
                                  ndimage.gaussian_filter(img.astype(np.float64), 2.0, mode="reflect"))
    rgb = kather(5)
    out = denoise(rgb, "gaussian", sigma=1.0, channel_axis=-1)
    ref = ndimage.gaussian_filter(rgb.astype(np.float64), sigma=(1.0, 1.0, 0.0), mode="reflect")
    np.testing.assert_array_equal(out, to_uint8(ref))


def test_nlmeans_matches_skimage():
    img = breastmnist(2)[1].astype(np.float64)
    out, info = denoise(img, "nlmeans", return_info=True)
    sigma = estimate_sigma(img)
    assert info["sigma"] == sigma and info["h"] == 0.8 * sigma
    np.testing.assert_array_equal(out, denoise_nl_means(img, patch_size=5, patch_distance=6, h=0.8 * sigma,
                                                        fast_mode=True, sigma=sigma))
    # 3D, in the image's own units (int16 MRI intensities, not rescaled to [-1, 1])
    vol = breast1()[0][:, 30:90, :]
    out = denoise(vol, "nlmeans", sigma=20.0, h=15.0, patch_distance=3)
    ref = denoise_nl_means(vol.astype(np.float64), patch_size=5, patch_distance=3, h=15.0, sigma=20.0)
    np.testing.assert_array_equal(out, ref)
    assert abs(out.mean() - vol.mean()) < 0.05 * vol.std()
    # RGB: patches over the three channels, sigma the channels' mean
    rgb = kather(1)[:60, :60]
    out, info = denoise(rgb, "nlmeans", channel_axis=-1, return_info=True)
    x = rgb.astype(np.float64)
    sigma = float(estimate_sigma(x, average_sigmas=True, channel_axis=-1))
    assert info["sigma"] == sigma
    ref = denoise_nl_means(x, patch_size=5, patch_distance=6, h=0.8 * sigma, sigma=sigma, channel_axis=-1)
    np.testing.assert_array_equal(out, to_uint8(ref))


def test_denoising_reduces_noise():
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:64, :64]
    clean = 100.0 + 50.0 * ((yy - 32) ** 2 + (xx - 30) ** 2 < 15 ** 2)
    noisy = clean + rng.normal(0, 10, clean.shape)
    err = np.abs(noisy - clean).mean()
    for method, params in (("median", {}), ("gaussian", {"sigma": 1.0}), ("nlmeans", {})):
        assert np.abs(denoise(noisy, method, **params) - clean).mean() < 0.7 * err, method


def test_denoise_errors():
    img = breastmnist(1)[0]
    with pytest.raises(ConfigError, match="did you mean 'median'"):
        denoise(img, "medain")
    with pytest.raises(ConfigError, match="unknown parameter"):
        denoise(img, "median", sigma=2)
    with pytest.raises(ConfigError, match="spacing"):
        denoise(img, "gaussian", spacing=(1, 1, 1))
    with pytest.raises(UnsupportedImageError):
        denoise(np.zeros(10), "median")
    with pytest.raises(UnsupportedImageError):
        denoise(np.zeros((4, 4, 4), np.uint8), "median", channel_axis=-1)


# ---------------------------------------------------------------- clip

def test_clip_intensities():
    vol, _, mask = breast1()
    out = clip_intensities(vol, 50, 400)
    assert out.dtype == vol.dtype
    np.testing.assert_array_equal(out, np.clip(vol, 50, 400))
    np.testing.assert_array_equal(clip_intensities(vol, None, 300), np.clip(vol, None, 300))
    # percentiles of the ROI, clipping the whole image
    out, info = clip_intensities(vol, 1, 99, percentiles=True, mask=mask, return_info=True)
    lo, hi = np.percentile(vol[mask], [1, 99])
    assert (info["low"], info["high"]) == (lo, hi)
    expected = np.clip(vol.astype(np.float64), lo, hi) if not (lo.is_integer() and hi.is_integer()) else \
        np.clip(vol, lo, hi)
    np.testing.assert_array_equal(out, expected)
    # fractional bounds on integers give float64; bounds beyond the dtype clip nothing
    img = breastmnist(1)[0]  # spans [21, 255]
    out = clip_intensities(img, 30.5, 150.25)
    assert out.dtype == np.float64 and out.min() == 30.5 and out.max() == 150.25
    np.testing.assert_array_equal(out, np.clip(img.astype(np.float64), 30.5, 150.25))
    np.testing.assert_array_equal(clip_intensities(breastmnist(1)[0], -5, 1000), breastmnist(1)[0])
    f = vol.astype(np.float32)
    assert clip_intensities(f, 0.5, 10.5).dtype == np.float32
    with pytest.raises(ConfigError):
        clip_intensities(vol, 10, 5)
    with pytest.raises(ConfigError):
        clip_intensities(vol, 1, 101, percentiles=True)
    with pytest.raises(EmptyROIError):
        clip_intensities(vol, 1, 99, percentiles=True, mask=np.zeros(vol.shape, bool))


# ---------------------------------------------------------------- equalize

def test_equalize_hist_grey():
    vol, _, mask = breast1()
    for img, m in [*((b, None) for b in breastmnist(3)), (vol, None), (vol, mask)]:
        out, info = equalize(img, "hist", mask=m, nbins=128, return_info=True)
        x = img.astype(np.float64)
        lo, hi = x.min(), x.max()
        np.testing.assert_array_equal(out, lo + exposure.equalize_hist(x, nbins=128, mask=m) * (hi - lo))
        assert info["range"] == [lo, hi] and lo <= out.min() and out.max() <= hi
    # a flat image is returned unchanged
    np.testing.assert_array_equal(equalize(np.full((5, 5), 7, np.int16), "hist"), np.full((5, 5), 7.0))


def test_equalize_clahe_grey():
    vol, _, _ = breast1()
    for img, kw in [(breastmnist(1)[0], {}), (vol, {}), (vol, {"kernel_size": (4, 16, 16), "clip_limit": 0.03})]:
        out = equalize(img, "clahe", **kw)
        x = img.astype(np.float64)
        lo, hi = x.min(), x.max()
        ref = exposure.equalize_adapthist((x - lo) / (hi - lo), **kw)
        np.testing.assert_array_equal(out, lo + ref * (hi - lo))
        assert out.min() == lo and out.max() == hi  # CLAHE's output spans [0, 1]
    # a thin grey volume whose last axis has 3 voxels is not mistaken for RGB
    thin = vol[:, :, 20:23]
    x = thin.astype(np.float64)
    lo, hi = x.min(), x.max()
    ref = exposure.equalize_adapthist.__wrapped__((x - lo) / (hi - lo))
    np.testing.assert_array_equal(equalize(thin, "clahe"), lo + ref * (hi - lo))


def test_equalize_rgb_on_value_channel():
    rgb = kather(4)
    # CLAHE: scikit-image's own RGB route (value channel of HSV) gives the same image
    out = equalize(rgb, "clahe", channel_axis=-1, clip_limit=0.02)
    assert out.dtype == np.uint8
    np.testing.assert_array_equal(out, to_uint8(exposure.equalize_adapthist(img_as_float(rgb), clip_limit=0.02) * 255))
    # hist: the same route written out
    hsv = rgb2hsv(img_as_float(rgb))
    hsv[..., 2] = exposure.equalize_hist(hsv[..., 2])
    np.testing.assert_array_equal(equalize(rgb, "hist", channel_axis=-1), to_uint8(hsv2rgb(hsv) * 255))
    # hue is kept (up to the 8-bit rounding of the output)
    h0 = rgb2hsv(rgb)[..., 0]
    h1 = rgb2hsv(equalize(rgb, "hist", channel_axis=-1))[..., 0]
    sat = rgb2hsv(rgb)[..., 1] > 0.3
    d = np.abs(h0 - h1)[sat]
    assert np.median(np.minimum(d, 1 - d)) < 0.01


def test_equalize_errors():
    img = breastmnist(1)[0]
    with pytest.raises(ConfigError, match="did you mean 'clahe'"):
        equalize(img, "clahe2")
    with pytest.raises(ConfigError, match="mask"):
        equalize(img, "clahe", mask=img > 0)
    with pytest.raises(UnsupportedImageError):
        equalize(kather(0).astype(np.int16), "hist", channel_axis=-1)
