"""Thread pinning for the speed suite: must run before numpy and numba are imported."""

from __future__ import annotations

import os

_VARS = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def pin_threads(n: int) -> None:
    """Give radfeat's Numba kernels and every BLAS/OpenMP pool ``n`` threads (unless already set)."""
    for var in _VARS:
        os.environ.setdefault(var, str(max(int(n), 1)))
