"""Mask handling as pyradiomics does it: label choice, geometry check, ROI checks, resegmentation.

Bounding boxes use pyradiomics' layout: SimpleITK index order (x, y, z) with lower and upper
bounds interleaved, ``[x_lo, x_hi, y_lo, y_hi, z_lo, z_hi]`` (inclusive).
"""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from ..exceptions import EmptyROIError, GeometryMismatchError, InvalidROIError

__all__ = ["select_label_map", "mask_labels", "check_geometry", "bounding_box", "check_roi",
           "resegment_mask", "whole_image_mask"]


def select_label_map(mask: sitk.Image, label_channel: int = 0, name: str = "mask") -> sitk.Image:
    """Scalar UInt32 label map; a vector (segmentation-object) mask yields channel ``label_channel``."""
    n = mask.GetNumberOfComponentsPerPixel()
    if n > 1:
        if not 0 <= label_channel < n:
            raise EmptyROIError(f"{name}: label_channel {label_channel} requested, mask has {n} channels")
        mask = sitk.VectorIndexSelectionCast(mask, int(label_channel))
    return sitk.Cast(mask, sitk.sitkUInt32)


def mask_labels(mask: sitk.Image) -> list[int]:
    """Non-zero label values present in ``mask``, ascending."""
    values = np.unique(sitk.GetArrayViewFromImage(mask))
    return [int(v) for v in values if v != 0]


def whole_image_mask(image: sitk.Image) -> sitk.Image:
    """A mask of ones over the whole image (used when no mask is given)."""
    size = image.GetSize()[::-1]
    mask = sitk.GetImageFromArray(np.ones(size, dtype=np.uint32))
    mask.CopyInformation(image)
    return mask


def check_geometry(image: sitk.Image, mask: sitk.Image, *, tolerance=None, correct=False,
                   image_name="image", mask_name="mask") -> sitk.Image:
    """Check that ``mask`` lies on ``image``'s grid; return the mask on exactly that grid.

    Size, spacing, origin and direction are compared with SimpleITK's rule (coordinate tolerance
    ``tolerance * spacing[0]``, direction tolerance ``tolerance``; default 1e-6). With ``correct``
    (pyradiomics' ``correctMask``) a mask on another grid that fits inside the image is resampled
    onto the image grid by nearest neighbour instead of rejected.
    """
    tol = 1e-6 if tolerance is None else float(tolerance)
    problems = []
    if image.GetDimension() != mask.GetDimension():
        problems.append(f"dimension {mask.GetDimension()}D vs image {image.GetDimension()}D")
    else:
        if image.GetSize() != mask.GetSize():
            problems.append(f"size {mask.GetSize()} vs image {image.GetSize()}")
        coord_tol = abs(tol * image.GetSpacing()[0])
        for what in ("Spacing", "Origin"):
            a = np.array(getattr(mask, "Get" + what)())
            b = np.array(getattr(image, "Get" + what)())
            if np.any(np.abs(a - b) > coord_tol):
                problems.append(f"{what.lower()} {tuple(np.round(a, 6).tolist())} vs image {tuple(np.round(b, 6).tolist())}")
        if np.any(np.abs(np.array(mask.GetDirection()) - np.array(image.GetDirection())) > tol):
            problems.append("direction differs")
    if not problems:
        if (mask.GetSpacing(), mask.GetOrigin(), mask.GetDirection()) != \
                (image.GetSpacing(), image.GetOrigin(), image.GetDirection()):
            mask = sitk.Image(mask)
            mask.CopyInformation(image)
        return mask
    if correct and image.GetDimension() == mask.GetDimension():
        return _resample_mask_onto(image, mask, image_name, mask_name)
    raise GeometryMismatchError(
        f"{mask_name}: mask does not match image {image_name}: " + "; ".join(problems)
        + " (set geometryTolerance to accept small differences, or correctMask: true to resample the mask)"
    )


def _resample_mask_onto(image, mask, image_name, mask_name):
    arr = sitk.GetArrayViewFromImage(mask)
    nz = np.argwhere(arr > 0)
    if nz.size == 0:
        raise EmptyROIError(f"{mask_name}: mask is empty")
    nd = mask.GetDimension()
    lo = nz.min(0)[::-1].astype(float) - 0.5
    hi = nz.max(0)[::-1].astype(float) + 0.5
    for corner in (lo, hi):
        point = mask.TransformContinuousIndexToPhysicalPoint(corner.tolist())
        idx = np.array(image.TransformPhysicalPointToContinuousIndex(point))
        if np.any(idx < -0.5 - 1e-3) or np.any(idx > np.array(image.GetSize()[:nd]) - 0.5 + 1e-3):
            raise GeometryMismatchError(f"{mask_name}: ROI lies (partly) outside image {image_name}")
    return sitk.Resample(mask, image, sitk.Transform(), sitk.sitkNearestNeighbor, 0, mask.GetPixelID())


def bounding_box(mask_array: np.ndarray) -> np.ndarray:
    """Inclusive bounding box of a boolean array in pyradiomics' (x, y, z) interleaved layout."""
    bb = []
    for axis in range(mask_array.ndim):
        other = tuple(a for a in range(mask_array.ndim) if a != axis)
        hit = np.flatnonzero(mask_array.any(axis=other))
        bb.append((hit[0], hit[-1]))
    return np.array([v for pair in bb[::-1] for v in pair], dtype=int)


def check_roi(mask_array: np.ndarray, label: int, *, minimumROIDimensions=2, minimumROISize=None,
              name="mask") -> np.ndarray:
    """Validate the ROI of ``label`` and return its bounding box (see :func:`bounding_box`)."""
    from .._kernels.roi import label_count_box

    mask_array = np.asarray(mask_array)
    whole = float(label) == int(label) and abs(int(label)) < 2**53  # exactly comparable in any kernel type
    if mask_array.dtype.kind not in "iub" or not 1 <= mask_array.ndim <= 3 or not whole:
        roi = mask_array == label
        count = int(roi.sum())
        bb = bounding_box(roi) if count else None
    else:
        labels = mask_array.reshape((1,) * (3 - mask_array.ndim) + mask_array.shape)
        if labels.dtype == np.bool_:
            labels = labels.view(np.uint8)
        count, lo, hi = label_count_box(labels, int(label))
        keep = slice(3 - mask_array.ndim, 3)
        bb = np.stack([lo[keep], hi[keep]], axis=1)[::-1].ravel().astype(int)
    if count == 0:
        present = [int(v) for v in np.unique(mask_array) if v != 0]
        raise EmptyROIError(
            f"{name}: label {label} not present in mask" +
            (f" (labels present: {', '.join(map(str, present))})" if present else " (mask is empty)")
        )
    ndims = int(np.sum(bb[1::2] - bb[0::2] + 1 > 1))
    if ndims == 0:
        raise InvalidROIError(f"{name}: label {label} has a single voxel; features are undefined on one voxel")
    if ndims < minimumROIDimensions:
        raise InvalidROIError(
            f"{name}: label {label} spans {ndims} dimension(s), minimumROIDimensions is {minimumROIDimensions}")
    if minimumROISize is not None and count <= minimumROISize:
        raise InvalidROIError(f"{name}: label {label} has {count} voxels, minimumROISize is {minimumROISize}")
    return bb


def resegment_mask(image_array: np.ndarray, mask_array: np.ndarray, label: int, resegmentRange,
                   resegmentMode="absolute", name="mask") -> np.ndarray:
    """Keep only ROI voxels whose intensity lies in ``resegmentRange`` (pyradiomics' modes).

    ``absolute``: thresholds as given; ``relative``: fractions of the ROI maximum; ``sigma``:
    mean + k * std of the ROI. A one-element range is a lower bound only.
    """
    from ..exceptions import ConfigError

    if resegmentRange is None or not 1 <= len(resegmentRange) <= 2:
        raise ConfigError(f"resegmentRange must hold 1 or 2 numbers, got {resegmentRange!r}")
    roi = mask_array == label
    values = image_array[roi]
    bounds = sorted(float(v) for v in resegmentRange)
    if resegmentMode == "relative":
        bounds = [values.max() * b for b in bounds]
    elif resegmentMode == "sigma":
        bounds = [values.mean() + values.std() * b for b in bounds]
    elif resegmentMode != "absolute":
        raise ConfigError(f"resegmentMode must be absolute, relative or sigma, got {resegmentMode!r}")
    keep = values >= bounds[0]
    if len(bounds) == 2:
        keep &= values <= bounds[1]
    if keep.sum() <= 1:
        raise InvalidROIError(
            f"{name}: resegmentation to {resegmentRange} ({resegmentMode}) leaves {int(keep.sum())} voxel(s) "
            f"of label {label}; cannot extract features")
    out = np.zeros(mask_array.shape, dtype=np.uint32)
    idx = np.flatnonzero(roi.ravel())[keep]
    out.ravel()[idx] = label
    return out
