"""Neighbouring Grey Tone Difference Matrix (NGTDM) features, as pyradiomics 3.0.1 computes them.

For each ROI voxel of grey level ``i``, ``A`` is the mean grey level of its neighbours at the
``distances`` (infinity norm) that lie in the ROI; ``s_i = sum |i - A|`` over the voxels of level
``i`` (a voxel without ROI neighbours adds 0 but still counts in ``n_i``). Only levels present
in the ROI are kept: ``N_vp = sum n_i``, ``p_i = n_i / N_vp``, ``N_gp`` = number of levels
present, and ``i``, ``j`` run over those levels.
"""

from __future__ import annotations

import numpy as np

from .._kernels import ngtdm as _k
from ._texture_common import batch_input, distances_of, force2d_axis, roi_neighbourhood
from .registry import Feature, check_matrix_size, register_batch, register_family

__all__ = ["FEATURES", "compute_ngtdm", "ngtdm_matrix", "ngtdm_batch"]

FEATURES = (
    Feature("Busyness", "sum_i p_i s_i / sum_ij |i p_i - j p_j| (0 if the divisor is 0)", "NQ30"),
    Feature("Coarseness", "1 / sum_i p_i s_i (1e6 if the sum is 0)", "QCDE"),
    Feature("Complexity", "sum_ij |i - j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp", "HDEZ"),
    Feature("Contrast", "sum_ij p_i p_j (i - j)^2 sum_i s_i / N_vp / (N_gp (N_gp - 1)) (0 if N_gp = 1)", "65HE"),
    Feature("Strength", "sum_ij (p_i + p_j)(i - j)^2 / sum_i s_i (0 if sum s_i = 0)", "1X9X"),
)
assert len(FEATURES) == _k.N_NGTDM


_CHUNK_VOXELS = 1 << 16
_MAX_CHUNKS = 64


def ngtdm_matrix(roi):
    """The NGTDM in pyradiomics' layout (its ``P_ngtdm[0]``): ``(N_gp, 3)`` rows ``n_i, s_i, i``."""
    padded, offsets, dims = roi_neighbourhood(roi, "ngtdm")
    ng = roi.n_levels
    # s_i sums reals: partial sums per chunk make the rounding depend on the chunking, so the
    # chunks follow the ROI's size, never the thread count (one table whatever --jobs/threads)
    chunks = max(1, min(_MAX_CHUNKS, dims[0] * dims[1] * dims[2] // _CHUNK_VOXELS))
    check_matrix_size("ngtdm", chunks * ng * 2, ng, roi.settings)
    if chunks == 1:
        mat = _k.ngtdm_matrix(padded, offsets, dims, ng)
    else:
        mat = _k.ngtdm_matrix_parallel(padded, offsets, dims, ng, chunks)
    return _k.ngtdm_compress(mat)


@register_family("ngtdm", FEATURES, dims=(2, 3), kind="texture", settings={"distances": [1]},
                 description="Neighbouring Grey Tone Difference Matrix features")
def compute_ngtdm(roi):
    """Neighbouring Grey Tone Difference Matrix features of the ROI.

    Parameters
    ----------
    roi : RoiData
        Settings read: ``distances`` (default ``[1]``), ``force2D`` / ``force2Ddimension``,
        ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (5,)
        In :data:`FEATURES` order:

        - Busyness: ``sum_i p_i s_i / sum_ij |i p_i - j p_j|`` (0 when the divisor is 0)
        - Coarseness: ``1 / sum_i p_i s_i`` (``1e6`` when the sum is 0, e.g. a flat ROI)
        - Complexity: ``sum_ij |i - j| (p_i s_i + p_j s_j) / (p_i + p_j) / N_vp``
        - Contrast: ``sum_ij p_i p_j (i - j)^2 * sum_i s_i / N_vp / (N_gp (N_gp - 1))``
          (0 for a single grey level)
        - Strength: ``sum_ij (p_i + p_j)(i - j)^2 / sum_i s_i`` (0 when ``sum s_i = 0``)

    Raises
    ------
    InvalidROIError
        When no neighbour direction fits in the ROI box (pyradiomics fails there too).

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.ones((3, 3)), np.ones((3, 3), bool), (1, 1))
    >>> compute_ngtdm(roi).tolist()   # a flat ROI
    [0.0, 1000000.0, 0.0, 0.0, 0.0]
    """
    out = np.empty(_k.N_NGTDM)
    _k.ngtdm_features(ngtdm_matrix(roi), out)
    return out


@register_batch("ngtdm")
def ngtdm_batch(levels, masks, settings):
    """NGTDM features of a stack of same-size images in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W) or (N, D, H, W)
    masks : ndarray of bool, same shape
    settings : dict
        As for :func:`compute_ngtdm`.

    Returns
    -------
    ndarray of float64, shape (N, 5)
        Rows equal :func:`compute_ngtdm` on each image; NaN rows for an empty ROI or one whose
        bounding box admits no neighbour.
    """
    batch = batch_input(levels, masks, masked=True)
    distances = distances_of(settings, validate=False)
    check_matrix_size("ngtdm", batch.ng * 2, batch.ng, settings)
    out = np.empty((batch.levels.shape[0], _k.N_NGTDM))
    _k.ngtdm_batch(batch.levels, batch.nd, distances, force2d_axis(settings), out)
    return out
