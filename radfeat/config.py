"""Parameter files: pyradiomics' YAML/JSON schema accepted unchanged, radfeat keys in the same schema.

A parameter file (or dict) has up to three sections, exactly as in pyradiomics::

    setting:      {binWidth: 25, label: 1, resampledPixelSpacing: [1, 1, 1], ...}
    imageType:    {Original: {}}
    featureClass: {firstorder: [], shape: [Sphericity, MeshVolume]}

An empty or missing ``featureClass`` enables every default family (all but ``shape2D``, as in
pyradiomics); an empty list enables every feature of a family. Unknown sections, settings, image
types, families and features are errors that suggest the closest known name. radfeat's own keys:
``compat`` (``pyradiomics`` | ``ibsi``), ``maxMatrixMB`` (texture matrix memory limit),
``roundIntensities`` (round to integers after interpolation, as IBSI does for CT) and
``outlierSigma`` (drop ROI voxels beyond mean +- k sd, after ``resegmentRange``; IBSI config E)
and ``textureAggregation`` (IBSI's 2D / 2.5D / 3D, averaged or merged; see
:mod:`radfeat.features.aggregation`).
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import ConfigError
from .features.registry import all_families, did_you_mean, get_family
from .preprocessing.image_types import IMAGE_TYPES
from .preprocessing.pipeline import PREPROCESSING_SETTINGS

__all__ = ["Config", "load_config", "DEFAULT_SETTINGS"]

#: pyradiomics' global defaults (featureextractor._getDefaultSettings) plus radfeat's keys.
DEFAULT_SETTINGS = {
    "minimumROIDimensions": 2,
    "minimumROISize": None,
    "normalize": False,
    "normalizeScale": 1,
    "removeOutliers": None,
    "resampledPixelSpacing": None,
    "interpolator": "sitkBSpline",
    "preCrop": False,
    "padDistance": 5,
    "distances": [1],
    "force2D": False,
    "force2Ddimension": 0,
    "resegmentRange": None,
    "resegmentMode": "absolute",
    "resegmentShape": False,
    "label": 1,
    "label_channel": 0,
    "additionalInfo": True,
    "binWidth": 25,
    "binCount": None,
    "geometryTolerance": None,
    "correctMask": False,
    # radfeat
    "compat": "pyradiomics",
    "maxMatrixMB": 2048,
    "roundIntensities": False,
    "outlierSigma": None,
    "textureAggregation": "pyradiomics",
    "colorChannel": None,
}

#: Settings pyradiomics' schema knows that belong to image types / voxel mode (accepted, and used
#: by the image types that read them).
FILTER_SETTINGS = {
    "sigma": None, "start_level": 0, "level": 1, "wavelet": "coif1", "gradientUseSpacing": True,
    "lbp2DRadius": 1, "lbp2DSamples": 8, "lbp2DMethod": "uniform", "lbp3DLevels": 2,
    "lbp3DIcosphereRadius": 1, "lbp3DIcosphereSubdivision": 1, "dtype": None,
}


_SECTIONS = ("setting", "imageType", "featureClass", "voxelSetting")


def _known_settings() -> dict:
    known = dict(DEFAULT_SETTINGS)
    known.update(FILTER_SETTINGS)
    known.update(PREPROCESSING_SETTINGS)
    for fam in all_families():
        for key, default in fam.settings.items():
            known.setdefault(key, default)
    return known


@dataclass
class Config:
    """A resolved, validated extraction configuration.

    Attributes
    ----------
    settings : dict
        Every setting with its value (defaults filled in).
    image_types : dict
        Enabled image type -> its custom settings.
    feature_classes : dict
        Enabled family -> list of feature names (empty list: all of them).
    explicit_classes : bool
        Whether the parameter file named the feature classes (else pyradiomics' defaults apply).
    """

    settings: dict = field(default_factory=lambda: dict(_known_settings()))
    image_types: dict = field(default_factory=lambda: {"Original": {}})
    feature_classes: dict = field(default_factory=dict)
    explicit_classes: bool = False

    def to_dict(self) -> dict:
        """The pyradiomics-schema dict this config stands for (for provenance and round trips)."""
        return {
            "setting": dict(self.settings),
            "imageType": {k: dict(v) for k, v in self.image_types.items()},
            "featureClass": {k: list(v) for k, v in self.feature_classes.items()},
        }


def load_config(params=None, **overrides) -> Config:
    """Build a :class:`Config` from a parameter file path, a dict, or nothing (defaults).

    Parameters
    ----------
    params : str, Path, dict or Config, optional
        A pyradiomics parameter file (YAML or JSON) or the same structure as a dict. A dict with
        none of the sections ``setting``/``imageType``/``featureClass`` is taken as the
        ``setting`` section, so ``{"binWidth": 10}`` works.
    **overrides
        Settings that override the file's (like pyradiomics' keyword arguments).
    """
    if isinstance(params, Config):
        data = params.to_dict()
        data["featureClass"] = params.feature_classes if params.explicit_classes else None
    elif params is None:
        data = {}
    elif isinstance(params, dict):
        data = dict(params)
        if data and not any(k in _SECTIONS for k in data):
            known = _known_settings()
            for key in data:
                if key not in known and did_you_mean(key, _SECTIONS):
                    raise ConfigError(f"params: unknown section {key!r}" + did_you_mean(key, _SECTIONS))
            data = {"setting": data}
    elif isinstance(params, (str, Path)):
        data = _read_file(Path(params))
    else:
        raise ConfigError(f"params must be a file path or a dict, not {type(params).__name__}")
    source = str(params) if isinstance(params, (str, Path)) else "params"

    for key in data:
        if key not in _SECTIONS:
            raise ConfigError(f"{source}: unknown section {key!r}" + did_you_mean(key, _SECTIONS)
                              + f"; sections are {', '.join(_SECTIONS[:3])}")
    if data.get("voxelSetting"):
        raise ConfigError(f"{source}: voxel-based extraction (voxelSetting) is not supported by radfeat")

    settings = dict(_known_settings())
    settings.update(_validate_settings(data.get("setting") or {}, source))
    settings.update(_validate_settings(overrides, "settings"))
    image_types = _validate_image_types(data.get("imageType"), source)
    classes = data.get("featureClass")
    explicit = bool(classes)
    feature_classes = _validate_classes(classes, source, settings) if explicit else {
        f.name: [] for f in all_families() if f.default}
    return Config(settings, image_types, feature_classes, explicit)


def _read_file(path: Path) -> dict:
    if not path.is_file():
        raise ConfigError(f"{path}: parameter file not found")
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:
        raise ConfigError(f"{path}: not valid YAML/JSON ({exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a parameter file must be a mapping with setting/imageType/featureClass")
    return data


def _validate_settings(settings: dict, source: str) -> dict:
    if not isinstance(settings, dict):
        raise ConfigError(f"{source}: 'setting' must be a mapping")
    known = _known_settings()
    out = {}
    for key, value in settings.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown setting {key!r}" + did_you_mean(key, known))
        out[key] = _check_value(key, value, source)
    return out


def _positive(key, value, source, integer=False, allow_zero=False):
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and (value >= 0 if allow_zero else value > 0)
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        kind = "integer" if integer else "number"
        raise ConfigError(f"{source}: {key} must be a {'non-negative' if allow_zero else 'positive'} {kind}, "
                          f"got {value!r}")
    return int(value) if integer else value


def _check_value(key, value, source):
    if value is None:
        return None
    if key in ("binWidth", "normalizeScale", "removeOutliers", "maxMatrixMB", "geometryTolerance", "outlierSigma"):
        return _positive(key, value, source)
    if key in ("denoiseSigma", "nlmeansH", "nlmeansSigma", "claheClipLimit", "colorRange"):
        return _positive(key, value, source)
    if key in ("equalizeBins", "denoiseSize", "nlmeansPatchSize", "nlmeansPatchDistance", "colorBins"):
        return _positive(key, value, source, integer=True)
    if key in ("autoSegmentMinSize", "colorHistogramBins"):
        return _positive(key, value, source, integer=True, allow_zero=True)
    if key == "autoSegmentConnectivity" and value not in (1, 2, 3):
        raise ConfigError(f"{source}: autoSegmentConnectivity must be 1, 2 or 3, got {value!r}")
    for key_, choices in (("denoise", ("median", "gaussian", "nlmeans")), ("equalize", ("hist", "clahe")),
                          ("autoSegment", ("otsu", "threshold"))):
        if key == key_ and value not in choices:
            raise ConfigError(f"{source}: {key} must be one of {', '.join(choices)}, got {value!r}"
                              + did_you_mean(value, choices))
    if key in ("clipIntensities", "clipPercentiles"):
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise ConfigError(f"{source}: {key} must be [low, high] (null for an open side), got {value!r}")
        return list(value)
    if key in ("binCount", "minimumROISize"):
        return _positive(key, value, source, integer=True)
    if key in ("label",):
        return _positive(key, value, source, integer=True)
    if key in ("padDistance", "label_channel", "voxelArrayShift", "gldm_a"):
        return _positive(key, value, source, integer=True, allow_zero=True)
    if key == "minimumROIDimensions":
        if value not in (1, 2, 3):
            raise ConfigError(f"{source}: minimumROIDimensions must be 1, 2 or 3, got {value!r}")
    if key == "force2Ddimension":
        if value not in (0, 1, 2):
            raise ConfigError(f"{source}: force2Ddimension must be 0, 1 or 2, got {value!r}")
    if key == "distances":
        if not isinstance(value, (list, tuple)) or not value:
            raise ConfigError(f"{source}: distances must be a list of positive integers, got {value!r}")
        return [_positive(key, v, source, integer=True) for v in value]
    if key == "resampledPixelSpacing":
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: resampledPixelSpacing must be a list of numbers, got {value!r}")
        return [_positive(key, v, source, allow_zero=True) for v in value]
    if key == "resegmentRange":
        if not isinstance(value, (list, tuple)) or not 1 <= len(value) <= 2:
            raise ConfigError(f"{source}: resegmentRange must be a list of 1 or 2 numbers, got {value!r}")
        return [float(v) for v in value]
    if key == "resegmentMode" and value not in ("absolute", "relative", "sigma"):
        raise ConfigError(f"{source}: resegmentMode must be absolute, relative or sigma, got {value!r}"
                          + did_you_mean(value, ("absolute", "relative", "sigma")))
    if key == "textureAggregation":
        from .features.aggregation import AGGREGATIONS

        if value not in AGGREGATIONS:
            raise ConfigError(f"{source}: textureAggregation must be one of {', '.join(AGGREGATIONS)}, got "
                              f"{value!r}" + did_you_mean(value, AGGREGATIONS))
    if key == "colorChannel" and str(value) not in ("gray", "grey", "luminance", "R", "G", "B", "0", "1", "2"):
        raise ConfigError(f"{source}: colorChannel must be gray, R, G, B or 0-2, got {value!r}")
    if key == "compat" and value not in ("pyradiomics", "ibsi"):
        raise ConfigError(f"{source}: compat must be 'pyradiomics' or 'ibsi', got {value!r}"
                          + did_you_mean(value, ("pyradiomics", "ibsi")))
    if key == "interpolator":
        from .preprocessing.resample import INTERPOLATORS

        if not isinstance(value, int) and value not in INTERPOLATORS:
            raise ConfigError(f"{source}: unknown interpolator {value!r}" + did_you_mean(value, INTERPOLATORS))
    if key in ("normalize", "force2D", "preCrop", "resegmentShape", "correctMask", "additionalInfo",
               "symmetricalGLCM", "roundIntensities", "autoSegmentInvert",
               "autoSegmentLargestComponent", "autoSegmentFillHoles") and not isinstance(value, bool):
        raise ConfigError(f"{source}: {key} must be true or false, got {value!r}")
    return value


def _validate_image_types(image_types, source) -> dict:
    if not image_types:
        return {"Original": {}}
    if not isinstance(image_types, dict):
        raise ConfigError(f"{source}: imageType must be a mapping of image type to its settings")
    out = {}
    for name, custom in image_types.items():
        if name not in IMAGE_TYPES:
            raise ConfigError(f"{source}: unknown image type {name!r}" + did_you_mean(name, IMAGE_TYPES)
                              + f"; image types are {', '.join(IMAGE_TYPES)}")
        out[name] = _validate_settings(custom or {}, f"{source}: imageType {name}")
    return out


def _validate_classes(classes, source, settings) -> dict:
    if not isinstance(classes, dict):
        raise ConfigError(f"{source}: featureClass must be a mapping of class to a list of features")
    out = {}
    for name, features in classes.items():
        try:
            family = get_family(name)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None
        features = list(features or [])
        known = family.names_for(settings) if family.names is not None else None
        for f in features:
            if known is not None:
                if f not in known:
                    raise ConfigError(f"{source}: unknown feature {f!r} in family {name!r} under these settings"
                                      + did_you_mean(f, known))
                continue
            try:
                family.feature(f)
            except ConfigError as exc:
                raise ConfigError(f"{source}: {exc}") from None
        out[name] = features
    return out
