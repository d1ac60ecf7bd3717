"""auto_segment against skimage's Otsu and scipy's labelling / hole filling called here directly,
and on synthetic images whose true foreground is known."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage
from skimage.color import rgb2gray
from skimage.filters import threshold_otsu

from conftest import DATA_DIR, PYRAD_DIR, breastmnist
from radfeat.exceptions import ConfigError, EmptyROIError, UnsupportedImageError
from radfeat.preprocessing.segment import auto_segment

RAW = {"largest_component": False, "fill_holes": False}  # thresholding only


def kather_tiles():
    paths = sorted((DATA_DIR / "kather2016-texture-samples").glob("*/*.tif"))
    if not paths:
        pytest.skip("Kather tiles not found (set RADFEAT_DATA)")
    return [sitk.GetArrayFromImage(sitk.ReadImage(str(p))) for p in paths]


def breast1():
    path = PYRAD_DIR / "breast1_image.nrrd"
    if not path.exists():
        pytest.skip(f"{path} not found (set RADFEAT_DATA)")
    return sitk.GetArrayFromImage(sitk.ReadImage(str(path)))


def reference_cleanup(binary, min_size=0, largest=True, fill=True, connectivity=1):
    """Components, size filter, largest component and hole filling with scipy, written out."""
    labels, n = ndimage.label(binary, structure=ndimage.generate_binary_structure(binary.ndim, connectivity))
    sizes = ndimage.sum_labels(binary, labels, index=np.arange(1, n + 1))
    keep = [k + 1 for k, s in enumerate(sizes) if s >= max(min_size, 1)]
    if largest:
        keep = [int(np.argmax(sizes)) + 1]
    out = np.isin(labels, keep)
    return ndimage.binary_fill_holes(out) if fill else out


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


def test_otsu_matches_skimage_on_real_images():
    vol = breast1()
    for img in [*breastmnist(10), vol]:
        t = threshold_otsu(img)
        mask, info = auto_segment(img, **RAW)
        assert info["threshold"] == t
        np.testing.assert_array_equal(mask, img > t)
        mask, info = auto_segment(img)
        np.testing.assert_array_equal(mask, reference_cleanup(img > t))
        assert info["voxels"] == mask.sum() and info["components"] == ndimage.label(img > t)[1]
        mask, _ = auto_segment(img, largest_component=False, min_size=5, connectivity=img.ndim)
        np.testing.assert_array_equal(mask, reference_cleanup(img > t, 5, largest=False, connectivity=img.ndim))


def test_rgb_uses_luminance():
    for rgb in kather_tiles()[::4]:
        # the luminance of colorChannel: gray, on the 0-255 scale: rgb2gray's weights, times 255
        grey = rgb.astype(np.float64) @ np.array([0.2125, 0.7154, 0.0721])
        np.testing.assert_allclose(grey, rgb2gray(rgb) * 255, rtol=1e-12)
        t = threshold_otsu(grey)
        mask, info = auto_segment(rgb, channel_axis=-1, invert=True, **RAW)
        assert info["luminance"] and info["threshold"] == t and 0 < t < 255
        # the same split as Otsu on rgb2gray's [0, 1] image (scale-free: 256 bins over the range)
        np.testing.assert_array_equal(mask, rgb2gray(rgb) <= threshold_otsu(rgb2gray(rgb)))
        np.testing.assert_array_equal(mask, grey <= t)  # dark (nuclei-stained) tissue
        mask, _ = auto_segment(rgb, channel_axis=-1, invert=True)
        np.testing.assert_array_equal(mask, reference_cleanup(grey <= t))


def blob_image(shape, rng, noise=12.0):
    """An ellipse/ellipsoid (intensity 160) on background 60 with Gaussian noise."""
    grid = np.indices(shape).astype(float)
    centre = [s * f for s, f in zip(shape, (0.45, 0.55, 0.5))]
    radii = [s * f for s, f in zip(shape, (0.25, 0.3, 0.2))]
    truth = sum(((g - c) / r) ** 2 for g, c, r in zip(grid, centre, radii)) <= 1.0
    image = np.where(truth, 160.0, 60.0) + rng.normal(0, noise, shape)
    return image, truth


@pytest.mark.parametrize("shape", [(96, 128), (40, 64, 56)])
def test_otsu_recovers_blob(shape):
    rng = np.random.default_rng(len(shape))
    image, truth = blob_image(shape, rng)
    mask, info = auto_segment(image)
    assert iou(mask, truth) > 0.95
    assert info["kept_components"] == 1 and 60 < info["threshold"] < 160
    # a dark blob on a bright background, with invert
    mask, _ = auto_segment(-image, invert=True)
    assert iou(mask, truth) > 0.95


def test_holes_and_distractor():
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[:100, :100]
    disk = (yy - 45) ** 2 + (xx - 50) ** 2 <= 28 ** 2
    holes = ((yy - 40) ** 2 + (xx - 45) ** 2 <= 5 ** 2) | ((yy - 55) ** 2 + (xx - 60) ** 2 <= 3 ** 2)
    distractor = (yy - 90) ** 2 + (xx - 12) ** 2 <= 3 ** 2
    obj = (disk & ~holes) | distractor
    image = np.where(obj, 200.0, 50.0) + rng.normal(0, 5, obj.shape)
    mask, info = auto_segment(image)
    np.testing.assert_array_equal(mask, disk)
    assert info["components"] == 2 and info["kept_components"] == 1
    assert info["holes_filled"] == holes.sum() and info["largest_component_voxels"] == (disk & ~holes).sum()
    # without the clean-up: holes stay, the distractor stays
    raw, _ = auto_segment(image, **RAW)
    np.testing.assert_array_equal(raw, obj)
    # min_size instead of the largest component: the distractor (29 px) goes, holes filled
    mask, info = auto_segment(image, largest_component=False, min_size=30)
    np.testing.assert_array_equal(mask, disk)
    assert info["removed_small"] == 1
    mask, _ = auto_segment(image, largest_component=False, min_size=10)
    np.testing.assert_array_equal(mask, disk | distractor)


def test_connectivity():
    img = np.zeros((6, 6))
    img[1, 1] = img[2, 2] = img[3, 3] = 1.0  # a diagonal line
    img[5, 5] = 1.0
    mask, info = auto_segment(img, "threshold", threshold=0.5, connectivity=1, fill_holes=False)
    assert info["components"] == 4 and mask.sum() == 1
    mask, info = auto_segment(img, "threshold", threshold=0.5, connectivity=2, fill_holes=False)
    assert info["components"] == 2 and mask.sum() == 3


def test_fixed_threshold_and_errors():
    img = breastmnist(1)[0]
    mask, info = auto_segment(img, "threshold", threshold=100, **RAW)
    np.testing.assert_array_equal(mask, img > 100)
    assert info["method"] == "threshold" and info["threshold"] == 100.0
    with pytest.raises(EmptyROIError, match="no voxel above"):
        auto_segment(np.full((8, 8), 3.0))  # flat image: Otsu returns its value
    with pytest.raises(EmptyROIError, match="no voxel above"):
        auto_segment(img, "threshold", threshold=1000)
    with pytest.raises(EmptyROIError, match="min_size"):
        auto_segment(img, min_size=img.size + 1)
    with pytest.raises(ConfigError, match="needs a threshold"):
        auto_segment(img, "threshold")
    with pytest.raises(ConfigError, match="did you mean 'otsu'"):
        auto_segment(img, "otsu2")
    with pytest.raises(ConfigError, match="connectivity"):
        auto_segment(img, connectivity=3)
    with pytest.raises(UnsupportedImageError):
        auto_segment(np.zeros((4, 4, 4)), channel_axis=-1)
