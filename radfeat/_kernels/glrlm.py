"""GLRLM kernels (private: arrays in, arrays out, no validation).

Same conventions as :mod:`radfeat._kernels.glcm`: 3D ``(nz, ny, nx)`` arrays of compact grey-level
indices ``q`` (-1 outside the ROI), offsets padded to 3 components (both from
:mod:`._neighbours`), matrices stored angle-first ``(Na, G, Nr)`` where column ``r`` counts runs
of length ``r + 1``.

Only runs of two or more voxels are counted one by one. Every ROI voxel lies in exactly one run
per offset, so the single-voxel runs follow from the voxels per level:
``P(g, 0) = n_g - sum_{r >= 1} (r + 1) P(g, r)`` (exact: integer counts). In a textured ROI most
runs are single voxels, so this saves a scattered matrix update per voxel and offset.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from ._neighbours import (NORM_NONE, angle_weights, bounding_box, box_size, compact_levels,
                          generate_angles, nanmean_angles, pad_angles_3d, roi_box_angles,
                          weighted_angle_sum)
from .glcm import EPS

#: Number of GLRLM features, in the order of radfeat.features.glrlm.FEATURES.
N_GLRLM = 16

#: Images per prange chunk in the batch path (each chunk allocates its scratch once).
_BATCH_CHUNK = 16


# ------------------------------------------------------------------------------- accumulation

# Padded boxes: the ROI box with a margin of one voxel on every side, flat in C order. ``_PAD``
# marks the margin, ``-1`` the box voxels outside the ROI, so every neighbour k +/- offset of a
# box voxel is one addition away and compares unequal to any level. ``geo`` = ``[nz, ny, nx]``.
_PAD = -2


@jit
def _geometry(nz, ny, nx):
    geo = np.empty(3, dtype=np.int64)
    geo[0], geo[1], geo[2] = nz, ny, nx
    return geo


@jit
def _padded_size(geo):
    return (geo[0] + 2) * (geo[1] + 2) * (geo[2] + 2)


@jit
def _row_start(geo, z, y):
    # flat padded index of box voxel (z, y, 0)
    return ((z + 1) * (geo[1] + 2) + y + 1) * (geo[2] + 2) + 1


@jit
def _flat_offset(geo, dz, dy, dx):
    """Flat padded offset of ``(dz, dy, dx)`` oriented to be positive (a run reversed is the same run)."""
    o = (dz * (geo[1] + 2) + dy) * (geo[2] + 2) + dx
    return o if o > 0 else -o


@jit
def _pad_compact(q):
    # the padded box of a compact ``q`` (-1 outside the ROI)
    nz, ny, nx = q.shape
    geo = _geometry(nz, ny, nx)
    qp = np.full(_padded_size(geo), _PAD, dtype=np.int32)
    for z in range(nz):
        for y in range(ny):
            k = _row_start(geo, z, y)
            for x in range(nx):
                qp[k + x] = q[z, y, x]
    return qp, geo


@jit
def _flag_buffer(geo):
    # scratch for _count_runs: one byte per voxel of the interior span, whole 8-byte words
    k0, k1 = _span(geo)
    return np.empty((k1 - k0 + 7) // 8 * 8, dtype=np.bool_)


@jit
def _span(geo):
    # flat padded range [k0, k1) from the first to past the last box voxel (margins between)
    return _row_start(geo, 0, 0), _row_start(geo, geo[0] - 1, geo[1] - 1) + geo[2]


@jit
def _count_runs(qp, flags, geo, o, lut, cnt, tally):
    """Runs of >= 2 voxels along the flat offset ``o > 0``: ``cnt[lut[level], length - 1] += 1``.

    A run of two or more voxels ends at a ROI voxel whose predecessor ``k - o`` has its level
    and whose successor ``k + o`` has not. That test reads three voxels and no state, so one
    branch-free (vectorised) pass flags every end in ``flags`` (from :func:`_flag_buffer`);
    the flagged voxels, few in a textured ROI, are then found eight at a time and their runs
    measured by stepping back to the start. ``tally`` (int64, zero, from :func:`_tally`) gets,
    per row ``i``, the longest length - 1 counted (``tally[0, i]``), the voxels (``tally[1, i]``)
    and the number (``tally[2, i]``) of its runs counted. Returns whether any run was counted.
    """
    k0, k1 = _span(geo)
    n = k1 - k0
    n_words = (n + 7) // 8
    ou = np.uint64(o)
    base = np.uint64(k0)
    # unsigned indices: numba then omits its negative-index wrap-around
    for t in range(np.uint64(n)):
        k = base + t
        v = qp[k]
        flags[t] = (qp[k - ou] == v) & (v >= 0) & (qp[k + ou] != v)
    for t in range(n, n_words * 8):
        flags[t] = False
    words = flags[:n_words * 8].view(np.uint64)
    found = False
    for w in range(n_words):
        bits = words[w]
        while bits != 0:
            low = bits & (~bits + np.uint64(1))  # lowest set bit: byte b holds 1, so it is 2^(8b)
            bits ^= low
            k = k0 + 8 * w + (math.frexp(float(low))[1] - 1) // 8
            v = qp[np.uint64(k)]
            r = 1
            j = k - 2 * o
            while qp[np.uint64(j)] == v:
                r += 1
                j -= o
            i = lut[v]
            cnt[i, r] += 1
            tally[0, i] = max(tally[0, i], r)
            tally[1, i] += r + 1
            tally[2, i] += 1
            found = True
    return found


@jit
def _line_holds_pair(qp, geo, o):
    """Whether some line along ``o`` holds two ROI voxels (pyradiomics drops the offset if not)."""
    nz, ny, nx = geo[0], geo[1], geo[2]
    for z in range(nz):
        for y in range(ny):
            k0 = _row_start(geo, z, y)
            for k in range(k0, k0 + nx):
                if qp[k - o] != _PAD:
                    continue  # not the first voxel of its line
                n = 0
                j = k
                while qp[j] != _PAD:
                    if qp[j] >= 0:
                        n += 1
                        if n > 1:
                            return True
                    j += o
    return False


@jit
def _tally(n_rows):
    # per-row run statistics of _count_runs (rows: longest, voxels, runs)
    return np.zeros((3, max(n_rows, 1)), dtype=np.int64)


@jit
def _row_scratch(n_rows, n_cols):
    # per-matrix-row buffers of the batch loop: run counts (zero), tally, level voxels, grey
    # values, row sums and their fractions; regrown when an image has more levels
    return (np.zeros((n_rows, n_cols), dtype=np.int64), _tally(n_rows), np.empty(n_rows, dtype=np.int64),
            np.empty(n_rows), np.empty(n_rows), np.empty(n_rows))


@jit
def _count_offset(qp, flags, geo, o, lut, cnt, tally, n_rows, n_level):
    """Run counts of one offset into ``cnt[:n_rows]`` (zero); whether pyradiomics keeps the offset.

    ``n_level[i]`` is the ROI voxel count of row ``i``'s level: column 0 follows from it (see the
    module docstring). ``tally`` as for :func:`_count_runs`.
    """
    if not _count_runs(qp, flags, geo, o, lut, cnt, tally) and not _line_holds_pair(qp, geo, o):
        return False
    for i in range(n_rows):
        cnt[i, 0] = n_level[i] - tally[1, i]
    return True


@jit
def _level_counts(q, n_gray):
    counts = np.zeros(n_gray, dtype=np.int64)
    flat = q.ravel()
    for k in range(flat.shape[0]):
        if flat[k] >= 0:
            counts[flat[k]] += 1
    return counts


@jit
def _accumulate_one(qp, geo, angle, n_level, out):
    # counts of one offset into out (G, Nr), left zero if pyradiomics drops the offset
    g = out.shape[0]
    o = _flat_offset(geo, angle[0], angle[1], angle[2])
    _count_offset(qp, _flag_buffer(geo), geo, o, np.arange(g), out, _tally(g), g, n_level)


@jit
def glrlm_accumulate(q, angles, n_gray, n_runs):
    """Run counts ``(Na, G, Nr)``: pyradiomics' C ``calculate_glrlm`` with absent levels deleted.

    ``q`` holds compact level indices, -1 outside the ROI; ``angles`` ``(Na, 3)`` unit offsets.
    """
    out = np.zeros((angles.shape[0], n_gray, n_runs))
    n_level = _level_counts(q, n_gray)
    qp, geo = _pad_compact(q)
    for a in range(angles.shape[0]):
        _accumulate_one(qp, geo, angles[a], n_level, out[a])
    return out


@pjit
def glrlm_accumulate_parallel(q, angles, n_gray, n_runs):
    """:func:`glrlm_accumulate` with one thread per offset (each writes only its own slice)."""
    out = np.zeros((angles.shape[0], n_gray, n_runs))
    n_level = _level_counts(q, n_gray)
    qp, geo = _pad_compact(q)
    for a in prange(angles.shape[0]):
        _accumulate_one(qp, geo, angles[a], n_level, out[a])
    return out


@jit
def glrlm_weight_and_prune(counts, weights, weighted):
    """Weight (sum over angles) or drop empty angles, as pyradiomics' ``_calculateMatrix``."""
    if weighted:
        return weighted_angle_sum(counts, weights)
    na, g, nr = counts.shape
    keep = np.zeros(na, dtype=np.bool_)
    n_keep = 0
    for a in range(na):
        keep[a] = na == 1 or counts[a].sum() != 0
        if keep[a]:
            n_keep += 1
    out = np.empty((n_keep, g, nr))
    k = 0
    for a in range(na):
        if keep[a]:
            out[k] = counts[a]
            k += 1
    return out


# ----------------------------------------------------------------------------------- features


@jit
def _row_column_sums(p, last, pg, pr):
    """Row sums ``pg`` and column sums ``pr`` (up to the largest ``last``) of ``p``; return the total.

    Row ``i`` of ``p`` is zero beyond column ``last[i]``.
    """
    maxr = 0
    for i in range(p.shape[0]):
        maxr = max(maxr, last[i])
    for j in range(maxr + 1):
        pr[j] = 0.0
    total = 0.0
    for i in range(p.shape[0]):
        s = 0.0
        for j in range(last[i] + 1):
            v = p[i, j]
            pr[j] += v
            s += v
            total += v
        pg[i] = s
    return total


@jit
def _angle_features(p, n_rows, last, maxr, gray, pg, qg, pr, n_runs, out):
    """All features of one run-length matrix into ``out[:16]``: ``p[:n_rows]`` (G, Nr) of counts.

    Row ``i`` is non-zero only in columns ``0..last[i]``, every column beyond ``maxr``; ``gray``
    are the grey-level values of the rows; column ``j`` holds runs of length ``j + 1``. ``pg``
    and ``pr`` hold the row and column sums, ``n_runs`` the total (:func:`_row_column_sums`);
    ``qg`` is float scratch (>= n_rows).

    The sums run in the order of a dense row-major pass over ``p`` and only skip zero terms, so
    the result does not depend on the matrix width, ``last`` or ``maxr``.
    """
    if n_runs == 0.0:
        n_runs = np.nan  # pyradiomics marks an empty matrix so that its features become NaN
    sre = lre = rln = n_vox = 0.0
    for j in range(maxr + 1):
        length = j + 1.0
        sre += pr[j] / (length * length)
        lre += pr[j] * length * length
        rln += pr[j] * pr[j]
        n_vox += pr[j] * length
    gln = lgre = hgre = 0.0
    for i in range(n_rows):
        gi2 = gray[i] * gray[i]
        gln += pg[i] * pg[i]
        lgre += pg[i] / gi2
        hgre += pg[i] * gi2
    srlge = srhge = lrlge = lrhge = ent = 0.0
    for i in range(n_rows):
        gi2 = gray[i] * gray[i]
        for j in range(last[i] + 1):
            v = float(p[i, j])
            if v == 0.0:
                continue
            if j == 0:
                # length 1: the divisions and products by l2 = 1 are exact, so skip them
                lo_ = v / gi2
                hi_ = v * gi2
                srlge += lo_
                lrlge += lo_
                srhge += hi_
                lrhge += hi_
            else:
                l2 = (j + 1.0) * (j + 1.0)
                srlge += v / (gi2 * l2)
                srhge += v * gi2 / l2
                lrlge += v * l2 / gi2
                lrhge += v * l2 * gi2
            pn = v / n_runs
            ent -= pn * math.log2(pn + EPS)
    mu_i = 0.0
    for i in range(n_rows):
        qg[i] = pg[i] / n_runs
        mu_i += qg[i] * gray[i]
    glv = 0.0
    for i in range(n_rows):
        glv += qg[i] * (gray[i] - mu_i) * (gray[i] - mu_i)
    mu_j = 0.0
    for j in range(maxr + 1):
        mu_j += pr[j] / n_runs * (j + 1.0)
    rv = 0.0
    for j in range(maxr + 1):
        rv += pr[j] / n_runs * (j + 1.0 - mu_j) * (j + 1.0 - mu_j)

    out[0] = gln / n_runs
    out[1] = gln / (n_runs * n_runs)
    out[2] = glv
    out[3] = hgre / n_runs
    out[4] = lre / n_runs
    out[5] = lrhge / n_runs
    out[6] = lrlge / n_runs
    out[7] = lgre / n_runs
    out[8] = ent
    out[9] = rln / n_runs
    out[10] = rln / (n_runs * n_runs)
    out[11] = n_runs / n_vox if n_vox != 0.0 else np.nan  # numba/Python raise on x / 0
    out[12] = rv
    if n_runs != n_runs:
        # An empty matrix is only kept when it is the sole one; pyradiomics then deletes all its
        # (empty) run-length columns, so these two sums run over nothing and give 0, not NaN.
        out[8] = 0.0
        out[12] = 0.0
    out[13] = sre / n_runs
    out[14] = srhge / n_runs
    out[15] = srlge / n_runs


@jit
def _last_columns(p, last):
    # index of the last non-zero column of each row of p (0 for an empty row); the largest
    g, nr = p.shape
    maxr = 0
    for i in range(g):
        j = nr - 1
        while j > 0 and p[i, j] == 0.0:
            j -= 1
        last[i] = j
        maxr = max(maxr, j)
    return maxr


@jit
def glrlm_features(p, gray, out):
    """Features of the run-length matrices ``p`` ``(Na, G, Nr)``, averaged over angles (NaN ignored)."""
    na, g, nr = p.shape
    per_angle = np.empty((na, N_GLRLM))
    last = np.empty(g, dtype=np.int64)
    pg = np.empty(g)
    qg = np.empty(g)
    pr = np.empty(max(nr, 1))
    for a in range(na):
        maxr = _last_columns(p[a], last)
        n_runs = _row_column_sums(p[a], last, pg, pr)
        _angle_features(p[a], g, last, maxr, gray, pg, qg, pr, n_runs, per_angle[a])
    nanmean_angles(per_angle, out)


# -------------------------------------------------------------------------------------- batch


@jit
def glrlm_one(levels, mask, nd, excluded_dim, norm, spacing, out):
    """All GLRLM features of one ROI given as 3D ``levels``/``mask`` (``nd`` = 2 or 3 real axes).

    Crops to the ROI's bounding box; leaves ``out`` NaN for an empty or single-voxel ROI.
    """
    out[:] = np.nan
    lo, hi, angles = roi_box_angles(mask, nd, np.ones(1, dtype=np.int64), excluded_dim, False)
    if angles.shape[0] == 0:
        return
    q, gray, _ = compact_levels(levels, mask, lo, hi)
    # pyradiomics allocates max(box shape) run-length columns; a 2D box has nz == 1 here.
    n_runs = max(q.shape[0], q.shape[1], q.shape[2])
    counts = glrlm_accumulate(q, pad_angles_3d(angles), gray.shape[0], n_runs)
    weights = angle_weights(angles, spacing, norm, False)
    p = glrlm_weight_and_prune(counts, weights, norm != NORM_NONE)
    glrlm_features(p, gray, out)


@jit
def _glrlm_chunk(levels, masks, nd, excluded_dim, norm, spacing, n0, n1, out):
    # Images n0..n1-1 of glrlm_batch. Unweighted: raw levels in the padded box (mapped to matrix
    # rows only where a run is counted, through ``lut``) and per-chunk scratch reset cell by
    # cell, so an image allocates nothing unless its box differs from the previous one.
    nz, ny, nx = levels.shape[1], levels.shape[2], levels.shape[3]
    lv_flat = levels.ravel()
    mk_flat = masks.ravel()
    cap = _padded_size(_geometry(nz, ny, nx))
    qp = np.empty(cap, dtype=np.int32)
    flags = _flag_buffer(_geometry(nz, ny, nx))
    n_cols = max(nz, ny, nx)
    lut = np.zeros(64, dtype=np.int64)  # per raw level: ROI voxels, then its matrix row
    n_cap = 64
    cnt, tally, n_level, gray, pg, qg = _row_scratch(n_cap, n_cols)
    pr = np.empty(n_cols)
    per_angle = np.empty((13, N_GLRLM))
    one = np.ones(1, dtype=np.int64)
    box = np.full(3, -1, dtype=np.int64)  # box size of the offsets and padding below
    geo = _geometry(1, 1, 1)
    offsets = np.empty(0, dtype=np.int64)
    for n in range(n0, n1):
        if norm != NORM_NONE:
            glrlm_one(levels[n], masks[n], nd, excluded_dim, norm, spacing, out[n])
            continue
        out[n, :] = np.nan
        lo, hi = bounding_box(masks[n])
        if hi[0] < lo[0]:
            continue
        if hi[0] - lo[0] + 1 != box[0] or hi[1] - lo[1] + 1 != box[1] or hi[2] - lo[2] + 1 != box[2]:
            for d in range(3):
                box[d] = hi[d] - lo[d] + 1
            angles = pad_angles_3d(generate_angles(box_size(lo, hi, nd), one, excluded_dim, False))
            geo = _geometry(box[0], box[1], box[2])
            offsets = np.empty(angles.shape[0], dtype=np.int64)
            for a in range(angles.shape[0]):
                offsets[a] = _flat_offset(geo, angles[a, 0], angles[a, 1], angles[a, 2])
            qp[:_padded_size(geo)] = _PAD
        na = offsets.shape[0]
        if na == 0:
            continue
        # the box into the padded buffer, counting the ROI voxels per level
        # flat unsigned indices: 4D indexing (wrap-around checks) or row views (reference
        # counting) cost several times more here
        top = -1
        for z in range(box[0]):
            for y in range(box[1]):
                k = _row_start(geo, z, y)
                src = ((n * nz + lo[0] + z) * ny + lo[1] + y) * nx + lo[2]
                for x in range(box[2]):
                    s = np.uint64(src + x)
                    v = np.int32(lv_flat[s]) if mk_flat[s] else np.int32(-1)
                    qp[np.uint64(k + x)] = v
                    top = max(top, v)
        if top >= lut.shape[0]:
            lut = np.zeros(top + 1, dtype=np.int64)
        for z in range(box[0]):
            for y in range(box[1]):
                k = _row_start(geo, z, y)
                for x in range(box[2]):
                    v = qp[np.uint64(k + x)]
                    if v >= 0:
                        lut[v] += 1
        n_rows = 0
        for v in range(top + 1):
            if lut[v] != 0:
                n_rows += 1
        if n_rows > n_cap:
            n_cap = n_rows
            cnt, tally, n_level, gray, pg, qg = _row_scratch(n_cap, n_cols)
        i = 0
        for v in range(top + 1):
            if lut[v] != 0:
                n_level[i] = lut[v]
                gray[i] = v
                lut[v] = i
                i += 1
        if na > per_angle.shape[0]:
            per_angle = np.empty((na, N_GLRLM))
        kept = 0
        for a in range(na):
            keep = _count_offset(qp, flags, geo, offsets[a], lut, cnt, tally, n_rows, n_level)
            # sums from the tally, and loops of one length for all rows: the run lengths
            # per row vary at random in a textured ROI, and so would loop exits
            maxr = 0
            for i in range(n_rows):
                maxr = max(maxr, tally[0, i])
            if keep or na == 1:
                # pyradiomics drops empty offsets unless there is only one
                for j in range(maxr + 1):
                    pr[j] = 0.0
                n_runs = 0.0
                for i in range(n_rows):
                    for j in range(maxr + 1):
                        pr[j] += cnt[i, j]
                    pg[i] = cnt[i, 0] + tally[2, i]
                    n_runs += pg[i]
                _angle_features(cnt, n_rows, tally[0], maxr, gray, pg, qg, pr, n_runs, per_angle[kept])
                kept += 1
            for i in range(n_rows):
                for j in range(maxr + 1):
                    cnt[i, j] = 0
                tally[0, i] = 0
                tally[1, i] = 0
                tally[2, i] = 0
        for r in range(n_rows):
            lut[int(gray[r])] = 0
        nanmean_angles(per_angle[:kept], out[n])


@pjit
def glrlm_batch(levels, masks, nd, excluded_dim, norm, spacing, out):
    """GLRLM features of ``N`` same-size ROIs ``levels[n]``/``masks[n]`` (3D views), one per row."""
    n = levels.shape[0]
    n_chunks = (n + _BATCH_CHUNK - 1) // _BATCH_CHUNK
    for c in prange(n_chunks):
        _glrlm_chunk(levels, masks, nd, excluded_dim, norm, spacing, c * _BATCH_CHUNK,
                     min(n, (c + 1) * _BATCH_CHUNK), out)
