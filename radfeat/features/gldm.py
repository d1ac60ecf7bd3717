"""Grey Level Dependence Matrix (GLDM) features, as pyradiomics 3.0.1 computes them.

A neighbour at one of the ``distances`` (infinity norm; 26 in 3D, 8 in 2D for distance 1) is
*dependent* on the centre voxel when both are in the ROI and their grey levels differ by at most
``gldm_a``. ``P(i, j)`` counts the ROI voxels of grey level ``i`` with ``j - 1`` dependent
neighbours. Grey levels absent from the ROI and dependence counts that never occur are removed,
so ``i`` runs over the levels present and ``j`` over the dependence counts present (plus 1).
``N_z = sum P`` is the number of ROI voxels, ``p = P / N_z``, ``p_g(i) = sum_j P(i, j)`` and
``p_d(j) = sum_i P(i, j)``.

This module also holds the neighbourhood preparation that the GLSZM and NGTDM modules share.
"""

from __future__ import annotations

import numpy as np

from .._jit import get_num_threads
from .._kernels import gldm as _k
from ..exceptions import EmptyROIError, InvalidROIError
from .registry import Feature, check_matrix_size, register_batch, register_family

__all__ = ["FEATURES", "compute_gldm", "gldm_matrix", "gldm_batch"]

FEATURES = (
    Feature("DependenceEntropy", "DE = -sum_ij p(i,j) log2(p(i,j) + eps)", "FCBV"),
    Feature("DependenceNonUniformity", "DN = sum_j p_d(j)^2 / N_z", "Z87G"),
    Feature("DependenceNonUniformityNormalized", "DNN = sum_j p_d(j)^2 / N_z^2", "OKJI"),
    Feature("DependenceVariance", "DV = sum_j (p_d(j)/N_z) (j - mu_j)^2, mu_j = sum_j j p_d(j)/N_z", "DNX2"),
    Feature("GrayLevelNonUniformity", "GLN = sum_i p_g(i)^2 / N_z", "FP8K"),
    Feature("GrayLevelVariance", "GLV = sum_i (p_g(i)/N_z) (i - mu_i)^2, mu_i = sum_i i p_g(i)/N_z", "1PFV"),
    Feature("HighGrayLevelEmphasis", "HGLE = sum_i p_g(i) i^2 / N_z", "OAE7"),
    Feature("LargeDependenceEmphasis", "LDE = sum_j p_d(j) j^2 / N_z", "IMOQ"),
    Feature("LargeDependenceHighGrayLevelEmphasis", "LDHGLE = sum_ij P(i,j) i^2 j^2 / N_z", "9QMG"),
    Feature("LargeDependenceLowGrayLevelEmphasis", "LDLGLE = sum_ij P(i,j) j^2 / i^2 / N_z", "NBZI"),
    Feature("LowGrayLevelEmphasis", "LGLE = sum_i p_g(i) / i^2 / N_z", "TL9H"),
    Feature("SmallDependenceEmphasis", "SDE = sum_j p_d(j) / j^2 / N_z", "SODN"),
    Feature("SmallDependenceHighGrayLevelEmphasis", "SDHGLE = sum_ij P(i,j) i^2 / j^2 / N_z", "JA6D"),
    Feature("SmallDependenceLowGrayLevelEmphasis", "SDLGLE = sum_ij P(i,j) / (i^2 j^2) / N_z", "EQ3F"),
)
assert len(FEATURES) == _k.N_GLDM

#: Below this many voxels in the ROI box the serial kernels beat the thread start-up.
PARALLEL_MIN_VOXELS = 32768


# ---------------------------------------------------------------------------------------------
# Neighbourhood preparation shared with glszm.py and ngtdm.py
# ---------------------------------------------------------------------------------------------

def force2d_axis(settings) -> int:
    """The array axis excluded from the neighbourhood (``force2Ddimension``), or -1."""
    return int(settings.get("force2Ddimension", 0)) if settings.get("force2D", False) else -1


def distances_of(settings) -> np.ndarray:
    """The ``distances`` setting as an int64 vector (pyradiomics' default ``[1]``)."""
    return np.asarray(settings.get("distances", [1]), dtype=np.int64).reshape(-1)


def masked_levels_3d(levels, mask) -> np.ndarray:
    """Grey levels with 0 outside the ROI, as a 3D int64 array (2D images get a z axis of 1)."""
    lv = np.where(mask, levels, 0).astype(np.int64, copy=False)
    return lv[None] if lv.ndim == 2 else lv


def neighbourhood(lv3, nd, distances, force2d, family):
    """Crop, pad and build the neighbour offsets of one ROI, as pyradiomics' C code would.

    Returns
    -------
    padded, offsets, dims : see :func:`radfeat._kernels.gldm.pad_levels`

    Raises
    ------
    EmptyROIError
        No voxel in the ROI.
    InvalidROIError
        No neighbour direction fits in the ROI's bounding box (for example a single voxel, or
        every distance at least as large as the box); pyradiomics fails here too.
    """
    lo, hi = _k.roi_bbox(lv3)
    if hi[0] < lo[0]:
        raise EmptyROIError(f"{family}: the ROI is empty")
    angles = _k.roi_angles(lo, hi, nd, distances, force2d)
    if angles.shape[0] == 0:
        size = tuple(int(s) for s in (hi - lo + 1)[3 - nd:])
        raise InvalidROIError(
            f"{family}: no neighbour fits in the ROI bounding box {size} for distances "
            f"{distances.tolist()} (force2D axis {force2d}); pyradiomics cannot compute it either"
        )
    return _k.pad_levels(lv3, lo, hi, angles)


def n_chunks(dims) -> int:
    """How many per-thread partial matrices a ROI box of ``dims`` deserves (1 = serial)."""
    nthreads = get_num_threads()
    if nthreads < 2 or int(dims[0] * dims[1] * dims[2]) < PARALLEL_MIN_VOXELS:
        return 1
    return nthreads


# ---------------------------------------------------------------------------------------------
# GLDM
# ---------------------------------------------------------------------------------------------

def _raw_matrix(roi):
    settings = roi.settings
    lv3 = masked_levels_3d(roi.levels, roi.mask)
    padded, offsets, dims = neighbourhood(lv3, roi.ndim, distances_of(settings), force2d_axis(settings), "gldm")
    ng = roi.n_levels
    chunks = n_chunks(dims)
    check_matrix_size("gldm", chunks * ng * (offsets.shape[0] + 1), ng, settings)
    alpha = float(settings.get("gldm_a", 0))
    if chunks == 1:
        return _k.gldm_matrix(padded, offsets, dims, alpha, ng)
    return _k.gldm_matrix_parallel(padded, offsets, dims, alpha, ng, chunks)


def gldm_matrix(roi):
    """The GLDM in pyradiomics' layout (its ``P_gldm[0]``) with its axis values.

    Returns
    -------
    P : ndarray, shape (Ng', Nd')
        Rows: grey levels present in the ROI; columns: dependence counts that occur.
    ivec, jvec : ndarray
        The grey level of each row and the dependence size ``j`` (dependent neighbours + 1) of
        each column.
    """
    return _k.compress_matrix(_raw_matrix(roi))


@register_family("gldm", FEATURES, dims=(2, 3), kind="texture", settings={"gldm_a": 0, "distances": [1]},
                 description="Grey Level Dependence Matrix features")
def compute_gldm(roi):
    """Grey Level Dependence Matrix features of the ROI.

    Parameters
    ----------
    roi : RoiData
        Settings read: ``gldm_a`` (dependence threshold, default 0), ``distances`` (default
        ``[1]``), ``force2D`` / ``force2Ddimension``, ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (14,)
        In :data:`FEATURES` order, with ``i`` a grey level present in the ROI, ``j`` a dependence
        size present, ``N_z`` the ROI voxel count, ``p_g``/``p_d`` the row/column sums of ``P``:

        - DependenceEntropy: ``-sum p(i,j) log2(p(i,j) + eps)``, ``eps = 2.2e-16``
        - DependenceNonUniformity: ``sum_j p_d(j)^2 / N_z``
        - DependenceNonUniformityNormalized: ``sum_j p_d(j)^2 / N_z^2``
        - DependenceVariance: ``sum_j p_d(j)/N_z (j - mu_j)^2``
        - GrayLevelNonUniformity: ``sum_i p_g(i)^2 / N_z``
        - GrayLevelVariance: ``sum_i p_g(i)/N_z (i - mu_i)^2``
        - HighGrayLevelEmphasis: ``sum_i p_g(i) i^2 / N_z``
        - LargeDependenceEmphasis: ``sum_j p_d(j) j^2 / N_z``
        - LargeDependenceHighGrayLevelEmphasis: ``sum P(i,j) i^2 j^2 / N_z``
        - LargeDependenceLowGrayLevelEmphasis: ``sum P(i,j) j^2 / i^2 / N_z``
        - LowGrayLevelEmphasis: ``sum_i p_g(i) / i^2 / N_z``
        - SmallDependenceEmphasis: ``sum_j p_d(j) / j^2 / N_z``
        - SmallDependenceHighGrayLevelEmphasis: ``sum P(i,j) i^2 / j^2 / N_z``
        - SmallDependenceLowGrayLevelEmphasis: ``sum P(i,j) / (i^2 j^2) / N_z``

    Raises
    ------
    InvalidROIError
        When no neighbour direction fits in the ROI box (pyradiomics fails there too).
    MatrixTooLargeError
        When the matrix would exceed ``maxMatrixMB``.

    Notes
    -----
    pyradiomics' deprecated GLDM features (GrayLevelNonUniformityNormalized, equal to first-order
    Uniformity, and DependencePercentage, always 1) are not computed.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.array([[1., 1.], [1., 2.]]), np.ones((2, 2), bool), (1, 1), {"binWidth": 1})
    >>> float(compute_gldm(roi)[7])   # LargeDependenceEmphasis: j = 3, 3, 3, 1
    7.0
    """
    p, ivec, jvec = gldm_matrix(roi)
    out = np.empty(_k.N_GLDM)
    _k.gldm_features(p, ivec, jvec, out)
    return out


def stack_levels(levels, masks):
    """``(N, Z, Y, X)`` masked levels and the image dimensionality of a batch stack."""
    levels = np.asarray(levels)
    masks = np.asarray(masks, dtype=bool)
    if levels.shape != masks.shape or levels.ndim not in (3, 4):
        raise ValueError(f"expected levels and masks of one shape (N, H, W) or (N, D, H, W), got "
                         f"{levels.shape} and {masks.shape}")
    lv = np.where(masks, levels, 0).astype(np.int64, copy=False)
    nd = lv.ndim - 1
    return (lv[:, None] if nd == 2 else lv), nd


@register_batch("gldm")
def gldm_batch(levels, masks, settings):
    """GLDM features of a stack of same-size images in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W) or (N, D, H, W)
        1-based grey levels.
    masks : ndarray of bool, same shape
    settings : dict
        As for :func:`compute_gldm`.

    Returns
    -------
    ndarray of float64, shape (N, 14)
        Rows equal :func:`compute_gldm` on each image; NaN rows for an empty ROI or one whose
        bounding box admits no neighbour.
    """
    lv, nd = stack_levels(levels, masks)
    distances = distances_of(settings)
    ng = int(lv.max()) if lv.size else 0
    check_matrix_size("gldm", ng * (_max_angles(nd, distances) + 1), ng, settings)
    out = np.empty((lv.shape[0], _k.N_GLDM))
    _k.gldm_batch(lv, nd, distances, force2d_axis(settings), float(settings.get("gldm_a", 0)), out)
    return out


def _max_angles(nd, distances) -> int:
    # the most angles any image of the batch can get: those of an unbounded box
    big = np.full(nd, 1 << 20, dtype=np.int64)
    return int(_k.angle_count(big, distances, -1))
