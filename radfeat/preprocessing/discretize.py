"""Grey-level discretisation with pyradiomics' bin edges (and IBSI's, in ``compat: ibsi``).

Fixed bin width ``w`` (pyradiomics, ``binWidth``):
    edges = arange(min - (min mod w), max + 2w, w); level = digitize(x, edges)  (1-based)
so the first bin starts at a multiple of ``w`` at or below the ROI minimum.

Fixed bin width in IBSI mode (``compat: ibsi``): the origin is the ROI minimum (or the lower
resegmentation bound when one is set): ``level = floor((x - origin) / w) + 1``.

Fixed bin count ``n`` (``binCount``): ``edges = histogram(x, n)[1]`` with the last edge
raised by 1, so the maximum falls in bin ``n``:  ``level = digitize(x, edges)``.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ConfigError, MatrixTooLargeError

__all__ = ["bin_edges", "discretize", "discretize_batch"]

#: More grey levels than this almost always means a wrong binWidth (e.g. 1e-6 on CT in HU).
MAX_GRAY_LEVELS_DEFAULT = 100_000

# Integer images are digitised through a table of their ROI's value range while it holds at most
# this many entries per ROI voxel (+ a constant), so the table never dwarfs the ROI.
_TABLE_BINS_PER_VOXEL = 4
_TABLE_BINS_EXTRA = 4096

# Intensity types the kernels read as they are (others are converted to float64 first).
_KERNEL_DTYPES = tuple(np.dtype(t) for t in (np.float64, np.float32, np.int8, np.uint8, np.int16, np.uint16,
                                             np.int32, np.uint32, np.int64, np.uint64))


def bin_edges(values: np.ndarray, binWidth: float = 25, binCount: int | None = None,
              compat: str = "pyradiomics", origin: float | None = None) -> np.ndarray:
    """Bin edges for ``values`` exactly as pyradiomics' ``getBinEdges`` computes them.

    Parameters
    ----------
    values : ndarray
        ROI intensities (any shape; flattened).
    binWidth : float
        Fixed bin width, used when ``binCount`` is None.
    binCount : int, optional
        Fixed number of bins.
    compat : {"pyradiomics", "ibsi"}
        ``ibsi`` starts fixed-width bins at ``origin`` (default: the ROI minimum).
    origin : float, optional
        Lower edge of the first bin in IBSI mode (e.g. the resegmentation minimum).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    if binCount is not None:
        if int(binCount) < 1:
            raise ConfigError(f"binCount must be a positive integer, got {binCount!r}")
        edges = np.histogram(values, int(binCount))[1]
        edges[-1] += 1  # so that digitize puts the maximum into the last bin
        return edges
    if not binWidth or binWidth <= 0:
        raise ConfigError(f"binWidth must be > 0, got {binWidth!r}")
    return _width_edges(values.min(), values.max(), binWidth, compat, origin)


def _width_edges(minimum, maximum, binWidth, compat, origin):
    # bin_edges' fixed-width edges from the ROI's minimum and maximum (float64 scalars)
    if compat == "ibsi":
        low = minimum if origin is None else origin
    else:
        low = minimum - (minimum % binWidth)
    n_edges = (maximum + 2 * binWidth - low) / binWidth
    if n_edges > MAX_GRAY_LEVELS_DEFAULT:
        raise MatrixTooLargeError(
            f"binWidth={binWidth} gives about {int(n_edges)} grey levels over the ROI range "
            f"[{minimum:g}, {maximum:g}] (limit {MAX_GRAY_LEVELS_DEFAULT}); raise binWidth or use binCount"
        )
    edges = np.arange(low, maximum + 2 * binWidth, binWidth)
    if len(edges) == 1:  # flat region: one bin around the single value, as numpy.histogram does
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    return edges


def discretize(image: np.ndarray, mask: np.ndarray, **settings) -> tuple[np.ndarray, np.ndarray]:
    """Discretise the ROI of ``image``; voxels outside ``mask`` get level 0.

    Returns
    -------
    levels : ndarray of int64, same shape as ``image``
    edges : ndarray of float64
    """
    from .._kernels.discretize import digitize_masked, digitize_table, masked_int_min_max, masked_min_max

    image = np.asarray(image)
    mask = np.asarray(mask, dtype=np.bool_)
    width, count = settings.get("binWidth", 25), settings.get("binCount")
    compat, origin = settings.get("compat", "pyradiomics"), settings.get("binOrigin")
    edges = None
    minimum = maximum = None
    if image.shape == mask.shape:
        # the kernels read the intensities in their own type (a cropped int16 CT box is copied as
        # int16, not as float64), in C order
        if image.dtype not in _KERNEL_DTYPES:
            image = image.astype(np.float64)
        image = np.ascontiguousarray(image)
        mask = np.ascontiguousarray(mask)
        if count is None:
            if not width or width <= 0:
                raise ConfigError(f"binWidth must be > 0, got {width!r}")
            # the ROI's range in one pass, without gathering its values (bin_edges reads only that)
            if image.dtype.kind in "iu":
                minimum, maximum, n = masked_int_min_max(image, mask)
                has_nan = False
            else:
                minimum, maximum, n, has_nan = masked_min_max(image, mask)
            if n > 0 and not has_nan:
                edges = _width_edges(np.float64(minimum), np.float64(maximum), width, compat, origin)
    if edges is None:  # binCount, an empty ROI or NaN: bin_edges on the values, as it always did
        edges = bin_edges(image[mask], binWidth=width, binCount=count, compat=compat, origin=origin)
    image = np.ascontiguousarray(image)
    mask = np.ascontiguousarray(mask, dtype=np.bool_)
    edges_f = np.asarray(edges, dtype=np.float64)
    if image.dtype.kind in "iu" and image.dtype.itemsize <= 4 and image.shape == mask.shape:  # exact in float64
        if minimum is None:
            minimum, maximum, n = masked_int_min_max(image, mask)
        span = int(maximum) - int(minimum)
        if n > 0 and span <= _TABLE_BINS_PER_VOXEL * n + _TABLE_BINS_EXTRA:
            # integers over a short range (CT numbers, pictures): one lookup per voxel
            return digitize_table(image, mask, edges_f, int(minimum), int(span)), edges
    # one pass in a kernel instead of boolean indexing + searchsorted (a third of a small ROI's time)
    return digitize_masked(image, mask, edges_f), edges


def discretize_batch(images: np.ndarray, masks: np.ndarray, **settings) -> np.ndarray:
    """Discretise a stack ``(N, ...)`` of same-shape images, each with its own ROI's bin edges.

    Identical to calling :func:`discretize` per image (pyradiomics' edges), in one kernel call.
    IBSI bin origins are not supported here (use :func:`discretize` per image).
    """
    from .._kernels.discretize import discretize_batch as _kernel

    count = settings.get("binCount")
    width = settings.get("binWidth", 25)
    if count is None and (not width or width <= 0):
        raise ConfigError(f"binWidth must be > 0, got {width!r}")
    return _kernel(np.ascontiguousarray(images, dtype=np.float64), np.ascontiguousarray(masks, dtype=np.bool_),
                   float(width or 1.0), int(count or 0))
