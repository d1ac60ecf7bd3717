"""Seeded synthetic lesions, so radfeat's main job runs on a fresh machine with no data.

A lesion is an ellipsoid (3D) or ellipse (2D) whose boundary is perturbed by low-order harmonics
(``irregularity``) and whose interior carries smoothed Gaussian texture, on a noisy background.
"""

from __future__ import annotations

import numpy as np

__all__ = ["synthetic_case"]


def _smooth(noise, passes):
    # Cheap separable box blur: correlated texture without a SciPy dependency.
    out = noise
    for _ in range(passes):
        for axis in range(out.ndim):
            out = (np.roll(out, 1, axis) + out + np.roll(out, -1, axis)) / 3.0
    return out


def synthetic_case(shape=(24, 48, 48), *, seed=0, irregularity=0.15, texture=1.0,
                   lesion_mean=120.0, background_mean=60.0, noise=10.0):
    """One synthetic image and its lesion mask.

    Parameters
    ----------
    shape : tuple of int
        ``(z, y, x)`` or ``(y, x)``.
    seed : int
        Seeds every random choice.
    irregularity : float
        Relative amplitude of the boundary harmonics (0 gives a smooth ellipsoid).
    texture : float
        Scale of the lesion's internal texture.

    Returns
    -------
    image : ndarray of int16
    mask : ndarray of uint8 (1 inside the lesion)
    """
    rng = np.random.default_rng(seed)
    shape = tuple(int(s) for s in shape)
    grids = np.meshgrid(*[np.linspace(-1, 1, s) for s in shape], indexing="ij")
    radii = rng.uniform(0.45, 0.7, size=len(shape))
    r = np.sqrt(sum((g / rad) ** 2 for g, rad in zip(grids, radii)))
    angle = np.arctan2(grids[-2], grids[-1])
    bumps = sum(rng.uniform(-1, 1) * np.cos(k * angle + rng.uniform(0, 2 * np.pi)) for k in (3, 5, 7))
    mask = (r < 1.0 + irregularity * bumps / 3.0).astype(np.uint8)
    tex = _smooth(rng.normal(size=shape), 2)
    tex = tex / (tex.std() + 1e-12)
    image = background_mean + noise * rng.normal(size=shape)
    image = image + mask * (lesion_mean - background_mean + 25.0 * texture * tex)
    return np.round(image).astype(np.int16), mask
