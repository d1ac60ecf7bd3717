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
        Intensities, 2D ``(y, x)`` or 3D ``(z, y, x)`` (SimpleITK's array order), any real dtype;
        colour images have a trailing channel axis (``(y, x, 3)``), see ``channels``.
    mask : ndarray of bool
        ROI, same shape as ``image``.
    spacing : sequence of float
        Voxel size per **array axis** (``(z, y, x)`` for 3D), in mm.
    settings : dict
        The resolved settings (pyradiomics names), read-only.
    image_type : str
        Prefix of the feature names (``original``, ``log-sigma-1-0-mm-3D``, ...).
    levels, n_levels : optional
        Grey levels already discretised over a larger ROI (used when one ROI is split into
        slices, so every slice shares the volume's bins and ``Ng``).
    """

    def __init__(self, image, mask, spacing, settings=None, image_type="original", *, levels=None,
                 n_levels=None):
        self.image = np.asarray(image)
        self.mask = np.asarray(mask, dtype=bool)
        self.spacing = tuple(float(s) for s in spacing)
        self.settings = dict(settings or {})
        self.image_type = image_type
        # colour images carry a trailing channel axis that the mask and spacing do not have
        self.channels = self.image.shape[-1] if self.image.ndim == self.mask.ndim + 1 else None
        spatial = self.image.shape[:-1] if self.channels else self.image.shape
        if spatial != self.mask.shape or len(self.spacing) != self.mask.ndim:
            raise ValueError("image, mask and spacing disagree in shape")
        if levels is not None:
            levels = np.where(self.mask, levels, 0).astype(np.int64)
            self.__dict__["_discretized"] = (levels, None)
        if n_levels is not None:
            self.__dict__["n_levels"] = int(n_levels)

    def with_settings(self, **changes) -> "RoiData":
        """The same ROI (sharing its discretisation) with some settings changed."""
        new = RoiData(self.image, self.mask, self.spacing, {**self.settings, **changes}, self.image_type,
                      levels=self.levels, n_levels=self.n_levels)
        new.__dict__["_discretized"] = self._discretized
        return new

    def slices(self, axis: int):
        """One thin 3D RoiData per slice along ``axis`` that holds ROI voxels (shared grey levels)."""
        for k in range(self.image.shape[axis]):
            index = [slice(None)] * self.image.ndim
            index[axis] = slice(k, k + 1)
            index = tuple(index)
            if self.mask[index].any():
                yield RoiData(self.image[index], self.mask[index], self.spacing, self.settings, self.image_type,
                              levels=self.levels[index], n_levels=self.n_levels)

    @property
    def ndim(self) -> int:
        """Spatial dimensions (2 or 3), not counting a colour channel axis."""
        return self.mask.ndim

    @cached_property
    def values(self) -> np.ndarray:
        """ROI intensities as float64, in C order of the voxels."""
        return self.image[self.mask].astype(np.float64)

    @cached_property
    def _discretized(self):
        return discretize(self.image, self.mask, **self.settings)

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
        from .._kernels.roi import masked_levels_summary

        # one pass, without gathering the ROI's levels
        return int(masked_levels_summary(np.ascontiguousarray(self.levels), np.ascontiguousarray(self.mask))[0])
