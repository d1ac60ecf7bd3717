"""Colour feature kernels (private: arrays in, arrays out, no validation).

Pixels arrive as float64 RGB in ``[0, 1]`` (scikit-image's ``img_as_float`` convention) and are
converted per pixel to HSV and CIE-Lab with scikit-image's formulas (``rgb2hsv``; ``rgb2lab``
with illuminant D65, 2 degree observer), so only the ROI's pixels are ever converted.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from .firstorder import _percentile_sorted

#: Channels, in output order: R, G, B, H, S, V, L, a, b.
N_CHANNELS = 9
#: Statistics per channel, in output order (see radfeat.features.color.STATS).
N_STATS = 8
N_COLOR = N_CHANNELS * N_STATS
#: Index of the hue channel, the one circular channel.
HUE = 3

# skimage.color.colorconv.xyz_from_rgb (sRGB primaries, D65) and the D65 / 2 degree white point
# of skimage.color.colorconv._illuminants, copied so that importing radfeat does not import skimage.
_M = ((0.412453, 0.357580, 0.180423),
      (0.212671, 0.715160, 0.072169),
      (0.019334, 0.119193, 0.950227))
_WHITE = (0.95047, 1.0, 1.08883)
_TWO_PI = 2.0 * math.pi


@jit
def _srgb_to_linear(c):
    # the sRGB transfer curve as skimage.color.rgb2xyz applies it
    if c > 0.04045:
        return ((c + 0.055) / 1.055) ** 2.4
    return c / 12.92


@jit
def _lab_f(t):
    # CIE's cube root with the linear toe, with skimage's constants (7.787, 0.008856)
    if t > 0.008856:
        return np.cbrt(t)
    return 7.787 * t + 16.0 / 116.0


@jit
def rgb_to_channels(rgb, out):
    """Fill ``out`` (9, n) with R, G, B, H, S, V, L, a, b of the ``(n, 3)`` pixels ``rgb``."""
    for i in range(rgb.shape[0]):
        r = rgb[i, 0]
        g = rgb[i, 1]
        b = rgb[i, 2]
        out[0, i] = r
        out[1, i] = g
        out[2, i] = b
        # HSV as skimage.color.rgb2hsv: where several channels tie for the maximum the later
        # assignment wins there (blue over green over red), and grey pixels get hue 0.
        v = max(r, max(g, b))
        delta = v - min(r, min(g, b))
        if delta == 0.0:
            h = 0.0
            s = 0.0
        else:
            s = delta / v
            if b == v:
                h = 4.0 + (r - g) / delta
            elif g == v:
                h = 2.0 + (b - r) / delta
            else:
                h = (g - b) / delta
            h = (h / 6.0) % 1.0
        out[3, i] = h
        out[4, i] = s
        out[5, i] = v
        # CIE-Lab as skimage.color.rgb2lab: sRGB -> linear -> XYZ -> Lab
        lr = _srgb_to_linear(r)
        lg = _srgb_to_linear(g)
        lb = _srgb_to_linear(b)
        fx = _lab_f((_M[0][0] * lr + _M[0][1] * lg + _M[0][2] * lb) / _WHITE[0])
        fy = _lab_f((_M[1][0] * lr + _M[1][1] * lg + _M[1][2] * lb) / _WHITE[1])
        fz = _lab_f((_M[2][0] * lr + _M[2][1] * lg + _M[2][2] * lb) / _WHITE[2])
        out[6, i] = 116.0 * fy - 16.0
        out[7, i] = 500.0 * (fx - fy)
        out[8, i] = 200.0 * (fy - fz)


@jit
def _entropy(x, edges):
    """Shannon entropy (log2, pyradiomics' ``eps``) of the histogram of ``x`` on ``edges``.

    Values outside ``[edges[0], edges[-1]]`` count in the end bins. The bin of a value is
    ``numpy.histogram``'s: ``edges[k] <= x < edges[k + 1]``, the last bin closed on the right.
    """
    nb = edges.shape[0] - 1
    lo = edges[0]
    hi = edges[nb]
    hist = np.zeros(nb, dtype=np.int64)
    for i in range(x.shape[0]):
        v = min(max(x[i], lo), hi)
        k = int((v - lo) / (hi - lo) * nb)
        if k >= nb:
            k = nb - 1
        # the arithmetic guess can be one bin off near an edge; the edges decide, as in numpy
        if k > 0 and v < edges[k]:
            k -= 1
        elif k < nb - 1 and v >= edges[k + 1]:
            k += 1
        hist[k] += 1
    n = x.shape[0]
    eps = 2.220446049250313e-16  # numpy.spacing(1), inside log2 as in pyradiomics' firstorder
    entropy = 0.0
    for k in range(nb):
        if hist[k] > 0:
            p = hist[k] / n
            entropy -= p * math.log2(p + eps)
    return entropy


@jit
def _mean(x):
    # corrected two-pass mean: the second pass removes the drift of plain summation (which is
    # ~1e-14 after a few thousand pixels and would turn a constant channel into a noisy one)
    n = x.shape[0]
    m = 0.0
    for i in range(n):
        m += x[i]
    m /= n
    c = 0.0
    for i in range(n):
        c += x[i] - m
    return m + c / n


@jit
def _moments(x, centre):
    # central moments m2, m3, m4 of x about ``centre``
    n = x.shape[0]
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    for i in range(n):
        d = x[i] - centre
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
    return m2 / n, m3 / n, m4 / n


@jit
def _shape(m2, m3, m4, mean, constant, out, o):
    """Skewness and Kurtosis into ``out[o], out[o + 1]``; 0 for a flat channel.

    A channel is flat when all its values are equal or ``mu2 <= (eps * mean)^2`` (scipy.stats.skew's
    test): the conversions leave rounding noise on channels that are constant in exact arithmetic
    (the red channel of pure reds, say), and the shape of that noise is meaningless.
    """
    eps = 2.220446049250313e-16
    if constant or m2 <= (eps * mean) ** 2:
        out[o] = 0.0
        out[o + 1] = 0.0
    else:
        out[o] = m3 / m2 ** 1.5
        out[o + 1] = m4 / (m2 * m2)


@jit
def color_prepare(rgb, edges, ch, hue):
    """Channels of the ``(n, 3)`` pixels ``rgb`` (float64 in ``[0, 1]``), ready for sorting.

    Fills ``ch`` (9, n) with R, G, B, H, S, V, L, a, b, then replaces the hue row by the hue
    unwrapped around its circular mean ``mu``: ``u = ((h - mu + 1/2) mod 1) - 1/2`` (the circle
    cut at the hue opposite ``mu``). ``hue`` (3,) receives ``mu``, the circular standard deviation
    ``sqrt(-2 ln R) / (2 pi)`` (both as ``scipy.stats.circmean`` / ``circstd`` with ``high=1``) and
    the Entropy of ``h`` itself (its bins tile the circle). ``edges`` is ``(9, colorBins + 1)``.
    """
    rgb_to_channels(rgb, ch)
    h = ch[HUE]
    n = h.shape[0]
    ssum = 0.0
    csum = 0.0
    for i in range(n):
        ssum += math.sin(h[i] * _TWO_PI)
        csum += math.cos(h[i] * _TWO_PI)
    mu = (math.atan2(ssum, csum) / _TWO_PI) % 1.0
    # rounding can push R a hair above 1; scipy clips it too
    r = min(math.hypot(ssum / n, csum / n), 1.0)
    hue[0] = mu
    # R = 0 (hues balanced around the circle) gives an infinite spread, as in scipy
    hue[1] = math.sqrt(-2.0 * math.log(r)) / _TWO_PI if r > 0.0 else np.inf
    hue[2] = _entropy(h, edges[HUE])
    for i in range(n):
        h[i] = (h[i] - mu + 0.5) % 1.0 - 0.5


@jit
def color_stats(sorted_ch, edges, hue, out):
    """Fill ``out[:72]`` from the rows of ``color_prepare``'s ``ch``, each sorted ascending.

    Per channel: Mean, Std, Skewness, Kurtosis, Entropy, P10, Median, P90. For the hue, Mean,
    Std and Entropy come from ``hue``; Skewness and Kurtosis are those of the unwrapped ``u``;
    percentiles are mapped back to ``(P(u) + mu) mod 1``. Sorted input makes every sum run in
    the same order however the rows were sorted, so batch and single results agree bit for bit.
    """
    for c in range(N_CHANNELS):
        s = sorted_ch[c]
        o = c * N_STATS
        mean = _mean(s)
        m2, m3, m4 = _moments(s, mean)
        _shape(m2, m3, m4, mean, s[0] == s[s.shape[0] - 1], out, o + 2)
        p10 = _percentile_sorted(s, 10.0)
        p50 = _percentile_sorted(s, 50.0)
        p90 = _percentile_sorted(s, 90.0)
        if c == HUE:
            mu = hue[0]
            out[o] = mu
            out[o + 1] = hue[1]
            out[o + 4] = hue[2]
            out[o + 5] = (p10 + mu) % 1.0
            out[o + 6] = (p50 + mu) % 1.0
            out[o + 7] = (p90 + mu) % 1.0
        else:
            out[o] = mean
            out[o + 1] = math.sqrt(m2)
            out[o + 4] = _entropy(s, edges[c])
            out[o + 5] = p10
            out[o + 6] = p50
            out[o + 7] = p90


@jit
def color_features(rgb, edges, out):
    """Fill ``out[:72]`` from the ``(n, 3)`` float64 RGB pixels in ``[0, 1]`` (all in Numba).

    The single-ROI path sorts with numpy instead (several times faster than Numba's sort on
    large ROIs); the values are the same.
    """
    ch = np.empty((N_CHANNELS, rgb.shape[0]))
    hue = np.empty(3)
    color_prepare(rgb, edges, ch, hue)
    for c in range(N_CHANNELS):
        ch[c].sort()
    color_stats(ch, edges, hue, out)


@pjit
def color_batch(images, masks, inv_scale, clip, edges, out):
    """Colour features of a stack: ``images`` ``(N, P, 3)`` any real dtype, ``masks`` ``(N, P)``.

    Each pixel is scaled by ``inv_scale`` (and clipped to ``[0, 1]`` when ``clip``); rows of
    empty masks are left NaN.
    """
    for k in prange(images.shape[0]):
        cnt = 0
        for j in range(masks.shape[1]):
            if masks[k, j]:
                cnt += 1
        if cnt == 0:
            for f in range(N_COLOR):
                out[k, f] = np.nan
            continue
        rgb = np.empty((cnt, 3))
        c = 0
        for j in range(masks.shape[1]):
            if masks[k, j]:
                for q in range(3):
                    v = np.float64(images[k, j, q]) * inv_scale
                    if clip:
                        v = min(max(v, 0.0), 1.0)
                    rgb[c, q] = v
                c += 1
        color_features(rgb, edges, out[k])
