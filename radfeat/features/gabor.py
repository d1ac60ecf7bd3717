"""Gabor filter-bank energies of 2D grey images, as ``skimage.filters.gabor`` filters them.

For every frequency ``f`` of ``gaborFrequencies`` and orientation ``theta_k = k pi / n``
(``k = 0 .. n - 1``, ``n = gaborOrientations``) the image is filtered with the real and the
imaginary part of ``skimage.filters.gabor_kernel(f, theta_k, bandwidth=gaborBandwidth)``
(``n_stds = 3``, scipy's ``reflect`` border), exactly as ``skimage.filters.gabor(image, f,
theta=theta_k, bandwidth=gaborBandwidth)`` does on a float64 image. The features are the mean
and the standard deviation (ddof 0) of the magnitude ``sqrt(real^2 + imag^2)`` over the ROI.

Names
-----
``F<f>_Theta<degrees>_Mean`` and ``..._Std``, the decimal point written ``-`` (pyradiomics'
style, as in ``log-sigma-1-0-mm``): ``F0-1_Theta45_Mean`` is frequency 0.1 cycles per pixel at
45 degrees. Order: frequencies, then orientations, then Mean, Std. The registry's feature list
is fixed when radfeat is imported, so the registered family ``gabor`` holds the default bank
(frequencies 0.1, 0.2, 0.3, 0.4 x orientations 0, 45, 90, 135: 32 features) and a
``gaborFrequencies`` / ``gaborOrientations`` setting that names other filters raises
:class:`~radfeat.exceptions.ConfigError` instead of reporting numbers under wrong names. Any bank
is served by :func:`gabor_bank_features` with :func:`gabor_feature_names` (same kernels).
``gaborBandwidth`` (default 1) changes no name and is free.

Borders and types
-----------------
``roi.image`` is the ROI's bounding box without padding, so the filters reflect at the box
edges (scikit-image reflects at the edges of the array it is given): with a whole-image mask the
numbers are scikit-image's on the image; with a smaller mask they are scikit-image's on the
cropped box. When the extractor pads its crop, the padding becomes real context automatically.
The image is converted to float64 first: ``skimage.filters.gabor`` on an integer image convolves
in the integer type and truncates the (signed) responses, which is not a usable energy.

No batch kernel: the work is the convolution itself (tens of thousands of multiply-adds per
pixel), which a stack would not share, and a batch receives discretised grey levels, not the
intensities the filters need.
"""

from __future__ import annotations

import functools
import numbers

import numpy as np

from .._kernels import gabor as _k
from ..exceptions import (
    ConfigError,
)
from ._texture_common import grey_image_2d
from .registry import Feature, register_family

__all__ = ["FEATURES", "compute_gabor", "gabor_bank_features", "gabor_feature_names", "gabor_thetas"]

SETTINGS = {"gaborFrequencies": [0.1, 0.2, 0.3, 0.4], "gaborOrientations": 4, "gaborBandwidth": 1}


def _num(x: float) -> str:
    return f"{x:g}".replace(".", "-")


def gabor_thetas(n: int) -> np.ndarray:
    """The ``n`` orientations ``k pi / n`` in radians (scikit-image's ``theta``)."""
    return np.array([k * np.pi / n for k in range(n)])


def _params(settings):
    """Validated ``(frequencies, orientations, bandwidth)``."""
    freqs = settings.get("gaborFrequencies", SETTINGS["gaborFrequencies"])
    n = settings.get("gaborOrientations", SETTINGS["gaborOrientations"])
    bw = settings.get("gaborBandwidth", SETTINGS["gaborBandwidth"])
    if isinstance(freqs, numbers.Real) and not isinstance(freqs, bool):
        freqs = [freqs]
    ok = isinstance(freqs, (list, tuple, np.ndarray)) and len(freqs) > 0 and all(
        isinstance(f, numbers.Real) and not isinstance(f, bool) and np.isfinite(f) and f > 0 for f in freqs)
    if not ok:
        raise ConfigError(f"gaborFrequencies must be a list of positive numbers (cycles per pixel), got {freqs!r}")
    freqs = tuple(float(f) for f in freqs)
    if len({_num(f) for f in freqs}) != len(freqs):
        raise ConfigError(f"gaborFrequencies must be distinct (feature names would repeat), got {list(freqs)}")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ConfigError(f"gaborOrientations must be a positive integer, got {n!r}")
    if isinstance(bw, bool) or not isinstance(bw, numbers.Real) or not np.isfinite(bw) or bw <= 0:
        raise ConfigError(f"gaborBandwidth must be a positive number, got {bw!r}")
    return freqs, int(n), float(bw)


def gabor_feature_names(settings) -> tuple[str, ...]:
    """Names of :func:`gabor_bank_features` under ``settings``, in output order."""
    freqs, n, _ = _params(settings)
    return tuple(f"F{_num(f)}_Theta{_num(k * 180 / n)}_{stat}"
                 for f in freqs for k in range(n) for stat in ("Mean", "Std"))


@functools.lru_cache(maxsize=32)
def _bank(freqs, n, bandwidth):
    # scikit-image's kernels, split into scipy-ordered taps; built once per bank
    from skimage.filters import gabor_kernel

    pads, starts, dys, dxs, wts = [], [0], [], [], []
    for f in freqs:
        for theta in gabor_thetas(n):
            g = gabor_kernel(f, theta=theta, bandwidth=bandwidth)
            pads.append((g.shape[0] // 2, g.shape[1] // 2))
            for part in (np.real(g), np.imag(g)):
                dy, dx, w = _k.taps(part)
                dys.append(dy)
                dxs.append(dx)
                wts.append(w)
                starts.append(starts[-1] + w.size)
    return (np.array(pads, dtype=np.int64), np.array(starts, dtype=np.int64), np.concatenate(dys),
            np.concatenate(dxs), np.concatenate(wts))


def gabor_bank_features(roi) -> np.ndarray:
    """Mean and std of the Gabor magnitude over the ROI for any bank, named by :func:`gabor_feature_names`.

    Parameters
    ----------
    roi : RoiData
        2D grey image; settings ``gaborFrequencies``, ``gaborOrientations``, ``gaborBandwidth``.

    Returns
    -------
    ndarray of float64, shape (2 * len(frequencies) * orientations,)
    """
    freqs, n, bw = _params(roi.settings)
    image = grey_image_2d(roi, "gabor")
    pads, starts, dy, dx, wt = _bank(freqs, n, bw)
    out = np.empty(2 * pads.shape[0])
    _k.gabor_bank(image, np.ascontiguousarray(roi.mask), pads, starts, dy, dx, wt, out)
    return out


_DEFAULT_NAMES = gabor_feature_names(SETTINGS)
FEATURES = tuple(
    Feature(f"F{_num(f)}_Theta{deg}_{stat}", f"{word} over the ROI of |gabor(image, {f}, theta={deg} deg)|", None)
    for f in SETTINGS["gaborFrequencies"] for deg in (0, 45, 90, 135)
    for stat, word in (("Mean", "mean"), ("Std", "standard deviation"))
)
assert tuple(f.name for f in FEATURES) == _DEFAULT_NAMES


@register_family("gabor", FEATURES, dims=(2,), kind="intensity", default=False, settings=SETTINGS,
                 names=gabor_feature_names,
                 description="Gabor filter-bank energies (scikit-image's filters) of 2D grey images")
def compute_gabor(roi):
    """Mean and std of the Gabor response magnitude over the ROI for each filter of the bank.

    The bank (``gaborFrequencies`` x ``gaborOrientations``) names the features
    (:func:`gabor_feature_names`); the registry asks for them per settings.

    Parameters
    ----------
    roi : RoiData
        2D grey image. Settings read: ``gaborFrequencies`` (must be the default
        ``[0.1, 0.2, 0.3, 0.4]``), ``gaborOrientations`` (must be 4), ``gaborBandwidth``
        (default 1).

    Returns
    -------
    ndarray of float64, shape (32,)
        In :data:`FEATURES` order: per frequency, per orientation 0, 45, 90, 135 degrees, the
        mean and the standard deviation of ``|skimage.filters.gabor(image, f, theta)|`` over the ROI.

    Raises
    ------
    InvalidROIError, UnsupportedImageError, EmptyROIError
        A 3D ROI, a colour image, an empty mask.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> roi = RoiData(np.full((8, 8), 2.0), np.ones((8, 8), bool), (1, 1))
    >>> compute_gabor(roi)[:2].round(6).tolist()   # a flat image: only the DC leak of the kernel
    [0.001925, 0.0]
    """
    return gabor_bank_features(roi)
