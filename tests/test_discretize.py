"""Discretisation: pyradiomics' bin edges, the batch kernel, and the grey-level guard."""

from __future__ import annotations

import numpy as np
import pytest

from radfeat.exceptions import MatrixTooLargeError
from radfeat.preprocessing.discretize import bin_edges, discretize, discretize_batch


def test_matches_pyradiomics_binimage():
    imageoperations = pytest.importorskip("radiomics.imageoperations")
    rng = np.random.default_rng(0)
    for settings in ({"binWidth": 25}, {"binWidth": 0.37}, {"binCount": 16}, {"binCount": 7}):
        img = rng.normal(10, 50, size=(9, 13, 11)).round(2)
        msk = rng.random(img.shape) < 0.5
        theirs, edges = imageoperations.binImage(img, msk, **settings)
        ours, our_edges = discretize(img, msk, **settings)
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(our_edges, edges)


@pytest.mark.parametrize("settings", [{"binWidth": 25}, {"binWidth": 0.1}, {"binWidth": 3}, {"binCount": 32},
                                      {"binCount": 5}])
def test_batch_equals_single(settings):
    rng = np.random.default_rng(1)
    images = rng.normal(100, 30, size=(40, 28, 28)).round(1)
    images[3] = 7.0  # a flat image
    images[4] = rng.integers(0, 256, size=(28, 28))
    masks = rng.random(images.shape) < 0.8
    batch = discretize_batch(images, masks, **settings)
    for k in range(len(images)):
        np.testing.assert_array_equal(batch[k], discretize(images[k], masks[k], **settings)[0])


def test_flat_roi_has_one_level():
    levels, edges = discretize(np.full((4, 4), 3.0), np.ones((4, 4), bool), binWidth=25)
    assert set(np.unique(levels)) == {1} and edges[0] == 0 and edges[1] == 25


def test_absurd_bin_width_is_refused():
    with pytest.raises(MatrixTooLargeError, match=r"binWidth=1e-06.*grey levels"):
        bin_edges(np.array([-1000.0, 3000.0]), binWidth=1e-6)


def test_ibsi_origin():
    edges = bin_edges(np.array([-480.0, 390.0]), binWidth=25, compat="ibsi", origin=-500)
    assert edges[0] == -500 and edges[1] == -475


@pytest.mark.parametrize("settings", [{"binWidth": 25}, {"binWidth": 5}, {"binCount": 10}, {"binWidth": 0.25}])
def test_values_on_bin_edges(settings):
    imageoperations = pytest.importorskip("radiomics.imageoperations")
    rng = np.random.default_rng(5)
    img = (rng.integers(-40, 40, size=(15, 17)) * 25 / 4).astype(np.float64)  # many values exactly on edges
    msk = rng.random(img.shape) < 0.9
    theirs, _ = imageoperations.binImage(img, msk, **settings)
    np.testing.assert_array_equal(discretize(img, msk, **settings)[0], theirs)


@pytest.mark.parametrize("settings", [{"binWidth": 25}, {"binWidth": 3.7}, {"binCount": 7},
                                      {"binWidth": 10, "compat": "ibsi"},
                                      {"binWidth": 10, "compat": "ibsi", "binOrigin": -600}])
def test_any_dtype_and_strides_equal_the_float64_path(settings):
    # the kernels read integer / float32 / strided images directly; the levels and edges must be
    # those of the contiguous float64 copy (boolean indexing + bin_edges + digitize)
    from radfeat._kernels.discretize import digitize_masked

    rng = np.random.default_rng(3)
    base = rng.integers(-500, 500, size=(7, 9, 8))
    images = [base.astype(np.int16), base.astype(np.float32) / 3, base.astype(np.uint16) + 600,
              rng.normal(0, 100, (9, 12)), base.astype(np.float64).transpose(2, 0, 1)]
    for image in images:
        mask = rng.random(image.shape) < 0.6
        levels, edges = discretize(image, mask, **settings)
        f = np.ascontiguousarray(image, dtype=np.float64)
        ref_edges = bin_edges(f[mask], binWidth=settings.get("binWidth", 25), binCount=settings.get("binCount"),
                              compat=settings.get("compat", "pyradiomics"), origin=settings.get("binOrigin"))
        np.testing.assert_array_equal(edges, ref_edges)
        np.testing.assert_array_equal(levels, digitize_masked(f, np.ascontiguousarray(mask), ref_edges))


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.int32])
def test_integer_images_through_the_value_table_match_digitize(dtype):
    # short-range integer images are digitised by table lookup: the same levels as numpy.digitize
    rng = np.random.default_rng(int(np.dtype(dtype).itemsize))
    info = np.iinfo(dtype)
    for trial in range(60):
        shape = tuple(int(s) for s in rng.integers(1, 12, size=int(rng.integers(2, 4))))
        low = int(rng.integers(max(info.min, -3000), min(info.max, 3000)))
        high = min(int(info.max), low + int(rng.integers(0, 1500)))
        image = rng.integers(low, high + 1, size=shape).astype(dtype)
        mask = rng.random(shape) < 0.7
        if not mask.any():
            continue
        settings = [{"binWidth": 25}, {"binWidth": 0.7}, {"binCount": int(rng.integers(1, 40))}][trial % 3]
        levels, edges = discretize(image, mask, **settings)
        np.testing.assert_array_equal(edges, bin_edges(image[mask], **settings))
        expected = np.where(mask, np.digitize(image.astype(np.float64), edges), 0)
        np.testing.assert_array_equal(levels, expected)
