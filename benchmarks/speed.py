"""radfeat vs pyradiomics, same inputs and settings, in one run; reports times and ratios.

    python benchmarks/speed.py [--quick] [--families glcm,glrlm] [--threads 1]

Cases: 2D 128^2 with a blob mask, 3D 64^3 and 128^3 with an ellipsoid mask (random integer
texture, binWidth 25 on values 0..400, i.e. 17 grey levels), and a batch of 28x28 images
(MedMNIST-like, whole image as ROI, binCount 32). Per family the time is the feature class alone on
the already cropped ROI (pyradiomics: its feature class ``execute()``; radfeat: the family's
``compute`` on the same arrays, or its batch kernel for the 28x28 stack). Warm-up runs are
excluded (Numba compile time is reported separately), each figure is the median of repeats.
``--quick`` uses fewer repeats and a smaller batch; it asserts no time, only that both tools agree on
every feature timed (rtol 1e-6).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path


def _parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="a short run for CI (under a minute)")
    p.add_argument("--families", default=None, help="comma-separated families (default: all shared ones)")
    p.add_argument("--threads", type=int, default=1, help="Numba threads for radfeat (default 1)")
    p.add_argument("--out", default=str(Path(__file__).parent / "results"), help="results folder")
    p.add_argument("--no-save", action="store_true", help="print only")
    return p.parse_args()


ARGS = _parse() if __name__ == "__main__" else None
if ARGS is not None:
    os.environ.setdefault("NUMBA_NUM_THREADS", str(max(ARGS.threads, 1)))

import numpy as np  # noqa: E402
import SimpleITK as sitk  # noqa: E402


def make_case(shape, seed=0):
    """Integer texture (0..400) with a blob (2D) or ellipsoid (3D) mask filling ~half the box."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 400, size=shape).astype(np.int16)
    grids = np.meshgrid(*[np.linspace(-1, 1, s) for s in shape], indexing="ij")
    radii = [0.8, 0.7, 0.9][: len(shape)]
    mask = (sum((g / r) ** 2 for g, r in zip(grids, radii)) <= 1).astype(np.uint8)
    return image, mask


def timeit(fn, repeats):
    fn()  # warm-up (JIT compile, caches)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _pyrad_class(name):
    from radiomics import getFeatureClasses

    return getFeatureClasses()[name]


def _roi_and_sitk(image, mask, settings):
    from radfeat.features.roi import RoiData

    img = sitk.GetImageFromArray(image)
    msk = sitk.GetImageFromArray(mask)
    msk.CopyInformation(img)
    return RoiData(image, mask.astype(bool), (1.0,) * image.ndim, settings), img, msk


def _compare(fam, ours, theirs):
    names = fam.feature_names
    idx = {f.name: i for i, f in enumerate(fam.features)}
    bad = [n for n in names if n in theirs and not np.isclose(ours[idx[n]], float(theirs[n]), rtol=1e-6, atol=1e-9)]
    if bad:
        raise AssertionError(f"{fam.name}: radfeat and pyradiomics disagree on {bad}")


def bench_single(fam, image, mask, settings, repeats):
    roi, img, msk = _roi_and_sitk(image, mask, settings)
    cls = _pyrad_class(fam.name)
    theirs = cls(img, msk, **settings).execute()
    ours = fam.compute(roi)
    _compare(fam, ours, theirs)

    def run_ours():
        r, _, _ = _roi_and_sitk(image, mask, settings)  # fresh ROI: discretisation is timed too
        fam.compute(r)

    t_ours = timeit(run_ours, repeats)
    t_theirs = timeit(lambda: cls(img, msk, **settings).execute(), max(1, repeats // 2))
    return t_ours, t_theirs


def bench_batch(fam, n_images, settings, repeats, n_pyrad):
    from radfeat.preprocessing.discretize import discretize_batch

    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(n_images, 28, 28)).astype(np.float64)
    masks = np.ones(images.shape, bool)
    masks[:, 0, 0] = False  # pyradiomics needs a label and a background voxel
    cls = _pyrad_class(fam.name)

    def run_ours():
        levels = discretize_batch(images, masks, **settings)
        return fam.batch(levels, masks, settings)

    ours = run_ours()
    sub = []
    for k in range(n_pyrad):
        img = sitk.GetImageFromArray(images[k])
        msk = sitk.GetImageFromArray(masks[k].astype(np.uint8))
        sub.append((img, msk))
        _compare(fam, ours[k], cls(img, msk, **settings).execute())
    t_ours = timeit(run_ours, repeats)

    def run_theirs():
        for img, msk in sub:
            cls(img, msk, **settings).execute()

    t_theirs = timeit(run_theirs, 1) * n_images / n_pyrad  # per-image cost scaled to the full batch
    return t_ours, t_theirs


def bench_peers(n_images, size, repeats):
    """radfeat's GLCM+LBP and Haralick batch kernels vs scikit-image and mahotas on the same stack.

    Same input for everyone: images quantised to 16 grey levels (binCount 16, whole image as the
    ROI); scikit-image computes ``graycomatrix`` (distance 1, 4 angles, symmetric, normed) with
    its 6 ``graycoprops`` plus a uniform LBP (P=8, R=1) histogram; radfeat computes its 24 GLCM
    features and the 12 LBP features; mahotas computes the 13 Haralick features in 4 directions.
    """
    from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

    from radfeat.features.registry import get_family
    from radfeat.preprocessing.discretize import discretize_batch

    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(n_images, size, size)).astype(np.float64)
    images = (images + np.roll(images, 1, axis=2)) / 2  # some spatial correlation
    masks = np.ones(images.shape, bool)
    settings = {"binCount": 16}
    glcm, lbp, haralick = get_family("glcm"), get_family("lbp"), get_family("haralick")
    rows = []

    def ours_glcm_lbp():
        levels = discretize_batch(images, masks, **settings)
        glcm.batch(levels, masks, settings)
        lbp.batch(images, masks, settings)

    levels = discretize_batch(images, masks, **settings)
    quant = (levels - 1).astype(np.uint8)
    props = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM")

    def skimage_glcm_lbp():
        for img, q in zip(images, quant):
            m = graycomatrix(q, [1], [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4], levels=16, symmetric=True, normed=True)
            for p in props:
                graycoprops(m, p)
            codes = local_binary_pattern(img, 8, 1, "uniform")
            np.histogram(codes, bins=10, range=(0, 10))

    t_ours = timeit(ours_glcm_lbp, repeats)
    t_peer = timeit(skimage_glcm_lbp, 1)
    rows.append(dict(family="glcm+lbp", case=f"{n_images}x{size}^2", peer="scikit-image", radfeat_s=t_ours,
                     peer_s=t_peer, ratio=t_peer / t_ours, images_per_s=n_images / t_ours))
    try:
        import mahotas
    except ImportError:
        return rows
    t_ours = timeit(lambda: haralick.batch(levels, masks, settings), repeats)
    t_peer = timeit(lambda: [mahotas.features.haralick(lv.astype(np.uint8), ignore_zeros=True) for lv in levels], 1)
    rows.append(dict(family="haralick", case=f"{n_images}x{size}^2", peer="mahotas", radfeat_s=t_ours,
                     peer_s=t_peer, ratio=t_peer / t_ours, images_per_s=n_images / t_ours))
    return rows


def main():
    import logging

    import numba

    import radiomics

    radiomics.setVerbosity(logging.ERROR)

    from radfeat.features.registry import all_families

    t0 = time.perf_counter()
    import radfeat  # noqa: F401

    import_time = time.perf_counter() - t0
    wanted = set(ARGS.families.split(",")) if ARGS.families else None
    pyrad_classes = set(radiomics.getFeatureClasses())
    families = [f for f in all_families() if f.name in pyrad_classes and f.kind != "shape"
                and (wanted is None or f.name in wanted)]
    quick = ARGS.quick
    repeats = 3 if quick else 7
    cases = [("2D 128^2", (128, 128))] + ([] if quick else [("3D 64^3", (64, 64, 64)), ("3D 128^3", (128, 128, 128))])
    if quick:
        cases.append(("3D 32^3", (32, 32, 32)))
    n_batch, n_pyrad = (200, 20) if quick else (1000, 100)

    rows = []
    for fam in families:
        # compile time on first call (cold in-process; the on-disk cache may already hold it)
        image, mask = make_case((16, 16))
        roi, _, _ = _roi_and_sitk(image, mask, {"binWidth": 25})
        t = time.perf_counter()
        fam.compute(roi)
        first_call = time.perf_counter() - t
        for label, shape in cases:
            image, mask = make_case(shape)
            ours, theirs = bench_single(fam, image, mask, {"binWidth": 25}, repeats)
            rows.append(dict(family=fam.name, case=label, radfeat_s=ours, pyradiomics_s=theirs,
                             ratio=theirs / ours, first_call_s=first_call))
            print(f"{fam.name:<10} {label:<12} radfeat {ours * 1e3:9.2f} ms  pyradiomics {theirs * 1e3:9.2f} ms  "
                  f"x{theirs / ours:7.1f}", flush=True)
        if fam.batch is not None:
            ours, theirs = bench_batch(fam, n_batch, {"binCount": 32}, repeats, n_pyrad)
            label = f"{n_batch}x28^2"
            rows.append(dict(family=fam.name, case=label, radfeat_s=ours, pyradiomics_s=theirs,
                             ratio=theirs / ours, images_per_s=n_batch / ours, first_call_s=first_call))
            print(f"{fam.name:<10} {label:<12} radfeat {ours * 1e3:9.2f} ms  pyradiomics {theirs * 1e3:9.2f} ms  "
                  f"x{theirs / ours:7.1f}  ({n_batch / ours:,.0f} images/s)", flush=True)

    peer_rows = []
    if wanted is None or {"glcm", "lbp", "haralick"} & wanted:
        for n_images, size in ([(200, 28), (10, 128)] if quick else [(1000, 28), (100, 128)]):
            for r in bench_peers(n_images, size, repeats):
                peer_rows.append(r)
                print(f"{r['family']:<10} {r['case']:<12} radfeat {r['radfeat_s'] * 1e3:9.2f} ms  {r['peer']} "
                      f"{r['peer_s'] * 1e3:9.2f} ms  x{r['ratio']:7.1f}  ({r['images_per_s']:,.0f} images/s)",
                      flush=True)

    meta = dict(date=dt.date.today().isoformat(), quick=quick, threads=numba.get_num_threads(),
                python=platform.python_version(), numpy=np.__version__, numba=numba.__version__,
                pyradiomics=radiomics.__version__, machine=platform.machine(), cpus=os.cpu_count(),
                import_radfeat_s=import_time,
                settings="binWidth 25 (single images, grey values 0..400), binCount 32 (28x28 batch)")
    table = ["| family | case | radfeat | pyradiomics | speed-up |", "| --- | --- | ---: | ---: | ---: |"]
    for r in rows:
        extra = f" ({r['images_per_s']:,.0f} img/s)" if "images_per_s" in r else ""
        table.append(f"| {r['family']} | {r['case']} | {r['radfeat_s'] * 1e3:.2f} ms{extra} | "
                     f"{r['pyradiomics_s'] * 1e3:.1f} ms | {r['ratio']:.1f}x |")
    if peer_rows:
        table += ["", "| features | batch | radfeat | peer | speed-up |", "| --- | --- | ---: | ---: | ---: |"]
        for r in peer_rows:
            table.append(f"| {r['family']} | {r['case']} | {r['radfeat_s'] * 1e3:.1f} ms ({r['images_per_s']:,.0f} img/s)"
                         f" | {r['peer']} {r['peer_s'] * 1e3:.0f} ms | {r['ratio']:.1f}x |")
    md = "\n".join(table)
    print()
    print(md)
    if not ARGS.no_save and not quick:
        out = Path(ARGS.out)
        out.mkdir(parents=True, exist_ok=True)
        stem = out / f"speed-{meta['date']}"
        stem.with_suffix(".json").write_text(json.dumps(dict(meta=meta, rows=rows, peers=peer_rows), indent=2))
        stem.with_suffix(".md").write_text(f"Run: {json.dumps(meta)}\n\n{md}\n")
        print(f"\nwrote {stem}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
