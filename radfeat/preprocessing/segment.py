"""Automatic segmentation for images that come without a mask (a lesion on a tile, a fundus disc).

One pure function, :func:`auto_segment`: threshold (Otsu, or a given value), then clean the mask
with connected components and hole filling. It returns the mask and a dict saying what it did,
for the extraction's provenance.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import ConfigError, EmptyROIError, UnsupportedImageError

__all__ = ["auto_segment", "SEGMENT_METHODS"]

SEGMENT_METHODS = ("otsu", "threshold")


def auto_segment(image, method="otsu", *, threshold=None, invert=False, largest_component=True,
                 fill_holes=True, min_size=0, connectivity=1, nbins=256, channel_axis=None):
    """Segment the foreground of a 2D or 3D image by thresholding, then clean it up.

    Steps, in order:

    1. RGB input (``channel_axis=-1``) is reduced to its luminance
       ``Y = 0.2125 R + 0.7154 G + 0.0721 B`` (``skimage.color.rgb2gray``'s weights) on the
       original intensity scale, exactly the grey image the extractor builds with
       ``colorChannel: gray`` (:func:`radfeat.preprocessing.colour.grey_channel`); thresholds for
       8-bit RGB are therefore in 0-255 (``rgb2gray`` would give ``Y / 255``).
    2. Threshold ``t``: ``skimage.filters.threshold_otsu(image, nbins)`` (on the image as given:
       integer images use one bin per integer, as scikit-image does) or the ``threshold`` given.
       Foreground is ``image > t`` (scikit-image's convention), or ``image <= t`` with
       ``invert`` (a dark lesion on bright skin).
    3. Connected components (``scipy.ndimage.label``; ``connectivity`` 1 = faces, up to
       ``ndim`` = faces, edges and corners); components smaller than ``min_size`` voxels are
       dropped; with ``largest_component`` only the largest is kept (ties: the first in C order).
    4. With ``fill_holes``, background regions not connected to the image border become
       foreground (``scipy.ndimage.binary_fill_holes``; in 3D only cavities enclosed in 3D are
       filled, not holes that are open through a slice).

    Parameters
    ----------
    image : ndarray
        2D ``(y, x)`` or 3D ``(z, y, x)``; RGB with a trailing channel axis and ``channel_axis=-1``.
    method : {"otsu", "threshold"}
    threshold : float, optional
        Required for ``method="threshold"`` (luminance on the image's scale for RGB).
    invert : bool
        Keep the voxels at or below the threshold instead of above it.
    largest_component : bool
        Keep only the largest connected component.
    fill_holes : bool
        Fill enclosed holes of the final mask.
    min_size : int
        Drop components with fewer voxels (0: keep all).
    connectivity : int
        1 (faces: 4-connected in 2D, 6 in 3D) to ``ndim`` (8 in 2D, 26 in 3D).
    nbins : int
        Histogram bins for Otsu (float images).
    channel_axis : None or -1
        ``-1`` for an RGB image.

    Returns
    -------
    mask : ndarray of bool
        The image's spatial shape.
    info : dict
        ``method``, ``threshold`` (the value used), ``invert``, ``luminance`` (RGB reduced to grey),
        ``above_threshold`` (voxels after step 2), ``components`` (found), ``removed_small``
        (dropped by ``min_size``), ``kept_components``, ``largest_component_voxels``,
        ``holes_filled`` (voxels added by step 4), ``voxels`` (in the final mask).

    Raises
    ------
    EmptyROIError
        When no voxel passes the threshold (e.g. a flat image) or every component is smaller
        than ``min_size``; the message gives the threshold and the counts.
    ConfigError
        Unknown method, or ``method="threshold"`` without ``threshold``.
    """
    from scipy import ndimage

    image = np.asarray(image)
    luminance = channel_axis is not None
    if luminance:
        if channel_axis not in (-1, image.ndim - 1) or image.shape[-1] != 3:
            raise UnsupportedImageError(f"channel_axis=-1 needs an RGB image (..., 3), got shape {image.shape}")
        from .colour import LUMINANCE_WEIGHTS

        image = image.astype(np.float64) @ np.array(LUMINANCE_WEIGHTS)
    if image.ndim not in (2, 3):
        raise UnsupportedImageError(f"auto_segment: expected a 2D or 3D image, got shape {image.shape}")
    if method not in SEGMENT_METHODS:
        from ..features.registry import did_you_mean

        raise ConfigError(f"unknown segmentation method {method!r}" + did_you_mean(method, SEGMENT_METHODS)
                          + f"; methods: {', '.join(SEGMENT_METHODS)}")
    if not 1 <= int(connectivity) <= image.ndim:
        raise ConfigError(f"connectivity must be 1 to {image.ndim} for a {image.ndim}D image, got {connectivity!r}")
    if method == "threshold":
        if threshold is None:
            raise ConfigError("auto_segment: method 'threshold' needs a threshold value")
        t = float(threshold)
    else:
        if threshold is not None:
            raise ConfigError("auto_segment: a threshold is given but method is 'otsu' (use method='threshold')")
        from skimage.filters import threshold_otsu

        t = float(threshold_otsu(image, nbins=int(nbins)))

    mask = image <= t if invert else image > t
    side = "at or below" if invert else "above"
    info = {"method": method, "threshold": t, "invert": bool(invert), "luminance": luminance,
            "above_threshold": int(mask.sum())}
    if not info["above_threshold"]:
        raise EmptyROIError(f"auto_segment: no voxel {side} the {method} threshold {t:g} (image range "
                            f"[{image.min():g}, {image.max():g}]); the segmentation is empty")

    structure = ndimage.generate_binary_structure(image.ndim, int(connectivity))
    labels, n = ndimage.label(mask, structure=structure)
    sizes = np.bincount(labels.ravel(), minlength=n + 1)
    sizes[0] = 0
    keep = sizes >= max(int(min_size), 1)
    keep[0] = False
    info.update(components=int(n), removed_small=int(n - keep.sum()))
    if not keep.any():
        raise EmptyROIError(f"auto_segment: all {n} components {side} the threshold {t:g} are smaller than "
                            f"min_size={min_size} voxels (largest: {sizes.max()}); the segmentation is empty")
    if largest_component:
        # argmax picks the lowest label among equal sizes: the first component in C order
        keep[:] = False
        keep[int(np.argmax(sizes))] = True
    mask = keep[labels]
    info.update(kept_components=int(keep.sum()), largest_component_voxels=int(sizes[keep].max()))
    if fill_holes:
        filled = ndimage.binary_fill_holes(mask)
        info["holes_filled"] = int(filled.sum() - mask.sum())
        mask = filled
    else:
        info["holes_filled"] = 0
    info["voxels"] = int(mask.sum())
    return mask, info
