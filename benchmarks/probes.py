"""Measurements that need a fresh process; ``speed.py`` runs each as a subprocess.

    python benchmarks/probes.py import MODULE
    python benchmarks/probes.py compile [--quick] [--threads N]
    python benchmarks/probes.py memory TOOL CASE ROW [--quick] [--threads N] [--subset N]

Each prints one JSON object as its last line of output.

* ``import``: seconds to import MODULE in a fresh interpreter (interpreter start-up excluded).
* ``compile``: for a few small cases, radfeat's first whole-set extraction in the process minus
  a warm one (median of 3). Run with ``NUMBA_CACHE_DIR`` pointing at an empty folder it is the
  JIT compile time on a cold cache; with radfeat's own cache, the cost of loading the cached
  kernels.
* ``memory``: the rise of the resident set (``VmHWM`` - ``VmRSS`` before the call, in MiB)
  during one warm extraction: Numba's and C libraries' allocations included, which tracemalloc
  would miss. The peak is reset through ``/proc/self/clear_refs``; where that is refused, a
  thread samples ``VmRSS`` every millisecond instead. ``speed.py`` runs it with
  ``MALLOC_MMAP_THRESHOLD_`` fixed, so that glibc returns large freed blocks at once and the
  warm call's arrays are not served from memory the warm-up left behind (which hides them).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _threads import pin_threads

#: The small cases of the compile probe: every kernel the suite's whole sets use (2D, 3D, batch).
COMPILE_CASES = ("2d-64", "3d-64", "batch")


def _status_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def _peak_rise_mib(fn) -> tuple[float, float, str]:
    """(peak RSS rise during ``fn()``, the process's peak RSS, in MiB; method used)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS
        base = _status_kib("VmRSS")
        fn()
        return (_status_kib("VmHWM") - base) / 1024, _status_kib("VmHWM") / 1024, "VmHWM"
    except OSError:
        pass
    base = _status_kib("VmRSS")
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _status_kib("VmRSS"))
            time.sleep(0.001)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        fn()
    finally:
        done.set()
        thread.join()
    top = max(peak[0], _status_kib("VmRSS"))
    return (top - base) / 1024, top / 1024, "sampled VmRSS"


def probe_import(module: str) -> dict:
    import importlib

    t = time.perf_counter()
    importlib.import_module(module)
    return {"module": module, "seconds": time.perf_counter() - t}


def probe_compile(quick: bool) -> dict:
    import statistics

    from cases import make_case
    from peers import Options, get_tool

    tool, opts, out = get_tool("radfeat"), Options(), []
    for key in COMPILE_CASES:
        case = make_case(key, quick=True)  # small batch: compile time does not depend on its length
        job = tool.prepare(case, "all", opts)
        t = time.perf_counter()
        job.run()
        first = time.perf_counter() - t
        warm = []
        for _ in range(3):
            t = time.perf_counter()
            job.run()
            warm.append(time.perf_counter() - t)
        warm_s = statistics.median(warm)
        out.append({"case": case.label, "first_s": first, "warm_s": warm_s, "compile_s": max(first - warm_s, 0.0)})
    return {"cases": out, "total_s": sum(r["compile_s"] for r in out)}


def probe_memory(tool_name: str, key: str, row: str, quick: bool, threads: int, subset: int) -> dict:
    from cases import make_case
    from peers import Options, get_tool

    tool = get_tool(tool_name)
    if not tool.available():
        raise SystemExit(f"{tool_name} is not installed")
    case = make_case(key, quick=quick)
    job = tool.prepare(case, row, Options(threads=threads, subset=subset))
    job.run()  # warm-up: kernels loaded, caches filled
    rise, peak, method = _peak_rise_mib(job.run)
    return {"tool": tool.name, "case": case.label, "row": row, "peak_rise_mib": rise, "process_peak_mib": peak,
            "method": method, "subset": job.scale != 1.0}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("probe", choices=("import", "compile", "memory"))
    p.add_argument("args", nargs="*")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--subset", type=int, default=100)
    a = p.parse_args(argv)
    pin_threads(a.threads)
    if a.probe == "import":
        result = probe_import(*a.args)
    elif a.probe == "compile":
        result = probe_compile(a.quick)
    else:
        result = probe_memory(*a.args, quick=a.quick, threads=a.threads, subset=a.subset)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
