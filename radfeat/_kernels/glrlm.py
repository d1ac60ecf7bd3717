"""GLRLM kernels (private: arrays in, arrays out, no validation).

Same conventions as :mod:`radfeat._kernels.glcm`: 3D ``(nz, ny, nx)`` arrays of compact grey-level
indices ``q`` (-1 outside the ROI), offsets padded to 3 components (both from
:mod:`._neighbours`), matrices stored angle-first ``(Na, G, Nr)`` where column ``r`` counts runs
of length ``r + 1``.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit, pjit, prange
from ._neighbours import (NORM_NONE, angle_weights, compact_levels, nanmean_angles, pad_angles_3d,
                          roi_box_angles, weighted_angle_sum)
from .glcm import EPS

#: Number of GLRLM features, in the order of radfeat.features.glrlm.FEATURES.
N_GLRLM = 16


# ------------------------------------------------------------------------------- accumulation


@jit
def _walk_line(flat, start, step, length, out):
    """Count the runs along one line into ``out`` (G, Nr); return the ROI voxels on the line.

    A run ends at a grey-level change or at a voxel outside the ROI, like pyradiomics' C loop.
    Voxels outside the ROI are treated as a level -1 whose runs are not counted, which leaves a
    single well-predicted branch per voxel.
    """
    gl = -1
    rl = 0
    elements = 0
    idx = start
    for _ in range(length):
        v = flat[idx]
        idx += step
        if v >= 0:
            elements += 1
        if v == gl:
            rl += 1
        else:
            if gl >= 0:
                out[gl, rl] += 1.0
            gl = v
            rl = 0
    if gl >= 0:
        out[gl, rl] += 1.0
    return elements


@jit
def _steps_left(pos, delta, n):
    # Voxels a line has from index ``pos`` on (inclusive) along one axis of size ``n``.
    if delta > 0:
        return n - pos
    if delta < 0:
        return pos + 1
    return 1 << 62  # this axis does not move: no limit from it


@jit
def _accumulate_angle(q, dz, dy, dx, out):
    # Line starts are the voxels whose predecessor (p - delta) lies outside the box: the faces
    # z = first (dz != 0), y = first (dy != 0) and x = first (dx != 0), "first" meaning index 0
    # for a positive step and the last index for a negative one.
    nz, ny, nx = q.shape
    flat = q.ravel()
    step = (dz * ny + dy) * nx + dx
    zs = 0 if dz > 0 else nz - 1
    ys = 0 if dy > 0 else ny - 1
    xs = 0 if dx > 0 else nx - 1
    multi = False
    for z in range(nz):
        z_face = dz != 0 and z == zs
        lz = _steps_left(z, dz, nz)
        for y in range(ny):
            face = z_face or (dy != 0 and y == ys)
            if not face and dx == 0:
                continue
            ly = min(lz, _steps_left(y, dy, ny))
            base = (z * ny + y) * nx
            for x in range(nx):
                if not face and x != xs:
                    continue
                length = min(ly, _steps_left(x, dx, nx))
                if _walk_line(flat, base + x, step, length, out) > 1:
                    multi = True
    if not multi:
        # pyradiomics drops an offset along which no line holds two ROI voxels (e.g. the
        # out-of-plane direction of a one-slice ROI); only length-1 runs can be set then.
        out[:, 0] = 0.0


@jit
def _flush_row(g_row, rl_row, x_from, x_to, out):
    # runs ending at voxels x_from..x_to-1 of a row (their successor lies outside the box)
    for x in range(x_from, x_to):
        g = g_row[x]
        if g >= 0:
            out[g, rl_row[x]] += 1.0


@jit
def _sweep_planes(planes, sy, sx, rl_prev, rl_cur, out):
    """Runs along the direction ``(1, sy, sx)`` (``|sy|, |sx| <= 1``) of ``planes`` ``(P, H, W)``.

    The planes are visited in memory order, each voxel once: ``rl_cur[y, x]`` is the length - 1
    of the run reaching voxel ``(p, y, x)``, taken from its predecessor ``(p - 1, y - sy, x - sx)``
    when that has the same level; otherwise the predecessor's run ends there. Voxels whose
    successor lies outside the box end their runs too. The same runs as walking every line
    from its start, without the strided walks.
    """
    n_planes, h, w = planes.shape
    x0 = max(0, sx)
    x1 = min(w, w + sx)
    for y in range(h):
        for x in range(w):
            rl_cur[y, x] = 0
    for p in range(1, n_planes):
        rl_prev, rl_cur = rl_cur, rl_prev
        cur = planes[p]
        prev = planes[p - 1]
        for y in range(h):
            yp = y - sy
            r = rl_cur[y]
            if yp < 0 or yp >= h:
                for x in range(w):
                    r[x] = 0
                continue
            c = cur[y]
            pr = prev[yp]
            rp = rl_prev[yp]
            for x in range(0, x0):
                r[x] = 0
            for x in range(x1, w):
                r[x] = 0
            for x in range(x0, x1):
                v = c[x]
                u = pr[x - sx]
                if v == u and v >= 0:
                    r[x] = rp[x - sx] + 1
                else:
                    r[x] = 0
                    if u >= 0:
                        out[u, rp[x - sx]] += 1.0
            # predecessors whose successor column is outside the box
            _flush_row(pr, rp, 0, x0 - sx, out)
            _flush_row(pr, rp, x1 - sx, w, out)
        # predecessor rows whose successor row is outside the box
        for y in range(h):
            if y + sy < 0 or y + sy >= h:
                _flush_row(prev[y], rl_prev[y], 0, w, out)
    last = planes[n_planes - 1]
    for y in range(h):
        _flush_row(last[y], rl_cur[y], 0, w, out)


@jit
def _accumulate_angle_swept(q, dz, dy, dx, out):
    """:func:`_accumulate_angle` by plane sweeps where the offset allows it (same counts)."""
    # A run and its reverse are the same run: orient the offset so its first non-zero step is +1.
    if dz < 0 or (dz == 0 and (dy < 0 or (dy == 0 and dx < 0))):
        dz, dy, dx = -dz, -dy, -dx
    nz, ny, nx = q.shape
    if dz != 1 or abs(dy) > 1 or abs(dx) > 1 or (dy == 0 and dx == 0):
        # in-plane offsets (within a cached slice) and the z axis (neighbouring lines share
        # cache lines): walking the lines is as fast
        _accumulate_angle(q, dz, dy, dx, out)
        return
    _sweep_planes(q, dy, dx, np.empty((ny, nx), dtype=np.int32), np.empty((ny, nx), dtype=np.int32), out)
    for g in range(out.shape[0]):
        for r in range(1, out.shape[1]):
            if out[g, r] != 0.0:
                return
    # Only runs of length 1: whether pyradiomics keeps this angle depends on whether some line
    # holds two ROI voxels at all, which the line walk tells (and then drops the angle if not).
    out[:, :] = 0.0
    _accumulate_angle(q, dz, dy, dx, out)


@jit
def glrlm_accumulate(q, angles, n_gray, n_runs):
    """Run counts ``(Na, G, Nr)``: pyradiomics' C ``calculate_glrlm`` with absent levels deleted."""
    out = np.zeros((angles.shape[0], n_gray, n_runs))
    for a in range(angles.shape[0]):
        _accumulate_angle_swept(q, angles[a, 0], angles[a, 1], angles[a, 2], out[a])
    return out


@pjit
def glrlm_accumulate_parallel(q, angles, n_gray, n_runs):
    """:func:`glrlm_accumulate` with one thread per offset (each writes only its own slice)."""
    out = np.zeros((angles.shape[0], n_gray, n_runs))
    for a in prange(angles.shape[0]):
        _accumulate_angle_swept(q, angles[a, 0], angles[a, 1], angles[a, 2], out[a])
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
def glrlm_angle_features(p, gray, out):
    """All features of one run-length matrix ``p`` (G, Nr) of counts into ``out[:16]``.

    ``gray`` are the grey-level values of the rows; column ``j`` holds runs of length ``j + 1``.
    """
    g, nr = p.shape
    pr = np.zeros(nr)
    pg = np.zeros(g)
    n_runs = 0.0
    for i in range(g):
        for j in range(nr):
            v = p[i, j]
            pr[j] += v
            pg[i] += v
            n_runs += v
    if n_runs == 0.0:
        n_runs = np.nan  # pyradiomics marks an empty matrix so that its features become NaN
    sre = lre = rln = n_vox = 0.0
    for j in range(nr):
        length = j + 1.0
        sre += pr[j] / (length * length)
        lre += pr[j] * length * length
        rln += pr[j] * pr[j]
        n_vox += pr[j] * length
    gln = lgre = hgre = 0.0
    for i in range(g):
        gi2 = gray[i] * gray[i]
        gln += pg[i] * pg[i]
        lgre += pg[i] / gi2
        hgre += pg[i] * gi2
    srlge = srhge = lrlge = lrhge = ent = 0.0
    for i in range(g):
        gi2 = gray[i] * gray[i]
        for j in range(nr):
            v = p[i, j]
            if v == 0.0:
                continue
            l2 = (j + 1.0) * (j + 1.0)
            srlge += v / (gi2 * l2)
            srhge += v * gi2 / l2
            lrlge += v * l2 / gi2
            lrhge += v * l2 * gi2
            pn = v / n_runs
            ent -= pn * math.log2(pn + EPS)
    mu_i = 0.0
    for i in range(g):
        mu_i += pg[i] / n_runs * gray[i]
    glv = 0.0
    for i in range(g):
        glv += pg[i] / n_runs * (gray[i] - mu_i) * (gray[i] - mu_i)
    mu_j = 0.0
    for j in range(nr):
        mu_j += pr[j] / n_runs * (j + 1.0)
    rv = 0.0
    for j in range(nr):
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
def glrlm_features(p, gray, out):
    """Features of the run-length matrices ``p`` ``(Na, G, Nr)``, averaged over angles (NaN ignored)."""
    na = p.shape[0]
    per_angle = np.empty((na, N_GLRLM))
    for a in range(na):
        glrlm_angle_features(p[a], gray, per_angle[a])
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


@pjit
def glrlm_batch(levels, masks, nd, excluded_dim, norm, spacing, out):
    """GLRLM features of ``N`` same-size ROIs ``levels[n]``/``masks[n]`` (3D views), one per row."""
    for n in prange(levels.shape[0]):
        glrlm_one(levels[n], masks[n], nd, excluded_dim, norm, spacing, out[n])
