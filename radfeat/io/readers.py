"""Readers: every supported input becomes a SimpleITK image with its geometry.

Medical formats (NRRD, NIfTI, MHA/MHD, a DICOM series folder, ...) go through SimpleITK; 2D
picture formats (PNG, JPEG, TIFF, BMP) through imageio; ``.npy``/``.npz`` and in-memory arrays
through numpy. Arrays use SimpleITK's array order (``(z, y, x)`` or ``(y, x)``) and their
``spacing`` is given in that same order. DICOM headers are read for geometry only: no patient
field is ever copied anywhere.
"""

from __future__ import annotations

import hashlib
import re
import os
from pathlib import Path

import numpy as np
import SimpleITK as sitk

from ..exceptions import ImageReadError, UnsupportedImageError

__all__ = ["read_image", "array_to_image", "file_sha256", "describe", "PICTURE_SUFFIXES"]

PICTURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif"}


def describe(source) -> str:
    """A short human name for an input, used in error messages."""
    if isinstance(source, (str, os.PathLike)):
        return str(source)
    if isinstance(source, sitk.Image):
        return f"<SimpleITK image {source.GetSize()}>"
    if isinstance(source, np.ndarray):
        return f"<array {source.shape} {source.dtype}>"
    return f"<{type(source).__name__}>"


def file_sha256(path, chunk=1 << 20) -> str:
    """sha256 of a file, or of every file of a folder (DICOM series) in name order."""
    h = hashlib.sha256()
    p = Path(path)
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(chunk), b""):
                h.update(block)
    return h.hexdigest()


def array_to_image(array, spacing=None, origin=None, direction=None, *, is_vector=False) -> sitk.Image:
    """Wrap a numpy array (``(z, y, x)`` / ``(y, x)``, channels last if ``is_vector``) as an image.

    ``spacing`` and ``origin`` are given in the array's axis order and reversed for SimpleITK.
    """
    array = np.asarray(array)
    if array.dtype == bool:
        array = array.astype(np.uint8)
    _check_dtype(array.dtype, describe(array))
    try:
        image = sitk.GetImageFromArray(array, isVector=is_vector)
    except Exception as exc:  # SimpleITK raises RuntimeError/TypeError for odd layouts
        raise UnsupportedImageError(f"{describe(array)}: cannot be used as an image ({exc})") from None
    nd = image.GetDimension()
    if spacing is not None:
        spacing = _per_axis(spacing, nd, "spacing", describe(array))
        if any(s <= 0 for s in spacing):
            raise UnsupportedImageError(f"{describe(array)}: spacing must be positive, got {tuple(spacing)}")
        image.SetSpacing([float(s) for s in spacing[::-1]])
    if origin is not None:
        image.SetOrigin([float(o) for o in _per_axis(origin, nd, "origin", describe(array))[::-1]])
    if direction is not None:
        image.SetDirection([float(d) for d in np.asarray(direction, float).ravel()])
    return image


def _per_axis(values, nd, what, name):
    values = [float(v) for v in np.atleast_1d(values)]
    if len(values) == 1:
        values = values * nd
    if len(values) != nd:
        raise UnsupportedImageError(f"{name}: {what} has {len(values)} values for a {nd}D image")
    return values


def _check_dtype(dtype, name):
    if not (np.issubdtype(dtype, np.integer) or np.issubdtype(dtype, np.floating)):
        raise UnsupportedImageError(f"{name}: unsupported pixel type {dtype} (need integer or real numbers)")


def read_image(source, *, spacing=None, key=None) -> sitk.Image:
    """Read ``source`` into a SimpleITK image.

    Parameters
    ----------
    source : str, Path, SimpleITK.Image or ndarray
        A file (NRRD, NIfTI, MHA/MHD, PNG/JPEG/TIFF/BMP, NPY/NPZ, any SimpleITK format), a DICOM
        series folder, an image object or an array.
    spacing : sequence of float, optional
        Voxel size in array axis order, for arrays and picture files (default 1 mm).
    key : str, optional
        Array name inside an ``.npz`` file (default: ``image``, else the only array).

    Raises
    ------
    ImageReadError
        Missing or unreadable file, naming it.
    UnsupportedImageError
        Complex or non-numeric pixels.
    """
    if isinstance(source, sitk.Image):
        return source
    if isinstance(source, np.ndarray):
        return array_to_image(source, spacing)
    if not isinstance(source, (str, os.PathLike)):
        raise ImageReadError(f"cannot read an image from a {type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise ImageReadError(f"{path}: file not found")
    try:
        if path.is_dir():
            return _read_dicom_series(path)
        suffix = path.suffix.lower()
        if suffix == ".npy":
            return array_to_image(np.load(path, allow_pickle=False), spacing)
        if suffix == ".npz":
            return _read_npz(path, spacing, key)
        if suffix in PICTURE_SUFFIXES:
            return _read_picture(path, spacing)
        if path.name.lower().endswith((".nii", ".nii.gz")):
            _check_nifti_complete(path)
        image = sitk.ReadImage(str(path))
    except (ImageReadError, UnsupportedImageError):
        raise
    except Exception as exc:
        raise ImageReadError(f"{path}: cannot read image ({_first_line(exc)})") from None
    if image.GetNumberOfComponentsPerPixel() == 1:
        _check_dtype(np.dtype(sitk.GetArrayViewFromImage(image).dtype), str(path))
    return image


def _first_line(exc) -> str:
    # ITK names its objects by address ("NrrdImageIO(0x55...)"): dropped, so messages are reproducible
    text = re.sub(r"\(0x[0-9a-fA-F]+\)", "", str(exc))
    lines = [t.strip() for t in text.strip().splitlines() if t.strip()]
    # SimpleITK puts the useful sentence after "sitk::ERROR:", behind source-file locations.
    for line in reversed(lines):
        if "ERROR:" in line:
            return line.split("ERROR:", 1)[1].strip()[:300]
    return (lines[-1] if lines else type(exc).__name__)[:300]


def _check_nifti_complete(path: Path) -> None:
    """Raise ImageReadError if a NIfTI file holds fewer voxel bytes than its header promises.

    ITK's reader zero-fills a short NIfTI payload without complaint, which would silently turn a
    truncated download into wrong features.
    """
    import gzip
    import struct

    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(540)
            size = len(head)
            while True:
                block = fh.read(1 << 22)
                if not block:
                    break
                size += len(block)
    except (OSError, EOFError) as exc:
        raise ImageReadError(f"{path}: file is truncated or corrupt ({exc})") from None
    for endian in "<>":
        if len(head) >= 4 and struct.unpack(endian + "i", head[:4])[0] in (348, 540):
            break
    else:
        raise ImageReadError(f"{path}: not a NIfTI file (bad header size)")
    if struct.unpack(endian + "i", head[:4])[0] == 348:
        dims = struct.unpack(endian + "8h", head[40:56])
        bitpix = struct.unpack(endian + "h", head[72:74])[0]
        offset = int(struct.unpack(endian + "f", head[108:112])[0])
    else:
        bitpix = struct.unpack(endian + "h", head[14:16])[0]
        dims = struct.unpack(endian + "8q", head[16:80])
        offset = struct.unpack(endian + "q", head[168:176])[0]
    n_vox = int(np.prod([max(int(d), 1) for d in dims[1:1 + max(int(dims[0]), 1)]]))
    expected = offset + n_vox * bitpix // 8
    if size < expected:
        raise ImageReadError(f"{path}: file is truncated ({size} bytes, header needs {expected})")


def _read_dicom_series(folder: Path) -> sitk.Image:
    reader = sitk.ImageSeriesReader()
    ids = reader.GetGDCMSeriesIDs(str(folder))
    if not ids:
        raise ImageReadError(f"{folder}: folder holds no DICOM series")
    if len(ids) > 1:
        raise ImageReadError(f"{folder}: folder holds {len(ids)} DICOM series; give one series per folder")
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder), ids[0]))
    return reader.Execute()


def _read_npz(path: Path, spacing, key):
    with np.load(path, allow_pickle=False) as z:
        names = list(z.keys())
        if key is None:
            key = "image" if "image" in names else (names[0] if len(names) == 1 else None)
        if key not in names:
            raise ImageReadError(f"{path}: no array {key!r} in npz (arrays: {', '.join(names)})")
        array = z[key]
        if spacing is None and "spacing" in names:
            spacing = z["spacing"]
    return array_to_image(array, spacing)


def _read_picture(path: Path, spacing):
    import imageio.v3 as iio

    array = np.asarray(iio.imread(path))
    if array.ndim == 3 and array.shape[-1] in (3, 4):
        # RGB(A) picture: drop alpha, keep colour as a vector image
        return array_to_image(array[..., :3], spacing, is_vector=True)
    return array_to_image(array, spacing)
