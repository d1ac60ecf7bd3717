"""Slow, obviously-correct NumPy reference for the NGTDM.

Independent of radfeat's kernels: a plain Python loop over the ROI voxels, neighbours from
:func:`gldm_naive.offsets` (``itertools.product``), features as explicit double sums over the
grey levels present. Small images only.
"""

from __future__ import annotations

import numpy as np

from .gldm_naive import neighbour_levels, offsets

__all__ = ["ngtdm_matrix", "ngtdm_features"]


def ngtdm_matrix(levels, mask, distances=(1,), force2d_axis=-1):
    """``(N_gp, 3)``: count ``n_i``, summed difference ``s_i`` and level ``i`` of each level present."""
    offs = offsets(levels.ndim, distances, force2d_axis)
    ng = int(levels[mask].max())
    n = np.zeros(ng)
    s = np.zeros(ng)
    for index in zip(*np.nonzero(mask)):
        g = int(levels[index])
        nb = neighbour_levels(levels, mask, index, offs)
        n[g - 1] += 1
        s[g - 1] += abs(g - np.mean(nb)) if nb else 0.0
    keep = n > 0
    return np.column_stack([n[keep], s[keep], np.arange(1, ng + 1)[keep]]).astype(float)


def ngtdm_features(m):
    """Busyness, Coarseness, Complexity, Contrast, Strength."""
    n, s, lv = m[:, 0], m[:, 1], m[:, 2]
    nvp = n.sum()
    p = n / nvp
    ngp = len(n)
    busy_num = coarse_sum = (p * s).sum()
    absdiff = contrast = complexity = strength = 0.0
    for a in range(ngp):
        for b in range(ngp):
            absdiff += abs(lv[a] * p[a] - lv[b] * p[b])
            contrast += p[a] * p[b] * (lv[a] - lv[b]) ** 2
            complexity += abs(lv[a] - lv[b]) * (p[a] * s[a] + p[b] * s[b]) / (p[a] + p[b])
            strength += (p[a] + p[b]) * (lv[a] - lv[b]) ** 2
    return np.array([
        busy_num / absdiff if absdiff else 0.0,
        1 / coarse_sum if coarse_sum else 1e6,
        complexity / nvp,
        contrast * s.sum() / nvp / (ngp * (ngp - 1)) if ngp > 1 else 0.0,
        strength / s.sum() if s.sum() else 0.0,
    ])
