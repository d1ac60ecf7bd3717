"""The one place that configures Numba for radfeat.

Kernels use :func:`jit` (serial) or :func:`pjit` (``parallel=True``). Both cache compiled code
on disk (``cache=True``), release the GIL (``nogil=True``) and keep IEEE semantics
(``fastmath=False``) because radfeat promises pyradiomics' numbers to 1e-6. No explicit
signatures: compilation happens lazily on first call, never at ``import radfeat``.
"""

from __future__ import annotations

import numba

__all__ = ["jit", "pjit", "prange", "set_num_threads", "get_num_threads"]

prange = numba.prange
set_num_threads = numba.set_num_threads
get_num_threads = numba.get_num_threads


def jit(func=None, **options):
    """Serial kernel decorator: ``numba.njit(cache=True, nogil=True)``."""
    opts = {"cache": True, "nogil": True, "fastmath": False}
    opts.update(options)
    if func is None:
        return lambda f: numba.njit(**opts)(f)
    return numba.njit(**opts)(func)


def pjit(func=None, **options):
    """Parallel kernel decorator: like :func:`jit` with ``parallel=True`` (use ``prange``)."""
    options.setdefault("parallel", True)
    return jit(func, **options)
