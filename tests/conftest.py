"""Shared fixtures: the data location and small helpers for pyradiomics comparisons."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

#: One configurable location for the shared data (never copied into the repository).
DATA_DIR = Path(os.environ.get("RADFEAT_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data")).resolve()
PYRAD_DIR = DATA_DIR / "pyradiomics-testdata"
IBSI_DIR = DATA_DIR / "ibsi1-phantoms"
CASES = ["brain1", "brain2", "breast1", "lung1", "lung2"]


def case_paths(name):
    return PYRAD_DIR / f"{name}_image.nrrd", PYRAD_DIR / f"{name}_label.nrrd"


@pytest.fixture(scope="session")
def data_dir():
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data not found at {DATA_DIR} (set RADFEAT_DATA)")
    return DATA_DIR


def assert_features_close(ours: dict, theirs: dict, rtol=1e-6, atol=1e-9, names=None):
    """Compare two {name: value} dicts on ``names`` (default: the keys of ``ours``)."""
    names = list(ours) if names is None else list(names)
    bad = []
    for n in names:
        a, b = float(ours[n]), float(theirs[n])
        if not (np.isclose(a, b, rtol=rtol, atol=atol) or (np.isnan(a) and np.isnan(b))):
            bad.append(f"{n}: radfeat={a!r} reference={b!r}")
    assert not bad, "mismatches:\n  " + "\n  ".join(bad)
