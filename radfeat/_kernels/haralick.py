"""Haralick feature kernels (private: arrays in, arrays out, no validation).

The formulas and their order follow ``mahotas.features.haralick`` (``haralick_features``) with
``ignore_zeros=True`` and its defaults otherwise (no 14th feature, Haralick's typo corrected,
feature 10 the variance of the vector ``p_{x-y}``). Matrices are indexed by the grey level
itself, ``0 .. max level``, as mahotas' are (row and column 0 stay empty: 0 is "outside the
ROI"), so ``i``, ``j`` and ``k`` below are grey levels.

Every sum is taken over the integer counts and divided by the total ``T`` once, and every
``log2`` of a probability ``q / T`` is ``log2 q - log2 T`` read from a table of ``log2`` of the
integers (``lt``, :func:`log2_table`, kept by the caller): the kernels take no logarithm at all,
which is most of mahotas' time on a small image. The results differ from mahotas' in the last
bits only (relative 1e-12 at worst, where an entropy nearly cancels), and an entropy that is 0
in mahotas (one level) is 0 here too, because ``log2 T - log2 T`` is exactly 0.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit

#: Features per direction, in mahotas' order.
N_HARALICK = 13
#: mahotas' 2D directions ``(dy, dx)``: 0, 45, 90 and 135 degrees as scikit-image names them.
DELTAS_2D = np.array([[0, 1], [1, 1], [1, 0], [1, -1]], dtype=np.int64)


@jit
def log2_table(n):
    """``log2(k)`` for ``k = 0 .. n`` (entry 0 is 0: mahotas reads ``log2(0)`` as ``log2(1)``).

    Scalar ``log2`` per entry, so an entry does not depend on the table's length (a vectorised
    logarithm may round a value differently in its SIMD body and its tail).
    """
    table = np.zeros(n + 1)
    for k in range(1, n + 1):
        table[k] = np.log2(k)
    return table


@jit
def cooccurrence(lv, dy, dx, cmat):
    """Symmetric co-occurrence counts of ``lv`` (2D, 0 = ignored) for offset ``(dy, dx)``.

    ``cmat`` ``(maxv, maxv)`` int64 is overwritten; a pair counts once in ``(a, b)`` and once in
    ``(b, a)`` (mahotas adds the transpose, so the diagonal gets 2 per pair as well).
    """
    cmat[:, :] = 0
    h, w = lv.shape
    for r in range(max(0, -dy), min(h, h - dy)):
        row = lv[r]
        nrow = lv[r + dy]
        for c in range(max(0, -dx), min(w, w - dx)):
            a = row[c]
            b = nrow[c + dx]
            if a != 0 and b != 0:
                cmat[a, b] += 1
                cmat[b, a] += 1


@jit
def _entropy(counts, total, lt, ltotal):
    # mahotas' _entropy of counts / total: -sum q log2 q over the non-zero q
    s = 0.0
    for k in range(counts.shape[0]):
        c = counts[k]
        if c != 0:
            s += (c / total) * (lt[c] - ltotal)
    return -s


@jit
def haralick_direction(cmat, lt, cx, cy, cplus, cminus, out):
    """The 13 features of one symmetric count matrix into ``out``; False when it is empty.

    ``cmat`` ``(n, n)`` int64 counts; ``lt`` a :func:`log2_table` covering the total count;
    ``cx``, ``cy`` ``(n,)``, ``cplus`` ``(2 n,)`` and ``cminus`` ``(n,)`` int64 work buffers.
    """
    n = cmat.shape[0]
    cx[:] = 0
    cy[:] = 0
    cplus[:] = 0
    cminus[:] = 0
    # float accumulators: the integer sums stay exact below 2^53 and cannot overflow
    asm = 0.0
    sum_ij = 0.0
    idm = 0.0
    hxy = 0.0
    for i in range(n):
        for j in range(n):
            c = cmat[i, j]
            if c == 0:  # most entries of a small ROI's matrix: nothing to add
                continue
            cx[j] += c  # mahotas: px = p.sum(0)
            cy[i] += c  # py = p.sum(1)
            cplus[i + j] += c
            cminus[abs(i - j)] += c
            asm += float(c) * c
            sum_ij += float(i * j) * c
            idm += c / ((i - j) * (i - j) + 1)
            hxy += c * lt[c]
    total = 0
    for k in range(n):
        total += cx[k]
    if total == 0:
        return False
    t = float(total)
    lT = lt[total]
    ux = 0.0
    uy = 0.0
    sx2 = 0.0
    sy2 = 0.0
    for k in range(n):
        px = cx[k] / t
        py = cy[k] / t
        ux += px * k
        uy += py * k
        sx2 += px * (k * k)
        sy2 += py * (k * k)
    vx = sx2 - ux * ux
    vy = sy2 - uy * uy
    sx = np.sqrt(vx)
    sy = np.sqrt(vy)
    contrast = 0.0
    mean_minus = 0.0
    for k in range(n):
        contrast += (k * k) * cminus[k]
        mean_minus += cminus[k] / t
    mean_minus /= n
    var_minus = 0.0
    for k in range(n):
        var_minus += (cminus[k] / t - mean_minus) ** 2
    sum_avg = 0.0
    sum_sq = 0.0
    for k in range(2 * n):
        sum_avg += k * cplus[k]
        sum_sq += (k * k) * cplus[k]
    hx = _entropy(cx, t, lt, lT)
    hy = _entropy(cy, t, lt, lT)
    # HXY = -sum (c/T) log2(c/T) = log2 T - sum c log2 c / T; 0 exactly for a single entry
    # (c = T) as in mahotas, where the general form could leave a rounding residue
    hxy = lT - hxy / t if asm != t * t else 0.0
    # HXY1 = -sum p(i,j) log2(px(i) py(j)), mahotas pairing p[a, b] with px[a] py[b]; the log
    # of the product splits into log2 px[a] + log2 py[b], and summing p over b (over a) leaves
    # the row (column) sums: -sum_a py[a] log2 px[a] - sum_b px[b] log2 py[b]. An absent level
    # has empty row and column, so it adds nothing
    hxy1 = 0.0
    for k in range(n):
        if cx[k] != 0:
            hxy1 += (cy[k] / t) * (lt[cx[k]] - lT)
        if cy[k] != 0:
            hxy1 += (cx[k] / t) * (lt[cy[k]] - lT)
    hxy1 = -hxy1
    # HXY2 = -sum_ab px(a) py(b) log2(px(a) py(b)) = HX sum py + HY sum px
    spx = 0.0
    spy = 0.0
    for k in range(n):
        spx += cx[k] / t
        spy += cy[k] / t
    hxy2 = hx * spy + hy * spx
    sum_average = sum_avg / t
    out[0] = asm / (t * t)
    out[1] = contrast / t
    out[2] = 1.0 if (sx == 0.0 or sy == 0.0) else (1.0 / sx / sy) * (sum_ij / t - ux * uy)
    out[3] = vx
    out[4] = idm / t
    out[5] = sum_average
    out[6] = sum_sq / t - sum_average * sum_average
    out[7] = _entropy(cplus, t, lt, lT)
    out[8] = hxy
    out[9] = var_minus / n
    out[10] = _entropy(cminus, t, lt, lT)
    m = max(hx, hy)
    out[11] = (hxy - hxy1) if m == 0.0 else (hxy - hxy1) / m
    out[12] = np.sqrt(max(0.0, 1.0 - np.exp(-2.0 * (hxy2 - hxy))))
    return True


@jit
def _max_level(lv):
    m = 0
    for v in lv.ravel():
        m = max(m, v)
    return m


@jit
def buffers(maxv):
    """Work buffers of :func:`haralick_image` for grey levels up to ``maxv - 1``."""
    return (np.empty((maxv, maxv), dtype=np.int64), np.empty(maxv, dtype=np.int64),
            np.empty(maxv, dtype=np.int64), np.empty(2 * maxv, dtype=np.int64), np.empty(maxv, dtype=np.int64))


@jit
def haralick_image(lv, distance, lt, out, bufs):
    """Mean and per-direction features of one 2D level image into ``out`` ``(5 * 13,)``.

    ``lt`` is a :func:`log2_table` up to at least twice the pixel count of ``lv``; ``bufs`` are
    :func:`buffers` for at least ``max(lv) + 1`` levels. Returns False when a direction has no
    ROI pixel pair (mahotas raises there).
    """
    maxv = _max_level(lv) + 1
    cmat_b, cx, cy, cplus, cminus = bufs
    cmat = cmat_b[:maxv, :maxv]
    nd = DELTAS_2D.shape[0]
    for d in range(nd):
        cooccurrence(lv, DELTAS_2D[d, 0] * distance, DELTAS_2D[d, 1] * distance, cmat)
        block = out[(d + 1) * N_HARALICK:(d + 2) * N_HARALICK]
        if not haralick_direction(cmat, lt, cx[:maxv], cy[:maxv], cplus[:2 * maxv], cminus[:maxv], block):
            return False
    for f in range(N_HARALICK):
        s = 0.0
        for d in range(nd):
            s += out[(d + 1) * N_HARALICK + f]
        out[f] = s / nd
    return True


@jit
def haralick_batch(lv, distance, lt, out):
    """Features of each image of ``lv`` ``(N, H, W)`` (0 outside the ROI) into ``out`` ``(N, 65)``.

    NaN rows where a direction has no ROI pixel pair.
    """
    bufs = buffers(_max_level(lv) + 1)
    for k in range(lv.shape[0]):
        if not haralick_image(lv[k], distance, lt, out[k], bufs):
            out[k, :] = np.nan
