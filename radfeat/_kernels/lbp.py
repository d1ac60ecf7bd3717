"""Local Binary Pattern kernels (private: arrays in, arrays out, no validation).

The codes reproduce ``skimage.feature.local_binary_pattern`` (scikit-image's Cython
``_local_binary_pattern``) bit for bit: the same sample positions (rounded to 5 decimals, see
:func:`sample_offsets`), the same bilinear interpolation with a constant 0 outside the image,
the same ``sample - centre >= 0`` threshold and the same code of each method.

Bilinear interpolation is split into per-axis tables (:func:`axis_table`): for coordinate ``x``
and sample ``i`` skimage computes ``t = x + offset[i]``, ``lo = floor(t)``, ``hi = ceil(t)`` and
``d = t - lo`` in double precision; those depend on one axis only, so they are computed once per
row and once per column instead of once per pixel. Reads outside the image go to a zero border
(:func:`zero_padded`), which is skimage's ``cval = 0``.

The kernels work a row at a time, sample by sample (:func:`_row_texture`): along a row ``lo - x``
is the same for every column (the offsets have 5 decimals, far above the rounding of ``x +
offset``; :func:`column_steps` checks it), so each sample reads contiguous slices of two padded
rows and the loop over the columns vectorises. Every value is still computed with skimage's
operations in skimage's order, so the codes stay bit-exact.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit

# Method codes, in the order of radfeat.features.lbp.METHODS.
DEFAULT, ROR, UNIFORM, NRI_UNIFORM, VAR = 0, 1, 2, 3, 4


def sample_offsets(P, R):
    """Row and column offsets of the ``P`` circle samples, exactly as scikit-image builds them.

    scikit-image's Cython signature takes ``R`` as a C ``float``, so the radius is rounded to
    float32 first; the offsets are then rounded to 5 decimals (``np.round(., 5)``), which makes
    the samples of R = 1 land exactly on pixel centres where sin/cos are 0 or 1.
    """
    R = float(np.float32(R))
    rr = - R * np.sin(2 * np.pi * np.arange(P, dtype=np.double) / P)
    cc = R * np.cos(2 * np.pi * np.arange(P, dtype=np.double) / P)
    return np.round(rr, 5), np.round(cc, 5)


def n_bins(P, method, var_bins):
    """Histogram length of a method: the codes run over ``0 .. n_bins - 1``."""
    if method in (DEFAULT, ROR):
        return 1 << P
    if method == UNIFORM:
        return P + 2
    if method == NRI_UNIFORM:
        return P * (P - 1) + 3
    return var_bins


@jit
def pad_width(rp, cp):
    """Zero border wide enough for every floor/ceil of a sample position."""
    m = 0.0
    for i in range(rp.shape[0]):
        m = max(m, abs(rp[i]), abs(cp[i]))
    return int(np.ceil(m)) + 1


@jit
def axis_table(n, offsets, pad):
    """``(lo + pad, hi + pad, d, 1 - d)`` of ``t = x + offsets[i]`` for ``x < n``, as skimage.

    Returns ``lo`` and ``hi`` as int64 ``(n, P)`` and ``d``, ``1 - d`` as float64 ``(n, P)``.
    """
    P = offsets.shape[0]
    lo = np.empty((n, P), dtype=np.int64)
    hi = np.empty((n, P), dtype=np.int64)
    d = np.empty((n, P), dtype=np.float64)
    d1 = np.empty((n, P), dtype=np.float64)
    for x in range(n):
        for i in range(P):
            t = x + offsets[i]
            a = np.floor(t)
            lo[x, i] = int(a) + pad
            hi[x, i] = int(np.ceil(t)) + pad
            d[x, i] = t - a
            d1[x, i] = 1 - d[x, i]
    return lo, hi, d, d1


@jit
def column_steps(lo, hi, d, d1):
    """Column tables of :func:`axis_table` as ``(lo - x, hi - x)`` per sample and ``(P, n)`` weights.

    Raises ValueError if ``lo - x`` were not constant along the axis (it is, for any image that
    fits in memory: see the module notes).
    """
    n, P = lo.shape
    lo_off = np.empty(P, dtype=np.int64)
    hi_off = np.empty(P, dtype=np.int64)
    dt = np.empty((P, n))
    d1t = np.empty((P, n))
    for i in range(P):
        lo_off[i] = lo[0, i]
        hi_off[i] = hi[0, i]
        for x in range(n):
            if lo[x, i] - x != lo_off[i] or hi[x, i] - x != hi_off[i]:
                raise ValueError("lbp: sample offsets are not constant along a row")
            dt[i, x] = d[x, i]
            d1t[i, x] = d1[x, i]
    return lo_off, hi_off, dt, d1t


@jit
def zero_padded(image, pad, buf):
    """Copy ``image`` (2D) into the middle of ``buf`` and zero its border."""
    buf[:, :] = 0.0
    h, w = image.shape
    for r in range(h):
        for c in range(w):
            buf[r + pad, c + pad] = image[r, c]


@jit
def _row_texture(padded, r, w, rows, cols, tex):
    # the P samples of the first w pixels of row r into tex (P, >= w): skimage's
    # bilinear_interpolation, term by term and in its order, one sample at a time
    rlo, rhi, rd, rd1 = rows
    lo_off, hi_off, cd, cd1 = cols
    for i in range(tex.shape[0]):
        ra = padded[rlo[r, i]]
        rb = padded[rhi[r, i]]
        e = lo_off[i]
        f = hi_off[i]
        a_e = ra[e:e + w]
        a_f = ra[f:f + w]
        b_e = rb[e:e + w]
        b_f = rb[f:f + w]
        wa = rd1[r, i]
        wb = rd[r, i]
        d = cd[i]
        d1 = cd1[i]
        t = tex[i]
        for c in range(w):
            top = d1[c] * a_e[c] + d[c] * a_f[c]
            bottom = d1[c] * b_e[c] + d[c] * b_f[c]
            t[c] = wa * top + wb * bottom


@jit
def _code(texture, centre, method, signed):
    # one pixel's code, exactly as scikit-image's _local_binary_pattern
    P = texture.shape[0]
    for i in range(P):
        signed[i] = 1 if texture[i] - centre >= 0 else 0
    if method == VAR:
        s = 0.0
        v = 0.0
        for i in range(P):
            s += texture[i]
            v += texture[i] * texture[i]
        v = (v - (s * s) / P) / P
        return v if v != 0 else np.nan
    if method == UNIFORM or method == NRI_UNIFORM:
        # changes are counted along the chain, not round it: for a closed circle the two
        # counts agree on "at most 2" because a circular count is always even
        changes = 0
        for i in range(P - 1):
            changes += signed[i] != signed[i + 1]
        if method == UNIFORM:
            if changes <= 2:
                ones = 0
                for i in range(P):
                    ones += signed[i]
                return float(ones)
            return float(P + 1)
        if changes > 2:
            return float(P * (P - 1) + 2)
        ones = 0
        first_one = -1
        first_zero = -1
        for i in range(P):
            if signed[i]:
                ones += 1
                if first_one == -1:
                    first_one = i
            elif first_zero == -1:
                first_zero = i
        if ones == 0:
            return 0.0
        if ones == P:
            return float(P * (P - 1) + 1)
        rot = ones - first_zero if first_one == 0 else P - first_one
        return float(1 + (ones - 1) * P + rot)
    code = 0
    for i in range(P):
        code += signed[i] << i
    if method == ROR:
        # the smallest of the P right rotations (scikit-image's rotation chain)
        best = code
        cur = code
        for i in range(1, P):
            cur = (cur >> 1) | ((cur & 1) << (P - 1))
            best = min(best, cur)
        code = best
    return float(code)


@jit
def _row_codes(tex, centre, w, method, work, signed, column, out):
    # codes of the first w pixels of a row from its samples; uniform (the family's method) is
    # vectorised over the row, the other methods go pixel by pixel through _code
    P = tex.shape[0]
    if method == UNIFORM:
        ones = work[0]
        changes = work[1]
        prev = work[2]
        for c in range(w):
            s = np.int64(tex[0, c] - centre[c] >= 0)
            ones[c] = s
            changes[c] = 0
            prev[c] = s
        for i in range(1, P):
            t = tex[i]
            for c in range(w):
                s = np.int64(t[c] - centre[c] >= 0)
                changes[c] += np.int64(s != prev[c])
                ones[c] += s
                prev[c] = s
        for c in range(w):
            out[c] = float(ones[c]) if changes[c] <= 2 else float(P + 1)
        return
    for c in range(w):
        for i in range(P):
            column[i] = tex[i, c]
        out[c] = _code(column, centre[c], method, signed)


@jit
def _buffers(h, w, P, pad):
    # padded image, samples, uniform work rows, one row of codes, _code's bits and column
    return (np.empty((h + 2 * pad, w + 2 * pad)), np.empty((P, w)), np.empty((3, w), dtype=np.int64),
            np.empty(w), np.empty(P, dtype=np.int64), np.empty(P))


@jit
def _tables(h, w, rp, cp, pad):
    rows = axis_table(h, rp, pad)
    clo, chi, cd, cd1 = axis_table(w, cp, pad)
    return rows, column_steps(clo, chi, cd, cd1)


@jit
def lbp_image(image, rp, cp, method):
    """LBP codes of every pixel of a 2D float64 ``image`` (``skimage.feature.local_binary_pattern``)."""
    h, w = image.shape
    pad = pad_width(rp, cp)
    rows, cols = _tables(h, w, rp, cp, pad)
    padded, tex, work, _, signed, column = _buffers(h, w, rp.shape[0], pad)
    zero_padded(image, pad, padded)
    out = np.empty((h, w))
    for r in range(h):
        _row_texture(padded, r, w, rows, cols, tex)
        _row_codes(tex, image[r], w, method, work, signed, column, out[r])
    return out


@jit
def _masked_codes(image, mask, pad, rows, cols, method, bufs, codes):
    # codes of the ROI pixels only, in C order; returns how many were written
    padded, tex, work, row, signed, column = bufs
    h, w = image.shape
    zero_padded(image, pad, padded[:h + 2 * pad, :w + 2 * pad])
    n = 0
    for r in range(h):
        if not mask[r].any():
            continue
        _row_texture(padded, r, w, rows, cols, tex)
        _row_codes(tex, image[r], w, method, work, signed, column, row)
        for c in range(w):
            if mask[r, c]:
                codes[n] = row[c]
                n += 1
    return n


@jit
def masked_codes(image, mask, rp, cp, method):
    """LBP codes of the ROI pixels of ``image`` (C order), computed on the whole 2D array."""
    h, w = image.shape
    pad = pad_width(rp, cp)
    rows, cols = _tables(h, w, rp, cp, pad)
    codes = np.empty(h * w)
    n = _masked_codes(image, mask, pad, rows, cols, method, _buffers(h, w, rp.shape[0], pad), codes)
    return codes[:n]


@jit
def histogram_features(codes, nbins, out):
    """``out[:nbins]`` = histogram of integer ``codes`` normalised to sum 1, then entropy, energy.

    Entropy is ``-sum p log2 p`` over the non-empty bins, energy ``sum p^2``.
    """
    out[:] = 0.0
    n = codes.shape[0]
    for k in range(n):
        out[int(codes[k])] += 1.0
    entropy = 0.0
    energy = 0.0
    for b in range(nbins):
        p = out[b] / n
        out[b] = p
        if p > 0.0:
            entropy -= p * np.log2(p)
        energy += p * p
    out[nbins] = entropy
    out[nbins + 1] = energy


@jit
def _box(mask):
    # bounding box (r0, r1, c0, c1), half-open; r1 == 0 for an empty mask
    h, w = mask.shape
    r0, r1, c0, c1 = h, 0, w, 0
    for r in range(h):
        for c in range(w):
            if mask[r, c]:
                r0 = min(r0, r)
                r1 = max(r1, r + 1)
                c0 = min(c0, c)
                c1 = max(c1, c + 1)
    return r0, r1, c0, c1


@jit
def lbp_batch(images, masks, rp, cp, method, nbins, out):
    """Histogram features of each ``(H, W)`` image of ``images`` ``(N, H, W)`` into ``out``.

    Each image is first cropped to its ROI's bounding box, as the extractor crops a case, so a
    row equals the single-image path on that ROI. Empty ROIs give NaN rows. Integer methods only.
    """
    N, H, W = images.shape
    pad = pad_width(rp, cp)
    # the tables depend on the coordinate only, so the full-size ones serve every crop
    rows, cols = _tables(H, W, rp, cp, pad)
    bufs = _buffers(H, W, rp.shape[0], pad)
    codes = np.empty(H * W)
    for k in range(N):
        r0, r1, c0, c1 = _box(masks[k])
        if r1 == 0:
            out[k, :] = np.nan
            continue
        n = _masked_codes(images[k, r0:r1, c0:c1], masks[k, r0:r1, c0:c1], pad, rows, cols, method, bufs,
                          codes)
        histogram_features(codes[:n], nbins, out[k])
