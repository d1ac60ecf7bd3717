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
# the t^3/3 left out is below 1e-19; _MEMO cells remember the last p log2(p + eps) they computed.
_SPLIT_T = 1e-6
_INV_LN2 = 1.4426950408889634
_MEMO = 64


# ------------------------------------------------------------------------------- accumulation


@jit
def _accumulate_rows(q, angles, row0, row1, out):
    # Rows are the flattened (z, y) pairs, so the same loop splits 2D and 3D work into chunks.
    # Per offset, only rows and columns whose neighbour is inside the box are visited, so the
    # inner loop over x runs without bounds checks on the flat array.
    nz, ny, nx = q.shape
    flat = q.ravel()
    for a in range(angles.shape[0]):
        dz = angles[a, 0]
        dy = angles[a, 1]
        dx = angles[a, 2]
        step = (dz * ny + dy) * nx + dx
        x0 = max(0, -dx)
        x1 = min(nx, nx - dx)
        out_a = out[a]
        for r in range(row0, row1):
            z = r // ny
            y = r - z * ny
            if z + dz < 0 or z + dz >= nz or y + dy < 0 or y + dy >= ny:
                continue
            base = r * nx
            for x in range(x0, x1):
                i = flat[base + x]
                if i >= 0:
                    j = flat[base + x + step]
                    if j >= 0:
                        out_a[i, j] += 1.0


@jit
def glcm_accumulate(q, angles, n_gray):
    """Raw (asymmetric) co-occurrence counts ``(Na, G, G)``: pyradiomics' C ``calculate_glcm``."""
    out = np.zeros((angles.shape[0], n_gray, n_gray))
    _accumulate_rows(q, angles, 0, q.shape[0] * q.shape[1], out)
    return out


@pjit
def glcm_accumulate_parallel(q, angles, n_gray, n_chunks):
    """Like :func:`glcm_accumulate`, with ``n_chunks`` per-thread partial matrices summed at the end."""
    n_rows = q.shape[0] * q.shape[1]
    part = np.zeros((n_chunks, angles.shape[0], n_gray, n_gray))
    for c in prange(n_chunks):
        row0, row1 = chunk_range(0, n_rows, c, n_chunks)
        _accumulate_rows(q, angles, row0, row1, part[c])
    return sum_chunks(part)


@jit
def _normalize_counts(counts, symmetric):
    # glcm_normalize without weights, in one pass: the counts are integers, so the sum of the
    # symmetrised matrix is exactly twice theirs and every cell gets the same bits as before.
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
            for i in range(g):
                for j in range(g):
                    o[i, j] = ((c[i, j] + c[j, i]) if symmetric else c[i, j]) / total
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
        if p1 == 0.0:
            return x
        g = dp1 / p1
        rad = (m - 1) * (m * (g * g - ddp1 / p1) - g * g)
        root = math.sqrt(rad) if rad > 0.0 else 0.0
        den = g + root if g >= 0.0 else g - root
        if den == 0.0:
            return x
        step = m / den
        xn = x - step
        if not xn < x:  # rounding noise at the root
            return x
        if step <= tol:
            return xn
        x = xn
    return np.nan


@jit
def _tridiagonal_extremes(d, e):
    """Smallest and largest eigenvalue of the symmetric tridiagonal ``(d, e)``.

    The matrix is split where an off-diagonal is negligible (blocks are unreduced, so their
    roots are simple) and each block's extremes are found by :func:`_laguerre_max` on the block
    and on its negation, from just outside the Gershgorin bounds, to an absolute precision of a
    few ulps of the matrix norm. NaN when an iteration failed to converge.
    """
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
    neg = -d
    vmin = np.inf
    vmax = -np.inf
    lo = 0
    for i in range(n):
        if i == n - 1 or abs(e[i]) <= EPS * (abs(d[i]) + abs(d[i + 1])):
            top = _laguerre_max(d, e2, lo, i, up + margin, tol)
            bottom = -_laguerre_max(neg, e2, lo, i, margin - dn, tol)
            if top != top or bottom != bottom:
                return np.nan, np.nan
            vmax = max(vmax, top)
            vmin = min(vmin, bottom)
            lo = i + 1
    return vmin, vmax


@jit
def _mcc_lambda2(p, px, py, symmetric):
    """Second largest eigenvalue of ``Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)``.

    Without eps, Q is similar to ``A A^T`` with ``A = Dx^-1/2 P Dy^-1/2`` (``A`` itself is
    symmetric for a symmetric GLCM), whose largest eigenvalue is 1 with eigenvector
    ``u = sqrt(px)`` (``A sqrt(py) = sqrt(px)``). Deflating it leaves the wanted eigenvalue as the
    extreme one: the spectral radius squared of ``A - u u^T`` (symmetric GLCM), or the largest
    eigenvalue of ``A A^T - u u^T``, found by a Householder reduction and Laguerre's method in
    O(G^3) without LAPACK. eps perturbs ``A`` entrywise by a relative ``delta <= eps / min(px py)``,
    which moves the eigenvalues by at most ``delta * ||A||_F``; when that bound is not negligible
    (huge ROIs with rare levels, or a vanishing second eigenvalue) the exact pyradiomics Q is
    solved instead. Returns ``(re, im, is_complex)`` as :func:`_mcc_exact`.
    """
    g = p.shape[0]
    rows = np.empty(g, dtype=np.int64)
    cols = np.empty(g, dtype=np.int64)
    nr = 0
    nc = 0
    for i in range(g):
        if px[i] > 0.0:
            rows[nr] = i
            nr += 1
        if py[i] > 0.0:
            cols[nc] = i
            nc += 1
    if nr < 2 or nc < 2:
        return _mcc_exact(p, px, py)
    a = np.empty((nr, nc))
    u = np.empty(nr)
    rx = np.empty(nr)
    ry = np.empty(nc)
    for r in range(nr):
        u[r] = math.sqrt(px[rows[r]])
        rx[r] = 1.0 / u[r]
    for c in range(nc):
        ry[c] = 1.0 / math.sqrt(py[cols[c]])
    min_den = np.inf
    fro2 = 0.0
    for r in range(nr):
        i = rows[r]
        for c in range(nc):
            v = p[i, cols[c]]
            a[r, c] = v * rx[r] * ry[c]
            fro2 += a[r, c] * a[r, c]
            if v != 0.0:
                min_den = min(min_den, px[i] * py[cols[c]])
    delta = EPS / min_den
    if symmetric and nr == nc:
        for r in range(nr):
            for c in range(nr):
                a[r, c] -= u[r] * u[c]
        d, e = _tridiagonalize(a)
        lo, hi = _tridiagonal_extremes(d, e)
        rho = max(hi, -lo)
        lam2 = rho * rho
    else:
        s = np.zeros((nr, nr))
        for i in range(nr):
            for j in range(i + 1):
                acc = 0.0
                for k in range(nc):
                    acc += a[i, k] * a[j, k]
                acc -= u[i] * u[j]
                s[i, j] = acc
                s[j, i] = acc
        d, e = _tridiagonalize(s)
        lo, hi = _tridiagonal_extremes(d, e)
        lam2 = hi
    if lam2 > 0.0 and delta * math.sqrt(fro2) <= _MCC_REL_BOUND * lam2:
        return lam2, 0.0, False
    return _mcc_exact(p, px, py)


@jit
def _marginals(p, gray):
    # px, py summed in the same index order, so a symmetric p gives bitwise px == py.
    g = p.shape[0]
    px = np.zeros(g)
    py = np.zeros(g)
    ux = 0.0
    uy = 0.0
    for i in range(g):
        for j in range(g):
            v = p[i, j]
            px[i] += v
            py[j] += v
            ux += v * gray[i]
            uy += v * gray[j]
    return px, py, ux, uy


@jit
def _cell_features(p, gray, px, py, ux, uy, p_sum, p_diff, out):
    """Features summed cell by cell (slots 0-5, 17, 20, 23); fills ``p_sum``/``p_diff``.

    Returns the entropies ``(HXY, HXY1, HXY2)``.
    """
    g = p.shape[0]
    ac = cp = cs = ct = contrast = 0.0
    sx2 = sy2 = corm = energy = hxy = hxy1 = hxy2 = 0.0
    maxp = p[0, 0]
    # log2(px py + eps) = log2(px) + log2(py) + log2(1 + t), t = eps / (px py): 2G logarithms
    # instead of G^2; log2(1 + t) = (t - t^2/2) / ln 2 to within t^3 while t <= _SPLIT_T.
    lx = np.empty(g)
    ly = np.empty(g)
    for i in range(g):
        lx[i] = math.log2(px[i]) if px[i] > 0.0 else 0.0
        ly[i] = math.log2(py[i]) if py[i] > 0.0 else 0.0
    # p log2(p + eps) of equal cells (GLCMs of small ROIs hold a few distinct counts) is reused
    memo_v = np.full(_MEMO, -1.0)
    memo_l = np.zeros(_MEMO)
    for i in range(g):
        gi = gray[i]
        for j in range(g):
            gj = gray[j]
            pxy = px[i] * py[j]
            if pxy >= EPS / _SPLIT_T:
                t = EPS / pxy
                log_pxy = lx[i] + ly[j] + t * (1.0 - 0.5 * t) * _INV_LN2  # shared by HXY1 and HXY2
            else:
                log_pxy = math.log2(pxy + EPS)
            hxy2 -= pxy * log_pxy
            v = p[i, j]
            if not v <= maxp:  # also propagates NaN, like numpy.amax
                maxp = v
            if v == 0.0:  # zero cells add exactly zero below; NaN cells must go through
                continue
            t = gi + gj - ux - uy
            t2 = t * t
            ac += v * gi * gj
            cp += v * t2 * t2
            cs += v * t2 * t
            ct += v * t2
            dij = gi - gj
            contrast += v * dij * dij
            sx2 += v * (gi - ux) * (gi - ux)
            sy2 += v * (gj - uy) * (gj - uy)
            corm += v * (gi - ux) * (gj - uy)
            energy += v * v
            h = int(v * 1e15) & (_MEMO - 1) if v < 1.0 else 0
            if memo_v[h] != v:
                memo_v[h] = v
                memo_l[h] = v * math.log2(v + EPS)
            hxy -= memo_l[h]
            hxy1 -= v * log_pxy
            p_sum[int(gi + gj) - 2] += v
            p_diff[int(abs(dij))] += v
    sig = math.sqrt(sx2) * math.sqrt(sy2)
    out[0] = ac
    out[1] = cp
    out[2] = cs
    out[3] = ct
    out[4] = contrast
    out[5] = 1.0 if sig == 0.0 else corm / (sig + EPS)
    out[17] = energy
    out[20] = maxp
    out[23] = sx2
    return hxy, hxy1, hxy2


@jit
def _sum_diff_features(p_sum, p_diff, ng, out):
    """Features of ``p_{x-y}`` and ``p_{x+y}`` (slots 6-12, 15, 21, 22)."""
    da = de = idf = idm = idmn = idn = inv = 0.0
    for k in range(ng):
        v = p_diff[k]
        da += k * v
        de -= v * math.log2(v + EPS)
        idf += v / (1.0 + k)
        idm += v / (1.0 + k * k)
        idmn += v / (1.0 + (k * k) / (ng * ng))
        idn += v / (1.0 + k / ng)
        if k > 0:
            inv += v / (k * k)
    dv = 0.0
    for k in range(ng):
        dv += p_diff[k] * (k - da) * (k - da)
    sa = se = 0.0
    for k in range(2 * ng - 1):
        v = p_sum[k]
        sa += (k + 2) * v
        se -= v * math.log2(v + EPS)
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
def _information_features(px, py, hxy, hxy1, hxy2, out):
    """Imc1 and Imc2 (slots 13, 14) with pyradiomics' zero-denominator rules."""
    hx = 0.0
    hy = 0.0
    for i in range(px.shape[0]):
        hx -= px[i] * math.log2(px[i] + EPS)
        hy -= py[i] * math.log2(py[i] + EPS)
    div = max(hx, hy) if hx == hx and hy == hy else (hy if hx != hx else hx)  # numpy.fmax
    out[13] = (hxy - hxy1) / div if div != 0.0 else 0.0
    if hxy2 == hxy:
        out[14] = 0.0
    else:
        rad = 1.0 - math.exp(-2.0 * (hxy2 - hxy))
        out[14] = math.sqrt(rad) if rad >= 0.0 else np.nan  # numpy: x ** 0.5 of x < 0 is NaN


@jit
def glcm_angle_features(p, gray, ng, symmetric, out, mcc):
    """All features of one normalised GLCM ``p`` (G x G) into ``out[:24]``.

    ``gray`` are the grey-level values of the rows (the formulas use these values, not the
    compact indices), ``ng`` the highest grey level. ``mcc`` receives the MCC ingredients
    ``(re, im, is_complex, is_nan)`` that :func:`combine_angles` needs; ``out[19]`` is left NaN.
    """
    px, py, ux, uy = _marginals(p, gray)
    p_sum = np.zeros(2 * ng - 1)   # p_{x+y}(k), k = 2 .. 2 Ng
    p_diff = np.zeros(ng)          # p_{x-y}(k), k = 0 .. Ng - 1
    hxy, hxy1, hxy2 = _cell_features(p, gray, px, py, ux, uy, p_sum, p_diff, out)
    _sum_diff_features(p_sum, p_diff, ng, out)
    _information_features(px, py, hxy, hxy1, hxy2, out)
    out[16] = ux
    out[18] = hxy
    out[19] = np.nan
    mcc[:] = 0.0
    if ux != ux:
        mcc[3] = 1.0
    elif p.shape[0] >= 2:
        re, im, cplx = _mcc_lambda2(p, px, py, symmetric)
        mcc[0] = re
        mcc[1] = im
        mcc[2] = 1.0 if cplx else 0.0


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
    for a in range(na):
        glcm_angle_features(p[a], gray, ng, symmetric, per_angle[a], mcc[a])
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
    counts = glcm_accumulate(q, pad_angles_3d(angles), gray.shape[0])
    weights = angle_weights(angles, spacing, norm, True)
    p = glcm_normalize(counts, symmetric, weights, norm != NORM_NONE)
    glcm_features(p, gray, ng, symmetric, out)


@pjit
def glcm_batch(levels, masks, nd, distances, excluded_dim, symmetric, norm, spacing, out):
    """GLCM features of ``N`` same-size ROIs ``levels[n]``/``masks[n]`` (3D views), one per row."""
    for n in prange(levels.shape[0]):
        glcm_one(levels[n], masks[n], nd, distances, excluded_dim, symmetric, norm, spacing, out[n])
