"""How texture features are aggregated over slices and directions (``textureAggregation``).

``pyradiomics`` (default) does what pyradiomics does: in 3D, features per direction averaged
over the 13 directions; with ``force2D``, one matrix per in-plane direction accumulated over all
slices, features averaged over the 4 directions. The IBSI-1 methods are named by their
reference-value suffixes:

=============  ====================================================================
``3D_avg``     3D matrix per direction, features averaged over directions
``3D_comb``    3D matrices of all directions merged into one, features of it
``2_5D_avg``   per in-plane direction, matrices merged over slices, features averaged
``2_5D_comb``  all slices and in-plane directions merged into one matrix
``2D_avg``     per slice and direction, features averaged over both
``2D_comb``    per slice, directions merged; features averaged over slices
=============  ====================================================================

Families without directions (GLSZM, GLDM, NGTDM) only distinguish 3D, 2.5D (slices merged)
and 2D (per slice, averaged). Slices are taken along ``force2Ddimension``; every slice keeps
the volume's grey-level discretisation. A slice on which the family is undefined (e.g. a single
voxel) is left out of the average.
"""

from __future__ import annotations

import numpy as np

from ..exceptions import InvalidROIError

__all__ = ["AGGREGATIONS", "compute_family"]

AGGREGATIONS = ("pyradiomics", "3D_avg", "3D_comb", "2_5D_avg", "2_5D_comb", "2D_avg", "2D_comb")


def compute_family(family, roi):
    """``family.compute(roi)`` under the ROI's ``textureAggregation`` setting."""
    method = roi.settings.get("textureAggregation", "pyradiomics")
    if family.kind != "texture" or method == "pyradiomics":
        return family.compute(roi)
    dim, _, how = method.rpartition("_")
    merge = family.directional and how == "comb"
    if dim == "3D":
        if roi.ndim != 3:
            raise InvalidROIError(f"textureAggregation {method} needs a 3D image")
        return family.compute(roi.with_settings(force2D=False, mergeDirections=merge))
    if dim == "2_5D" or roi.ndim == 2:
        return family.compute(roi.with_settings(force2D=True, mergeDirections=merge))
    axis = int(roi.settings.get("force2Ddimension", 0))
    per_slice = []
    for part in roi.slices(axis):
        try:
            per_slice.append(family.compute(part.with_settings(force2D=True, mergeDirections=merge)))
        except InvalidROIError:
            continue
    if not per_slice:
        raise InvalidROIError(f"{family.name}: no slice of the ROI along axis {axis} supports {method} features")
    return np.mean(per_slice, axis=0)
