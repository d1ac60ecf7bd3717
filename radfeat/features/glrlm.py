"""Grey Level Run Length Matrix (GLRLM) features, exactly as pyradiomics 3.0.1 computes them.

For every offset vector ``delta`` at distance 1 (13 in 3D, 4 in 2D, fewer with ``force2D`` or a
thin ROI) ``P(i, j)`` counts runs: maximal sets of consecutive ROI voxels along ``delta`` with
grey level ``i`` and length ``j``. Rows of grey levels absent from the ROI are deleted; an offset
along which no line holds two ROI voxels is dropped (pyradiomics does so in its C code).

Notation (pyradiomics'): ``i`` the grey-level *values* of the rows, ``j`` the run lengths,
``N_r = sum P`` the number of runs, ``N_p = sum_ij P(i,j) j`` the voxels in runs,
``p_g(i) = sum_j P(i,j)``, ``p_r(j) = sum_i P(i,j)``, ``p(i,j) = P(i,j) / N_r``,
``eps = 2.2e-16``.

Each feature is computed per offset and averaged over offsets (NaN ignored; offsets without runs
are dropped when there is more than one). With ``weightingNorm`` the matrices are first summed
with weights ``||delta * spacing||`` (the norm itself, not ``exp(-d^2)`` as for the GLCM).
"""

from __future__ import annotations

import numpy as np

from .._kernels import _neighbours as N
from .._kernels import glrlm as K
from ._texture_common import (DISTANCE_ONE, batch_input, batch_spacing, compact_roi, force2d_axis,
                              norm_code, parallel_threads)
from .registry import Feature, check_matrix_size, register_batch, register_family

__all__ = ["FEATURES", "compute_glrlm", "glrlm_matrix", "glrlm_batch"]

FEATURES = (
    Feature("GrayLevelNonUniformity", "sum_i p_g(i)^2 / N_r", "R5YN"),
    Feature("GrayLevelNonUniformityNormalized", "sum_i p_g(i)^2 / N_r^2", "OVBL"),
    Feature("GrayLevelVariance", "sum_ij p(i,j) (i - mu)^2, mu = sum_ij p(i,j) i", "8CE5"),
    Feature("HighGrayLevelRunEmphasis", "sum_ij P(i,j) i^2 / N_r", "G3QZ"),
    Feature("LongRunEmphasis", "sum_ij P(i,j) j^2 / N_r", "W4KF"),
    Feature("LongRunHighGrayLevelEmphasis", "sum_ij P(i,j) i^2 j^2 / N_r", "3KUM"),
    Feature("LongRunLowGrayLevelEmphasis", "sum_ij P(i,j) j^2 / i^2 / N_r", "IVPO"),
    Feature("LowGrayLevelRunEmphasis", "sum_ij P(i,j) / i^2 / N_r", "V3SW"),
    Feature("RunEntropy", "-sum_ij p(i,j) log2(p(i,j) + eps)", "HJ9O"),
    Feature("RunLengthNonUniformity", "sum_j p_r(j)^2 / N_r", "W92Y"),
    Feature("RunLengthNonUniformityNormalized", "sum_j p_r(j)^2 / N_r^2", "IC23"),
    Feature("RunPercentage", "N_r / N_p", "9ZK5"),
    Feature("RunVariance", "sum_ij p(i,j) (j - mu)^2, mu = sum_ij p(i,j) j", "SXLW"),
    Feature("ShortRunEmphasis", "sum_ij P(i,j) / j^2 / N_r", "22OV"),
    Feature("ShortRunHighGrayLevelEmphasis", "sum_ij P(i,j) i^2 / j^2 / N_r", "GD3A"),
    Feature("ShortRunLowGrayLevelEmphasis", "sum_ij P(i,j) / (i^2 j^2) / N_r", "HTZT"),
)
assert len(FEATURES) == K.N_GLRLM


def _prepare(roi):
    # Cropping, level compaction and the offsets (always distance 1: pyradiomics passes none).
    q, gray, _, angles = compact_roi(roi, "glrlm", DISTANCE_ONE)
    # pyradiomics allocates max(box shape) run-length columns; a 2D box has nz == 1 here.
    return q, gray, angles, int(max(q.shape)), np.asarray(roi.spacing, dtype=np.float64)


def _matrices(prep, settings):
    # (counts per angle, matrices the features use: weighted or with empty angles dropped)
    q, gray, angles, n_runs, spacing = prep
    n_gray = gray.shape[0]
    check_matrix_size("glrlm", n_gray * n_runs * angles.shape[0], n_gray, settings)
    padded = N.pad_angles_3d(angles)
    if parallel_threads(q.size) > 1:
        counts = K.glrlm_accumulate_parallel(q, padded, n_gray, n_runs)
    else:
        counts = K.glrlm_accumulate(q, padded, n_gray, n_runs)
    norm = norm_code(settings)
    weights = N.angle_weights(angles, spacing, norm, False)
    return counts, K.glrlm_weight_and_prune(counts, weights, norm != N.NORM_NONE)


def glrlm_matrix(roi, raw=False):
    """The GLRLM in pyradiomics' layout ``(G, Nr, Na)`` (rows: grey levels present in the ROI).

    Parameters
    ----------
    roi : RoiData
    raw : bool
        False (default): pyradiomics' ``P_glrlm`` after ``_initCalculation`` (weighted or with
        empty angles dropped, and run lengths absent from every angle deleted). True: the counts
        of pyradiomics' C ``calculate_glrlm`` with ``Nr = max(ROI box shape)`` columns.

    Returns
    -------
    ndarray of float64
    """
    counts, p = _matrices(_prepare(roi), roi.settings)
    if raw:
        return np.ascontiguousarray(counts.transpose(1, 2, 0))
    present = p.sum(axis=(0, 1)) != 0
    return np.ascontiguousarray(p[:, :, present].transpose(1, 2, 0))


@register_family("glrlm", FEATURES, dims=(2, 3), kind="texture", directional=True,
                 settings={"weightingNorm": None},
                 description="Grey level run length matrix texture features")
def compute_glrlm(roi):
    """GLRLM features of the ROI, one value per entry of :data:`FEATURES`.

    Parameters
    ----------
    roi : RoiData
        Discretised ROI; reads the settings ``weightingNorm`` (None), ``force2D``/
        ``force2Ddimension`` and ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (16,)
        In order (notation in the module docstring):

        - GrayLevelNonUniformity: ``sum_i p_g(i)^2 / N_r``
        - GrayLevelNonUniformityNormalized: ``sum_i p_g(i)^2 / N_r^2``
        - GrayLevelVariance: ``sum p(i,j) (i - mu_i)^2``, ``mu_i = sum p(i,j) i``
        - HighGrayLevelRunEmphasis: ``sum P(i,j) i^2 / N_r``
        - LongRunEmphasis: ``sum P(i,j) j^2 / N_r``
        - LongRunHighGrayLevelEmphasis: ``sum P(i,j) i^2 j^2 / N_r``
        - LongRunLowGrayLevelEmphasis: ``sum P(i,j) j^2 / i^2 / N_r``
        - LowGrayLevelRunEmphasis: ``sum P(i,j) / i^2 / N_r``
        - RunEntropy: ``-sum p(i,j) log2(p(i,j) + eps)``
        - RunLengthNonUniformity: ``sum_j p_r(j)^2 / N_r``
        - RunLengthNonUniformityNormalized: ``sum_j p_r(j)^2 / N_r^2``
        - RunPercentage: ``N_r / N_p``
        - RunVariance: ``sum p(i,j) (j - mu_j)^2``, ``mu_j = sum p(i,j) j``
        - ShortRunEmphasis: ``sum P(i,j) / j^2 / N_r``
        - ShortRunHighGrayLevelEmphasis: ``sum P(i,j) i^2 / j^2 / N_r``
        - ShortRunLowGrayLevelEmphasis: ``sum P(i,j) / (i^2 j^2) / N_r``

    Raises
    ------
    InvalidROIError
        When no offset fits in the ROI box, e.g. a single voxel (pyradiomics fails there too).
    MatrixTooLargeError
        When the matrices would exceed ``maxMatrixMB``.

    Notes
    -----
    With the internal ``mergeDirections`` setting the offsets' matrices are summed first (IBSI
    "comb" aggregations), like ``weightingNorm: no_weighting``.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> img = np.array([[1., 1., 2.], [1., 2., 2.], [3., 3., 3.]])
    >>> roi = RoiData(img, np.ones((3, 3), bool), (1, 1), {"binWidth": 1})
    >>> round(float(compute_glrlm(roi)[13]), 6)   # ShortRunEmphasis
    0.773413
    """
    out = np.full(K.N_GLRLM, np.nan)
    prep = _prepare(roi)
    _, p = _matrices(prep, roi.settings)
    K.glrlm_features(p, prep[1], out)
    return out


@register_batch("glrlm")
def glrlm_batch(levels, masks, settings):
    """GLRLM features of many same-size ROIs in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W) or (N, D, H, W)
        1-based discretised grey levels, 0 outside the ROI.
    masks : ndarray of bool, same shape
    settings : dict
        As for :func:`compute_glrlm`; ``spacing`` (per image axis, default 1) sets the physical
        offset lengths used by ``weightingNorm``.

    Returns
    -------
    ndarray of float64, shape (N, 16)
        Row ``n`` equals :func:`compute_glrlm` on image ``n`` (cropped to its ROI); NaN rows for
        empty or single-voxel ROIs.
    """
    batch = batch_input(levels, masks)
    out = np.full((batch.levels.shape[0], K.N_GLRLM), np.nan)
    if out.shape[0] == 0:
        return out
    excluded = force2d_axis(settings)
    spacing = batch_spacing(settings, batch.nd)
    # the most offsets and run lengths any ROI can get: those of a box as large as the images
    n_angles = N.angle_count(np.asarray(batch.shape, dtype=np.int64), DISTANCE_ONE, excluded, False)
    check_matrix_size("glrlm", batch.ng * max(batch.shape) * max(n_angles, 1), batch.ng, settings)
    K.glrlm_batch(batch.levels, batch.masks, batch.nd, excluded, norm_code(settings), spacing, out)
    return out
