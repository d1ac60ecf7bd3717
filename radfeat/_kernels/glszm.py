"""GLSZM kernels (private: arrays in, arrays out, no validation).

Zones are found over the zero-padded box of :func:`._neighbours.pad_levels`. Vectorised passes
count each voxel's neighbours of its own level: a voxel without one is a zone by itself, two
voxels that are each other's only one are a zone of two, and only the other voxels are
flood-filled (iteratively, with an explicit stack; a voxel is zeroed when pushed, so each is
visited once). In a textured ROI most zones are one or two voxels, which then cost no stack
traffic. When no angle moves along axis 0 (force2D, with the out-of-plane axis moved first by
the caller), every z slice is independent and :func:`glszm_zones_slices` fills the slices in
parallel. The batch kernel pads its images with :func:`._neighbours.pad_batch_image`.
"""

from __future__ import annotations

import numpy as np

from .._jit import jit, pjit, prange
from ._emphasis import emphasis_sums
from ._neighbours import BATCH_CHUNK, interior_span, pad_batch_image, row_base

N_GLSZM = 16


@jit
def _span_rows(dims, r0, r1):
    # flat padded range [k0, k1) from interior row r0 to past the end of row r1 - 1
    return row_base(dims, r0), row_base(dims, r1 - 1) + dims[2]


#: _fill_joined classifies the voxels of this many box positions at a time.
_BLOCK = 4096


@jit
def _count_same(work, offsets, k0, n, same, which):
    """``same[t]``: neighbours of voxel ``k0 + t`` (``t < n``) with its level; ``which[t]``: one of them.

    One branch-free pass per offset over contiguous memory (unsigned indices spare numba's
    wrap-around checks), so LLVM vectorises it. ``which`` is the offset index of the last such
    neighbour, meaningful where ``same`` is 1.
    """
    base = np.uint64(k0)
    nu = np.uint64(n)
    for t in range(nu):
        same[t] = 0
    for a in range(offsets.shape[0]):
        o = offsets[a]
        ia = np.uint8(a)
        for t in range(nu):
            k = base + t
            eq = work[np.uint64(np.int64(k) + o)] == work[k]
            same[t] += np.uint8(eq)
            which[t] = ia if eq else which[t]


@jit
def _fill_joined(work, offsets, k0, n, scratch, zone_level, zone_size, start):
    """Find the zones of two or more voxels that start in ``work[k0:k0 + n]``.

    Appends their level and size from ``zone_level[start]`` on, returns how many there are.
    Their voxels are zeroed in ``work``: what stays non-zero there are the one-voxel zones.
    ``scratch`` comes from :func:`_zone_scratch`. Callers pass all rows or whole independent
    z slices, so a zone never leaves the range.

    Two voxels that are each other's only neighbour of their level are a zone of two (most
    multi-voxel zones in a textured ROI); the other zones are flood-filled, a voxel being
    zeroed when pushed, so each is visited once. Voxels are sorted into these cases without
    branches: in a textured ROI the outcomes are random, and mispredicted branches would cost
    more than the work.
    """
    same, which, listed, pairs, stack = scratch
    na = offsets.shape[0]
    m = start
    for b0 in range(0, n, _BLOCK):
        # a block's counts see the zones filled before it zeroed: their voxels are skipped
        bn = min(_BLOCK, n - b0)
        kb = k0 + b0
        _count_same(work, offsets, kb, bn, same, which)
        n_listed = 0
        for t in range(bn):
            listed[n_listed] = t
            n_listed += (same[t] != 0) & (work[kb + t] != 0)
        n_pairs = 0
        n_fill = 0
        for i in range(n_listed):
            t = listed[i]
            o = offsets[which[t]]
            u = min(max(t + o, 0), bn - 1)  # the partner, if in this block (else: flood fill)
            pair = (same[t] == 1) & (u == t + o) & (same[u] == 1)
            pairs[n_pairs] = kb + t
            n_pairs += pair & (o > 0)  # once per pair
            listed[n_fill] = t
            n_fill += not pair
        for i in range(n_pairs):
            k = pairs[i]
            zone_level[m] = work[k]
            zone_size[m] = 2
            m += 1
            work[k] = 0
            work[k + offsets[which[k - kb]]] = 0
        for i in range(n_fill):
            k = kb + listed[i]
            g = work[k]
            if g == 0:
                continue  # joined a zone found earlier
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
            zone_level[m] = g
            zone_size[m] = size
            m += 1
    return m - start


@jit
def _zone_scratch(n):
    # same, which, listed, pairs, stack for _fill_joined over n box positions
    return (np.empty(_BLOCK, dtype=np.uint8), np.empty(_BLOCK, dtype=np.uint8),
            np.empty(_BLOCK, dtype=np.int64), np.empty(_BLOCK, dtype=np.int64),
            np.empty(n + 1, dtype=np.int64))


@jit
def _fill_rows(work, offsets, dims, r0, r1, zone_level, zone_size, start):
    # All zones of interior rows [r0, r1) from zone_level[start] on; returns how many. The zone
    # arrays must hold one entry more than the ROI voxels of those rows (a branch-free append
    # writes one past the last zone).
    k0, k1 = _span_rows(dims, r0, r1)
    n = k1 - k0
    m = start + _fill_joined(work, offsets, k0, n, _zone_scratch(n), zone_level, zone_size, start)
    for t in range(np.uint64(n)):
        g = work[np.uint64(k0) + t]
        zone_level[m] = g
        zone_size[m] = 1
        m += g != 0
    return m - start


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
    zone_level = np.empty(nvox + 1, dtype=np.int64)
    zone_size = np.empty(nvox + 1, dtype=np.int64)
    n = _fill_rows(padded, offsets, dims, 0, dims[0] * dims[1], zone_level, zone_size, 0)
    return zone_level[:n].copy(), zone_size[:n].copy()


@pjit
def glszm_zones_slices(padded, offsets, dims):
    """:func:`glszm_zones` for angles with zero z offset: z slices are filled in parallel.

    Each slice writes its zones to its own stretch of the output, sized by its ROI voxels
    (plus the one entry :func:`_fill_rows` may write past its last zone).
    """
    nz = dims[0]
    ny = dims[1]
    counts = np.zeros(nz, dtype=np.int64)
    for z in prange(nz):
        counts[z] = _count_rows(padded, dims, z * ny, (z + 1) * ny) + 1
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
def _glszm_chunk(lv, nd, force2d_dim, n0, n1, out):
    # Images n0..n1-1 of glszm_batch, with scratch allocated once per chunk. Zones of one voxel
    # are never listed: per level they are its voxels minus those of its larger zones.
    nvox = lv.shape[1] * lv.shape[2] * lv.shape[3]
    work = np.zeros(0, dtype=np.int32)
    scratch = _zone_scratch((lv.shape[1] + 2) * (lv.shape[2] + 2) * (lv.shape[3] + 2))
    zl = np.empty(nvox, dtype=np.int64)
    zs = np.empty(nvox, dtype=np.int64)
    size_col = np.full(nvox + 1, -1, dtype=np.int64)
    hist = np.zeros(64, dtype=np.int64)  # per level: ROI voxels, then its matrix row
    n_cap = 64
    ivec = np.empty(n_cap)
    single = np.empty(n_cap, dtype=np.int64)
    jvec = np.empty(nvox + 1)
    mat_buf = np.empty(n_cap * 8)
    one = np.ones(1, dtype=np.int64)  # zones join direct neighbours only
    box = np.full(3, -1, dtype=np.int64)
    dims = np.zeros(6, dtype=np.int64)
    offsets = np.empty(0, dtype=np.int64)
    for n in range(n0, n1):
        work, offsets, top = pad_batch_image(lv, n, nd, one, force2d_dim, work, box, dims, offsets)
        if top < 0:
            out[n, :] = np.nan
            continue
        if top >= hist.shape[0]:
            hist = np.zeros(top + 1, dtype=np.int64)
        k0, k1 = interior_span(dims)
        n_span = k1 - k0
        for t in range(np.uint64(n_span)):
            hist[work[np.uint64(k0) + t]] += 1
        n_rows = 0
        for v in range(1, top + 1):
            if hist[v] != 0:
                n_rows += 1
        if n_rows > n_cap:
            n_cap = n_rows
            ivec = np.empty(n_cap)
            single = np.empty(n_cap, dtype=np.int64)
        r = 0
        for v in range(1, top + 1):
            if hist[v] != 0:
                ivec[r] = v
                single[r] = hist[v]
                hist[v] = r
                r += 1
        hist[0] = 0
        n_big = _fill_joined(work, offsets, k0, n_span, scratch, zl, zs, 0)
        # the zone sizes present, ascending, as matrix columns
        max_size = 1
        for z in range(n_big):
            single[hist[zl[z]]] -= zs[z]
            size_col[zs[z]] = 0
            max_size = max(max_size, zs[z])
        for r in range(n_rows):
            if single[r] != 0:
                size_col[1] = 0
        n_cols = 0
        for s in range(1, max_size + 1):
            if size_col[s] == 0:
                size_col[s] = n_cols
                jvec[n_cols] = s
                n_cols += 1
        if n_rows * n_cols > mat_buf.shape[0]:
            mat_buf = np.empty(n_rows * n_cols)
        mat = mat_buf[:n_rows * n_cols].reshape((n_rows, n_cols))
        mat[:, :] = 0.0
        if size_col[1] == 0:
            for r in range(n_rows):
                mat[r, 0] = single[r]
        for z in range(n_big):
            mat[hist[zl[z]], size_col[zs[z]]] += 1.0
        glszm_features(mat, ivec[:n_rows], jvec[:n_cols], out[n])
        for c in range(n_cols):
            size_col[int(jvec[c])] = -1
        for r in range(n_rows):
            hist[int(ivec[r])] = 0


@pjit
def glszm_batch(lv, nd, force2d_dim, out):
    """GLSZM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 16)``."""
    n = lv.shape[0]
    n_chunks = (n + BATCH_CHUNK - 1) // BATCH_CHUNK
    for c in prange(n_chunks):
        _glszm_chunk(lv, nd, force2d_dim, c * BATCH_CHUNK, min(n, (c + 1) * BATCH_CHUNK), out)
