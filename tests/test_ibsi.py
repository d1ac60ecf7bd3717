"""IBSI-1 reference values in ``compat: ibsi``: digital phantom and CT phantom configurations A-E.

Every reference value of a built family, for every texture aggregation IBSI reports, must lie
within IBSI's tolerance; known exceptions are listed in ``ibsi_cases.KNOWN_EXCEPTIONS`` with their
reason (and in the README).
"""

from __future__ import annotations

import pytest
import SimpleITK as sitk

from conftest import IBSI_DIR, ibsi_reference, ibsi_within
from ibsi_cases import (CT_CONFIGS, DIGITAL_SETTINGS, DIRECTIONAL, KNOWN_EXCEPTIONS, SUFFIX_DIRECTIONAL,
                        SUFFIX_PLAIN, TAGS)
from radfeat.extraction import Extractor
from radfeat.features.registry import family_names


def _phantom(kind):
    folder = IBSI_DIR / kind
    if not folder.exists():
        pytest.skip(f"{folder} not found (set RADFEAT_DATA)")
    return sitk.ReadImage(str(folder / "phantom.nii.gz")), sitk.ReadImage(str(folder / "mask.nii.gz"))


def ibsi_check(image, mask, settings, reference):
    """{(family, aggregation): [(feature, value, reference, tolerance, passed), ...]}."""
    built = [f for f in TAGS if f in family_names()]
    out = {}
    for aggregation in SUFFIX_DIRECTIONAL:
        jobs = {}
        for fam in built:
            if fam in ("firstorder", "shape"):
                suffix = "" if aggregation == "3D_avg" else None
            else:
                suffix = (SUFFIX_DIRECTIONAL if fam in DIRECTIONAL else SUFFIX_PLAIN).get(aggregation)
            if suffix is not None and any(tag + suffix in reference for tag in TAGS[fam].values()):
                jobs[fam] = suffix
        if not jobs:
            continue
        params = {"setting": {**settings, "compat": "ibsi", "textureAggregation": aggregation},
                  "featureClass": {f: [] for f in jobs}}
        values = Extractor(params).execute(image, mask)
        for fam, suffix in jobs.items():
            rows = []
            for name, tag in TAGS[fam].items():
                if tag + suffix in reference:
                    ref, tol = reference[tag + suffix]
                    v = values[f"original_{fam}_{name}"]
                    rows.append((name, v, ref, tol, ibsi_within(v, ref, tol)))
            out[(fam, aggregation if fam not in ("firstorder", "shape") else "-")] = rows
    return out


def _assert_all_pass(config, results):
    failures = [(config, fam, agg, r[0], r[1], r[2], r[3]) for (fam, agg), rows in results.items() for r in rows
                if not r[4] and (config, fam, agg, r[0]) not in KNOWN_EXCEPTIONS]
    assert not failures, f"{len(failures)} outside IBSI tolerance:\n" + "\n".join(map(str, failures))


@pytest.mark.heavy
@pytest.mark.parametrize("config", list(CT_CONFIGS))
def test_ct_phantom_config(config, data_dir):
    image, mask = _phantom("ct_radiomics_phantom")
    results = ibsi_check(image, mask, CT_CONFIGS[config], ibsi_reference(f"config_{config}"))
    assert sum(len(r) for r in results.values()) > 0
    _assert_all_pass(config, results)


def test_digital_phantom(data_dir):
    image, mask = _phantom("digital_phantom")
    results = ibsi_check(image, mask, DIGITAL_SETTINGS, ibsi_reference("digital_phantom"))
    _assert_all_pass("digital", results)


@pytest.mark.heavy
def test_known_exceptions_still_fail(data_dir):
    # An exception that starts passing should be removed from the list (and from the README).
    image, mask = _phantom("ct_radiomics_phantom")
    for (config, fam, agg, name), _reason in KNOWN_EXCEPTIONS.items():
        if config == "digital" or fam not in family_names():
            continue
        rows = ibsi_check(image, mask, CT_CONFIGS[config], ibsi_reference(f"config_{config}"))[(fam, agg)]
        assert not [r for r in rows if r[0] == name][0][4]
