"""pyradiomics as the oracle of the texture tests, and the inputs those tests share.

pyradiomics runs its feature classes on images cropped by ``checkMask`` + ``cropToTumorMask``
(padDistance 0, as its extractor does); radfeat runs on the same cropped arrays through
``RoiData``. :class:`Oracle` binds one family's two implementations; the generators build the
random images and batch stacks of the GLCM/GLRLM and GLDM/GLSZM/NGTDM tests.
"""

from __future__ import annotations

import functools
import logging
import os
import warnings
import zlib
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

from conftest import CASES, assert_features_close, load_case
from radfeat.exceptions import MatrixTooLargeError
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

sitk = pytest.importorskip("SimpleITK")
radiomics = pytest.importorskip("radiomics")
from radiomics import imageoperations  # noqa: E402

radiomics.setVerbosity(logging.CRITICAL)

#: The kernels run as plain Python (``NUMBA_DISABLE_JIT=1``): large inputs are skipped then.
NO_JIT = os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0")
#: pyradiomics' test cases too slow as plain Python, marked ``heavy`` (left out of that pass).
HEAVY_CASES = ("brain1", "lung1", "lung2")
CASE_PARAMS = [pytest.param(c, marks=pytest.mark.heavy) if c in HEAVY_CASES else c for c in CASES]


# ---------------------------------------------------------------------------------- cropping


def crop(image, mask, **settings):
    """Image and label cropped as pyradiomics' extractor does (checkMask + cropToTumorMask)."""
    bbox, _ = imageoperations.checkMask(image, mask, label=1, **settings)
    assert bbox is not None, "pyradiomics rejected the mask"
    return imageoperations.cropToTumorMask(image, mask, bbox)


@functools.lru_cache(maxsize=None)
def cropped_case(name):
    """A pyradiomics test case cropped with :func:`crop`, computed once per session."""
    return crop(*load_case(name))


def roi_from_sitk(image, mask, settings):
    """radfeat's view of a SimpleITK image and label 1 of its mask."""
    return RoiData(sitk.GetArrayFromImage(image), sitk.GetArrayFromImage(mask) == 1,
                   image.GetSpacing()[::-1], settings)


def to_sitk(array, spacing):
    """SimpleITK image of ``array`` with ``spacing`` given per array axis."""
    img = sitk.GetImageFromArray(array)
    img.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    return img


def sitk_pair(arr, msk, spacing=(0.7, 1.3, 2.0)):
    """SimpleITK image (float) and mask (uint8); ``spacing`` in SimpleITK's (x, y, z) order."""
    image = sitk.GetImageFromArray(np.asarray(arr, dtype=float))
    image.SetSpacing(spacing[: image.GetDimension()])
    mask = sitk.GetImageFromArray(np.asarray(msk, dtype=np.uint8))
    mask.CopyInformation(image)
    return image, mask


# ------------------------------------------------------------------------------------ oracle


@dataclass(frozen=True)
class Oracle:
    """One texture family: radfeat's ``compute(roi)`` against pyradiomics' feature class."""

    compute: Callable
    pyradiomics_class: type
    names: tuple

    def ours(self, roi) -> dict:
        """radfeat's features of a RoiData, by name."""
        return dict(zip(self.names, self.compute(roi)))

    def ours_sitk(self, image, mask, settings) -> dict:
        """radfeat's features of SimpleITK inputs, by name."""
        return self.ours(roi_from_sitk(image, mask, settings))

    def theirs(self, image, mask, settings) -> dict:
        """pyradiomics' features (its enabled, non-deprecated ones) of SimpleITK inputs."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = self.pyradiomics_class(image, mask, **settings).execute()
        return {k: float(v) for k, v in result.items()}

    def compare(self, image, mask, settings):
        """Both implementations on the same SimpleITK inputs: same features, same values."""
        theirs = self.theirs(image, mask, settings)
        assert set(theirs) == set(self.names)
        assert_features_close(self.ours_sitk(image, mask, settings), theirs)

    def compare_arrays(self, image, mask, spacing, settings, cropped=True):
        """:meth:`compare` on numpy arrays, cropped like the extractor crops (unless not ``cropped``)."""
        img, msk = to_sitk(image.astype(np.float64), spacing), to_sitk(mask.astype(np.uint8), spacing)
        if cropped:
            img, msk = crop(img, msk)
        self.compare(img, msk, settings)

    def compare_random_rois(self, shape, settings, variants):
        """:meth:`compare_arrays` on one :func:`random_roi` per ``(fill, levels)`` of ``variants``.

        The generator is seeded by ``shape`` and ``settings``, so every case has its own images.
        """
        if NO_JIT and np.prod(shape) > 500:
            pytest.skip("large image skipped without JIT")
        rng = np.random.default_rng(zlib.crc32(repr((shape, settings)).encode()))
        spacing = rng.uniform(0.5, 3.0, len(shape))
        for fill, levels in variants:
            image, mask = random_roi(rng, shape, fill, levels)
            self.compare_arrays(image, mask, spacing, settings)

    def compare_merged(self, image, mask, settings):
        """The internal ``mergeDirections`` (IBSI "comb") is pyradiomics' ``no_weighting`` sum."""
        assert_features_close(self.ours_sitk(image, mask, {**settings, "mergeDirections": True}),
                              self.theirs(image, mask, {**settings, "weightingNorm": "no_weighting"}))

    def assert_registered(self, name, batch, **attributes):
        """Family ``name`` is registered with this compute function, ``batch`` and ``attributes``.

        Its features (each with a formula) must be pyradiomics' non-deprecated ones, in order.
        """
        family = get_family(name)
        assert family.feature_names == tuple(self.names)
        assert family.compute is self.compute and family.batch is batch
        assert all(f.formula for f in family.features)
        for key, value in attributes.items():
            assert getattr(family, key) == value, key
        expected = [n for n, deprecated in self.pyradiomics_class.getFeatureNames().items() if not deprecated]
        assert list(self.names) == expected


# ---------------------------------------------------------------------------- random inputs


def corners_mask():
    """3x3 mask of the four corners: ROI voxels without any ROI neighbour."""
    corners = np.zeros((3, 3), bool)
    corners[::2, ::2] = True
    return corners


def edge_case_rois(**extra):
    """Degenerate ROIs by name, ``(image, mask, settings)``, and a family's ``extra`` ones.

    Flat, split by a gap, isolated voxels (in grey levels and flat with weighting).
    """
    square = np.zeros((5, 5), bool)
    square[1:4, 1:4] = True
    return {
        "flat": (np.full((5, 5), 100.0), square, {}),
        "row-gap": (np.array([[10.0, 40.0, 70.0]]), np.array([[True, False, True]]), {}),
        "corners": (np.arange(9.0).reshape(3, 3) * 30, corners_mask(), {}),
        "corners-flat-weighted": (np.full((3, 3), 5.0), corners_mask(), {"weightingNorm": "euclidean"}),
        **extra,
    }


def random_case(rng, shape, fill, high=None):
    """Cropped SimpleITK pair of a noisy image (or integers ``0..high-1``) and a random mask."""
    image = rng.normal(100, 40, size=shape).round(1) if high is None else rng.integers(0, high, shape)
    return crop(*sitk_pair(image, rng.random(shape) < fill))


def random_levels(rng, shape, fill, high):
    """int64 grey levels ``1..high-1`` in a random ROI of about ``fill``, 0 outside it."""
    return np.where(rng.random(shape) < fill, rng.integers(1, high, shape), 0).astype(np.int64)


def random_roi(rng, shape, fill=0.75, levels=None):
    """Noisy image and a ragged mask (holes, isolated voxels) inside a random sub-box.

    With ``levels`` the image holds that many distinct values (long runs, large zones).
    """
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


def batch_stack(rng, n, shape, settings, high=256, step=1):
    """``(rois, levels, masks)`` of ``n`` images of integers ``0..high-1`` times ``step``.

    Image 0 is all ROI, image 1 empty (its RoiData is None), image 2 a single voxel; the other
    masks are random with 80 % fill. ``spacing`` in ``settings`` (batch-only) is left out.
    """
    settings = {k: v for k, v in settings.items() if k != "spacing"}
    images = (rng.integers(0, high, (n,) + shape) * step).astype(np.float64)
    masks = rng.random((n,) + shape) < 0.8
    masks[0] = True
    masks[1] = False
    masks[2] = False
    masks[2].flat[3] = True
    rois = [RoiData(images[k], masks[k], np.ones(len(shape)), settings) if masks[k].any() else None
            for k in range(n)]
    levels = np.stack([r.levels if r is not None else np.zeros(shape, np.int64) for r in rois])
    return rois, levels, masks


def batch_inputs(rng, n, shape, settings):
    """``(rois, levels, masks)`` of ``n`` noisy images with random masks of random fill.

    Image 0 is a single pixel, image 1 empty (its RoiData is None).
    """
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


# ------------------------------------------------------------------------------------- batch


def assert_batch_rows(got, rois, masks, compute, n_features, rtol=1e-12, atol=0.0, spacing=None):
    """Row ``k`` of a ``*_batch`` result equals ``compute(rois[k])``.

    Rows of empty or single-voxel ROIs must be all NaN (the per-image path raises there). With
    ``spacing`` each ROI is rebuilt with it (the batch took it from its ``spacing`` setting).
    """
    assert got.shape == (len(rois), n_features)
    for k, roi in enumerate(rois):
        if masks[k].sum() <= 1:
            assert np.isnan(got[k]).all(), k
            continue
        if spacing is not None:
            roi = RoiData(roi.image, roi.mask, spacing, roi.settings)
        np.testing.assert_allclose(got[k], compute(roi), rtol=rtol, atol=atol, equal_nan=True)


def assert_size_guard(compute, batch, roi, match):
    """Both the per-image and the batch path refuse ``roi``'s matrices (``maxMatrixMB``)."""
    with pytest.raises(MatrixTooLargeError, match=match):
        compute(roi)
    with pytest.raises(MatrixTooLargeError):
        batch(roi.levels[None], roi.mask[None], roi.settings)
