"""First-order statistics kernels (private: arrays in, arrays out, no validation)."""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange

# Output slots, in the order of radfeat.features.firstorder.FEATURES.
N_FIRSTORDER = 19


@jit
def _percentile_sorted(s, q):
    # numpy's default "linear" method, including its lerp that is exact at both ends.
    n = s.shape[0]
    pos = q / 100.0 * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    t = pos - lo
    a = s[lo]
    b = s[hi]
    diff = b - a
    if t >= 0.5:
        return b - diff * (1.0 - t)
    return a + diff * t


@jit
def firstorder_from_values(values, levels, shift, voxel_volume, out):
    """Fill ``out[:19]`` with the first-order features of ``values``.

    ``levels`` are the discretised grey levels of the same voxels (for Entropy/Uniformity).
    """
    n = values.shape[0]
    s = np.sort(values)
    mean = 0.0
    energy = 0.0
    for i in range(n):
        mean += s[i]
        energy += (s[i] + shift) * (s[i] + shift)
    mean /= n
    m2 = 0.0
    m3 = 0.0
    m4 = 0.0
    mad = 0.0
    for i in range(n):
        d = s[i] - mean
        d2 = d * d
        m2 += d2
        m3 += d2 * d
        m4 += d2 * d2
        mad += abs(d)
    m2 /= n
    m3 /= n
    m4 /= n
    mad /= n
    p10 = _percentile_sorted(s, 10.0)
    p90 = _percentile_sorted(s, 90.0)
    # robust MAD: voxels with p10 <= x <= p90
    rsum = 0.0
    rn = 0
    for i in range(n):
        if s[i] >= p10 and s[i] <= p90:
            rsum += s[i]
            rn += 1
    rmean = rsum / rn
    rmad = 0.0
    for i in range(n):
        if s[i] >= p10 and s[i] <= p90:
            rmad += abs(s[i] - rmean)
    rmad /= rn
    # grey-level histogram of the discretised ROI
    nl = 0
    for i in range(n):
        if levels[i] > nl:
            nl = levels[i]
    hist = np.zeros(nl + 1, dtype=np.int64)
    for i in range(n):
        hist[levels[i]] += 1
    eps = 2.220446049250313e-16  # numpy.spacing(1), as pyradiomics adds it inside log2
    entropy = 0.0
    uniformity = 0.0
    for k in range(nl + 1):
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
    out[0] = p10
    out[1] = p90
    out[2] = energy
    out[3] = entropy
    out[4] = _percentile_sorted(s, 75.0) - _percentile_sorted(s, 25.0)
    out[5] = kurt
    out[6] = s[n - 1]
    out[7] = mad
    out[8] = mean
    out[9] = _percentile_sorted(s, 50.0)
    out[10] = s[0]
    out[11] = s[n - 1] - s[0]
    out[12] = rmad
    out[13] = math.sqrt(energy / n)
    out[14] = skew
    out[15] = energy * voxel_volume
    out[16] = uniformity
    out[17] = m2
    out[18] = math.sqrt(m2)


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
