"""First-order statistics kernels (private: arrays in, arrays out, no validation).

Percentiles are numpy's default linear interpolation between two order statistics. Only those
order statistics are computed, never a full sort: by counting when the ROI holds integers over a
short range (CT numbers, 8-bit pictures), otherwise by bucketing (see :func:`_split`).
Both return the exact order statistics, so the percentiles are bit-for-bit those of ``numpy.percentile``.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange

# Output slots, in the order of radfeat.features.firstorder.FEATURES.
N_FIRSTORDER = 19

#: The percentiles the features need (10, 25, 50, 75, 90), in the order of their rank pairs.
_QUANTILES = (10.0, 25.0, 50.0, 75.0, 90.0)

# Counting is used while the integer value range stays below this many bins per ROI voxel (+ a
# constant), so the count array never dwarfs the ROI.
_COUNT_BINS_PER_VOXEL = 4
_COUNT_BINS_EXTRA = 4096

# A bucket holding a wanted rank is sorted when it has at most this many values (else split again).
_SORT_MAX = 4096


@jit
def _percentile_sorted(s, q):
    # numpy's default "linear" method, including its lerp that is exact at both ends.
    n = s.shape[0]
    pos = q / 100.0 * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return _lerp(s[lo], s[hi], pos - lo)


@jit
def _lerp(a, b, t):
    # numpy.percentile's _lerp (exact at both ends)
    diff = b - a
    if t >= 0.5:
        return b - diff * (1.0 - t)
    return a + diff * t


@jit
def _percentile_ranks(n):
    """Ranks ``(lo, hi)`` and weights ``t`` of the five percentiles, as :func:`_percentile_sorted`."""
    ranks = np.empty(10, dtype=np.int64)
    ts = np.empty(5)
    for k in range(5):
        pos = _QUANTILES[k] / 100.0 * (n - 1)
        lo = int(math.floor(pos))
        ranks[2 * k] = lo
        ranks[2 * k + 1] = min(lo + 1, n - 1)
        ts[k] = pos - lo
    return ranks, ts


@jit
def _value_counts(values, mn, span):
    # values are integers in [mn, mn + span]
    counts = np.zeros(span + 1, dtype=np.int64)
    for i in range(values.shape[0]):
        counts[int(values[i] - mn)] += 1
    return counts


@jit
def _ranks_from_counts(counts, mn, ranks, res):
    # order statistics from the cumulative counts of the integers mn, mn + 1, ...
    order = np.argsort(ranks)
    b = 0
    below = counts[0]  # voxels with value <= mn + b
    for r in range(ranks.shape[0]):
        k = ranks[order[r]]
        while below <= k:
            b += 1
            below += counts[b]
        res[order[r]] = mn + b


@jit
def _split(a, ranks):
    """Bucket ``a`` to find its order statistics ``ranks`` (ascending) without sorting it.

    The values are spread over ~n/16 equal-width buckets between their minimum and maximum. The
    bucket index ``int((v - min) * scale)`` never decreases as ``v`` grows (each rounding step is
    monotonic), so every value of a bucket is at most every value of the next: the cumulative
    counts name the bucket holding each wanted rank and its rank inside that bucket.

    Returns ``(how, buf, start, part, local)``: ``how`` 0 means every value equals ``buf[0]``, 1
    that ``a`` should simply be sorted (small, or a range too narrow to divide), 2 that rank
    ``ranks[r]`` is the ``local[r]``-th smallest of ``buf[start[part[r]]:start[part[r] + 1]]``,
    the values of its bucket.
    """
    n = a.shape[0]
    nr = ranks.shape[0]
    start = np.zeros(nr + 1, dtype=np.int64)
    part = np.zeros(nr, dtype=np.int64)
    local = np.zeros(nr, dtype=np.int64)
    if n <= 64:
        return 1, a, start, part, local
    mn = a[0]
    mx = a[0]
    for i in range(n):
        v = a[i]
        if v < mn:
            mn = v
        if v > mx:
            mx = v
    if mn == mx:
        return 0, a[:1], start, part, local
    nb = n // 16 + 1
    scale = nb / (mx - mn)
    if not scale < np.inf:
        return 1, a, start, part, local
    counts = np.zeros(nb, dtype=np.int64)
    for i in range(n):
        counts[min(int((a[i] - mn) * scale), nb - 1)] += 1
    slot = np.full(nb, -1, dtype=np.int64)
    ns = 0
    b = 0
    below = 0  # values in the buckets before b
    for r in range(nr):
        while below + counts[b] <= ranks[r]:
            below += counts[b]
            b += 1
        local[r] = ranks[r] - below
        if slot[b] < 0:  # ranks ascend, so a new bucket is never an earlier one
            slot[b] = ns
            start[ns + 1] = start[ns] + counts[b]
            ns += 1
        part[r] = slot[b]
    buf = np.empty(start[ns])
    fill = start[:ns].copy()
    for i in range(n):
        k = slot[min(int((a[i] - mn) * scale), nb - 1)]
        if k >= 0:
            buf[fill[k]] = a[i]
            fill[k] += 1
    return 2, buf, start, part, local


@jit
def _sorted_part(a, ranks, res):
    # order statistics of a small set by sorting it
    s = np.sort(a)
    for r in range(ranks.shape[0]):
        res[r] = s[ranks[r]]


@jit
def _select(a, ranks, res, refine):
    """Order statistics ``ranks`` (ascending) of ``a`` into ``res`` (exact, ``a`` untouched).

    Buckets holding a wanted rank are sorted when small; with ``refine`` a large one (skewed
    data piling into one bucket) is bucketed once more by :func:`_select_final`. (Numba's disk
    cache cannot hold recursive functions, so the two levels are two functions.)
    """
    how, buf, start, part, local = _split(a, ranks)
    if how == 0:
        res[:] = buf[0]
        return
    if how == 1:
        _sorted_part(a, ranks, res)
        return
    nr = ranks.shape[0]
    r = 0
    while r < nr:
        e = r
        while e < nr and part[e] == part[r]:
            e += 1
        k = part[r]
        values = buf[start[k]:start[k + 1]]
        sub = np.empty(e - r)
        if refine and values.shape[0] > _SORT_MAX:
            _select_final(values, local[r:e], sub)
        else:
            _sorted_part(values, local[r:e], sub)
        res[r:e] = sub
        r = e


@jit
def _select_final(a, ranks, res):
    how, buf, start, part, local = _split(a, ranks)
    if how == 0:
        res[:] = buf[0]
        return
    if how == 1:
        _sorted_part(a, ranks, res)
        return
    for r in range(ranks.shape[0]):
        values = buf[start[part[r]]:start[part[r] + 1]]
        sub = np.empty(1)
        _sorted_part(values, local[r:r + 1], sub)
        res[r] = sub[0]


@jit
def _order_statistics(values, mn, mx, integral, ranks):
    res = np.empty(ranks.shape[0])
    n = values.shape[0]
    span = mx - mn
    if integral and span <= _COUNT_BINS_PER_VOXEL * n + _COUNT_BINS_EXTRA:
        _ranks_from_counts(_value_counts(values, mn, int(span)), mn, ranks, res)
    else:
        order = np.argsort(ranks)
        sr = ranks[order]
        sres = np.empty(ranks.shape[0])
        _select(values, sr, sres, True)
        for r in range(ranks.shape[0]):
            res[order[r]] = sres[r]
    return res


@jit
def _level_histogram(levels):
    nl = 0
    for i in range(levels.shape[0]):
        if levels[i] > nl:
            nl = levels[i]
    hist = np.zeros(nl + 1, dtype=np.int64)
    for i in range(levels.shape[0]):
        hist[levels[i]] += 1
    return hist


@jit
def _range(values):
    """``(min, max, integral, has_nan)`` of ``values`` (NaN is neither integral nor compared)."""
    mn = np.inf
    mx = -np.inf
    integral = True
    has_nan = False
    for i in range(values.shape[0]):
        v = values[i]
        if v < mn:
            mn = v
        if v > mx:
            mx = v
        if v != math.floor(v):  # also NaN
            integral = False
            if v != v:
                has_nan = True
    return mn, mx, integral, has_nan


@jit
def _firstorder(values, hist, shift, voxel_volume, out):
    """Fill ``out[:19]`` from the ROI ``values`` (any order) and their grey-level histogram.

    Integers over a short range (CT numbers, 8-bit pictures) are counted once and every
    statistic is taken over the counts (:func:`_firstorder_counted`); other values voxel by voxel.
    """
    n = values.shape[0]
    mn, mx, integral, has_nan = _range(values)
    if (integral and not has_nan and mn > -np.inf and mx < np.inf
            and mx - mn <= _COUNT_BINS_PER_VOXEL * n + _COUNT_BINS_EXTRA):
        _firstorder_counted(_value_counts(values, mn, int(mx - mn)), mn, n, hist, shift, voxel_volume, out)
    else:
        _firstorder_values(values, mn, mx, integral, has_nan, hist, shift, voxel_volume, out)


@jit
def _firstorder_counted(counts, mn, n, hist, shift, voxel_volume, out):
    # Sums over (value, count) pairs: a sum of integers is exact in float64 (below 2^53), so Mean,
    # the robust mean and (with an integer voxelArrayShift) Energy equal the voxel-by-voxel sums
    # bit for bit; the central moments differ from them only in summation order.
    nb = counts.shape[0]
    total = 0.0
    energy = 0.0
    for b in range(nb):
        c = counts[b]
        if c > 0:
            v = mn + b
            total += c * v
            energy += c * ((v + shift) * (v + shift))
    mean = total / n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    mad = 0.0
    for b in range(nb):
        c = counts[b]
        if c > 0:
            d = (mn + b) - mean
            d2 = d * d
            m2 += c * d2
            m3 += c * (d2 * d)
            m4 += c * (d2 * d2)
            mad += c * abs(d)
    ranks, ts = _percentile_ranks(n)
    stats = np.empty(ranks.shape[0])
    _ranks_from_counts(counts, mn, ranks, stats)
    pct = np.empty(5)
    for k in range(5):
        pct[k] = _lerp(stats[2 * k], stats[2 * k + 1], ts[k])
    rsum = 0.0
    rn = 0
    for b in range(nb):
        v = mn + b
        if counts[b] > 0 and v >= pct[0] and v <= pct[4]:
            rsum += counts[b] * v
            rn += counts[b]
    rmad = np.nan  # no voxel between P10 and P90 (two distinct values): numpy's empty mean
    if rn > 0:
        rmean = rsum / rn
        rmad = 0.0
        for b in range(nb):
            v = mn + b
            if counts[b] > 0 and v >= pct[0] and v <= pct[4]:
                rmad += counts[b] * abs(v - rmean)
        rmad /= rn
    _store(out, n, hist, mn, mn + nb - 1, mean, energy, m2 / n, m3 / n, m4 / n, mad / n, pct, rmad, voxel_volume)


@jit
def _firstorder_values(values, mn, mx, integral, has_nan, hist, shift, voxel_volume, out):
    # voxel by voxel: values that are not short-range integers (or hold NaN / infinities)
    n = values.shape[0]
    mean = 0.0
    energy = 0.0
    for i in range(n):
        v = values[i]
        mean += v
        energy += (v + shift) * (v + shift)
    mean /= n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    mad = 0.0
    for i in range(n):
        d = values[i] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
        mad += abs(d)
    ranks, ts = _percentile_ranks(n)
    if not has_nan and mn > -np.inf and mx < np.inf:
        stats = _order_statistics(values, mn, mx, integral, ranks)
    else:  # NaN or infinite intensities: numpy's sort order decides, as before
        s = np.sort(values)
        stats = np.empty(10)
        for k in range(10):
            stats[k] = s[ranks[k]]
        mn = s[0]
        mx = s[n - 1]
    pct = np.empty(5)
    for k in range(5):
        pct[k] = _lerp(stats[2 * k], stats[2 * k + 1], ts[k])
    p10 = pct[0]
    p90 = pct[4]
    # robust MAD: voxels with p10 <= x <= p90
    rsum = 0.0
    rn = 0
    for i in range(n):
        v = values[i]
        if v >= p10 and v <= p90:
            rsum += v
            rn += 1
    rmad = np.nan  # no voxel between P10 and P90 (two distinct values): numpy's empty mean
    if rn > 0:
        rmean = rsum / rn
        rmad = 0.0
        for i in range(n):
            v = values[i]
            if v >= p10 and v <= p90:
                rmad += abs(v - rmean)
        rmad /= rn
    _store(out, n, hist, mn, mx, mean, energy, m2 / n, m3 / n, m4 / n, mad / n, pct, rmad, voxel_volume)


@jit
def _store(out, n, hist, mn, mx, mean, energy, m2, m3, m4, mad, pct, rmad, voxel_volume):
    """The 19 features from the moments, percentiles and grey-level histogram, in FEATURES order."""
    eps = 2.220446049250313e-16  # numpy.spacing(1), as pyradiomics adds it inside log2
    entropy = 0.0
    uniformity = 0.0
    for k in range(hist.shape[0]):
        if hist[k] > 0:
            p = hist[k] / n
            entropy -= p * math.log2(p + eps)
            uniformity += p * p
    if m2 == 0.0:
        skew = 0.0
        kurt = 0.0
    else:
        skew = m3 / m2 ** 1.5
        kurt = m4 / (m2 * m2)
    out[0] = pct[0]
    out[1] = pct[4]
    out[2] = energy
    out[3] = entropy
    out[4] = pct[3] - pct[1]
    out[5] = kurt
    out[6] = mx
    out[7] = mad
    out[8] = mean
    out[9] = pct[2]
    out[10] = mn
    out[11] = mx - mn
    out[12] = rmad
    out[13] = math.sqrt(energy / n)
    out[14] = skew
    out[15] = energy * voxel_volume
    out[16] = uniformity
    out[17] = m2
    out[18] = math.sqrt(m2)


@jit
def firstorder_from_values(values, levels, shift, voxel_volume, out):
    """Fill ``out[:19]`` with the first-order features of ``values``.

    ``levels`` are the discretised grey levels of the same voxels (for Entropy/Uniformity).
    """
    _firstorder(values, _level_histogram(levels), shift, voxel_volume, out)


@jit
def firstorder_masked(image, mask, levels, shift, voxel_volume, out):
    """:func:`firstorder_from_values` of the voxels of 3D ``image`` (any strides) inside ``mask``.

    Gathers the ROI intensities (as float64, C order) and histograms ``levels`` in one pass.
    """
    nz, ny, nx = image.shape
    n = 0
    nl = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if mask[z, y, x]:
                    n += 1
                    if levels[z, y, x] > nl:
                        nl = levels[z, y, x]
    values = np.empty(n)
    hist = np.zeros(nl + 1, dtype=np.int64)
    k = 0
    for z in range(nz):
        for y in range(ny):
            for x in range(nx):
                if mask[z, y, x]:
                    values[k] = image[z, y, x]
                    hist[levels[z, y, x]] += 1
                    k += 1
    _firstorder(values, hist, shift, voxel_volume, out)


@pjit
def firstorder_batch(images, levels, masks, shift, voxel_volume):
    """First-order features of a stack of same-shape images ``(N, ...)``; one row per image."""
    n_img = images.shape[0]
    out = np.full((n_img, N_FIRSTORDER), np.nan)
    flat_i = images.reshape(n_img, -1)
    flat_l = levels.reshape(n_img, -1)
    flat_m = masks.reshape(n_img, -1)
    for k in prange(n_img):
        cnt = 0
        for j in range(flat_m.shape[1]):
            if flat_m[k, j]:
                cnt += 1
        if cnt == 0:
            continue
        vals = np.empty(cnt)
        lev = np.empty(cnt, dtype=np.int64)
        c = 0
        for j in range(flat_m.shape[1]):
            if flat_m[k, j]:
                vals[c] = flat_i[k, j]
                lev[c] = flat_l[k, j]
                c += 1
        firstorder_from_values(vals, lev, shift, voxel_volume, out[k])
    return out
