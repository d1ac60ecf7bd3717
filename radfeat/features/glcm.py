"""Grey Level Co-occurrence Matrix (GLCM) features, exactly as pyradiomics 3.0.1 computes them.

For every offset vector ``delta`` (13 in 3D, 4 in 2D at distance 1; see the ``distances`` and
``force2D`` settings) ``P(i, j)`` counts ROI voxel pairs ``(v, v + delta)`` with grey levels
``i`` and ``j``; with ``symmetricalGLCM`` the transpose is added. Rows and columns of grey
levels absent from the ROI are deleted. Each matrix is normalised, ``p = P / sum(P)``.

Notation (pyradiomics'): ``i, j`` are the grey-level *values* of the rows/columns left after
deletion, ``Ng`` the highest grey level in the ROI, ``eps = 2.2e-16``,
``px(i) = sum_j p(i, j)``, ``py(j) = sum_i p(i, j)``, ``ux = sum p(i, j) i``,
``uy = sum p(i, j) j``, ``p_{x+y}(k) = sum_{i+j=k} p(i, j)`` for ``k = 2..2Ng``,
``p_{x-y}(k) = sum_{|i-j|=k} p(i, j)`` for ``k = 0..Ng-1``,
``HX = -sum px log2(px + eps)``, ``HY`` likewise, ``HXY = -sum p log2(p + eps)``,
``HXY1 = -sum p(i,j) log2(px(i) py(j) + eps)``, ``HXY2 = -sum px(i) py(j) log2(px(i) py(j) + eps)``.

Each feature is computed per offset and then averaged over offsets (NaN values are ignored, and
offsets without any voxel pair are dropped when there is more than one). With ``weightingNorm``
the matrices are first summed with weights ``exp(-||delta * spacing||^2)`` into one matrix.
pyradiomics' deprecated features (Dissimilarity, Homogeneity1, Homogeneity2, SumVariance) are
left out: they equal DifferenceAverage, Id, Idm and ClusterTendency.
"""

from __future__ import annotations

import numpy as np

from .._jit import get_num_threads
from .._kernels import _neighbours as N
from .._kernels import glcm as K
from ._texture_common import (batch_input, batch_spacing, compact_roi, distances_of, force2d_axis,
                              norm_code, parallel_threads)
from .registry import (MAX_MATRIX_MB_DEFAULT, Feature, check_matrix_size, register_batch,
                       register_family)

__all__ = ["FEATURES", "compute_glcm", "glcm_matrix", "glcm_angles", "glcm_batch"]

FEATURES = (
    Feature("Autocorrelation", "sum_ij p(i,j) i j", "QWB0"),
    Feature("ClusterProminence", "sum_ij (i + j - ux - uy)^4 p(i,j)", "AE86"),
    Feature("ClusterShade", "sum_ij (i + j - ux - uy)^3 p(i,j)", "7NFM"),
    Feature("ClusterTendency", "sum_ij (i + j - ux - uy)^2 p(i,j)", "DG8W"),
    Feature("Contrast", "sum_ij (i - j)^2 p(i,j)", "ACUI"),
    Feature("Correlation", "(sum_ij p(i,j) (i-ux)(j-uy)) / (sx sy + eps); 1 when sx sy = 0", "NI2N"),
    Feature("DifferenceAverage", "DA = sum_k k p_{x-y}(k)", "TF7R"),
    Feature("DifferenceEntropy", "-sum_k p_{x-y}(k) log2(p_{x-y}(k) + eps)", "NTRS"),
    Feature("DifferenceVariance", "sum_k (k - DA)^2 p_{x-y}(k)", "D3YU"),
    Feature("Id", "sum_k p_{x-y}(k) / (1 + k)", "IB1Z"),
    Feature("Idm", "sum_k p_{x-y}(k) / (1 + k^2)", "WF0Z"),
    Feature("Idmn", "sum_k p_{x-y}(k) / (1 + k^2 / Ng^2)", "1QCO"),
    Feature("Idn", "sum_k p_{x-y}(k) / (1 + k / Ng)", "NDRX"),
    Feature("Imc1", "(HXY - HXY1) / max(HX, HY); 0 when max(HX, HY) = 0", "R8DG"),
    Feature("Imc2", "sqrt(1 - exp(-2 (HXY2 - HXY))); 0 when HXY2 = HXY", "JN9H"),
    Feature("InverseVariance", "sum_{k>=1} p_{x-y}(k) / k^2", "E8JP"),
    Feature("JointAverage", "ux = sum_ij p(i,j) i", "60VM"),
    Feature("JointEnergy", "sum_ij p(i,j)^2", "8ZQL"),
    Feature("JointEntropy", "HXY = -sum_ij p(i,j) log2(p(i,j) + eps)", "TU9B"),
    Feature("MCC", "sqrt(2nd largest eigenvalue of Q), "
                   "Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)", None),
    Feature("MaximumProbability", "max_ij p(i,j)", "GYBY"),
    Feature("SumAverage", "sum_k k p_{x+y}(k)", "ZGXS"),
    Feature("SumEntropy", "-sum_k p_{x+y}(k) log2(p_{x+y}(k) + eps)", "P6QZ"),
    Feature("SumSquares", "sum_ij (i - ux)^2 p(i,j)", "UR99"),
)
assert len(FEATURES) == K.N_GLCM

# Below this many grey levels the angles' features are not worth spreading over threads.
_PARALLEL_MIN_LEVELS = 24


def _prepare(roi):
    # Everything before the accumulation: cropping, level compaction and the offset vectors.
    q, gray, ng, angles = compact_roi(roi, "glcm", distances_of(roi.settings))
    # A slice of a larger ROI keeps the volume's Ng (roi.n_levels), which Idn and Idmn divide by.
    ng = max(int(ng), int(roi.n_levels))
    spacing = np.asarray(roi.spacing, dtype=np.float64)
    return q, gray, ng, angles, spacing


def _counts(q, angles, n_gray, settings):
    # Raw co-occurrence counts (Na, G, G); large ROIs use per-thread partial matrices.
    n_elem = n_gray * n_gray * angles.shape[0]
    check_matrix_size("glcm", n_elem, n_gray, settings)
    padded = N.pad_angles_3d(angles)
    n_rows = q.shape[0] * q.shape[1]
    threads = parallel_threads(q.size)
    if threads > 1:
        limit_mb = float(settings.get("maxMatrixMB", MAX_MATRIX_MB_DEFAULT))
        # the partial matrices count against maxMatrixMB too
        affordable = max(1, int(limit_mb * 2**20 / (8.0 * n_elem)) - 1)
        n_chunks = min(threads, n_rows, affordable)
        if n_chunks > 1:
            return K.glcm_accumulate_parallel(q, padded, n_gray, n_chunks)
    return K.glcm_accumulate(q, padded, n_gray)


def _normalized(prep, settings):
    q, gray, ng, angles, spacing = prep
    counts = _counts(q, angles, gray.shape[0], settings)
    norm = norm_code(settings)
    weights = N.angle_weights(angles, spacing, norm, True)
    symmetric = bool(settings.get("symmetricalGLCM", True))
    return K.glcm_normalize(counts, symmetric, weights, norm != N.NORM_NONE), counts


def glcm_matrix(roi, raw=False):
    """The GLCM in pyradiomics' layout ``(G, G, Na)``, ``G`` = grey levels present in the ROI.

    Parameters
    ----------
    roi : RoiData
    raw : bool
        False (default): pyradiomics' ``P_glcm`` after ``_calculateMatrix`` (symmetrised,
        weighted, empty angles dropped, normalised per angle). True: the raw counts of
        pyradiomics' C ``calculate_glcm`` (absent grey levels deleted), one slice per offset.

    Returns
    -------
    ndarray of float64
    """
    p, counts = _normalized(_prepare(roi), roi.settings)
    return np.ascontiguousarray((counts if raw else p).transpose(1, 2, 0))


def glcm_angles(roi) -> np.ndarray:
    """The offset vectors ``(Na, ndim)`` used for ``roi`` (pyradiomics' ``angles``), array axis order."""
    return _prepare(roi)[3]


@register_family("glcm", FEATURES, dims=(2, 3), kind="texture", directional=True,
                 settings={"distances": [1], "symmetricalGLCM": True, "weightingNorm": None},
                 description="Grey level co-occurrence matrix texture (Haralick) features")
def compute_glcm(roi):
    """GLCM features of the ROI, one value per entry of :data:`FEATURES`.

    Parameters
    ----------
    roi : RoiData
        Discretised ROI; reads the settings ``distances`` ([1]), ``symmetricalGLCM`` (True),
        ``weightingNorm`` (None), ``force2D``/``force2Ddimension`` and ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (24,)
        In order (``p`` the normalised GLCM of one offset; notation in the module docstring):

        - Autocorrelation: ``sum p(i,j) i j``
        - ClusterProminence: ``sum (i + j - ux - uy)^4 p(i,j)``
        - ClusterShade: ``sum (i + j - ux - uy)^3 p(i,j)``
        - ClusterTendency: ``sum (i + j - ux - uy)^2 p(i,j)``
        - Contrast: ``sum (i - j)^2 p(i,j)``
        - Correlation: ``sum p(i,j)(i - ux)(j - uy) / (sx sy + eps)``, 1 if ``sx sy = 0``
        - DifferenceAverage: ``DA = sum_k k p_{x-y}(k)``
        - DifferenceEntropy: ``-sum_k p_{x-y}(k) log2(p_{x-y}(k) + eps)``
        - DifferenceVariance: ``sum_k (k - DA)^2 p_{x-y}(k)``
        - Id: ``sum_k p_{x-y}(k) / (1 + k)``
        - Idm: ``sum_k p_{x-y}(k) / (1 + k^2)``
        - Idmn: ``sum_k p_{x-y}(k) / (1 + k^2 / Ng^2)``
        - Idn: ``sum_k p_{x-y}(k) / (1 + k / Ng)``
        - Imc1: ``(HXY - HXY1) / max(HX, HY)``, 0 if the denominator is 0
        - Imc2: ``sqrt(1 - exp(-2 (HXY2 - HXY)))``, 0 if ``HXY2 = HXY``
        - InverseVariance: ``sum_{k>=1} p_{x-y}(k) / k^2``
        - JointAverage: ``ux``
        - JointEnergy: ``sum p(i,j)^2``
        - JointEntropy: ``HXY``
        - MCC: ``sqrt`` of the second largest eigenvalue of
          ``Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)``; 1 for a single grey level
        - MaximumProbability: ``max p(i,j)``
        - SumAverage: ``sum_k k p_{x+y}(k)``
        - SumEntropy: ``-sum_k p_{x+y}(k) log2(p_{x+y}(k) + eps)``
        - SumSquares: ``sum (i - ux)^2 p(i,j)``

    Raises
    ------
    InvalidROIError
        When no offset fits in the ROI box, e.g. a single voxel (pyradiomics fails there too).
    MatrixTooLargeError
        When the matrices would exceed ``maxMatrixMB``.

    Notes
    -----
    Features are computed per offset and averaged ignoring NaN. A ROI without any voxel pair
    gives NaN (MCC: 1 if it has a single grey level), as pyradiomics does. With the internal
    ``mergeDirections`` setting the offsets' matrices are summed first (IBSI "comb").

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> img = np.array([[1., 1., 2.], [1., 2., 2.], [3., 3., 3.]])
    >>> roi = RoiData(img, np.ones((3, 3), bool), (1, 1), {"binWidth": 1})
    >>> round(float(compute_glcm(roi)[16]), 6)   # JointAverage
    1.947917
    """
    out = np.full(K.N_GLCM, np.nan)
    prep = _prepare(roi)
    p, _ = _normalized(prep, roi.settings)
    gray, ng = prep[1], prep[2]
    symmetric = bool(roi.settings.get("symmetricalGLCM", True))
    if get_num_threads() > 1 and p.shape[0] > 1 and p.shape[1] >= _PARALLEL_MIN_LEVELS:
        K.glcm_features_parallel(p, gray, ng, symmetric, out)
    else:
        K.glcm_features(p, gray, ng, symmetric, out)
    return out


@register_batch("glcm")
def glcm_batch(levels, masks, settings):
    """GLCM features of many same-size ROIs in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W) or (N, D, H, W)
        1-based discretised grey levels, 0 outside the ROI.
    masks : ndarray of bool, same shape
    settings : dict
        As for :func:`compute_glcm`; ``spacing`` (per image axis, default 1) sets the physical
        offset lengths used by ``weightingNorm``.

    Returns
    -------
    ndarray of float64, shape (N, 24)
        Row ``n`` equals :func:`compute_glcm` on image ``n`` (cropped to its ROI); NaN rows for
        empty or single-voxel ROIs.
    """
    batch = batch_input(levels, masks)
    out = np.full((batch.levels.shape[0], K.N_GLCM), np.nan)
    if out.shape[0] == 0:
        return out
    distances, excluded = distances_of(settings), force2d_axis(settings)
    spacing = batch_spacing(settings, batch.nd)
    # the most offsets any ROI can get: those of a box as large as the images
    n_angles = N.angle_count(np.asarray(batch.shape, dtype=np.int64), distances, excluded, False)
    check_matrix_size("glcm", batch.ng * batch.ng * max(n_angles, 1), batch.ng, settings)
    K.glcm_batch(batch.levels, batch.masks, batch.nd, distances, excluded,
                 bool(settings.get("symmetricalGLCM", True)), norm_code(settings), spacing, out)
    return out
