"""Intensity normalisation (pyradiomics' ``normalize``, ``normalizeScale``, ``removeOutliers``)."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

__all__ = ["normalize_image"]


def normalize_image(image: sitk.Image, normalizeScale: float = 1, removeOutliers=None) -> sitk.Image:
    """z-score the whole image, clip at +-``removeOutliers`` (in sigmas), then multiply by the scale.

    ``f(x) = s * clip((x - mean) / std, -r, r)`` over all voxels of the image, as pyradiomics does
    (not only the ROI).
    """
    image = sitk.Normalize(image)
    if removeOutliers is not None:
        arr = sitk.GetArrayFromImage(image)
        np.clip(arr, -removeOutliers, removeOutliers, out=arr)
        clipped = sitk.GetImageFromArray(arr)
        clipped.CopyInformation(image)
        image = clipped
    return image * normalizeScale
