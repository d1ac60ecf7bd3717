"""Neighbour offsets and ROI boxes shared by the texture kernels (private: no validation).

Neighbourhood model (pyradiomics' ``cmatrices.c``): a neighbour is an integer offset vector
("angle"). :func:`generate_angles` reproduces the C ``generate_angles`` exactly, quirks included:
angles only where ``|offset| < size`` in every axis (``size`` being the ROI bounding box, not the
image), none along the force2D axis, and a repeated distance makes the generator wrap round its
candidate cycle and collect angles again. GLCM and GLRLM ask for one offset of each +/- pair
(pyradiomics' ``bidirectional=False``); GLDM, GLSZM and NGTDM for both directions.

Images are handled as 3D ``(z, y, x)`` arrays; a 2D image is a view with ``nz == 1`` and its
offsets get a leading 0 (:func:`pad_angles_3d`). Two cropped representations of a ROI exist:

* :func:`compact_levels` (GLCM, GLRLM): the ROI box with *compact* level indices, -1 outside the
  ROI, which is pyradiomics' matrix after it deletes the rows/columns of absent grey levels.
* :func:`pad_levels` (GLDM, GLSZM, NGTDM): the ROI box zero-padded by the largest offset per
  axis, so that a neighbour is one flat-index addition away and "outside the image" reads as
  level 0 = "outside the ROI".

All functions here are serial (``jit``): a cached serial kernel must not call a parallel one
(numba issue 8578), and every family calls these from both kinds.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit

# Weighting norm codes (weightingNorm setting): 0 = None (mean over angles), 1 = manhattan,
# 2 = euclidean, 3 = infinity, 4 = no_weighting (and any unknown name, as in pyradiomics).
NORM_NONE, NORM_MANHATTAN, NORM_EUCLIDEAN, NORM_INFINITY, NORM_ONE = 0, 1, 2, 3, 4

#: Span kernels work in blocks of this many voxels, so their per-voxel buffers stay in cache.
BLOCK = 16384


# ------------------------------------------------------------------------------------- angles


@jit
def angle_count(size, distances, excluded_dim, bidirectional):
    """Number of angles cmatrices' ``get_angle_count`` reports (0 means "none possible").

    ``size`` is the box size per axis, ``excluded_dim`` the force2D axis or -1. Without
    ``bidirectional`` only one of each +/- pair is counted.
    """
    nd = size.shape[0]
    na = 0
    for t in range(distances.shape[0]):
        d = distances[t]
        if d < 1:
            return 0
        full = 1
        inner = 1
        for k in range(nd):
            if k == excluded_dim:
                continue
            if d < size[k]:
                full *= 2 * d + 1
                inner *= 2 * d - 1
            else:
                # an axis shorter than d caps both terms alike; they still diverge elsewhere
                full *= 2 * (size[k] - 1) + 1
                inner *= 2 * (size[k] - 1) + 1
        na += full - inner
    if not bidirectional:
        na //= 2
    return na


@jit
def generate_angles(size, distances, excluded_dim, bidirectional):
    """Offset vectors ``(Na, Nd)`` int64 in cmatrices' order, as its ``generate_angles``.

    Offsets run from ``+max(distances)`` down to ``-max(distances)`` with the first axis changing
    slowest; an offset is kept when it is not all zero, fits in ``size``, does not move along
    ``excluded_dim`` (force2D) and its infinity norm is one of ``distances``. Without
    ``bidirectional`` only the first half (one of each +/- pair) is returned. ``Na`` is 0 when
    no offset fits (e.g. a single-voxel ROI).
    """
    nd = size.shape[0]
    na = angle_count(size, distances, excluded_dim, bidirectional)
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
            if (k == excluded_dim and off != 0) or off >= size[k] or off <= -size[k]:
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
def pad_angles_3d(angles):
    """Give 2D offsets a leading zero so every kernel can walk ``(nz, ny, nx)`` arrays."""
    out = np.zeros((angles.shape[0], 3), dtype=np.int64)
    shift = 3 - angles.shape[1]
    for a in range(angles.shape[0]):
        for k in range(angles.shape[1]):
            out[a, k + shift] = angles[a, k]
    return out


@jit
def angle_weights(angles, spacing, norm, exponential):
    """Per-angle weights of the ``weightingNorm`` setting.

    ``d`` is the physical length of the offset in the chosen norm; GLCM uses ``exp(-d**2)``
    (``exponential``), GLRLM uses ``d`` itself, as pyradiomics does.
    """
    na = angles.shape[0]
    w = np.ones(na)
    if norm == NORM_NONE or norm == NORM_ONE:
        return w
    for a in range(na):
        total = 0.0
        sq = 0.0
        mx = 0.0
        for k in range(angles.shape[1]):
            v = abs(angles[a, k]) * spacing[k]
            total += v
            sq += v * v
            if v > mx:
                mx = v
        if norm == NORM_MANHATTAN:
            d2 = total * total
            d = total
        elif norm == NORM_EUCLIDEAN:
            d2 = sq
            d = math.sqrt(sq)
        else:
            d2 = mx * mx
            d = mx
        w[a] = math.exp(-d2) if exponential else d
    return w


@jit
def weighted_angle_sum(mats, weights):
    """``sum_a weights[a] mats[a]`` as a one-angle stack ``(1, ...)``: the ``weightingNorm`` merge."""
    na, ni, nj = mats.shape
    out = np.zeros((1, ni, nj))
    for i in range(ni):
        for j in range(nj):
            acc = 0.0
            for a in range(na):
                acc += mats[a, i, j] * weights[a]
            out[0, i, j] = acc
    return out


@jit
def nanmean_angles(per_angle, out):
    """Mean over angles (rows) of ``per_angle`` ignoring NaN, as ``numpy.nanmean``, into ``out``."""
    na, nf = per_angle.shape
    for f in range(nf):
        acc = 0.0
        cnt = 0
        for a in range(na):
            v = per_angle[a, f]
            if v == v:
                acc += v
                cnt += 1
        out[f] = acc / cnt if cnt > 0 else np.nan


# ---------------------------------------------------------------------------------- ROI boxes


@jit
def bounding_box(roi):
    """Inclusive box ``(lo, hi)`` of the non-zero (True) voxels of a 3D array; ``hi < lo`` if none."""
    lo, hi = empty_box(roi.shape)
    nx = roi.shape[2]
    for z in range(roi.shape[0]):
        for y in range(roi.shape[1]):
            # first and last ROI voxel of the row: one comparison per voxel, bounds per row
            first = 0
            while first < nx and roi[z, y, first] == 0:
                first += 1
            if first == nx:
                continue
            last = nx - 1
            while roi[z, y, last] == 0:
                last -= 1
            grow_box(lo, hi, z, y, first, last)
    return lo, hi


@jit
def empty_box(shape):
    """``(lo, hi)`` of a box holding nothing yet in a 3D array of ``shape`` (``hi < lo``)."""
    lo = np.empty(3, dtype=np.int64)
    hi = np.empty(3, dtype=np.int64)
    for d in range(3):
        lo[d] = shape[d]
        hi[d] = -1
    return lo, hi


@jit
def grow_box(lo, hi, z, y, first, last):
    """Extend the box ``(lo, hi)`` by row ``(z, y)``'s voxels ``first..last``."""
    lo[0] = min(lo[0], z)
    hi[0] = max(hi[0], z)
    lo[1] = min(lo[1], y)
    hi[1] = max(hi[1], y)
    lo[2] = min(lo[2], first)
    hi[2] = max(hi[2], last)


@jit
def box_size(lo, hi, nd):
    """Size of the box ``lo..hi`` along the ``nd`` real axes (the last ``nd`` of the 3)."""
    size = np.empty(nd, dtype=np.int64)
    for k in range(nd):
        size[k] = hi[3 - nd + k] - lo[3 - nd + k] + 1
    return size


@jit
def roi_box_angles(roi, nd, distances, excluded_dim, bidirectional):
    """Box ``(lo, hi)`` of the non-zero voxels of ``roi`` (3D) and its ``(Na, nd)`` angles.

    The angles are generated for the box on its ``nd`` real axes, as pyradiomics does on the
    cropped image; there are none (``Na == 0``) for an empty ROI or when no offset fits.
    """
    lo, hi = bounding_box(roi)
    if hi[0] < lo[0]:
        return lo, hi, np.zeros((0, nd), dtype=np.int64)
    return lo, hi, generate_angles(box_size(lo, hi, nd), distances, excluded_dim, bidirectional)


@jit
def compact_levels(levels, mask, lo, hi):
    """Crop to the box ``lo..hi`` and map grey levels to compact indices.

    Returns ``q`` (cropped, int32, -1 outside the ROI), ``gray`` (float64 values of the levels
    present, ascending: pyradiomics' ``grayLevels``) and ``ng`` (the highest level: its ``Ng``).
    """
    nz = hi[0] - lo[0] + 1
    ny = hi[1] - lo[1] + 1
    nx = hi[2] - lo[2] + 1
    # int32 halves the memory traffic of the accumulation kernels; raw levels first, then mapped.
    # Flat unsigned indices and a branch-free select: no wrap-around checks, and LLVM vectorises.
    q = np.empty((nz, ny, nx), dtype=np.int32)
    src_l = levels.ravel()
    src_m = mask.ravel()
    dst = q.ravel()
    sy = levels.shape[1]
    sx = levels.shape[2]
    ng = 0
    for z in range(nz):
        for y in range(ny):
            src = np.uint64(((lo[0] + z) * sy + lo[1] + y) * sx + lo[2])
            out = np.uint64((z * ny + y) * nx)
            for x in range(np.uint64(nx)):
                v = src_l[src + x]
                inside = src_m[src + x]
                dst[out + x] = np.int32(v) if inside else np.int32(-1)
                ng = max(ng, v if inside else 0)
    # lut[v + 1]: compact index of level v, lut[0] = -1 for "outside", so both passes are branch-free
    lut = np.zeros(ng + 2, dtype=np.int32)
    # (negative levels inside the ROI read as outside, as -1 does: never an index below lut)
    for k in range(np.uint64(dst.shape[0])):
        lut[np.uint64(max(np.int64(dst[k]), -1) + 1)] = 1
    lut[0] = -1
    n_present = 0
    for v in range(1, ng + 2):
        if lut[v] != 0:
            lut[v] = n_present
            n_present += 1
        else:
            lut[v] = -1
    gray = np.empty(n_present)
    for v in range(ng + 1):
        if lut[v + 1] >= 0:
            gray[lut[v + 1]] = v
    for k in range(np.uint64(dst.shape[0])):
        dst[k] = lut[np.uint64(max(np.int64(dst[k]), -1) + 1)]
    return q, gray, ng


# ------------------------------------------------------------------------ zero-padded boxes


@jit
def pad_levels(lv, lo, hi, angles):
    """Crop ``lv`` to ``[lo, hi]`` and zero-pad it by the largest offset per axis.

    Parameters
    ----------
    lv : 3D int array, grey levels with 0 outside the ROI
    lo, hi : inclusive box corners
    angles : ``(Na, 3)`` offsets

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
    src_l = lv.ravel()
    sy = lv.shape[1]
    sx = lv.shape[2]
    for z in range(dims[0]):
        for y in range(dims[1]):
            # flat unsigned indices: no wrap-around checks, so the row copy vectorises
            base = np.uint64(((z + dims[3]) * py + y + dims[4]) * px + dims[5])
            src = np.uint64(((lo[0] + z) * sy + lo[1] + y) * sx + lo[2])
            for x in range(np.uint64(dims[2])):
                padded[base + x] = src_l[src + x]
    offsets = np.empty(angles.shape[0], dtype=np.int64)
    for a in range(angles.shape[0]):
        offsets[a] = (angles[a, 0] * py + angles[a, 1]) * px + angles[a, 2]
    return padded, offsets, dims


@jit
def neighbourhood(lv, nd, distances, excluded_dim):
    """:func:`pad_levels` of one ROI with its bidirectional angles (pyradiomics' neighbours).

    ``lv`` holds the grey levels, 0 outside the ROI. ``offsets`` is empty when the ROI is empty
    or its box admits no neighbour; callers then have nothing to compute (pyradiomics fails).
    """
    lo, hi, angles = roi_box_angles(lv, nd, distances, excluded_dim, True)
    if angles.shape[0] == 0:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.int64), np.zeros(6, dtype=np.int64)
    return pad_levels(lv, lo, hi, pad_angles_3d(angles))


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


@jit
def max_level(padded):
    """Highest grey level in ``padded`` (pyradiomics' ``Ng`` of the ROI)."""
    m = 0
    for k in range(padded.shape[0]):
        if padded[k] > m:
            m = padded[k]
    return m


# ------------------------------------------------------------------------- per-thread chunks


@jit
def chunk_range(start, stop, c, n_chunks):
    """``[lo, hi)`` of chunk ``c`` of ``n_chunks`` nearly equal parts of ``[start, stop)``."""
    n = stop - start
    return start + n * c // n_chunks, start + n * (c + 1) // n_chunks


@jit
def sum_chunks(parts):
    """Sum of the per-chunk partial matrices ``parts[c]``, in chunk order."""
    total = parts[0].copy()
    for c in range(1, parts.shape[0]):
        total += parts[c]
    return total


# -------------------------------------------------------------------------------------- batch

#: Images per prange chunk in the batch paths (each chunk allocates its scratch once).
BATCH_CHUNK = 16


@jit
def pad_batch_image(lv, n, nd, distances, excluded_dim, work, box, dims, offsets):
    """:func:`neighbourhood` of image ``n`` of a batch ``lv`` (N, Z, Y, X) into ``work``.

    For the GLDM, GLSZM and NGTDM batch kernels, which call it per image with the same
    ``work``, ``box``, ``dims`` and ``offsets``: the offsets, margins and zeroed padding are
    recomputed only when the ROI box size differs from the previous image's, so images of one
    ROI size cost no allocation. ``box`` (3) holds that size, ``dims`` (6) the padded layout.

    Returns
    -------
    work, offsets : the padded buffer (reallocated if too small) and the flat offsets
    top : the highest level in the ROI, or -1 when there is nothing to compute (empty ROI, or
        no offset fits in its box)
    """
    lo, hi = bounding_box(lv[n])
    if hi[0] < lo[0]:
        return work, offsets, -1
    if hi[0] - lo[0] + 1 != box[0] or hi[1] - lo[1] + 1 != box[1] or hi[2] - lo[2] + 1 != box[2]:
        angles = pad_angles_3d(generate_angles(box_size(lo, hi, nd), distances, excluded_dim, True))
        for d in range(3):
            box[d] = hi[d] - lo[d] + 1
            dims[d] = box[d]
            dims[3 + d] = 0
            for a in range(angles.shape[0]):
                dims[3 + d] = max(dims[3 + d], abs(angles[a, d]))
        py = dims[1] + 2 * dims[4]
        px = dims[2] + 2 * dims[5]
        size = (dims[0] + 2 * dims[3]) * py * px
        if size > work.shape[0]:
            work = np.zeros(size, dtype=np.int32)
        else:
            work[:size] = 0
        offsets = np.empty(angles.shape[0], dtype=np.int64)
        for a in range(angles.shape[0]):
            offsets[a] = (angles[a, 0] * py + angles[a, 1]) * px + angles[a, 2]
    if offsets.shape[0] == 0:
        return work, offsets, -1
    # flat unsigned indices: 4D indexing (wrap-around checks) or row views (reference counting)
    # cost several times more here
    _, nz, ny, nx = lv.shape
    flat = lv.ravel()
    top = 0
    for z in range(box[0]):
        for y in range(box[1]):
            k = row_base(dims, z * box[1] + y)
            src = ((n * nz + lo[0] + z) * ny + lo[1] + y) * nx + lo[2]
            for x in range(box[2]):
                v = np.int32(flat[np.uint64(src + x)])
                work[np.uint64(k + x)] = v
                top = max(top, v)
    return work, offsets, top
