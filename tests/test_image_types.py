"""Image types (Original and the pyradiomics filters) against pyradiomics' own generators.

Inputs are pyradiomics' test cases cropped as its extractor's ``preCrop`` does
(``checkMask`` + ``cropToTumorMask(padDistance=5)``), a 2D slice of them, and a float32 copy.
Each radfeat generator and ``radiomics.imageoperations.get<Name>Image`` get the same image,
mask and settings; the yielded names, settings, geometry and voxel values must agree
(``rtol=1e-6, atol=1e-9``; in practice the arrays are identical). For LBP3D pyradiomics leaves
the voxels outside the ROI uninitialised, so only ROI voxels are compared there.

LBP3D's oracle needs ``scipy.special.sph_harm`` (removed in SciPy 1.17; supplied here from
``sph_harm_y``, which equals the legacy function, see ``test_legacy_sph_harm_shim``) and
``trimesh`` (if it is not installed, pyradiomics is given radfeat's icosphere, which
``test_icosphere_matches_trimesh`` checks against trimesh wherever trimesh is installed).
"""

from __future__ import annotations

import logging
import sys
import types

import numpy as np
import pytest

from conftest import load_case
from radfeat.exceptions import ConfigError, NonFiniteValueError
from radfeat.preprocessing import image_types as it
from radfeat.preprocessing.image_types import IMAGE_TYPES, icosphere_vertices, image_type_names, iter_image_types

sitk = pytest.importorskip("SimpleITK")
radiomics = pytest.importorskip("radiomics")
from radiomics import imageoperations  # noqa: E402

radiomics.setVerbosity(logging.CRITICAL)

CASES = ["brain1", "breast1", "lung1"]  # MR (int16, 0..3057), small MR, CT (negative HU)
_CROPPED = {}


def cropped(case):
    """``(image, mask)`` of ``case`` cropped to the ROI box + 5 voxels, mask as UInt32 labels."""
    if case not in _CROPPED:
        image, mask = load_case(case)
        mask = imageoperations.getMask(mask, label=1)
        bb, _ = imageoperations.checkMask(image, mask, label=1)
        _CROPPED[case] = imageoperations.cropToTumorMask(image, mask, bb, padDistance=5)
    return _CROPPED[case]


def slice2d(case):
    """The axial slice with the most ROI voxels, as 2D image and mask."""
    image, mask = cropped(case)
    z = int(np.argmax((sitk.GetArrayViewFromImage(mask) == 1).sum(axis=(1, 2))))
    return image[:, :, z], mask[:, :, z]


def as_float32(case):
    image, mask = cropped(case)
    return sitk.Cast(image, sitk.sitkFloat32), mask


def inputs(kind, case):
    return {"3d": cropped, "2d": slice2d, "f32": as_float32}[kind](case)


def legacy_sph_harm(m, n, theta, phi):
    """SciPy's removed ``sph_harm(m, n, theta=azimuthal, phi=polar)``."""
    from scipy.special import sph_harm_y

    return sph_harm_y(n, m, phi, theta)


@pytest.fixture
def lbp3d_oracle(monkeypatch):
    """Make pyradiomics' LBP3D runnable: ``scipy.special.sph_harm`` and ``trimesh`` if missing."""
    import scipy.special

    if not hasattr(scipy.special, "sph_harm"):
        monkeypatch.setattr(scipy.special, "sph_harm", legacy_sph_harm, raising=False)
    try:
        import trimesh.creation  # noqa: F401
    except ImportError:
        creation = types.ModuleType("trimesh.creation")
        creation.icosphere = lambda subdivisions, radius: types.SimpleNamespace(
            vertices=icosphere_vertices(subdivisions, radius))
        package = types.ModuleType("trimesh")
        package.creation = creation
        monkeypatch.setitem(sys.modules, "trimesh", package)
        monkeypatch.setitem(sys.modules, "trimesh.creation", creation)


def compare(type_name, image, mask, roi_only=False, **settings):
    """Run both generators; assert equal names, settings, geometry and values; return max |diff|."""
    settings.setdefault("label", 1)
    ours = list(IMAGE_TYPES[type_name](image, mask, **settings))
    theirs = list(getattr(imageoperations, f"get{type_name}Image")(image, mask, **settings))
    assert [n for _, n, _ in ours] == [n for _, n, _ in theirs]
    assert ours, f"pyradiomics yielded no {type_name} image"
    assert [n for _, n, _ in ours] == image_type_names(type_name, settings, image.GetDimension())
    roi = sitk.GetArrayFromImage(mask) == settings["label"]
    worst = 0.0
    for (a_img, name, a_set), (b_img, _, b_set) in zip(ours, theirs):
        assert a_set == b_set == settings, name
        assert a_img.GetPixelID() == b_img.GetPixelID(), name
        assert a_img.GetSize() == b_img.GetSize() and a_img.GetSpacing() == b_img.GetSpacing(), name
        assert a_img.GetOrigin() == b_img.GetOrigin() and a_img.GetDirection() == b_img.GetDirection(), name
        a, b = sitk.GetArrayFromImage(a_img), sitk.GetArrayFromImage(b_img)
        if roi_only:
            assert np.all(a[~roi] == 0), name
            a, b = a[roi], b[roi]
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9, err_msg=f"{type_name} {name}")
        with np.errstate(invalid="ignore"):
            d = np.abs(a.astype(float) - b.astype(float))
        worst = max(worst, float(np.nanmax(d)) if d.size else 0.0)
    return worst


# ------------------------------------------------------------------------------ against pyradiomics

@pytest.mark.parametrize("kind", ["3d", "2d"])
@pytest.mark.parametrize("case", CASES)
def test_original(case, kind):
    image, mask = inputs(kind, case)
    (out, name, s), = IMAGE_TYPES["Original"](image, mask, binWidth=25)
    assert out is image and name == "original" and s == {"binWidth": 25}
    compare("Original", image, mask, binWidth=25)


@pytest.mark.parametrize("kind", ["3d", "2d", "f32"])
@pytest.mark.parametrize("case", CASES)
def test_log(case, kind):
    compare("LoG", *inputs(kind, case), sigma=[1.0, 2, 3.5])


def test_log_large_sigma_lung():
    # lung1: 0.57 mm in-plane, 5 mm slices; sigma 5 mm needs 10 voxels in-plane, 2 slices
    compare("LoG", *cropped("lung1"), sigma=[0.5, 5.0], binWidth=10)


@pytest.mark.parametrize("kind", ["3d", "2d"])
@pytest.mark.parametrize("case", CASES)
def test_wavelet_default(case, kind):
    compare("Wavelet", *inputs(kind, case))


@pytest.mark.parametrize("settings", [
    {"wavelet": "haar"},
    {"wavelet": "haar", "start_level": 1, "level": 2},
    {"wavelet": "db2", "start_level": 0, "level": 3},
    {"wavelet": "sym3", "start_level": 2, "level": 1},
    {"wavelet": "bior1.3", "force2D": True, "force2Ddimension": 0},
    {"wavelet": "coif1", "force2D": True, "force2Ddimension": 2, "level": 2},
])
def test_wavelet_settings(settings):
    compare("Wavelet", *cropped("breast1"), **settings)


def test_wavelet_levels_2d_and_names():
    compare("Wavelet", *slice2d("lung1"), wavelet="haar", start_level=1, level=2)
    names = image_type_names("Wavelet", {"level": 2}, 3)
    assert names[:7] == ["wavelet-LLH", "wavelet-LHL", "wavelet-LHH", "wavelet-HLL", "wavelet-HLH",
                         "wavelet-HHL", "wavelet-HHH"]
    assert names[7] == "wavelet2-LLH" and names[-1] == "wavelet2-LLL" and len(names) == 15
    assert image_type_names("Wavelet", {}, 2) == ["wavelet-LH", "wavelet-HL", "wavelet-HH", "wavelet-LL"]


@pytest.mark.parametrize("type_name", ["Square", "SquareRoot", "Logarithm", "Exponential"])
@pytest.mark.parametrize("kind", ["3d", "2d", "f32"])
@pytest.mark.parametrize("case", CASES)
def test_point_filters(type_name, case, kind):
    compare(type_name, *inputs(kind, case))


@pytest.mark.parametrize("use_spacing", [True, False])
@pytest.mark.parametrize("kind", ["3d", "2d"])
@pytest.mark.parametrize("case", CASES)
def test_gradient(case, kind, use_spacing):
    compare("Gradient", *inputs(kind, case), gradientUseSpacing=use_spacing)


@pytest.mark.parametrize("kind", ["3d", "2d", "f32"])
@pytest.mark.parametrize("case", CASES)
def test_lbp2d_default(case, kind):
    compare("LBP2D", *inputs(kind, case), force2D=True)


@pytest.mark.parametrize("settings", [
    {"force2Ddimension": 1, "lbp2DRadius": 2, "lbp2DSamples": 16},
    {"force2Ddimension": 2, "lbp2DMethod": "ror"},
    {"lbp2DMethod": "nri_uniform", "lbp2DRadius": 1.5, "lbp2DSamples": 9, "force2D": False},
    {"lbp2DMethod": "default"},
])
def test_lbp2d_settings(settings):
    compare("LBP2D", *cropped("brain1"), **settings)


def test_lbp2d_2d_settings():
    compare("LBP2D", *slice2d("breast1"), lbp2DMethod="var", lbp2DRadius=2, lbp2DSamples=12)


@pytest.mark.parametrize("case", CASES)
def test_lbp3d_default(case, lbp3d_oracle):
    compare("LBP3D", *cropped(case), roi_only=True)


@pytest.mark.parametrize("settings", [
    {"lbp3DLevels": 3, "lbp3DIcosphereRadius": 1.5, "lbp3DIcosphereSubdivision": 2},
    {"lbp3DLevels": 2, "lbp3DIcosphereRadius": 2, "lbp3DIcosphereSubdivision": 0},
])
def test_lbp3d_settings(settings, lbp3d_oracle):
    compare("LBP3D", *as_float32("breast1"), roi_only=True, **settings)


def test_lbp3d_other_label(lbp3d_oracle):
    image, mask = cropped("breast1")
    arr = sitk.GetArrayFromImage(mask)
    arr[arr == 1] = 3
    relabelled = sitk.GetImageFromArray(arr)
    relabelled.CopyInformation(mask)
    compare("LBP3D", image, relabelled, roi_only=True, label=3)


def test_lbp3d_single_level():
    # pyradiomics fails on lbp3DLevels 1 (a 1D harmonics table); radfeat yields m1 and k
    image, mask = cropped("breast1")
    out = {n: sitk.GetArrayFromImage(i) for i, n, _ in IMAGE_TYPES["LBP3D"](image, mask, lbp3DLevels=1)}
    ref = {n: sitk.GetArrayFromImage(i) for i, n, _ in IMAGE_TYPES["LBP3D"](image, mask, lbp3DLevels=2)}
    assert list(out) == ["lbp-3D-m1", "lbp-3D-k"]
    np.testing.assert_allclose(out["lbp-3D-m1"], ref["lbp-3D-m1"], rtol=1e-12, atol=0)
    np.testing.assert_array_equal(out["lbp-3D-k"], ref["lbp-3D-k"])


def test_icosphere_matches_trimesh():
    creation = pytest.importorskip("trimesh.creation")
    for subdivisions in (0, 1, 2):
        for radius in (1, 1.5):
            np.testing.assert_array_equal(icosphere_vertices(subdivisions, radius),
                                          np.asarray(creation.icosphere(subdivisions, radius).vertices))


def test_legacy_sph_harm_shim():
    """``sph_harm_y(n, m, phi, theta)`` equals SciPy's legacy ``sph_harm(m, n, theta, phi)`` (lpmv form),
    also for the negative polar angles pyradiomics passes."""
    from scipy.special import lpmv, poch

    rng = np.random.default_rng(1)
    theta, phi = rng.uniform(0, np.pi, 50), rng.uniform(-np.pi, np.pi, 50)
    for n in range(4):
        for m in range(-n, n + 1):
            mp = abs(m)
            ref = lpmv(mp, n, np.cos(phi)).astype(complex)
            if m < 0:
                ref *= (-1) ** mp * poch(n + mp + 1, -2 * mp)
            ref *= np.sqrt((2 * n + 1) / 4.0 / np.pi) * np.sqrt(poch(n + m + 1, -2 * m)) * np.exp(1j * m * theta)
            np.testing.assert_allclose(legacy_sph_harm(m, n, theta, phi), ref, rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(it._sph_harm(m, n, theta, phi), ref, rtol=1e-12, atol=1e-14)


def test_iter_image_types_chains_like_the_extractor():
    image, mask = cropped("breast1")
    enabled = {"Original": {}, "LoG": {"sigma": [2.0]}, "Wavelet": {"wavelet": "haar"}, "Square": {}}
    settings = {"binWidth": 25, "label": 1, "sigma": [9.0]}
    out = list(iter_image_types(image, mask, enabled, settings))
    assert [n for _, n, _ in out] == (["original", "log-sigma-2-0-mm-3D"]
                                      + image_type_names("Wavelet", {"wavelet": "haar"}) + ["square"])
    assert out[0][2] == settings
    assert out[1][2] == {**settings, "sigma": [2.0]}
    assert out[2][2] == {**settings, "wavelet": "haar"}
    # each image gets its own settings dict
    out[0][2]["binWidth"] = 1
    assert out[3][2]["binWidth"] == 25


# ------------------------------------------------------------------------------ errors

def test_log_errors():
    image, mask = cropped("breast1")
    for bad in ({}, {"sigma": None}, {"sigma": []}):
        with pytest.raises(ConfigError, match="'sigma' is required"):
            IMAGE_TYPES["LoG"](image, mask, **bad)  # raised on the call, before iterating
    with pytest.raises(ConfigError, match="greater than 0"):
        IMAGE_TYPES["LoG"](image, mask, sigma=[1.0, 0.0])
    with pytest.raises(ConfigError, match="must be a number"):
        IMAGE_TYPES["LoG"](image, mask, sigma=["2"])
    # breast1 cropped: 2.1 mm slices; sigma 50 needs ceil(50 / 2.1) + 1 = 25 slices
    with pytest.raises(ConfigError, match=r"sigma 50\.0 mm is too large.*padDistance"):
        IMAGE_TYPES["LoG"](image, mask, sigma=[1.0, 50.0])
    tiny = image[:3, :, :]
    with pytest.raises(ConfigError, match="at least 4"):
        IMAGE_TYPES["LoG"](tiny, mask[:3, :, :], sigma=[1.0])
    # a scalar sigma is a one-element list
    assert [n for _, n, _ in IMAGE_TYPES["LoG"](image, mask, sigma=2)] == ["log-sigma-2-mm-3D"]
    assert image_type_names("LoG", {"sigma": [1.0, 3]}) == ["log-sigma-1-0-mm-3D", "log-sigma-3-mm-3D"]


def test_wavelet_errors():
    image, mask = cropped("breast1")
    with pytest.raises(ConfigError, match="unknown wavelet 'hair'.*did you mean 'haar'"):
        IMAGE_TYPES["Wavelet"](image, mask, wavelet="hair")
    with pytest.raises(ConfigError, match="did you mean 'coif1'"):
        IMAGE_TYPES["Wavelet"](image, mask, wavelet="Coif1")
    with pytest.raises(ConfigError, match="continuous wavelet"):
        IMAGE_TYPES["Wavelet"](image, mask, wavelet="mexh")
    with pytest.raises(ConfigError, match="'level' must be an integer >= 1"):
        IMAGE_TYPES["Wavelet"](image, mask, level=0)
    with pytest.raises(ConfigError, match="'level' must be an integer"):
        IMAGE_TYPES["Wavelet"](image, mask, level=1.5)
    with pytest.raises(ConfigError, match="'start_level' must be an integer >= 0"):
        IMAGE_TYPES["Wavelet"](image, mask, start_level=-1)
    with pytest.raises(ConfigError, match="force2Ddimension"):
        IMAGE_TYPES["Wavelet"](image, mask, force2D=True, force2Ddimension=3)
    with pytest.raises(ConfigError, match="did you mean 'haar'"):
        image_type_names("Wavelet", {"wavelet": "har"})


def test_lbp_errors():
    image, mask = cropped("breast1")
    with pytest.raises(ConfigError, match="unknown lbp2DMethod 'uniformm'.*did you mean 'uniform'"):
        IMAGE_TYPES["LBP2D"](image, mask, lbp2DMethod="uniformm")
    with pytest.raises(ConfigError, match="lbp2DRadius"):
        IMAGE_TYPES["LBP2D"](image, mask, lbp2DRadius=0)
    with pytest.raises(ConfigError, match="lbp2DSamples"):
        IMAGE_TYPES["LBP2D"](image, mask, lbp2DSamples=0)
    with pytest.raises(ConfigError, match="force2Ddimension"):
        IMAGE_TYPES["LBP2D"](image, mask, force2Ddimension=5)
    im2, ma2 = slice2d("breast1")
    with pytest.raises(ConfigError, match="LBP3D: needs a 3D image, got 2D"):
        IMAGE_TYPES["LBP3D"](im2, ma2)
    with pytest.raises(ConfigError, match="LBP3D: needs a 3D image"):
        image_type_names("LBP3D", {}, 2)
    with pytest.raises(ConfigError, match="lbp3DLevels"):
        IMAGE_TYPES["LBP3D"](image, mask, lbp3DLevels=0)
    with pytest.raises(ConfigError, match="lbp3DIcosphereRadius"):
        IMAGE_TYPES["LBP3D"](image, mask, lbp3DIcosphereRadius=-1)
    with pytest.raises(ConfigError, match="label 7 is not present"):
        next(IMAGE_TYPES["LBP3D"](image, mask, label=7))


def test_other_errors():
    image, mask = cropped("breast1")
    zero = sitk.Image(image.GetSize(), sitk.sitkInt16)
    zero.CopyInformation(image)
    for name in ("Square", "Logarithm", "Exponential"):
        with pytest.raises(NonFiniteValueError, match="all zero"):
            next(IMAGE_TYPES[name](zero, mask))
    (out, _, _), = IMAGE_TYPES["SquareRoot"](zero, mask)
    assert not sitk.GetArrayViewFromImage(out).any()
    with pytest.raises(ConfigError, match="gradientUseSpacing"):
        IMAGE_TYPES["Gradient"](image, mask, gradientUseSpacing="yes")
    with pytest.raises(ConfigError, match="unknown image type 'Wavlet'.*did you mean 'Wavelet'"):
        list(iter_image_types(image, mask, {"Wavlet": {}}, {}))
    with pytest.raises(ConfigError, match="did you mean 'LoG'"):
        image_type_names("Log")
