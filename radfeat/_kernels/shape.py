"""Shape kernels: marching cubes/squares meshes, mesh diameters and the ROI covariance (private).

Arrays and scalars in, arrays and scalars out, no validation. Masks passed here are already
padded by one zero voxel on every side, exactly like pyradiomics pads before meshing, so every
vertex coordinate (and therefore every rounding step) matches pyradiomics' ``cshape.c``.

Mesh vertices sit halfway between an ROI voxel and a non-ROI voxel. Coordinates of such points
are kept as integer *doubled* grid indices ``G`` (``2 * index`` for a voxel centre, odd for a
midpoint), which makes "same slice/row/column" tests exact; the physical coordinate is
``(0.5 * G) * spacing``, bit-for-bit the value ``(index + 0.5) * spacing`` pyradiomics computes.

Parallel kernels (``pjit``) are called only from the plain-Python dispatchers here, never from
another jitted function: a cached jitted caller of a parallel function segfaults once it is
loaded back from the cache (numba issue #8578, still open in numba 0.68).
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import get_num_threads, jit, pjit, prange

__all__ = ["marching_cubes", "marching_squares", "boundary_vertices", "mesh_diameters", "contour_diameter",
           "roi_covariance", "mask_moments"]

# Below these sizes (a few ms of serial work) a parallel launch costs about what it saves: thread
# wake-up is ~20 us on an idle machine but milliseconds on a busy one. Results are identical
# either way.
PARALLEL_MIN_CUBES = 1_000_000
PARALLEL_MIN_PAIRS = 4_000_000

#: Points per block in the diameter search (bounding-box culling works block by block).
BLOCK = 32

#: Up to this many candidate points the diameter search compares every pair directly.
BRUTE_MAX_POINTS = 256

# ---------------------------------------------------------------------------------------------
# Lookup tables (ported from pyradiomics 3.0.1 cshape.c; axis order (z, y, x)).
# ---------------------------------------------------------------------------------------------

#: Corner ``k`` of a marching cube, relative to its origin voxel; corner ``k`` sets bit ``k``.
GRID_ANGLES_3D = np.array([[0, 0, 0], [0, 0, 1], [0, 1, 1], [0, 1, 0],
                           [1, 0, 0], [1, 0, 1], [1, 1, 1], [1, 1, 0]], dtype=np.int64)

#: Position of the vertex on each of the 12 cube edges (always the edge midpoint).
VERT_LIST_3D = np.array([[0.0, 0.0, 0.5], [0.0, 0.5, 1.0], [0.0, 1.0, 0.5], [0.0, 0.5, 0.0],
                         [1.0, 0.0, 0.5], [1.0, 0.5, 1.0], [1.0, 1.0, 0.5], [1.0, 0.5, 0.0],
                         [0.5, 0.0, 0.0], [0.5, 0.0, 1.0], [0.5, 1.0, 1.0], [0.5, 1.0, 0.0]],
                        dtype=np.float64)

#: Triangles (edge triplets, -1 terminated) of cube indices 0..127. Indices >= 128 use the
#: complement with the volume sign flipped, which keeps normals pointing outward.
TRI_TABLE = np.array([
    [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 0
    [ 0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 1
    [ 1,  9,  0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 2
    [ 1,  8,  3,  1,  9,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 3
    [ 1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 4
    [ 0,  8,  3,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 5
    [ 9,  2, 10,  0,  2,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 6
    [ 2,  8,  3,  2, 10,  8, 10,  9,  8, -1, -1, -1, -1, -1, -1, -1],  # 7
    [11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 8
    [11,  2,  0,  0,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 9
    [ 1,  9,  0, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 10
    [11,  2,  1,  1,  9, 11,  9,  8, 11, -1, -1, -1, -1, -1, -1, -1],  # 11
    [ 3, 10,  1, 11, 10,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 12
    [10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1, -1, -1, -1],  # 13
    [ 9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1, -1, -1, -1],  # 14
    [ 9,  8, 10, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 15
    [ 4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 16
    [ 0,  4,  3,  4,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 17
    [ 1,  9,  0,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 18
    [ 1,  9,  4,  1,  4,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1],  # 19
    [ 1,  2, 10,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 20
    [ 3,  4,  7,  3,  0,  4,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1],  # 21
    [ 9,  2, 10,  9,  0,  2,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1],  # 22
    [ 2, 10,  9,  2,  9,  7,  2,  7,  3,  4,  7,  9, -1, -1, -1, -1],  # 23
    [ 4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 24
    [11,  4,  7, 11,  2,  4,  2,  0,  4, -1, -1, -1, -1, -1, -1, -1],  # 25
    [ 1,  9,  0,  4,  7,  8, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1],  # 26
    [ 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2, -1, -1, -1, -1],  # 27
    [ 3, 10,  1, 11, 10,  3,  4,  7,  8, -1, -1, -1, -1, -1, -1, -1],  # 28
    [11, 10,  1,  1,  4, 11,  1,  0,  4,  4,  7, 11, -1, -1, -1, -1],  # 29
    [ 4,  7,  8,  9,  0,  3,  3, 11,  9, 11, 10,  9, -1, -1, -1, -1],  # 30
    [ 4,  7, 11,  4, 11,  9,  9, 11, 10, -1, -1, -1, -1, -1, -1, -1],  # 31
    [ 9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 32
    [ 9,  5,  4,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 33
    [ 0,  5,  4,  0,  1,  5, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 34
    [ 8,  5,  4,  8,  3,  5,  3,  1,  5, -1, -1, -1, -1, -1, -1, -1],  # 35
    [ 1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 36
    [ 0,  8,  3,  1,  2, 10,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1],  # 37
    [ 2, 10,  5,  5,  4,  2,  2,  4,  0, -1, -1, -1, -1, -1, -1, -1],  # 38
    [ 2, 10,  5,  3,  2,  5,  3,  5,  4,  8,  3,  4, -1, -1, -1, -1],  # 39
    [ 9,  5,  4, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 40
    [11,  2,  0,  0,  8, 11,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1],  # 41
    [ 0,  5,  4,  0,  1,  5, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1],  # 42
    [ 2,  1,  5,  2,  5,  8, 11,  2,  8,  5,  4,  8, -1, -1, -1, -1],  # 43
    [ 3, 10,  1, 11, 10,  3,  9,  5,  4, -1, -1, -1, -1, -1, -1, -1],  # 44
    [ 5,  4,  9, 10,  1,  0,  0,  8, 10,  8, 11, 10, -1, -1, -1, -1],  # 45
    [ 5,  4,  0,  5,  0, 11, 10,  5, 11, 11,  0,  3, -1, -1, -1, -1],  # 46
    [ 5,  4,  8, 10,  5,  8, 11, 10,  8, -1, -1, -1, -1, -1, -1, -1],  # 47
    [ 7,  8,  9,  5,  7,  9, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 48
    [ 3,  0,  9,  5,  3,  9,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1],  # 49
    [ 7,  8,  0,  0,  1,  7,  7,  1,  5, -1, -1, -1, -1, -1, -1, -1],  # 50
    [ 1,  5,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 51
    [ 7,  8,  9,  5,  7,  9,  1,  2, 10, -1, -1, -1, -1, -1, -1, -1],  # 52
    [ 1,  2, 10,  3,  0,  9,  3,  9,  5,  3,  5,  7, -1, -1, -1, -1],  # 53
    [ 0,  2,  8,  8,  2,  5,  8,  5,  7,  2, 10,  5, -1, -1, -1, -1],  # 54
    [ 2, 10,  5,  2,  5,  3,  3,  5,  7, -1, -1, -1, -1, -1, -1, -1],  # 55
    [ 5,  7,  9,  7,  8,  9, 11,  2,  3, -1, -1, -1, -1, -1, -1, -1],  # 56
    [ 5,  7,  9,  9,  7,  2,  2,  0,  9, 11,  2,  7, -1, -1, -1, -1],  # 57
    [11,  2,  3,  0,  1,  8,  1,  7,  8,  1,  5,  7, -1, -1, -1, -1],  # 58
    [ 2,  1, 11,  1,  7, 11,  1,  5,  7, -1, -1, -1, -1, -1, -1, -1],  # 59
    [ 7,  8,  9,  5,  7,  9,  3, 10,  1, 11, 10,  3, -1, -1, -1, -1],  # 60
    [ 5,  7,  0,  5,  0,  9,  7, 11,  0, 10,  1,  0, 11, 10,  0, -1],  # 61
    [11, 10,  0,  0,  3, 11, 10,  5,  0,  0,  7,  8,  5,  7,  0, -1],  # 62
    [11, 10,  5,  5,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 63
    [ 6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 64
    [ 0,  8,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 65
    [ 1,  9,  0,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 66
    [ 1,  8,  3,  1,  9,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 67
    [ 1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 68
    [ 1,  6,  5,  1,  2,  6,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1],  # 69
    [ 9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1, -1, -1, -1],  # 70
    [ 5,  9,  8,  5,  8,  2,  5,  2,  6,  8,  3,  2, -1, -1, -1, -1],  # 71
    [11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 72
    [11,  2,  0,  0,  8, 11,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 73
    [ 1,  9,  0, 11,  2,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 74
    [11,  2,  1,  1,  9, 11,  9,  8, 11,  6,  5, 10, -1, -1, -1, -1],  # 75
    [ 6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1, -1, -1, -1],  # 76
    [ 0,  8, 11,  0, 11,  5,  0,  5,  1,  5, 11,  6, -1, -1, -1, -1],  # 77
    [ 6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1, -1, -1, -1],  # 78
    [ 6,  5,  9,  6,  9, 11, 11,  9,  8, -1, -1, -1, -1, -1, -1, -1],  # 79
    [ 4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 80
    [ 0,  4,  3,  4,  7,  3,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 81
    [ 1,  9,  0,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 82
    [ 1,  9,  4,  1,  4,  7,  1,  7,  3,  6,  5, 10, -1, -1, -1, -1],  # 83
    [ 4,  7,  8,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1, -1, -1, -1],  # 84
    [ 0,  4,  3,  4,  7,  3,  1,  6,  5,  1,  2,  6, -1, -1, -1, -1],  # 85
    [ 4,  7,  8,  9,  6,  5,  9,  0,  6,  0,  2,  6, -1, -1, -1, -1],  # 86
    [ 7,  3,  9,  4,  7,  9,  3,  2,  9,  5,  9,  6,  2,  6,  9, -1],  # 87
    [11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1, -1, -1, -1],  # 88
    [11,  4,  7, 11,  2,  4,  2,  0,  4,  6,  5, 10, -1, -1, -1, -1],  # 89
    [ 1,  9,  0, 11,  2,  3,  4,  7,  8,  6,  5, 10, -1, -1, -1, -1],  # 90
    [ 4,  7, 11,  9,  4, 11, 11,  2,  9,  1,  9,  2,  6,  5, 10, -1],  # 91
    [ 4,  7,  8,  6,  3, 11,  6,  5,  3,  5,  1,  3, -1, -1, -1, -1],  # 92
    [ 5,  1, 11,  5, 11,  6,  1,  0, 11,  4,  7, 11,  0,  4, 11, -1],  # 93
    [ 4,  7,  8,  6,  3, 11,  0,  3,  6,  0,  6,  5,  0,  5,  9, -1],  # 94
    [ 6,  5,  9,  6,  9, 11,  4,  7,  9,  7, 11,  9, -1, -1, -1, -1],  # 95
    [10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 96
    [10,  4,  9,  6,  4, 10,  0,  8,  3, -1, -1, -1, -1, -1, -1, -1],  # 97
    [ 0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1],  # 98
    [ 1,  8,  3,  1,  6,  8,  8,  6,  4,  6,  1, 10, -1, -1, -1, -1],  # 99
    [ 1,  4,  9,  1,  2,  4,  2,  6,  4, -1, -1, -1, -1, -1, -1, -1],  # 100
    [ 1,  4,  9,  1,  2,  4,  2,  6,  4,  0,  8,  3, -1, -1, -1, -1],  # 101
    [ 0,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 102
    [ 8,  3,  2,  8,  2,  4,  4,  2,  6, -1, -1, -1, -1, -1, -1, -1],  # 103
    [11,  2,  3, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1, -1, -1, -1],  # 104
    [11,  2,  0,  0,  8, 11, 10,  4,  9,  6,  4, 10, -1, -1, -1, -1],  # 105
    [11,  2,  3,  0,  1, 10, 10,  6,  0,  6,  4,  0, -1, -1, -1, -1],  # 106
    [ 6,  4,  1,  6,  1, 10,  1,  4,  8, 11,  2,  1,  1,  8, 11, -1],  # 107
    [ 9,  6,  4,  3,  6,  9,  1,  3,  9, 11,  6,  3, -1, -1, -1, -1],  # 108
    [ 1,  8, 11,  0,  8,  1, 11,  6,  1,  1,  4,  9,  6,  4,  1, -1],  # 109
    [ 6,  3, 11,  0,  3,  6,  6,  4,  0, -1, -1, -1, -1, -1, -1, -1],  # 110
    [ 8,  6,  4,  6,  8, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 111
    [ 6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1, -1, -1, -1],  # 112
    [ 6,  7, 10,  0, 10,  7,  0,  9, 10,  0,  7,  3, -1, -1, -1, -1],  # 113
    [ 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, -1, -1, -1, -1],  # 114
    [ 6,  7, 10,  1, 10,  7,  1,  7,  3, -1, -1, -1, -1, -1, -1, -1],  # 115
    [ 1,  2,  6,  1,  6,  8,  1,  8,  9,  6,  7,  8, -1, -1, -1, -1],  # 116
    [ 2,  6,  9,  1,  2,  9,  6,  7,  9,  3,  0,  9,  7,  3,  9, -1],  # 117
    [ 0,  7,  8,  7,  0,  6,  6,  0,  2, -1, -1, -1, -1, -1, -1, -1],  # 118
    [ 2,  7,  3,  2,  6,  7, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 119
    [11,  2,  3,  6,  7, 10,  7,  8, 10,  8,  9, 10, -1, -1, -1, -1],  # 120
    [ 2,  0,  7, 11,  2,  7,  0,  9,  7,  6,  7, 10,  9, 10,  7, -1],  # 121
    [ 6,  7, 10,  1, 10,  7,  1,  7,  8,  0,  1,  8, 11,  2,  3, -1],  # 122
    [11,  2,  1,  1,  7, 11, 10,  6,  1,  1,  6,  7, -1, -1, -1, -1],  # 123
    [ 8,  9,  6,  6,  7,  8,  1,  6,  9, 11,  6,  3,  1,  3,  6, -1],  # 124
    [ 0,  9,  1,  6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 125
    [ 0,  7,  8,  7,  0,  6,  0,  3, 11, 11,  6,  0, -1, -1, -1, -1],  # 126
    [ 6,  7, 11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1],  # 127
], dtype=np.int64)

#: Corner ``k`` of a marching square (y, x); corner ``k`` sets bit ``k``.
GRID_ANGLES_2D = np.array([[0, 0], [0, 1], [1, 1], [1, 0]], dtype=np.int64)

#: Position of the vertex on each of the 4 square edges.
VERT_LIST_2D = np.array([[0.0, 0.5], [0.5, 1.0], [1.0, 0.5], [0.5, 0.0]], dtype=np.float64)

#: Line segments (edge pairs, -1 terminated) of square indices 0..15, oriented so that the
#: signed triangle (origin, a, b) areas add up to the enclosed surface.
LINE_TABLE_2D = np.array([
    [-1, -1, -1, -1, -1], [3, 0, -1, -1, -1], [0, 1, -1, -1, -1], [3, 1, -1, -1, -1],
    [1, 2, -1, -1, -1], [1, 2, 3, 0, -1], [0, 2, -1, -1, -1], [3, 2, -1, -1, -1],
    [2, 3, -1, -1, -1], [2, 0, -1, -1, -1], [0, 1, 2, 3, -1], [2, 1, -1, -1, -1],
    [1, 3, -1, -1, -1], [1, 0, -1, -1, -1], [0, 3, -1, -1, -1], [-1, -1, -1, -1, -1],
], dtype=np.int64)


# ---------------------------------------------------------------------------------------------
# Marching cubes (3D): surface area and volume
# ---------------------------------------------------------------------------------------------


@jit
def _cube_index(mask, iz, iy, ix):
    idx = 0
    for k in range(8):
        if mask[iz + GRID_ANGLES_3D[k, 0], iy + GRID_ANGLES_3D[k, 1], ix + GRID_ANGLES_3D[k, 2]]:
            idx |= 1 << k
    return idx


@jit
def _triangle(iz, iy, ix, e0, e1, e2, sz, sy, sx):
    # Same operations, in the same order, as cshape.c, so each term rounds identically.
    az = (iz + VERT_LIST_3D[e0, 0]) * sz
    ay = (iy + VERT_LIST_3D[e0, 1]) * sy
    ax = (ix + VERT_LIST_3D[e0, 2]) * sx
    bz = (iz + VERT_LIST_3D[e1, 0]) * sz
    by = (iy + VERT_LIST_3D[e1, 1]) * sy
    bx = (ix + VERT_LIST_3D[e1, 2]) * sx
    cz = (iz + VERT_LIST_3D[e2, 0]) * sz
    cy = (iy + VERT_LIST_3D[e2, 1]) * sy
    cx = (ix + VERT_LIST_3D[e2, 2]) * sx
    # Six times the signed volume of the tetrahedron (origin, a, b, c).
    vol6 = (ay * bx - by * ax) * cz + (ax * bz - bx * az) * cy + (az * by - bz * ay) * cx
    az -= cz
    ay -= cy
    ax -= cx
    bz -= cz
    by -= cy
    bx -= cx
    nz = ay * bx - by * ax
    ny = ax * bz - bx * az
    nx = az * by - bz * ay
    area = 0.5 * math.sqrt(nz * nz + ny * ny + nx * nx)
    return area, vol6


@jit
def _cube_slab(mask, iz, sz, sy, sx):
    # Cubes along x share four corners: the cube index is the previous cube's right face
    # (corners 1, 2, 5, 6 moved to 0, 3, 4, 7) plus four new reads (see GRID_ANGLES_3D), and the
    # cubes entirely inside or outside the ROI (no triangle) are skipped at once.
    area = 0.0
    vol6 = 0.0
    for iy in range(mask.shape[1] - 1):
        r0 = mask[iz, iy]
        r1 = mask[iz, iy + 1]
        r2 = mask[iz + 1, iy]
        r3 = mask[iz + 1, iy + 1]
        left = np.int64(r0[0]) | (np.int64(r1[0]) << 3) | (np.int64(r2[0]) << 4) | (np.int64(r3[0]) << 7)
        for ix in range(mask.shape[2] - 1):
            a = np.int64(r0[ix + 1])
            b = np.int64(r1[ix + 1])
            c = np.int64(r2[ix + 1])
            d = np.int64(r3[ix + 1])
            idx = left | (a << 1) | (b << 2) | (c << 5) | (d << 6)
            left = a | (b << 3) | (c << 4) | (d << 7)
            if idx == 0 or idx == 255:
                continue
            # The mesh is symmetric under complementing the cube; the table only holds the
            # first half, and the complement's triangles have inward normals (sign flip).
            sign = 1.0
            if idx & 0x80:
                idx ^= 0xFF
                sign = -1.0
            t = 0
            while TRI_TABLE[idx, 3 * t] >= 0:
                a, v = _triangle(iz, iy, ix, TRI_TABLE[idx, 3 * t], TRI_TABLE[idx, 3 * t + 1],
                                 TRI_TABLE[idx, 3 * t + 2], sz, sy, sx)
                area += a
                vol6 += sign * v
                t += 1
    return area, vol6


@jit
def _slabs_serial(mask, spacing, area_z, vol_z):
    for iz in range(area_z.shape[0]):
        area_z[iz], vol_z[iz] = _cube_slab(mask, iz, spacing[0], spacing[1], spacing[2])


@pjit
def _slabs_parallel(mask, spacing, area_z, vol_z):
    for iz in prange(area_z.shape[0]):
        area_z[iz], vol_z[iz] = _cube_slab(mask, iz, spacing[0], spacing[1], spacing[2])


def marching_cubes(mask, spacing):
    """Surface area and volume of the marching-cubes mesh of a zero-padded 3D mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (Z, Y, X)
        ROI padded with one zero voxel on every side.
    spacing : ndarray of float64, shape (3,)
        Voxel size along (z, y, x).

    Returns
    -------
    area, volume : float
        Sum of triangle areas, and sum of signed tetrahedron volumes (origin, triangle).
    """
    n_slabs = mask.shape[0] - 1
    area_z = np.zeros(n_slabs)
    vol_z = np.zeros(n_slabs)
    # z-slabs may run in parallel; their partial sums are added in slab order either way, so
    # the result does not depend on the path or the thread count. The choice is made here, in
    # Python: a cached jitted function that calls a parallel one segfaults when it is later
    # loaded from the cache (numba issue #8578), so parallel kernels are only called from Python.
    slabs = _slabs_parallel if mask.size >= PARALLEL_MIN_CUBES else _slabs_serial
    slabs(mask, spacing, area_z, vol_z)
    area = 0.0
    vol6 = 0.0
    for iz in range(n_slabs):
        area += float(area_z[iz])
        vol6 += float(vol_z[iz])
    return area, vol6 / 6.0


# ---------------------------------------------------------------------------------------------
# Marching squares (2D): perimeter and surface
# ---------------------------------------------------------------------------------------------


@jit
def _square_index(mask, iy, ix):
    idx = 0
    for k in range(4):
        if mask[iy + GRID_ANGLES_2D[k, 0], ix + GRID_ANGLES_2D[k, 1]]:
            idx |= 1 << k
    return idx


@jit
def marching_squares(mask, spacing):
    """Perimeter and surface of the marching-squares contour of a zero-padded 2D mask.

    Parameters
    ----------
    mask : ndarray of bool, shape (Y, X)
        ROI padded with one zero pixel on every side.
    spacing : ndarray of float64, shape (2,)
        Pixel size along (y, x).

    Returns
    -------
    perimeter, surface : float
        Sum of segment lengths, and sum of signed triangle areas (origin, segment).
    """
    sy = spacing[0]
    sx = spacing[1]
    perimeter = 0.0
    surface2 = 0.0
    for iy in range(mask.shape[0] - 1):
        for ix in range(mask.shape[1] - 1):
            idx = _square_index(mask, iy, ix)
            t = 0
            while LINE_TABLE_2D[idx, 2 * t] >= 0:
                e0 = LINE_TABLE_2D[idx, 2 * t]
                e1 = LINE_TABLE_2D[idx, 2 * t + 1]
                ay = (iy + VERT_LIST_2D[e0, 0]) * sy
                ax = (ix + VERT_LIST_2D[e0, 1]) * sx
                by = (iy + VERT_LIST_2D[e1, 0]) * sy
                bx = (ix + VERT_LIST_2D[e1, 1]) * sx
                surface2 += ay * bx - by * ax
                dy = ay - by
                dx = ax - bx
                perimeter += math.sqrt(dy * dy + dx * dx)
                t += 1
    return perimeter, surface2 / 2.0


# ---------------------------------------------------------------------------------------------
# Mesh vertices and diameters
# ---------------------------------------------------------------------------------------------


@jit
def _faces_along(mask, axis, G, k, fill):
    # A mesh vertex lies on every grid edge joining an ROI voxel to a non-ROI voxel; marching
    # cubes (and squares) store each such edge exactly once, so this set equals theirs.
    dz = 1 if axis == 0 else 0
    dy = 1 if axis == 1 else 0
    dx = 1 if axis == 2 else 0
    for z in range(mask.shape[0] - dz):
        for y in range(mask.shape[1] - dy):
            for x in range(mask.shape[2] - dx):
                if mask[z, y, x] != mask[z + dz, y + dy, x + dx]:
                    if fill:
                        G[k, 0] = 2 * z + dz
                        G[k, 1] = 2 * y + dy
                        G[k, 2] = 2 * x + dx
                    k += 1
    return k


@jit
def boundary_vertices(mask):
    """Mesh vertices of a zero-padded mask, as doubled grid indices.

    Parameters
    ----------
    mask : ndarray of bool, shape (Z, Y, X)
        Padded ROI. A padded 2D mask is passed as ``mask[None]`` (no faces along z then).

    Returns
    -------
    ndarray of int64, shape (n, 3)
        ``2 * index`` of the midpoint of every edge joining an ROI and a non-ROI voxel.
    """
    dummy = np.empty((0, 3), dtype=np.int64)
    n = 0
    for axis in range(3):
        n = _faces_along(mask, axis, dummy, n, False)
    G = np.empty((n, 3), dtype=np.int64)
    k = 0
    for axis in range(3):
        k = _faces_along(mask, axis, G, k, True)
    return G


@jit
def _line_ends(G, keep, axis):
    # On a straight line the squared distance to any fixed point is strictly convex, so a
    # point strictly between two others on a line parallel to ``axis`` can never be an end of a
    # longest chord: keeping only the two extreme points of every such line leaves every
    # maximum distance unchanged (and the lines stay inside any plane containing them).
    a = (axis + 1) % 3
    b = (axis + 2) % 3
    n = G.shape[0]
    na = 1
    nb = 1
    for i in range(n):
        na = max(na, G[i, a] + 1)
        nb = max(nb, G[i, b] + 1)
    lo = np.full((na, nb), -1, dtype=np.int64)
    hi = np.full((na, nb), -1, dtype=np.int64)
    for i in range(n):
        if keep[i]:
            ka = G[i, a]
            kb = G[i, b]
            j = lo[ka, kb]
            if j < 0 or G[i, axis] < G[j, axis]:
                lo[ka, kb] = i
            j = hi[ka, kb]
            if j < 0 or G[i, axis] > G[j, axis]:
                hi[ka, kb] = i
    out = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        if keep[i]:
            out[lo[G[i, a], G[i, b]]] = True
            out[hi[G[i, a], G[i, b]]] = True
    return out


@jit
def _spread3(v):
    # the low 21 bits of v moved to every third bit (bit k -> bit 3k)
    v &= 0x1FFFFF
    v = (v | (v << 32)) & 0x1F00000000FFFF
    v = (v | (v << 16)) & 0x1F0000FF0000FF
    v = (v | (v << 8)) & 0x100F00F00F00F00F
    v = (v | (v << 4)) & 0x10C30C30C30C30C3
    v = (v | (v << 2)) & 0x1249249249249249
    return v


@jit
def _radix_argsort(key, bits):
    """Stable argsort of non-negative int64 keys below ``2**bits`` (LSD radix, 11-bit digits)."""
    m = key.shape[0]
    order = np.arange(m)
    tmp = np.empty(m, dtype=np.int64)
    shift = 0
    while shift < bits:
        counts = np.zeros(2049, dtype=np.int64)
        for i in range(m):
            counts[((key[order[i]] >> shift) & 2047) + 1] += 1
        for d in range(2048):
            counts[d + 1] += counts[d]
        for i in range(m):
            d = (key[order[i]] >> shift) & 2047
            tmp[counts[d]] = order[i]
            counts[d] += 1
        order, tmp = tmp, order
        shift += 11
    return order


@jit
def _sqdist(pz, py, px, a, b):
    # pyradiomics' expression and summation order (z, y, x), so equal pairs give equal bits.
    dz = pz[a] - pz[b]
    dy = py[a] - py[b]
    dx = px[a] - px[b]
    return dz * dz + dy * dy + dx * dx


@jit
def _farthest_chain(pz, py, px, s, e):
    # Lower bound for the largest distance in points s..e-1: hop to the farthest point a few
    # times (usually lands on the true diameter). The value is an attained distance.
    a = s
    best = 0.0
    for _ in range(4):
        far = a
        d_far = 0.0
        for j in range(s, e):
            d = _sqdist(pz, py, px, a, j)
            if d > d_far:
                d_far = d
                far = j
        if d_far <= best:
            break
        best = d_far
        a = far
    return best


@jit
def _coordinate_bits(G, idx):
    """Bits that hold every coordinate of the points ``G[idx]`` (non-negative integers)."""
    top = 1  # coordinates < top, a power of two
    for i in range(idx.shape[0]):
        for k in range(3):
            while G[idx[i], k] >= top:
                top *= 2
    bits = 0
    while (1 << bits) < top:
        bits += 1
    return bits


@jit
def _blocks(G, keep, axis, spacing):
    """Sort kept points by (plane, Morton code), cut them into blocks and list the tasks.

    Returns coordinates, block starts ``bstart`` (n_blocks + 1), block bounding boxes ``lo``/``hi``,
    the tasks ``(first block of the plane, blocks in the plane, row)``, a lower bound ``low``
    of the answer and the number of point pairs a brute-force search would test.
    """
    idx = np.nonzero(keep)[0]
    m = idx.shape[0]
    cbits = _coordinate_bits(G, idx)
    mbits = min(cbits, 14)  # Morton code of the top 14 bits at most, so the key fits in 63 bits
    drop = cbits - mbits
    pshift = 3 * mbits  # plane above the Morton code
    key = np.empty(m, dtype=np.int64)
    for i in range(m):
        j = idx[i]
        plane = G[j, axis] if axis >= 0 else 0
        code = (_spread3(G[j, 0] >> drop) << 2) | (_spread3(G[j, 1] >> drop) << 1) | _spread3(G[j, 2] >> drop)
        key[i] = (plane << pshift) | code
    order = _radix_argsort(key, pshift + (cbits if axis >= 0 else 0))
    idx = idx[order]
    key = key[order]
    pz = np.empty(m)
    py = np.empty(m)
    px = np.empty(m)
    for i in range(m):
        pz[i] = (0.5 * G[idx[i], 0]) * spacing[0]
        py[i] = (0.5 * G[idx[i], 1]) * spacing[1]
        px[i] = (0.5 * G[idx[i], 2]) * spacing[2]
    bstart = np.empty(m + 1, dtype=np.int64)
    task_first = np.empty(m, dtype=np.int64)
    task_n = np.empty(m, dtype=np.int64)
    task_row = np.empty(m, dtype=np.int64)
    nb = 0
    nt = 0
    pairs = 0
    low = 0.0
    s = 0
    while s < m:
        e = s + 1
        while e < m and (key[e] >> pshift) == (key[s] >> pshift):
            e += 1
        pairs += (e - s) * (e - s - 1) // 2
        low = max(low, _farthest_chain(pz, py, px, s, e))
        first = nb
        for b0 in range(s, e, BLOCK):
            bstart[nb] = b0
            nb += 1
        n = nb - first
        for r in range((n + 1) // 2):
            task_first[nt] = first
            task_n[nt] = n
            task_row[nt] = r
            nt += 1
        s = e
    bstart[nb] = m
    lo = np.empty((nb, 3))
    hi = np.empty((nb, 3))
    for b in range(nb):
        lo[b, 0] = hi[b, 0] = pz[bstart[b]]
        lo[b, 1] = hi[b, 1] = py[bstart[b]]
        lo[b, 2] = hi[b, 2] = px[bstart[b]]
        for i in range(bstart[b] + 1, bstart[b + 1]):
            lo[b, 0] = min(lo[b, 0], pz[i])
            hi[b, 0] = max(hi[b, 0], pz[i])
            lo[b, 1] = min(lo[b, 1], py[i])
            hi[b, 1] = max(hi[b, 1], py[i])
            lo[b, 2] = min(lo[b, 2], px[i])
            hi[b, 2] = max(hi[b, 2], px[i])
    return (pz, py, px, bstart[:nb + 1], lo, hi, task_first[:nt], task_n[:nt], task_row[:nt],
            low, pairs)


@jit
def _box_bound(lo, hi, i, j):
    # Largest possible squared distance between boxes i and j. Rounding is monotonic, so no
    # computed point distance can exceed this computed bound.
    bound = 0.0
    for k in range(3):
        ext = max(hi[j, k] - lo[i, k], hi[i, k] - lo[j, k])
        bound += ext * ext
    return bound


@jit
def _point_box_bound(pz, py, px, a, lo, hi, j):
    # Largest possible squared distance between point a and box j (exact like _box_bound: a
    # coordinate between lo and hi is never farther from pz[a] after rounding than both ends).
    dz = max(abs(pz[a] - lo[j, 0]), abs(pz[a] - hi[j, 0]))
    dy = max(abs(py[a] - lo[j, 1]), abs(py[a] - hi[j, 1]))
    dx = max(abs(px[a] - lo[j, 2]), abs(px[a] - hi[j, 2]))
    return dz * dz + dy * dy + dx * dx


@jit
def _block_row(pz, py, px, bstart, lo, hi, i, end, low):
    # Block i against blocks i..end-1, skipping pairs of blocks, then single points against a
    # block, that cannot beat the best distance known so far (an attained one: exact).
    best = 0.0
    for j in range(i, end):
        cut = max(low, best)
        if _box_bound(lo, hi, i, j) <= cut:
            continue
        for a in range(bstart[i], bstart[i + 1]):
            if _point_box_bound(pz, py, px, a, lo, hi, j) <= cut:
                continue
            b0 = a + 1 if j == i else bstart[j]
            for b in range(b0, bstart[j + 1]):
                d = _sqdist(pz, py, px, a, b)
                if d > best:
                    best = d
    return best


@jit
def _block_task(pz, py, px, bstart, lo, hi, first, n, r, low):
    # Row r of a plane's n blocks paired with row n-1-r: every task covers n+1 block pairs,
    # so the triangular work splits evenly between threads.
    best = _block_row(pz, py, px, bstart, lo, hi, first + r, first + n, low)
    q = n - 1 - r
    if q != r:
        best = max(best, _block_row(pz, py, px, bstart, lo, hi, first + q, first + n, low))
    return best


@jit
def _culled_pairs(bstart, lo, hi, first, n, low):
    # Point pairs left to test after box culling: decides whether threads are worth waking.
    pairs = 0
    for t in range(first.shape[0]):
        if t > 0 and first[t] == first[t - 1]:
            continue  # the tasks of one plane share (first, n); count each plane once
        for i in range(first[t], first[t] + n[t]):
            for j in range(i, first[t] + n[t]):
                if _box_bound(lo, hi, i, j) > low:
                    pairs += (bstart[i + 1] - bstart[i]) * (bstart[j + 1] - bstart[j])
    return pairs


@jit
def _tasks_serial(pz, py, px, bstart, lo, hi, first, n, row, low):
    best = 0.0
    for t in range(first.shape[0]):
        best = max(best, _block_task(pz, py, px, bstart, lo, hi, first[t], n[t], row[t], low))
    return best


@pjit
def _tasks_parallel(pz, py, px, bstart, lo, hi, first, n, row, low):
    res = np.zeros(first.shape[0])  # one slot per task: no shared accumulator between threads
    for t in prange(first.shape[0]):
        res[t] = _block_task(pz, py, px, bstart, lo, hi, first[t], n[t], row[t], low)
    return res.max()


def _grouped_max_sqdist(G, keep, axis, spacing):
    """Largest squared distance between kept points with equal ``G[:, axis]`` (all if < 0).

    Exact: the lower bound is an attained distance, and only block pairs whose bounding boxes
    are too close to beat it are skipped.
    """
    pz, py, px, bstart, lo, hi, first, n, row, low, pairs = _blocks(G, keep, axis, spacing)
    if first.shape[0] == 0:
        return 0.0
    if pairs >= PARALLEL_MIN_PAIRS:
        pairs = _culled_pairs(bstart, lo, hi, first, n, low)
    tasks = _tasks_parallel if pairs >= PARALLEL_MIN_PAIRS else _tasks_serial
    return max(float(low), float(tasks(pz, py, px, bstart, lo, hi, first, n, row, low)))


@jit
def _brute_max_sqdist(G, keep, axis, spacing):
    # every pair of kept points in one plane: cheaper than blocking for a few hundred points
    idx = np.nonzero(keep)[0]
    m = idx.shape[0]
    pz = np.empty(m)
    py = np.empty(m)
    px = np.empty(m)
    plane = np.zeros(m, dtype=np.int64)
    for i in range(m):
        pz[i] = (0.5 * G[idx[i], 0]) * spacing[0]
        py[i] = (0.5 * G[idx[i], 1]) * spacing[1]
        px[i] = (0.5 * G[idx[i], 2]) * spacing[2]
        if axis >= 0:
            plane[i] = G[idx[i], axis]
    best = 0.0
    for a in range(m):
        for b in range(a + 1, m):
            if plane[a] == plane[b]:
                d = _sqdist(pz, py, px, a, b)
                if d > best:
                    best = d
    return best


@jit
def _grouped_max_sqdist_serial(G, keep, axis, spacing):
    # _grouped_max_sqdist without the parallel option, callable from other serial kernels
    m = 0
    for i in range(keep.shape[0]):
        if keep[i]:
            m += 1
    if m <= BRUTE_MAX_POINTS:
        return _brute_max_sqdist(G, keep, axis, spacing)
    pz, py, px, bstart, lo, hi, first, n, row, low, pairs = _blocks(G, keep, axis, spacing)
    if first.shape[0] == 0:
        return 0.0
    return max(low, _tasks_serial(pz, py, px, bstart, lo, hi, first, n, row, low))


@jit
def _cross(G, o, a, b, u, v):
    # z component of (a - o) x (b - o) in the (u, v) axes: exact in integers
    return (G[a, u] - G[o, u]) * (G[b, v] - G[o, v]) - (G[a, v] - G[o, v]) * (G[b, u] - G[o, u])


@jit
def _sorted_in_planes(G, keep, axis):
    # kept points ordered by (plane, u, v), (u, v) the other two axes in order
    u = 1 if axis == 0 else 0
    v = 1 if axis == 2 else 2
    idx = np.nonzero(keep)[0]
    m = idx.shape[0]
    b = _coordinate_bits(G, idx)
    key = np.empty(m, dtype=np.int64)
    for i in range(m):
        j = idx[i]
        key[i] = (((G[j, axis] << b) | G[j, u]) << b) | G[j, v]
    return idx[_radix_argsort(key, 3 * b)], u, v


@jit
def _segment_hull(G, idx, s, e, u, v, hull):
    """Convex hull vertices of the points ``idx[s:e]`` (sorted by (u, v), one plane).

    Andrew's monotone chain on the integer grid coordinates (exact cross products); points on
    hull edges are dropped. Writes positions into ``hull`` and returns their number.
    """
    if e - s <= 2:
        for i in range(s, e):
            hull[i - s] = i
        return e - s
    k = 0
    for i in range(s, e):  # lower hull
        while k >= 2 and _cross(G, idx[hull[k - 2]], idx[hull[k - 1]], idx[i], u, v) <= 0:
            k -= 1
        hull[k] = i
        k += 1
    t = k + 1
    for i in range(e - 2, s - 1, -1):  # upper hull
        while k >= t and _cross(G, idx[hull[k - 2]], idx[hull[k - 1]], idx[i], u, v) <= 0:
            k -= 1
        hull[k] = i
        k += 1
    return k - 1  # the last vertex repeats the first


@jit
def _planar_max_sqdist(G, keep, axis, spacing):
    """Largest squared distance between kept points lying in one plane ``G[:, axis] = const``.

    A longest chord of a plane's points joins two vertices of their convex hull (the distance
    to a fixed point is strictly convex along any segment), and scaling the axes by the spacing
    keeps hull vertices hull vertices. So only the hull vertices of each plane
    (:func:`_segment_hull`) are compared, with pyradiomics' distance expression.
    """
    idx, u, v = _sorted_in_planes(G, keep, axis)
    m = idx.shape[0]
    pz = np.empty(m)
    py = np.empty(m)
    px = np.empty(m)
    for i in range(m):
        pz[i] = (0.5 * G[idx[i], 0]) * spacing[0]
        py[i] = (0.5 * G[idx[i], 1]) * spacing[1]
        px[i] = (0.5 * G[idx[i], 2]) * spacing[2]
    hull = np.empty(2 * m + 1, dtype=np.int64)
    best = 0.0
    s = 0
    while s < m:
        e = s + 1
        while e < m and G[idx[e], axis] == G[idx[s], axis]:
            e += 1
        k = _segment_hull(G, idx, s, e, u, v, hull)
        for a in range(k):
            for c in range(a + 1, k):
                d = _sqdist(pz, py, px, hull[a], hull[c])
                if d > best:
                    best = d
        s = e
    return best


@jit
def _plane_hull_points(G, keep, axis):
    """``keep`` reduced to the vertices of the convex hull of each plane ``G[:, axis] = const``.

    A point inside (or on an edge of) the hull of its plane's points is a convex combination of
    them, so it is no extreme point of the whole set and never ends a longest 3D chord either.
    """
    idx, u, v = _sorted_in_planes(G, keep, axis)
    m = idx.shape[0]
    out = np.zeros(G.shape[0], dtype=np.bool_)
    hull = np.empty(2 * m + 1, dtype=np.int64)
    s = 0
    while s < m:
        e = s + 1
        while e < m and G[idx[e], axis] == G[idx[s], axis]:
            e += 1
        k = _segment_hull(G, idx, s, e, u, v, hull)
        for a in range(k):
            out[idx[hull[a]]] = True
        s = e
    return out


@jit
def _extreme_candidates(G, keep):
    # points that may end the longest 3D chord: hull vertices of their z, y and x planes
    return _plane_hull_points(G, _plane_hull_points(G, _plane_hull_points(G, keep, 0), 1), 2)


@jit
def _diameters_serial(G, spacing, overall_only):
    # mesh_diameters in one serial call: the same maxima, without the Python round trips
    everything = np.ones(G.shape[0], dtype=np.bool_)
    ends_x = _line_ends(G, everything, 2)
    ends_xy = _line_ends(G, ends_x, 1)
    d2 = np.zeros(4)
    # a 2D mask (one z plane): the overall diameter is the in-plane one
    flat = G.shape[0] == 0 or G[:, 0].min() == G[:, 0].max()
    if flat:
        d2[3] = _planar_max_sqdist(G, ends_xy, 0, spacing)
    else:
        d2[3] = _grouped_max_sqdist_serial(G, _extreme_candidates(G, _line_ends(G, ends_xy, 0)), -1, spacing)
    if not overall_only:
        d2[0] = d2[3] if flat else _planar_max_sqdist(G, ends_xy, 0, spacing)
        d2[1] = _planar_max_sqdist(G, _line_ends(G, ends_x, 0), 1, spacing)
        d2[2] = _planar_max_sqdist(G, _line_ends(G, _line_ends(G, everything, 1), 0), 2, spacing)
    return np.sqrt(d2)


def mesh_diameters(G, spacing, overall_only=False):
    """Largest vertex-to-vertex distances of a mesh, as pyradiomics defines them.

    Parameters
    ----------
    G : ndarray of int64, shape (n, 3)
        Vertices as doubled grid indices (:func:`boundary_vertices`).
    spacing : ndarray of float64, shape (3,)
        Voxel size along (z, y, x); for a 2D mask any z spacing (all z are equal).
    overall_only : bool
        Compute only the overall (3D) diameter and return 0 for the three planar ones (2D
        masks, whose single plane makes the overall diameter the only one wanted).

    Returns
    -------
    ndarray of float64, shape (4,)
        Maximum distance between vertices in the same z-plane (slice), the same y-plane
        (column), the same x-plane (row), and overall (3D).

    Notes
    -----
    pyradiomics compares all O(n^2) vertex pairs. Exact shortcuts give the same maxima: only
    the two extreme vertices of each grid line can end a longest chord (see :func:`_line_ends`),
    so each diameter is searched among the line ends along the axes lying in its plane; the
    planar diameters then compare only the vertices of each plane's convex hull
    (:func:`_planar_max_sqdist`); for the 3D diameter only the points that are hull vertices of
    all three of their planes remain (:func:`_extreme_candidates`), cut into spatially compact
    blocks, skipping every pair of blocks, and every point against a block, whose bounding
    boxes cannot hold a pair longer than a known attained distance.
    """
    spacing = np.asarray(spacing, dtype=np.float64)
    if get_num_threads() < 2 or G.shape[0] * (G.shape[0] - 1) // 2 < PARALLEL_MIN_PAIRS:
        return _diameters_serial(G, spacing, overall_only)
    everything = np.ones(G.shape[0], dtype=np.bool_)
    ends_x = _line_ends(G, everything, 2)
    ends_xy = _line_ends(G, ends_x, 1)
    overall = _grouped_max_sqdist(G, _extreme_candidates(G, _line_ends(G, ends_xy, 0)), -1, spacing)
    if overall_only:
        return np.sqrt(np.array([0.0, 0.0, 0.0, overall]))
    d2 = (
        _planar_max_sqdist(G, ends_xy, 0, spacing),
        _planar_max_sqdist(G, _line_ends(G, ends_x, 0), 1, spacing),
        _planar_max_sqdist(G, _line_ends(G, _line_ends(G, everything, 1), 0), 2, spacing),
        overall,
    )
    return np.sqrt(np.array(d2, dtype=np.float64))


@jit
def contour_diameter(mask, spacing):
    """Largest distance between marching-squares vertices of a zero-padded 2D mask.

    The same value as ``mesh_diameters(boundary_vertices(mask[None]), (1, sy, sx), True)[3]``
    without listing the vertices: on each vertex row (doubled index ``Y``: even rows hold the
    vertices of horizontal edges, odd rows those of vertical edges) only the leftmost and
    rightmost vertex can be on the convex hull, these come out sorted by ``(Y, X)``, so Andrew's
    monotone chain runs on them directly (exact integer cross products), and the hull vertices
    are compared pairwise with pyradiomics' distance expression.
    """
    ny, nx = mask.shape
    n_rows = 2 * ny - 1
    ys = np.empty(2 * n_rows, dtype=np.int64)
    xs = np.empty(2 * n_rows, dtype=np.int64)
    m = 0
    for r in range(n_rows):
        y = r // 2
        lo = -1
        hi = -1
        if r % 2 == 0:
            for x in range(nx - 1):
                if mask[y, x] != mask[y, x + 1]:
                    lo = 2 * x + 1
                    break
            for x in range(nx - 2, -1, -1):
                if mask[y, x] != mask[y, x + 1]:
                    hi = 2 * x + 1
                    break
        else:
            for x in range(nx):
                if mask[y, x] != mask[y + 1, x]:
                    lo = 2 * x
                    break
            for x in range(nx - 1, -1, -1):
                if mask[y, x] != mask[y + 1, x]:
                    hi = 2 * x
                    break
        if lo < 0:
            continue
        ys[m] = r
        xs[m] = lo
        m += 1
        if hi != lo:
            ys[m] = r
            xs[m] = hi
            m += 1
    hull = np.empty(2 * m + 1, dtype=np.int64)
    k = 0
    if m <= 2:
        for i in range(m):
            hull[i] = i
        k = m
    else:
        for i in range(m):  # lower hull
            while k >= 2 and _cross2(ys, xs, hull[k - 2], hull[k - 1], i) <= 0:
                k -= 1
            hull[k] = i
            k += 1
        t = k + 1
        for i in range(m - 2, -1, -1):  # upper hull
            while k >= t and _cross2(ys, xs, hull[k - 2], hull[k - 1], i) <= 0:
                k -= 1
            hull[k] = i
            k += 1
        k -= 1  # the last vertex repeats the first
    py = np.empty(k)
    px = np.empty(k)
    for i in range(k):
        py[i] = (0.5 * ys[hull[i]]) * spacing[0]
        px[i] = (0.5 * xs[hull[i]]) * spacing[1]
    best = 0.0
    for a in range(k):
        for c in range(a + 1, k):
            dy = py[a] - py[c]
            dx = px[a] - px[c]
            d = 0.0 + dy * dy + dx * dx  # _sqdist's (z, y, x) order with dz = 0: the same bits
            if d > best:
                best = d
    return math.sqrt(best)


@jit
def _cross2(ys, xs, o, a, b):
    # z component of (a - o) x (b - o): exact in integers
    return (ys[a] - ys[o]) * (xs[b] - xs[o]) - (xs[a] - xs[o]) * (ys[b] - ys[o])


# ---------------------------------------------------------------------------------------------
# Principal axes
# ---------------------------------------------------------------------------------------------


@jit
def roi_covariance(coords, spacing):
    """Population covariance of the physical coordinates of the ROI voxels.

    Parameters
    ----------
    coords : ndarray of int64, shape (N, d)
        Voxel indices (``numpy.argwhere(mask)``).
    spacing : ndarray of float64, shape (d,)

    Returns
    -------
    ndarray of float64, shape (d, d)
        ``P.T @ P`` with ``P = (coords * spacing - mean) / sqrt(N)``, as pyradiomics.
    """
    n, d = coords.shape
    mean = np.zeros(d)
    for i in range(n):
        for k in range(d):
            mean[k] += coords[i, k] * spacing[k]
    for k in range(d):
        mean[k] /= n
    root_n = math.sqrt(n)
    cov = np.zeros((d, d))
    c = np.empty(d)
    for i in range(n):
        for k in range(d):
            c[k] = (coords[i, k] * spacing[k] - mean[k]) / root_n
        for k in range(d):
            for l in range(k, d):
                cov[k, l] += c[k] * c[l]
    for k in range(d):
        for l in range(k):
            cov[k, l] = cov[l, k]
    return cov


@jit
def mask_moments(mask):
    """Exact integer moments of the voxel indices of a 3D mask (2D: pass ``mask[None]``).

    Returns
    -------
    n : int
        Number of ROI voxels.
    sums : ndarray of int64, shape (3,)
        Sum of the (z, y, x) indices.
    products : ndarray of int64, shape (3, 3)
        Sums of the index products ``sum z*z, z*y, ...``.

    With these the covariance is ``(n * products - sums sums^T) / n^2`` exactly (see
    :func:`radfeat.features.shape`), without listing the voxels. Counts and sums are kept per
    image row, so the work is a pass over the mask.
    """
    nz, ny, nx = mask.shape
    n = 0
    sums = np.zeros(3, dtype=np.int64)
    products = np.zeros((3, 3), dtype=np.int64)
    for z in range(nz):
        for y in range(ny):
            cnt = 0
            sx = 0
            sxx = 0
            for x in range(nx):
                if mask[z, y, x]:
                    cnt += 1
                    sx += x
                    sxx += x * x
            if cnt == 0:
                continue
            n += cnt
            sums[0] += z * cnt
            sums[1] += y * cnt
            sums[2] += sx
            products[0, 0] += z * z * cnt
            products[0, 1] += z * y * cnt
            products[0, 2] += z * sx
            products[1, 1] += y * y * cnt
            products[1, 2] += y * sx
            products[2, 2] += sxx
    for k in range(3):
        for l in range(k):
            products[k, l] = products[l, k]
    return n, sums, products
