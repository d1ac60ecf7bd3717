"""pyradiomics' image types: the original image and its filtered ("derived") images.

:data:`IMAGE_TYPES` maps each pyradiomics image-type name, in the order of pyradiomics'
documentation, to a generator function with the contract of pyradiomics'
``imageoperations.get<Name>Image(inputImage, inputMask, **kwargs)``::

    for filtered, type_name, type_settings in IMAGE_TYPES["LoG"](image, mask, **settings):
        ...

``image`` is a scalar SimpleITK image, ``mask`` a label map on the same grid (only ``LBP3D``
reads it, at ``settings["label"]``), and ``settings`` the resolved settings of this image type
(the global settings updated with the image type's own, as pyradiomics' extractor does). Each
item is ``(sitk_image, image_type_name, settings)`` with pyradiomics' exact image-type names
(``original``, ``log-sigma-1-0-mm-3D``, ``wavelet-LLH``, ``wavelet2-HLL``, ``square``,
``squareroot``, ``logarithm``, ``exponential``, ``gradient``, ``lbp-2D``, ``lbp-3D-m1``,
``lbp-3D-k``) and a copy of the settings: pyradiomics changes no setting per image type.

The filtered image has the input's grid (size, spacing, origin, direction). The filters use
SimpleITK, PyWavelets, scikit-image and SciPy exactly as pyradiomics does, so the voxel values
are identical to pyradiomics'. Every filter but Original and Gradient depends on the whole extent
of the image it is given (a global maximum, a recursive/IIR filter, a periodic wavelet transform,
a spline prefilter), so to reproduce pyradiomics' numbers the extractor must filter the same
image pyradiomics filters: the full image, or the image after resampling / ``preCrop`` (box
padded by ``padDistance``), and crop each filtered image to the ROI box *afterwards*.

Where pyradiomics logs a warning and silently yields nothing (LoG without ``sigma``, a sigma too
large for the image, LBP3D on a 2D image, ...), these functions raise
:class:`~radfeat.exceptions.ConfigError` naming the setting and the reason. Settings are checked
when the function is called, before the first image is computed.
"""

from __future__ import annotations

import logging
import numbers
import warnings
from typing import Callable, Iterator, Mapping

import numpy as np
import SimpleITK as sitk

from ..exceptions import ConfigError, NonFiniteValueError, UnsupportedImageError
from ..features.registry import did_you_mean

__all__ = [
    "IMAGE_TYPES",
    "original_image",
    "log_image",
    "wavelet_image",
    "square_image",
    "squareroot_image",
    "logarithm_image",
    "exponential_image",
    "gradient_image",
    "lbp2d_image",
    "lbp3d_image",
    "image_type_names",
    "iter_image_types",
    "icosphere_vertices",
    "LBP2D_METHODS",
]

logger = logging.getLogger(__name__)

Yielded = Iterator[tuple[sitk.Image, str, dict]]

#: Methods of :func:`skimage.feature.local_binary_pattern` (``lbp2DMethod``).
LBP2D_METHODS = ("default", "ror", "uniform", "nri_uniform", "var")


# ---------------------------------------------------------------------------------- helpers

def _check_scalar_image(image: sitk.Image, type_name: str) -> None:
    if not isinstance(image, sitk.Image):
        raise UnsupportedImageError(f"{type_name}: expected a SimpleITK image, got {type(image).__name__}")
    if image.GetNumberOfComponentsPerPixel() != 1:
        raise UnsupportedImageError(
            f"{type_name}: the image has {image.GetNumberOfComponentsPerPixel()} components per voxel; "
            "image types need a scalar (single-channel) image")


def _int_setting(settings: Mapping, key: str, default, minimum: int, type_name: str) -> int:
    value = settings.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool) and float(value).is_integer():
            value = int(value)
        else:
            raise ConfigError(f"{type_name}: setting {key!r} must be an integer >= {minimum}, got {value!r}")
    if value < minimum:
        raise ConfigError(f"{type_name}: setting {key!r} must be an integer >= {minimum}, got {value!r}")
    return value


def _positive_setting(settings: Mapping, key: str, default, type_name: str):
    value = settings.get(key, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ConfigError(f"{type_name}: setting {key!r} must be a number > 0, got {value!r}")
    return value


def _force2d_dimension(settings: Mapping, ndim: int, type_name: str) -> int:
    dim = _int_setting(settings, "force2Ddimension", 0, 0, type_name)
    if dim >= ndim:
        raise ConfigError(f"{type_name}: force2Ddimension must be an array axis of the {ndim}D image "
                          f"(0..{ndim - 1}), got {dim}")
    return dim


def _from_array(arr: np.ndarray, reference: sitk.Image) -> sitk.Image:
    out = sitk.GetImageFromArray(arr)
    out.CopyInformation(reference)
    return out


def _max_abs(im: np.ndarray, type_name: str, formula: str) -> float:
    m = np.max(np.abs(im))
    if m == 0:
        raise NonFiniteValueError(f"{type_name}: the image is all zero, so {formula} is undefined "
                                  "(pyradiomics would return a NaN image)")
    return m


# ---------------------------------------------------------------------------------- Original

def original_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""The unfiltered image.

    .. math:: f(x) = x

    Parameters
    ----------
    inputImage : SimpleITK.Image
        Image to pass through.
    inputMask : SimpleITK.Image
        Label map on the same grid (unused).
    **kwargs
        Resolved settings of this image type.

    Yields
    ------
    tuple
        ``(inputImage, "original", settings)``, the image object itself.
    """
    yield inputImage, "original", dict(kwargs)


# ---------------------------------------------------------------------------------- LoG

def _sigma_list(kwargs: Mapping) -> list:
    sigma = kwargs.get("sigma")
    if sigma is None or (isinstance(sigma, (list, tuple, np.ndarray)) and len(sigma) == 0):
        raise ConfigError("LoG: setting 'sigma' is required (a list of Gaussian widths in mm, each > 0, "
                          "for example sigma: [1.0, 3.0, 5.0]); pyradiomics computes no LoG image without it")
    values = list(sigma) if isinstance(sigma, (list, tuple, np.ndarray)) else [sigma]
    for s in values:
        if isinstance(s, bool) or not isinstance(s, numbers.Real) or not np.isfinite(s):
            raise ConfigError(f"LoG: every sigma must be a number (mm), got {s!r} in sigma={sigma!r}")
        if s <= 0:
            raise ConfigError(f"LoG: sigma must be greater than 0 mm, got {s!r} in sigma={sigma!r}")
    return values


def log_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Laplacian of Gaussian, one image per ``sigma``.

    The image is convolved with the Laplacian of a Gaussian of width :math:`\sigma` (mm, using the
    voxel spacing), normalised across scale (multiplied by :math:`\sigma^2`):

    .. math::

        G(\mathbf{x}, \sigma) = \frac{1}{(\sigma\sqrt{2\pi})^N} e^{-\frac{\|\mathbf{x}\|^2}{2\sigma^2}},
        \qquad f = \sigma^2 \, \nabla^2 G * x

    computed with SimpleITK's ``LaplacianRecursiveGaussianImageFilter`` (recursive, i.e. IIR,
    Gaussian; ``NormalizeAcrossScale`` on), as pyradiomics does. A 2D image gets a 2D filter; the
    name still ends in ``-3D``, as in pyradiomics.

    Parameters
    ----------
    inputImage : SimpleITK.Image
        2D or 3D scalar image; at least 4 voxels along every axis.
    inputMask : SimpleITK.Image
        Label map on the same grid (unused).
    **kwargs
        ``sigma``: list of widths in mm, each > 0 (required). A single number is taken as a
        one-element list.

    Yields
    ------
    tuple
        ``(filtered, "log-sigma-<sigma>-mm-3D", settings)`` per sigma, in the given order, where
        ``<sigma>`` is ``str(sigma)`` with ``.`` replaced by ``-`` (``1.0`` -> ``1-0``, ``3`` -> ``3``).
        The filtered image is float32 for integer and float32 input.

    Raises
    ------
    ConfigError
        No ``sigma``; a sigma <= 0; an image smaller than 4 voxels along an axis; or a sigma too
        large for the image: pyradiomics requires ``size >= ceil(sigma / spacing) + 1`` along every
        axis (it logs and skips such a sigma; radfeat raises).
    """
    _check_scalar_image(inputImage, "LoG")
    sigmas = _sigma_list(kwargs)
    size = np.array(inputImage.GetSize())
    spacing = np.array(inputImage.GetSpacing())
    if np.min(size) < 4:
        raise ConfigError(f"LoG: the image is too small for the LoG filter (size {tuple(size.tolist())} voxels, "
                          "at least 4 along every axis are needed); with preCrop or resampling, increase "
                          "padDistance")
    for sigma in sigmas:
        needed = np.ceil(sigma / spacing) + 1
        if not np.all(size >= needed):
            raise ConfigError(
                f"LoG: sigma {sigma!r} mm is too large for this image: pyradiomics needs at least "
                f"ceil(sigma / spacing) + 1 = {tuple(int(n) for n in needed)} voxels along (x, y, z) but the "
                f"image has {tuple(size.tolist())} (spacing {tuple(spacing.tolist())} mm); use a smaller "
                "sigma, or with preCrop or resampling a larger padDistance")
    return _log_images(inputImage, sigmas, kwargs)


def _log_images(image, sigmas, kwargs) -> Yielded:
    for sigma in sigmas:
        lrgif = sitk.LaplacianRecursiveGaussianImageFilter()
        lrgif.SetNormalizeAcrossScale(True)
        lrgif.SetSigma(sigma)
        name = "log-sigma-%s-mm-3D" % (str(sigma).replace(".", "-"))
        yield lrgif.Execute(image), name, dict(kwargs)


# ---------------------------------------------------------------------------------- Wavelet

def _discrete_wavelets() -> list:
    import pywt

    return pywt.wavelist(kind="discrete")


def _resolve_wavelet(wavelet):
    import pywt

    if isinstance(wavelet, pywt.Wavelet):
        return wavelet
    if not isinstance(wavelet, str):
        raise ConfigError(f"Wavelet: setting 'wavelet' must be a wavelet name such as 'coif1', got {wavelet!r}")
    discrete = _discrete_wavelets()
    if wavelet not in discrete:
        if wavelet in pywt.wavelist(kind="continuous"):
            raise ConfigError(f"Wavelet: {wavelet!r} is a continuous wavelet; the stationary wavelet transform "
                              "needs a discrete one (haar, dbN, symN, coifN, biorN.M, rbioN.M, dmey)")
        raise ConfigError(f"Wavelet: unknown wavelet {wavelet!r}" + did_you_mean(wavelet, discrete)
                          + "; PyWavelets' discrete wavelets are haar, dmey, db1-38, sym2-20, coif1-17, "
                          "bior1.1-6.8, rbio1.1-6.8")
    return pywt.Wavelet(wavelet)


def _wavelet_axes(ndim: int, kwargs: Mapping) -> tuple:
    axes = list(range(ndim - 1, -1, -1))
    if kwargs.get("force2D", False):
        axes.remove(_force2d_dimension(kwargs, ndim, "Wavelet"))
    return tuple(axes)


def wavelet_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Undecimated (stationary) wavelet decompositions, pyradiomics' ``_swt3``.

    Every array axis of odd length is first padded by one voxel (``numpy.pad(..., 'wrap')``).
    Each level applies a one-level :func:`pywt.swtn` (periodic, no downsampling) along ``axes``
    (all array axes in reverse order, ``(2, 1, 0)`` in 3D; with ``force2D`` the
    ``force2Ddimension`` axis is left out) to the previous level's approximation:

    .. math::

        A_{j+1} = (L_{a_1} \otimes \dots \otimes L_{a_k}) A_j, \qquad
        D^{c}_{j+1} = (F^{c_1}_{a_1} \otimes \dots \otimes F^{c_k}_{a_k}) A_j, \quad
        F^{L} = \text{low pass}, F^{H} = \text{high pass}

    with :math:`A_0` the (padded) image. Levels ``0 .. start_level - 1`` are computed and
    discarded; levels ``start_level .. start_level + level - 1`` yield their detail images
    (``"L"``/``"H"`` per axis of ``axes``, in PyWavelets' key order); the last approximation
    (``"LLL"``) comes last. The padding is cropped off every yielded image (float64).

    Parameters
    ----------
    inputImage : SimpleITK.Image
        2D or 3D scalar image.
    inputMask : SimpleITK.Image
        Label map on the same grid (unused).
    **kwargs
        ``wavelet`` (default ``"coif1"``, any discrete PyWavelets wavelet or a ``pywt.Wavelet``),
        ``start_level`` (default 0), ``level`` (default 1), ``force2D``, ``force2Ddimension``.

    Yields
    ------
    tuple
        ``(filtered, name, settings)`` with ``name`` = ``wavelet-<code>`` for the first yielded level
        and ``wavelet<i>-<code>`` for the i-th (i counts from 1 at ``start_level``, as in pyradiomics),
        e.g. ``wavelet-LLH``, ``wavelet2-HLL``; the approximation is ``wavelet-LLL`` for ``level``
        1 and ``wavelet<level>-LLL`` otherwise.

    Raises
    ------
    ConfigError
        An unknown or continuous wavelet name (with a "did you mean"), ``level`` < 1,
        ``start_level`` < 0, or a ``force2Ddimension`` outside the image's axes.
    """
    _check_scalar_image(inputImage, "Wavelet")
    wavelet = _resolve_wavelet(kwargs.get("wavelet", "coif1"))
    level = _int_setting(kwargs, "level", 1, 1, "Wavelet")
    start_level = _int_setting(kwargs, "start_level", 0, 0, "Wavelet")
    axes = _wavelet_axes(inputImage.GetDimension(), kwargs)
    return _wavelet_images(inputImage, wavelet, start_level, level, axes, kwargs)


def _swt(image: sitk.Image, wavelet, start_level: int, level: int, axes: tuple):
    import pywt

    matrix = sitk.GetArrayFromImage(image)
    original_shape = matrix.shape
    padding = tuple((0, 1 if dim % 2 != 0 else 0) for dim in original_shape)
    crop = tuple(slice(None, -1 if dim % 2 != 0 else None) for dim in original_shape)
    data = np.pad(matrix.copy(), padding, "wrap")
    approx_key = "a" * len(axes)

    for _ in range(start_level):
        data = pywt.swtn(data, wavelet, level=1, start_level=0, axes=axes)[0][approx_key].copy()

    levels = []
    for _ in range(level):
        dec = pywt.swtn(data, wavelet, level=1, start_level=0, axes=axes)[0]
        data = dec[approx_key].copy()
        details = {}
        for key, arr in dec.items():
            if key == approx_key:
                continue
            details[str(key).replace("a", "L").replace("d", "H")] = _from_array(arr.copy()[crop], image)
        levels.append(details)
    approximation = _from_array(data[crop], image)
    return approximation, levels


def _wavelet_images(image, wavelet, start_level, level, axes, kwargs) -> Yielded:
    approximation, levels = _swt(image, wavelet, start_level, level, axes)
    for idx, details in enumerate(levels, start=1):
        for code, im in details.items():
            name = "wavelet-%s" % code if idx == 1 else "wavelet%s-%s" % (idx, code)
            yield im, name, dict(kwargs)
    code = "L" * len(axes)
    name = "wavelet-%s" % code if len(levels) == 1 else "wavelet%s-%s" % (len(levels), code)
    yield approximation, name, dict(kwargs)


# ---------------------------------------------------------------------------------- point filters

def square_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Square of the intensities, rescaled to the original range.

    .. math:: f(x) = (c\,x)^2, \qquad c = \frac{1}{\sqrt{\max |x|}}

    with the maximum over the whole input image (float64 output).

    Yields
    ------
    tuple
        ``(filtered, "square", settings)``.

    Raises
    ------
    NonFiniteValueError
        The image is all zero (:math:`c` is infinite).
    """
    _check_scalar_image(inputImage, "Square")
    im = sitk.GetArrayFromImage(inputImage).astype("float64")
    coeff = 1 / np.sqrt(_max_abs(im, "Square", "c = 1/sqrt(max|x|)"))
    yield _from_array((coeff * im) ** 2, inputImage), "square", dict(kwargs)


def squareroot_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Signed square root of the intensities, rescaled to the original range.

    .. math::

        f(x) = \begin{cases} \sqrt{c\,x} & x \ge 0 \\ -\sqrt{-c\,x} & x < 0 \end{cases},
        \qquad c = \max |x|

    with the maximum over the whole input image (float64 output; an all-zero image stays zero).

    Yields
    ------
    tuple
        ``(filtered, "squareroot", settings)``.
    """
    _check_scalar_image(inputImage, "SquareRoot")
    im = sitk.GetArrayFromImage(inputImage).astype("float64")
    coeff = np.max(np.abs(im))
    im[im > 0] = np.sqrt(im[im > 0] * coeff)
    im[im < 0] = -np.sqrt(-im[im < 0] * coeff)
    yield _from_array(im, inputImage), "squareroot", dict(kwargs)


def logarithm_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Signed logarithm of the intensities, rescaled to the original range.

    .. math::

        f(x) = \begin{cases} c \log(x + 1) & x \ge 0 \\ -c \log(1 - x) & x < 0 \end{cases},
        \qquad c = \frac{\max |x|}{\max |\log(|x| + 1)|}

    with the maxima over the whole input image (float64 output).

    Yields
    ------
    tuple
        ``(filtered, "logarithm", settings)``.

    Raises
    ------
    NonFiniteValueError
        The image is all zero (:math:`c = 0/0`).
    """
    _check_scalar_image(inputImage, "Logarithm")
    im = sitk.GetArrayFromImage(inputImage).astype("float64")
    im_max = _max_abs(im, "Logarithm", "c = max|x| / max|log(|x| + 1)|")
    im[im > 0] = np.log(im[im > 0] + 1)
    im[im < 0] = -np.log(-(im[im < 0] - 1))
    im = im * (im_max / np.max(np.abs(im)))
    yield _from_array(im, inputImage), "logarithm", dict(kwargs)


def exponential_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Exponential of the intensities, rescaled to the original range.

    .. math:: f(x) = e^{c\,x}, \qquad c = \frac{\log(\max |x|)}{\max |x|}

    with the maximum over the whole input image (float64 output).

    Yields
    ------
    tuple
        ``(filtered, "exponential", settings)``.

    Raises
    ------
    NonFiniteValueError
        The image is all zero (:math:`c = \log 0 / 0`).
    """
    _check_scalar_image(inputImage, "Exponential")
    im = sitk.GetArrayFromImage(inputImage).astype("float64")
    im_max = _max_abs(im, "Exponential", "c = log(max|x|) / max|x|")
    coeff = np.log(im_max) / im_max
    yield _from_array(np.exp(coeff * im), inputImage), "exponential", dict(kwargs)


def gradient_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Gradient magnitude.

    .. math:: f = \|\nabla x\| = \sqrt{\textstyle\sum_a (\partial x / \partial a)^2}

    with central differences (one-sided at the border), divided by the voxel spacing unless
    ``gradientUseSpacing`` is false: SimpleITK's ``GradientMagnitudeImageFilter``, as pyradiomics.

    Parameters
    ----------
    inputImage : SimpleITK.Image
        2D or 3D scalar image.
    inputMask : SimpleITK.Image
        Label map on the same grid (unused).
    **kwargs
        ``gradientUseSpacing`` (default True).

    Yields
    ------
    tuple
        ``(filtered, "gradient", settings)``.
    """
    _check_scalar_image(inputImage, "Gradient")
    use_spacing = kwargs.get("gradientUseSpacing", True)
    if not isinstance(use_spacing, (bool, np.bool_)):
        raise ConfigError(f"Gradient: setting 'gradientUseSpacing' must be true or false, got {use_spacing!r}")
    return _gradient(inputImage, bool(use_spacing), kwargs)


def _gradient(image, use_spacing, kwargs) -> Yielded:
    gmif = sitk.GradientMagnitudeImageFilter()
    gmif.SetUseImageSpacing(use_spacing)
    yield gmif.Execute(image), "gradient", dict(kwargs)


# ---------------------------------------------------------------------------------- LBP 2D

def lbp2d_image(inputImage: sitk.Image, inputMask: sitk.Image = None, **kwargs) -> Yielded:
    r"""Local binary pattern in 2D (slice by slice for a 3D image).

    For each voxel :math:`x_c`, ``P`` neighbours :math:`x_p` are sampled (bilinear) on a circle of
    radius ``R`` voxels in the plane, and

    .. math:: \mathrm{LBP}_{P,R} = \sum_{p=0}^{P-1} s(x_p - x_c)\, 2^p, \qquad s(t) = [t \ge 0]

    refined by ``method`` (``uniform``: rotation-invariant uniform patterns, values
    :math:`0..P+1`), computed by :func:`skimage.feature.local_binary_pattern`. A 3D image is
    processed slice by slice in the plane perpendicular to array axis ``force2Ddimension``; the
    result is stored in the input's pixel type (as pyradiomics does: a ``var`` result is
    truncated for an integer image). A 2D image gives a float64 result.

    Parameters
    ----------
    inputImage : SimpleITK.Image
        2D or 3D scalar image.
    inputMask : SimpleITK.Image
        Label map on the same grid (unused).
    **kwargs
        ``lbp2DRadius`` (default 1), ``lbp2DSamples`` (default 8, as pyradiomics' code; its
        documentation says 9), ``lbp2DMethod`` (default ``"uniform"``), ``force2Ddimension``
        (default 0). A 3D image without ``force2D`` is processed (with a logged warning), as in
        pyradiomics.

    Yields
    ------
    tuple
        ``(filtered, "lbp-2D", settings)``.

    Raises
    ------
    ConfigError
        An image that is neither 2D nor 3D, an unknown method, a radius <= 0 or fewer than 1 sample.
    """
    _check_scalar_image(inputImage, "LBP2D")
    radius = _positive_setting(kwargs, "lbp2DRadius", 1, "LBP2D")
    samples = _int_setting(kwargs, "lbp2DSamples", 8, 1, "LBP2D")
    method = kwargs.get("lbp2DMethod", "uniform")
    if method is None:
        method = "uniform"
    if method not in LBP2D_METHODS:
        raise ConfigError(f"LBP2D: unknown lbp2DMethod {method!r}" + did_you_mean(method, LBP2D_METHODS)
                          + f"; choose one of {', '.join(LBP2D_METHODS)}")
    ndim = inputImage.GetDimension()
    if ndim not in (2, 3):
        raise ConfigError(f"LBP2D: needs a 2D or 3D image, got {ndim}D")
    axis = _force2d_dimension(kwargs, ndim, "LBP2D") if ndim == 3 else 0
    if ndim == 3 and not kwargs.get("force2D", False):
        logger.warning("LBP2D: computing the local binary pattern in 2D slices but extracting features in 3D")
    return _lbp2d(inputImage, radius, samples, method, axis, kwargs)


def _lbp(arr, samples, radius, method):
    from skimage.feature import local_binary_pattern

    with warnings.catch_warnings():
        # skimage warns for every floating-point slice; pyradiomics' values are the same either way
        warnings.filterwarnings("ignore", message=".*local_binary_pattern.*floating-point", category=UserWarning)
        return local_binary_pattern(arr, P=samples, R=radius, method=method)


def _lbp2d(image, radius, samples, method, axis, kwargs) -> Yielded:
    im_arr = sitk.GetArrayFromImage(image)
    if image.GetDimension() == 3:
        im_arr = im_arr.swapaxes(0, axis)
        for idx in range(im_arr.shape[0]):
            im_arr[idx, ...] = _lbp(im_arr[idx, ...], samples, radius, method)
        im_arr = im_arr.swapaxes(0, axis)
    else:
        im_arr = _lbp(im_arr, samples, radius, method)
    yield _from_array(im_arr, image), "lbp-2D", dict(kwargs)


# ---------------------------------------------------------------------------------- LBP 3D

# The regular icosahedron with trimesh's vertex values and faces (trimesh.creation.icosahedron).
_ICO_A = 0.5257311121191336
_ICO_B = 0.85065080835204
_ICOSAHEDRON_VERTICES = np.array([
    [-_ICO_A, _ICO_B, 0.0], [_ICO_A, _ICO_B, 0.0], [-_ICO_A, -_ICO_B, 0.0], [_ICO_A, -_ICO_B, 0.0],
    [0.0, -_ICO_A, _ICO_B], [0.0, _ICO_A, _ICO_B], [0.0, -_ICO_A, -_ICO_B], [0.0, _ICO_A, -_ICO_B],
    [_ICO_B, 0.0, -_ICO_A], [_ICO_B, 0.0, _ICO_A], [-_ICO_B, 0.0, -_ICO_A], [-_ICO_B, 0.0, _ICO_A],
], dtype=np.float64)
_ICOSAHEDRON_FACES = np.array([
    [0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11], [1, 5, 9], [5, 11, 4], [11, 10, 2],
    [10, 7, 6], [7, 1, 8], [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5],
    [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1],
], dtype=np.int64)


def _to_radius(vertices: np.ndarray, radius: float) -> np.ndarray:
    scalar = np.sqrt(np.dot(vertices ** 2, [1, 1, 1]))
    unit = vertices / scalar.reshape((-1, 1))
    return vertices + unit * (radius - scalar).reshape((-1, 1))


def icosphere_vertices(subdivisions: int = 1, radius: float = 1.0) -> np.ndarray:
    r"""Vertices of an icosphere, as ``trimesh.creation.icosphere(subdivisions, radius).vertices``.

    Starting from the regular icosahedron (12 vertices on the unit sphere), each subdivision adds
    the midpoint of every edge (splitting each triangle in four) and moves every vertex radially
    onto the sphere of ``radius``: :math:`v \leftarrow v + \hat v\,(r - \|v\|)`. New vertices are
    appended in trimesh's order (edges ``(a, b)``, ``a < b``, sorted by ``(b, a)``).

    Parameters
    ----------
    subdivisions : int
        Number of subdivisions (>= 0); the sphere has :math:`10 \cdot 4^s + 2` vertices.
    radius : float
        Sphere radius.

    Returns
    -------
    numpy.ndarray
        ``(n, 3)`` float64 vertex coordinates.
    """
    radius = float(radius)
    vertices = _ICOSAHEDRON_VERTICES.copy()
    faces = _ICOSAHEDRON_FACES.copy()
    for _ in range(int(subdivisions)):
        edges = np.sort(faces[:, [0, 1, 1, 2, 2, 0]].reshape((-1, 2)), axis=1)
        key = edges[:, 1] * (len(vertices) + 1) + edges[:, 0]  # trimesh's row hash orders by (b, a)
        _, unique, inverse = np.unique(key, return_index=True, return_inverse=True)
        mid = vertices[edges[unique]].mean(axis=1)
        mid_idx = inverse.reshape((-1, 3)) + len(vertices)
        faces = np.column_stack([
            faces[:, 0], mid_idx[:, 0], mid_idx[:, 2],
            mid_idx[:, 0], faces[:, 1], mid_idx[:, 1],
            mid_idx[:, 2], mid_idx[:, 1], faces[:, 2],
            mid_idx[:, 0], mid_idx[:, 1], mid_idx[:, 2],
        ]).reshape((-1, 3))
        vertices = _to_radius(np.vstack((vertices, mid)), radius)
    if int(subdivisions) <= 0:
        vertices = _to_radius(vertices, radius)
    return vertices


def _sph_harm(m: int, n: int, theta, phi):
    """SciPy's legacy ``sph_harm(m, n, theta, phi)`` (theta azimuthal, phi polar)."""
    import scipy.special

    if hasattr(scipy.special, "sph_harm_y"):  # SciPy >= 1.15; the legacy function is gone in 1.17
        return scipy.special.sph_harm_y(n, m, phi, theta)
    return scipy.special.sph_harm(m, n, theta, phi)  # pragma: no cover - old SciPy


def lbp3d_image(inputImage: sitk.Image, inputMask: sitk.Image, **kwargs) -> Yielded:
    r"""Rotation-invariant 3D local binary pattern via spherical harmonics (Banerjee et al. 2013).

    Computed only at ROI voxels (``mask == label``). For ROI voxel :math:`c` the image is sampled
    (cubic spline, :func:`scipy.ndimage.map_coordinates` in the image's own dtype, zero outside)
    at the :math:`N_v` icosphere vertices :math:`v` around it (radius ``lbp3DIcosphereRadius``
    voxels, ``lbp3DIcosphereSubdivision`` subdivisions, in array index space), binarised as
    :math:`s_v = [f(c + v) \ge f(c)]` and expanded in spherical harmonics up to degree
    :math:`L - 1` (``L = lbp3DLevels``):

    .. math::

        c_{mn} = \sum_v s_v Y_n^m(\theta_v, \varphi_v), \qquad
        \mathrm{LBP}_n(c) = \Big\| \sum_{m=-n}^{n} c_{mn} Y_n^m(\theta_v, \varphi_v) \Big\|_{2,v}

    with pyradiomics' angles: :math:`\theta_v = \arccos(v_2 / r)` passed as SciPy's azimuthal and
    :math:`\varphi_v = \operatorname{atan2}(v_1, v_0)` as its polar angle (reproduced as is).
    The kurtosis image is the Fisher kurtosis (biased) of the samples :math:`f(c + v)` over
    :math:`v`. Voxels outside the ROI are 0 (pyradiomics leaves them uninitialised).

    Parameters
    ----------
    inputImage : SimpleITK.Image
        3D scalar image.
    inputMask : SimpleITK.Image
        Label map on the same grid.
    **kwargs
        ``lbp3DLevels`` (default 2), ``lbp3DIcosphereRadius`` (default 1),
        ``lbp3DIcosphereSubdivision`` (default 1), ``label`` (default 1). With ``force2D`` a
        warning is logged (3D LBP, 2D features), as in pyradiomics.

    Yields
    ------
    tuple
        ``(filtered, "lbp-3D-m<n>", settings)`` for ``n = 1 .. lbp3DLevels`` (float64), then
        ``(kurtosis, "lbp-3D-k", settings)``. A constant neighbourhood gives a NaN kurtosis.

    Raises
    ------
    ConfigError
        A non-3D image, invalid levels/radius/subdivision, or no voxel with ``label`` in the mask.
    """
    _check_scalar_image(inputImage, "LBP3D")
    ndim = inputImage.GetDimension()
    if ndim != 3:
        raise ConfigError(f"LBP3D: needs a 3D image, got {ndim}D (use LBP2D for 2D images)")
    if not isinstance(inputMask, sitk.Image):
        raise ConfigError("LBP3D: needs the mask (a label map on the image grid): it is computed at ROI voxels only")
    if inputMask.GetSize() != inputImage.GetSize():
        raise ConfigError(f"LBP3D: mask size {inputMask.GetSize()} differs from image size {inputImage.GetSize()}")
    levels = _int_setting(kwargs, "lbp3DLevels", 2, 1, "LBP3D")
    radius = _positive_setting(kwargs, "lbp3DIcosphereRadius", 1, "LBP3D")
    subdivision = _int_setting(kwargs, "lbp3DIcosphereSubdivision", 1, 0, "LBP3D")
    label = kwargs.get("label", 1)
    if kwargs.get("force2D", False):
        logger.warning("LBP3D: computing the local binary pattern in 3D but extracting features in 2D")
    return _lbp3d(inputImage, inputMask, levels, radius, subdivision, label, kwargs)


def _lbp3d(image, mask, levels, radius, subdivision, label, kwargs) -> Yielded:
    from scipy.ndimage import map_coordinates
    from scipy.stats import kurtosis

    im_arr = sitk.GetArrayFromImage(image)
    ma_arr = sitk.GetArrayFromImage(mask)

    coords_ico = icosphere_vertices(subdivision, radius)  # (Nv, 3)
    theta = np.arccos(np.true_divide(coords_ico[:, 2], radius))
    phi = np.arctan2(coords_ico[:, 1], coords_ico[:, 0])

    Y = _sph_harm(0, 0, theta, phi)
    n_ix = np.array(0)
    for n in range(1, levels):
        for m in range(-n, n + 1):
            n_ix = np.append(n_ix, n)
            Y = np.column_stack((Y, _sph_harm(m, n, theta, phi)))
    Y = Y.reshape((len(coords_ico), -1))  # (Nv, x); pyradiomics fails for lbp3DLevels == 1
    n_ix = np.atleast_1d(n_ix)

    roi = np.where(ma_arr == label)
    if len(roi[0]) == 0:
        raise ConfigError(f"LBP3D: label {label!r} is not present in the mask")
    coords = np.array(roi).T[None, :, :] + coords_ico[:, None, :]  # (Nv, Np, 3)
    f = map_coordinates(im_arr, coords.T, order=3)  # (Np, Nv)

    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant neighbourhoods: NaN kurtosis
        k = kurtosis(f, axis=1)

    f = np.greater_equal(f, im_arr[roi][:, None]).astype(int)
    c = np.multiply(f[:, :, None], Y[None, :, :]).sum(axis=1)  # (Np, x)

    g = np.multiply(c[:, None, n_ix == 0], Y[None, :, n_ix == 0])
    for n in range(1, levels):
        g = np.concatenate((g, np.sum(np.multiply(c[:, None, n_ix == n], Y[None, :, n_ix == n]),
                                      axis=2, keepdims=True)), axis=2)
    g = np.real(np.sqrt(np.sum(g ** 2, axis=1)))  # (Np, levels)
    k = np.real(k)

    result = np.zeros(im_arr.shape)
    for l_idx in range(levels):
        result[roi] = g[:, l_idx]
        yield _from_array(result, image), "lbp-3D-m%d" % (l_idx + 1), dict(kwargs)
    result[roi] = k
    yield _from_array(result, image), "lbp-3D-k", dict(kwargs)


# ---------------------------------------------------------------------------------- registry

#: pyradiomics' image types, in the order of its documentation, to their generator functions.
IMAGE_TYPES: dict[str, Callable[..., Yielded]] = {
    "Original": original_image,
    "LoG": log_image,
    "Wavelet": wavelet_image,
    "Square": square_image,
    "SquareRoot": squareroot_image,
    "Logarithm": logarithm_image,
    "Exponential": exponential_image,
    "Gradient": gradient_image,
    "LBP2D": lbp2d_image,
    "LBP3D": lbp3d_image,
}


def _get(type_name: str) -> Callable[..., Yielded]:
    try:
        return IMAGE_TYPES[type_name]
    except KeyError:
        raise ConfigError(f"unknown image type {type_name!r}" + did_you_mean(type_name, IMAGE_TYPES)
                          + f"; known image types: {', '.join(IMAGE_TYPES)}") from None


def image_type_names(type_name: str, settings: Mapping | None = None, ndim: int = 3) -> list[str]:
    """The image-type names ``IMAGE_TYPES[type_name]`` yields for an ``ndim``-D image, without filtering.

    For listing output columns up front. Settings are validated as far as they can be without
    the image (LoG's "sigma too large" needs the image and is not checked here).

    Raises
    ------
    ConfigError
        Unknown image type, or invalid settings.
    """
    s = dict(settings or {})
    _get(type_name)
    if type_name == "LoG":
        return ["log-sigma-%s-mm-3D" % str(v).replace(".", "-") for v in _sigma_list(s)]
    if type_name == "Wavelet":
        import pywt

        _resolve_wavelet(s.get("wavelet", "coif1"))
        level = _int_setting(s, "level", 1, 1, "Wavelet")
        _int_setting(s, "start_level", 0, 0, "Wavelet")
        axes = _wavelet_axes(ndim, s)
        keys = [k.replace("a", "L").replace("d", "H")
                for k in pywt.swtn(np.zeros((2,) * ndim), "haar", level=1, axes=axes)[0] if set(k) != {"a"}]
        names = []
        for idx in range(1, level + 1):
            names += ["wavelet-%s" % k if idx == 1 else "wavelet%s-%s" % (idx, k) for k in keys]
        code = "L" * len(axes)
        return names + ["wavelet-%s" % code if level == 1 else "wavelet%s-%s" % (level, code)]
    if type_name == "LBP3D":
        if ndim != 3:
            raise ConfigError(f"LBP3D: needs a 3D image, got {ndim}D (use LBP2D for 2D images)")
        levels = _int_setting(s, "lbp3DLevels", 2, 1, "LBP3D")
        return ["lbp-3D-m%d" % (i + 1) for i in range(levels)] + ["lbp-3D-k"]
    if type_name == "LBP2D" and ndim not in (2, 3):
        raise ConfigError(f"LBP2D: needs a 2D or 3D image, got {ndim}D")
    return [{"Original": "original", "Square": "square", "SquareRoot": "squareroot", "Logarithm": "logarithm",
             "Exponential": "exponential", "Gradient": "gradient", "LBP2D": "lbp-2D"}[type_name]]


def iter_image_types(image: sitk.Image, mask: sitk.Image, image_types: Mapping[str, Mapping],
                     settings: Mapping) -> Yielded:
    """Chain the enabled image types as pyradiomics' extractor does.

    For each ``(name, custom)`` of ``image_types`` (in order) the generator
    ``IMAGE_TYPES[name](image, mask, **{**settings, **custom})`` is created (so settings errors
    surface before any filtering) and the generators are consumed one after the other.

    Parameters
    ----------
    image, mask : SimpleITK.Image
        The image to filter (full, or preCropped / resampled with ``padDistance``) and its label map.
    image_types : mapping
        ``{"Original": {}, "LoG": {"sigma": [1, 2]}, ...}`` (pyradiomics' ``imageType`` section).
    settings : mapping
        Global settings.
    """
    generators = []
    for name, custom in image_types.items():
        args = dict(settings)
        args.update(custom or {})
        generators.append(_get(name)(image, mask, **args))
    for gen in generators:
        yield from gen
