"""Print how many IBSI-1 reference values radfeat meets, per family, aggregation and configuration.

    python tests/ibsi_report.py            (from the repository root; reads $RADFEAT_DATA)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from conftest import ibsi_reference  # noqa: E402
from ibsi_cases import CT_CONFIGS, DIGITAL_SETTINGS  # noqa: E402
from test_ibsi import _phantom, ibsi_check  # noqa: E402


def main():
    rows = []
    runs = [("digital", "digital_phantom", DIGITAL_SETTINGS, "digital_phantom")]
    runs += [(c, "ct_radiomics_phantom", s, f"config_{c}") for c, s in CT_CONFIGS.items()]
    for config, phantom, settings, table in runs:
        image, mask = _phantom(phantom)
        for (fam, agg), res in ibsi_check(image, mask, settings, ibsi_reference(table)).items():
            ok = sum(r[4] for r in res)
            rows.append((config, fam, agg, ok, len(res), [r[0] for r in res if not r[4]]))
    print("| config | family | aggregation | within tolerance |")
    print("| --- | --- | --- | --- |")
    for config, fam, agg, ok, n, bad in rows:
        print(f"| {config} | {fam} | {agg} | {ok}/{n}{' (misses: ' + ', '.join(bad) + ')' if bad else ''} |")
    total_ok = sum(r[3] for r in rows)
    total = sum(r[4] for r in rows)
    print(f"\n{total_ok}/{total} reference values within tolerance")


if __name__ == "__main__":
    main()
