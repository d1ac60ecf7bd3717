"""Colour family against scikit-image's conversions and numpy/scipy statistics computed here.

The reference converts the whole image with ``skimage.color.rgb2hsv`` / ``rgb2lab`` after
``img_as_float``, takes the ROI pixels, and computes every statistic with numpy / scipy.stats
(circular ones with ``scipy.stats.circmean`` / ``circstd``). Tolerance: rtol 1e-6 with atol 1e-9
(means of the a/b channels can sit near 0). Hue location statistics (mean, percentiles) are
compared on the circle, since ``0.9999999`` and ``0.0000001`` are neighbours there.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import stats
from skimage import color as skcolor
from skimage.util import img_as_float

from conftest import DATA_DIR
from radfeat.exceptions import NonFiniteValueError, UnsupportedImageError
from radfeat.features.color import (CHANNELS, FEATURES, RANGES, STATS, color_batch, color_histograms,
                                    compute_color)
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

KATHER_DIR = DATA_DIR / "kather2016-texture-samples"
RETINA = DATA_DIR / "medmnist-retinamnist" / "retinamnist.npz"
EPS = np.spacing(1)
HUE_LOCATION = {"HSVHueMean", "HSVHue10Percentile", "HSVHueMedian", "HSVHue90Percentile"}


def kather_tiles():
    paths = sorted(KATHER_DIR.glob("*/*.tif"))
    if not paths:
        pytest.skip(f"Kather tiles not found under {KATHER_DIR} (set RADFEAT_DATA)")
    return paths


def read_tile(path):
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))  # (150, 150, 3) uint8


def retina_images(n=None):
    if not RETINA.exists():
        pytest.skip(f"{RETINA} not found (set RADFEAT_DATA)")
    with np.load(RETINA) as data:
        images = data["train_images"]
    return images if n is None else images[:n]


def random_mask(shape, seed, p=0.5):
    """Bernoulli pixels inside a random rectangle, never empty."""
    rng = np.random.default_rng(seed)
    m = np.zeros(shape, bool)
    y0, x0 = rng.integers(0, shape[0] // 2), rng.integers(0, shape[1] // 2)
    y1, x1 = rng.integers(y0 + 2, shape[0] + 1), rng.integers(x0 + 2, shape[1] + 1)
    m[y0:y1, x0:x1] = rng.random((y1 - y0, x1 - x0)) < p
    m[y0, x0] = True
    return m


def entropy(x, lo, hi, bins):
    hist = np.histogram(np.clip(x, lo, hi), bins=bins, range=(lo, hi))[0]
    p = hist[hist > 0] / x.size
    return float(-np.sum(p * np.log2(p + EPS)))


def reference(image, mask, bins=32, unit=None):
    """{feature name: value} from skimage conversions and numpy/scipy statistics."""
    rgb = img_as_float(image) if unit is None else unit
    channels = np.concatenate([rgb, skcolor.rgb2hsv(rgb), skcolor.rgb2lab(rgb)], axis=-1)[mask]
    out = {}
    warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)  # the NaN case above
    for c, ((name, (lo, hi)), x) in enumerate(zip(CHANNELS, channels.T)):
        if name == "HSVHue":
            mu = stats.circmean(x, high=1, low=0)
            u = np.mod(x - mu + 0.5, 1.0) - 0.5
            values = [mu, stats.circstd(x, high=1, low=0), stats.skew(u), stats.kurtosis(u, fisher=False),
                      entropy(x, lo, hi, bins), *np.mod(np.percentile(u, [10, 50, 90]) + mu, 1.0)]
        else:
            values = [x.mean(), x.std(), stats.skew(x), stats.kurtosis(x, fisher=False),
                      entropy(x, lo, hi, bins), *np.percentile(x, [10, 50, 90])]
        # scipy gives NaN for a channel constant up to rounding, radfeat 0 (as for a flat ROI)
        values[2:4] = [0.0 if np.isnan(v) else v for v in values[2:4]]
        for (suffix, _, _), v in zip(STATS, values):
            out[name + suffix] = float(v)
    return out


def assert_matches(ours, theirs, rtol=1e-6, atol=1e-9):
    bad = []
    for f, a in zip(FEATURES, ours):
        b = theirs[f.name]
        if f.name in HUE_LOCATION:
            d = abs(a - b) % 1.0
            ok = min(d, 1.0 - d) <= atol + rtol * abs(b)
        else:
            ok = np.isclose(a, b, rtol=rtol, atol=atol)
        if not ok:
            bad.append(f"{f.name}: radfeat={a!r} reference={b!r}")
    assert not bad, "mismatches:\n  " + "\n  ".join(bad)


def roi(image, mask, **settings):
    return RoiData(image, mask, (1.0,) * mask.ndim, settings)


def test_registry_entry():
    fam = get_family("color")
    assert fam.kind == "intensity" and fam.input == "rgb" and not fam.default and fam.dims == frozenset({2, 3})
    assert fam.settings == {"colorBins": 32, "colorRange": None, "colorHistogramBins": 8}
    assert len(fam.features) == 72 == len({f.name for f in fam.features})
    assert fam.feature_names[:3] == ("RGBRedMean", "RGBRedStd", "RGBRedSkewness")
    for name in ("HSVHueStd", "LabLSkewness", "LabB90Percentile", "HSVSaturationEntropy"):
        fam.feature(name)


@pytest.mark.heavy  # 48 ROIs of up to 22,500 pixels: ~50 s as plain Python (NUMBA_DISABLE_JIT)
@pytest.mark.parametrize("seed", [0, 1])
def test_kather_tiles_match_skimage(seed):
    for k, path in enumerate(kather_tiles()):
        image = read_tile(path)
        for mask in (np.ones(image.shape[:2], bool), random_mask(image.shape[:2], 100 * seed + k)):
            assert_matches(compute_color(roi(image, mask)), reference(image, mask))


def test_retinamnist_matches_skimage():
    images = retina_images(60)
    for k, image in enumerate(images):
        # the fundus disc (non-black pixels) and a random mask
        disc = image.max(axis=-1) > 10
        for mask in (disc, random_mask(image.shape[:2], k, p=0.7)):
            if mask.sum() < 2:
                continue
            assert_matches(compute_color(roi(image, mask, colorBins=16)), reference(image, mask, bins=16))


def test_batch_equals_single():
    images = retina_images(200)
    masks = np.stack([random_mask(images.shape[1:3], 1000 + k) for k in range(len(images))])
    masks[7] = False  # an empty ROI gives a NaN row
    settings = {"colorBins": 24}
    out = color_batch(images, masks, settings)
    assert out.shape == (len(images), 72 + 9 * 8)
    assert np.isnan(out[7]).all()
    for k in range(len(images)):
        if k != 7:
            np.testing.assert_array_equal(out[k], compute_color(roi(images[k], masks[k], **settings)))


def test_batch_kather_and_3d():
    tiles = np.stack([read_tile(p) for p in kather_tiles()[:6]])
    masks = np.stack([random_mask(tiles.shape[1:3], 7 + k) for k in range(len(tiles))])
    out = color_batch(tiles, masks)
    for k in range(len(tiles)):
        np.testing.assert_array_equal(out[k], compute_color(roi(tiles[k], masks[k])))
    # a 3D RGB volume (D, H, W, 3): features of all ROI voxels together
    volume, vmask = tiles[:3], masks[:3]
    assert_matches(compute_color(roi(volume, vmask)), reference(volume, vmask))
    np.testing.assert_array_equal(color_batch(volume[None], vmask[None])[0], compute_color(roi(volume, vmask)))


def test_hue_is_circular():
    # reds straddling hue 0: the arithmetic mean of h would be ~0.5 (cyan)
    rng = np.random.default_rng(3)
    hue = np.mod(rng.normal(0.0, 0.03, size=(40, 40)), 1.0)
    hsv = np.stack([hue, np.full_like(hue, 0.8), np.full_like(hue, 0.7)], axis=-1)
    rgb = skcolor.hsv2rgb(hsv)
    mask = np.ones(hue.shape, bool)
    out = dict(zip((f.name for f in FEATURES), compute_color(roi(rgb, mask))))
    assert abs(np.mean(hue) - 0.5) < 0.1  # the naive mean is wrong
    circ = lambda a: min(a % 1.0, 1.0 - a % 1.0)  # noqa: E731
    assert circ(out["HSVHueMean"]) < 0.01 and circ(out["HSVHueMedian"]) < 0.01
    assert out["HSVHueStd"] == pytest.approx(0.03, rel=0.1)
    assert circ(out["HSVHue10Percentile"] + 0.03 * 1.2816) < 0.01  # normal 10th percentile
    assert circ(out["HSVHue90Percentile"] - 0.03 * 1.2816) < 0.01
    assert abs(out["HSVHueSkewness"]) < 0.3 and out["HSVHueKurtosis"] == pytest.approx(3.0, abs=0.5)
    assert_matches(compute_color(roi(rgb, mask)), reference(None, mask, unit=rgb))
    # rotating every hue by a constant moves the location statistics only
    rot = skcolor.hsv2rgb(np.stack([np.mod(hue + 0.4, 1.0), hsv[..., 1], hsv[..., 2]], axis=-1))
    out_rot = dict(zip((f.name for f in FEATURES), compute_color(roi(rot, mask))))
    for s in ("Std", "Skewness", "Kurtosis"):
        assert out_rot["HSVHue" + s] == pytest.approx(out["HSVHue" + s], rel=1e-6, abs=1e-9)
    assert circ(out_rot["HSVHueMean"] - out["HSVHueMean"] - 0.4) < 1e-9


def test_flat_and_grey_rois():
    image = np.full((5, 5, 3), 128, np.uint8)
    out = dict(zip((f.name for f in FEATURES), compute_color(roi(image, np.ones((5, 5), bool)))))
    assert out["RGBRedMean"] == 128 / 255 and out["RGBRedStd"] == 0
    assert out["RGBRedSkewness"] == 0 and out["RGBRedKurtosis"] == 0
    assert out["RGBRedEntropy"] == pytest.approx(0, abs=1e-15)  # -log2(1 + eps), as firstorder
    # grey pixels: hue 0 and saturation 0 (scikit-image's convention), R = 1 so the circular std is 0
    assert out["HSVHueMean"] == 0 and out["HSVHueStd"] == 0 and out["HSVSaturationMean"] == 0
    # not exactly 0: skimage's sRGB matrix and its D65 white point differ in the 4th digit
    assert abs(out["LabAMean"]) < 1e-2 and abs(out["LabBMean"]) < 1e-2


def test_input_scaling():
    image = read_tile(kather_tiles()[0])
    mask = random_mask(image.shape[:2], 5)
    base = compute_color(roi(image, mask))
    # float in [0, 1] (skimage's convention) is the same image
    np.testing.assert_array_equal(compute_color(roi(img_as_float(image), mask)), base)
    # 16-bit: divided by 65535, as img_as_float (257 * x / 65535 == x / 255 up to rounding)
    np.testing.assert_allclose(compute_color(roi(image.astype(np.uint16) * 257, mask)), base, rtol=1e-12, atol=1e-12)
    # float in [0, 255] needs colorRange; with it, the same features
    as255 = image.astype(np.float64)
    with pytest.raises(UnsupportedImageError, match="colorRange"):
        compute_color(roi(as255, mask))
    np.testing.assert_allclose(compute_color(roi(as255, mask, colorRange=255)), base, rtol=1e-12, atol=1e-12)
    # a 12-bit image stored in 16 bits
    np.testing.assert_allclose(compute_color(roi(image.astype(np.uint16) * 16, mask, colorRange=255 * 16)), base,
                               rtol=1e-12, atol=1e-12)
    # colorRange clips overshoot (e.g. B-spline interpolation) to [0, 1]
    over = as255.copy()
    over[0, 0] = [270.0, -5.0, 128.0]
    clipped = np.clip(over * (1 / 255), 0, 1)  # scaled as radfeat does (x / 255 can differ by an ulp and
    # move a saturation sitting exactly on a histogram edge, such as 64/128, into the next bin)
    assert_matches(compute_color(roi(over, np.ones(over.shape[:2], bool), colorRange=255)),
                   reference(None, np.ones(over.shape[:2], bool), unit=clipped))
    # float32 is converted in float64
    np.testing.assert_array_equal(compute_color(roi(img_as_float(image).astype(np.float32), mask)),
                                  compute_color(roi(img_as_float(image).astype(np.float32).astype(np.float64), mask)))
    with pytest.raises(UnsupportedImageError, match="colorRange"):
        compute_color(roi(image.astype(np.int16), mask))
    np.testing.assert_array_equal(compute_color(roi(image.astype(np.int16), mask, colorRange=255)),
                                  compute_color(roi(image.astype(np.float64), mask, colorRange=255)))
    bad = img_as_float(image)
    bad[mask.nonzero()[0][0], mask.nonzero()[1][0], 1] = np.nan
    with pytest.raises(NonFiniteValueError):
        compute_color(roi(bad, mask))


def test_rejects_non_rgb():
    with pytest.raises(UnsupportedImageError, match="grey"):
        compute_color(roi(np.zeros((4, 4)), np.ones((4, 4), bool)))
    with pytest.raises(UnsupportedImageError, match="4 channels"):
        compute_color(roi(np.zeros((4, 4, 4), np.uint8), np.ones((4, 4), bool)))
    with pytest.raises(UnsupportedImageError):
        color_batch(np.zeros((2, 4, 4, 4), np.uint8), np.ones((2, 4, 4), bool))


def test_color_bins_and_histograms():
    image = read_tile(kather_tiles()[3])
    mask = random_mask(image.shape[:2], 9)
    for bins in (1, 8, 64, 256):
        r = roi(image, mask, colorBins=bins)
        assert_matches(compute_color(r), reference(image, mask, bins=bins))
        hist = color_histograms(r)
        assert hist.shape == (9, bins)
        np.testing.assert_allclose(hist.sum(axis=1), 1.0)
        ent = -np.sum(np.where(hist > 0, hist * np.log2(hist + EPS), 0.0), axis=1)
        entropies = compute_color(r)[[k * 8 + 4 for k in range(9)]]
        np.testing.assert_allclose(ent, entropies, rtol=1e-12)
    assert RANGES[6] == (0.0, 100.0) and RANGES[7] == (-128.0, 128.0)


@pytest.mark.parametrize("bins", [8, 5])
def test_histogram_features_match_numpy(bins, data_dir):
    from skimage.color import rgb2hsv, rgb2lab

    from conftest import kather_rgb
    from radfeat.features.color import color_feature_names

    tile = kather_rgb(1)[0]
    mask = np.zeros(tile.shape[:2], bool)
    mask[10:120, 20:140] = True
    out = compute_color(RoiData(tile, mask, (1.0, 1.0), {"colorHistogramBins": bins}))
    names = color_feature_names({"colorHistogramBins": bins})
    assert len(out) == len(names) == 72 + 9 * bins
    values = dict(zip(names, out))
    unit = tile[mask] / 255.0
    hsv = rgb2hsv(tile / 255.0)[mask]
    lab = rgb2lab(tile / 255.0)[mask]
    for channel, data, (lo, hi) in (("RGBRed", unit[:, 0], (0, 1)), ("HSVHue", hsv[:, 0], (0, 1)),
                                    ("LabL", lab[:, 0], (0, 100)), ("LabB", lab[:, 2], (-128, 128))):
        expected = np.histogram(np.clip(data, lo, hi), bins=bins, range=(lo, hi))[0] / mask.sum()
        got = [values[f"{channel}Hist{k}"] for k in range(bins)]
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
    assert compute_color(RoiData(tile, mask, (1.0, 1.0), {"colorHistogramBins": 0})).shape == (72,)
