"""Colour statistics of an RGB ROI (dermoscopy, histology, fundus photographs).

The ROI's pixels are read as RGB in ``[0, 1]`` (scikit-image's ``img_as_float`` convention, see
:func:`rgb_unit_scale`) and converted to HSV and CIE-Lab exactly as ``skimage.color.rgb2hsv`` and
``skimage.color.rgb2lab`` (illuminant D65, 2 degree observer) do. Each of the nine channels gets
the same eight statistics, so the family always has 72 features named
``<Space><Channel><Stat>``, in the order of :data:`CHANNELS` then :data:`STATS`::

    RGBRed RGBGreen RGBBlue  HSVHue HSVSaturation HSVValue  LabL LabA LabB
    x  Mean Std Skewness Kurtosis Entropy 10Percentile Median 90Percentile

Let ``X`` be the ``N_p`` ROI values of one channel. Std, Skewness and Kurtosis are population
moments (``mu_k = mean (X - mean X)^k``): ``Std = sqrt(mu2)``, ``Skewness = mu3 / mu2^(3/2)``,
``Kurtosis = mu4 / mu2^2`` (plain, not excess, as pyradiomics' firstorder). Both are 0 for a flat
channel, and a channel counts as flat when ``mu2 <= (eps * mean)^2`` (scipy.stats.skew's test,
where scipy returns NaN): the conversions leave rounding noise on channels that are constant in
exact arithmetic (the red channel of saturated reds), and the shape of that noise means nothing.
Mean, Std and Skewness are the colour moments of Stricker and Orengo (who report
``cbrt(mu3) = Std * cbrt(Skewness)`` as the third). Percentiles interpolate linearly (numpy's
default). Entropy is ``-sum_k p_k log2(p_k + eps)`` of a ``colorBins``-bin histogram over the
channel's natural range (numpy.histogram's bins; values outside the range count in the end bins):

    ====================  ==============
    R, G, B, H, S, V       [0, 1]
    L                      [0, 100]
    a, b                   [-128, 128]
    ====================  ==============

**Hue is circular** (period 1; 0 and 1 are both red). ``HSVHueMean`` is the circular mean ``mu``
(the angle of the mean unit vector ``exp(2 pi i h)``, in ``[0, 1)``) and ``HSVHueStd`` the circular
standard deviation ``sqrt(-2 ln R) / (2 pi)`` (``R`` the mean resultant length; ``inf`` when
``R = 0``), as ``scipy.stats.circmean`` / ``circstd`` with ``high=1``. Skewness, Kurtosis and the
percentiles are taken on the hue unwrapped around ``mu``, ``u = ((h - mu + 1/2) mod 1) - 1/2``
(the circle is cut at the hue opposite the mean, so a red ROI straddling 0 is not split), and the
percentiles are mapped back to ``(P(u) + mu) mod 1``. Achromatic pixels (``R = G = B``) have hue 0
and saturation 0, as in scikit-image.

Input scaling, from the image's dtype (the ``colorRange`` setting overrides it):

- unsigned integers: multiplied by ``1 / dtype max`` (255 for 8-bit, 65535 for 16-bit), as
  ``img_as_float`` does, so ``RGBRedMean`` of an 8-bit image is its mean red / 255; a 12-bit
  image stored in 16 bits needs ``colorRange: 4095``;
- floats: taken as already in ``[0, 1]``; a value outside raises ``UnsupportedImageError``
  (a float image in ``[0, 255]``, e.g. after interpolation, needs ``colorRange: 255``);
- signed integers and bool: ``UnsupportedImageError`` unless ``colorRange`` is set;
- with ``colorRange`` set, values are divided by it and clipped to ``[0, 1]`` (interpolation
  overshoot).

Conversions always run in float64 (scikit-image keeps float32 input in float32, so float32
images agree with it to ~1e-6 only).

The family needs an RGB image (registered with ``input="rgb"``): a trailing channel axis of
length 3 (``RoiData.channels == 3``); grey or RGBA input raises ``UnsupportedImageError``. For
stacks of small images, :func:`color_batch` takes ``(images, masks, settings)`` with the colour
images themselves (the registry's batch contract passes grey levels, so it is not registered
there).
"""

from __future__ import annotations

import numpy as np

from .._kernels import color as _k
from ..exceptions import NonFiniteValueError, UnsupportedImageError
from .registry import Feature, register_batch, register_family

__all__ = ["FEATURES", "CHANNELS", "STATS", "RANGES", "compute_color", "color_batch", "color_histograms",
           "rgb_unit_scale", "REQUIRES_CHANNELS"]

#: The family reads RGB images only: a trailing channel axis of this length.
REQUIRES_CHANNELS = 3

#: (name, natural range) of the nine channels, in output order.
CHANNELS = (
    ("RGBRed", (0.0, 1.0)), ("RGBGreen", (0.0, 1.0)), ("RGBBlue", (0.0, 1.0)),
    ("HSVHue", (0.0, 1.0)), ("HSVSaturation", (0.0, 1.0)), ("HSVValue", (0.0, 1.0)),
    ("LabL", (0.0, 100.0)), ("LabA", (-128.0, 128.0)), ("LabB", (-128.0, 128.0)),
)
RANGES = tuple(r for _, r in CHANNELS)

#: (suffix, formula for a linear channel, formula for the hue) of the eight statistics.
STATS = (
    ("Mean", "mean(X)", "circular mean mu = arg(mean exp(2 pi i h)) / (2 pi) mod 1"),
    ("Std", "sqrt(mu2), population standard deviation", "circular std sqrt(-2 ln R) / (2 pi)"),
    ("Skewness", "mu3 / mu2^(3/2) (0 for a flat channel)", "skewness of u = ((h - mu + 1/2) mod 1) - 1/2"),
    ("Kurtosis", "mu4 / mu2^2 (not excess; 0 for a flat channel)", "kurtosis of u (not excess)"),
    ("Entropy", "-sum_k p_k log2(p_k + eps), colorBins bins over the natural range",
     "-sum_k p_k log2(p_k + eps), colorBins bins over [0, 1)"),
    ("10Percentile", "10th percentile of X", "(P10(u) + mu) mod 1"),
    ("Median", "50th percentile of X", "(P50(u) + mu) mod 1"),
    ("90Percentile", "90th percentile of X", "(P90(u) + mu) mod 1"),
)

FEATURES = tuple(
    Feature(f"{channel}{suffix}", hue_formula if channel == "HSVHue" else formula, None)
    for channel, _ in CHANNELS
    for suffix, formula, hue_formula in STATS
)
assert len(FEATURES) == _k.N_COLOR and len(STATS) == _k.N_STATS

#: Settings the family reads, with their defaults.
SETTINGS = {"colorBins": 32, "colorRange": None, "colorHistogramBins": 8}


def color_feature_names(settings) -> tuple[str, ...]:
    """The 72 statistics, then ``<Channel>Hist0`` .. for ``colorHistogramBins`` bins per channel."""
    bins = int(settings.get("colorHistogramBins", SETTINGS["colorHistogramBins"]) or 0)
    return tuple(f.name for f in FEATURES) + tuple(
        f"{channel}Hist{k}" for channel, _ in CHANNELS for k in range(bins))


def rgb_unit_scale(dtype, color_range=None) -> tuple[float, bool]:
    """``(factor, clip)``: RGB values times ``factor`` lie in ``[0, 1]``; clip when ``clip``.

    Parameters
    ----------
    dtype : numpy dtype
        The image's dtype.
    color_range : float, optional
        The value that means full intensity (the ``colorRange`` setting).

    Returns
    -------
    factor : float
        ``1 / dtype max`` for unsigned integers (multiplied, not divided, as ``img_as_float`` does),
        ``1`` for floats, ``1 / color_range`` when given.
    clip : bool
        True when ``color_range`` is given (scaled values are clipped to ``[0, 1]``).

    Raises
    ------
    UnsupportedImageError
        For signed-integer or bool images without ``color_range``.
    """
    dtype = np.dtype(dtype)
    if color_range is not None:
        if not float(color_range) > 0:
            raise UnsupportedImageError(f"colorRange must be positive, got {color_range!r}")
        return 1.0 / float(color_range), True
    if dtype.kind == "u":
        return 1.0 / float(np.iinfo(dtype).max), False
    if dtype.kind == "f":
        return 1.0, False
    raise UnsupportedImageError(
        f"color features: cannot tell the full-intensity value of a {dtype} RGB image; "
        f"set colorRange (e.g. 255 or 4095)")


def _edges(bins) -> np.ndarray:
    bins = int(bins)
    if bins < 1:
        raise UnsupportedImageError(f"colorBins must be a positive integer, got {bins!r}")
    return np.array([np.linspace(lo, hi, bins + 1) for lo, hi in RANGES])


def _unit_rgb(values, dtype, settings) -> np.ndarray:
    # ROI pixels (n, 3) -> float64 in [0, 1], with the checks the module docstring promises
    factor, clip = rgb_unit_scale(dtype, settings.get("colorRange"))
    rgb = np.multiply(values, factor, dtype=np.float64)
    if np.dtype(dtype).kind == "f":
        if not np.isfinite(rgb).all():
            raise NonFiniteValueError("color features: the RGB image holds NaN or infinite values in the ROI")
        if not clip and (rgb.min() < 0.0 or rgb.max() > 1.0):
            raise UnsupportedImageError(
                f"color features: a float RGB image must lie in [0, 1] (this ROI spans "
                f"[{rgb.min():g}, {rgb.max():g}]); set colorRange to its full-intensity value (e.g. 255)")
    if clip:
        np.clip(rgb, 0.0, 1.0, out=rgb)
    return rgb


def _check_rgb(image, mask_ndim):
    channels = image.shape[-1] if image.ndim == mask_ndim + 1 else None
    if channels != REQUIRES_CHANNELS:
        got = "a grey image" if channels is None else f"{channels} channels"
        raise UnsupportedImageError(
            f"the color family needs an RGB image (a trailing axis of 3 channels), got {got}")


@register_family("color", FEATURES, dims=(2, 3), kind="intensity", default=False, settings=SETTINGS,
                 input="rgb", names=color_feature_names, description="Colour statistics of an RGB ROI in RGB, HSV and CIE-Lab")
def compute_color(roi):
    """Colour statistics of an RGB ROI, then its per-channel histograms.

    The 72 statistics of :data:`FEATURES`, followed by ``colorHistogramBins`` (default 8; 0 for
    none) normalised histogram bins per channel, ``RGBRedHist0`` .. ``LabBHist7``, over each
    channel's natural range (names from :func:`color_feature_names`).

    Parameters
    ----------
    roi : RoiData
        ``roi.image`` of shape ``(..., 3)`` (``roi.channels == 3``). Settings read: ``colorBins``
        (histogram bins for Entropy, default 32), ``colorRange`` (full-intensity value, default
        from the dtype).

    Returns
    -------
    ndarray of float64, shape (72,)

    Raises
    ------
    UnsupportedImageError
        Grey or non-RGB input, a float image outside ``[0, 1]`` without ``colorRange``, or a
        signed-integer image without ``colorRange``.
    NonFiniteValueError
        NaN or infinite values inside the ROI.

    Notes
    -----
    See the module docstring for the formulas, the channel ranges and the circular hue.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> img = np.zeros((2, 2, 3), np.uint8); img[..., 0] = 255      # pure red
    >>> out = compute_color(RoiData(img, np.ones((2, 2), bool), (1, 1)))
    >>> [round(float(out[i]), 3) for i in (0, 24, 48)]               # RGBRedMean, HSVHueMean, LabLMean
    [1.0, 0.0, 53.241]
    """
    _check_rgb(roi.image, roi.mask.ndim)
    rgb = _unit_rgb(roi.image[roi.mask], roi.image.dtype, roi.settings)
    edges = _edges(roi.settings.get("colorBins", 32))
    ch = np.empty((_k.N_CHANNELS, rgb.shape[0]))
    hue = np.empty(3)
    _k.color_prepare(rgb, edges, ch, hue)
    ch.sort(axis=1)  # numpy's sort: the statistics need sorted channels, and it beats Numba's
    out = np.empty(_k.N_COLOR)
    _k.color_stats(ch, edges, hue, out)
    bins = int(roi.settings.get("colorHistogramBins", SETTINGS["colorHistogramBins"]) or 0)
    if bins:
        # the normalised colour histograms (colour distribution beyond its moments)
        out = np.concatenate([out, color_histograms(roi, bins).ravel()])
    return out


@register_batch("color", reads=("colour",))
def color_batch(images, masks, settings=None):
    """Colour features of a stack of same-size RGB images in one (parallel) call.

    Parameters
    ----------
    images : ndarray, shape (N, H, W, 3) or (N, D, H, W, 3)
        RGB images, any dtype accepted by :func:`compute_color`.
    masks : ndarray of bool, shape (N, H, W) or (N, D, H, W)
    settings : dict, optional
        ``colorBins``, ``colorRange``, as for :func:`compute_color`.

    Returns
    -------
    ndarray of float64, shape (N, 72 + 9 * colorHistogramBins)
        Rows equal :func:`compute_color` on each image; NaN rows for empty masks.
    """
    settings = dict(settings or {})
    images = np.asarray(images)
    masks = np.asarray(masks, dtype=bool)
    if images.shape[:-1] != masks.shape or images.ndim < 4:
        raise ValueError(f"color_batch: images {images.shape} must be masks {masks.shape} plus a channel axis")
    _check_rgb(images[0], masks.ndim - 1)
    n = images.shape[0]
    flat = np.ascontiguousarray(images.reshape(n, -1, 3))
    flat_m = np.ascontiguousarray(masks.reshape(n, -1))
    factor, clip = rgb_unit_scale(images.dtype, settings.get("colorRange"))
    if images.dtype.kind == "f":
        _unit_rgb(flat[flat_m], images.dtype, settings)  # the range and finiteness checks only
    out = np.empty((n, _k.N_COLOR))
    _k.color_batch(flat, flat_m, factor, clip, _edges(settings.get("colorBins", 32)), out)
    bins = int(settings.get("colorHistogramBins", SETTINGS["colorHistogramBins"]) or 0)
    if not bins:
        return out
    hist = np.full((n, _k.N_CHANNELS * bins), np.nan)
    for k in range(n):
        if masks[k].any():
            roi = _Roi(images[k], masks[k], settings)
            hist[k] = color_histograms(roi, bins).ravel()
    return np.concatenate([out, hist], axis=1)


class _Roi:
    # the three attributes color_histograms reads, without RoiData's checks per batch image
    __slots__ = ("image", "mask", "settings")

    def __init__(self, image, mask, settings):
        self.image, self.mask, self.settings = image, mask, settings


def color_histograms(roi, bins=None) -> np.ndarray:
    """Normalised histograms of the nine channels, ``(9, bins)``, each summing to 1.

    With ``colorHistogramBins`` bins they are the ``<Channel>Hist<k>`` features of the family.
    Bins as :data:`RANGES`, out-of-range values in the end bins.
    """
    _check_rgb(roi.image, roi.mask.ndim)
    bins = int(bins if bins is not None else roi.settings.get("colorBins", 32))
    rgb = _unit_rgb(roi.image[roi.mask], roi.image.dtype, roi.settings)
    ch = np.empty((_k.N_CHANNELS, rgb.shape[0]))
    _k.rgb_to_channels(rgb, ch)
    out = np.empty((_k.N_CHANNELS, bins))
    for c, (lo, hi) in enumerate(RANGES):
        out[c] = np.histogram(np.clip(ch[c], lo, hi), bins=bins, range=(lo, hi))[0] / ch.shape[1]
    return out
