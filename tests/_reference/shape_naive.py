"""Slow, obviously-correct NumPy references for the mesh-free parts of the shape features.

Independent of radfeat's kernels: vertices come from walking every marching cube and every one
of its 12 edges (not from boundary faces), diameters from all vertex pairs (no pruning), axes
from ``numpy.cov`` and ``numpy.linalg.eigvalsh``. Meant for small random masks only.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["mesh_vertices", "max_diameters", "axis_eigenvalues", "voxel_volume"]


def _cell_edges(ndim):
    """Corner-offset pairs of the edges of a unit cell (12 for a cube, 4 for a square)."""
    corners = list(itertools.product((0, 1), repeat=ndim))
    return [(a, b) for a, b in itertools.combinations(corners, 2)
            if sum(abs(p - q) for p, q in zip(a, b)) == 1]


def mesh_vertices(mask, spacing):
    """Physical coordinates of the marching-cubes/squares vertices of ``mask``.

    Parameters
    ----------
    mask : ndarray of bool, 2D or 3D, *not* padded (padding is added here, as pyradiomics does)
    spacing : sequence of float, per array axis

    Returns
    -------
    ndarray, shape (n, ndim)
        One row per cell edge joining an ROI and a non-ROI voxel (duplicates between
        neighbouring cells removed), at ``(cell origin + edge midpoint) * spacing``.
    """
    padded = np.pad(np.asarray(mask, dtype=bool), 1)
    ndim = padded.ndim
    origins = np.indices([n - 1 for n in padded.shape]).reshape(ndim, -1).T
    rows = []
    for a, b in _cell_edges(ndim):
        va = padded[tuple(slice(o, o + n - 1) for o, n in zip(a, padded.shape))]
        vb = padded[tuple(slice(o, o + n - 1) for o, n in zip(b, padded.shape))]
        hit = (va != vb).reshape(-1)
        # Doubled integer coordinates make duplicate removal exact.
        rows.append(2 * origins[hit] + np.add(a, b))
    doubled = np.unique(np.concatenate(rows), axis=0)
    return (doubled / 2.0) * np.asarray(spacing, dtype=float)


def max_diameters(vertices, chunk=256):
    """Largest pairwise distance overall and within equal-coordinate planes, by brute force.

    Returns
    -------
    overall : float
    per_axis : ndarray, shape (ndim,)
        ``per_axis[k]`` is the largest distance between vertices with equal coordinate ``k``.
    """
    v = np.asarray(vertices, dtype=float)
    ndim = v.shape[1]
    overall = 0.0
    per_axis = np.zeros(ndim)
    for start in range(0, len(v), chunk):
        block = v[start:start + chunk]
        d2 = ((block[:, None, :] - v[None, :, :]) ** 2).sum(-1)
        overall = max(overall, d2.max())
        for k in range(ndim):
            same = block[:, None, k] == v[None, :, k]
            if same.any():
                per_axis[k] = max(per_axis[k], d2[same].max())
    return float(np.sqrt(overall)), np.sqrt(per_axis)


def axis_eigenvalues(mask, spacing):
    """Ascending eigenvalues of the population covariance of the ROI voxel centres (mm^2)."""
    coords = np.argwhere(mask) * np.asarray(spacing, dtype=float)
    cov = np.atleast_2d(np.cov(coords, rowvar=False, bias=True))
    return np.clip(np.linalg.eigvalsh(cov), 0.0, None)


def voxel_volume(mask, spacing):
    """Number of ROI voxels times the voxel volume."""
    return float(np.count_nonzero(mask) * np.prod(spacing))
