"""The benchmark's seeded synthetic data set: benign versus malignant lesions.

Each image holds one lesion on a noisy background with a faint smooth structure:

- class 0 ``benign``: round, smooth-bordered, homogeneous blobs;
- class 1 ``malignant``: lobulated / irregular-bordered, textured (heterogeneous) blobs.

Position, size, elongation, orientation, contrast, background level and noise vary independently
of the class. The two class-conditional cues -- border irregularity (amplitude and roughness of
the radial boundary perturbation) and interior heterogeneity (texture amplitude) -- are drawn
from overlapping distributions, so no method separates the classes perfectly: with the defaults
(``difficulty=1``) one shape or texture statistic alone reaches an AUC of about 0.75-0.85 and a
good method that combines them about 0.9. ``difficulty`` divides the gap between the class
means (2 is much harder, 0.5 nearly separable).

Grey images are **uint8** (like MedMNIST); ``rgb=True`` gives an H&E-like colouring (uint8
``(..., 3)``): the grey pattern sets a haematoxylin concentration, a smooth eosin field is added,
both mixed with the Ruifrok-Johnston optical densities (Beer-Lambert), with per-image stain
variation and colour noise. Masks are uint8 lesion segmentations (1 = lesion).
"""

from __future__ import annotations

import numpy as np

from .base import ImageDataset, stratified_split

__all__ = ["CLASS_NAMES", "lesion_batch", "make_lesion_dataset"]

CLASS_NAMES = ("benign", "malignant")

# Ruifrok & Johnston (2001) unit optical-density vectors (R, G, B) of haematoxylin and eosin.
_HEMATOXYLIN = np.array([0.650, 0.704, 0.286])
_EOSIN = np.array([0.072, 0.990, 0.105])


def _smooth_batch(x, passes):
    """Box blur along every axis but the first (the sample axis), with wrap-around."""
    for _ in range(passes):
        for axis in range(1, x.ndim):
            x = (np.roll(x, 1, axis) + x + np.roll(x, -1, axis)) / 3.0
    return x


def _class_param(rng, y, low, high, spread, difficulty, lo=0.0):
    """Normal draws around the class mean (``low`` for 0, ``high`` for 1, gap divided by
    ``difficulty``), truncated below at ``lo``."""
    mid, half = (low + high) / 2.0, (high - low) / 2.0 / difficulty
    mean = mid + np.where(y == 1, half, -half)
    return np.maximum(rng.normal(mean, spread), lo)


def lesion_batch(y, *, size=32, ndim=2, rgb=False, seed=0, difficulty=1.0):
    """Images and masks for the class codes ``y`` (0 benign, 1 malignant).

    Returns
    -------
    images : ndarray of uint8, ``(N, size, size)``, ``(N, size//2, size, size)`` or with ``(..., 3)``
    masks : ndarray of uint8, same spatial shape (1 inside the lesion)
    params : dict of per-sample generator parameters (arrays of length N)
    """
    if ndim not in (2, 3):
        raise ValueError(f"ndim must be 2 or 3, got {ndim}")
    if not difficulty > 0:
        raise ValueError(f"difficulty must be > 0, got {difficulty}")
    size = int(size)
    if size < 8:
        raise ValueError(f"size must be >= 8, got {size}")
    y = np.asarray(y, dtype=np.int64)
    n = len(y)
    rng = np.random.default_rng(seed)
    shape = (max(size // 2, 4), size, size) if ndim == 3 else (size, size)
    axes = [np.linspace(-1.0, 1.0, s) for s in shape]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, ndim)  # (G, ndim)

    # ---- class-independent nuisance parameters
    centre = rng.uniform(-0.18, 0.18, size=(n, ndim))
    radius = rng.uniform(0.26, 0.46, size=n)
    elong = rng.uniform(0.72, 1.0, size=(n, ndim))  # per-axis scale of the ellipsoid
    elong[np.arange(n), rng.integers(0, ndim, size=n)] = 1.0
    rot = rng.uniform(0.0, np.pi, size=n)
    background = rng.uniform(55.0, 95.0, size=n)
    contrast = rng.uniform(35.0, 70.0, size=n)
    noise = rng.uniform(5.0, 10.0, size=n)
    structure = rng.uniform(0.0, 10.0, size=n)
    tex_passes = rng.integers(1, 3, size=n)

    # ---- class-conditional cues (overlapping)
    irregular = _class_param(rng, y, 0.065, 0.15, 0.05, difficulty, lo=0.0)  # relative radius perturbation
    rough = _class_param(rng, y, 1.5, 1.1, 0.4, difficulty, lo=0.2)  # spectral decay: low = rough
    texture = _class_param(rng, y, 5.5, 12.5, 4.5, difficulty, lo=0.5)  # interior texture std (grey levels)

    # ---- boundary: radius(direction) = radius * (1 + irregular * bumps(direction))
    # float32 from here on: the per-pixel work dominates the cost
    f32 = np.float32
    offs = (grid[None, :, :] - centre[:, None, :]).astype(f32)  # (N, G, ndim)
    c, s = np.cos(rot).astype(f32)[:, None], np.sin(rot).astype(f32)[:, None]  # rotate in the (y, x) plane
    a, b = offs[..., -2].copy(), offs[..., -1].copy()
    offs[..., -2], offs[..., -1] = c * a - s * b, s * a + c * b
    offs /= elong[:, None, :].astype(f32)
    r = np.sqrt((offs ** 2).sum(-1)) + f32(1e-9)  # (N, G)
    direction = [offs[..., d] / r for d in range(ndim)]
    n_terms = 7
    u = rng.normal(size=(n, n_terms, ndim))
    u /= np.linalg.norm(u, axis=-1, keepdims=True)
    freq = rng.uniform(1.5, 7.0, size=(n, n_terms))
    phase = rng.uniform(0.0, 2 * np.pi, size=(n, n_terms))
    weight = freq ** -rough[:, None] * rng.uniform(0.5, 1.0, size=(n, n_terms))
    weight /= np.sqrt((weight ** 2).sum(1, keepdims=True) / 2.0)  # unit RMS bumps
    bumps = np.zeros_like(r)
    for t in range(n_terms):
        proj = sum(direction[d] * u[:, t, d, None].astype(f32) for d in range(ndim))
        arg = (freq[:, t, None] * np.pi).astype(f32) * proj + phase[:, t, None].astype(f32)
        bumps += weight[:, t, None].astype(f32) * np.cos(arg)
    np.clip(bumps, -2.5, 2.5, out=bumps)
    boundary = radius[:, None].astype(f32) * np.maximum(1 + irregular[:, None].astype(f32) * bumps, f32(0.35))
    rmax = 0.92 - np.abs(centre).max(1)  # keep the lesion inside the image
    boundary = np.minimum(boundary, (rmax * elong.min(1))[:, None].astype(f32))
    inside = r - boundary  # < 0 inside
    mask = (inside < 0).reshape((n,) + shape)
    pixel = 2.0 / size
    profile = f32(0.5) - f32(0.5) * np.tanh(inside / f32(1.2 * pixel))  # anti-aliased edge
    profile = profile.reshape((n,) + shape).astype(np.float64)

    # ---- intensities
    tex = rng.normal(size=(n,) + shape)
    tex = np.where((tex_passes == 1).reshape((n,) + (1,) * ndim), _smooth_batch(tex, 1), _smooth_batch(tex, 2))
    tex /= tex.reshape(n, -1).std(1).reshape((n,) + (1,) * ndim) + 1e-12
    bg = _smooth_batch(rng.normal(size=(n,) + shape), 4)
    bg /= bg.reshape(n, -1).std(1).reshape((n,) + (1,) * ndim) + 1e-12
    bcast = (n,) + (1,) * ndim
    image = (background.reshape(bcast) + structure.reshape(bcast) * bg
             + profile * (contrast.reshape(bcast) + texture.reshape(bcast) * tex)
             + noise.reshape(bcast) * rng.normal(size=(n,) + shape))
    params = {"centre": centre, "radius": radius, "irregularity": irregular, "roughness": rough,
              "texture": texture, "contrast": contrast, "noise": noise, "background": background}
    if not rgb:
        return np.clip(np.round(image), 0, 255).astype(np.uint8), mask.astype(np.uint8), params

    # ---- H&E-like colour: grey pattern -> haematoxylin, smooth field -> eosin (Beer-Lambert)
    h_scale = rng.uniform(0.8, 1.2, size=n).reshape(bcast)
    e_scale = rng.uniform(0.7, 1.3, size=n).reshape(bcast)
    hema = np.clip((image - 40.0) / 120.0, 0.0, 1.8) * h_scale
    eos = np.clip(0.45 + 0.3 * _smooth_batch(rng.normal(size=(n,) + shape), 3), 0.05, None) * e_scale
    od = hema[..., None] * _HEMATOXYLIN + eos[..., None] * _EOSIN
    colour = 255.0 * np.exp(-od) + rng.normal(0.0, 3.0, size=od.shape)
    return np.clip(np.round(colour), 0, 255).astype(np.uint8), mask.astype(np.uint8), params


def make_lesion_dataset(n=400, *, size=32, ndim=2, rgb=False, masks=True, seed=0, fractions=(0.6, 0.2, 0.2),
                        difficulty=1.0) -> ImageDataset:
    """The seeded synthetic benign/malignant lesion data set (see the module docstring).

    Parameters
    ----------
    n : int
        Number of images (classes balanced: ``n - n//2`` benign, ``n//2`` malignant).
    size : int
        2D images are ``(size, size)``; 3D volumes ``(size//2, size, size)``.
    ndim : 2 or 3
    rgb : bool
        H&E-like uint8 colour images ``(..., 3)`` instead of uint8 grey.
    masks : bool
        True: X is a list of ``(image, mask)`` pairs (mask = lesion segmentation, uint8);
        False: X is the image stack (whole-image classification, like MedMNIST).
    seed : int
        Seeds the images and the (stratified) split.
    fractions : (train, val, test)
    difficulty : float
        Divides the gap between the class-conditional parameter means (1 = the default).

    Returns
    -------
    ImageDataset
        ``class_names = ("benign", "malignant")``. The per-image generator parameters
        (irregularity, texture, ...) come from :func:`lesion_batch`.
    """
    n = int(n)
    if n < 6:
        raise ValueError(f"n must be >= 6 (3 per class for a train/val/test split), got {n}")
    rng = np.random.default_rng([seed, 1])
    y = rng.permutation(np.r_[np.zeros(n - n // 2, dtype=np.int64), np.ones(n // 2, dtype=np.int64)])
    images, mask, _ = lesion_batch(y, size=size, ndim=ndim, rgb=rgb, seed=seed, difficulty=difficulty)
    split = stratified_split(y, fractions, seed)
    X = list(zip(images, mask)) if masks else images
    shape = images.shape[1:]
    info = {"kind": "synthetic", "generator": "radfeat.datasets.lesions.make_lesion_dataset",
            "n": n, "size": int(size), "ndim": int(ndim), "rgb": bool(rgb), "masks": bool(masks), "seed": int(seed),
            "fractions": list(fractions), "difficulty": float(difficulty), "dtype": "uint8"}
    kind = "RGB (H&E-like) " if rgb else "grey "
    return ImageDataset(
        name="synthetic-lesions", X=X, y=y, split=split, class_names=CLASS_NAMES,
        description=(f"synthetic lesions: {n} {kind}{ndim}D images {shape}, benign (round, smooth, homogeneous) "
                     f"vs malignant (irregular, textured), difficulty {difficulty}, seed {seed}"
                     + (", with lesion masks" if masks else "")),
        official_split=False, info=info)
