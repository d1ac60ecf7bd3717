"""Haralick features against mahotas (and scikit-image's graycoprops where it defines a feature).

Oracle: ``mahotas.features.haralick(roi.levels, ignore_zeros=True, return_mean=...)`` on radfeat's
own discretised grey levels (1-based, 0 outside the ROI), which is the same quantised input.
Every feature of every direction and the mean are compared at rtol 1e-6, atol 1e-12. Inputs:
Kather 2016 histology tiles (grey), BreastMNIST images, seeded random images and masks.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import breastmnist as breast_images, kather_grey as kather_tiles
from radfeat.exceptions import ConfigError, EmptyROIError, InvalidROIError, MatrixTooLargeError
from radfeat.features.haralick import BASE_FEATURES, DIRECTIONS, FEATURES, compute_haralick, haralick_batch
from radfeat.features.registry import get_family
from radfeat.features.roi import RoiData

mahotas = pytest.importorskip("mahotas")

RTOL, ATOL = 1e-6, 1e-12
NAMES = [f.name for f in FEATURES]


def mahotas_features(levels, distance=1):
    """mahotas' mean row and its four direction rows, in radfeat's output order."""
    rows = mahotas.features.haralick(levels, ignore_zeros=True, distance=distance)
    mean = mahotas.features.haralick(levels, ignore_zeros=True, distance=distance, return_mean=True)
    return np.concatenate([mean, rows.ravel()])


def check(roi):
    ours = compute_haralick(roi)
    ref = mahotas_features(roi.levels, roi.settings.get("haralickDistance", 1))
    bad = [f"{n}: radfeat={a!r} mahotas={b!r}" for n, a, b in zip(NAMES, ours, ref)
           if not np.isclose(a, b, rtol=RTOL, atol=ATOL)]
    assert not bad, "\n".join(bad)
    return ours


def roi_of(image, mask, **settings):
    return RoiData(image, mask, (1.0, 1.0), settings)


# ---------------------------------------------------------------------------------------------
# mahotas
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("settings", [{}, {"binCount": 32}, {"binCount": 64, "haralickDistance": 2}])
def test_kather_tiles(settings, data_dir):
    for image in kather_tiles():
        check(roi_of(image, np.ones(image.shape, bool), **settings))


def test_kather_disc_mask(data_dir):
    yy, xx = np.mgrid[:150, :150]
    disc = (yy - 70) ** 2 + (xx - 80) ** 2 < 45 ** 2
    box = np.ix_(np.any(disc, 1), np.any(disc, 0))
    for image in kather_tiles(8):
        check(roi_of(image[box], disc[box], binWidth=10))


def test_breastmnist(data_dir):
    for image in breast_images(60):
        check(roi_of(image, np.ones(image.shape, bool), binCount=16))


@pytest.mark.parametrize("seed", range(8))
def test_random_images_and_masks(seed):
    rng = np.random.default_rng(seed)
    for _ in range(10):
        shape = tuple(int(s) for s in rng.integers(3, 45, 2))
        image = rng.normal(100, 40, shape) if seed % 2 else rng.integers(0, 400, shape).astype(float)
        mask = rng.random(shape) < rng.uniform(0.5, 1.0)
        settings = ({"binCount": int(rng.integers(2, 48))} if rng.random() < 0.5
                    else {"binWidth": float(rng.integers(3, 60))})
        settings["haralickDistance"] = int(rng.integers(1, 3))
        roi = roi_of(image, mask, **settings)
        if not mask.any():
            continue
        try:
            check(roi)
        except InvalidROIError:
            # mahotas refuses the same ROIs (a direction without any pair)
            with pytest.raises(ValueError):
                mahotas_features(roi.levels, settings["haralickDistance"])


def test_single_grey_level():
    roi = roi_of(np.full((5, 6), 3.0), np.ones((5, 6), bool))
    out = check(roi)
    assert out[NAMES.index("AngularSecondMoment")] == 1.0
    assert out[NAMES.index("Correlation")] == 1.0  # mahotas: 1 when a marginal has zero variance
    assert out[NAMES.index("Entropy")] == 0.0


def test_hand_computed_horizontal():
    # levels [[1, 2], [2, 2]] horizontally: pairs (1,2), (2,2) -> symmetric counts
    # P(1,2) = P(2,1) = 1, P(2,2) = 2, total 4
    roi = RoiData(np.array([[1, 2], [2, 2]]), np.ones((2, 2), bool), (1, 1), {"binWidth": 1})
    np.testing.assert_array_equal(roi.levels, [[1, 2], [2, 2]])
    out = dict(zip(NAMES, check(roi)))
    assert out["AngularSecondMoment_0"] == pytest.approx(0.25 ** 2 * 2 + 0.5 ** 2)
    assert out["Contrast_0"] == pytest.approx(0.5)
    assert out["InverseDifferenceMoment_0"] == pytest.approx(0.5 / 2 + 0.5)
    assert out["SumAverage_0"] == pytest.approx(3 * 0.5 + 4 * 0.5)
    assert out["Entropy_0"] == pytest.approx(1.5)


# ---------------------------------------------------------------------------------------------
# scikit-image's graycoprops, where a feature is defined there
# ---------------------------------------------------------------------------------------------


def test_graycoprops_agree(data_dir):
    from skimage.feature import graycomatrix, graycoprops

    angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    props = {"ASM": "AngularSecondMoment", "contrast": "Contrast", "correlation": "Correlation",
             "homogeneity": "InverseDifferenceMoment"}
    for image in kather_tiles(6) + list(breast_images(6)):
        yy, xx = np.mgrid[:image.shape[0], :image.shape[1]]
        mask = (yy - image.shape[0] / 2) ** 2 + (xx - image.shape[1] / 2) ** 2 < (image.shape[0] / 2.2) ** 2
        roi = roi_of(image, mask, binCount=24)
        lv = roi.levels
        glcm = graycomatrix(lv.astype(np.uint8), [1], angles, levels=int(lv.max()) + 1, symmetric=True)
        glcm[0, :] = 0
        glcm[:, 0] = 0  # level 0 is outside the ROI, as mahotas' ignore_zeros
        out = dict(zip(NAMES, compute_haralick(roi)))
        for prop, name in props.items():
            sk = graycoprops(glcm, prop)[0]
            ours = [out[f"{name}_{d}"] for d in DIRECTIONS]
            np.testing.assert_allclose(ours, sk, rtol=RTOL, atol=ATOL, err_msg=prop)
        np.testing.assert_allclose([np.sqrt(out[f"AngularSecondMoment_{d}"]) for d in DIRECTIONS],
                                   graycoprops(glcm, "energy")[0], rtol=RTOL, atol=ATOL)


# ---------------------------------------------------------------------------------------------
# batch
# ---------------------------------------------------------------------------------------------


def test_batch_breastmnist_equals_single_and_mahotas(data_dir):
    images = breast_images(300)
    masks = np.ones(images.shape, bool)
    rois = [roi_of(im, m, binCount=32) for im, m in zip(images, masks)]
    levels = np.stack([r.levels for r in rois])
    out = haralick_batch(levels, masks, {})
    assert out.shape == (len(images), len(FEATURES))
    for k in range(0, len(images), 5):
        assert np.array_equal(out[k], compute_haralick(rois[k]))
        np.testing.assert_allclose(out[k], mahotas_features(levels[k]), rtol=RTOL, atol=ATOL)


def test_batch_random_masks_and_nan_rows():
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (50, 20, 24)).astype(float)
    masks = rng.random(images.shape) < 0.7
    masks[3] = False
    masks[4] = False
    masks[4, 5, :] = True  # one row: no vertical pair, mahotas raises, the row is NaN
    settings = {"haralickDistance": 2}
    rois = [roi_of(im, m, binCount=20, **settings) if m.any() else None for im, m in zip(images, masks)]
    levels = np.stack([r.levels if r is not None else np.zeros(images.shape[1:], int) for r in rois])
    # values outside the masks must not matter
    noisy = np.where(masks, levels, rng.integers(1, 30, levels.shape))
    out = haralick_batch(noisy, masks, settings)
    assert np.isnan(out[3]).all() and np.isnan(out[4]).all()
    with pytest.raises(InvalidROIError):
        compute_haralick(rois[4])
    for k in range(50):
        if k not in (3, 4):
            assert np.array_equal(out[k], compute_haralick(rois[k]))


def test_batch_rejects_3d_and_takes_empty_stacks():
    with pytest.raises(InvalidROIError):
        haralick_batch(np.ones((2, 3, 4, 4), int), np.ones((2, 3, 4, 4), bool), {})
    assert haralick_batch(np.ones((0, 4, 4), int), np.ones((0, 4, 4), bool), {}).shape == (0, len(FEATURES))


# ---------------------------------------------------------------------------------------------
# registry, names, errors
# ---------------------------------------------------------------------------------------------


def test_registry_entry():
    fam = get_family("haralick")
    assert fam.dims == frozenset({2}) and fam.kind == "intensity" and not fam.default
    assert fam.batch is haralick_batch
    assert len(fam.feature_names) == 65
    assert fam.feature_names[:13] == tuple(n for n, _ in BASE_FEATURES)
    assert fam.feature_names[13] == "AngularSecondMoment_0"
    assert fam.feature_names[-1] == "InformationMeasureOfCorrelation2_135"
    # the names are mahotas' labels in CamelCase, in mahotas' order
    labels = mahotas.features.texture.haralick_labels[:13]
    assert [n for n, _ in BASE_FEATURES] == ["".join(w[:1].upper() + w[1:] for w in label.replace(":", "").split())
                                             for label in labels]


def test_errors():
    with pytest.raises(InvalidROIError):
        compute_haralick(RoiData(np.zeros((3, 4, 4)), np.ones((3, 4, 4), bool), (1, 1, 1)))
    with pytest.raises(EmptyROIError):
        compute_haralick(roi_of(np.zeros((4, 4)), np.zeros((4, 4), bool)))
    with pytest.raises(ConfigError):
        compute_haralick(roi_of(np.zeros((4, 4)), np.ones((4, 4), bool), haralickDistance=0))
    with pytest.raises(MatrixTooLargeError):
        compute_haralick(roi_of(np.arange(16.0).reshape(4, 4), np.ones((4, 4), bool), binWidth=1e-3,
                                maxMatrixMB=1))
    single = roi_of(np.arange(5.0)[None], np.ones((1, 5), bool))
    with pytest.raises(InvalidROIError):
        compute_haralick(single)
    with pytest.raises(ValueError):
        mahotas_features(single.levels)


def test_extractor_runs_haralick(data_dir):
    try:
        from radfeat.extraction import Extractor
    except ImportError as exc:  # the extractor is being edited elsewhere
        pytest.skip(f"radfeat.extraction not importable: {exc}")
    image = breast_images(1)[0]
    mask = np.zeros(image.shape, np.uint8)
    mask[4:22, 5:20] = 1
    out = Extractor({"setting": {"binCount": 16}, "featureClass": {"haralick": ["Contrast", "Entropy_45"]}}
                    ).execute(image, mask)
    ref = dict(zip(NAMES, mahotas_features(roi_of(image[4:22, 5:20], mask[4:22, 5:20] == 1, binCount=16).levels)))
    assert out["original_haralick_Contrast"] == pytest.approx(ref["Contrast"], rel=RTOL)
    assert out["original_haralick_Entropy_45"] == pytest.approx(ref["Entropy_45"], rel=RTOL)
