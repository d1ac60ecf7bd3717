"""RoiData: what every feature family receives for one ROI of one image type."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from ..preprocessing.discretize import discretize

__all__ = ["RoiData"]


class RoiData:
    """One region of interest, cropped to its bounding box, ready for the feature kernels.

    Parameters
    ----------
    image : ndarray
        Intensities, 2D ``(y, x)`` or 3D ``(z, y, x)`` (SimpleITK's array order), any real dtype.
    mask : ndarray of bool
        ROI, same shape as ``image``.
    spacing : sequence of float
        Voxel size per **array axis** (``(z, y, x)`` for 3D), in mm.
    settings : dict
        The resolved settings (pyradiomics names), read-only.
    image_type : str
        Prefix of the feature names (``original``, ``log-sigma-1-0-mm-3D``, ...).
    """

    def __init__(self, image, mask, spacing, settings=None, image_type="original"):
        self.image = np.asarray(image)
        self.mask = np.asarray(mask, dtype=bool)
        self.spacing = tuple(float(s) for s in spacing)
        self.settings = dict(settings or {})
        self.image_type = image_type
        if self.image.shape != self.mask.shape or len(self.spacing) != self.image.ndim:
            raise ValueError("image, mask and spacing disagree in shape")

    @property
    def ndim(self) -> int:
        return self.image.ndim

    @cached_property
    def values(self) -> np.ndarray:
        """ROI intensities as float64, in C order of the voxels."""
        return self.image[self.mask].astype(np.float64)

    @cached_property
    def _discretized(self):
        return discretize(self.image.astype(np.float64, copy=False), self.mask, **self.settings)

    @property
    def levels(self) -> np.ndarray:
        """Discretised grey levels (1-based), 0 outside the ROI; same shape as ``image``."""
        return self._discretized[0]

    @property
    def bin_edges(self) -> np.ndarray:
        return self._discretized[1]

    @cached_property
    def n_levels(self) -> int:
        """``Ng``: the highest grey level present in the ROI (pyradiomics' definition)."""
        return int(self.levels[self.mask].max())
