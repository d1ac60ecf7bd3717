"""Local Binary Pattern (LBP) histogram features of 2D grey images.

Every pixel of the ROI's bounding box gets the code of ``skimage.feature.local_binary_pattern``
``(image, P, R, method)``, bit for bit (same circle samples, same bilinear interpolation, same
rounding); the features are the histogram of the codes of the ROI pixels, normalised to sum 1,
followed by its entropy and energy.

Settings
--------
``lbpRadius`` (R, default 1), ``lbpPoints`` (P, default 8), ``lbpMethod`` (``default``, ``ror``,
``uniform``, ``nri_uniform`` or ``var``; default ``uniform``), ``lbpBins`` (histogram bins of
``var``, default 16).

Names
-----
The registry holds one fixed feature list per family, and the extractor names its columns from
it before any image is read. LBP histogram lengths depend on the settings (``P + 2`` bins for
``uniform``, ``P(P - 1) + 3`` for ``nri_uniform``, ``2^P`` for ``default`` and ``ror``,
``lbpBins`` for ``var``), so the registered family ``lbp`` fixes the classical layout: the
rotation-invariant uniform histogram at P = 8, ``Bin0`` .. ``Bin9`` (``Bin k`` for ``k <= 8``:
uniform patterns with ``k`` samples at or above the centre; ``Bin9``: all non-uniform patterns),
then ``Entropy`` and ``Energy``. ``lbpRadius`` is free (it changes no name). Any ``lbpPoints``
or ``lbpMethod`` that would change the layout raises :class:`~radfeat.exceptions.ConfigError`;
those settings are served by :func:`lbp_histogram_features` with :func:`lbp_feature_names`,
which follow every method and P (same kernels, same exactness).

Borders
-------
``roi.image`` is the ROI's bounding box without padding, so circle samples that fall outside the
box read 0, exactly as scikit-image reads 0 outside the array it is given. With a whole-image
mask (MedMNIST, histology tiles) the box is the image and the codes equal scikit-image's on the
image; with a smaller mask, pixels within R of the box edge see 0 instead of the image beyond
(as scikit-image would on the cropped array). When the extractor pads its crop, the padding
becomes real context automatically: codes are computed on whatever array ``roi.image`` holds and
only the masked pixels are counted.

Images are converted to float64 first (scikit-image does the same); 3D and colour images are
rejected.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._kernels import lbp as _k
from ..exceptions import (
    ConfigError,
    InvalidROIError,
)
from ._texture_common import grey_image_2d
from .registry import Feature, register_batch, register_family

__all__ = ["FEATURES", "METHODS", "compute_lbp", "lbp_batch", "lbp_codes", "lbp_feature_names",
           "lbp_histogram_features"]

#: ``lbpMethod`` values, in the order of the kernel codes (scikit-image's method names).
METHODS = ("default", "ror", "uniform", "nri_uniform", "var")

SETTINGS = {"lbpRadius": 1, "lbpPoints": 8, "lbpMethod": "uniform", "lbpBins": 16}

#: Largest P of the ``default`` and ``ror`` methods (2^P bins; scikit-image's int32 weights).
MAX_POINTS_BINARY = 24

_UNIFORM_P = 8
FEATURES = tuple(
    [Feature(f"Bin{k}", f"fraction of ROI pixels whose uniform LBP (P=8) has {k} samples >= centre", None)
     for k in range(_UNIFORM_P + 1)]
    + [Feature(f"Bin{_UNIFORM_P + 1}", "fraction of ROI pixels with a non-uniform LBP (P=8)", None),
       Feature("Entropy", "-sum_k p_k log2 p_k over the non-empty bins", None),
       Feature("Energy", "sum_k p_k^2", None)]
)


def _params(settings):
    """Validated ``(P, R, method code, var bins)`` of the LBP settings."""
    P = settings.get("lbpPoints", SETTINGS["lbpPoints"])
    R = settings.get("lbpRadius", SETTINGS["lbpRadius"])
    method = settings.get("lbpMethod", SETTINGS["lbpMethod"])
    bins = settings.get("lbpBins", SETTINGS["lbpBins"])
    if isinstance(P, bool) or not isinstance(P, numbers.Integral) or P < 1:
        raise ConfigError(f"lbpPoints must be a positive integer, got {P!r}")
    if isinstance(R, bool) or not isinstance(R, numbers.Real) or not np.isfinite(R) or R <= 0:
        raise ConfigError(f"lbpRadius must be a positive number, got {R!r}")
    if method not in METHODS:
        raise ConfigError(f"lbpMethod must be one of {', '.join(METHODS)}, got {method!r}")
    if isinstance(bins, bool) or not isinstance(bins, numbers.Integral) or bins < 1:
        raise ConfigError(f"lbpBins must be a positive integer, got {bins!r}")
    code = METHODS.index(method)
    if code in (_k.DEFAULT, _k.ROR) and P > MAX_POINTS_BINARY:
        raise ConfigError(f"lbpPoints={P} with lbpMethod={method!r} needs 2^{P} histogram bins; "
                          f"use at most {MAX_POINTS_BINARY} points or the uniform methods")
    return int(P), float(R), code, int(bins)


def lbp_feature_names(settings) -> tuple[str, ...]:
    """Names of :func:`lbp_histogram_features` under ``settings``: ``Bin0`` .. ``Bin{n-1}``, Entropy, Energy."""
    P, _, code, bins = _params(settings)
    return tuple(f"Bin{k}" for k in range(_k.n_bins(P, code, bins))) + ("Entropy", "Energy")


def lbp_codes(image, P=8, R=1, method="uniform") -> np.ndarray:
    """LBP code image, equal bit for bit to ``skimage.feature.local_binary_pattern(image, P, R, method)``.

    Parameters
    ----------
    image : (H, W) array of real numbers
    P : int
        Circle samples.
    R : float
        Circle radius in pixels.
    method : {"default", "ror", "uniform", "nri_uniform", "var"}

    Returns
    -------
    ndarray of float64, shape (H, W)
        Codes (integer-valued except for ``var``, which gives the sample variance, NaN where
        it is 0).
    """
    P, R, code, _ = _params({"lbpPoints": P, "lbpRadius": R, "lbpMethod": method})
    image = np.asarray(image)
    if image.ndim != 2:
        raise InvalidROIError(f"lbp_codes: needs a 2D image, got shape {image.shape}")
    rp, cp = _k.sample_offsets(P, R)
    return _k.lbp_image(np.ascontiguousarray(image, dtype=np.float64), rp, cp, code)


def lbp_histogram_features(roi) -> np.ndarray:
    """LBP histogram features of the ROI under any LBP settings, named by :func:`lbp_feature_names`.

    For the integer methods bin ``k`` holds the fraction of ROI pixels with code ``k``. For
    ``var`` the codes are variances; a flat neighbourhood (scikit-image's NaN) counts as variance
    0, and the ``lbpBins`` bins span the ROI's own minimum to maximum as ``numpy.histogram(values,
    lbpBins)`` does (so the bins are per ROI, not comparable across images in absolute terms).

    Returns
    -------
    ndarray of float64
        Normalised histogram, then Entropy (``-sum p log2 p``, empty bins left out) and Energy
        (``sum p^2``).
    """
    P, R, code, bins = _params(roi.settings)
    image = grey_image_2d(roi, "lbp")
    rp, cp = _k.sample_offsets(P, R)
    codes = _k.masked_codes(image, np.ascontiguousarray(roi.mask), rp, cp, code)
    nbins = _k.n_bins(P, code, bins)
    out = np.empty(nbins + 2)
    if code == _k.VAR:
        counts, _ = np.histogram(np.nan_to_num(codes, nan=0.0), bins=nbins)
        codes = np.repeat(np.arange(nbins, dtype=np.float64), counts)
    _k.histogram_features(codes, nbins, out)
    return out


def _check_layout(settings):
    P, R, code, bins = _params(settings)
    if code != _k.UNIFORM or P != _UNIFORM_P:
        raise ConfigError(
            f"the lbp family's features are the uniform LBP histogram at lbpPoints=8 (Bin0..Bin9, "
            f"Entropy, Energy); lbpMethod={METHODS[code]!r} with lbpPoints={P} gives "
            f"{_k.n_bins(P, code, bins)} bins with other meanings. Use "
            f"radfeat.features.lbp.lbp_histogram_features(roi) and lbp_feature_names(settings) for "
            f"those settings")
    return P, R, code


@register_family("lbp", FEATURES, dims=(2,), kind="intensity", default=False, settings=SETTINGS,
                 names=lbp_feature_names,
                 description="Local Binary Pattern histogram (uniform, P=8 by default) of 2D grey images")
def compute_lbp(roi):
    """LBP histogram of the ROI (default: uniform, P = 8, radius ``lbpRadius``), with entropy and energy.

    Other ``lbpPoints`` / ``lbpMethod`` change the bins and so the feature names
    (:func:`lbp_feature_names`); the registry asks for them per settings.

    Parameters
    ----------
    roi : RoiData
        2D grey image. Settings read: ``lbpRadius`` (default 1), ``lbpPoints`` (must be 8),
        ``lbpMethod`` (must be ``uniform``), ``lbpBins`` (unused by ``uniform``).

    Returns
    -------
    ndarray of float64, shape (12,)
        ``Bin0`` .. ``Bin9`` (fractions of ROI pixels per code of
        ``skimage.feature.local_binary_pattern(image, 8, R, "uniform")``), ``Entropy``,
        ``Energy``.

    Raises
    ------
    InvalidROIError, UnsupportedImageError, EmptyROIError
        A 3D ROI, a colour image, an empty mask.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.ones((4, 4)), np.ones((4, 4), bool), (1, 1))
    >>> compute_lbp(roi).tolist()   # flat, but the border samples read skimage's 0 outside
    [0.0, 0.0, 0.0, 0.25, 0.0, 0.5, 0.0, 0.0, 0.25, 0.0, 1.5, 0.375]
    """
    return lbp_histogram_features(roi)


@register_batch("lbp", reads=("intensities",))
def lbp_batch(levels, masks, settings):
    """LBP features of a stack of same-size 2D images in one call.

    Parameters
    ----------
    levels : ndarray of real numbers, shape (N, H, W)
        **The intensities the codes are computed on**: LBP thresholds neighbours against the
        centre, so on discretised grey levels it is a different (coarser) descriptor. Pass the
        raw images (e.g. a uint8 MedMNIST stack) to get the extractor's numbers; passing grey
        levels gives the LBP of the quantised image. Values outside the masks are used as
        neighbours, as in :func:`compute_lbp`.
    masks : ndarray of bool, shape (N, H, W)
    settings : dict
        As for :func:`compute_lbp`.

    Returns
    -------
    ndarray of float64, shape (N, 12)
        Row ``n`` equals :func:`compute_lbp` on ``RoiData(levels[n], masks[n])`` cropped to its
        mask's bounding box (as the extractor crops); NaN rows for empty masks.
    """
    P, R, code = _check_layout(settings)
    images = np.ascontiguousarray(levels, dtype=np.float64)
    masks = np.ascontiguousarray(masks, dtype=np.bool_)
    if images.ndim != 3 or masks.shape != images.shape:
        raise ValueError(f"levels and masks must both be (N, H, W) stacks of one shape, got {images.shape} "
                         f"and {masks.shape}")
    rp, cp = _k.sample_offsets(P, R)
    out = np.empty((images.shape[0], len(FEATURES)))
    _k.lbp_batch(images, masks, rp, cp, code, _k.n_bins(P, code, 0), out)
    return out
