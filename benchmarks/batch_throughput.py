"""Batch extraction throughput: serial vs worker processes vs a Dask LocalCluster, same manifest.

    python benchmarks/batch_throughput.py [--quick] [--jobs 2]

Cases (written to a temporary folder, deleted afterwards):

- ``png``: 5,000 MedMNIST-like 28x28 grey PNGs, whole image as ROI, binCount 32;
- ``volumes``: 20 CT-like NRRD volumes of 64x128x128 voxels with an ellipsoid lesion mask, binWidth 25.

Every mode is the real command line (``radfeat extract --manifest ... --fresh``) timed end to end,
start-up included (interpreter, imports, worker spawn, the on-disk JIT cache), after one warm-up
run that fills the Numba cache. Modes: ``serial-1t`` (one process, one Numba thread),
``serial`` (one process, threaded kernels on every core), ``processes`` (``--jobs N``), ``dask``
(``--executor dask --jobs N``: a LocalCluster of N single-threaded worker processes). The tables of
all modes are compared byte for byte. Scaling efficiency = rate(N workers) / (N x rate(serial-1t)).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _png_cases(folder: Path, n: int) -> Path:
    import imageio.v3 as iio

    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        base = rng.normal(120, 30, size=(28, 28)).cumsum(axis=1) / np.arange(1, 29)
        image = np.clip(base + rng.normal(0, 15, size=(28, 28)), 0, 255).astype(np.uint8)
        name = f"img{i:05d}.png"
        iio.imwrite(folder / name, image)
        rows.append({"Image": name})
    return _manifest(folder, rows)


def _volume_cases(folder: Path, n: int, shape=(64, 128, 128)) -> Path:
    import SimpleITK as sitk

    from radfeat.datasets.synthetic import synthetic_case

    rows = []
    for i in range(n):
        image, mask = synthetic_case(shape, seed=i)
        for arr, name in ((image, f"vol{i:02d}.nrrd"), (mask, f"vol{i:02d}_mask.nrrd")):
            img = sitk.GetImageFromArray(arr)
            img.SetSpacing((0.8, 0.8, 2.0))
            sitk.WriteImage(img, str(folder / name), True)
        rows.append({"Image": f"vol{i:02d}.nrrd", "Mask": f"vol{i:02d}_mask.nrrd"})
    return _manifest(folder, rows)


def _manifest(folder, rows):
    path = folder / "cases.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _run(manifest, out, settings, extra, threads=None):
    env = dict(os.environ)
    if threads is not None:
        env["NUMBA_NUM_THREADS"] = str(threads)
    cmd = [sys.executable, "-m", "radfeat", "extract", "--manifest", str(manifest), "-o", str(out), "--fresh",
           "--progress", "none", *sum((["-s", s] for s in settings), []), *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    return seconds


def bench(name, manifest, n, settings, jobs, folder):
    modes = {
        "serial-1t": ([], 1),
        "serial": ([], None),
        "processes": (["--jobs", str(jobs)], None),
        "dask": (["--jobs", str(jobs), "--executor", "dask"], None),
    }
    _run(manifest, folder / "warm.csv", settings, [])  # fills the on-disk JIT cache
    out = {}
    for mode, (extra, threads) in modes.items():
        seconds = _run(manifest, folder / f"{name}-{mode}.csv", settings, extra, threads)
        out[mode] = {"seconds": seconds, "cases_per_s": n / seconds}
        print(f"{name:8s} {mode:10s} {seconds:8.2f} s  {n / seconds:9.1f} cases/s", flush=True)
    ref = folder / f"{name}-serial-1t.csv"
    identical = all(filecmp.cmp(ref, folder / f"{name}-{m}.csv", shallow=False) for m in modes)
    base = out["serial-1t"]["cases_per_s"]
    for mode in ("processes", "dask"):
        out[mode]["efficiency"] = out[mode]["cases_per_s"] / (jobs * base)
    return {"cases": n, "settings": settings, "modes": out, "identical_tables": identical}


def _markdown(doc) -> str:
    lines = [f"Batch throughput ({doc['date']}, {doc['cpu_count']} cores, {doc['jobs']} workers; end to end "
             "including start-up; tables identical across modes: "
             + ", ".join(f"{k} {'yes' if v['identical_tables'] else 'NO'}" for k, v in doc["cases"].items()) + ")",
             "", "| Cases | serial, 1 thread | serial, threaded | --jobs N | Dask LocalCluster | efficiency (jobs / dask) |",
             "|---|---|---|---|---|---|"]
    for name, res in doc["cases"].items():
        m = res["modes"]
        cell = {k: f"{v['cases_per_s']:.1f}/s ({v['seconds']:.1f} s)" for k, v in m.items()}
        lines.append(f"| {res['cases']} {name} | {cell['serial-1t']} | {cell['serial']} | {cell['processes']} | "
                     f"{cell['dask']} | {m['processes']['efficiency']:.0%} / {m['dask']['efficiency']:.0%} |")
    return "\n".join(lines) + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="500 PNGs and 4 volumes of 32x64x64")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--out", default=str(Path(__file__).parent / "results"))
    p.add_argument("--no-save", action="store_true")
    args = p.parse_args()
    n_png, n_vol, shape = (500, 4, (32, 64, 64)) if args.quick else (5000, 20, (64, 128, 128))
    doc = {"date": dt.date.today().isoformat(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
           "jobs": args.jobs, "quick": args.quick, "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "png").mkdir()
        (folder / "vol").mkdir()
        png = _png_cases(folder / "png", n_png)
        vol = _volume_cases(folder / "vol", n_vol, shape)
        doc["cases"]["28x28 PNG"] = bench("png", png, n_png, ["binCount=32"], args.jobs, folder)
        doc["cases"][f"{'x'.join(map(str, shape))} volumes"] = bench("volumes", vol, n_vol, ["binWidth=25"],
                                                                    args.jobs, folder)
    md = _markdown(doc)
    print(md)
    if not args.no_save:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / f"batch-{doc['date']}.json").write_text(json.dumps(doc, indent=1))
        (out / f"batch-{doc['date']}.md").write_text(md)


if __name__ == "__main__":
    main()
