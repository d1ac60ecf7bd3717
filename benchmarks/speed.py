"""radfeat against pyradiomics and the fastest peers, same inputs and settings, in one run.

    python benchmarks/speed.py [--quick] [--peers pyradiomics,nyxus,flash-radiomics,skimage,mahotas]
                               [--threads N] [--cases 2d-128,3d-128,batch] [--families all,glcm]
                               [--no-save] [--no-compile] [--no-memory]

Cases (``benchmarks/cases.py``): 2D 64², 128², 256², 512² with a blob mask and 3D 64³, 128³
with an ellipsoid mask (integer texture 1..400, binWidth 25: 17 grey levels), and a batch of
1,000 28×28 images (values 1..255, whole image as ROI, binCount 32). Rows: the whole feature
set of pyradiomics' seven families in one extraction (``all``), each family alone
(firstorder, shape, glcm, glrlm, glszm, gldm, ngtdm), and, when scikit-image or mahotas is
asked for, the sets radfeat shares with them (lbp, haralick, glcm+lbp, haralick+lbp). What each
tool runs and what differs from pyradiomics is in ``benchmarks/peers.py`` and in the output.

Every figure is the median of repeats after one warm-up call (excluded), in this one process;
each is also given as a ratio to pyradiomics' time measured in the same run. radfeat uses
``--threads`` Numba threads (default 1); peers that have a thread setting get the same number;
pyradiomics, scikit-image and mahotas are single-threaded. Fresh subprocesses measure
``import radfeat``, the JIT compile time on a cold cache (and the load time from the warm
on-disk cache), and the peak memory of each case's whole-set extraction. The time exponent ``b``
of ``t = a n^b`` is fitted over the 2D and the 3D series (n = ROI voxels).

Every feature radfeat computes that pyradiomics also computes is checked to agree (rtol 1e-6),
and so are radfeat's lbp against scikit-image's and its haralick against mahotas'; a mismatch
makes the exit status 1. ``--quick`` (CI: under a minute) runs fewer repeats, a 200-image batch,
no 512² or 128³, pyradiomics only unless ``--peers`` names more, no cold compile; it asserts no
time. Results go to ``benchmarks/results/speed-<date>.json`` and ``.md`` (not with ``--quick`` or
``--no-save``); ``benchmarks/update_readme.py`` copies the latest into README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _threads import pin_threads

ALL_PEERS = ("pyradiomics", "nyxus", "flash-radiomics", "scikit-image", "mahotas")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="short run for CI (under a minute), saves nothing")
    p.add_argument("--peers", default=None,
                   help="comma-separated peers (default: every installed one; --quick: pyradiomics only). "
                        "pyradiomics always runs: it is the reference of every ratio")
    p.add_argument("--threads", type=int, default=1, help="threads for radfeat (Numba) and peers that allow it")
    p.add_argument("--cases", default=None, help="comma-separated case keys (2d-64, 2d-128, 2d-256, 2d-512, "
                                                  "3d-64, 3d-128, batch)")
    p.add_argument("--families", default=None, help="comma-separated rows (all, firstorder, shape, glcm, ...)")
    p.add_argument("--out", default=str(HERE / "results"), help="results folder")
    p.add_argument("--no-save", action="store_true", help="print only")
    p.add_argument("--no-compile", action="store_true", help="skip the cold-cache JIT compile probe")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory probes")
    return p.parse_args(argv)


# --------------------------------------------------------------------------------------- timing


def measure(job, budget_s: float, max_repeats: int):
    """(median seconds x job.scale, repeats, output of the warm-up call); the warm-up is excluded.

    The repeat count comes from the first timed call (the warm-up may include loading kernels):
    as many as fit in ``budget_s``, at least 1 and at most ``max_repeats``.
    """
    out = job.run()
    times = []
    while True:
        t = time.perf_counter()
        job.run()
        times.append(time.perf_counter() - t)
        if len(times) >= min(max_repeats, max(1, budget_s // times[0])):
            break
    return statistics.median(times) * job.scale, len(times), out


def compare(ours: list, theirs: list, rtol=1e-6, atol=1e-9) -> tuple[int, list]:
    """(number of values compared, names that differ) over the names both tools output."""
    import numpy as np

    n, bad = 0, set()
    for a, b in zip(ours, theirs):
        for name in a.keys() & b.keys():
            n += 1
            if not np.isclose(a[name], b[name], rtol=rtol, atol=atol, equal_nan=True):
                bad.add(name)
    return n, sorted(bad)


#: Tools whose values must equal radfeat's (identical definitions and inputs); others are informational.
MUST_AGREE = {"pyradiomics", "scikit-image", "mahotas"}


def run_case(case, rows, tools, opts, quick):
    """Time every (row, tool) of one case; returns the timing rows and the agreement records."""
    budget, max_repeats = (0.2, 3) if quick else (1.0, 9)
    radfeat, timings, checks = tools[0], [], []
    for row in rows:
        users = [t for t in tools[1:] if t.supports(case, row)]
        if not users or not radfeat.supports(case, row):
            continue
        results = {}
        for tool in [radfeat] + users:
            job = tool.prepare(case, row, opts)
            seconds, repeats, out = measure(job, budget, max_repeats)
            results[tool.name] = job.values(out) if job.values else None
            timings.append(dict(case=case.label, key=case.key, row=row, tool=tool.name, seconds=seconds,
                                repeats=repeats, subset=job.scale != 1.0, n_images=case.n_images))
            print(f"{case.label:<12} {row:<13} {tool.name:<16} {seconds * 1e3:10.2f} ms  ({repeats} runs)", flush=True)
        for tool in users:
            if results.get(tool.name) is None:
                continue
            n, bad = compare(results["radfeat"], results[tool.name])
            if n == 0 and tool.name != "pyradiomics":
                continue  # no feature in common (scikit-image's graycoprops, mahotas' LBP)
            checks.append(dict(case=case.label, row=row, tool=tool.name, compared=n, differ=bad,
                               required=tool.name in MUST_AGREE))
            if bad and tool.name in MUST_AGREE:
                print(f"  DISAGREE radfeat vs {tool.name}: {bad}", flush=True)
    return timings, checks


# ----------------------------------------------------------------------------------- subprocesses


def _probe(args, env=None, timeout=900) -> dict | None:
    cmd = [sys.executable, str(HERE / "probes.py")] + [str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=timeout,
                          check=False)
    if proc.returncode != 0:
        print(f"  probe {' '.join(map(str, args))} failed: {proc.stderr.strip()[-400:]}", flush=True)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def import_times(tools, repeats) -> dict:
    """Median seconds to import each tool's module in a fresh interpreter."""
    out = {}
    for tool in tools:
        runs = [_probe(["import", tool.module]) for _ in range(repeats)]
        runs = [r["seconds"] for r in runs if r]
        if runs:
            out[tool.name] = statistics.median(runs)
            print(f"import {tool.module:<16} {out[tool.name] * 1e3:8.1f} ms (median of {len(runs)})", flush=True)
    return out


def compile_times(threads, cold: bool) -> dict:
    """radfeat's first-call overhead: from the warm on-disk cache, and (``cold``) from an empty one."""
    out = {}
    modes = [("warm_cache", None)] + ([("cold_cache", tempfile.mkdtemp(prefix="radfeat-numba-"))] if cold else [])
    for mode, cache in modes:
        env = {"NUMBA_CACHE_DIR": cache} if cache else {}
        result = _probe(["compile", "--threads", threads], env=env)
        if result:
            out[mode] = result
            print(f"first call, {mode.replace('_', ' ')}: {result['total_s']:.2f} s over "
                  f"{', '.join(r['case'] for r in result['cases'])}", flush=True)
        if cache:
            import shutil

            shutil.rmtree(cache, ignore_errors=True)
    return out


#: glibc: a fixed mmap threshold stops freed large blocks from being reused unseen (see probes.py).
MEMORY_ENV = {"MALLOC_MMAP_THRESHOLD_": "65536"}


def memory_peaks(cases, tools, opts, quick) -> list:
    """Peak RSS rise of each tool's whole-set extraction, one fresh process per (case, tool)."""
    out = []
    for case in cases:
        for tool in tools:
            if not tool.supports(case, "all"):
                continue
            args = ["memory", tool.name, case.key, "all", "--threads", opts.threads, "--subset", opts.subset]
            result = _probe(args + (["--quick"] if quick else []), env=MEMORY_ENV)
            if result:
                out.append(result)
                print(f"memory {case.label:<12} {tool.name:<16} +{result['peak_rise_mib']:8.1f} MiB "
                      f"(process peak {result['process_peak_mib']:.0f} MiB)", flush=True)
    return out


# ---------------------------------------------------------------------------------------- main


def select_tools(spec, quick):
    """[radfeat, pyradiomics, *peers] that are installed, and notes on the ones skipped."""
    from peers import PEER_NAMES, get_tool

    names = ["pyradiomics"] if spec is None and quick else list(ALL_PEERS) if spec is None else \
        ["pyradiomics"] + [PEER_NAMES.get(n.strip(), n.strip()) for n in spec.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL_PEERS]
    if unknown:
        raise SystemExit(f"unknown peer(s) {unknown}; known: {', '.join(ALL_PEERS)}")
    tools, skipped = [get_tool("radfeat")], {}
    for name in dict.fromkeys(names):
        tool = get_tool(name)
        if tool.available():
            tools.append(tool)
        elif name == "pyradiomics":
            raise SystemExit("pyradiomics is not installed: it is the reference of every ratio "
                             "(pip install pyradiomics==3.0.1)")
        else:
            skipped[tool.name] = "not installed: skipped"
    return tools, skipped


def main(argv=None) -> int:
    args = parse_args(argv)
    pin_threads(args.threads)
    start = time.perf_counter()
    load_start = os.getloadavg()

    import numba
    import numpy as np
    import report
    from cases import SETTINGS_NOTE, make_case, parse_cases
    from peers import ROWS, Options

    tools, skipped = select_tools(args.peers, args.quick)
    rows = [r for r in ROWS if args.families is None or r in args.families.split(",")]
    opts = Options(threads=args.threads, subset=20 if args.quick else 100)
    cases = [make_case(k, quick=args.quick) for k in parse_cases(args.cases, args.quick)]
    for name, why in skipped.items():
        print(f"{name}: {why}", flush=True)

    timings, checks = [], []
    for case in cases:
        t, c = run_case(case, rows, tools, opts, args.quick)
        timings += t
        checks += c

    imports = import_times(tools[:2] if args.quick else tools, 3 if args.quick else 5)
    compile_ = compile_times(args.threads, cold=not (args.quick or args.no_compile))
    memory = [] if args.no_memory else memory_peaks(cases if not args.quick else cases[:1],
                                                    tools[:2] if args.quick else tools, opts, args.quick)

    result = dict(
        format=2,
        meta=dict(date=dt.date.today().isoformat(), quick=args.quick, threads=args.threads,
                  numba_threads=numba.get_num_threads(), python=platform.python_version(), numpy=np.__version__,
                  numba=numba.__version__, machine=platform.machine(), cpus=os.cpu_count(),
                  load_average_start=load_start[0], load_average_end=os.getloadavg()[0],
                  command=" ".join(["python benchmarks/speed.py"] + (argv if argv is not None else sys.argv[1:])),
                  settings=SETTINGS_NOTE, batch_subset=opts.subset),
        tools={t.name: dict(module=t.module, version=t.version, threads=t.threads, compared_on=t.compared_on, notes=t.notes,
                            per_image=t.per_image) for t in tools},
        skipped=skipped,
        cases=[dict(key=c.key, label=c.label, kind=c.kind, n_roi=c.n_roi, n_images=c.n_images,
                    n_levels=c.n_levels, settings=c.settings) for c in cases],
        timings=timings, agreement=checks, imports=imports, compile=compile_, memory=memory,
    )
    result["scaling"] = report.scaling(result)
    result["targets"] = report.targets(result)
    result["meta"]["wall_s"] = time.perf_counter() - start
    md = report.markdown(result)
    print()
    print(md)
    if not (args.no_save or args.quick):
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = out / f"speed-{result['meta']['date']}"
        stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
        stem.with_suffix(".md").write_text(md + "\n")
        print(f"\nwrote {stem}.json and .md")
    failed = [c for c in checks if c["required"] and (c["differ"] or not c["compared"])]
    if failed:
        print(f"\nFAILED: radfeat disagrees with {len(failed)} reference result(s): "
              + "; ".join(f"{c['case']} {c['row']} vs {c['tool']}: {c['differ'][:5] or 'no common feature'}" for c in failed))
        return 1
    print(f"\nagreement: {sum(c['compared'] for c in checks if c['required'])} values checked, all within rtol 1e-6; "
          f"wall time {result['meta']['wall_s']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
