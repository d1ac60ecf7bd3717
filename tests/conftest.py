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


_CASE_CACHE = {}


def load_case(name):
    """SimpleITK image and mask of a pyradiomics test case, read once per session."""
    import SimpleITK as sitk

    if name not in _CASE_CACHE:
        img, msk = case_paths(name)
        if not img.exists():
            pytest.skip(f"{img} not found (set RADFEAT_DATA)")
        _CASE_CACHE[name] = (sitk.ReadImage(str(img)), sitk.ReadImage(str(msk)))
    return _CASE_CACHE[name]


def pyradiomics_features(image, mask, settings=None, classes=("firstorder",)):
    """pyradiomics' own extractor on the same inputs: {name: float} without diagnostics."""
    import logging

    from radiomics import featureextractor

    logging.getLogger("radiomics").setLevel(logging.ERROR)
    ex = featureextractor.RadiomicsFeatureExtractor(**dict(settings or {}))
    ex.disableAllFeatures()
    for c in classes:
        ex.enableFeatureClassByName(c)
    out = ex.execute(image, mask)
    return {k: float(v) for k, v in out.items() if not k.startswith("diagnostics_")}


def radfeat_features(image, mask, settings=None, classes=("firstorder",), **kw):
    """radfeat's extractor with the same settings and classes."""
    from radfeat.extraction import Extractor

    params = {"setting": dict(settings or {}), "featureClass": {c: [] for c in classes}}
    return Extractor(params).execute(image, mask, **kw)


def ibsi_within(value, reference, tolerance):
    """IBSI's pass rule: |value - reference| <= tolerance, where a tolerance of 0 means the
    reference is exact to the 3 significant digits it is reported with."""
    if tolerance == 0 and reference != 0:
        tolerance = 0.5 * 10 ** (np.floor(np.log10(abs(reference))) - 2)
    return abs(value - reference) <= tolerance + 1e-12


def ibsi_reference(table="digital_phantom"):
    """{tag: (reference, tolerance)} from the IBSI-1 reference CSV."""
    import csv

    path = IBSI_DIR / "reference_values" / f"ibsi_1_reference_values_{table}.csv"
    if not path.exists():
        pytest.skip(f"{path} not found (set RADFEAT_DATA)")
    out = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            try:
                out[row["tag"]] = (float(row["reference value"]), float(row["tolerance"]))
            except ValueError:
                continue
    return out


def kather_rgb(n=None):
    """The Kather 2016 histology tiles as RGB uint8 arrays (150x150x3), sorted by path."""
    import imageio.v3 as iio

    paths = sorted((DATA_DIR / "kather2016-texture-samples").glob("*/*.tif"))
    if not paths:
        pytest.skip("Kather tiles not found (set RADFEAT_DATA)")
    return [np.asarray(iio.imread(p))[..., :3] for p in paths[:n]]


def kather_grey(n=None):
    """Kather tiles as uint8 grey images (``skimage.color.rgb2gray`` scaled to 0..255)."""
    from skimage.color import rgb2gray

    return [np.round(rgb2gray(t) * 255).astype(np.uint8) for t in kather_rgb(n)]


def breastmnist(n=None, split="train"):
    """BreastMNIST images of one split, (N, 28, 28) uint8."""
    path = DATA_DIR / "medmnist-breastmnist" / "breastmnist.npz"
    if not path.exists():
        pytest.skip(f"{path} not found (set RADFEAT_DATA)")
    with np.load(path) as data:
        return data[f"{split}_images"][:n]
