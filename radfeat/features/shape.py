"""Shape features: size and form of the ROI, in 3D (``shape``) and 2D (``shape2D``).

Values follow pyradiomics 3.0.1 exactly. The mask is padded with one empty voxel on every side
and meshed by marching cubes (3D) or marching squares (2D) with every vertex halfway between an
ROI and a non-ROI voxel centre; vertex ``(i + f) * spacing`` is measured from the corner voxel of
the padded bounding box, as pyradiomics measures it.

Let ``V`` be the mesh volume, ``A`` the mesh surface area, ``N_v`` the number of ROI voxels and
``lambda_major >= lambda_minor >= lambda_least`` the eigenvalues of the *population* covariance
(divided by ``N_v``) of the ROI voxel centres in physical coordinates. In 2D, ``S`` is the mesh
surface and ``P`` the perimeter.

Notes
-----
IBSI's reference values for the axis lengths use the sample covariance (divided by ``N_v - 1``):
they equal pyradiomics' values times ``sqrt(N_v / (N_v - 1))``, which radfeat applies with
``compat: ibsi``; the axis ratios (Elongation, Flatness) agree either way.
"""

from __future__ import annotations

import numpy as np

from .._kernels.shape import (boundary_vertices, contour_diameter, marching_cubes, marching_squares, mask_moments,
                              mesh_diameters)
from ..exceptions import InvalidROIError
from .registry import Feature, register_family

__all__ = ["FEATURES_3D", "FEATURES_2D", "compute_shape", "compute_shape2d"]

FEATURES_3D = (
    Feature("Elongation", "sqrt(lambda_minor / lambda_major)", "Q3CK"),
    Feature("Flatness", "sqrt(lambda_least / lambda_major)", "N17B"),
    Feature("LeastAxisLength", "4 sqrt(lambda_least) (population covariance)", "7J51"),
    Feature("MajorAxisLength", "4 sqrt(lambda_major) (population covariance)", "TDIC"),
    Feature("Maximum2DDiameterColumn", "largest distance between mesh vertices in one coronal (y) plane", None),
    Feature("Maximum2DDiameterRow", "largest distance between mesh vertices in one sagittal (x) plane", None),
    Feature("Maximum2DDiameterSlice", "largest distance between mesh vertices in one axial (z) plane", None),
    Feature("Maximum3DDiameter", "largest distance between any two mesh vertices", "L0JK"),
    Feature("MeshVolume", "V = sum over triangles of (Oa . (Ob x Oc)) / 6", "RNU0"),
    Feature("MinorAxisLength", "4 sqrt(lambda_minor) (population covariance)", "P9VJ"),
    Feature("Sphericity", "(36 pi V^2)^(1/3) / A", "QCFX"),
    Feature("SurfaceArea", "A = sum over triangles of |ab x ac| / 2", "C0JK"),
    Feature("SurfaceVolumeRatio", "A / V", "2PR5"),
    Feature("VoxelVolume", "N_v * voxel volume", "YEKZ"),
    Feature("Compactness1", "V / (sqrt(pi) A^(3/2))", "SKGS", deprecated=True),
    Feature("Compactness2", "36 pi V^2 / A^3", "BQWJ", deprecated=True),
    Feature("SphericalDisproportion", "A / (36 pi V^2)^(1/3)", "KRCK", deprecated=True),
)

FEATURES_2D = (
    Feature("Elongation", "sqrt(lambda_minor / lambda_major)", None),
    Feature("MajorAxisLength", "4 sqrt(lambda_major) (population covariance)", None),
    Feature("MaximumDiameter", "largest distance between any two contour vertices", None),
    Feature("MeshSurface", "S = sum over segments of (Oa x Ob) / 2 (signed)", None),
    Feature("MinorAxisLength", "4 sqrt(lambda_minor) (population covariance)", None),
    Feature("Perimeter", "P = sum of contour segment lengths", None),
    Feature("PerimeterSurfaceRatio", "P / S", None),
    Feature("PixelSurface", "N_v * pixel area", None),
    Feature("Sphericity", "2 sqrt(pi S) / P", None),
    Feature("SphericalDisproportion", "P / (2 sqrt(pi S))", None, deprecated=True),
)


@register_family("shape", FEATURES_3D, dims=(3,), kind="shape", default=True,
                 description="3D shape of the ROI from its marching-cubes mesh")
def compute_shape(roi):
    """3D shape features of the ROI (one value per entry of :data:`FEATURES_3D`).

    Parameters
    ----------
    roi : RoiData
        3D ROI; only ``roi.mask`` (cropped to its bounding box) and ``roi.spacing`` are used.

    Returns
    -------
    ndarray of float64, shape (17,)
        In order:

        - Elongation = sqrt(lambda_minor / lambda_major)
        - Flatness = sqrt(lambda_least / lambda_major)
        - LeastAxisLength = 4 sqrt(lambda_least)
        - MajorAxisLength = 4 sqrt(lambda_major)
        - Maximum2DDiameterColumn = largest vertex distance within one y-plane
        - Maximum2DDiameterRow = largest vertex distance within one x-plane
        - Maximum2DDiameterSlice = largest vertex distance within one z-plane
        - Maximum3DDiameter = largest vertex distance
        - MeshVolume V = sum of signed tetrahedron volumes (origin, triangle)
        - MinorAxisLength = 4 sqrt(lambda_minor)
        - Sphericity = (36 pi V^2)^(1/3) / A
        - SurfaceArea A = sum of triangle areas
        - SurfaceVolumeRatio = A / V
        - VoxelVolume = N_v * prod(spacing)
        - Compactness1 = V / (sqrt(pi) A^(3/2))  (deprecated)
        - Compactness2 = 36 pi V^2 / A^3  (deprecated)
        - SphericalDisproportion = A / (36 pi V^2)^(1/3)  (deprecated)

    Raises
    ------
    InvalidROIError
        If the mask is not 3D or holds no voxel.

    Notes
    -----
    As in pyradiomics, an axis length is NaN when its eigenvalue is negative beyond rounding
    (below -1e-10), and Elongation/Flatness are NaN for a single voxel (0 / 0).

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> cube = np.ones((2, 2, 2), bool)
    >>> values = compute_shape(RoiData(cube.astype(float), cube, (1, 1, 1)))
    >>> round(float(values[8]), 6), float(values[13])    # MeshVolume, VoxelVolume
    (5.666667, 8.0)
    """
    mask = _padded_mask(roi, 3, "shape")
    spacing = np.asarray(roi.spacing, dtype=np.float64)
    area, volume = marching_cubes(mask, spacing)
    d_slice, d_column, d_row, d_3d = mesh_diameters(boundary_vertices(mask), spacing)
    least, minor, major = _eigenvalues(mask, spacing)
    sz, sy, sx = spacing
    n_voxels = int(np.count_nonzero(mask))
    if roi.settings.get("compat") == "ibsi" and n_voxels > 1:
        # IBSI's PCA uses the sample covariance (N - 1), pyradiomics the population one (N).
        least, minor, major = np.array([least, minor, major]) * n_voxels / (n_voxels - 1)
    sphere = (36 * np.pi * volume ** 2) ** (1.0 / 3.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.array([
            _sqrt_ratio(minor, major),
            _sqrt_ratio(least, major),
            _axis(least),
            _axis(major),
            d_column,
            d_row,
            d_slice,
            d_3d,
            volume,
            _axis(minor),
            sphere / area,
            area,
            area / volume,
            n_voxels * (sz * sx * sy),  # pyradiomics' factor order: same rounding
            volume / (area ** (3.0 / 2.0) * np.sqrt(np.pi)),
            (36.0 * np.pi) * (volume ** 2.0) / (area ** 3.0),
            area / sphere,
        ], dtype=np.float64)


@register_family("shape2D", FEATURES_2D, dims=(2, 3), kind="shape", default=False,
                 description="2D shape of the ROI from its marching-squares contour")
def compute_shape2d(roi):
    """2D shape features of the ROI (one value per entry of :data:`FEATURES_2D`).

    Parameters
    ----------
    roi : RoiData
        A 2D ROI, or a 3D ROI one voxel thick along ``force2Ddimension`` with ``force2D``
        enabled in ``roi.settings`` (pyradiomics' rule).

    Returns
    -------
    ndarray of float64, shape (10,)
        In order:

        - Elongation = sqrt(lambda_minor / lambda_major)
        - MajorAxisLength = 4 sqrt(lambda_major)
        - MaximumDiameter = largest contour-vertex distance
        - MeshSurface S = sum of signed triangle areas (origin, segment)
        - MinorAxisLength = 4 sqrt(lambda_minor)
        - Perimeter P = sum of segment lengths
        - PerimeterSurfaceRatio = P / S
        - PixelSurface = N_v * prod(spacing)
        - Sphericity = 2 sqrt(pi S) / P
        - SphericalDisproportion = P / (2 sqrt(pi S))  (deprecated)

    Raises
    ------
    InvalidROIError
        If a 3D ROI comes without ``force2D``, or spans more than one slice along
        ``force2Ddimension``, or the mask holds no voxel.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.features.roi import RoiData
    >>> square = np.ones((2, 2), bool)
    >>> values = compute_shape2d(RoiData(square.astype(float), square, (1, 1)))
    >>> float(values[3]), float(values[7])    # MeshSurface, PixelSurface
    (3.5, 4.0)
    """
    mask2d, spacing = _as_2d(roi)
    mask = _pad(mask2d)
    perimeter, surface = marching_squares(mask, spacing)
    diameter = contour_diameter(mask, spacing)
    minor, major = _eigenvalues(mask, spacing)
    sy, sx = spacing
    n_pixels = int(np.count_nonzero(mask))
    sphericity = (2 * np.sqrt(np.pi * surface)) / perimeter
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.array([
            _sqrt_ratio(minor, major),
            _axis(major),
            diameter,
            surface,
            _axis(minor),
            perimeter,
            perimeter / surface,
            n_pixels * (sx * sy),
            sphericity,
            1.0 / sphericity,
        ], dtype=np.float64)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _pad(mask):
    # pyradiomics pads by one voxel before meshing: the mesh closes at the bounding box and all
    # coordinates (hence their rounding) are measured from the padded corner.
    mask = np.asarray(mask, dtype=bool)
    out = np.zeros(tuple(n + 2 for n in mask.shape), dtype=bool)  # np.pad(mask, 1), without its overhead
    out[(slice(1, -1),) * mask.ndim] = mask
    return out


def _padded_mask(roi, ndim, family):
    if roi.mask.ndim != ndim:
        raise InvalidROIError(f"{family} features need a {ndim}D mask, got {roi.mask.ndim}D"
                              + ("; use shape2D for 2D images" if ndim == 3 else ""))
    if not roi.mask.any():
        raise InvalidROIError(f"{family} features need a non-empty ROI")
    return _pad(roi.mask)


def _as_2d(roi):
    """The 2D mask and its (y, x)-like spacing that shape2D works on, per pyradiomics' rules."""
    mask = np.asarray(roi.mask, dtype=bool)
    spacing = np.asarray(roi.spacing, dtype=np.float64)
    if mask.ndim == 3:
        if not roi.settings.get("force2D", False):
            raise InvalidROIError("shape2D on a 3D image needs force2D=True (and a single-slice "
                                  "ROI along force2Ddimension)")
        dim = int(roi.settings.get("force2Ddimension", 0))
        if mask.shape[dim] > 1:
            raise InvalidROIError(f"shape2D: the ROI spans {mask.shape[dim]} slices along "
                                  f"force2Ddimension={dim}; it must lie in a single slice")
        mask = np.squeeze(mask, axis=dim)
        spacing = np.delete(spacing, dim)
    elif mask.ndim != 2:
        raise InvalidROIError(f"shape2D features need a 2D mask or a single-slice 3D mask, got {mask.ndim}D")
    if not mask.any():
        raise InvalidROIError("shape2D features need a non-empty ROI")
    return mask, spacing


def _index_moments(mask):
    """``n`` and the exact integer numerators ``n S_kl - S_k S_l`` of the index covariance."""
    nd = mask.ndim
    n, sums, products = mask_moments(np.ascontiguousarray(mask if nd == 3 else mask[None], dtype=np.bool_))
    off = 3 - nd
    s = [int(v) for v in sums[off:]]
    num = [[n * int(products[k + off, l + off]) - s[k] * s[l] for l in range(nd)] for k in range(nd)]
    return n, num


def _covariance(mask, spacing):
    """Population covariance of the physical coordinates of the ROI voxels (pyradiomics' ``P^T P``).

    From the exact integer index moments: ``cov_kl = (n S_kl - S_k S_l) / n^2 * s_k * s_l`` with
    the numerator in Python's unbounded integers and one correctly rounded division, so the
    only rounding errors are the last three operations (pyradiomics' float sums carry more).
    """
    n, num = _index_moments(mask)
    nd = mask.ndim
    cov = np.empty((nd, nd))
    for k in range(nd):
        for l in range(k, nd):
            cov[k, l] = cov[l, k] = num[k][l] / (n * n) * float(spacing[k]) * float(spacing[l])
    return cov


def _eigenvalues(mask, spacing):
    """Eigenvalues of the ROI's physical-coordinate covariance, ascending (pyradiomics' method).

    2D: in closed form, ``lambda_major = (a + c) / 2 + hypot((a - c) / 2, b)`` and
    ``lambda_minor = det / lambda_major`` with the determinant from the exact integer moments, so
    a thin ROI's small eigenvalue carries no cancellation (and a straight line gets exactly 0).
    """
    if mask.ndim == 2:
        n, num = _index_moments(mask)
        sy, sx = (float(v) for v in spacing)
        a = num[0][0] / (n * n) * sy * sy
        b = num[0][1] / (n * n) * sy * sx
        c = num[1][1] / (n * n) * sx * sx
        major = (a + c) / 2.0 + float(np.hypot((a - c) / 2.0, b))
        det = (num[0][0] * num[1][1] - num[0][1] * num[0][1]) / (n ** 4) * (sy * sy) * (sx * sx)
        minor = det / major if major > 0.0 else 0.0
        return np.array([minor, major])
    cov = _covariance(mask, spacing)
    eig = np.linalg.eigvals(cov).real
    # Rounding can leave a flat ROI with a tiny negative eigenvalue; pyradiomics zeroes those.
    eig[(eig < 0) & (eig > -1e-10)] = 0.0
    return np.sort(eig)


def _axis(eigenvalue):
    return np.sqrt(eigenvalue) * 4 if eigenvalue >= 0 else np.nan


def _sqrt_ratio(small, large):
    if small < 0 or large < 0:
        return np.nan
    return np.sqrt(small / large)
