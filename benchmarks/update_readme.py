"""Copy the latest results into README.md, each between its markers.

    python benchmarks/update_readme.py [--result benchmarks/results/speed-<date>.json] [--readme README.md]

``<!-- speed -->``: the newest speed suite result (below). ``<!-- benchmark -->``: every full
``radfeat benchmark`` run under ``benchmarks/results/<name>/results.json`` (quick runs are skipped),
one table per data set beside the published figures it carries. ``<!-- batch -->``: the newest
``benchmarks/results/batch-*.md`` (benchmarks/batch_throughput.py).

The latest result is the newest ``benchmarks/results/speed-*.json``; its block is rendered by
``benchmarks/report.py`` (``readme_block``: targets, whole feature set per case, per-family
speed-ups, start-up, scaling, the run's settings). Results written before the peers suite (no
``format`` key) keep their old per-family table. Only the text between the markers changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

START, END = "<!-- speed -->", "<!-- /speed -->"
LEGACY_CASES = ["2D 128^2", "3D 64^3", "3D 128^3", "1000x28^2"]


def legacy_table(result: dict) -> str:
    """The table of results from the first speed suite (radfeat vs pyradiomics per family)."""
    rows = result["rows"]
    out = ["| family | 2D 128² | 3D 64³ | 3D 128³ | 1000 × 28² batch |", "| --- | ---: | ---: | ---: | ---: |"]
    for fam in dict.fromkeys(r["family"] for r in rows):
        cells = []
        for case in LEGACY_CASES:
            r = next((r for r in rows if r["family"] == fam and r["case"] == case), None)
            if r is None:
                cells.append("—")
                continue
            speed = f"{r['images_per_s']:,.0f} img/s" if "images_per_s" in r else f"{r['radfeat_s'] * 1e3:.2f} ms"
            cells.append(f"{speed} ({r['ratio']:.1f}×)")
        out.append(f"| {fam} | " + " | ".join(cells) + " |")
    if result.get("peers"):
        out += ["", "| features | batch | radfeat | peer | speed-up |", "| --- | --- | ---: | ---: | ---: |"]
        out += [f"| {r['family']} | {r['case'].replace('^2', '²')} | {r['images_per_s']:,.0f} img/s | {r['peer']} | "
                f"{r['ratio']:.1f}× |" for r in result["peers"]]
    meta = result["meta"]
    out += ["", (f"Run {meta['date']}: {meta['cpus']} CPUs, {meta['threads']} Numba thread(s), Python {meta['python']}, "
                 f"numpy {meta['numpy']}, numba {meta['numba']}, pyradiomics {meta['pyradiomics']}; {meta['settings']}.")]
    return "\n".join(out)


def block(result: dict) -> str:
    if result.get("format", 1) >= 2:
        import report

        return report.readme_block(result)
    return legacy_table(result)


def latest_result() -> Path:
    found = sorted((HERE / "results").glob("speed-*.json"))
    if not found:
        raise SystemExit("no benchmarks/results/speed-*.json: run python benchmarks/speed.py first")
    return found[-1]


def replace_block(text: str, new: str, start_marker=START, end_marker=END) -> str:
    """``text`` with everything between the markers replaced by ``new`` (markers kept)."""
    if start_marker not in text or end_marker not in text:
        raise SystemExit(f"README has no {start_marker} ... {end_marker} block")
    start, end = text.index(start_marker), text.index(end_marker)
    return text[: start + len(start_marker)] + "\n" + new + "\n" + text[end:]


def _budget(spec: dict, runs: list) -> str:
    if spec.get("kind") == "cnn":
        return f"{spec.get('epochs', 100)} epochs"
    n = next((r["details"].get("n_features") for r in runs), None)
    return f"{spec.get('model', 'svm')}, {n} features"


def benchmark_block() -> str:
    """One table per full benchmark run: our methods (mean ± std over seeds) and the published figures."""
    out = []
    for path in sorted((HERE / "results").glob("*/results.json")):
        res = json.loads(path.read_text(encoding="utf-8"))
        if res.get("quick"):
            continue
        ds, methods = res["dataset"], res["config"]["methods"]
        out += [f"**{ds['name']}** — {ds['counts']['train']}/{ds['counts']['val']}/{ds['counts']['test']} "
                f"train/val/test, {ds['n_classes']} classes, seeds {', '.join(map(str, res['seeds']))} "
                f"([report]({path.parent.relative_to(ROOT)}/report.md))", "",
                "| method | kind | model / budget | ACC | AUC | time per run |", "| --- | --- | --- | ---: | ---: | ---: |"]
        for row in res["summary"]:
            spec = methods.get(row["method"], {})
            runs = [r for r in res["runs"] if r["method"] == row["method"]]
            out.append(f"| {row['method']} | {row['kind']} | {_budget(spec, runs)} | {row['accuracy_mean']:.3f} ± "
                       f"{row['accuracy_std']:.3f} | {row['auc_mean']:.3f} ± {row['auc_std']:.3f} | "
                       f"{row['total_s_mean']:,.0f} s |")
        for pub in res.get("published", []):
            out.append(f"| {pub['method']} (published) | — | — | {pub['accuracy']:.3f} | {pub['auc']:.3f} | — |")
        out.append("")
    return "\n".join(out).rstrip() or "(no full benchmark run under benchmarks/results yet)"


def batch_block() -> str:
    found = sorted((HERE / "results").glob("batch-*.md"))
    return found[-1].read_text(encoding="utf-8").rstrip() if found else "(no batch throughput run yet)"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--result", type=Path, default=None, help="result JSON (default: the newest)")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md", help="file to update (default: README.md)")
    a = p.parse_args(argv)
    result_path = a.result or latest_result()
    text = replace_block(a.readme.read_text(encoding="utf-8"), block(json.loads(result_path.read_text(encoding="utf-8"))))
    if "<!-- benchmark -->" in text:
        text = replace_block(text, benchmark_block(), "<!-- benchmark -->", "<!-- /benchmark -->")
    if "<!-- batch -->" in text:
        text = replace_block(text, batch_block(), "<!-- batch -->", "<!-- /batch -->")
    a.readme.write_text(text, encoding="utf-8")
    print(f"{a.readme.name} updated: speed block from {result_path.name}, benchmark and batch blocks")
    return 0


if __name__ == "__main__":
    sys.exit(main())
