"""GLDM kernels, and the neighbourhood helpers GLSZM and NGTDM share (private).

Neighbourhood model (pyradiomics' ``cmatrices.c``): a neighbour is an integer offset vector
("angle"). :func:`generate_angles` reproduces ``generate_angles`` exactly, quirks included
(angles only where ``|offset| < size`` in every axis, none along the force2D axis, and a
repeated distance makes the generator wrap round its candidate cycle and collect angles again).
Volumes are cropped to the ROI bounding box and zero-padded by the largest offset per axis, so
that a neighbour is one flat-index addition away and "outside the image" reads as level 0 =
"outside the ROI".

All arrays here are 3D ``(z, y, x)``; 2D images arrive as ``(1, y, x)`` with angles whose z
offset is 0. Grey levels are 1-based; 0 marks voxels outside the ROI.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange

N_GLDM = 14
_EPS = np.spacing(1)


# ---------------------------------------------------------------------------------------------
# Neighbourhood helpers (shared with glszm.py and ngtdm.py)
# ---------------------------------------------------------------------------------------------

@jit
def angle_count(size, distances, force2d_dim):
    """Number of angles cmatrices' ``get_angle_count`` reports (0 means "none possible")."""
    nd = size.shape[0]
    na = 0
    for t in range(distances.shape[0]):
        d = distances[t]
        if d < 1:
            return 0
        full = 1
        inner = 1
        for k in range(nd):
            if k == force2d_dim:
                continue
            if d < size[k]:
                full *= 2 * d + 1
                inner *= 2 * d - 1
            else:
                # an axis shorter than d caps both terms alike; they still diverge elsewhere
                full *= 2 * (size[k] - 1) + 1
                inner *= 2 * (size[k] - 1) + 1
        na += full - inner
    return na


@jit
def generate_angles(size, distances, force2d_dim):
    """Offset vectors ``(Na, Nd)`` in cmatrices' order, both directions of every axis.

    ``size`` is the ROI bounding-box size per axis, ``force2d_dim`` the excluded axis or -1.
    """
    nd = size.shape[0]
    na = angle_count(size, distances, force2d_dim)
    angles = np.zeros((na, nd), dtype=np.int64)
    if na == 0:
        return angles
    max_d = 0
    for t in range(distances.shape[0]):
        if distances[t] > max_d:
            max_d = distances[t]
    n_off = 2 * max_d + 1
    stride = np.ones(nd, dtype=np.int64)
    for k in range(nd - 2, -1, -1):
        stride[k] = stride[k + 1] * n_off
    candidate = 0
    a = 0
    # Like the C loop this wraps around the candidate cycle when a distance is listed twice,
    # so duplicates give duplicated angles (and double-counted neighbours), as in pyradiomics.
    while a < na:
        a_dist = 0
        for k in range(nd):
            off = max_d - (candidate // stride[k]) % n_off
            if (k == force2d_dim and off != 0) or off >= size[k] or off <= -size[k]:
                a_dist = -1
                break
            angles[a, k] = off
            if abs(off) > a_dist:
                a_dist = abs(off)
        candidate += 1
        if a_dist < 1:
            continue
        for t in range(distances.shape[0]):
            if a_dist == distances[t]:
                a += 1
                break
    return angles


@jit
def roi_bbox(lv):
    """Inclusive bounding box ``(lo, hi)`` of the non-zero voxels of a 3D array (hi < lo if none)."""
    lo = np.empty(3, dtype=np.int64)
    hi = np.empty(3, dtype=np.int64)
    for d in range(3):
        lo[d] = lv.shape[d]
        hi[d] = -1
    nx = lv.shape[2]
    for z in range(lv.shape[0]):
        for y in range(lv.shape[1]):
            # first and last ROI voxel of the row: one comparison per voxel, bounds per row
            first = 0
            while first < nx and lv[z, y, first] == 0:
                first += 1
            if first == nx:
                continue
            last = nx - 1
            while lv[z, y, last] == 0:
                last -= 1
            lo[0] = min(lo[0], z)
            hi[0] = max(hi[0], z)
            lo[1] = min(lo[1], y)
            hi[1] = max(hi[1], y)
            lo[2] = min(lo[2], first)
            hi[2] = max(hi[2], last)
    return lo, hi


@jit
def roi_angles(lo, hi, nd, distances, force2d_dim):
    """3D angles ``(Na, 3)`` for a ROI box, generated on its ``nd`` real axes like pyradiomics."""
    size = np.empty(nd, dtype=np.int64)
    for k in range(nd):
        size[k] = hi[3 - nd + k] - lo[3 - nd + k] + 1
    ang = generate_angles(size, distances, force2d_dim)
    out = np.zeros((ang.shape[0], 3), dtype=np.int64)
    for a in range(ang.shape[0]):
        for k in range(nd):
            out[a, 3 - nd + k] = ang[a, k]
    return out


@jit
def pad_levels(lv, lo, hi, angles):
    """Crop ``lv`` to ``[lo, hi]`` and zero-pad it by the largest offset per axis.

    Returns
    -------
    padded : 1D int32 array, the padded box in C order
    offsets : flat index offset of each angle
    dims : ``[Z, Y, X, mz, my, mx]``: box size and margins
    """
    dims = np.zeros(6, dtype=np.int64)
    for d in range(3):
        dims[d] = hi[d] - lo[d] + 1
    for a in range(angles.shape[0]):
        for d in range(3):
            if abs(angles[a, d]) > dims[3 + d]:
                dims[3 + d] = abs(angles[a, d])
    pz = dims[0] + 2 * dims[3]
    py = dims[1] + 2 * dims[4]
    px = dims[2] + 2 * dims[5]
    padded = np.zeros(pz * py * px, dtype=np.int32)
    for z in range(dims[0]):
        for y in range(dims[1]):
            base = ((z + dims[3]) * py + y + dims[4]) * px + dims[5]
            for x in range(dims[2]):
                padded[base + x] = lv[lo[0] + z, lo[1] + y, lo[2] + x]
    offsets = np.empty(angles.shape[0], dtype=np.int64)
    for a in range(angles.shape[0]):
        offsets[a] = (angles[a, 0] * py + angles[a, 1]) * px + angles[a, 2]
    return padded, offsets, dims


@jit
def row_base(dims, r):
    """Flat padded index of the first voxel of interior row ``r`` (rows are (z, y) pairs)."""
    z = r // dims[1]
    y = r - z * dims[1]
    py = dims[1] + 2 * dims[4]
    px = dims[2] + 2 * dims[5]
    return ((z + dims[3]) * py + y + dims[4]) * px + dims[5]


@jit
def interior_span(dims):
    """Flat padded range ``[k0, k1)`` from the first to past the last interior voxel.

    It also holds padding voxels (level 0, so skipped), and every ``k + offset`` of it stays
    inside the padded array, so span kernels need no bounds checks.
    """
    k0 = row_base(dims, 0)
    return k0, row_base(dims, dims[0] * dims[1] - 1) + dims[2]


#: Span kernels work in blocks of this many voxels, so their per-voxel buffers stay in cache.
BLOCK = 16384


@jit
def max_level(padded):
    m = 0
    for k in range(padded.shape[0]):
        if padded[k] > m:
            m = padded[k]
    return m


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


# ---------------------------------------------------------------------------------------------
# GLDM
# ---------------------------------------------------------------------------------------------

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
    n = k1 - k0
    parts = np.zeros((nchunks, ng, offsets.shape[0] + 1), dtype=np.float64)
    for c in prange(nchunks):
        _gldm_span(padded, offsets, alpha, k0 + n * c // nchunks, k0 + n * (c + 1) // nchunks, parts[c])
    mat = parts[0].copy()
    for c in range(1, nchunks):
        mat += parts[c]
    return mat


@jit
def gldm_features(p, ivec, jvec, out):
    """Fill ``out[:14]`` from the compressed GLDM ``p`` (rows ``ivec``, columns ``jvec``)."""
    ng, nd = p.shape
    pg = np.zeros(ng)
    pd = np.zeros(nd)
    nz = 0.0
    for i in range(ng):
        for j in range(nd):
            pg[i] += p[i, j]
            pd[j] += p[i, j]
    for j in range(nd):
        nz += pd[j]
    if nz == 0.0:
        nz = 1.0
    ent = 0.0
    sdlgle = 0.0
    sdhgle = 0.0
    ldlgle = 0.0
    ldhgle = 0.0
    for i in range(ng):
        i2 = ivec[i] * ivec[i]
        for j in range(nd):
            v = p[i, j]
            if v == 0.0:
                continue
            j2 = jvec[j] * jvec[j]
            q = v / nz
            ent -= q * math.log2(q + _EPS)
            sdlgle += v / (i2 * j2)
            sdhgle += v * i2 / j2
            ldlgle += v * j2 / i2
            ldhgle += v * (j2 * i2)
    gln = 0.0
    lgle = 0.0
    hgle = 0.0
    mu_i = 0.0
    for i in range(ng):
        i2 = ivec[i] * ivec[i]
        gln += pg[i] * pg[i]
        lgle += pg[i] / i2
        hgle += pg[i] * i2
        mu_i += pg[i] / nz * ivec[i]
    glv = 0.0
    for i in range(ng):
        glv += pg[i] / nz * (ivec[i] - mu_i) ** 2
    dn = 0.0
    sde = 0.0
    lde = 0.0
    mu_j = 0.0
    for j in range(nd):
        j2 = jvec[j] * jvec[j]
        dn += pd[j] * pd[j]
        sde += pd[j] / j2
        lde += pd[j] * j2
        mu_j += pd[j] / nz * jvec[j]
    dv = 0.0
    for j in range(nd):
        dv += pd[j] / nz * (jvec[j] - mu_j) ** 2
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
    lo, hi = roi_bbox(lv)
    if hi[0] < lo[0]:
        out[:] = np.nan
        return
    angles = roi_angles(lo, hi, nd, distances, force2d_dim)
    if angles.shape[0] == 0:
        out[:] = np.nan
        return
    padded, offsets, dims = pad_levels(lv, lo, hi, angles)
    mat = gldm_matrix(padded, offsets, dims, alpha, max_level(padded))
    p, ivec, jvec = compress_matrix(mat)
    gldm_features(p, ivec, jvec, out)


@pjit
def gldm_batch(lv, nd, distances, force2d_dim, alpha, out):
    """GLDM features of each image of ``lv`` ``(N, Z, Y, X)`` into ``out`` ``(N, 14)``."""
    for n in prange(lv.shape[0]):
        _gldm_one(lv[n], nd, distances, force2d_dim, alpha, out[n])
