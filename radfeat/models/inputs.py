"""Image preparation for the CNN: the same inputs as the radiomics transformer, as one tensor.

Items with a mask are cropped to the mask's bounding box (plus a margin) first — a CNN on a whole CT
volume around a small lesion would learn the wrong thing — then every image is resized to the
network's input size and put channels first.
"""

from __future__ import annotations

import math
import os

import numpy as np
import torch

from ..sklearn import _parse

F = torch.nn.functional

__all__ = ["CROP_MARGIN", "images_to_tensor"]

#: Fraction of the mask's bounding-box extent added on each side (rounded up) before cropping.
CROP_MARGIN = 0.1

#: Images converted per step on the stack path: bounds the float32 copy of a large uint8 stack.
_CHUNK = 256


def _kind(ndim, rgb):
    return f"{ndim}D {'RGB' if rgb else 'grey'}"


def _as_array(obj, where):
    import SimpleITK as sitk

    if isinstance(obj, np.ndarray):
        arr = obj
    elif isinstance(obj, sitk.Image):
        arr = sitk.GetArrayFromImage(obj)
    elif isinstance(obj, (str, os.PathLike)):
        from ..io.readers import read_image

        arr = sitk.GetArrayFromImage(read_image(obj))
    else:
        raise TypeError(f"{where}: expected an array, a SimpleITK image or a path, got {type(obj).__name__}")
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool) or np.iscomplexobj(arr):
        raise TypeError(f"{where}: expected integer or real pixels, got dtype {arr.dtype}")
    return arr


def _mask_box(mask, where):
    """Slices of the mask's nonzero bounding box, enlarged by CROP_MARGIN and clipped to the image."""
    box = []
    for axis, size in enumerate(mask.shape):
        # a projection per axis: cheaper than np.nonzero on a whole CT volume
        hits = np.flatnonzero(mask.any(axis=tuple(a for a in range(mask.ndim) if a != axis)))
        if hits.size == 0:
            raise ValueError(f"{where}: the mask is empty (no nonzero voxel), so there is nothing to crop to")
        lo, hi = int(hits[0]), int(hits[-1]) + 1
        pad = math.ceil(CROP_MARGIN * (hi - lo))
        box.append(slice(max(lo - pad, 0), min(hi + pad, size)))
    return tuple(box)


def _resize(batch, size):
    """``(N, C, *spatial)`` float32 resized to ``size`` per spatial axis (a no-op when it already is)."""
    shape = tuple(batch.shape[2:])
    target = (int(size),) * len(shape)
    if shape == target:
        return batch
    # antialias exists only for 2D bilinear; it matters when shrinking (e.g. 224 px -> 28 px)
    antialias = len(shape) == 2 and any(s > t for s, t in zip(shape, target))
    return F.interpolate(batch, size=target, mode="bilinear" if len(shape) == 2 else "trilinear",
                         align_corners=False, antialias=antialias)


def _check_finite(batch, first, where):
    bad = ~torch.isfinite(batch).flatten(1).all(1)
    if bool(bad.any()):
        i = first + int(torch.nonzero(bad)[0, 0])
        raise ValueError(f"{where}[{i}] has NaN or infinite pixels; a CNN cannot use them (impute or mask them "
                         "first)")


def _channels_first(batch, rgb):
    return batch.movedim(-1, 1) if rgb else batch.unsqueeze(1)


def _inputs_to_tensor(inputs, size, where="X"):
    """Parsed inputs (``radfeat.sklearn._parse``) as a float32 ``(N, C, *[size] * ndim)`` tensor."""
    ndim, rgb, n = inputs.ndim, inputs.rgb, len(inputs)
    out = torch.empty((n, 3 if rgb else 1) + (int(size),) * ndim, dtype=torch.float32)
    if inputs.stack is not None:
        for start in range(0, n, _CHUNK):
            chunk = np.ascontiguousarray(inputs.stack[start:start + _CHUNK], dtype=np.float32)
            chunk = _channels_first(torch.from_numpy(chunk), rgb)
            _check_finite(chunk, start, where)
            out[start:start + len(chunk)] = _resize(chunk, size)
        return out
    for i, (image, mask) in enumerate(inputs.items):
        name = f"{where}[{i}]"
        arr = _as_array(image, name)
        if arr.ndim != ndim + rgb or (rgb and arr.shape[-1] != 3):
            raise ValueError(f"{name}: expected a {_kind(ndim, rgb)} image like {where}[0], got shape {arr.shape}")
        if mask is not None:
            m = _as_array(mask, f"{name} mask")
            if m.shape != arr.shape[:ndim]:
                raise ValueError(f"{name}: mask shape {m.shape} differs from the image's {arr.shape[:ndim]}")
            arr = arr[_mask_box(m != 0, name)]
        t = _channels_first(torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))[None], rgb)
        _check_finite(t, i, where)
        out[i] = _resize(t, size)[0]
    return out


def images_to_tensor(X, image_size=28):
    """Images as the float32 tensor a CNN takes (before intensity normalisation).

    Parameters
    ----------
    X : array or list
        A stack ``(N, H, W)`` (grey), ``(N, H, W, 3)`` (RGB) or ``(N, D, H, W)`` (3D grey); or a
        list whose items are arrays, SimpleITK images, paths, or ``(image, mask)`` pairs (the
        mask may be None). An image with a mask is first cropped to the mask's nonzero bounding
        box, enlarged on each side by ``CROP_MARGIN`` (10 %) of its extent, rounded up, and
        clipped to the image.
    image_size : int, default 28
        Every image is resized to this many pixels per spatial axis (bilinear in 2D, with
        antialiasing when shrinking; trilinear in 3D; ``align_corners=False``), unless it already
        has that shape.

    Returns
    -------
    torch.Tensor
        ``(N, C, *[image_size] * ndim)`` with ``C = 3`` for RGB, 1 for grey.

    Raises
    ------
    ValueError
        NaN or infinite pixels, an empty mask, a mask whose shape differs from its image's, or
        samples of different dimensionality or colour.
    """
    return _inputs_to_tensor(_parse(X), image_size)
