"""Image enhancement before feature extraction: denoising, intensity clipping, histogram equalisation.

Pure functions on numpy arrays (SimpleITK's array order: 2D ``(y, x)``, 3D ``(z, y, x)``; colour
images with a trailing channel axis, ``channel_axis=-1``). Each wraps the scikit-image or SciPy
routine named in its docstring, with these conventions:

- **Grey images keep their intensity units**, so ``binWidth`` keeps its meaning afterwards:
  filters return float64 in the input's units (the median filter keeps the input's dtype), and
  equalisation maps its ``[0, 1]`` result back onto the input's ``[min, max]``.
- **RGB images keep their dtype** (uint8 in, uint8 out: rounded and clipped), so the colour
  family's dtype-based scaling (255 for 8-bit) still applies. Filters act per channel;
  equalisation acts on the HSV value channel (hue and saturation are kept), as scikit-image's
  CLAHE does for RGB.
- Every function takes ``return_info=True`` to also return a dict of what it did (the estimated
  noise level, the clipping bounds, the intensity range used), for provenance.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..exceptions import ConfigError, UnsupportedImageError

__all__ = ["denoise", "clip_intensities", "equalize", "DENOISE_METHODS", "EQUALIZE_METHODS"]

#: Denoising methods and the parameters each accepts, with their defaults.
DENOISE_METHODS = {
    "median": {"size": 3},
    "gaussian": {"sigma": 1.0, "truncate": 4.0},
    "nlmeans": {"h": None, "sigma": None, "patch_size": 5, "patch_distance": 6, "fast_mode": True},
}
EQUALIZE_METHODS = ("hist", "clahe")


def _did_you_mean(word, choices):
    from ..features.registry import did_you_mean

    return did_you_mean(word, choices)


def _is_rgb(image, channel_axis) -> bool:
    if channel_axis is None:
        return False
    if channel_axis not in (-1, image.ndim - 1):
        raise ConfigError(f"channel_axis must be None or -1 (a trailing channel axis), got {channel_axis!r}")
    if image.shape[-1] != 3 or image.ndim not in (3, 4):
        raise UnsupportedImageError(f"channel_axis=-1 needs a 2D or 3D RGB image (..., 3), got shape {image.shape}")
    return True


def _check_spatial(image, rgb):
    nd = image.ndim - (1 if rgb else 0)
    if nd not in (2, 3):
        raise UnsupportedImageError(f"expected a 2D or 3D image, got {nd} spatial dimensions (shape {image.shape})")
    return nd


def _rgb_unit(dtype):
    # the value that means full intensity: the dtype's maximum for unsigned integers (scikit-image's
    # img_as_float), 1 for floats
    dtype = np.dtype(dtype)
    if dtype.kind == "u":
        return float(np.iinfo(dtype).max)
    if dtype.kind == "f":
        return 1.0
    raise UnsupportedImageError(f"RGB images must be unsigned integers or floats in [0, 1], got {dtype}")


def _as_dtype(values, dtype):
    # back to an RGB image's dtype: integers are rounded and clipped to the dtype's range
    dtype = np.dtype(dtype)
    if dtype.kind in "ui":
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype, copy=False)


def _params(method, given, accepted):
    unknown = set(given) - set(accepted)
    if unknown:
        raise ConfigError(f"{method}: unknown parameter(s) {', '.join(sorted(unknown))}; "
                          f"accepted: {', '.join(accepted) or 'none'}")
    return {**accepted, **given}


def denoise(image, method, *, spacing=None, channel_axis=None, return_info=False, **params):
    """Denoise a 2D or 3D image (grey, or RGB with ``channel_axis=-1``).

    Parameters
    ----------
    image : ndarray
        2D ``(y, x)`` or 3D ``(z, y, x)``; RGB with a trailing channel axis.
    method : {"median", "gaussian", "nlmeans"}
        - ``median``: ``scipy.ndimage.median_filter`` with a cubic window of ``size`` voxels
          (default 3; an int or one per spatial axis), mode ``reflect``. Keeps the dtype.
        - ``gaussian``: ``scipy.ndimage.gaussian_filter`` on float64 with standard deviation
          ``sigma`` (default 1) **in mm** when ``spacing`` is given (``sigma / spacing`` voxels per
          axis, so anisotropic voxels get an isotropic kernel), else in voxels; ``truncate``
          (default 4) standard deviations; mode ``reflect``.
        - ``nlmeans``: ``skimage.restoration.denoise_nl_means`` on float64 in the image's units,
          with ``patch_size`` (5), ``patch_distance`` (6) in voxels (the patch ignores spacing),
          ``fast_mode`` (True), noise ``sigma`` (default: ``skimage.restoration.estimate_sigma``;
          the channels' mean for RGB) and filter strength ``h`` (default ``0.8 * sigma``, the
          setting scikit-image recommends with ``fast_mode``).
    spacing : sequence of float, optional
        Voxel size per spatial array axis (``(z, y, x)``), used by ``gaussian`` only.
    channel_axis : None or -1
        ``-1`` for an RGB image: median and gaussian filter each channel alone (no smoothing
        across channels); nlmeans compares patches over all three channels.
    return_info : bool
        Also return ``{"method": ..., <the parameters used>}`` (with the estimated ``sigma``).
    **params
        The method's parameters, above. Unknown names raise ConfigError.

    Returns
    -------
    ndarray, or (ndarray, dict) with ``return_info``
        Same shape. Grey: median keeps the dtype, the others return float64 in the input's
        units. RGB: the input's dtype.
    """
    image = np.asarray(image)
    rgb = _is_rgb(image, channel_axis)
    nd = _check_spatial(image, rgb)
    if method not in DENOISE_METHODS:
        raise ConfigError(f"unknown denoise method {method!r}" + _did_you_mean(method, DENOISE_METHODS)
                          + f"; methods: {', '.join(DENOISE_METHODS)}")
    p = _params(method, params, DENOISE_METHODS[method])
    info = {"method": method}
    if method == "median":
        from scipy.ndimage import median_filter

        size = _per_axis(p["size"], nd, "size")
        info["size"] = list(size)
        out = median_filter(image, size=size + ((1,) if rgb else ()), mode="reflect")
    elif method == "gaussian":
        from scipy.ndimage import gaussian_filter

        sigma = np.asarray(_per_axis(p["sigma"], nd, "sigma", integer=False), dtype=np.float64)
        if spacing is not None:
            if len(spacing) != nd:
                raise ConfigError(f"gaussian: spacing {tuple(spacing)} does not match a {nd}D image")
            sigma = sigma / np.asarray(spacing, dtype=np.float64)
        info.update(sigma=p["sigma"], sigma_voxels=sigma.tolist(), truncate=p["truncate"])
        out = gaussian_filter(image.astype(np.float64), sigma=tuple(sigma) + ((0.0,) if rgb else ()),
                              mode="reflect", truncate=float(p["truncate"]))
    else:
        from skimage.restoration import denoise_nl_means, estimate_sigma

        x = image.astype(np.float64)
        sigma = p["sigma"]
        if sigma is None:
            with warnings.catch_warnings():
                # estimate_sigma warns when a grey image's last axis is short (it may be RGB); the
                # caller said which it is
                warnings.simplefilter("ignore", UserWarning)
                sigma = float(estimate_sigma(x, average_sigmas=True, channel_axis=-1 if rgb else None))
        h = 0.8 * sigma if p["h"] is None else float(p["h"])
        info.update(sigma=float(sigma), h=h, patch_size=int(p["patch_size"]),
                    patch_distance=int(p["patch_distance"]), fast_mode=bool(p["fast_mode"]))
        out = denoise_nl_means(x, patch_size=int(p["patch_size"]), patch_distance=int(p["patch_distance"]),
                               h=h, fast_mode=bool(p["fast_mode"]), sigma=float(sigma),
                               channel_axis=-1 if rgb else None)
    if rgb:
        out = _as_dtype(out, image.dtype)
    return (out, info) if return_info else out


def _per_axis(value, nd, name, integer=True):
    values = tuple(value) if isinstance(value, (list, tuple, np.ndarray)) else (value,) * nd
    if len(values) != nd or not all(float(v) > 0 for v in values):
        raise ConfigError(f"{name} must be a positive number or one per spatial axis ({nd}), got {value!r}")
    return tuple(int(v) for v in values) if integer else tuple(float(v) for v in values)


def clip_intensities(image, low=None, high=None, *, percentiles=False, mask=None, return_info=False):
    """Clip intensities to ``[low, high]`` (either bound may be None: no clipping on that side).

    Parameters
    ----------
    image : ndarray
        Any shape (RGB: every channel is clipped to the same bounds).
    low, high : float, optional
        Bounds in intensity units, or percentiles (0-100) when ``percentiles`` is True.
    percentiles : bool
        Take the bounds as ``numpy.percentile`` (linear) of the image, or of ``image[mask]``.
    mask : ndarray of bool, optional
        Region the percentiles are computed over (the whole image is clipped).
    return_info : bool
        Also return ``{"low": ..., "high": ...}``: the bounds in intensity units.

    Returns
    -------
    ndarray, or (ndarray, dict) with ``return_info``
        ``numpy.clip(image, low, high)``. An integer image keeps its dtype when the bounds are
        whole numbers (a CT window such as ``[-1000, 400]``), else it becomes float64.
    """
    image = np.asarray(image)
    if low is not None and high is not None and low > high:
        raise ConfigError(f"clip_intensities: low ({low}) is above high ({high})")
    lo, hi = low, high
    if percentiles:
        for q in (low, high):
            if q is not None and not 0 <= q <= 100:
                raise ConfigError(f"clip_intensities: percentiles must lie in [0, 100], got {q}")
        values = image if mask is None else image[np.asarray(mask, dtype=bool)]
        if values.size == 0:
            from ..exceptions import EmptyROIError

            raise EmptyROIError("clip_intensities: the mask for the percentiles is empty")
        lo = None if low is None else float(np.percentile(values, low))
        hi = None if high is None else float(np.percentile(values, high))
    whole = all(b is None or float(b).is_integer() for b in (lo, hi))
    x = image if (image.dtype.kind in "ui" and whole) or image.dtype.kind == "f" else image.astype(np.float64)
    if x.dtype.kind in "ui":
        info = np.iinfo(x.dtype)
        # bounds outside the dtype's range clip nothing; cast inside it so numpy keeps the dtype
        lo_c = None if lo is None else x.dtype.type(min(max(lo, info.min), info.max))
        hi_c = None if hi is None else x.dtype.type(min(max(hi, info.min), info.max))
        out = np.clip(x, lo_c, hi_c)
    else:
        out = np.clip(x, lo, hi)
    result = {"low": lo, "high": hi, "percentiles": [low, high] if percentiles else None}
    return (out, result) if return_info else out


def equalize(image, method="hist", *, mask=None, nbins=256, kernel_size=None, clip_limit=0.01,
             channel_axis=None, return_info=False):
    """Histogram equalisation, global (``hist``) or contrast-limited adaptive (``clahe``).

    Parameters
    ----------
    image : ndarray
        2D or 3D grey, or 2D/3D RGB with ``channel_axis=-1``.
    method : {"hist", "clahe"}
        - ``hist``: ``skimage.exposure.equalize_hist(x, nbins, mask)``: every voxel becomes the
          cumulative fraction of voxels (of ``image[mask]`` when ``mask`` is given) at or below
          its intensity.
        - ``clahe``: ``skimage.exposure.equalize_adapthist(x, kernel_size, clip_limit, nbins)``
          on the image min-max scaled to ``[0, 1]`` (scikit-image requires that range for
          floats; it then works on 2**14 grey levels). ``kernel_size`` is in voxels (default:
          1/8 of each axis); 3D images get 3D tiles.
    mask : ndarray of bool, optional
        ``hist`` only: the region whose histogram is equalised (the whole image is mapped).
    nbins : int
        Histogram bins (the image is converted to float64 first, so integer images use
        ``nbins`` too rather than one bin per integer).
    kernel_size : int or sequence of int, optional
        ``clahe`` tile size in voxels.
    clip_limit : float
        ``clahe`` clip limit in ``[0, 1]``; higher gives more contrast.
    channel_axis : None or -1
        ``-1`` for RGB: the HSV value channel is equalised and the image converted back (hue and
        saturation kept), as scikit-image's CLAHE does for RGB images.
    return_info : bool
        Also return ``{"method", "range": [min, max], ...}``.

    Returns
    -------
    ndarray, or (ndarray, dict) with ``return_info``
        Grey: float64 ``min + e * (max - min)`` where ``e`` in ``[0, 1]`` is scikit-image's output
        and ``min``, ``max`` the input's extremes (a flat image comes back unchanged, as float64);
        so the result lives in the input's intensity range and ``binWidth`` keeps its scale. RGB:
        the input's dtype, the value channel spanning the full range.
    """
    from skimage import exposure

    image = np.asarray(image)
    rgb = _is_rgb(image, channel_axis)
    _check_spatial(image, rgb)
    if method not in EQUALIZE_METHODS:
        raise ConfigError(f"unknown equalize method {method!r}" + _did_you_mean(method, EQUALIZE_METHODS)
                          + f"; methods: {', '.join(EQUALIZE_METHODS)}")
    if mask is not None and method != "hist":
        raise ConfigError("equalize: a mask is only used by method 'hist'")
    mask = None if mask is None else np.asarray(mask, dtype=bool)
    info = {"method": method, "nbins": int(nbins)}
    if method == "clahe":
        info.update(kernel_size=kernel_size, clip_limit=float(clip_limit))
    # scikit-image's CLAHE treats any (a, b, 3) array as RGB; grey input calls the undecorated
    # function so that a thin 3D volume with 3 columns stays grey
    clahe = getattr(exposure.equalize_adapthist, "__wrapped__", exposure.equalize_adapthist)

    def run(x01):
        if method == "hist":
            return exposure.equalize_hist(x01, nbins=int(nbins), mask=mask)
        return clahe(x01, kernel_size=kernel_size, clip_limit=float(clip_limit), nbins=int(nbins))

    if rgb:
        from skimage.color import hsv2rgb, rgb2hsv

        unit = _rgb_unit(image.dtype)
        hsv = rgb2hsv(np.multiply(image, 1.0 / unit, dtype=np.float64))
        hsv[..., 2] = run(hsv[..., 2])
        out = _as_dtype(hsv2rgb(hsv) * unit, image.dtype)
        info["range"] = [0.0, unit]
        return (out, info) if return_info else out

    x = image.astype(np.float64)
    lo, hi = float(x.min()), float(x.max())
    info["range"] = [lo, hi]
    if hi == lo:
        return (x, info) if return_info else x
    e = run(x if method == "hist" else (x - lo) / (hi - lo))
    out = lo + e * (hi - lo)
    return (out, info) if return_info else out
