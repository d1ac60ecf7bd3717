"""GLDM kernels (private: arrays in, arrays out, no validation).

Neighbourhoods come from :mod:`._neighbours` (shared with GLSZM and NGTDM): the ROI box is
zero-padded by the largest offset per axis, so a neighbour is one flat-index addition away and
"outside the image" reads as level 0 = "outside the ROI". All arrays here are 3D ``(z, y, x)``;
2D images arrive as ``(1, y, x)`` with angles whose z offset is 0. Grey levels are 1-based.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from ._emphasis import emphasis_sums
from ._neighbours import BLOCK, chunk_range, interior_span, max_level, neighbourhood, sum_chunks

N_GLDM = 14


@jit
def _gldm_block(padded, offsets, limit, s0, s1, dep, mat):
    # Angles outside, voxels inside: the inner loop is branch-free over contiguous memory and
    # explicitly int32, so LLVM vectorises it (about 3x the per-voxel loop).
    n = s1 - s0
    centre = padded[s0:s1]
    dep[:n] = 0
    for a in range(offsets.shape[0]):
        neighbour = padded[s0 + offsets[a]:s1 + offsets[a]]
        for t in range(n):
            h = neighbour[t]
            dep[t] += np.int32(h != 0) & np.int32(abs(centre[t] - h) <= limit)
    for t in range(n):
        g = centre[t]
        if g != 0:
            mat[g - 1, dep[t]] += 1.0


@jit
def _gldm_span(padded, offsets, alpha, s0, s1, mat):
    # mat[g - 1, k] counts voxels of level g with k dependent neighbours (|g - h| <= alpha).
    # Levels are integers, so |g - h| <= alpha iff |g - h| <= floor(alpha); a negative alpha
    # makes every neighbour independent.
    limit = np.int32(min(math.floor(alpha), 2147483647)) if alpha >= 0 else np.int32(-1)
    dep = np.empty(min(BLOCK, max(s1 - s0, 1)), dtype=np.int32)
    for b0 in range(s0, s1, BLOCK):
        _gldm_block(padded, offsets, limit, b0, min(b0 + BLOCK, s1), dep, mat)


@jit
def gldm_matrix(padded, offsets, dims, alpha, ng):
    """Dependence matrix ``(ng, Na + 1)``: row = grey level - 1, column = dependent neighbours."""
    mat = np.zeros((ng, offsets.shape[0] + 1), dtype=np.float64)
    k0, k1 = interior_span(dims)
    _gldm_span(padded, offsets, alpha, k0, k1, mat)
    return mat


@pjit
def gldm_matrix_parallel(padded, offsets, dims, alpha, ng, nchunks):
    """:func:`gldm_matrix` with one partial matrix per chunk of voxels, summed at the end."""
    k0, k1 = interior_span(dims)
    parts = np.zeros((nchunks, ng, offsets.shape[0] + 1), dtype=np.float64)
    for c in prange(nchunks):
        s0, s1 = chunk_range(k0, k1, c, nchunks)
        _gldm_span(padded, offsets, alpha, s0, s1, parts[c])
    return sum_chunks(parts)


@jit
def compress_matrix(m):
    """Drop all-zero rows and columns of ``m``; return it with 1-based row and column indices."""
    rows = np.zeros(m.shape[0], dtype=np.bool_)
    cols = np.zeros(m.shape[1], dtype=np.bool_)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            if m[i, j] != 0:
                rows[i] = True
                cols[j] = True
    ivec = (np.nonzero(rows)[0] + 1).astype(np.float64)
    jvec = (np.nonzero(cols)[0] + 1).astype(np.float64)
    out = np.empty((ivec.shape[0], jvec.shape[0]), dtype=np.float64)
    for a in range(ivec.shape[0]):
        for b in range(jvec.shape[0]):
            out[a, b] = m[int(ivec[a]) - 1, int(jvec[b]) - 1]
    return out, ivec, jvec


@jit
def gldm_features(p, ivec, jvec, out):
    """Fill ``out[:14]`` from the compressed GLDM ``p`` (rows ``ivec``, columns ``jvec``)."""
    (nz, _, ent, sdlgle, sdhgle, ldlgle, ldhgle, gln, lgle, hgle, glv,
     dn, sde, lde, dv) = emphasis_sums(p, ivec, jvec, True)
    out[0] = ent
    out[1] = dn / nz
    out[2] = dn / (nz * nz)
    out[3] = dv
    out[4] = gln / nz
    out[5] = glv
    out[6] = hgle / nz
    out[7] = lde / nz
    out[8] = ldhgle / nz
    out[9] = ldlgle / nz
    out[10] = lgle / nz
    out[11] = sde / nz
    out[12] = sdhgle / nz
    out[13] = sdlgle / nz


@jit
def _gldm_one(lv, nd, distances, force2d_dim, alpha, out):
    # one image of a batch; NaN when pyradiomics would have nothing to compute (empty ROI or
    # a bounding box smaller than every requested distance)
    padded, offsets, dims = neighbourhood(lv, nd, distances, force2d_dim)
    if offsets.shape[0] == 0:
        out[:] = np.nan
        return
    mat = gldm_matrix(padded, offsets, dims, alpha, max_level(padded))
    p, ivec, jvec = compress_matrix(mat)
    gldm_features(p, ivec, jvec, out)


@pjit
def gldm_batch(lv, nd, distances, force2d_dim, alpha, out):
    """GLDM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 14)``."""
    for n in prange(lv.shape[0]):
        _gldm_one(lv[n], nd, distances, force2d_dim, alpha, out[n])
