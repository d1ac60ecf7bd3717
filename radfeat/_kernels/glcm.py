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
def glcm_normalize(counts, symmetric, weights, weighted):
    """Symmetrise, weight, drop empty angles and normalise, as pyradiomics' ``_calculateMatrix``.

    With ``weighted`` the angles are summed with ``weights`` into one matrix. Otherwise angles
    whose matrix is empty are dropped when there is more than one angle. A remaining empty matrix
    is divided by NaN (pyradiomics marks it so and its features become NaN).
    """
    na, g, _ = counts.shape
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
def _mcc_lambda2(p, px, py, symmetric):
    """Second largest eigenvalue of ``Q(i,j) = sum_k p(i,k) p(j,k) / (px(i) py(k) + eps)``.

    Without eps, Q is similar to ``A A^T`` with ``A = Dx^-1/2 P Dy^-1/2`` (``A`` itself is
    symmetric for a symmetric GLCM), a symmetric problem solved here in O(G^3) without LAPACK.
    eps perturbs ``A`` entrywise by a relative ``delta <= eps / min(px py)``, which moves the
    eigenvalues by at most ``delta * ||A||_F``; when that bound is not negligible (huge ROIs with
    rare levels, or a vanishing second eigenvalue) the exact pyradiomics Q is solved instead.
    Returns ``(re, im, is_complex)`` as :func:`_mcc_exact`.
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
    a = np.empty((nr, nc))
    delta = 0.0
    fro2 = 0.0
    for r in range(nr):
        i = rows[r]
        for c in range(nc):
            k = cols[c]
            v = p[i, k]
            if v != 0.0:
                den = px[i] * py[k]
                a[r, c] = v / math.sqrt(den)
                fro2 += a[r, c] * a[r, c]
                if EPS / den > delta:
                    delta = EPS / den
            else:
                a[r, c] = 0.0
    if symmetric and nr == nc:
        lam = _sym_eigvals(a)
        for k in range(nr):
            lam[k] = lam[k] * lam[k]
    else:
        s = np.zeros((nr, nr))
        for i in range(nr):
            for j in range(i + 1):
                acc = 0.0
                for k in range(nc):
                    acc += a[i, k] * a[j, k]
                s[i, j] = acc
                s[j, i] = acc
        lam = _sym_eigvals(s)
    lam2, _ = _second_largest(lam, np.zeros(nr), g - nr)
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
    for i in range(g):
        gi = gray[i]
        for j in range(g):
            gj = gray[j]
            pxy = px[i] * py[j]
            log_pxy = math.log2(pxy + EPS)  # shared by HXY1 and HXY2
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
            hxy -= v * math.log2(v + EPS)
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
