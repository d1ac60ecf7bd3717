"""NGTDM kernels (private: arrays in, arrays out, no validation).

Neighbourhood handling (angles, cropping, zero padding) comes from :mod:`._neighbours`.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, pjit, prange
from ._neighbours import BLOCK, chunk_range, interior_span, max_level, neighbourhood, sum_chunks

N_NGTDM = 5


@jit
def _ngtdm_block(padded, offsets, s0, s1, count, total, mat):
    # Angles outside, voxels inside: the inner loop is branch-free over contiguous memory (a
    # level of 0 outside the ROI adds nothing to the sum), so LLVM vectorises it. Integer sums
    # are exact, so total / count equals the C code's double arithmetic.
    n = s1 - s0
    centre = padded[s0:s1]
    count[:n] = 0
    total[:n] = 0
    for a in range(offsets.shape[0]):
        neighbour = padded[s0 + offsets[a]:s1 + offsets[a]]
        for t in range(n):
            h = neighbour[t]
            count[t] += np.int32(h != 0)
            total[t] += h
    for t in range(n):
        g = centre[t]
        if g == 0:
            continue
        diff = 0.0
        if count[t] != 0:  # a voxel without ROI neighbours adds 0 but still counts in n_i
            diff = abs(g - total[t] / count[t])
        mat[g - 1, 0] += 1.0
        mat[g - 1, 1] += diff


@jit
def _ngtdm_span(padded, offsets, s0, s1, mat):
    count = np.empty(min(BLOCK, max(s1 - s0, 1)), dtype=np.int32)
    total = np.empty(count.shape[0], dtype=np.int64)
    for b0 in range(s0, s1, BLOCK):
        _ngtdm_block(padded, offsets, b0, min(b0 + BLOCK, s1), count, total, mat)


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
    """Fill ``out[:5]`` (Busyness, Coarseness, Complexity, Contrast, Strength) from ``p`` (Ngp, 3)."""
    ngp = p.shape[0]
    nvp = 0.0
    sum_s = 0.0
    for a in range(ngp):
        nvp += p[a, 0]
        sum_s += p[a, 1]
    pi = p[:, 0] / nvp
    si = p[:, 1]
    iv = p[:, 2]
    sum_ps = 0.0
    for a in range(ngp):
        sum_ps += pi[a] * si[a]
    contrast = 0.0
    absdiff = 0.0
    complexity = 0.0
    strength = 0.0
    for a in range(ngp):
        for b in range(ngp):
            d = iv[a] - iv[b]
            contrast += pi[a] * pi[b] * d * d
            absdiff += abs(iv[a] * pi[a] - iv[b] * pi[b])
            complexity += abs(d) * (pi[a] * si[a] + pi[b] * si[b]) / (pi[a] + pi[b])
            strength += (pi[a] + pi[b]) * d * d
    # pyradiomics' conventions for degenerate ROIs (a flat ROI gives 1e6, 0, 0, 0, 0)
    out[0] = sum_ps / absdiff if absdiff != 0.0 else 0.0
    out[1] = 1.0 / sum_ps if sum_ps != 0.0 else 1e6
    out[2] = complexity / nvp
    div = ngp * (ngp - 1)
    out[3] = contrast * sum_s / nvp / div if div != 0 else 0.0
    out[4] = strength / sum_s if sum_s != 0.0 else 0.0


@jit
def _ngtdm_one(lv, nd, distances, force2d_dim, out):
    # one image of a batch; NaN for an empty ROI or a box smaller than every distance
    padded, offsets, dims = neighbourhood(lv, nd, distances, force2d_dim)
    if offsets.shape[0] == 0:
        out[:] = np.nan
        return
    mat = ngtdm_matrix(padded, offsets, dims, max_level(padded))
    ngtdm_features(ngtdm_compress(mat), out)


@pjit
def ngtdm_batch(lv, nd, distances, force2d_dim, out):
    """NGTDM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 5)``."""
    for n in prange(lv.shape[0]):
        _ngtdm_one(lv[n], nd, distances, force2d_dim, out[n])
