"""The cost side of a benchmark: one clock, peak memory, model size on disk.

Every method is timed with the same wall clock (:func:`time.perf_counter`) around the same
phases (feature extraction, fit, predict), so classical pipelines and CNNs are comparable.
Peak memory is the resident set size (RSS) sampled by a background thread: ``tracemalloc``
would miss what Numba kernels, BLAS and PyTorch allocate outside Python's allocator.
"""

from __future__ import annotations

import io
import os
import threading
import time
from contextlib import contextmanager

__all__ = ["PeakMemory", "measure", "model_size_bytes", "rss_bytes"]

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """Resident set size of this process now (Linux ``/proc``, else psutil, else 0)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * _PAGE
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:  # pragma: no cover - no /proc and no psutil
        return 0


class PeakMemory:
    """Sample RSS every ``interval`` seconds in a daemon thread; ``peak_mb`` is the rise over the start.

    Parameters
    ----------
    interval : float
        Sampling period in seconds (a short allocation peak between samples can be missed; the
        phases measured here last seconds, the interval milliseconds).
    """

    def __init__(self, interval: float = 0.005):
        self.interval = interval
        self.start = self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(self.interval):
            self.peak = max(self.peak, rss_bytes())

    def __enter__(self):
        self.start = self.peak = rss_bytes()
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())

    @property
    def peak_mb(self) -> float:
        """Peak RSS above the RSS at entry, in MiB."""
        return (self.peak - self.start) / 2**20


@contextmanager
def measure():
    """Time a block and track its peak memory: ``with measure() as m: ...; m["seconds"], m["peak_mb"]``."""
    out = {"seconds": 0.0, "peak_mb": 0.0}
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        try:
            yield out
        finally:
            out["seconds"] = time.perf_counter() - t0
    out["peak_mb"] = mem.peak_mb


def model_size_bytes(model) -> int:
    """Bytes of the model as a deployer would store it.

    A CNN (anything with ``save(path_or_file)``): its own checkpoint. A scikit-learn estimator:
    its skops file (the format ``radfeat train`` writes).
    """
    if hasattr(model, "save") and callable(model.save):
        buf = io.BytesIO()
        model.save(buf)
        return buf.getbuffer().nbytes
    import skops.io as sio

    return len(sio.dumps(model))
