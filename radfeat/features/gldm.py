"""Grey Level Dependence Matrix (GLDM) features, as pyradiomics 3.0.1 computes them.

A neighbour at one of the ``distances`` (infinity norm; 26 in 3D, 8 in 2D for distance 1) is
*dependent* on the centre voxel when both are in the ROI and their grey levels differ by at most
``gldm_a``. ``P(i, j)`` counts the ROI voxels of grey level ``i`` with ``j - 1`` dependent
neighbours. Grey levels absent from the ROI and dependence counts that never occur are removed,
so ``i`` runs over the levels present and ``j`` over the dependence counts present (plus 1).
``N_z = sum P`` is the number of ROI voxels, ``p = P / N_z``, ``p_g(i) = sum_j P(i, j)`` and
``p_d(j) = sum_i P(i, j)``.
"""

from __future__ import annotations

import numpy as np

from .._kernels import _neighbours as N
from .._kernels import gldm as _k
from ._texture_common import batch_input, distances_of, force2d_axis, n_chunks, roi_neighbourhood
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


def _raw_matrix(roi):
    settings = roi.settings
    padded, offsets, dims = roi_neighbourhood(roi, "gldm")
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
    batch = batch_input(levels, masks, masked=True)
    distances = distances_of(settings, validate=False)
    # the most angles any image of the batch can get: those of an unbounded box
    n_angles = N.angle_count(np.full(batch.nd, 1 << 20, dtype=np.int64), distances, -1, True)
    check_matrix_size("gldm", batch.ng * (n_angles + 1), batch.ng, settings)
    out = np.empty((batch.levels.shape[0], _k.N_GLDM))
    alpha = float(settings.get("gldm_a", 0))
    _k.gldm_batch(batch.levels, batch.nd, distances, force2d_axis(settings), alpha, out)
    return out
