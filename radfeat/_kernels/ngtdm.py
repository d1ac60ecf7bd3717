"""NGTDM kernels (private: arrays in, arrays out, no validation).

Neighbourhood handling (angles, cropping, zero padding) comes from :mod:`._neighbours`; the batch
kernel pads its images with :func:`._neighbours.pad_batch_image`.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, pjit, prange
from ._neighbours import BATCH_CHUNK, BLOCK, chunk_range, interior_span, pad_batch_image, sum_chunks

N_NGTDM = 5


@jit
def _ngtdm_block(padded, offsets, s0, n, count, total, diff):
    # diff[t] = |g - mean of the ROI neighbours| of voxel s0 + t (0 without ROI neighbours).
    # Angles outside, voxels inside, four angles per pass: the loops are branch-free over
    # contiguous memory (a level of 0 outside the ROI adds nothing to the sum; unsigned indices
    # spare numba's wrap-around checks), so LLVM vectorises them. Integer sums are exact, so
    # total / count equals the C code's double arithmetic.
    base = np.uint64(s0)
    nu = np.uint64(n)
    for t in range(nu):
        count[t] = 0
        total[t] = 0
    na = offsets.shape[0]
    a = 0
    while a + 4 <= na:
        o0, o1, o2, o3 = offsets[a], offsets[a + 1], offsets[a + 2], offsets[a + 3]
        for t in range(nu):
            k = np.int64(base + t)
            h0 = padded[np.uint64(k + o0)]
            h1 = padded[np.uint64(k + o1)]
            h2 = padded[np.uint64(k + o2)]
            h3 = padded[np.uint64(k + o3)]
            count[t] += np.int32(h0 != 0) + np.int32(h1 != 0) + np.int32(h2 != 0) + np.int32(h3 != 0)
            total[t] += h0 + h1 + h2 + h3
        a += 4
    for rest in range(a, na):
        o = offsets[rest]
        for t in range(nu):
            h = padded[np.uint64(np.int64(base + t) + o)]
            count[t] += np.int32(h != 0)
            total[t] += h
    for t in range(nu):
        c = count[t]
        # a voxel without ROI neighbours adds 0 but still counts in n_i
        diff[t] = abs(padded[base + t] - total[t] / max(c, 1)) * (c != 0)


@jit
def _ngtdm_span(padded, offsets, s0, s1, mat):
    count = np.empty(min(BLOCK, max(s1 - s0, 1)), dtype=np.int32)
    diff = np.empty(count.shape[0])
    # int32 neighbour sums vectorise twice as wide; int64 where they could overflow
    if offsets.shape[0] * mat.shape[0] < 2 ** 31:
        total = np.empty(count.shape[0], dtype=np.int32)
        for b0 in range(s0, s1, BLOCK):
            _ngtdm_block(padded, offsets, b0, min(BLOCK, s1 - b0), count, total, diff)
            _ngtdm_add(padded, b0, min(BLOCK, s1 - b0), diff, mat)
    else:
        total64 = np.empty(count.shape[0], dtype=np.int64)
        for b0 in range(s0, s1, BLOCK):
            _ngtdm_block(padded, offsets, b0, min(BLOCK, s1 - b0), count, total64, diff)
            _ngtdm_add(padded, b0, min(BLOCK, s1 - b0), diff, mat)


@jit
def _ngtdm_add(padded, b0, n, diff, mat):
    # s_i sums in voxel order: the rounding then does not depend on the block size
    for t in range(n):
        g = padded[b0 + t]
        if g != 0:
            mat[g - 1, 0] += 1.0
            mat[g - 1, 1] += diff[t]


@jit
def ngtdm_matrix(padded, offsets, dims, ng):
    """Raw NGTDM ``(ng, 2)``: voxel count ``n_i`` and summed difference ``s_i`` per level."""
    mat = np.zeros((ng, 2), dtype=np.float64)
    k0, k1 = interior_span(dims)
    _ngtdm_span(padded, offsets, k0, k1, mat)
    return mat


@pjit
def ngtdm_matrix_parallel(padded, offsets, dims, ng, nchunks):
    """:func:`ngtdm_matrix` with one partial matrix per chunk of voxels, summed at the end."""
    k0, k1 = interior_span(dims)
    parts = np.zeros((nchunks, ng, 2), dtype=np.float64)
    for c in prange(nchunks):
        s0, s1 = chunk_range(k0, k1, c, nchunks)
        _ngtdm_span(padded, offsets, s0, s1, parts[c])
    return sum_chunks(parts)


@jit
def ngtdm_compress(mat):
    """pyradiomics' layout ``(Ngp, 3)``: ``n_i, s_i, i`` for the levels present in the ROI."""
    ngp = 0
    for g in range(mat.shape[0]):
        if mat[g, 0] != 0:
            ngp += 1
    out = np.empty((ngp, 3), dtype=np.float64)
    r = 0
    for g in range(mat.shape[0]):
        if mat[g, 0] != 0:
            out[r, 0] = mat[g, 0]
            out[r, 1] = mat[g, 1]
            out[r, 2] = g + 1
            r += 1
    return out


@jit
def ngtdm_features(p, out):
    """Fill ``out[:5]`` (Busyness, Coarseness, Complexity, Contrast, Strength) from ``p`` (Ngp, 3).

    The double sums over level pairs run over ``a < b`` and are doubled: their terms are
    symmetric in ``a, b`` and vanish for ``a == b``. That halves the work, and two running sums
    per row shorten the chains of dependent additions, at the price of a summation order that
    differs from a plain double loop by rounding (all terms are non-negative: relative
    differences of order 1e-15).
    """
    ngp = p.shape[0]
    nvp = 0.0
    sum_s = 0.0
    for a in range(ngp):
        nvp += p[a, 0]
        sum_s += p[a, 1]
    pi = np.empty(ngp)
    ps = np.empty(ngp)
    ip = np.empty(ngp)
    sum_ps = 0.0
    for a in range(ngp):
        pi[a] = p[a, 0] / nvp
        ps[a] = pi[a] * p[a, 1]
        ip[a] = p[a, 2] * pi[a]
        sum_ps += ps[a]
    contrast = 0.0
    absdiff = 0.0
    complexity = 0.0
    strength = 0.0
    for a in range(ngp):
        ia = p[a, 2]
        pa = pi[a]
        c0 = c1 = x0 = x1 = m0 = m1 = s0 = s1 = 0.0
        b = a + 1
        while b + 1 < ngp:
            d = ia - p[b, 2]
            e = ia - p[b + 1, 2]
            c0 += pi[b] * d * d
            c1 += pi[b + 1] * e * e
            x0 += abs(ip[a] - ip[b])
            x1 += abs(ip[a] - ip[b + 1])
            m0 += abs(d) * (ps[a] + ps[b]) / (pa + pi[b])
            m1 += abs(e) * (ps[a] + ps[b + 1]) / (pa + pi[b + 1])
            s0 += (pa + pi[b]) * d * d
            s1 += (pa + pi[b + 1]) * e * e
            b += 2
        if b < ngp:
            d = ia - p[b, 2]
            c0 += pi[b] * d * d
            x0 += abs(ip[a] - ip[b])
            m0 += abs(d) * (ps[a] + ps[b]) / (pa + pi[b])
            s0 += (pa + pi[b]) * d * d
        contrast += pa * (c0 + c1)
        absdiff += x0 + x1
        complexity += m0 + m1
        strength += s0 + s1
    contrast *= 2.0
    absdiff *= 2.0
    complexity *= 2.0
    strength *= 2.0
    # pyradiomics' conventions for degenerate ROIs (a flat ROI gives 1e6, 0, 0, 0, 0)
    out[0] = sum_ps / absdiff if absdiff != 0.0 else 0.0
    out[1] = 1.0 / sum_ps if sum_ps != 0.0 else 1e6
    out[2] = complexity / nvp
    div = ngp * (ngp - 1)
    out[3] = contrast * sum_s / nvp / div if div != 0 else 0.0
    out[4] = strength / sum_s if sum_s != 0.0 else 0.0


@jit
def _ngtdm_chunk(lv, nd, distances, force2d_dim, n0, n1, out):
    # images n0..n1-1 of ngtdm_batch, with scratch allocated once per chunk
    work = np.zeros(0, dtype=np.int32)
    box = np.full(3, -1, dtype=np.int64)
    dims = np.zeros(6, dtype=np.int64)
    offsets = np.empty(0, dtype=np.int64)
    mat_buf = np.empty(0)
    for n in range(n0, n1):
        work, offsets, top = pad_batch_image(lv, n, nd, distances, force2d_dim, work, box, dims, offsets)
        if top < 0:
            out[n, :] = np.nan
            continue
        if 2 * top > mat_buf.shape[0]:
            mat_buf = np.empty(2 * top)
        mat = mat_buf[:2 * top].reshape((top, 2))
        mat[:, :] = 0.0
        k0, k1 = interior_span(dims)
        _ngtdm_span(work, offsets, k0, k1, mat)
        ngtdm_features(ngtdm_compress(mat), out[n])


@pjit
def ngtdm_batch(lv, nd, distances, force2d_dim, out):
    """NGTDM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 5)``."""
    n = lv.shape[0]
    n_chunks = (n + BATCH_CHUNK - 1) // BATCH_CHUNK
    for c in prange(n_chunks):
        _ngtdm_chunk(lv, nd, distances, force2d_dim, c * BATCH_CHUNK, min(n, (c + 1) * BATCH_CHUNK), out)
