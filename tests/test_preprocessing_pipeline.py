"""Cleaning, enhancement and automatic segmentation as parameter-file settings, in their order."""

from __future__ import annotations

import json

import numpy as np
import pytest
import SimpleITK as sitk

from conftest import DATA_DIR
from radfeat.exceptions import ConfigError
from radfeat.extraction import Extractor
from radfeat.preprocessing.enhance import clip_intensities, denoise, equalize
from radfeat.preprocessing.segment import auto_segment

FO = {"firstorder": []}


def _blob(seed=0, shape=(64, 64)):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    disk = (yy - 30) ** 2 + (xx - 34) ** 2 < 15 ** 2
    return (40 + 120 * disk + rng.normal(0, 12, shape)).astype(np.float64), disk


def test_steps_run_in_documented_order():
    image, _ = _blob()
    settings = {"denoise": "median", "denoiseSize": 3, "clipPercentiles": [1, 99], "equalize": "hist"}
    ours = Extractor({"setting": settings, "featureClass": FO}).execute(image)
    # the same chain by hand: denoise -> clip -> equalize (no mask: whole image)
    arr = denoise(image, "median", size=3, spacing=(1.0, 1.0))
    arr = clip_intensities(arr, 1, 99, percentiles=True)
    arr = equalize(arr, "hist", nbins=256)
    by_hand = Extractor({"featureClass": FO}).execute(arr)
    assert ours == pytest.approx(by_hand, rel=1e-12)
    assert ours["original_firstorder_Mean"] != pytest.approx(
        Extractor({"featureClass": FO}).execute(image)["original_firstorder_Mean"], rel=1e-3)


def test_auto_segment_without_mask_finds_the_lesion_and_records_it(tmp_path):
    image, disk = _blob(1)
    settings = {"autoSegment": "otsu", "denoise": "gaussian", "denoiseSigma": 1.0}
    feats = Extractor({"setting": settings, "featureClass": {"shape2D": [], **FO}}).execute(image)
    smoothed = denoise(image, "gaussian", sigma=1.0, spacing=(1.0, 1.0))
    seg, _ = auto_segment(smoothed, "otsu")
    assert feats["original_shape2D_PixelSurface"] == seg.sum()
    assert (seg & disk).sum() / (seg | disk).sum() > 0.95
    # provenance names the method and the threshold
    from radfeat.cli import main

    np.save(tmp_path / "img.npy", image)
    (tmp_path / "p.yaml").write_text("setting:\n  autoSegment: otsu\n")
    assert main(["extract", str(tmp_path / "img.npy"), "-p", str(tmp_path / "p.yaml"), "-o", str(tmp_path / "o.csv")]) == 0
    prov = json.loads((tmp_path / "o.csv.provenance.json").read_text())
    notes = prov["cases"][0]["notes"]
    assert notes["roi"] == "automatic segmentation (otsu)"
    assert "threshold" in json.dumps(notes["preprocessing"]["autoSegment"])


def test_given_mask_is_not_replaced_by_auto_segment():
    image, disk = _blob(2)
    with_mask = Extractor({"setting": {"autoSegment": "otsu"}, "featureClass": FO}).execute(image, disk.astype(np.uint8))
    plain = Extractor({"featureClass": FO}).execute(image, disk.astype(np.uint8))
    assert with_mask == plain


def test_clahe_on_a_real_ct_case():
    path = DATA_DIR / "pyradiomics-testdata" / "breast1_image.nrrd"
    if not path.exists():
        pytest.skip("shared data missing")
    image = sitk.ReadImage(str(path))
    mask = sitk.ReadImage(str(DATA_DIR / "pyradiomics-testdata" / "breast1_label.nrrd"))
    ours = Extractor({"setting": {"equalize": "clahe", "claheClipLimit": 0.02}, "featureClass": FO}).execute(image, mask)
    arr = equalize(sitk.GetArrayFromImage(image), "clahe", clip_limit=0.02, nbins=256)
    enhanced = sitk.GetImageFromArray(arr)
    enhanced.CopyInformation(image)
    assert ours == pytest.approx(Extractor({"featureClass": FO}).execute(enhanced, mask), rel=1e-12)


@pytest.mark.parametrize("setting, message", [
    ({"denoise": "medain"}, r"denoise must be one of median, gaussian, nlmeans.*did you mean 'median'"),
    ({"equalize": "CLAHE"}, r"did you mean 'clahe'"),
    ({"clipIntensities": [0]}, r"clipIntensities must be \[low, high\]"),
    ({"autoSegment": "otsu", "label": 2}, r"autoSegment labels its ROI 1"),
])
def test_bad_preprocessing_settings(setting, message):
    image, _ = _blob()
    with pytest.raises(ConfigError, match=message):
        Extractor({"setting": setting, "featureClass": FO}).execute(image)
