"""Colour pictures end to end: the CLI on an RGB tile writes colour + LBP + Haralick features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import DATA_DIR
from radfeat.cli import main
from radfeat.extraction import Extractor
from radfeat.features.color import compute_color
from radfeat.features.haralick import compute_haralick
from radfeat.features.lbp import compute_lbp
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

TILES = sorted((DATA_DIR / "kather2016-texture-samples").glob("*/*.tif"))


@pytest.fixture(scope="module")
def tile_png(tmp_path_factory):
    if not TILES:
        pytest.skip("Kather tiles missing")
    iio = pytest.importorskip("imageio.v3")
    rgb = iio.imread(TILES[0])[..., :3]
    path = tmp_path_factory.mktemp("rgb") / "tile.png"
    iio.imwrite(path, rgb)
    return path, rgb


def test_cli_on_rgb_png_writes_colour_lbp_haralick(tile_png, tmp_path):
    path, rgb = tile_png
    assert main(["extract", str(path), "-o", str(tmp_path / "o.csv")]) == 0
    row = pd.read_csv(tmp_path / "o.csv").iloc[0]
    for fam in ("color", "lbp", "haralick", "firstorder", "glcm"):
        assert any(c.startswith(f"original_{fam}_") for c in row.index), fam
    # the values are those of the families on the whole picture (grey families on the luminance)
    mask = np.ones(rgb.shape[:2], bool)
    colour = compute_color(RoiData(rgb, mask, (1.0, 1.0)))
    names = get_family("color").feature_names
    assert row["original_color_RGBRedMean"] == pytest.approx(colour[list(names).index("RGBRedMean")], rel=1e-12)
    grey = rgb.astype(float) @ np.array([0.2125, 0.7154, 0.0721])
    roi = RoiData(grey, mask, (1.0, 1.0), Extractor().settings)
    lbp = dict(zip([f.name for f in get_family("lbp").features], compute_lbp(roi)))
    har = dict(zip([f.name for f in get_family("haralick").features], compute_haralick(roi)))
    assert row["original_lbp_Bin0"] == pytest.approx(lbp["Bin0"], rel=1e-12)
    assert row["original_haralick_Contrast"] == pytest.approx(har["Contrast"], rel=1e-12)


def test_colour_family_on_grey_image_is_an_error_when_asked_for():
    from radfeat.exceptions import UnsupportedImageError

    with pytest.raises(UnsupportedImageError, match="'color' needs a colour"):
        Extractor({"featureClass": {"color": []}}).execute(np.zeros((8, 8)) + np.arange(8))


def test_grey_families_on_a_chosen_channel(tile_png):
    path, rgb = tile_png
    params = {"setting": {"colorChannel": "G"}, "featureClass": {"glcm": [], "lbp": []}}
    ours = Extractor(params).execute(path)
    theirs = Extractor({"featureClass": {"glcm": [], "lbp": []}}).execute(rgb[..., 1])
    assert ours == pytest.approx(theirs, rel=1e-12)
