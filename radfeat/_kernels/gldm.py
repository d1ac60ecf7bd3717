"""GLDM kernels (private: arrays in, arrays out, no validation).

Neighbourhoods come from :mod:`._neighbours` (shared with GLSZM and NGTDM): the ROI box is
zero-padded by the largest offset per axis, so a neighbour is one flat-index addition away and
"outside the image" reads as level 0 = "outside the ROI". All arrays here are 3D ``(z, y, x)``;
2D images arrive as ``(1, y, x)`` with angles whose z offset is 0. Grey levels are 1-based.

The batch kernels of GLDM, GLSZM and NGTDM build that padded box per image with
:func:`._neighbours.pad_batch_image`, into a buffer reused across the images of a chunk.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from ._emphasis import emphasis_sums
from ._neighbours import BATCH_CHUNK, BLOCK, chunk_range, interior_span, pad_batch_image, sum_chunks

N_GLDM = 14


#: Slots of the count vector that voxels outside the ROI are spread over (see _gldm_count).
_SINK = 8


@jit
def _gldm_count(padded, offsets, limit, s0, n, dep, counts, nc):
    """Count the voxels ``s0..s0+n-1`` by level and dependent neighbours into ``counts``.

    ``counts[_SINK + (g - 1) * nc + k]`` counts voxels of level ``g`` with ``k`` dependent
    neighbours ``h`` (``h != 0`` and ``|g - h| <= limit``); ``dep`` is int32 scratch of ``n``.
    Angles outside, voxels inside: the dependence passes are branch-free over contiguous memory
    (unsigned indices spare numba's wrap-around checks), so LLVM vectorises them; the count
    pass is branch-free too, voxels outside the ROI going to ``_SINK`` rotating slots so that
    their increments do not wait on each other.
    """
    base = np.uint64(s0)
    nu = np.uint64(n)
    for t in range(nu):
        dep[t] = 0
    na = offsets.shape[0]
    a = 0
    while a + 4 <= na:
        # four offsets per pass: a quarter of the loads and stores of dep
        o0, o1, o2, o3 = offsets[a], offsets[a + 1], offsets[a + 2], offsets[a + 3]
        if limit == 0:
            # pyradiomics' default: dependent means equal (h != 0 then holds in the ROI, and
            # what is counted outside it goes to the sink)
            for t in range(nu):
                k = base + t
                ki = np.int64(k)
                g = padded[k]
                dep[t] += (np.int32(padded[np.uint64(ki + o0)] == g) + np.int32(padded[np.uint64(ki + o1)] == g)
                           + np.int32(padded[np.uint64(ki + o2)] == g) + np.int32(padded[np.uint64(ki + o3)] == g))
        else:
            for t in range(nu):
                k = base + t
                ki = np.int64(k)
                g = padded[k]
                h0 = padded[np.uint64(ki + o0)]
                h1 = padded[np.uint64(ki + o1)]
                h2 = padded[np.uint64(ki + o2)]
                h3 = padded[np.uint64(ki + o3)]
                dep[t] += ((np.int32(h0 != 0) & np.int32(abs(g - h0) <= limit))
                           + (np.int32(h1 != 0) & np.int32(abs(g - h1) <= limit))
                           + (np.int32(h2 != 0) & np.int32(abs(g - h2) <= limit))
                           + (np.int32(h3 != 0) & np.int32(abs(g - h3) <= limit)))
        a += 4
    for rest in range(a, na):
        o = offsets[rest]
        for t in range(nu):
            k = base + t
            h = padded[np.uint64(np.int64(k) + o)]
            dep[t] += np.int32(h != 0) & np.int32(abs(padded[k] - h) <= limit)
    sink = np.uint64(_SINK)
    for t in range(nu):
        g = np.uint64(padded[base + t])
        slot = sink + (g - np.uint64(1)) * np.uint64(nc) + np.uint64(dep[t]) if g != 0 else t % sink
        counts[slot] += 1


@jit
def _dependence_limit(alpha):
    # Levels are integers, so |g - h| <= alpha iff |g - h| <= floor(alpha); a negative alpha
    # makes every neighbour independent.
    return np.int32(min(math.floor(alpha), 2147483647)) if alpha >= 0 else np.int32(-1)


@jit
def _gldm_span(padded, offsets, alpha, s0, s1, mat):
    # mat[g - 1, k] += voxels of level g with k dependent neighbours (|g - h| <= alpha)
    nc = offsets.shape[0] + 1
    limit = _dependence_limit(alpha)
    dep = np.empty(min(BLOCK, max(s1 - s0, 1)), dtype=np.int32)
    counts = np.zeros(_SINK + mat.shape[0] * nc, dtype=np.int64)
    for b0 in range(s0, s1, BLOCK):
        _gldm_count(padded, offsets, limit, b0, min(BLOCK, s1 - b0), dep, counts, nc)
    for i in range(mat.shape[0]):
        for k in range(nc):
            mat[i, k] += counts[_SINK + i * nc + k]


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


# -------------------------------------------------------------------------------------- batch

@jit
def _gldm_chunk(lv, nd, distances, force2d_dim, alpha, n0, n1, out):
    # images n0..n1-1 of gldm_batch, with scratch allocated once per chunk
    work = np.zeros(0, dtype=np.int32)
    box = np.full(3, -1, dtype=np.int64)
    dims = np.zeros(6, dtype=np.int64)
    offsets = np.empty(0, dtype=np.int64)
    limit = _dependence_limit(alpha)
    dep = np.empty(0, dtype=np.int32)
    counts = np.zeros(0, dtype=np.int64)
    p_buf = np.empty(0)
    ivec = np.empty(0)
    jvec = np.empty(0)
    for n in range(n0, n1):
        work, offsets, top = pad_batch_image(lv, n, nd, distances, force2d_dim, work, box, dims, offsets)
        if top < 0:
            out[n, :] = np.nan
            continue
        nc = offsets.shape[0] + 1
        k0, k1 = interior_span(dims)
        if k1 - k0 > dep.shape[0]:
            dep = np.empty(k1 - k0, dtype=np.int32)
        if _SINK + top * nc > counts.shape[0]:
            counts = np.zeros(_SINK + top * nc, dtype=np.int64)
            p_buf = np.empty(top * nc)
            ivec = np.empty(top)
            jvec = np.empty(nc)
        _gldm_count(work, offsets, limit, k0, k1 - k0, dep, counts, nc)
        # compress_matrix, into scratch: the rows and columns that hold a voxel
        n_rows = 0
        n_cols = 0
        for k in range(nc):
            jvec[k] = 0.0
        for i in range(top):
            row = _SINK + i * nc
            present = False
            for k in range(nc):
                if counts[row + k] != 0:
                    present = True
                    jvec[k] = 1.0
            if present:
                ivec[n_rows] = i + 1
                n_rows += 1
        for k in range(nc):
            if jvec[k] != 0.0:
                jvec[n_cols] = k + 1
                n_cols += 1
        p = p_buf[:n_rows * n_cols].reshape((n_rows, n_cols))
        for a in range(n_rows):
            row = _SINK + (int(ivec[a]) - 1) * nc
            for b in range(n_cols):
                p[a, b] = counts[row + int(jvec[b]) - 1]
        counts[:_SINK + top * nc] = 0
        gldm_features(p, ivec[:n_rows], jvec[:n_cols], out[n])


@pjit
def gldm_batch(lv, nd, distances, force2d_dim, alpha, out):
    """GLDM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 14)``."""
    n = lv.shape[0]
    n_chunks = (n + BATCH_CHUNK - 1) // BATCH_CHUNK
    for c in prange(n_chunks):
        _gldm_chunk(lv, nd, distances, force2d_dim, alpha, c * BATCH_CHUNK, min(n, (c + 1) * BATCH_CHUNK), out)
