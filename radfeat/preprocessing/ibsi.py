"""Resampling as the IBSI-1 reference manual defines it (``compat: ibsi``).

Differences from pyradiomics' grid (see :mod:`radfeat.preprocessing.resample`):

- The new grid is aligned on the **centre** of the original image, and covers the whole image:
  ``n_new = ceil(n * s / s_new)`` voxels per axis, first voxel centre at
  ``x0 + (s (n - 1) - s_new (n_new - 1)) / 2`` (in the original axis frame).
- Intensities may be rounded to integers after interpolation (``roundIntensities``; IBSI does it
  for CT, whose grey levels are integer HU).
- The mask is interpolated linearly (whatever the image interpolator) and thresholded at 0.5
  (partial-volume rule), instead of nearest-neighbour; a spline would ring at the ROI border.
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from .resample import _interpolator

__all__ = ["ibsi_grid", "resample_ibsi"]


def ibsi_grid(image: sitk.Image, spacing):
    """(size, origin, spacing) of IBSI's centre-aligned grid; a 0 spacing keeps that axis."""
    old_spacing = np.array(image.GetSpacing(), dtype=float)
    new_spacing = np.array(spacing, dtype=float)
    new_spacing = np.where(new_spacing == 0, old_spacing, new_spacing)
    size = np.array(image.GetSize(), dtype=float)
    new_size = np.ceil(size * old_spacing / new_spacing).astype(int)
    # first new voxel centre, in continuous index units of the original grid
    start_index = ((size - 1) - (new_spacing / old_spacing) * (new_size - 1)) / 2.0
    origin = image.TransformContinuousIndexToPhysicalPoint(start_index.tolist())
    return new_size.tolist(), origin, new_spacing.tolist()


def resample_ibsi(image: sitk.Image, mask: sitk.Image, label: int, resampledPixelSpacing,
                  interpolator="sitkLinear", roundIntensities=False, partialVolumeThreshold=0.5):
    """Resample image and mask onto IBSI's centre-aligned grid.

    Returns
    -------
    image : SimpleITK.Image (float64, rounded if ``roundIntensities``)
    mask : SimpleITK.Image (UInt32 with ``label`` where the interpolated ROI fraction >= threshold)
    """
    size, origin, spacing = ibsi_grid(image, resampledPixelSpacing)
    interp = _interpolator(interpolator)
    ref = sitk.Image(size, sitk.sitkFloat64)
    ref.SetSpacing(spacing)
    ref.SetOrigin(origin)
    ref.SetDirection(image.GetDirection())
    out = sitk.Resample(sitk.Cast(image, sitk.sitkFloat64), ref, sitk.Transform(), interp, 0.0, sitk.sitkFloat64)
    if roundIntensities:
        arr = np.round(sitk.GetArrayFromImage(out))
        rounded = sitk.GetImageFromArray(arr)
        rounded.CopyInformation(out)
        out = rounded
    roi = sitk.Cast(sitk.Equal(mask, int(label)), sitk.sitkFloat64)
    frac = sitk.Resample(roi, ref, sitk.Transform(), sitk.sitkLinear, 0.0, sitk.sitkFloat64)
    new_mask = sitk.Cast(sitk.GreaterEqual(frac, float(partialVolumeThreshold)), sitk.sitkUInt32) * int(label)
    return out, new_mask
