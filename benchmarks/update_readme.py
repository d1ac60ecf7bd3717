"""Copy the latest speed results into README.md, between the ``<!-- speed -->`` and ``<!-- /speed -->`` markers.

    python benchmarks/update_readme.py [--result benchmarks/results/speed-<date>.json] [--readme README.md]

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


def replace_block(text: str, new: str) -> str:
    """``text`` with everything between the markers replaced by ``new`` (markers kept)."""
    if START not in text or END not in text:
        raise SystemExit(f"README has no {START} ... {END} block")
    start, end = text.index(START), text.index(END)
    return text[: start + len(START)] + "\n" + new + "\n" + text[end:]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--result", type=Path, default=None, help="result JSON (default: the newest)")
    p.add_argument("--readme", type=Path, default=ROOT / "README.md", help="file to update (default: README.md)")
    a = p.parse_args(argv)
    result_path = a.result or latest_result()
    text = a.readme.read_text()
    a.readme.write_text(replace_block(text, block(json.loads(result_path.read_text()))))
    print(f"{a.readme.name} speed block updated from {result_path.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
