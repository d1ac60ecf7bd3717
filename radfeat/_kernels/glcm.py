"""GLCM kernels (private: arrays in, arrays out, no validation).

Layout (shared with the GLRLM kernels; offsets and cropping come from :mod:`._neighbours`):
images are 3D ``(nz, ny, nx)`` arrays ``q`` of *compact* grey-level indices (0 .. G-1 over the G
levels present in the ROI, -1 outside it; see :func:`._neighbours.compact_levels`), offsets have 3
components, and matrices are stored angle-first, ``(Na, G, G)``, so each angle is one contiguous
block; the public wrappers transpose to pyradiomics' ``(G, G, Na)``.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from ._neighbours import (NORM_NONE, angle_weights, chunk_range, compact_levels, nanmean_angles,
                          pad_angles_3d, roi_box_angles, sum_chunks, weighted_angle_sum)

#: Number of GLCM features, in the order of radfeat.features.glcm.FEATURES.
N_GLCM = 24

# pyradiomics' eps = numpy.spacing(1)
EPS = 2.220446049250313e-16

# The fast MCC path (symmetric eigenproblem without pyradiomics' eps) is trusted when its provable
# error bound on the second eigenvalue stays below this fraction of that eigenvalue.
_MCC_REL_BOUND = 1e-8

# Second eigenvalues below this are rounding noise around an exact 0 (Q's largest eigenvalue is 1).
_MCC_ZERO = 1e-13

# Entropy sums: log2(1 + t) is replaced by its series (t - t^2/2) / ln 2 for t <= _SPLIT_T, where
# the t^3/3 left out is below 1e-19, i.e. for px py >= _SERIES_MIN; _MEMO cells remember the last
# p log2(p + eps) they computed (see _angle_features).
_SPLIT_T = 1e-6
_SERIES_MIN = EPS / _SPLIT_T
_INV_LN2 = 1.4426950408889634
_MEMO_BITS = 8
_MEMO = 1 << _MEMO_BITS
_MEMO_SCALE = 2.0 ** 60
_MEMO_MUL = np.uint64(0x9E3779B97F4A7C15)
_MEMO_SHIFT = np.uint64(64 - _MEMO_BITS)


# ------------------------------------------------------------------------------- accumulation

# Counts are gathered in int32 histograms (one add per pair instead of a float read-modify-write)
# and moved to the float matrices before this many pairs could overflow them.
_FLUSH = 1 << 30

# _normalize_hist tabulates count / total for the counts below this
_QUOT = 64


@jit
def _row_spans(q):
    """First and past-the-last ROI column ``(first, last)`` of every row of ``q``.

    Rows are the flattened ``(z, y)`` pairs; a row without ROI voxels gets the empty span
    ``(nx, nx)``. Columns outside a row's span hold -1, so no pair there is ever counted.
    """
    nz, ny, nx = q.shape
    flat = q.ravel()
    n_rows = nz * ny
    first = np.empty(n_rows, dtype=np.int64)
    last = np.empty(n_rows, dtype=np.int64)
    for r in range(n_rows):
        row = flat[r * nx:(r + 1) * nx]
        f = 0
        while f < nx and row[f] < 0:
            f += 1
        t = nx
        while t > f and row[t - 1] < 0:
            t -= 1
        first[r] = f
        last[r] = t
    return first, last


@jit
def _count_pairs(q, dz, dy, dx, first, last, row0, row1, hist, g1):
    """Add the pairs ``(v, v + (dz, dy, dx))`` of rows ``row0 .. row1 - 1`` to ``hist``.

    ``hist`` is a flat ``g1 x g1`` integer histogram, ``g1 = G + 1``, whose row and column 0
    stand for "outside the ROI": cell ``(i + 1, j + 1)`` counts the pairs of compact levels
    ``(i, j)``. ``first``/``last`` are the rows' ROI spans (:func:`_row_spans`).
    """
    # Rows are the flattened (z, y) pairs, so the same loop splits 2D and 3D work into chunks;
    # only rows whose neighbour row exists are visited (nested loops, no division per row).
    # Per row only the columns where both the voxel and its neighbour lie within their rows'
    # ROI spans are visited; holes inside a span (-1) land in row/column 0, which keeps the inner
    # loop free of branches. Slices starting at the span give it non-negative indices (no
    # wrap-around checks), which it needs to run fast.
    nz, ny, nx = q.shape
    flat = q.ravel()
    dr = dz * ny + dy
    step = dr * nx + dx
    y_lo = max(0, -dy)
    y_hi = min(ny, ny - dy)
    for z in range(max(0, -dz, row0 // ny), min(nz, nz - dz, (row1 + ny - 1) // ny)):
        base = z * ny
        for r in range(base + max(y_lo, row0 - base), base + min(y_hi, row1 - base)):
            x0 = max(first[r], first[r + dr] - dx)
            x1 = min(last[r], last[r + dr] - dx)
            if x1 <= x0:
                continue
            n = x1 - x0
            s = r * nx + x0
            src = flat[s:s + n]
            nb = flat[s + step:s + step + n]
            for k in range(n):
                hist[np.uint64((src[k] + 1) * g1 + nb[k] + 1)] += 1


@jit
def _accumulate_rows(q, angles, first, last, row0, row1, out):
    # Counts go to an int32 histogram (an integer add per pair instead of a float
    # read-modify-write), moved to the float matrices after at most _FLUSH pairs.
    nx = q.shape[2]
    g = out.shape[1]
    g1 = g + 1
    hist = np.zeros(g1 * g1, dtype=np.int32)
    rows_per_flush = max(1, _FLUSH // max(nx, 1))
    for a in range(angles.shape[0]):
        out_a = out[a]
        for r0 in range(row0, row1, rows_per_flush):
            _count_pairs(q, angles[a, 0], angles[a, 1], angles[a, 2], first, last, r0,
                         min(r0 + rows_per_flush, row1), hist, g1)
            for i in range(g):
                h = hist[(i + 1) * g1 + 1:(i + 2) * g1]
                o = out_a[i]
                for j in range(g):
                    o[j] += h[j]
            hist[:] = 0


@jit
def glcm_accumulate(q, angles, n_gray):
    """Raw (asymmetric) co-occurrence counts ``(Na, G, G)``: pyradiomics' C ``calculate_glcm``."""
    out = np.zeros((angles.shape[0], n_gray, n_gray))
    first, last = _row_spans(q)
    _accumulate_rows(q, angles, first, last, 0, q.shape[0] * q.shape[1], out)
    return out


@pjit
def glcm_accumulate_parallel(q, angles, n_gray, n_chunks):
    """Like :func:`glcm_accumulate`, with ``n_chunks`` per-thread partial matrices summed at the end."""
    n_rows = q.shape[0] * q.shape[1]
    first, last = _row_spans(q)
    part = np.zeros((n_chunks, angles.shape[0], n_gray, n_gray))
    for c in prange(n_chunks):
        row0, row1 = chunk_range(0, n_rows, c, n_chunks)
        _accumulate_rows(q, angles, first, last, row0, row1, part[c])
    return sum_chunks(part)


@jit
def _normalize_counts(counts, symmetric):
    # glcm_normalize without weights, in one pass: the counts are integers, so the sum of the
    # symmetrised matrix is exactly twice theirs and every cell gets the same bits as before.
    # A symmetrised cell and its mirror are the same sum, so each is divided once.
    na, g, _ = counts.shape
    totals = np.empty(na)
    n_keep = 0
    for a in range(na):
        t = 0.0
        for i in range(g):
            for j in range(g):
                t += counts[a, i, j]
        totals[a] = 2.0 * t if symmetric else t
        if totals[a] != 0 or na == 1:
            n_keep += 1
    out = np.empty((n_keep, g, g))
    k = 0
    for a in range(na):
        if totals[a] != 0 or na == 1:
            total = totals[a] if totals[a] != 0 else np.nan
            c = counts[a]
            o = out[k]
            if symmetric:
                for i in range(g):
                    for j in range(i, g):
                        s = (c[i, j] + c[j, i]) / total
                        o[i, j] = s
                        o[j, i] = s
            else:
                for i in range(g):
                    for j in range(g):
                        o[i, j] = c[i, j] / total
            k += 1
    return out


@jit
def _normalize_hist(hist, g, symmetric):
    # _normalize_counts of the (Na, (G + 1)^2) integer histograms of _count_pairs: the same
    # integers, so the same totals and cells, without the float count matrices in between.
    # Small ROIs have small counts: their quotients come from a table (the same divisions).
    na = hist.shape[0]
    g1 = g + 1
    quot = np.empty(_QUOT)
    totals = np.empty(na)
    n_keep = 0
    for a in range(na):
        t = 0
        for i in range(g):
            h = hist[a, (i + 1) * g1 + 1:(i + 2) * g1]
            for j in range(g):
                t += np.int64(h[j])
        totals[a] = 2.0 * t if symmetric else 1.0 * t
        if totals[a] != 0 or na == 1:
            n_keep += 1
    out = np.empty((n_keep, g, g))
    k = 0
    for a in range(na):
        if totals[a] != 0 or na == 1:
            total = totals[a] if totals[a] != 0 else np.nan
            for t in range(_QUOT):
                quot[t] = t / total
            c = hist[a]
            o = out[k]
            for i in range(g):
                ci = c[(i + 1) * g1 + 1:(i + 2) * g1]
                if symmetric:
                    for j in range(i, g):
                        n = np.int64(ci[j]) + np.int64(c[(j + 1) * g1 + i + 1])
                        v = quot[n] if n < _QUOT else n / total
                        o[i, j] = v
                        o[j, i] = v
                else:
                    oi = o[i]
                    for j in range(g):
                        n = np.int64(ci[j])
                        oi[j] = quot[n] if n < _QUOT else n / total
            k += 1
    return out


@jit
def glcm_normalize(counts, symmetric, weights, weighted):
    """Symmetrise, weight, drop empty angles and normalise, as pyradiomics' ``_calculateMatrix``.

    With ``weighted`` the angles are summed with ``weights`` into one matrix. Otherwise angles
    whose matrix is empty are dropped when there is more than one angle. A remaining empty matrix
    is divided by NaN (pyradiomics marks it so and its features become NaN).
    """
    na, g, _ = counts.shape
    if not weighted:
        return _normalize_counts(counts, symmetric)
    p = counts.copy()
    if symmetric:
        for a in range(na):
            for i in range(g):
                for j in range(i, g):
                    s = counts[a, i, j] + counts[a, j, i]
                    p[a, i, j] = s
                    p[a, j, i] = s
    if weighted:
        p = weighted_angle_sum(p, weights)
        na = 1
    sums = np.empty(na)
    n_keep = 0
    for a in range(na):
        sums[a] = p[a].sum()
        if sums[a] != 0 or na == 1:
            n_keep += 1
    out = np.empty((n_keep, g, g))
    k = 0
    for a in range(na):
        if sums[a] != 0 or na == 1:
            total = sums[a] if sums[a] != 0 else np.nan
            for i in range(g):
                for j in range(g):
                    out[k, i, j] = p[a, i, j] / total
            k += 1
    return out


# ----------------------------------------------------------------------------------- features


@jit
def _sym_eigvals(a):
    """Eigenvalues of the symmetric matrix ``a`` (overwritten): Householder + implicit QL."""
    n = a.shape[0]
    d = np.zeros(n)
    e = np.zeros(n)
    for i in range(n - 1, 0, -1):
        l = i - 1
        h = 0.0
        if l > 0:
            scale = 0.0
            for k in range(l + 1):
                scale += abs(a[i, k])
            if scale == 0.0:
                e[i] = a[i, l]
            else:
                for k in range(l + 1):
                    a[i, k] /= scale
                    h += a[i, k] * a[i, k]
                f = a[i, l]
                g = -math.sqrt(h) if f >= 0.0 else math.sqrt(h)
                e[i] = scale * g
                h -= f * g
                a[i, l] = f - g
                f = 0.0
                for j in range(l + 1):
                    g = 0.0
                    for k in range(j + 1):
                        g += a[j, k] * a[i, k]
                    for k in range(j + 1, l + 1):
                        g += a[k, j] * a[i, k]
                    e[j] = g / h
                    f += e[j] * a[i, j]
                hh = f / (h + h)
                for j in range(l + 1):
                    f = a[i, j]
                    g = e[j] - hh * f
                    e[j] = g
                    for k in range(j + 1):
                        a[j, k] -= f * e[k] + g * a[i, k]
        else:
            e[i] = a[i, l]
        d[i] = h
    for i in range(n):
        d[i] = a[i, i]
    for i in range(1, n):
        e[i - 1] = e[i]
    e[n - 1] = 0.0
    for l in range(n):
        for _ in range(100):
            m = l
            while m < n - 1:
                dd = abs(d[m]) + abs(d[m + 1])
                if abs(e[m]) <= 2.220446049250313e-16 * dd:
                    break
                m += 1
            if m == l:
                break
            g = (d[l + 1] - d[l]) / (2.0 * e[l])
            r = math.sqrt(g * g + 1.0)  # not hypot: slow, and entries here are O(1)
            g = d[m] - d[l] + e[l] / (g + (r if g >= 0.0 else -r))
            s = 1.0
            c = 1.0
            p = 0.0
            i = m - 1
            deflated = False
            while i >= l:
                f = s * e[i]
                b = c * e[i]
                r = math.sqrt(f * f + g * g)
                e[i + 1] = r
                if r == 0.0:
                    d[i + 1] -= p
                    e[m] = 0.0
                    deflated = True
                    break
                s = f / r
                c = g / r
                g = d[i + 1] - p
                r = (d[i] - g) * s + 2.0 * c * b
                p = s * r
                d[i + 1] = g + p
                g = c * r - b
                i -= 1
            if deflated:
                continue
            d[l] -= p
            e[l] = g
            e[m] = 0.0
    return d


@jit
def _second_largest(wr, wi, n_extra_zeros):
    # numpy sorts complex eigenvalues lexicographically (real, then imaginary part).
    b1r = -np.inf
    b1i = -np.inf
    b2r = -np.inf
    b2i = -np.inf
    for k in range(wr.shape[0] + n_extra_zeros):
        vr = wr[k] if k < wr.shape[0] else 0.0
        vi = wi[k] if k < wr.shape[0] else 0.0
        if vr > b1r or (vr == b1r and vi > b1i):
            b2r, b2i = b1r, b1i
            b1r, b1i = vr, vi
        elif vr > b2r or (vr == b2r and vi > b2i):
            b2r, b2i = vr, vi
    return b2r, b2i


@jit
def _mcc_exact(p, px, py):
    """Second eigenvalue of pyradiomics' Q (eps included) with LAPACK's general solver.

    Returns ``(re, im, is_complex)``; ``is_complex`` tells whether numpy would have returned a
    complex eigenvalue array, which changes how pyradiomics takes the square root.
    """
    g = p.shape[0]
    q = np.zeros((g, g))
    for k in range(g):
        for i in range(g):
            if p[i, k] == 0.0:
                continue
            c = p[i, k] / (px[i] * py[k] + EPS)
            for j in range(g):
                q[i, j] += c * p[j, k]
    wr = np.empty(g)
    wi = np.empty(g)
    is_complex = False
    try:
        w = np.linalg.eigvals(q)
        for k in range(g):
            wr[k] = w[k].real
            wi[k] = w[k].imag
            if wi[k] != 0.0:
                is_complex = True
    except Exception:  # numba refuses a real -> complex result; numpy would go complex
        wc = np.linalg.eigvals(q.astype(np.complex128))
        for k in range(g):
            wr[k] = wc[k].real
            wi[k] = wc[k].imag
        is_complex = True
    re, im = _second_largest(wr, wi, 0)
    return re, im, is_complex


@jit
def _tridiagonalize(a):
    """Householder reduction of the symmetric matrix ``a`` (overwritten) to tridiagonal form.

    Returns the diagonal ``d`` and the off-diagonal ``e`` (``e[k]`` couples ``k`` and ``k + 1``;
    ``e[n - 1] = 0``). Full storage, so every inner loop is a plain (vectorisable) row update.
    """
    n = a.shape[0]
    d = np.zeros(n)
    e = np.zeros(n)
    v = np.empty(n)
    p = np.empty(n)
    w = np.empty(n)
    for k in range(n - 2):
        d[k] = a[k, k]
        s = 0.0
        for i in range(k + 2, n):
            s += a[i, k] * a[i, k]
        x0 = a[k + 1, k]
        if s == 0.0:  # already tridiagonal in this column
            e[k] = x0
            continue
        norm = math.sqrt(x0 * x0 + s)
        alpha = -norm if x0 >= 0.0 else norm
        v0 = x0 - alpha
        beta = 2.0 / (v0 * v0 + s)
        m = n - k - 1
        o = k + 1
        v[0] = v0
        for i in range(1, m):
            v[i] = a[o + i, k]
        for i in range(m):
            p[i] = 0.0
        for j in range(m):  # p = beta * A22 v, row by row (A22 is symmetric)
            bj = beta * v[j]
            row = a[o + j]
            for i in range(m):
                p[i] += bj * row[o + i]
        pv = 0.0
        for i in range(m):
            pv += p[i] * v[i]
        half = 0.5 * beta * pv
        for i in range(m):
            w[i] = p[i] - half * v[i]
        for i in range(m):  # A22 -= v w^T + w v^T
            vi = v[i]
            wi = w[i]
            row = a[o + i]
            for j in range(m):
                row[o + j] -= vi * w[j] + wi * v[j]
        e[k] = alpha
    if n >= 2:
        d[n - 2] = a[n - 2, n - 2]
        e[n - 2] = a[n - 1, n - 2]
    d[n - 1] = a[n - 1, n - 1]
    return d, e


@jit
def _laguerre_max(d, e2, lo, hi, x, tol):
    """Largest eigenvalue of the unreduced tridiagonal block ``lo..hi`` by Laguerre's method.

    ``e2`` holds the squared off-diagonals. The characteristic polynomial has only real roots,
    so Laguerre's iteration started at ``x`` above the spectrum decreases monotonically to the
    largest root (cubically near it); ``p, p', p''`` come from the three-term recurrence, rescaled
    by powers of ten that leave the ratios ``p'/p``, ``p''/p`` unchanged. Stops once a step is
    below ``tol``; NaN if it has not after 100 iterations.
    """
    m = hi - lo + 1
    if m == 1:
        return d[lo]
    for _ in range(100):
        p0 = 1.0
        p1 = d[lo] - x
        dp0 = 0.0
        dp1 = -1.0
        ddp0 = 0.0
        ddp1 = 0.0
        for i in range(lo + 1, hi + 1):
            a = d[i] - x
            b = e2[i - 1]
            p2 = a * p1 - b * p0
            dp2 = a * dp1 - p1 - b * dp0
            ddp2 = a * ddp1 - 2.0 * dp1 - b * ddp0
            p0 = p1
            p1 = p2
            dp0 = dp1
            dp1 = dp2
            ddp0 = ddp1
            ddp1 = ddp2
            ap = abs(p1)
            if ap > 1e100 or (ap < 1e-100 and ap > 0.0):
                f = 1e-100 if ap > 1e100 else 1e100
                p0 *= f
                p1 *= f
                dp0 *= f
                dp1 *= f
                ddp0 *= f
                ddp1 *= f
        x, done = _laguerre_step(x, p1, dp1, ddp1, m, tol)
        if done:
            return x
    return np.nan


@jit
def _laguerre_step(x, p, dp, ddp, m, tol):
    # One step of _laguerre_max from x, given p, p', p'' there: (next x, finished).
    if p == 0.0:
        return x, True
    g = dp / p
    rad = (m - 1) * (m * (g * g - ddp / p) - g * g)
    root = math.sqrt(rad) if rad > 0.0 else 0.0
    den = g + root if g >= 0.0 else g - root
    if den == 0.0:
        return x, True
    step = m / den
    xn = x - step
    if not xn < x:  # rounding noise at the root
        return x, True
    if step <= tol:
        return xn, True
    return xn, False


@jit
def _laguerre_both(d, e2, lo, hi, x, y, tol):
    """``_laguerre_max`` of the block from ``x`` and of its negation from ``y``, side by side.

    The two recurrences are independent, so evaluating them in one loop lets each run in the
    other's latency; every step of each is the one :func:`_laguerre_max` takes.
    """
    m = hi - lo + 1
    if m == 1:
        return d[lo], -d[lo]
    done_x = False
    done_y = False
    for _ in range(100):
        p0 = 1.0
        p1 = d[lo] - x
        dp0 = 0.0
        dp1 = -1.0
        ddp0 = 0.0
        ddp1 = 0.0
        q0 = 1.0
        q1 = -d[lo] - y
        dq0 = 0.0
        dq1 = -1.0
        ddq0 = 0.0
        ddq1 = 0.0
        for i in range(lo + 1, hi + 1):
            b = e2[i - 1]
            a = d[i] - x
            p2 = a * p1 - b * p0
            dp2 = a * dp1 - p1 - b * dp0
            ddp2 = a * ddp1 - 2.0 * dp1 - b * ddp0
            p0 = p1
            p1 = p2
            dp0 = dp1
            dp1 = dp2
            ddp0 = ddp1
            ddp1 = ddp2
            c = -d[i] - y
            q2 = c * q1 - b * q0
            dq2 = c * dq1 - q1 - b * dq0
            ddq2 = c * ddq1 - 2.0 * dq1 - b * ddq0
            q0 = q1
            q1 = q2
            dq0 = dq1
            dq1 = dq2
            ddq0 = ddq1
            ddq1 = ddq2
            ap = abs(p1)
            if ap > 1e100 or (ap < 1e-100 and ap > 0.0):
                f = 1e-100 if ap > 1e100 else 1e100
                p0 *= f
                p1 *= f
                dp0 *= f
                dp1 *= f
                ddp0 *= f
                ddp1 *= f
            aq = abs(q1)
            if aq > 1e100 or (aq < 1e-100 and aq > 0.0):
                f = 1e-100 if aq > 1e100 else 1e100
                q0 *= f
                q1 *= f
                dq0 *= f
                dq1 *= f
                ddq0 *= f
                ddq1 *= f
        if not done_x:
            x, done_x = _laguerre_step(x, p1, dp1, ddp1, m, tol)
        if not done_y:
            y, done_y = _laguerre_step(y, q1, dq1, ddq1, m, tol)
        if done_x and done_y:
            return x, y
    return (x if done_x else np.nan), (y if done_y else np.nan)


@jit
def _extremes(d, e, want_low):
    # _tridiagonal_extremes; without want_low only the largest eigenvalue is sought (vmin = inf)
    n = d.shape[0]
    e2 = np.empty(n)
    up = -np.inf
    dn = np.inf
    for i in range(n):
        r = (abs(e[i]) if i < n - 1 else 0.0) + (abs(e[i - 1]) if i > 0 else 0.0)
        up = max(up, d[i] + r)
        dn = min(dn, d[i] - r)
        e2[i] = e[i] * e[i]
    scale = max(abs(up), abs(dn))
    tol = 2.0 * EPS * scale
    margin = 1e-12 * scale + 1e-300
    vmin = np.inf
    vmax = -np.inf
    lo = 0
    for i in range(n):
        if i == n - 1 or abs(e[i]) <= EPS * (abs(d[i]) + abs(d[i + 1])):
            if want_low:
                top, bottom = _laguerre_both(d, e2, lo, i, up + margin, margin - dn, tol)
                bottom = -bottom
            else:
                top = _laguerre_max(d, e2, lo, i, up + margin, tol)
                bottom = np.inf
            if top != top or bottom != bottom:
                return np.nan, np.nan
            vmax = max(vmax, top)
            vmin = min(vmin, bottom)
            lo = i + 1
    return vmin, vmax


@jit
def _tridiagonal_extremes(d, e):
    """Smallest and largest eigenvalue of the symmetric tridiagonal ``(d, e)``.

    The matrix is split where an off-diagonal is negligible (blocks are unreduced, so their
    roots are simple) and each block's extremes are found by Laguerre's method on the block and
    on its negation (:func:`_laguerre_both`), from just outside the Gershgorin bounds, to an
    absolute precision of a few ulps of the matrix norm. NaN when an iteration failed to converge.
    """
    return _extremes(d, e, True)


@jit
def _mcc_lambda2(p, px, py, symmetric):
    """Second largest eigenvalue of ``Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)``.

    Without eps, Q is similar to ``A A^T`` with ``A = Dx^-1/2 P Dy^-1/2`` (``A`` itself is
    symmetric for a symmetric GLCM), whose largest eigenvalue is 1 with eigenvector
    ``u = sqrt(px)`` (``A sqrt(py) = sqrt(px)``). Deflating it leaves the wanted eigenvalue as the
    extreme one: the spectral radius squared of ``A - u u^T`` (symmetric GLCM), or the largest
    eigenvalue of ``A A^T - u u^T``, found by a Householder reduction and Laguerre's method in
    O(G^3) without LAPACK. With eps, Q is similar to ``(A - A o D) A^T`` where ``D(i, k) <=
    eps / (px(i) py(k))``, so (Bauer-Fike, ``A A^T`` symmetric and ``||A||_2 = 1``) its eigenvalues
    move by at most ``||A o D||_F``; when that bound is not negligible (huge ROIs with rare levels,
    or a vanishing second eigenvalue) the exact pyradiomics Q is solved instead. Returns
    ``(re, im, is_complex)`` as :func:`_mcc_exact`.
    """
    g = p.shape[0]
    nr = 0
    nc = 0
    for i in range(g):
        if px[i] > 0.0:
            nr += 1
        if py[i] > 0.0:
            nc += 1
    if nr < 2 or nc < 2:
        return _mcc_exact(p, px, py)
    rows = np.empty(nr, dtype=np.int64)
    cols = np.empty(nc, dtype=np.int64)
    u = np.empty(nr)
    rx = np.empty(nr)
    ry = np.empty(nc)
    r = 0
    c = 0
    for i in range(g):
        if px[i] > 0.0:
            rows[r] = i
            u[r] = math.sqrt(px[i])
            rx[r] = 1.0 / u[r]
            r += 1
        if py[i] > 0.0:
            cols[c] = i
            ry[c] = 1.0 / math.sqrt(py[i])
            c += 1
    # A, deflated by u u^T in the same pass for a symmetric GLCM (whose rows and columns are the
    # same levels), and the squares of A(i, k) / (px(i) py(k)) = ||A o D||_F^2 / eps^2 at D's
    # bound, gathered per column so that every pass over a row is a plain vectorisable update.
    deflate = symmetric and nr == nc
    uc = u if deflate else np.zeros(nc)
    ry3 = np.empty(nc)
    for c in range(nc):
        ry3[c] = ry[c] * ry[c] * ry[c]
    a = np.empty((nr, nc))
    sq = np.zeros(nc)
    for r in range(nr):
        prow = p[rows[r]]
        ar = a[r]
        rxr = rx[r]
        rxr3 = rxr * rxr * rxr
        ur = u[r]
        if nc == g:
            for c in range(nc):
                v = prow[c]
                ar[c] = v * rxr * ry[c] - ur * uc[c]
                y = v * rxr3 * ry3[c]
                sq[c] += y * y
        else:
            for c in range(nc):
                v = prow[cols[c]]
                ar[c] = v * rxr * ry[c] - ur * uc[c]
                y = v * rxr3 * ry3[c]
                sq[c] += y * y
    err2 = 0.0
    for c in range(nc):
        err2 += sq[c]
    if deflate:
        d, e = _tridiagonalize(a)
        lo, hi = _extremes(d, e, True)
        rho = max(hi, -lo)
        lam2 = rho * rho
    else:
        # S = A A^T - u u^T row by row as sums of rows of A^T: vectorisable, and each entry is
        # still summed over k in order, so S comes out exactly symmetric
        at = np.empty((nc, nr))
        for r in range(nr):
            for c in range(nc):
                at[c, r] = a[r, c]
        s = np.zeros((nr, nr))
        for i in range(nr):
            si = s[i]
            ai = a[i]
            for k in range(nc):
                aik = ai[k]
                if aik != 0.0:
                    atk = at[k]
                    for j in range(nr):
                        si[j] += aik * atk[j]
            ui = u[i]
            for j in range(nr):
                si[j] -= ui * u[j]
        d, e = _tridiagonalize(s)
        lo, hi = _extremes(d, e, False)
        lam2 = hi
    if lam2 > 0.0 and EPS * math.sqrt(err2) <= _MCC_REL_BOUND * lam2:
        return lam2, 0.0, False
    return _mcc_exact(p, px, py)


@jit
def _plogp_eps(x, lg, rx):
    # x log2(x + eps) from lg = log2(x) and rx = 1 / x: log2(1 + t), t = eps / x, by its series
    if x == 0.0:
        return 0.0
    t = EPS * rx
    if t <= _SPLIT_T:
        return x * lg + EPS * _INV_LN2 * (1.0 - 0.5 * t)
    return x * math.log2(x + EPS)


@jit
def _sum_diff_features(p_sum, p_diff, ng, ux, uy, out):
    """Features of ``p_{x-y}`` and ``p_{x+y}`` (slots 1-4, 6-12, 15, 21, 22).

    The cluster moments and Contrast depend on ``i + j`` or ``|i - j|`` only, so they are
    summed over these distributions instead of over the cells. Empty bins add exactly zero.
    """
    da = de = idf = idm = idmn = idn = inv = contrast = 0.0
    for k in range(ng):
        v = p_diff[k]
        if v == 0.0:
            continue
        da += k * v
        de -= v * math.log2(v + EPS)
        idf += v / (1.0 + k)
        idm += v / (1.0 + k * k)
        idmn += v / (1.0 + (k * k) / (ng * ng))
        idn += v / (1.0 + k / ng)
        if k > 0:
            inv += v / (k * k)
            contrast += v * k * k
    dv = 0.0
    for k in range(ng):
        dv += p_diff[k] * (k - da) * (k - da)
    sa = se = cp = cs = ct = 0.0
    for k in range(2 * ng - 1):
        v = p_sum[k]
        if v == 0.0:
            continue
        sa += (k + 2) * v
        se -= v * math.log2(v + EPS)
        t = (k + 2.0) - ux - uy
        t2 = t * t
        cp += v * t2 * t2
        cs += v * t2 * t
        ct += v * t2
    out[1] = cp
    out[2] = cs
    out[3] = ct
    out[4] = contrast
    out[6] = da
    out[7] = de
    out[8] = dv
    out[9] = idf
    out[10] = idm
    out[11] = idmn
    out[12] = idn
    out[15] = inv
    out[21] = sa
    out[22] = se


@jit
def _work_size(g, ng):
    # the float work space of _angle_features
    return 14 * g + 3 * ng


@jit
def _angle_features(p, gray, ng, symmetric, out, mcc, work, memo_v, memo_l):
    """:func:`glcm_angle_features` with its scratch arrays supplied.

    ``work`` holds :func:`_work_size` floats; ``memo_v``/``memo_l`` (``_MEMO`` floats, ``memo_v``
    set to -1 before first use) remember ``v log2(v + eps)`` of the cell values met so far, which
    stays valid from one matrix to the next.
    """
    g = p.shape[0]
    px = work[0:g]
    py = px if symmetric else work[g:2 * g]
    lx = work[2 * g:3 * g]
    ly = lx if symmetric else work[3 * g:4 * g]
    rx = work[4 * g:5 * g]
    ry = rx if symmetric else work[5 * g:6 * g]
    dy = work[6 * g:7 * g]
    colfast = work[7 * g:8 * g]
    # per-column sums over the rows (the cell sums below, one vectorisable pass per row)
    c_gx = work[8 * g:9 * g]      # sum_i i p(i, j)
    c_dx = work[9 * g:10 * g]     # sum_i (i - ux) p(i, j)
    c_rx = work[10 * g:11 * g]    # sum_i p(i, j) / px(i)      (rows in the series regime)
    c_rx2 = work[11 * g:12 * g]   # sum_i p(i, j) / px(i)^2    (idem)
    c_sq = work[12 * g:13 * g]    # sum_i p(i, j)^2
    c_max = work[13 * g:14 * g]   # max_i p(i, j)
    p_sum = work[14 * g:14 * g + 2 * ng - 1]     # p_{x+y}(k), k = 2 .. 2 Ng
    p_diff = work[14 * g + 2 * ng - 1:14 * g + 3 * ng - 1]   # p_{x-y}(k), k = 0 .. Ng - 1
    # Marginals, each summed in row-major cell order: py as column sums (one vectorisable pass
    # per row), px as row sums or, for a symmetric p (bitwise: both halves are the same sums), as
    # the column sums too.
    py[:] = 0.0
    for i in range(g):
        prow = p[i]
        for j in range(g):
            py[j] += prow[j]
    if not symmetric:
        for i in range(g):
            prow = p[i]
            s = 0.0
            for j in range(g):
                s += prow[j]
            px[i] = s
    ux = 0.0
    uy = 0.0
    for i in range(g):
        ux += gray[i] * px[i]
        uy += gray[i] * py[i]
    out[16] = ux
    mcc[:] = 0.0
    if ux != ux:  # a NaN-marked (empty) matrix: NaN everywhere, as numpy gives ...
        out[:N_GLCM] = np.nan
        if g == 1:  # ... except InverseVariance, which then sums no bin k >= 1 at all
            out[15] = 0.0
        mcc[3] = 1.0
        return
    # Entropies: log2(px py + eps) = log2(px) + log2(py) + log2(1 + t), t = eps / (px py), and
    # log2(1 + t) = (t - t^2/2) / ln 2 to within t^3 while t <= _SPLIT_T. Where that holds for a
    # whole row (px(i) times the smallest py at least _SERIES_MIN) HXY2 and the logarithms of
    # HXY1 separate into sums over rows and columns (HXY1's t terms go to column sums); other
    # rows are summed cell by cell as pyradiomics does.
    py_min = np.inf
    sy = ly_sum = ry_sum = 0.0
    ny_pos = 0
    for j in range(g):
        pj = py[j]
        dy[j] = gray[j] - uy
        colfast[j] = pj
        if pj > 0.0:
            lgj = math.log2(pj)
            ly[j] = lgj
            ry[j] = 1.0 / pj
            py_min = min(py_min, pj)
            sy += pj
            ly_sum += pj * lgj
            ry_sum += ry[j]
            ny_pos += 1
        else:
            ly[j] = 0.0
            ry[j] = 0.0
    if not symmetric:
        for i in range(g):
            if px[i] > 0.0:
                lx[i] = math.log2(px[i])
                rx[i] = 1.0 / px[i]
            else:
                lx[i] = 0.0
                rx[i] = 0.0
    work[8 * g:14 * g] = 0.0
    p_sum[:] = 0.0
    p_diff[:] = 0.0
    contiguous = gray[g - 1] - gray[0] == g - 1
    g0 = int(gray[0])
    h1_rows = h1_cells = h2_rows = h2_cells = 0.0
    for i in range(g):
        pxi = px[i]
        if pxi == 0.0:  # p >= 0: an empty row adds nothing anywhere
            continue
        prow = p[i]
        gi = gray[i]
        dxi = gi - ux
        # Zero cells go through as well: they add exactly zero everywhere, cheaper than a branch.
        if pxi * py_min >= _SERIES_MIN:
            rxi = rx[i]
            rxi2 = rxi * rxi
            for j in range(g):
                v = prow[j]
                c_gx[j] += gi * v
                c_dx[j] += dxi * v
                c_rx[j] += rxi * v
                c_rx2[j] += rxi2 * v
                c_sq[j] += v * v
                c_max[j] = max(c_max[j], v)
            h1_rows += pxi * lx[i]
            h2_rows += (pxi * lx[i] * sy + pxi * ly_sum
                        + EPS * (ny_pos - 0.5 * EPS * rxi * ry_sum) * _INV_LN2)
        else:
            lxi = lx[i]
            for j in range(g):
                v = prow[j]
                c_gx[j] += gi * v
                c_dx[j] += dxi * v
                c_sq[j] += v * v
                c_max[j] = max(c_max[j], v)
                pxy = pxi * py[j]
                if pxy >= _SERIES_MIN:
                    t = EPS / pxy
                    log_pxy = lxi + ly[j] + t * (1.0 - 0.5 * t) * _INV_LN2
                else:
                    log_pxy = math.log2(pxy + EPS)
                h2_cells += pxy * log_pxy
                h1_cells += v * log_pxy
                colfast[j] -= v
        # p_{x+y} and p_{x-y} (zero cells add +0); a symmetric p counts its upper half twice
        if contiguous and symmetric:
            s0 = int(gi) + g0 - 2
            p_sum[s0 + i] += prow[i]
            p_diff[0] += prow[i]
            m = g - i - 1
            ps = p_sum[s0 + i + 1:s0 + i + 1 + m]
            pd = p_diff[1:1 + m]
            pr = prow[i + 1:]
            for k in range(m):
                ps[k] += 2.0 * pr[k]
                pd[k] += 2.0 * pr[k]
        elif contiguous:
            ps = p_sum[int(gi) + g0 - 2:]
            for j in range(g):
                ps[j] += prow[j]
            pd = p_diff[:i + 1]
            for k in range(1, i + 1):
                pd[k] += prow[i - k]
            pd = p_diff[:g - i]
            pr = prow[i:]
            for k in range(g - i):
                pd[k] += pr[k]
        else:
            for j in range(g):
                v = prow[j]
                if v != 0.0:
                    p_sum[int(gi + gray[j]) - 2] += v
                    p_diff[int(abs(gi - gray[j]))] += v
    ac = corm = energy = maxp = h1_cols = c1 = c2 = 0.0
    for j in range(g):
        ac += gray[j] * c_gx[j]
        corm += dy[j] * c_dx[j]
        energy += c_sq[j]
        maxp = max(maxp, c_max[j])
        h1_cols += colfast[j] * ly[j]
        c1 += ry[j] * c_rx[j]
        c2 += ry[j] * ry[j] * c_rx2[j]
    # sum over the series rows of p t (1 - t/2), t = eps / (px py)
    h1_corr = EPS * c1 - 0.5 * EPS * EPS * c2
    hxy1 = -(h1_rows + h1_cols + h1_corr * _INV_LN2 + h1_cells)
    hxy2 = -(h2_rows + h2_cells)
    # HXY with v log2(v + eps) remembered per value: GLCMs of small ROIs hold a few distinct
    # values. Fibonacci hashing of the leading bits of v spreads the values count / total of a
    # matrix over the slots (their low decimal digits, say, collide all the time). The memo is
    # written out here, not called: a call passing the arrays costs more than the lookup. A
    # symmetric p needs its diagonal and upper half only.
    h_diag = 0.0
    h_rest = 0.0
    for i in range(g):
        prow = p[i]
        for j in range(i if symmetric else 0, g):
            v = prow[j]
            h = (np.uint64(v * _MEMO_SCALE) * _MEMO_MUL) >> _MEMO_SHIFT
            if memo_v[h] != v:
                memo_v[h] = v
                memo_l[h] = v * math.log2(v + EPS)
            if j == i:
                h_diag += memo_l[h]
            else:
                h_rest += memo_l[h]
    hxy = -(h_diag + 2.0 * h_rest) if symmetric else -(h_diag + h_rest)
    # A marginal on one grey level has no variance (Correlation 1), whatever the rounding of its
    # mean; the cell sums this replaces gave exactly 0 there.
    sx2 = 0.0
    hx = 0.0
    n_x = 0
    for i in range(g):
        d = gray[i] - ux
        sx2 += px[i] * d * d
        hx -= _plogp_eps(px[i], lx[i], rx[i])
        n_x += px[i] > 0.0
    if n_x < 2:
        sx2 = 0.0
    sy2 = sx2
    hy = hx
    if not symmetric:
        sy2 = 0.0
        hy = 0.0
        n_y = 0
        for j in range(g):
            d = gray[j] - uy
            sy2 += py[j] * d * d
            hy -= _plogp_eps(py[j], ly[j], ry[j])
            n_y += py[j] > 0.0
        if n_y < 2:
            sy2 = 0.0
    sig = math.sqrt(sx2) * math.sqrt(sy2)
    out[0] = ac
    out[5] = 1.0 if sig == 0.0 else corm / (sig + EPS)
    out[17] = energy
    out[18] = hxy
    out[19] = np.nan
    out[20] = maxp
    out[23] = sx2
    _sum_diff_features(p_sum, p_diff, ng, ux, uy, out)
    div = max(hx, hy)
    out[13] = (hxy - hxy1) / div if div != 0.0 else 0.0
    if hxy2 == hxy:
        out[14] = 0.0
    else:
        rad = 1.0 - math.exp(-2.0 * (hxy2 - hxy))
        out[14] = math.sqrt(rad) if rad >= 0.0 else np.nan  # numpy: x ** 0.5 of x < 0 is NaN
    if g >= 2:
        re, im, cplx = _mcc_lambda2(p, px, py, symmetric)
        mcc[0] = re
        mcc[1] = im
        mcc[2] = 1.0 if cplx else 0.0


@jit
def glcm_angle_features(p, gray, ng, symmetric, out, mcc):
    """All features of one normalised GLCM ``p`` (G x G) into ``out[:24]``.

    ``gray`` are the grey-level values of the rows (the formulas use these values, not the
    compact indices), ``ng`` the highest grey level. ``mcc`` receives the MCC ingredients
    ``(re, im, is_complex, is_nan)`` that :func:`combine_angles` needs; ``out[19]`` is left NaN.
    """
    work = np.empty(_work_size(p.shape[0], ng))
    memo_v = np.full(_MEMO, -1.0)
    memo_l = np.zeros(_MEMO)
    _angle_features(p, gray, ng, symmetric, out, mcc, work, memo_v, memo_l)


@jit
def combine_angles(per_angle, mcc, n_gray, out):
    """Mean over angles ignoring NaN (``numpy.nanmean``), with pyradiomics' MCC special cases.

    MCC is NaN when any matrix is NaN (numpy's eigvals refuses it), 1 for a single grey level,
    else the mean of ``sqrt`` of the second eigenvalues, taken in complex arithmetic when numpy
    would have produced complex eigenvalues for any angle.
    """
    nanmean_angles(per_angle, out)
    na = per_angle.shape[0]
    any_nan = False
    any_complex = False
    for a in range(na):
        if mcc[a, 3] != 0.0:
            any_nan = True
        if mcc[a, 2] != 0.0:
            any_complex = True
    if any_nan:
        out[19] = np.nan
        return
    if n_gray < 2:
        out[19] = 1.0
        return
    acc = 0.0
    cnt = 0
    for a in range(na):
        re = mcc[a, 0]
        im = mcc[a, 1]
        if abs(re) < _MCC_ZERO and abs(im) < _MCC_ZERO:
            # An eigenvalue that is 0 in exact arithmetic comes out of LAPACK as +-1e-17 noise,
            # which pyradiomics turns into ~1e-8 or NaN (angle dropped) by chance; use 0.
            re = 0.0
            im = 0.0
        if any_complex:
            v = math.sqrt((math.hypot(re, im) + re) / 2.0)  # real part of the complex sqrt
        else:
            v = math.sqrt(re) if re >= 0.0 else np.nan
        if v == v:
            acc += v
            cnt += 1
    out[19] = acc / cnt if cnt > 0 else np.nan


@jit
def glcm_features(p, gray, ng, symmetric, out):
    """Features of normalised GLCMs ``p`` ``(Na, G, G)``, averaged over angles, into ``out``."""
    na = p.shape[0]
    per_angle = np.empty((na, N_GLCM))
    mcc = np.zeros((na, 4))
    work = np.empty(_work_size(p.shape[1], ng))
    memo_v = np.full(_MEMO, -1.0)
    memo_l = np.zeros(_MEMO)
    for a in range(na):
        _angle_features(p[a], gray, ng, symmetric, per_angle[a], mcc[a], work, memo_v, memo_l)
    combine_angles(per_angle, mcc, p.shape[1], out)


@pjit
def glcm_features_parallel(p, gray, ng, symmetric, out):
    """:func:`glcm_features` with the angles spread over threads (large matrices)."""
    na = p.shape[0]
    per_angle = np.empty((na, N_GLCM))
    mcc = np.zeros((na, 4))
    for a in prange(na):
        glcm_angle_features(p[a], gray, ng, symmetric, per_angle[a], mcc[a])
    combine_angles(per_angle, mcc, p.shape[1], out)


# -------------------------------------------------------------------------------------- batch


@jit
def glcm_one(levels, mask, nd, distances, excluded_dim, symmetric, norm, spacing, out):
    """All GLCM features of one ROI given as 3D ``levels``/``mask`` (``nd`` = 2 or 3 real axes).

    Crops to the ROI's bounding box (as pyradiomics' callers do), so margins never matter.
    Leaves ``out`` NaN when the ROI is empty or no offset fits in it (a single voxel).
    """
    out[:] = np.nan
    lo, hi, angles = roi_box_angles(mask, nd, distances, excluded_dim, False)
    if angles.shape[0] == 0:
        return
    q, gray, ng = compact_levels(levels, mask, lo, hi)
    padded = pad_angles_3d(angles)
    na = padded.shape[0]
    g = gray.shape[0]
    n_rows = q.shape[0] * q.shape[1]
    first, last = _row_spans(q)
    if norm == NORM_NONE and q.size <= _FLUSH:
        # the histograms straight to the normalised matrices (no float counts in between); an
        # angle has fewer pairs than the box has voxels, so int32 cannot overflow
        hist = np.zeros((na, (g + 1) * (g + 1)), dtype=np.int32)
        for a in range(na):
            _count_pairs(q, padded[a, 0], padded[a, 1], padded[a, 2], first, last, 0, n_rows,
                         hist[a], g + 1)
        p = _normalize_hist(hist, g, symmetric)
    else:
        counts = np.zeros((na, g, g))
        _accumulate_rows(q, padded, first, last, 0, n_rows, counts)
        p = glcm_normalize(counts, symmetric, angle_weights(angles, spacing, norm, True),
                           norm != NORM_NONE)
    glcm_features(p, gray, ng, symmetric, out)


@pjit
def glcm_batch(levels, masks, nd, distances, excluded_dim, symmetric, norm, spacing, out):
    """GLCM features of ``N`` same-size ROIs ``levels[n]``/``masks[n]`` (3D views), one per row."""
    for n in prange(levels.shape[0]):
        glcm_one(levels[n], masks[n], nd, distances, excluded_dim, symmetric, norm, spacing, out[n])
