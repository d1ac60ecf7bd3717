"""First-order statistics: the distribution of intensities inside the ROI.

Let ``X`` be the ``N_p`` ROI intensities, ``c`` the ``voxelArrayShift`` setting, ``V`` the voxel
volume and ``p(i)`` the fraction of ROI voxels in discretised grey level ``i``. Values follow
pyradiomics 3.0.1 exactly: Kurtosis is the plain fourth standardised moment (with
``compat: ibsi`` radfeat reports IBSI's excess kurtosis, ``Kurtosis - 3``), percentiles use linear interpolation, Entropy uses ``log2`` with
``eps = 2.2e-16`` inside the logarithm.
"""

from __future__ import annotations

import numpy as np

from .._kernels.firstorder import N_FIRSTORDER, firstorder_masked
from .._kernels.firstorder import firstorder_batch as _firstorder_batch
from .registry import Feature, register_batch, register_family

__all__ = ["FEATURES", "compute_firstorder", "firstorder_batch"]

FEATURES = (
    Feature("10Percentile", "P10 = 10th percentile of X", "QG58"),
    Feature("90Percentile", "P90 = 90th percentile of X", "8DWT"),
    Feature("Energy", "E = sum_i (X(i) + c)^2", "N8CA"),
    Feature("Entropy", "H = -sum_i p(i) log2(p(i) + eps)", "TLU2"),
    Feature("InterquartileRange", "IQR = P75 - P25", "SALO"),
    Feature("Kurtosis", "K = mu4 / mu2^2 (not excess: IBSI value + 3)", "IPH6"),
    Feature("Maximum", "max(X)", "84IY"),
    Feature("MeanAbsoluteDeviation", "MAD = mean |X - mean(X)|", "4FUA"),
    Feature("Mean", "mean(X) = sum_i X(i) / N_p", "Q4LE"),
    Feature("Median", "50th percentile of X", "Y12H"),
    Feature("Minimum", "min(X)", "1GSF"),
    Feature("Range", "max(X) - min(X)", "2OJQ"),
    Feature("RobustMeanAbsoluteDeviation", "rMAD = mean |X' - mean(X')|, X' = X with P10 <= X <= P90", "1128"),
    Feature("RootMeanSquared", "RMS = sqrt(E / N_p)", "5ZWQ"),
    Feature("Skewness", "mu3 / mu2^(3/2) (0 for a flat ROI)", "KE2A"),
    Feature("TotalEnergy", "V * E", None),
    Feature("Uniformity", "U = sum_i p(i)^2", "BJ5W"),
    Feature("Variance", "mu2 = mean (X - mean(X))^2", "ECT3"),
    Feature("StandardDeviation", "sqrt(mu2)", None, deprecated=True),
)
assert len(FEATURES) == N_FIRSTORDER

# Intensity types the kernel reads directly (others are converted to float64 first).
_KERNEL_DTYPES = tuple(np.dtype(t) for t in (np.float64, np.float32, np.int8, np.uint8, np.int16, np.uint16,
                                             np.int32, np.uint32, np.int64, np.uint64))


@register_family("firstorder", FEATURES, dims=(2, 3), settings={"voxelArrayShift": 0},
                 description="First-order intensity statistics of the ROI")
def compute_firstorder(roi):
    """First-order statistics of the ROI (one value per entry of :data:`FEATURES`).

    Parameters
    ----------
    roi : RoiData

    Returns
    -------
    ndarray of float64, shape (19,)

    Notes
    -----
    ``TotalEnergy`` multiplies by the voxel volume ``prod(spacing)``; Energy, TotalEnergy and
    RootMeanSquared add ``voxelArrayShift`` to every intensity first (pyradiomics uses it to keep
    CT values positive).

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.array([[1., 2.], [3., 4.]]), np.ones((2, 2), bool), (1, 1))
    >>> float(compute_firstorder(roi)[8])   # Mean
    2.5
    """
    out = np.empty(N_FIRSTORDER)
    image, mask, levels = roi.image, roi.mask, roi.levels
    if image.dtype not in _KERNEL_DTYPES:  # e.g. bool, float16, big-endian: the kernel reads float64
        image = image.astype(np.float64)
    if mask.ndim == 2:
        image, mask, levels = image[None], mask[None], levels[None]
    firstorder_masked(image, mask, levels, float(roi.settings.get("voxelArrayShift", 0)),
                      float(np.prod(roi.spacing)), out)
    if roi.settings.get("compat") == "ibsi":
        out[5] -= 3.0  # IBSI reports excess kurtosis
    return out


@register_batch("firstorder", reads=("intensities", "levels"))
def firstorder_batch(images, levels, masks, settings):
    """First-order features of a stack of same-size images in one call.

    Parameters
    ----------
    images : ndarray of real numbers, shape (N, H, W) or (N, D, H, W)
        The intensities the statistics are taken of.
    levels : ndarray of int, same shape
        Their 1-based grey levels (Entropy and Uniformity read the histogram of the levels).
    masks : ndarray of bool, same shape
    settings : dict
        ``voxelArrayShift`` as for :func:`compute_firstorder`; ``spacing`` (per image axis,
        default 1) gives the voxel volume of ``TotalEnergy``.

    Returns
    -------
    ndarray of float64, shape (N, 19)
        Row ``n`` equals :func:`compute_firstorder` on image ``n``; NaN rows for empty masks.
    """
    images = np.ascontiguousarray(images, dtype=np.float64)
    levels = np.ascontiguousarray(levels, dtype=np.int64)
    masks = np.ascontiguousarray(masks, dtype=np.bool_)
    if images.ndim not in (3, 4) or levels.shape != images.shape or masks.shape != images.shape:
        raise ValueError(f"images, levels and masks must be (N, H, W) or (N, D, H, W) stacks of one shape, got "
                         f"{images.shape}, {levels.shape} and {masks.shape}")
    spacing = np.asarray(settings.get("spacing", np.ones(images.ndim - 1)), dtype=np.float64)
    shift = float(settings.get("voxelArrayShift", 0) or 0)
    return _firstorder_batch(images, levels, masks, shift, float(np.prod(spacing)))
