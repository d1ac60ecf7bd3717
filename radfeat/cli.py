"""The ``radfeat`` command line.

``radfeat extract IMAGE [MASK] -o features.csv``      one case
``radfeat extract --manifest cases.csv -o out.csv``    pyradiomics' batch CSV
``radfeat extract -o demo.csv``                        a synthetic case radfeat makes itself
``radfeat features [CLASS ...]``                       the feature list with formulas
``radfeat train --config configs/train/x.yaml -o m.skops``  fit + model card
``radfeat predict --model m.skops IMAGES -o p.csv``    class probabilities
``radfeat benchmark [--config C.yaml] [--quick]``      classical pipelines vs CNNs, one report
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from . import __version__
from .exceptions import RadfeatError

__all__ = ["main"]


def _parse_value(text: str):
    import yaml

    return yaml.safe_load(text)


def _settings_from(pairs):
    out = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"radfeat: --setting expects KEY=VALUE, got {pair!r}")
        key, value = pair.split("=", 1)
        out[key.strip()] = _parse_value(value)
    return out


def _build_parser():
    parser = argparse.ArgumentParser(prog="radfeat", description="Fast pyradiomics-compatible radiomics.")
    parser.add_argument("--version", action="version", version=f"radfeat {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    ex = sub.add_parser("extract", help="extract features to a CSV (or Parquet) table")
    ex.add_argument("image", nargs="?", help="image file or DICOM folder (omit for a synthetic demo case)")
    ex.add_argument("mask", nargs="?", help="mask / label map (omit to use the whole image)")
    ex.add_argument("--manifest", help="pyradiomics batch CSV with Image, Mask[, Label, Label_channel]")
    ex.add_argument("-o", "--out", default="radfeat_features.csv", help="output .csv or .parquet")
    ex.add_argument("-p", "--params", help="pyradiomics parameter file (YAML/JSON)")
    ex.add_argument("--label", help="label value, or 'all' for one row per label present")
    ex.add_argument("-s", "--setting", action="append", metavar="KEY=VALUE",
                    help="override a setting, e.g. -s binWidth=10 (repeatable)")
    ex.add_argument("--on-error", choices=("record", "skip", "raise"), default="record",
                    help="record: a failing case's row carries its error message (default); skip: leave it out "
                         "of the table; raise: stop at the first failure")
    ex.add_argument("-j", "--jobs", type=int, default=1,
                    help="cases in parallel: worker processes, or Dask workers (default 1: threaded kernels)")
    ex.add_argument("--executor", choices=("serial", "processes", "dask"),
                    help="how cases run (default: processes when --jobs > 1)")
    ex.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.1:8786")
    ex.add_argument("--journal", help="journal folder for resuming (default: OUT.journal beside the output)")
    ex.add_argument("--fresh", action="store_true", help="ignore (and clear) the journal: recompute every case")
    ex.add_argument("--progress", choices=("auto", "bar", "json", "none"), default="auto",
                    help="progress: a bar on a terminal, JSON lines otherwise (auto)")

    tr = sub.add_parser("train", help="fit a classical pipeline on a data set; write a skops model + model card")
    tr.add_argument("--config", required=True, help="training config YAML (configs/train/*.yaml)")
    tr.add_argument("-o", "--out", default="model.skops", help="model file (.skops); the card goes beside it (.md)")

    pr = sub.add_parser("predict", help="class probabilities for images from a trained model")
    pr.add_argument("--model", required=True, help="model file written by radfeat train")
    pr.add_argument("images", nargs="+", help="image files")
    pr.add_argument("-o", "--out", default="predictions.csv", help="output CSV")

    be = sub.add_parser("benchmark", help="classical radiomics pipelines vs CNNs on one split; report + plots")
    be.add_argument("--config", help="benchmark YAML (configs/benchmark/*.yaml; default: the synthetic set)")
    be.add_argument("--data", help="replace the config's data set: MedMNIST .npz, manifest .csv or image folder")
    be.add_argument("--out", help="output folder (default: radfeat_benchmark/<name>)")
    be.add_argument("--quick", action="store_true", help="small subsample, one seed, few epochs (a smoke run)")
    be.add_argument("--methods", help="comma-separated subset of the config's methods")
    be.add_argument("-q", "--quiet", action="store_true", help="no progress lines")

    fe = sub.add_parser("features", help="list feature classes and features with their formulas")
    fe.add_argument("classes", nargs="*", help="feature classes to list (default: all)")
    return parser


def _synthetic_inputs(folder: Path):
    import SimpleITK as sitk

    from .datasets.synthetic import synthetic_case

    image, mask = synthetic_case(shape=(24, 48, 48), seed=0)
    img = sitk.GetImageFromArray(image)
    img.SetSpacing((0.8, 0.8, 2.0))
    msk = sitk.GetImageFromArray(mask)
    msk.CopyInformation(img)
    paths = folder / "synthetic_image.nrrd", folder / "synthetic_mask.nrrd"
    sitk.WriteImage(img, str(paths[0]))
    sitk.WriteImage(msk, str(paths[1]))
    return paths


def _cmd_extract(args) -> int:
    from .extraction import Extractor, extract_many
    from .io.manifest import CaseSpec
    from .io.writers import provenance_path, write_provenance, write_table

    settings = _settings_from(args.setting)
    extractor = Extractor(args.params, **settings)
    label = args.label
    if label is not None and label.lower() != "all":
        label = int(label)
    with tempfile.TemporaryDirectory() as tmp:
        if args.manifest:
            if args.image:
                raise SystemExit("radfeat: give either IMAGE [MASK] or --manifest, not both")
            from .io.manifest import read_manifest

            specs = read_manifest(args.manifest)
            if label is not None:
                for spec in specs:
                    spec.label = label
        else:
            if args.image is None:
                image, mask = _synthetic_inputs(Path(tmp))
                print("radfeat: no image given; extracting a synthetic lesion case (seed 0)", file=sys.stderr)
            else:
                image, mask = args.image, args.mask
            specs = [CaseSpec(str(image), str(mask) if mask else None, label)]
        journal = None
        if args.manifest:  # one case needs no journal; a batch always has one
            journal = Path(args.journal) if args.journal else Path(str(args.out) + ".journal")
            if args.fresh and journal.exists():
                import shutil

                shutil.rmtree(journal)
        table, records = extract_many(specs, extractor.config, on_error=args.on_error, jobs=args.jobs,
                                      executor=args.executor, scheduler=args.scheduler, journal=journal,
                                      progress=_progress(args.progress, len(specs)))
        if args.image is None and not args.manifest:
            table["Image"] = "synthetic lesion (seed 0)"
            table["Mask"] = "synthetic lesion mask"
            records[0].update(image="synthetic lesion (seed 0)", mask="synthetic lesion mask")
    write_table(table, args.out)
    write_provenance(args.out, extractor.config, records)
    failed = [r for r in records if r.get("error")]
    print(f"radfeat: wrote {len(table)} row(s), {max(len(table.columns) - 4, 0)} columns to {args.out} "
          f"(provenance: {provenance_path(args.out)})", file=sys.stderr)
    for r in failed:
        print(f"radfeat: FAILED {r.get('image')} label {r.get('label')}: {r['error']}", file=sys.stderr)
    if len(records) > 1:
        print(f"radfeat: {len(records) - len(failed)} of {len(records)} row(s) extracted, {len(failed)} failed",
              file=sys.stderr)
    return 1 if failed else 0


def _progress(kind, total):
    if kind == "none" or total < 2:
        return None
    from .batch.progress import Progress

    return Progress(total, bar={"bar": True, "json": False}.get(kind))


def _cmd_features(args) -> int:
    from .features.registry import all_families, get_family

    families = [get_family(c) for c in args.classes] if args.classes else all_families()
    for fam in families:
        dims = "/".join(f"{d}D" for d in sorted(fam.dims))
        print(f"{fam.name}  ({dims}; {fam.description})")
        for f in fam.features:
            if f.deprecated:
                continue
            code = f"  [IBSI {f.ibsi}]" if f.ibsi else ""
            print(f"  {f.name:<40} {f.formula}{code}")
        print()
    return 0


def _cmd_train(args) -> int:
    from .training import train

    result = train(args.config, args.out)
    metrics = ", ".join(f"{k} {v:.3f}" for k, v in result["metrics"].items())
    print(f"radfeat: wrote {result['model']} and {result['card']}; held-out test: {metrics}", file=sys.stderr)
    return 0


def _cmd_predict(args) -> int:
    from .io.writers import write_table
    from .training import predict

    frame = predict(args.model, args.images)
    write_table(frame, args.out)
    print(f"radfeat: wrote {len(frame)} prediction(s) to {args.out}", file=sys.stderr)
    return 0


def _cmd_benchmark(args) -> int:
    from .evaluation.harness import load_benchmark_config, run_benchmark

    cfg = load_benchmark_config(args.config)
    out = Path(args.out) if args.out else Path("radfeat_benchmark") / (cfg.get("name", "benchmark")
                                                                     + ("-quick" if args.quick else ""))
    methods = [m.strip() for m in args.methods.split(",") if m.strip()] if args.methods else None
    results = run_benchmark(cfg, data=args.data, out=out, quick=args.quick, methods=methods,
                            progress=not args.quiet)
    for row in results["summary"]:
        print(f"{row['method']:<24} ACC {row['accuracy_mean']:.3f} +- {row['accuracy_std']:.3f}   "
              f"AUC {row['auc_mean']:.3f} +- {row['auc_std']:.3f}   total {row['total_s_mean']:.1f} s")
    print(f"radfeat: report in {out / 'report.md'}", file=sys.stderr)
    return 0


def main(argv=None) -> int:
    args = _build_parser().parse_args(argv)
    commands = {"extract": _cmd_extract, "train": _cmd_train, "predict": _cmd_predict, "features": _cmd_features,
                "benchmark": _cmd_benchmark}
    try:
        return commands[args.command](args)
    except RadfeatError as exc:
        print(f"radfeat: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
