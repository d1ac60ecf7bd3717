"""ROI checks on label maps: count and bounding box against a naive numpy reference."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk

from radfeat.exceptions import EmptyROIError, InvalidROIError
from radfeat.extraction import Extractor
from radfeat.preprocessing.mask import check_roi


def _naive_box(mask_array, label):
    """Inclusive box in pyradiomics' (x, y, z) interleaved layout, from np.nonzero."""
    idx = np.nonzero(mask_array == label)
    return np.array([v for axis in idx[::-1] for v in (axis.min(), axis.max())])


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.uint32, np.int16, np.int64, np.bool_, np.float32])
def test_check_roi_matches_numpy(dtype):
    rng = np.random.default_rng(3)
    checked = 0
    for _ in range(120):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 9, size=ndim))
        labels = rng.integers(0, 3, size=shape) * (rng.random(shape) < 0.3)
        arr = labels.astype(dtype)
        if rng.random() < 0.3 and arr.shape[-1] > 1:
            arr = arr[..., ::2]  # strided views are read as they are
        label = 1
        roi = arr == label
        if not roi.any():
            with pytest.raises(EmptyROIError):
                check_roi(arr, label, minimumROIDimensions=1)
            continue
        box = _naive_box(arr, label)
        if np.sum(box[1::2] - box[0::2] + 1 > 1) == 0:
            with pytest.raises(InvalidROIError, match="single voxel"):
                check_roi(arr, label, minimumROIDimensions=1)
            continue
        np.testing.assert_array_equal(check_roi(arr, label, minimumROIDimensions=1), box)
        checked += 1
    assert checked > 30


def test_check_roi_limits_and_absent_labels():
    arr = np.zeros((6, 7), np.uint8)
    arr[1:3, 2:6] = 2
    np.testing.assert_array_equal(check_roi(arr, 2), [2, 5, 1, 2])
    with pytest.raises(EmptyROIError, match=r"label 300 not present.*labels present: 2"):
        check_roi(arr, 300)  # beyond uint8: absent, not wrapped
    with pytest.raises(InvalidROIError, match="minimumROISize is 8"):
        check_roi(arr, 2, minimumROISize=8)
    line = np.zeros((5, 5), np.uint8)
    line[2, 1:4] = 1
    with pytest.raises(InvalidROIError, match="spans 1 dimension"):
        check_roi(line, 1, minimumROIDimensions=2)


def test_mask_pixel_type_does_not_change_features():
    rng = np.random.default_rng(0)
    image = sitk.GetImageFromArray(rng.integers(0, 200, size=(24, 30)).astype(np.int16))
    labels = np.zeros((24, 30), np.int64)
    labels[4:20, 5:26] = 1
    labels[8:12, 8:12] = 2
    extractor = Extractor(binWidth=20)
    results = []
    for dtype in (np.uint8, np.uint16, np.uint32, np.int8, np.int32, np.float32):
        mask = sitk.GetImageFromArray(labels.astype(dtype))
        mask.CopyInformation(image)
        results.append(extractor.execute(image, mask, label=1))
        assert sitk.GetArrayViewFromImage(mask).dtype == dtype  # the caller's mask is left as it was
    for other in results[1:]:
        assert other == results[0]


def test_batch_input_masks_levels_only_when_needed():
    from radfeat.features._texture_common import batch_input

    rng = np.random.default_rng(4)
    masks = rng.random((5, 6, 7)) < 0.5
    levels = rng.integers(1, 30, size=masks.shape)
    clean = np.where(masks, levels, 0)
    for given in (levels, clean):
        batch = batch_input(given, masks, masked=True)
        np.testing.assert_array_equal(batch.levels[:, 0], clean)
        assert batch.ng == clean.max()
    # unmasked: the levels are passed on as given, Ng still counts the ROIs only
    batch = batch_input(levels, masks)
    np.testing.assert_array_equal(batch.levels[:, 0], levels)
    assert batch.ng == levels[masks].max()


def test_fractional_label_matches_nothing():
    arr = np.ones((4, 4), np.uint8)
    with pytest.raises(EmptyROIError):
        check_roi(arr, 1.5)


def test_compact_levels_reads_negative_levels_as_outside():
    from radfeat._kernels._neighbours import bounding_box, compact_levels

    levels = np.array([[[3, -1, 5], [-7, 3, 2]]], dtype=np.int64)
    mask = np.ones(levels.shape, dtype=bool)
    lo, hi = bounding_box(mask)
    q, gray, ng = compact_levels(levels, mask, lo, hi)
    np.testing.assert_array_equal(q, [[[1, -1, 2], [-1, 1, 0]]])
    np.testing.assert_array_equal(gray, [2.0, 3.0, 5.0])
    assert ng == 5
