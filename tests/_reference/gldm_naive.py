"""Slow, obviously-correct NumPy reference for the GLDM (and the neighbour offsets NGTDM uses).

Independent of radfeat's kernels: neighbours come from ``itertools.product`` over all offsets
(no angle-generation port, no padding), every voxel is visited by a plain Python loop, and the
features are vectorised NumPy over the compressed matrix. ``distances`` is treated as a set (a
repeated distance is pyradiomics' quirk, tested against pyradiomics only). Small images only.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["offsets", "neighbour_levels", "gldm_matrix", "gldm_features"]


def offsets(ndim, distances=(1,), force2d_axis=-1):
    """All integer offsets whose infinity norm is one of ``distances``, none along ``force2d_axis``."""
    dmax = max(distances)
    out = []
    for off in itertools.product(range(-dmax, dmax + 1), repeat=ndim):
        if max(abs(o) for o in off) not in set(distances):
            continue
        if 0 <= force2d_axis < ndim and off[force2d_axis] != 0:
            continue
        out.append(off)
    return out


def neighbour_levels(levels, mask, index, offs):
    """Grey levels of the ROI neighbours of voxel ``index``."""
    found = []
    for off in offs:
        j = tuple(i + o for i, o in zip(index, off))
        if all(0 <= a < n for a, n in zip(j, levels.shape)) and mask[j]:
            found.append(int(levels[j]))
    return found


def gldm_matrix(levels, mask, distances=(1,), alpha=0, force2d_axis=-1):
    """Compressed GLDM ``P`` (levels present x dependence sizes present) and its axes ``i``, ``j``."""
    offs = offsets(levels.ndim, distances, force2d_axis)
    ng = int(levels[mask].max())
    full = np.zeros((ng, len(offs) + 1))
    for index in zip(*np.nonzero(mask)):
        g = int(levels[index])
        dep = sum(abs(h - g) <= alpha for h in neighbour_levels(levels, mask, index, offs))
        full[g - 1, dep] += 1
    rows = full.sum(1) > 0
    cols = full.sum(0) > 0
    i = np.arange(1, ng + 1)[rows].astype(float)
    j = np.arange(1, full.shape[1] + 1)[cols].astype(float)  # dependence size = neighbours + 1
    return full[rows][:, cols], i, j


def gldm_features(p, i, j):
    """The 14 GLDM features in pyradiomics' (alphabetical) order."""
    nz = p.sum()
    pg, pd = p.sum(1), p.sum(0)
    ii, jj = i[:, None], j[None, :]
    q = p / nz
    mu_i = (pg / nz * i).sum()
    mu_j = (pd / nz * j).sum()
    return np.array([
        -(q * np.log2(q + np.spacing(1))).sum(),
        (pd ** 2).sum() / nz,
        (pd ** 2).sum() / nz ** 2,
        (pd / nz * (j - mu_j) ** 2).sum(),
        (pg ** 2).sum() / nz,
        (pg / nz * (i - mu_i) ** 2).sum(),
        (pg * i ** 2).sum() / nz,
        (pd * j ** 2).sum() / nz,
        (p * ii ** 2 * jj ** 2).sum() / nz,
        (p * jj ** 2 / ii ** 2).sum() / nz,
        (pg / i ** 2).sum() / nz,
        (pd / j ** 2).sum() / nz,
        (p * ii ** 2 / jj ** 2).sum() / nz,
        (p / (ii ** 2 * jj ** 2)).sum() / nz,
    ])
