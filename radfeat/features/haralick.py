"""Haralick's 13 texture features of 2D images, as ``mahotas.features.haralick`` computes them.

Input: radfeat's discretised grey levels (``roi.levels``: 1-based, 0 outside the ROI), which is
exactly what ``mahotas.features.haralick(levels, ignore_zeros=True)`` reads, the mask being the
zeros. For each of mahotas' four 2D directions a symmetric co-occurrence matrix counts the pixel
pairs ``(v, v + delta)`` at distance ``haralickDistance`` whose both pixels are in the ROI
(``delta`` = ``(0, d)``, ``(d, d)``, ``(d, 0)``, ``(d, -d)`` in ``(row, col)``: 0, 45, 90 and 135
degrees as ``skimage.feature.graycomatrix`` names them). ``p = P / sum(P)``; ``i, j, k`` are
grey levels (``0 .. Ng``, ``Ng`` the highest level of the ROI), ``px = sum_i p(i, j)``,
``py = sum_j p(i, j)``, ``p_{x+y}(k) = sum_{i+j=k} p``, ``p_{x-y}(k) = sum_{|i-j|=k} p``,
``H(q) = -sum q log2 q`` over the non-zero entries, ``HXY = H(p)``, ``HX = H(px)``,
``HY = H(py)``, ``HXY1 = -sum p(i,j) log2(px(i) py(j))``, ``HXY2 = H(px py^T)``.

Names
-----
The 13 features averaged over the four directions carry the plain name
(``AngularSecondMoment``, ...; mahotas' ``return_mean=True``); each direction's value carries
the angle in degrees as a suffix (``AngularSecondMoment_0``, ``_45``, ``_90``, ``_135``;
mahotas' rows in order). Output order: the 13 means, then the 13 features of each direction.

Two features differ from other Haralick implementations by mahotas' choices, kept here:
``DifferenceVariance`` is the variance of the *vector* ``p_{x-y}`` (its ``Ng + 1`` entries, not
of ``|i - j|`` under it), and ``Correlation`` is 1 when a marginal has zero variance.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._kernels import haralick as _k
from ..exceptions import (
    ConfigError,
    InvalidROIError,
)
from ._texture_common import batch_input, grey_image_2d
from .registry import Feature, check_matrix_size, register_batch, register_family

__all__ = ["FEATURES", "BASE_FEATURES", "DIRECTIONS", "compute_haralick", "haralick_batch"]

#: Direction suffixes, in mahotas' order (degrees as scikit-image's graycomatrix angles).
DIRECTIONS = ("0", "45", "90", "135")

#: (name, formula) of the 13 features, in mahotas' order.
BASE_FEATURES = (
    ("AngularSecondMoment", "sum_ij p(i,j)^2"),
    ("Contrast", "sum_k k^2 p_{x-y}(k)"),
    ("Correlation", "(sum_ij i j p(i,j) - ux uy) / (sx sy); 1 when sx or sy is 0"),
    ("SumOfSquaresVariance", "sum_i i^2 px(i) - ux^2"),
    ("InverseDifferenceMoment", "sum_ij p(i,j) / (1 + (i - j)^2)"),
    ("SumAverage", "SA = sum_k k p_{x+y}(k)"),
    ("SumVariance", "sum_k k^2 p_{x+y}(k) - SA^2"),
    ("SumEntropy", "H(p_{x+y})"),
    ("Entropy", "HXY = H(p)"),
    ("DifferenceVariance", "variance of the Ng + 1 entries of the vector p_{x-y}"),
    ("DifferenceEntropy", "H(p_{x-y})"),
    ("InformationMeasureOfCorrelation1", "(HXY - HXY1) / max(HX, HY); HXY - HXY1 when the max is 0"),
    ("InformationMeasureOfCorrelation2", "sqrt(max(0, 1 - exp(-2 (HXY2 - HXY))))"),
)
assert len(BASE_FEATURES) == _k.N_HARALICK

FEATURES = tuple(
    [Feature(name, f"mean over the 4 directions of {formula}", None) for name, formula in BASE_FEATURES]
    + [Feature(f"{name}_{angle}", f"{formula}, direction {angle} degrees", None)
       for angle in DIRECTIONS for name, formula in BASE_FEATURES]
)

SETTINGS = {"haralickDistance": 1}

#: log2 of the integers, shared by every call and grown on demand (see radfeat._kernels.haralick)
_LOG2 = np.zeros(1)


def _log2_upto(n: int) -> np.ndarray:
    """A table of ``log2(k)`` for ``k <= n`` at least; its entries never change when it grows."""
    global _LOG2
    table = _LOG2
    if table.shape[0] <= n:
        table = _k.log2_table(max(n, 2 * table.shape[0], 4096))
        _LOG2 = table
    return table


def _distance(settings) -> int:
    d = settings.get("haralickDistance", SETTINGS["haralickDistance"])
    if isinstance(d, bool) or not isinstance(d, numbers.Integral) or d < 1:
        raise ConfigError(f"haralickDistance must be a positive integer, got {d!r}")
    return int(d)


@register_family("haralick", FEATURES, dims=(2,), kind="intensity", default=False, settings=SETTINGS,
                 description="Haralick's 13 co-occurrence features (mahotas), per direction and mean")
def compute_haralick(roi):
    """Haralick features of the ROI's grey levels, equal to mahotas' with ``ignore_zeros=True``.

    Parameters
    ----------
    roi : RoiData
        2D ROI; its discretisation settings (``binWidth``/``binCount``) make ``roi.levels``.
        Settings read: ``haralickDistance`` (default 1), ``maxMatrixMB``.

    Returns
    -------
    ndarray of float64, shape (65,)
        The 13 features averaged over directions
        (``mahotas.features.haralick(roi.levels, ignore_zeros=True, return_mean=True)``), then
        the 13 of each direction 0, 45, 90, 135 (the rows of ``return_mean=False``).

    Raises
    ------
    InvalidROIError
        A 3D ROI, or a direction without any pair of ROI pixels (a one-pixel-wide ROI; mahotas
        raises ValueError there).
    UnsupportedImageError, EmptyROIError
        A colour image, an empty mask.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.array([[0, 0, 50], [0, 50, 50]]), np.ones((2, 3), bool), (1, 1))
    >>> compute_haralick(roi)[:2].round(6).tolist()   # ASM and contrast of levels 1 and 3
    [0.381944, 1.833333]
    """
    grey_image_2d(roi, "haralick")  # checks only: Haralick reads the discretised levels
    distance = _distance(roi.settings)
    lv = np.ascontiguousarray(roi.levels, dtype=np.int64)
    maxv = int(lv.max()) + 1
    check_matrix_size("haralick", 2 * maxv * maxv, maxv - 1, roi.settings)
    out = np.empty(len(FEATURES))
    if not _k.haralick_image(lv, distance, _log2_upto(2 * lv.size), out, _k.buffers(maxv)):
        raise InvalidROIError(f"haralick: some direction has no pair of ROI pixels at distance {distance} "
                              f"(ROI box {lv.shape}); mahotas cannot compute it either")
    return out


@register_batch("haralick")
def haralick_batch(levels, masks, settings):
    """Haralick features of a stack of same-size 2D images in one call.

    Parameters
    ----------
    levels : ndarray of int, shape (N, H, W)
        1-based grey levels (set to 0 outside ``masks``).
    masks : ndarray of bool, shape (N, H, W)
    settings : dict
        As for :func:`compute_haralick`.

    Returns
    -------
    ndarray of float64, shape (N, 65)
        Rows equal :func:`compute_haralick` on each image with the same grey levels; NaN rows
        where a direction has no pair of ROI pixels (including an empty ROI).
    """
    batch = batch_input(levels, masks, masked=True)
    if batch.nd != 2:
        raise InvalidROIError(f"haralick: defined on 2D images only, got a stack of {batch.nd}D images")
    distance = _distance(settings)
    check_matrix_size("haralick", 2 * (batch.ng + 1) ** 2, batch.ng, settings)
    lv = batch.levels[:, 0]
    out = np.empty((lv.shape[0], len(FEATURES)))
    _k.haralick_batch(lv, distance, _log2_upto(2 * lv[0].size if lv.shape[0] else 1), out)
    return out
