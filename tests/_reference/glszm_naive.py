"""Slow, obviously-correct NumPy reference for the GLSZM.

Independent of radfeat's kernels: zones come from ``scipy.ndimage.label`` with full
connectivity (a 3x3(x3) structure, flattened to the plane along the force2D axis), one grey level
at a time; features are vectorised NumPy over the compressed matrix.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

__all__ = ["zones", "glszm_matrix", "glszm_features"]


def zones(levels, mask, force2d_axis=-1):
    """List of ``(level, size)`` of every zone."""
    structure = np.ones((3,) * levels.ndim, dtype=bool)
    if 0 <= force2d_axis < levels.ndim:
        keep = [slice(None)] * levels.ndim
        for side in (0, 2):
            keep[force2d_axis] = side
            structure[tuple(keep)] = False
    out = []
    for g in np.unique(levels[mask]):
        labels, n = ndimage.label(mask & (levels == g), structure=structure)
        sizes = np.bincount(labels.ravel())[1:]
        out += [(int(g), int(s)) for s in sizes]
    return out


def glszm_matrix(levels, mask, force2d_axis=-1):
    """Compressed GLSZM ``P`` (levels present x sizes present) and its axes ``i``, ``j``."""
    z = np.array(zones(levels, mask, force2d_axis))
    i = np.unique(z[:, 0])
    j = np.unique(z[:, 1])
    p = np.zeros((len(i), len(j)))
    for g, s in z:
        p[np.searchsorted(i, g), np.searchsorted(j, s)] += 1
    return p, i.astype(float), j.astype(float)


def glszm_features(p, i, j):
    """The 16 GLSZM features in pyradiomics' (alphabetical) order."""
    nz = p.sum()
    pg, ps = p.sum(1), p.sum(0)
    npix = (ps * j).sum()
    ii, jj = i[:, None], j[None, :]
    q = p / nz
    mu_i = (pg / nz * i).sum()
    mu_j = (ps / nz * j).sum()
    return np.array([
        (pg ** 2).sum() / nz,
        (pg ** 2).sum() / nz ** 2,
        (pg / nz * (i - mu_i) ** 2).sum(),
        (pg * i ** 2).sum() / nz,
        (ps * j ** 2).sum() / nz,
        (p * ii ** 2 * jj ** 2).sum() / nz,
        (p * jj ** 2 / ii ** 2).sum() / nz,
        (pg / i ** 2).sum() / nz,
        (ps ** 2).sum() / nz,
        (ps ** 2).sum() / nz ** 2,
        (ps / j ** 2).sum() / nz,
        (p * ii ** 2 / jj ** 2).sum() / nz,
        (p / (ii ** 2 * jj ** 2)).sum() / nz,
        -(q * np.log2(q + np.spacing(1))).sum(),
        nz / npix,
        (ps / nz * (j - mu_j) ** 2).sum(),
    ])
