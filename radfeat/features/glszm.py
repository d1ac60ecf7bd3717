"""Grey Level Size Zone Matrix (GLSZM) features, as pyradiomics 3.0.1 computes them.

A zone is a connected set of ROI voxels of one grey level, connectivity being every neighbour at
infinity-norm distance 1 (26 in 3D, 8 in 2D, in-plane only with ``force2D``); ``distances`` is
not used. ``P(i, j)`` counts the zones of grey level ``i`` and size ``j``. Levels absent from the
ROI and sizes that never occur are removed, so ``i`` runs over the levels present and ``j`` over
the zone sizes present. ``N_z = sum P`` is the number of zones, ``N_p = sum P(i,j) j`` the number
of ROI voxels, ``p = P / N_z``, ``p_g(i) = sum_j P(i, j)``, ``p_s(j) = sum_i P(i, j)``.
"""

from __future__ import annotations

import numpy as np

from .._kernels import glszm as _k
from ._texture_common import (DISTANCE_ONE, batch_input, force2d_axis, masked_levels_3d, n_chunks,
                              neighbourhood, roi_neighbourhood)
from .registry import Feature, check_matrix_size, register_batch, register_family

__all__ = ["FEATURES", "compute_glszm", "glszm_matrix", "glszm_batch"]

FEATURES = (
    Feature("GrayLevelNonUniformity", "GLN = sum_i p_g(i)^2 / N_z", "JNSA"),
    Feature("GrayLevelNonUniformityNormalized", "GLNN = sum_i p_g(i)^2 / N_z^2", "Y1RO"),
    Feature("GrayLevelVariance", "GLV = sum_i (p_g(i)/N_z) (i - mu_i)^2, mu_i = sum_i i p_g(i)/N_z", "BYLV"),
    Feature("HighGrayLevelZoneEmphasis", "HGLZE = sum_i p_g(i) i^2 / N_z", "5GN9"),
    Feature("LargeAreaEmphasis", "LAE = sum_j p_s(j) j^2 / N_z", "48P8"),
    Feature("LargeAreaHighGrayLevelEmphasis", "LAHGLE = sum_ij P(i,j) i^2 j^2 / N_z", "J17V"),
    Feature("LargeAreaLowGrayLevelEmphasis", "LALGLE = sum_ij P(i,j) j^2 / i^2 / N_z", "YH51"),
    Feature("LowGrayLevelZoneEmphasis", "LGLZE = sum_i p_g(i) / i^2 / N_z", "XMSY"),
    Feature("SizeZoneNonUniformity", "SZN = sum_j p_s(j)^2 / N_z", "4JP3"),
    Feature("SizeZoneNonUniformityNormalized", "SZNN = sum_j p_s(j)^2 / N_z^2", "VB3A"),
    Feature("SmallAreaEmphasis", "SAE = sum_j p_s(j) / j^2 / N_z", "P001"),
    Feature("SmallAreaHighGrayLevelEmphasis", "SAHGLE = sum_ij P(i,j) i^2 / j^2 / N_z", "HW1V"),
    Feature("SmallAreaLowGrayLevelEmphasis", "SALGLE = sum_ij P(i,j) / (i^2 j^2) / N_z", "5RAI"),
    Feature("ZoneEntropy", "ZE = -sum_ij p(i,j) log2(p(i,j) + eps)", "GU8N"),
    Feature("ZonePercentage", "ZP = N_z / N_p", "P30P"),
    Feature("ZoneVariance", "ZV = sum_j (p_s(j)/N_z) (j - mu_j)^2, mu_j = sum_j j p_s(j)/N_z", "3NSA"),
)
assert len(FEATURES) == _k.N_GLSZM


def _zones(roi):
    """Grey level and size of every zone of the ROI."""
    force2d = force2d_axis(roi.settings)
    if roi.ndim == 3 and force2d in (1, 2):
        # Put the out-of-plane axis first so that independent slices are z slices (the zones,
        # hence the matrix, do not depend on the scan order).
        lv3 = np.ascontiguousarray(np.moveaxis(masked_levels_3d(roi.levels, roi.mask), force2d, 0))
        force2d = 0
        # zones connect direct neighbours only: distance 1 whatever the distances setting says
        padded, offsets, dims = neighbourhood(lv3, roi.ndim, DISTANCE_ONE, force2d, "glszm")
    else:
        padded, offsets, dims = roi_neighbourhood(roi, "glszm", DISTANCE_ONE, consume=True)
    slices_independent = roi.ndim == 3 and force2d == 0 and dims[0] > 1
    if slices_independent and n_chunks(dims) > 1:
        return _k.glszm_zones_slices(padded, offsets, dims)
    return _k.glszm_zones(padded, offsets, dims)


def glszm_matrix(roi):
    """The GLSZM in pyradiomics' layout (its ``P_glszm[0]``) with its axis values.

    Returns
    -------
    P : ndarray, shape (Ng', Ns')
        Rows: grey levels present in the ROI; columns: zone sizes that occur.
    ivec, jvec : ndarray
        The grey level of each row and the zone size of each column.
    """
    zone_level, zone_size = _zones(roi)
    ivec, jvec, level_map, size_map = _k.glszm_axes(zone_level, zone_size, roi.n_levels)
    check_matrix_size("glszm", ivec.size * jvec.size, roi.n_levels, roi.settings)
    return _k.glszm_matrix(zone_level, zone_size, level_map, size_map, ivec.size, jvec.size), ivec, jvec


@register_family("glszm", FEATURES, dims=(2, 3), kind="texture", settings={},
                 description="Grey Level Size Zone Matrix features")
def compute_glszm(roi):
    """Grey Level Size Zone Matrix features of the ROI.

    Parameters
    ----------
    roi : RoiData
        Settings read: ``force2D`` / ``force2Ddimension`` and ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (16,)
        In :data:`FEATURES` order, with ``i`` a grey level present, ``j`` a zone size present,
        ``N_z`` the number of zones, ``N_p`` the ROI voxel count:

        - GrayLevelNonUniformity: ``sum_i p_g(i)^2 / N_z``
        - GrayLevelNonUniformityNormalized: ``sum_i p_g(i)^2 / N_z^2``
        - GrayLevelVariance: ``sum_i p_g(i)/N_z (i - mu_i)^2``
        - HighGrayLevelZoneEmphasis: ``sum_i p_g(i) i^2 / N_z``
        - LargeAreaEmphasis: ``sum_j p_s(j) j^2 / N_z``
        - LargeAreaHighGrayLevelEmphasis: ``sum P(i,j) i^2 j^2 / N_z``
        - LargeAreaLowGrayLevelEmphasis: ``sum P(i,j) j^2 / i^2 / N_z``
        - LowGrayLevelZoneEmphasis: ``sum_i p_g(i) / i^2 / N_z``
        - SizeZoneNonUniformity: ``sum_j p_s(j)^2 / N_z``
        - SizeZoneNonUniformityNormalized: ``sum_j p_s(j)^2 / N_z^2``
        - SmallAreaEmphasis: ``sum_j p_s(j) / j^2 / N_z``
        - SmallAreaHighGrayLevelEmphasis: ``sum P(i,j) i^2 / j^2 / N_z``
        - SmallAreaLowGrayLevelEmphasis: ``sum P(i,j) / (i^2 j^2) / N_z``
        - ZoneEntropy: ``-sum p(i,j) log2(p(i,j) + eps)``, ``eps = 2.2e-16``
        - ZonePercentage: ``N_z / N_p``
        - ZoneVariance: ``sum_j p_s(j)/N_z (j - mu_j)^2``

    Raises
    ------
    InvalidROIError
        For a ROI whose bounding box is a single voxel (pyradiomics fails there too).

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.array([[1., 1.], [1., 2.]]), np.ones((2, 2), bool), (1, 1), {"binWidth": 1})
    >>> float(compute_glszm(roi)[14])   # ZonePercentage: 2 zones over 4 pixels
    0.5
    """
    p, ivec, jvec = glszm_matrix(roi)
    out = np.empty(_k.N_GLSZM)
    _k.glszm_features(p, ivec, jvec, out)
    return out


@register_batch("glszm")
def glszm_batch(levels, masks, settings):
    """GLSZM features of a stack of same-size images in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W) or (N, D, H, W)
    masks : ndarray of bool, same shape
    settings : dict
        As for :func:`compute_glszm`.

    Returns
    -------
    ndarray of float64, shape (N, 16)
        Rows equal :func:`compute_glszm` on each image; NaN rows for an empty ROI or a
        single-voxel one.
    """
    batch = batch_input(levels, masks, masked=True)
    # Per image: at most min(ng, V) levels and sqrt(2 V) distinct zone sizes (they sum to <= V).
    nvox = int(np.prod(batch.shape))
    check_matrix_size("glszm", min(batch.ng, nvox) * (int(np.sqrt(2 * nvox)) + 1), batch.ng, settings)
    out = np.empty((batch.levels.shape[0], _k.N_GLSZM))
    _k.glszm_batch(batch.levels, batch.nd, force2d_axis(settings), out)
    return out
