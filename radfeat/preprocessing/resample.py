"""Cropping and resampling on SimpleITK images, on pyradiomics' grid (``compat: pyradiomics``).

pyradiomics resamples only a padded box around the ROI: the new grid keeps the mask's direction,
takes ``resampledPixelSpacing`` (0 keeps the original spacing of that axis; an axis on which the
ROI is one voxel thick keeps its spacing), aligns the *corner* of the first voxel with the original
grid's corner, and pads the ROI box by ``padDistance`` new voxels. The image is interpolated with
``interpolator`` (default B-spline) and cast back to its pixel type; the mask by nearest neighbour.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from ..exceptions import ConfigError
from .mask import bounding_box

__all__ = ["crop_to_box", "resample_image_and_mask", "INTERPOLATORS"]

INTERPOLATORS = {
    name: getattr(sitk, name)
    for name in ("sitkNearestNeighbor", "sitkLinear", "sitkBSpline", "sitkGaussian",
                 "sitkLabelGaussian", "sitkHammingWindowedSinc", "sitkCosineWindowedSinc",
                 "sitkWelchWindowedSinc", "sitkLanczosWindowedSinc", "sitkBlackmanWindowedSinc")
}


def crop_to_box(image: sitk.Image, mask: sitk.Image, box: np.ndarray, pad: int = 0):
    """Crop image and mask to ``box`` (pyradiomics layout) grown by ``pad`` voxels, within bounds."""
    size = np.array(mask.GetSize())
    lower = np.maximum(box[0::2] - pad, 0)
    upper = np.maximum(size - box[1::2] - pad - 1, 0)
    lower, upper = [int(v) for v in lower], [int(v) for v in upper]
    return sitk.Crop(image, lower, upper), sitk.Crop(mask, lower, upper)


def _interpolator(value):
    if isinstance(value, int):
        return value
    if value in INTERPOLATORS:
        return INTERPOLATORS[value]
    raise ConfigError(f"unknown interpolator {value!r}; choose from {', '.join(INTERPOLATORS)}")


def resample_image_and_mask(image: sitk.Image, mask: sitk.Image, label: int, resampledPixelSpacing,
                            interpolator="sitkBSpline", padDistance=5):
    """Resample ``image`` and ``mask`` to ``resampledPixelSpacing`` (x, y, z order, like pyradiomics).

    Returns the resampled (and cropped to the padded ROI box) image and mask.
    """
    nd = mask.GetDimension()
    target = np.array(resampledPixelSpacing, dtype=float)
    if target.shape != (nd,):
        raise ConfigError(f"resampledPixelSpacing has {target.size} values for a {nd}D image")
    mask_spacing = np.array(mask.GetSpacing())
    image_spacing = np.array(image.GetSpacing())
    target = np.where(target == 0, mask_spacing, target)
    arr = sitk.GetArrayViewFromImage(mask) == label
    box = bounding_box(arr)
    bb_lo = box[0::2].astype(float)
    bb_size = (box[1::2] - box[0::2] + 1).astype(float)
    target = np.where(bb_size != 1, target, mask_spacing)

    if np.allclose(image_spacing, target):
        # Nothing to interpolate: bring the mask onto the image grid and crop with padding.
        mask = sitk.Resample(mask, image, sitk.Transform(), sitk.sitkNearestNeighbor, 0, mask.GetPixelID())
        box = bounding_box(sitk.GetArrayViewFromImage(mask) == label)
        return crop_to_box(image, mask, box, padDistance)

    ratio = mask_spacing / target
    new_lo = np.floor((bb_lo - 0.5) * ratio - padDistance)
    new_hi = np.ceil((bb_lo + bb_size - 0.5) * ratio + padDistance)
    max_hi = np.ceil(np.array(mask.GetSize()) * ratio) - 1
    new_lo = np.where(new_lo < 0, 0, new_lo)
    new_hi = np.where(new_hi > max_hi, max_hi, new_hi)
    new_size = np.array(new_hi - new_lo + 1, dtype=int).tolist()
    origin_index = 0.5 * (target - mask_spacing) / mask_spacing + new_lo / ratio
    new_origin = mask.TransformContinuousIndexToPhysicalPoint(origin_index.tolist())

    rif = sitk.ResampleImageFilter()
    rif.SetOutputSpacing(target.tolist())
    rif.SetOutputDirection(mask.GetDirection())
    rif.SetSize(new_size)
    rif.SetOutputOrigin(new_origin)
    rif.SetOutputPixelType(image.GetPixelID())
    rif.SetInterpolator(_interpolator(interpolator))
    out_image = rif.Execute(image)
    rif.SetOutputPixelType(mask.GetPixelID())
    rif.SetInterpolator(sitk.sitkNearestNeighbor)
    out_mask = rif.Execute(mask)
    return out_image, out_mask
