"""Every family on every pyradiomics image type, against pyradiomics' extractor computed live."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import load_case
from radfeat.extraction import Extractor

pytest.importorskip("radiomics")

CLASSES = ["firstorder", "glcm", "gldm", "glrlm", "glszm", "ngtdm"]
IMAGE_TYPES = {
    "Original": {}, "LoG": {"sigma": [1.0, 2.0]}, "Wavelet": {}, "Square": {}, "SquareRoot": {},
    "Logarithm": {}, "Exponential": {}, "Gradient": {}, "LBP2D": {},
}


def _pyradiomics(image, mask, params):
    import logging

    import radiomics
    from radiomics import featureextractor

    radiomics.setVerbosity(logging.ERROR)
    ex = featureextractor.RadiomicsFeatureExtractor(params)
    return {k: float(v) for k, v in ex.execute(image, mask).items() if not k.startswith("diagnostics_")}


@pytest.mark.heavy
@pytest.mark.parametrize("case, settings", [
    ("breast1", {"binWidth": 25}),
    ("brain1", {"binWidth": 25, "preCrop": True}),   # filters on the padded ROI box, as pyradiomics does
    ("lung2", {"binCount": 16, "preCrop": True, "resampledPixelSpacing": [1, 1, 1]}),
])
def test_image_types_match_pyradiomics(case, settings):
    image, mask = load_case(case)
    params = {"setting": settings, "imageType": IMAGE_TYPES, "featureClass": {c: [] for c in CLASSES}}
    theirs = _pyradiomics(image, mask, params)
    extractor = Extractor(params)
    ours = extractor.execute(image, mask)
    # same columns, in the same order
    assert list(ours) == [k for k in theirs if not k.startswith("original_shape")]
    assert list(ours) == extractor.feature_names(3)
    names = list(ours)
    a = np.array([ours[n] for n in names])
    b = np.array([theirs[n] for n in names])
    bad = [n for n, x, y in zip(names, a, b) if not np.isclose(x, y, rtol=1e-6, atol=1e-9)]
    assert not bad, [(n, ours[n], theirs[n]) for n in bad[:20]]


def test_cli_log_and_wavelet_columns_match_pyradiomics(tmp_path, data_dir):
    import pandas as pd

    from conftest import case_paths
    from radfeat.cli import main

    img, msk = case_paths("breast1")
    (tmp_path / "p.yaml").write_text("imageType:\n  LoG: {sigma: [1, 2]}\n  Wavelet: {}\n")
    assert main(["extract", str(img), str(msk), "-p", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "o.csv")]) == 0
    ours = pd.read_csv(tmp_path / "o.csv")
    image, mask = load_case("breast1")
    theirs = _pyradiomics(image, mask, str(tmp_path / "p.yaml"))
    cols = [c for c in ours.columns if c.split("_")[0].startswith(("log", "wavelet", "original"))]
    assert set(cols) == set(theirs)
    np.testing.assert_allclose(ours[cols].to_numpy(float)[0], [theirs[c] for c in cols], rtol=1e-6, atol=1e-9)
