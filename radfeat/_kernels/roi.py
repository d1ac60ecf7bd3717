"""ROI kernels (private): the voxel count and bounding box of one label of a label map."""

from __future__ import annotations


from .._jit import jit
from ._neighbours import empty_box, grow_box


@jit
def label_count_box(labels, label):
    """Voxels equal to ``label`` in a 3D label map, and their inclusive box ``(lo, hi)``.

    One pass without the boolean copy that ``labels == label`` makes; ``hi < lo`` when the count is 0.
    """
    lo, hi = empty_box(labels.shape)
    count = 0
    nx = labels.shape[2]
    for z in range(labels.shape[0]):
        for y in range(labels.shape[1]):
            first = -1
            last = -1
            for x in range(nx):
                if labels[z, y, x] == label:
                    count += 1
                    if first < 0:
                        first = x
                    last = x
            if first >= 0:
                grow_box(lo, hi, z, y, first, last)
    return count, lo, hi


@jit
def masked_levels_summary(levels, masks):
    """``(top, clean)`` of a stack of grey levels: the highest level inside the masks (0 if none)
    and whether every level outside them is 0 already (then no masked copy is needed)."""
    flat_l = levels.ravel()
    flat_m = masks.ravel()
    top = 0
    clean = True
    for j in range(flat_l.shape[0]):
        v = flat_l[j]
        if flat_m[j]:
            if v > top:
                top = v
        elif v != 0:
            clean = False
    return top, clean
