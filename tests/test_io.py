"""Reading every supported format, keeping geometry, and failing clearly on bad input."""

from __future__ import annotations

import gzip
import time

import numpy as np
import pytest
import SimpleITK as sitk

from radfeat.exceptions import (EmptyROIError, GeometryMismatchError, ImageReadError, InvalidROIError,
                                NonFiniteValueError, RadfeatError, UnsupportedImageError)
from radfeat.extraction import Extractor, extract
from radfeat.io.readers import read_image

rng = np.random.default_rng(0)
VOLUME = rng.integers(0, 200, size=(6, 10, 12)).astype(np.int16)
MASK = np.zeros(VOLUME.shape, np.uint8)
MASK[1:5, 2:8, 3:10] = 1
SPACING_XYZ = (0.7, 0.9, 2.5)
# NIfTI stores spacing as float32, so TotalEnergy (which multiplies by the voxel volume) moves by
# ~4e-8 relative after a NIfTI round trip; every other value is bit-identical.
FILE_RTOL = 1e-7


def _sitk(arr, spacing=SPACING_XYZ, origin=(10.0, -5.0, 3.0)):
    img = sitk.GetImageFromArray(arr)
    img.SetSpacing(spacing[: img.GetDimension()])
    img.SetOrigin(origin[: img.GetDimension()])
    return img


@pytest.fixture(scope="module")
def reference():
    return extract(_sitk(VOLUME), _sitk(MASK), binWidth=10)


@pytest.mark.parametrize("suffix", [".nrrd", ".nii", ".nii.gz", ".mha", ".mhd"])
def test_sitk_formats_round_trip(tmp_path, suffix, reference):
    img_path, msk_path = tmp_path / f"img{suffix}", tmp_path / f"msk{suffix}"
    sitk.WriteImage(_sitk(VOLUME), str(img_path))
    sitk.WriteImage(_sitk(MASK), str(msk_path))
    image = read_image(img_path)
    assert image.GetSpacing() == pytest.approx(SPACING_XYZ)
    assert image.GetOrigin() == pytest.approx((10.0, -5.0, 3.0))
    assert extract(img_path, msk_path, binWidth=10) == pytest.approx(reference, rel=FILE_RTOL)


def test_nifti_written_by_nibabel(tmp_path, reference):
    nib = pytest.importorskip("nibabel")
    affine = np.diag([-SPACING_XYZ[0], -SPACING_XYZ[1], SPACING_XYZ[2], 1.0])
    # nibabel stores (x, y, z); our arrays are (z, y, x)
    nib.save(nib.Nifti1Image(VOLUME.transpose(2, 1, 0), affine), tmp_path / "img.nii.gz")
    nib.save(nib.Nifti1Image(MASK.transpose(2, 1, 0), affine), tmp_path / "msk.nii.gz")
    image = read_image(tmp_path / "img.nii.gz")
    assert image.GetSpacing() == pytest.approx(SPACING_XYZ)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), VOLUME)
    assert extract(tmp_path / "img.nii.gz", tmp_path / "msk.nii.gz", binWidth=10) == pytest.approx(reference, rel=FILE_RTOL)


def _write_dicom_series(folder, arr, spacing):
    folder.mkdir()
    writer = sitk.ImageFileWriter()
    writer.KeepOriginalImageUIDOn()
    uid = "1.2.826.0.1.3680043.2.1125.1." + str(int(time.time()))
    for z in range(arr.shape[0]):
        sl = sitk.GetImageFromArray(arr[z])
        sl.SetSpacing(spacing[:2])
        for tag, value in {
            "0010|0010": "Doe^Jane", "0010|0020": "PATIENT-ID-123", "0008|0060": "CT",
            "0020|000e": uid, "0020|000d": uid + ".0", "0020|0013": str(z + 1),
            "0020|0032": f"0\\0\\{z * spacing[2]}", "0020|0037": "1\\0\\0\\0\\1\\0",
            "0028|0030": f"{spacing[1]}\\{spacing[0]}", "0018|0050": str(spacing[2]),
        }.items():
            sl.SetMetaData(tag, value)
        writer.SetFileName(str(folder / f"slice{z:03d}.dcm"))
        writer.Execute(sl)


def test_dicom_series_folder(tmp_path, reference):
    pydicom = pytest.importorskip("pydicom")
    _write_dicom_series(tmp_path / "series", VOLUME, SPACING_XYZ)
    assert pydicom.dcmread(tmp_path / "series" / "slice000.dcm").PatientID == "PATIENT-ID-123"
    image = read_image(tmp_path / "series")
    assert image.GetSize() == VOLUME.shape[::-1]
    assert image.GetSpacing() == pytest.approx(SPACING_XYZ)
    np.testing.assert_array_equal(sitk.GetArrayFromImage(image), VOLUME)
    mask = _sitk(MASK, origin=image.GetOrigin())
    mask.SetDirection(image.GetDirection())
    image_only = extract(tmp_path / "series", mask, binWidth=10)
    assert image_only == pytest.approx(reference, rel=1e-12)


def test_numpy_files_and_arrays(tmp_path, reference):
    spacing_zyx = SPACING_XYZ[::-1]
    np.save(tmp_path / "img.npy", VOLUME)
    np.savez(tmp_path / "case.npz", image=VOLUME, spacing=np.array(spacing_zyx))
    np.savez(tmp_path / "mask.npz", mask=MASK)
    assert extract(VOLUME, MASK, spacing=spacing_zyx, binWidth=10) == pytest.approx(reference, rel=1e-12)
    assert extract(tmp_path / "case.npz", tmp_path / "mask.npz", binWidth=10, spacing=spacing_zyx) \
        == pytest.approx(reference, rel=1e-12)
    assert read_image(tmp_path / "case.npz").GetSpacing() == pytest.approx(SPACING_XYZ)
    assert read_image(tmp_path / "img.npy").GetSize() == VOLUME.shape[::-1]


@pytest.mark.parametrize("suffix", [".png", ".tif", ".bmp"])
def test_picture_formats(tmp_path, suffix):
    iio = pytest.importorskip("imageio.v3")
    gray = rng.integers(0, 255, size=(30, 40)).astype(np.uint8)
    mask = np.zeros_like(gray)
    mask[5:25, 8:30] = 1
    iio.imwrite(tmp_path / f"g{suffix}", gray)
    iio.imwrite(tmp_path / f"m{suffix}", mask)
    ours = extract(tmp_path / f"g{suffix}", tmp_path / f"m{suffix}")
    assert ours == pytest.approx(extract(gray, mask), rel=1e-12)
    assert ours["original_firstorder_Maximum"] == gray[mask == 1].max()


def test_rgb_picture_needs_a_channel_for_grey_families(tmp_path):
    iio = pytest.importorskip("imageio.v3")
    rgb = rng.integers(0, 255, size=(20, 20, 3)).astype(np.uint8)
    iio.imwrite(tmp_path / "c.png", rgb)
    img = read_image(tmp_path / "c.png")
    assert img.GetNumberOfComponentsPerPixel() == 3 and img.GetSize() == (20, 20)
    grey_only = {"featureClass": {"firstorder": []}}
    with pytest.raises(UnsupportedImageError, match=r"'firstorder' needs one grey channel.*set colorChannel"):
        Extractor(grey_only).execute(tmp_path / "c.png")
    red = Extractor(grey_only, colorChannel="R").execute(tmp_path / "c.png")
    assert red == pytest.approx(Extractor(grey_only).execute(rgb[..., 0]), rel=1e-12)
    luminance = Extractor(grey_only, colorChannel="gray").execute(tmp_path / "c.png")
    expected = rgb.astype(float) @ np.array([0.2125, 0.7154, 0.0721])
    assert luminance["original_firstorder_Mean"] == pytest.approx(expected.mean(), rel=1e-12)


def test_vector_mask_uses_label_channel():
    seg = np.stack([MASK, 1 - MASK], axis=-1).astype(np.uint8)
    vec = sitk.GetImageFromArray(seg, isVector=True)
    vec.CopyInformation(_sitk(MASK))
    a = Extractor(binWidth=10).execute(_sitk(VOLUME), vec, label_channel=0)
    b = Extractor(binWidth=10).execute(_sitk(VOLUME), vec, label_channel=1)
    assert a == pytest.approx(extract(_sitk(VOLUME), _sitk(MASK), binWidth=10))
    assert a["original_firstorder_Mean"] != b["original_firstorder_Mean"]


def test_no_mask_uses_whole_image():
    f = extract(_sitk(VOLUME))
    assert f["original_firstorder_Mean"] == pytest.approx(VOLUME.mean())


def test_label_all_gives_one_result_per_label():
    mask = MASK.copy()
    mask[5, :, :] = 3
    out = Extractor(binWidth=10).execute_all_labels(_sitk(VOLUME), _sitk(mask))
    assert list(out) == [1, 3]
    assert out[3]["original_firstorder_Mean"] == pytest.approx(VOLUME[5].mean())


# ---- bad input: each raises a radfeat exception naming the file and the problem ----

def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match=r"nothere\.nrrd: file not found"):
        extract(tmp_path / "nothere.nrrd")


def test_corrupt_file(tmp_path):
    bad = tmp_path / "broken.nrrd"
    bad.write_bytes(b"NRRD0004\ntype: short\ndimension: 3\nsizes: 10 10 10\nencoding: raw\n\n" + b"\0" * 10)
    with pytest.raises(ImageReadError, match=r"broken\.nrrd: cannot read image"):
        extract(bad)


def test_truncated_nifti(tmp_path):
    sitk.WriteImage(_sitk(VOLUME), str(tmp_path / "full.nii.gz"))
    data = gzip.decompress((tmp_path / "full.nii.gz").read_bytes())
    (tmp_path / "cut.nii.gz").write_bytes(gzip.compress(data[: len(data) // 2]))
    with pytest.raises(ImageReadError, match=r"cut\.nii\.gz: file is truncated"):
        extract(tmp_path / "cut.nii.gz")
    raw = (tmp_path / "full.nii.gz").read_bytes()
    (tmp_path / "cut2.nii.gz").write_bytes(raw[: len(raw) // 2])  # gzip stream cut mid-way
    with pytest.raises(ImageReadError, match=r"cut2\.nii\.gz: file is truncated"):
        extract(tmp_path / "cut2.nii.gz")


def test_not_an_image(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ImageReadError, match=r"notes\.txt"):
        extract(tmp_path / "notes.txt")


def test_size_mismatch(tmp_path):
    sitk.WriteImage(_sitk(VOLUME), str(tmp_path / "img.nrrd"))
    sitk.WriteImage(_sitk(MASK[:, :, :-1]), str(tmp_path / "small_mask.nrrd"))
    with pytest.raises(GeometryMismatchError, match=r"small_mask\.nrrd: mask does not match image .*img\.nrrd.*size"):
        extract(tmp_path / "img.nrrd", tmp_path / "small_mask.nrrd")


def test_spacing_mismatch_and_tolerance(tmp_path):
    sitk.WriteImage(_sitk(VOLUME), str(tmp_path / "img.nrrd"))
    sitk.WriteImage(_sitk(MASK, spacing=(0.7, 0.9, 2.5001)), str(tmp_path / "m.nrrd"))
    with pytest.raises(GeometryMismatchError, match=r"m\.nrrd.*spacing"):
        extract(tmp_path / "img.nrrd", tmp_path / "m.nrrd")
    # a tolerance that covers the difference accepts it
    f = extract(tmp_path / "img.nrrd", tmp_path / "m.nrrd", geometryTolerance=1e-3)
    assert np.isfinite(f["original_firstorder_Mean"])


def test_correct_mask_resamples_onto_image():
    # mask on a grid shifted by whole voxels and cropped: correctMask puts it back
    big = _sitk(MASK)
    cropped = big[1:11, 1:9, 0:6]
    f = extract(_sitk(VOLUME), cropped, correctMask=True, binWidth=10)
    assert f == pytest.approx(extract(_sitk(VOLUME), _sitk(MASK), binWidth=10), rel=1e-12)


def test_empty_mask():
    with pytest.raises(EmptyROIError, match="mask is empty"):
        extract(_sitk(VOLUME), _sitk(np.zeros_like(MASK)))


def test_wrong_label_names_labels_present():
    with pytest.raises(EmptyROIError, match=r"label 2 not present.*labels present: 1"):
        extract(_sitk(VOLUME), _sitk(MASK), label=2)


def test_single_voxel_roi():
    m = np.zeros_like(MASK)
    m[2, 3, 4] = 1
    with pytest.raises(InvalidROIError, match="single voxel"):
        extract(_sitk(VOLUME), _sitk(m))


def test_too_few_dimensions():
    m = np.zeros_like(MASK)
    m[2, 3, 2:8] = 1
    with pytest.raises(InvalidROIError, match="minimumROIDimensions"):
        extract(_sitk(VOLUME), _sitk(m))
    assert extract(_sitk(VOLUME), _sitk(m), minimumROIDimensions=1, binWidth=10)["original_firstorder_Range"] >= 0


def test_nan_in_roi(tmp_path):
    vol = VOLUME.astype(np.float32)
    vol[2, 4, 5] = np.nan
    sitk.WriteImage(_sitk(vol), str(tmp_path / "nan.nrrd"))
    with pytest.raises(NonFiniteValueError, match=r"nan\.nrrd: 1 NaN/infinite voxel"):
        extract(tmp_path / "nan.nrrd", _sitk(MASK))
    vol[2, 4, 5] = np.inf
    with pytest.raises(NonFiniteValueError):
        extract(vol, MASK)


def test_nan_outside_roi_is_fine():
    vol = VOLUME.astype(np.float64)
    vol[0, 0, 0] = np.nan
    assert np.isfinite(extract(vol, MASK)["original_firstorder_Mean"])


@pytest.mark.parametrize("arr", [VOLUME.astype(np.complex64), np.array([["a", "b"], ["c", "d"]])])
def test_unsupported_dtype(arr):
    with pytest.raises(UnsupportedImageError, match="unsupported pixel type"):
        extract(arr)


def test_errors_are_builtin_subclasses():
    assert issubclass(GeometryMismatchError, ValueError) and issubclass(ImageReadError, OSError)
    assert issubclass(UnsupportedImageError, TypeError) and issubclass(EmptyROIError, RadfeatError)
