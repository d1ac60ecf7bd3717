"""Progress of a batch: a one-line bar on a terminal, JSON lines otherwise."""

from __future__ import annotations

import json
import math
import sys
import time

__all__ = ["Progress"]


class Progress:
    """Report ``done / total`` with rate and ETA.

    Parameters
    ----------
    total : int
    stream : file, default sys.stderr
    bar : bool, optional
        A redrawn bar (default when ``stream`` is a terminal); otherwise a JSON object per line
        (``{"done", "total", "failed", "rate", "eta_s"}``) at most every ``interval`` seconds and at the end.
    interval : float
    """

    def __init__(self, total, stream=None, bar=None, interval=5.0):
        self.total, self.stream = total, stream or sys.stderr
        self.bar = self.stream.isatty() if bar is None else bar
        self.interval, self.done, self.failed, self.skipped = interval, 0, 0, 0
        self.start = self._last = time.perf_counter()

    def resumed(self, n):
        """``n`` cases came from the journal (they count as done but not in the rate)."""
        self.done += n
        self.skipped += n

    def update(self, n=1, failed=0):
        self.done += n
        self.failed += failed
        now = time.perf_counter()
        if self.bar or now - self._last >= self.interval or self.done >= self.total:
            self._last = now
            self._emit(now)

    def _stats(self, now):
        elapsed = max(now - self.start, 1e-9)
        rate = (self.done - self.skipped) / elapsed
        eta = (self.total - self.done) / rate if rate > 0 else float("nan")
        return rate, eta

    def _emit(self, now):
        rate, eta = self._stats(now)
        if self.bar:
            width = 30
            filled = int(width * self.done / max(self.total, 1))
            eta_text = time.strftime("%H:%M:%S", time.gmtime(eta)) if math.isfinite(eta) else "--:--:--"
            line = (f"\r[{'=' * filled}{' ' * (width - filled)}] {self.done}/{self.total} cases"
                    f"  {rate:.1f}/s  ETA {eta_text}" + (f"  {self.failed} failed" if self.failed else ""))
            self.stream.write(line + ("\n" if self.done >= self.total else ""))
        else:
            self.stream.write(json.dumps({"done": self.done, "total": self.total, "failed": self.failed,
                                          "rate": round(rate, 3), "eta_s": round(eta, 1) if math.isfinite(eta) else None})
                              + "\n")
        self.stream.flush()

    def __call__(self, done, total):
        """The ``progress(done, total)`` callback form."""
        self.total = total
        self.update(done - self.done)
