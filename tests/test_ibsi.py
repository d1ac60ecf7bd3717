"""IBSI-1 reference values in ``compat: ibsi``: digital phantom and CT phantom configurations A-E.

Each reference value must lie within IBSI's tolerance; the few known exceptions are listed in
``ibsi_cases.KNOWN_EXCEPTIONS`` with their reason.
"""

from __future__ import annotations

import pytest
import SimpleITK as sitk

from conftest import IBSI_DIR, ibsi_reference, ibsi_within
from ibsi_cases import CT_CONFIGS, DIGITAL_SETTINGS, KNOWN_EXCEPTIONS, TAGS
from radfeat.extraction import Extractor
from radfeat.features.registry import family_names


def _phantom(kind):
    folder = IBSI_DIR / kind
    if not folder.exists():
        pytest.skip(f"{folder} not found (set RADFEAT_DATA)")
    return sitk.ReadImage(str(folder / "phantom.nii.gz")), sitk.ReadImage(str(folder / "mask.nii.gz"))


def _families():
    return [f for f in TAGS if f in family_names()]


def ibsi_check(config, image, mask, settings, reference):
    """Per family: list of (feature, value, reference, tolerance, passed)."""
    fams = _families()
    params = {"setting": {**settings, "compat": "ibsi"}, "featureClass": {f: [] for f in fams}}
    values = Extractor(params).execute(image, mask)
    out = {}
    for fam in fams:
        rows = []
        for name, tag in TAGS[fam].items():
            if tag not in reference:
                continue
            v = values[f"original_{fam}_{name}"]
            rows.append((name, v, *reference[tag], ibsi_within(v, *reference[tag])))
        out[fam] = rows
    return out


def _assert_all_pass(config, results):
    failures = [(config, fam, r[0], r[1], r[2], r[3]) for fam, rows in results.items() for r in rows
                if not r[4] and (config, fam, r[0]) not in KNOWN_EXCEPTIONS]
    assert not failures, "outside IBSI tolerance:\n" + "\n".join(map(str, failures))


@pytest.mark.heavy
@pytest.mark.parametrize("config", list(CT_CONFIGS))
def test_ct_phantom_config(config, data_dir):
    image, mask = _phantom("ct_radiomics_phantom")
    results = ibsi_check(config, image, mask, CT_CONFIGS[config], ibsi_reference(f"config_{config}"))
    assert sum(len(r) for r in results.values()) > 0
    _assert_all_pass(config, results)


def test_digital_phantom(data_dir):
    image, mask = _phantom("digital_phantom")
    results = ibsi_check("digital", image, mask, DIGITAL_SETTINGS, ibsi_reference("digital_phantom"))
    _assert_all_pass("digital", results)


def test_known_exceptions_still_fail(data_dir):
    # An exception that starts passing should be removed from the list (and the README).
    image, mask = _phantom("ct_radiomics_phantom")
    for (config, fam, name), _reason in KNOWN_EXCEPTIONS.items():
        if fam not in _families():
            continue
        rows = ibsi_check(config, image, mask, CT_CONFIGS[config], ibsi_reference(f"config_{config}"))[fam]
        assert not [r for r in rows if r[0] == name][0][4]
