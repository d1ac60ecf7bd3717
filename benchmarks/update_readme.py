"""Copy the latest speed results into README.md (between the ``<!-- speed -->`` markers).

    python benchmarks/update_readme.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CASES = ["2D 128^2", "3D 64^3", "3D 128^3", "1000x28^2"]


def table(result: dict) -> str:
    rows = result["rows"]
    families = list(dict.fromkeys(r["family"] for r in rows))
    out = ["| family | 2D 128² | 3D 64³ | 3D 128³ | 1000 × 28² batch |", "| --- | ---: | ---: | ---: | ---: |"]
    for fam in families:
        cells = []
        for case in CASES:
            match = [r for r in rows if r["family"] == fam and r["case"] == case]
            if not match:
                cells.append("—")
                continue
            r = match[0]
            speed = f"{r['images_per_s']:,.0f} img/s" if "images_per_s" in r else f"{r['radfeat_s'] * 1e3:.2f} ms"
            cells.append(f"{speed} ({r['ratio']:.1f}×)")
        out.append(f"| {fam} | " + " | ".join(cells) + " |")
    peers = result.get("peers") or []
    if peers:
        out += ["", "| features | batch | radfeat | peer | speed-up |", "| --- | --- | ---: | ---: | ---: |"]
        for r in peers:
            out.append(f"| {r['family']} | {r['case'].replace('^2', '²')} | {r['images_per_s']:,.0f} img/s | "
                       f"{r['peer']} | {r['ratio']:.1f}× |")
    meta = result["meta"]
    out.append("")
    out.append(f"Run {meta['date']}: {meta['cpus']} CPUs, {meta['threads']} Numba thread(s), Python {meta['python']}, "
               f"numpy {meta['numpy']}, numba {meta['numba']}, pyradiomics {meta['pyradiomics']}; {meta['settings']}.")
    return "\n".join(out)


def main():
    latest = sorted((ROOT / "benchmarks" / "results").glob("speed-*.json"))[-1]
    block = table(json.loads(latest.read_text()))
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.index("<!-- speed -->"), text.index("<!-- /speed -->")
    readme.write_text(text[: start + len("<!-- speed -->")] + "\n" + block + "\n" + text[end:])
    print(f"README speed table updated from {latest.name}")


if __name__ == "__main__":
    main()
