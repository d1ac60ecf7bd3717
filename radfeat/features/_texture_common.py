"""Settings and input preparation shared by the texture families (private).

The GLCM, GLRLM, GLDM, GLSZM and NGTDM modules read the same pyradiomics settings (``distances``,
``force2D``/``force2Ddimension``, ``weightingNorm``), find the same ROI box and neighbour offsets
(:mod:`radfeat._kernels._neighbours`), raise the same errors when pyradiomics cannot compute a
ROI, and validate the same ``(N, ...)`` stacks in their ``*_batch`` functions.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._jit import get_num_threads
from .._kernels import _neighbours as N
from .._kernels.roi import masked_levels_summary
from ..exceptions import (
    ConfigError,
    EmptyROIError,
    InvalidROIError,
    UnsupportedImageError,
)

#: Below this many voxels in the ROI box the serial kernels beat the thread start-up.
PARALLEL_MIN_VOXELS = 1 << 15

#: The distances of families that always use direct neighbours (GLRLM, GLSZM).
DISTANCE_ONE = np.ones(1, dtype=np.int64)

_NORMS = {None: N.NORM_NONE, "manhattan": N.NORM_MANHATTAN, "euclidean": N.NORM_EUCLIDEAN,
          "infinity": N.NORM_INFINITY, "no_weighting": N.NORM_ONE}


# ------------------------------------------------------------------------------------ settings


def force2d_axis(settings) -> int:
    """The array axis excluded from the neighbourhood (``force2Ddimension``), or -1."""
    return int(settings.get("force2Ddimension", 0)) if settings.get("force2D", False) else -1


def distances_of(settings, validate=True) -> np.ndarray:
    """The ``distances`` setting (pyradiomics' default ``[1]``) as an int64 vector.

    pyradiomics' C layer casts distances to int, so does this. With ``validate`` (GLCM) a
    distance below 1 raises :class:`ConfigError`; without it (GLDM, NGTDM) such a distance
    leaves no neighbour, which the callers report as pyradiomics fails there too.
    """
    distances = np.asarray(settings.get("distances", [1])).ravel().astype(np.int64)
    if validate and (distances.size == 0 or (distances < 1).any()):
        raise ConfigError(f"distances must be positive integers, got {settings.get('distances')!r}")
    return distances


def norm_code(settings) -> int:
    """Kernel code of ``weightingNorm``; unknown names weigh every angle by 1, as pyradiomics does.

    The internal ``mergeDirections`` setting (IBSI's "comb" aggregations) sums the directions
    with weight 1 unless a ``weightingNorm`` asks for other weights.
    """
    code = _NORMS.get(settings.get("weightingNorm"), N.NORM_ONE)
    if code == N.NORM_NONE and settings.get("mergeDirections", False):
        return N.NORM_ONE
    return code


def parallel_threads(n_voxels) -> int:
    """Threads worth using for a ROI box of ``n_voxels`` voxels (1: stay serial)."""
    threads = get_num_threads()
    if threads < 2 or int(n_voxels) < PARALLEL_MIN_VOXELS:
        return 1
    return threads


# --------------------------------------------------------------------------------- single ROI


def as_3d(levels, mask):
    """``(levels, mask, nd)`` with 2D inputs viewed as one-slice 3D arrays."""
    levels = np.ascontiguousarray(levels, dtype=np.int64)
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    nd = levels.ndim
    if nd == 2:
        return levels[None], mask[None], 2
    if nd != 3:
        raise ValueError(f"expected a 2D or 3D ROI, got {nd} dimensions")
    return levels, mask, 3


def masked_levels_3d(levels, mask) -> np.ndarray:
    """Grey levels with 0 outside the ROI, as a 3D int64 array (2D images get a z axis of 1)."""
    lv = np.where(mask, levels, 0).astype(np.int64, copy=False)
    return lv[None] if lv.ndim == 2 else lv


def box_angles(roi3, nd, distances, excluded, bidirectional, family, what):
    """ROI box ``(lo, hi)`` and its ``(Na, nd)`` offsets, or pyradiomics' failure as an error.

    Parameters
    ----------
    roi3 : ndarray, 3D
        Non-zero (True) in the ROI: a mask, or grey levels with 0 outside.
    nd : int
        Real axes of the image (2 or 3).
    distances : ndarray of int64
    excluded : int
        force2D axis or -1.
    bidirectional : bool
        Both offsets of each +/- pair (GLDM, GLSZM, NGTDM) or one (GLCM, GLRLM).
    family, what : str
        For the messages: the family name and what it calls an offset ("offset", "neighbour").

    Raises
    ------
    EmptyROIError
        No voxel in the ROI.
    InvalidROIError
        No offset fits in the ROI's bounding box (a single voxel, or every distance at least as
        large as the box); pyradiomics' C code fails there too ("Error getting angle count").
    """
    lo, hi = N.bounding_box(roi3)
    if hi[0] < lo[0]:
        raise EmptyROIError(f"{family}: the ROI is empty")
    return lo, hi, _box_angles(lo, hi, nd, distances, excluded, bidirectional, family, what)


def _box_angles(lo, hi, nd, distances, excluded, bidirectional, family, what):
    # the offsets of box_angles for a known box, or its InvalidROIError
    size = N.box_size(lo, hi, nd)
    angles = N.generate_angles(size, distances, excluded, bidirectional)
    if angles.shape[0] == 0:
        raise InvalidROIError(
            f"{family}: no {what} fits in the ROI bounding box {tuple(int(v) for v in size)} for "
            f"distances {distances.tolist()} (force2D axis {excluded}); pyradiomics cannot compute it either"
        )
    return angles


def _roi_cache(roi) -> dict:
    """Per-RoiData store of the inputs the texture families share (built by the first one).

    The ROI's grey levels never change, so the compacted box (GLCM, GLRLM) and the padded
    neighbourhood (GLSZM, GLDM, NGTDM) are built once per ROI instead of once per family.
    """
    cache = roi.__dict__.get("_texture_cache")
    if cache is None:
        cache = roi.__dict__["_texture_cache"] = {}
    return cache


def compact_roi(roi, family, distances):
    """The GLCM/GLRLM input of a RoiData: ``(q, gray, ng, angles)``.

    ``q, gray, ng`` as :func:`radfeat._kernels._neighbours.compact_levels` returns them;
    ``angles`` ``(Na, nd)`` holds one offset of each +/- pair. Raises as :func:`box_angles`.
    """
    cache = _roi_cache(roi)
    hit = cache.get("compact")
    if hit is None:
        levels, mask, nd = as_3d(roi.levels, roi.mask)
        lo, hi = N.bounding_box(mask)
        if hi[0] < lo[0]:
            raise EmptyROIError(f"{family}: the ROI is empty")
        angles = _box_angles(lo, hi, nd, distances, force2d_axis(roi.settings), False, family, "offset")
        q, gray, ng = N.compact_levels(levels, mask, lo, hi)
        cache["compact"] = (q, gray, ng, lo, hi, nd)
        return q, gray, ng, angles
    q, gray, ng, lo, hi, nd = hit
    angles = _box_angles(lo, hi, nd, distances, force2d_axis(roi.settings), False, family, "offset")
    return q, gray, ng, angles


def neighbourhood(lv3, nd, distances, force2d, family):
    """Crop, pad and build the neighbour offsets of one ROI, as pyradiomics' C code would.

    ``lv3`` holds the grey levels with 0 outside the ROI (:func:`masked_levels_3d`).

    Returns
    -------
    padded, offsets, dims : see :func:`radfeat._kernels._neighbours.pad_levels`

    Raises
    ------
    EmptyROIError, InvalidROIError
        As :func:`box_angles`.
    """
    lo, hi, angles = box_angles(lv3, nd, distances, force2d, True, family, "neighbour")
    return N.pad_levels(lv3, lo, hi, N.pad_angles_3d(angles))


def roi_neighbourhood(roi, family, distances=None, consume=False):
    """:func:`neighbourhood` of a RoiData with its own force2D setting.

    ``distances`` defaults to the ROI's ``distances`` setting. The result is shared with the
    other families asking for the same neighbourhood; a caller whose kernel overwrites
    ``padded`` (GLSZM) passes ``consume`` and gets its own copy.
    """
    settings = roi.settings
    if distances is None:
        distances = distances_of(settings, validate=False)
    excluded = force2d_axis(settings)
    key = ("neighbourhood", tuple(int(d) for d in distances), excluded)
    cache = _roi_cache(roi)
    hit = cache.get(key)
    if hit is None:
        # RoiData's levels are 0 outside the ROI already (masked_levels_3d without the copy)
        levels = np.asarray(roi.levels, dtype=np.int64)
        hit = cache[key] = neighbourhood(levels[None] if levels.ndim == 2 else levels, roi.ndim, distances,
                                         excluded, family)
    padded, offsets, dims = hit
    return (padded.copy() if consume else padded), offsets, dims


def n_chunks(dims) -> int:
    """How many per-thread partial matrices a padded ROI box of ``dims`` deserves (1 = serial)."""
    return parallel_threads(dims[0] * dims[1] * dims[2])


# --------------------------------------------------------------------------------------- batch


class Batch(NamedTuple):
    """The validated input of a ``*_batch`` call."""

    #: ``(N, Z, Y, X)`` int64 grey levels (2D stacks get ``Z = 1``)
    levels: np.ndarray
    #: ``(N, Z, Y, X)`` bool ROIs
    masks: np.ndarray
    #: real image axes, 2 or 3
    nd: int
    #: the highest grey level in any ROI (0 when all are empty): the matrix size guard's ``Ng``
    ng: int

    @property
    def shape(self) -> tuple:
        """Image shape (``nd`` axes), as given."""
        return self.levels.shape[4 - self.nd:]


def batch_input(levels, masks, masked=False) -> Batch:
    """Validate the ``levels``/``masks`` stacks of a batch call and view them as 3D images.

    With ``masked`` the levels are set to 0 outside the ROIs (the neighbourhood kernels read
    level 0 as "outside the ROI").

    Raises
    ------
    ValueError
        Unless both are ``(N, H, W)`` or ``(N, D, H, W)`` stacks of one shape.
    """
    levels = np.ascontiguousarray(levels, dtype=np.int64)
    masks = np.ascontiguousarray(masks, dtype=np.bool_)
    nd = levels.ndim - 1
    if nd not in (2, 3) or masks.shape != levels.shape:
        raise ValueError(f"levels and masks must both be (N, H, W) or (N, D, H, W) stacks of one shape, got "
                         f"{levels.shape} and {masks.shape}")
    top, clean = masked_levels_summary(levels, masks)
    if masked and not clean:
        levels = np.where(masks, levels, 0)
    ng = int(top)
    if nd == 2:
        levels, masks = levels[:, None], masks[:, None]
    return Batch(levels, masks, nd, ng)


def batch_spacing(settings, nd) -> np.ndarray:
    """The batch-only ``spacing`` setting (per image axis, default 1) as float64."""
    return np.asarray(settings.get("spacing", np.ones(nd)), dtype=np.float64).ravel()


def grey_image_2d(roi, family: str) -> np.ndarray:
    """``roi.image`` as a 2D float64 array for the 2D grey-only families (LBP, Haralick, Gabor), or
    the error that explains why it is not one."""
    if roi.channels is not None:
        raise UnsupportedImageError(f"{family}: needs a grey image, got {roi.channels} channels; convert to grey "
                                    "first")
    if roi.ndim != 2:
        raise InvalidROIError(f"{family}: defined on 2D images only, got a {roi.ndim}D ROI; pass one 2D slice "
                              "at a time")
    if not roi.mask.any():
        raise EmptyROIError(f"{family}: the ROI is empty")
    return np.ascontiguousarray(roi.image, dtype=np.float64)
