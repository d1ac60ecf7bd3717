"""The sums behind the GLDM and GLSZM features (private).

Both families reduce to a matrix ``P`` whose rows are the grey levels ``i`` present (``ivec``)
and whose columns are the values ``j`` present (``jvec``: dependence sizes or zone sizes), and
define the same emphases, non-uniformities, variances and entropy over it; only the names and
the output order differ, so the families just pick and normalise these sums.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import jit

_EPS = np.spacing(1)


@jit
def emphasis_sums(p, ivec, jvec, pair_first):
    """Sums over ``P`` (``ng x nj``) that the GLDM and GLSZM features are built from.

    ``pair_first`` selects how ``P(i,j) i^2 j^2`` is rounded: ``P * (i^2 j^2)`` (GLDM's port)
    or ``(P i^2) j^2`` (GLSZM's port), so each family keeps its numbers to the last bit.

    Returns
    -------
    tuple
        ``(nz, pj, entropy, small_low, small_high, large_low, large_high, gln, low, high, glv,
        jn, small, large, jv)`` with ``N_z = sum P`` (``nz``, 1 when ``P`` is empty), the column
        sums ``pj``, ``-sum p log2(p + eps)`` (``p = P / N_z``), the unnormalised sums
        ``sum P/(i^2 j^2)``, ``sum P i^2/j^2``, ``sum P j^2/i^2``, ``sum P i^2 j^2``,
        ``sum_i p_g(i)^2``, ``sum_i p_g(i)/i^2``, ``sum_i p_g(i) i^2``, the level variance, then
        ``sum_j p_j(j)^2``, ``sum_j p_j(j)/j^2``, ``sum_j p_j(j) j^2`` and the ``j`` variance.
    """
    ng, nj = p.shape
    pg = np.zeros(ng)
    pj = np.zeros(nj)
    nz = 0.0
    for i in range(ng):
        for j in range(nj):
            pg[i] += p[i, j]
            pj[j] += p[i, j]
    for j in range(nj):
        nz += pj[j]
    if nz == 0.0:
        nz = 1.0
    ent = 0.0
    small_low = 0.0
    small_high = 0.0
    large_low = 0.0
    large_high = 0.0
    for i in range(ng):
        i2 = ivec[i] * ivec[i]
        for j in range(nj):
            v = p[i, j]
            if v == 0.0:
                continue
            j2 = jvec[j] * jvec[j]
            q = v / nz
            ent -= q * math.log2(q + _EPS)
            small_low += v / (i2 * j2)
            small_high += v * i2 / j2
            large_low += v * j2 / i2
            large_high += v * (j2 * i2) if pair_first else v * i2 * j2
    gln = 0.0
    low = 0.0
    high = 0.0
    mu_i = 0.0
    for i in range(ng):
        i2 = ivec[i] * ivec[i]
        gln += pg[i] * pg[i]
        low += pg[i] / i2
        high += pg[i] * i2
        mu_i += pg[i] / nz * ivec[i]
    glv = 0.0
    for i in range(ng):
        glv += pg[i] / nz * (ivec[i] - mu_i) ** 2
    jn = 0.0
    small = 0.0
    large = 0.0
    mu_j = 0.0
    for j in range(nj):
        j2 = jvec[j] * jvec[j]
        jn += pj[j] * pj[j]
        small += pj[j] / j2
        large += pj[j] * j2
        mu_j += pj[j] / nz * jvec[j]
    jv = 0.0
    for j in range(nj):
        jv += pj[j] / nz * (jvec[j] - mu_j) ** 2
    return (nz, pj, ent, small_low, small_high, large_low, large_high, gln, low, high, glv,
            jn, small, large, jv)
