"""Gabor filter-bank kernels (private: arrays in, arrays out, no validation).

The responses reproduce ``skimage.filters.gabor`` on a float64 image: ``scipy.ndimage.convolve``
of the image with the real and with the imaginary part of ``skimage.filters.gabor_kernel``, in
``reflect`` mode. ``scipy.ndimage`` correlates with the flipped kernel, skips weights with
``|w| <= DBL_EPSILON`` and sums one pixel's products in the C order of the flipped kernel,
starting from 0.0; :func:`taps` and :func:`convolve_rows` keep that order (each output pixel is
its own running sum), so the responses match scipy's bit for bit.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit

#: scipy.ndimage's threshold below which a weight is left out of the footprint.
DBL_EPSILON = np.finfo(np.float64).eps


def taps(weights):
    """``(dy, dx, w)`` of the non-negligible taps of ``convolve(., weights)``, in scipy's order.

    ``dy, dx`` index the input relative to the output pixel plus the kernel half size, i.e. the
    position in a reflect-padded image whose border is the half size; ``weights`` has odd sides.
    """
    flipped = np.ascontiguousarray(np.asarray(weights, dtype=np.float64)[::-1, ::-1])
    keep = np.abs(flipped) > DBL_EPSILON
    dy, dx = np.nonzero(keep)  # C order, as scipy's footprint
    return dy.astype(np.int64), dx.astype(np.int64), flipped[keep]


@jit
def reflect_index(c, n):
    """scipy.ndimage's ``reflect`` mode (``d c b a | a b c d | d c b a``) for any coordinate."""
    if n == 1:
        return 0
    m = c % (2 * n)
    if m >= n:
        m = 2 * n - 1 - m
    return m


@jit
def reflect_pad(image, py, px):
    """``image`` (2D) extended by ``py`` rows and ``px`` columns on each side, ``reflect`` mode."""
    h, w = image.shape
    out = np.empty((h + 2 * py, w + 2 * px))
    for r in range(h + 2 * py):
        rr = reflect_index(r - py, h)
        for c in range(w + 2 * px):
            out[r, c] = image[rr, reflect_index(c - px, w)]
    return out


@jit
def convolve_rows(padded, h, w, oy, ox, dy, dx, wt, out):
    """``out[r, c] = sum_t wt[t] padded[r + oy + dy[t], c + ox + dx[t]]``, summed in ``t`` order.

    The loop runs over taps outside and columns inside: every output pixel still adds its
    products in tap order (scipy's), but the inner loop is independent across pixels, so it
    vectorises instead of waiting on one running sum. The row accumulates in its own buffer and
    reads contiguous slices, which lets LLVM drop the aliasing and negative-index checks that
    otherwise keep the loop scalar (4x slower).
    """
    acc = np.empty(w)
    for r in range(h):
        acc[:] = 0.0
        for t in range(wt.shape[0]):
            src = padded[r + oy + dy[t], ox + dx[t]:ox + dx[t] + w]
            v = wt[t]
            for c in range(w):
                acc[c] = acc[c] + src[c] * v
        out[r, :] = acc


@jit
def magnitude_stats(re, im, mask):
    """Mean and standard deviation (ddof 0) of ``sqrt(re^2 + im^2)`` over ``mask``."""
    n = 0
    s = 0.0
    for r in range(re.shape[0]):
        for c in range(re.shape[1]):
            if mask[r, c]:
                s += np.sqrt(re[r, c] * re[r, c] + im[r, c] * im[r, c])
                n += 1
    mean = s / n
    v = 0.0
    for r in range(re.shape[0]):
        for c in range(re.shape[1]):
            if mask[r, c]:
                d = np.sqrt(re[r, c] * re[r, c] + im[r, c] * im[r, c]) - mean
                v += d * d
    return mean, np.sqrt(v / n)


@jit
def gabor_bank(image, mask, pads, starts, dy, dx, wt, out):
    """Mean and std of the response magnitude of each filter of a bank into ``out`` ``(2 F,)``.

    Filter ``f`` has half sizes ``pads[f]`` (rows, columns); its real part's taps are
    ``dy, dx, wt[starts[2 f]:starts[2 f + 1]]`` and its imaginary part's the next slice
    (:func:`taps` of each, concatenated). The image is reflect-padded once by the largest half
    sizes and each filter reads it at its own offset.
    """
    h, w = image.shape
    py = 0
    px = 0
    for f in range(pads.shape[0]):
        py = max(py, pads[f, 0])
        px = max(px, pads[f, 1])
    padded = reflect_pad(image, py, px)
    re = np.empty((h, w))
    im = np.empty((h, w))
    for f in range(pads.shape[0]):
        oy = py - pads[f, 0]
        ox = px - pads[f, 1]
        a, b, c = starts[2 * f], starts[2 * f + 1], starts[2 * f + 2]
        convolve_rows(padded, h, w, oy, ox, dy[a:b], dx[a:b], wt[a:b], re)
        convolve_rows(padded, h, w, oy, ox, dy[b:c], dx[b:c], wt[b:c], im)
        out[2 * f], out[2 * f + 1] = magnitude_stats(re, im, mask)
