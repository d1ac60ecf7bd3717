"""GLSZM kernels (private: arrays in, arrays out, no validation).

Zones are found by an iterative flood fill with an explicit stack over the zero-padded box of
:func:`._neighbours.pad_levels`; a voxel is zeroed when pushed, so each is visited once. When no
angle moves along axis 0 (force2D, with the out-of-plane axis moved first by the caller), every z
slice is independent and :func:`glszm_zones_slices` fills the slices in parallel.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, pjit, prange
from ._emphasis import emphasis_sums
from ._neighbours import max_level, neighbourhood, row_base

N_GLSZM = 16


@jit
def _fill_rows(work, offsets, dims, r0, r1, zone_level, zone_size, start):
    # Flood-fill the zones that start in interior rows [r0, r1); returns how many were found.
    # Callers pass all rows or whole independent z slices, so a zone never leaves [r0, r1) and
    # the stack never exceeds the voxels of those rows (each voxel is pushed once).
    na = offsets.shape[0]
    stack = np.empty(max((r1 - r0) * dims[2], 1), dtype=np.int64)
    n = 0
    for r in range(r0, r1):
        base = row_base(dims, r)
        for x in range(dims[2]):
            k = base + x
            g = work[k]
            if g == 0:
                continue
            work[k] = 0
            stack[0] = k
            top = 1
            size = 0
            while top > 0:
                top -= 1
                c = stack[top]
                size += 1
                for a in range(na):
                    j = c + offsets[a]
                    if work[j] == g:
                        work[j] = 0
                        stack[top] = j
                        top += 1
            zone_level[start + n] = g
            zone_size[start + n] = size
            n += 1
    return n


@jit
def _count_rows(padded, dims, r0, r1):
    n = 0
    for r in range(r0, r1):
        base = row_base(dims, r)
        for x in range(dims[2]):
            if padded[base + x] != 0:
                n += 1
    return n


@jit
def _compact(zone_level, zone_size, starts, counts):
    total = 0
    for s in range(counts.shape[0]):
        total += counts[s]
    lv = np.empty(total, dtype=np.int64)
    sz = np.empty(total, dtype=np.int64)
    t = 0
    for s in range(counts.shape[0]):
        for q in range(counts[s]):
            lv[t] = zone_level[starts[s] + q]
            sz[t] = zone_size[starts[s] + q]
            t += 1
    return lv, sz


@jit
def glszm_zones(padded, offsets, dims):
    """Grey level and size of every zone: two int64 arrays of length ``Nz``.

    ``padded`` is consumed (voxels are zeroed as they join a zone).
    """
    nvox = _count_rows(padded, dims, 0, dims[0] * dims[1])
    zone_level = np.empty(nvox, dtype=np.int64)
    zone_size = np.empty(nvox, dtype=np.int64)
    n = _fill_rows(padded, offsets, dims, 0, dims[0] * dims[1], zone_level, zone_size, 0)
    return zone_level[:n].copy(), zone_size[:n].copy()


@pjit
def glszm_zones_slices(padded, offsets, dims):
    """:func:`glszm_zones` for angles with zero z offset: z slices are filled in parallel.

    Each slice writes its zones to its own stretch of the output, sized by its ROI voxels.
    """
    nz = dims[0]
    ny = dims[1]
    counts = np.zeros(nz, dtype=np.int64)
    for z in prange(nz):
        counts[z] = _count_rows(padded, dims, z * ny, (z + 1) * ny)
    starts = np.zeros(nz, dtype=np.int64)
    for z in range(1, nz):
        starts[z] = starts[z - 1] + counts[z - 1]
    total = starts[nz - 1] + counts[nz - 1]
    zone_level = np.empty(total, dtype=np.int64)
    zone_size = np.empty(total, dtype=np.int64)
    found = np.zeros(nz, dtype=np.int64)
    for z in prange(nz):
        found[z] = _fill_rows(padded, offsets, dims, z * ny, (z + 1) * ny, zone_level, zone_size, starts[z])
    return _compact(zone_level, zone_size, starts, found)


@jit
def glszm_axes(zone_level, zone_size, ng):
    """Levels and sizes that occur, as 1-based vectors, and maps from value to matrix index (-1: absent)."""
    max_size = 0
    for z in range(zone_size.shape[0]):
        if zone_size[z] > max_size:
            max_size = zone_size[z]
    level_map = np.full(ng + 1, -1, dtype=np.int64)
    size_map = np.full(max_size + 1, -1, dtype=np.int64)
    for z in range(zone_level.shape[0]):
        level_map[zone_level[z]] = 0
        size_map[zone_size[z]] = 0
    ivec = _number_present(level_map)
    jvec = _number_present(size_map)
    return ivec, jvec, level_map, size_map


@jit
def _number_present(index_map):
    # turn "present" flags (0) into consecutive matrix indices; return the present values
    n = 0
    for v in range(index_map.shape[0]):
        if index_map[v] == 0:
            n += 1
    values = np.empty(n, dtype=np.float64)
    t = 0
    for v in range(index_map.shape[0]):
        if index_map[v] == 0:
            index_map[v] = t
            values[t] = v
            t += 1
    return values


@jit
def glszm_matrix(zone_level, zone_size, level_map, size_map, n_levels, n_sizes):
    """GLSZM in pyradiomics' layout: rows = present levels, columns = present zone sizes."""
    mat = np.zeros((n_levels, n_sizes), dtype=np.float64)
    for z in range(zone_level.shape[0]):
        mat[level_map[zone_level[z]], size_map[zone_size[z]]] += 1.0
    return mat


@jit
def glszm_features(p, ivec, jvec, out):
    """Fill ``out[:16]`` from the GLSZM ``p`` (rows: levels ``ivec``, columns: sizes ``jvec``)."""
    (nz, ps, ent, salgle, sahgle, lalgle, lahgle, gln, lglze, hglze, glv,
     szn, sae, lae, zv) = emphasis_sums(p, ivec, jvec, False)
    np_ = 0.0  # N_p, the ROI voxels: sum of zone sizes
    for j in range(ps.shape[0]):
        np_ += ps[j] * jvec[j]
    if np_ == 0.0:
        np_ = 1.0
    out[0] = gln / nz
    out[1] = gln / (nz * nz)
    out[2] = glv
    out[3] = hglze / nz
    out[4] = lae / nz
    out[5] = lahgle / nz
    out[6] = lalgle / nz
    out[7] = lglze / nz
    out[8] = szn / nz
    out[9] = szn / (nz * nz)
    out[10] = sae / nz
    out[11] = sahgle / nz
    out[12] = salgle / nz
    out[13] = ent
    out[14] = nz / np_
    out[15] = zv


@jit
def _glszm_one(lv, nd, force2d_dim, out):
    # one image of a batch; NaN for an empty ROI or a single-voxel box (no neighbour directions)
    padded, offsets, dims = neighbourhood(lv, nd, np.ones(1, dtype=np.int64), force2d_dim)
    if offsets.shape[0] == 0:
        out[:] = np.nan
        return
    ng = max_level(padded)
    zone_level, zone_size = glszm_zones(padded, offsets, dims)
    ivec, jvec, level_map, size_map = glszm_axes(zone_level, zone_size, ng)
    p = glszm_matrix(zone_level, zone_size, level_map, size_map, ivec.shape[0], jvec.shape[0])
    glszm_features(p, ivec, jvec, out)


@pjit
def glszm_batch(lv, nd, force2d_dim, out):
    """GLSZM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 16)``."""
    for n in prange(lv.shape[0]):
        _glszm_one(lv[n], nd, force2d_dim, out[n])
