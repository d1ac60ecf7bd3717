"""Parameter files: pyradiomics' schema unchanged, radfeat keys, and helpful errors."""

from __future__ import annotations

import pytest

from radfeat.config import load_config
from radfeat.exceptions import ConfigError

PYRADIOMICS_PARAMS = """
imageType:
  Original: {}
featureClass:
  firstorder:
  shape: [Sphericity, MeshVolume]
setting:
  binWidth: 25
  label: 1
  interpolator: 'sitkBSpline'
  resampledPixelSpacing: [1, 1, 1]
  normalize: false
  voxelArrayShift: 1000
"""


def test_pyradiomics_file_is_accepted_unchanged(tmp_path):
    pytest.importorskip("radfeat.features.shape")
    path = tmp_path / "params.yaml"
    path.write_text(PYRADIOMICS_PARAMS)
    cfg = load_config(path)
    assert cfg.settings["binWidth"] == 25 and cfg.settings["resampledPixelSpacing"] == [1, 1, 1]
    assert cfg.feature_classes == {"firstorder": [], "shape": ["Sphericity", "MeshVolume"]}
    assert cfg.image_types == {"Original": {}}


def test_defaults_are_pyradiomics_defaults():
    cfg = load_config()
    s = cfg.settings
    assert (s["binWidth"], s["label"], s["padDistance"], s["distances"], s["interpolator"]) == \
        (25, 1, 5, [1], "sitkBSpline")
    assert "shape2D" not in cfg.feature_classes and "firstorder" in cfg.feature_classes
    assert s["compat"] == "pyradiomics"


def test_flat_dict_is_the_setting_section():
    assert load_config({"binWidth": 5}).settings["binWidth"] == 5


def test_overrides_win(tmp_path):
    assert load_config({"setting": {"binWidth": 5}}, binWidth=7).settings["binWidth"] == 7


@pytest.mark.parametrize("params, message", [
    ({"setting": {"binwidth": 5}}, r"unknown setting 'binwidth' \(did you mean 'binWidth'\?\)"),
    ({"setting": {"resampledPixelSpacingg": [1, 1, 1]}}, r"did you mean 'resampledPixelSpacing'"),
    ({"settings": {"binWidth": 5}}, r"unknown section 'settings' \(did you mean 'setting'\?\)"),
    ({"featureClass": {"firstordr": []}}, r"unknown feature class 'firstordr' \(did you mean 'firstorder'\?\)"),
    ({"featureClass": {"firstorder": ["Meen"]}}, r"unknown feature 'Meen'.*did you mean 'Mean'"),
    ({"imageType": {"Orignal": {}}}, r"unknown image type 'Orignal' \(did you mean 'Original'\?\)"),
    ({"setting": {"binWidth": -1}}, r"binWidth must be a positive number"),
    ({"setting": {"binCount": 2.5}}, r"binCount must be a positive integer"),
    ({"setting": {"compat": "IBSI"}}, r"compat must be 'pyradiomics' or 'ibsi'.*did you mean 'ibsi'"),
    ({"setting": {"interpolator": "sitkBspline"}}, r"did you mean 'sitkBSpline'"),
    ({"setting": {"force2D": "yes"}}, r"force2D must be true or false"),
    ({"voxelSetting": {"kernelRadius": 2}}, r"voxel-based extraction"),
])
def test_bad_params_raise_with_hint(params, message):
    with pytest.raises(ConfigError, match=message):
        load_config(params)


def test_bad_file(tmp_path):
    with pytest.raises(ConfigError, match="parameter file not found"):
        load_config(tmp_path / "missing.yaml")
    (tmp_path / "bad.yaml").write_text("setting: [unclosed")
    with pytest.raises(ConfigError, match=r"bad\.yaml: not valid YAML"):
        load_config(tmp_path / "bad.yaml")


def test_to_dict_round_trips():
    cfg = load_config({"setting": {"binCount": 16}, "featureClass": {"firstorder": ["Mean"]}})
    again = load_config(cfg)
    assert again.settings == cfg.settings and again.feature_classes == cfg.feature_classes
