"""Batch discretisation kernels: one call for a stack of same-shape images (private)."""

from __future__ import annotations

import numpy as np

from .._jit import jit, pjit, prange


@jit
def _digitize_guess(x, edges, e0, inv):
    # numpy.digitize for (nearly) evenly spaced edges: arithmetic guess, then a short walk, so no
    # unpredictable binary-search branches
    n = edges.shape[0]
    g = int((x - e0) * inv) if x >= e0 else 0
    if g > n:
        g = n
    while g < n and edges[g] <= x:
        g += 1
    while g > 0 and edges[g - 1] > x:
        g -= 1
    return g


@jit
def _inverse_step(edges):
    n = edges.shape[0]
    return (n - 1) / (edges[n - 1] - edges[0]) if n > 1 else 0.0


@jit
def _roi_min_max(img, msk):
    mn = np.inf
    mx = -np.inf
    for j in range(img.shape[0]):
        if msk[j]:
            v = img[j]
            if v < mn:
                mn = v
            if v > mx:
                mx = v
    return mn, mx


@jit
def _width_edges(mn, mx, width):
    # numpy.arange(low, mx + 2w, w) as numpy fills it: low + i * ((low + w) - low)
    low = mn - (mn % width)
    if mn % width != mn % width:  # NaN guard; callers check finiteness first
        low = mn
    high = mx + 2 * width
    delta = (low + width) - low
    n = int(np.ceil((high - low) / width))
    if n < 1:
        n = 1
    edges = np.empty(n)
    for i in range(n):
        edges[i] = low + i * delta
    if n == 1:
        out = np.empty(2)
        out[0] = edges[0] - 0.5
        out[1] = edges[0] + 0.5
        return out
    return edges


@jit
def _count_edges(mn, mx, count):
    # numpy.histogram(x, count)[1] (linspace over [min, max]; +-0.5 for a flat ROI), last edge + 1
    if mn == mx:
        mn = mn - 0.5
        mx = mx + 0.5
    edges = np.empty(count + 1)
    step = (mx - mn) / count
    for i in range(count + 1):
        edges[i] = i * step + mn
    edges[count] = mx + 1.0
    return edges


@pjit
def discretize_batch(images, masks, width, count):
    """Levels (1-based, 0 outside the mask) for each image; ``count > 0`` selects fixed bin count."""
    n = images.shape[0]
    flat_i = images.reshape(n, -1)
    flat_m = masks.reshape(n, -1)
    out = np.zeros(flat_i.shape, dtype=np.int64)
    for k in prange(n):
        mn, mx = _roi_min_max(flat_i[k], flat_m[k])
        if mn > mx:
            continue  # empty mask
        if count > 0:
            edges = _count_edges(mn, mx, count)
        else:
            edges = _width_edges(mn, mx, width)
        e0 = edges[0]
        inv = _inverse_step(edges)
        for j in range(flat_i.shape[1]):
            if flat_m[k, j]:
                out[k, j] = _digitize_guess(flat_i[k, j], edges, e0, inv)
    return out.reshape(images.shape)


@jit
def digitize_masked(image, mask, edges):
    """``numpy.digitize(image, edges)`` inside ``mask``, 0 outside (any shape, C order)."""
    flat_i = image.ravel()
    flat_m = mask.ravel()
    e0 = edges[0]
    inv = _inverse_step(edges)
    out = np.zeros(flat_i.shape[0], dtype=np.int64)
    for j in range(flat_i.shape[0]):
        if flat_m[j]:
            out[j] = _digitize_guess(np.float64(flat_i[j]), edges, e0, inv)
    return out.reshape(image.shape)


@jit
def masked_min_max(image, mask):
    """Minimum and maximum (as float64) of ``image`` inside ``mask`` (any shape, C order).

    Returns ``(min, max, count, has_nan)``; NaN voxels are counted but not compared.
    """
    flat_i = image.ravel()
    flat_m = mask.ravel()
    mn = np.inf
    mx = -np.inf
    n = 0
    has_nan = False
    for j in range(flat_i.shape[0]):
        if flat_m[j]:
            v = np.float64(flat_i[j])
            n += 1
            if v != v:
                has_nan = True
            if v < mn:
                mn = v
            if v > mx:
                mx = v
    return mn, mx, n, has_nan


@jit
def digitize_table(image, mask, edges, mn, span):
    """:func:`digitize_masked` of an integer ``image`` whose ROI values lie in ``mn .. mn + span``.

    Each possible value is digitised once into a table, then every voxel is one lookup, with no
    branch: voxels outside the ROI read a clamped entry and are multiplied by 0.
    """
    e0 = edges[0]
    inv = _inverse_step(edges)
    table = np.empty(span + 1, dtype=np.int64)
    for v in range(span + 1):
        table[v] = _digitize_guess(np.float64(mn + v), edges, e0, inv)
    flat_i = image.ravel()
    flat_m = mask.ravel()
    out = np.empty(flat_i.shape[0], dtype=np.int64)
    for j in range(flat_i.shape[0]):
        k = min(max(np.int64(flat_i[j]) - mn, 0), span)
        out[j] = table[k] * np.int64(flat_m[j])
    return out.reshape(image.shape)


@jit
def masked_int_min_max(image, mask):
    """:func:`masked_min_max` of an integer ``image``: ``(min, max, count)`` in its own type.

    Branch-free (voxels outside the mask read as the type's extremes), so LLVM vectorises it;
    with an empty mask the minimum is the type's maximum and vice versa.
    """
    flat_i = image.ravel()
    flat_m = mask.ravel()
    top = np.iinfo(flat_i.dtype).max
    bottom = np.iinfo(flat_i.dtype).min
    mn = flat_i.dtype.type(top)
    mx = flat_i.dtype.type(bottom)
    n = 0
    for j in range(np.uint64(flat_i.shape[0])):
        v = flat_i[j]
        inside = flat_m[j]
        mn = min(mn, v if inside else top)
        mx = max(mx, v if inside else bottom)
        n += np.int64(inside)
    return mn, mx, n
