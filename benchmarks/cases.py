"""The inputs every tool of the speed suite receives: synthetic images, masks and bin settings.

Single images (2D squares, 3D cubes) hold a random integer texture in 1..400 under a blob (2D)
or ellipsoid (3D) mask filling about half the box, binned with ``binWidth`` 25 (pyradiomics'
fixed-width bins from 0: 17 grey levels). The batch is a stack of 28 x 28 images with values
1..255 (MedMNIST-like), each whole image being its ROI, binned with ``binCount`` 32. Grey value 0
is never used, since nyxus treats intensity 0 as background in its texture matrices.

A :class:`Case` builds each tool's native input lazily (SimpleITK images, the ROI's bounding
box, unsigned copies, NIfTI files) so that no conversion is timed.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

__all__ = ["CASES", "QUICK_CASES", "Case", "make_case", "parse_cases"]

#: Case keys, their display label and their geometry, in run order.
CASES = {
    "2d-64": ("2D 64²", (64, 64)),
    "2d-128": ("2D 128²", (128, 128)),
    "2d-256": ("2D 256²", (256, 256)),
    "2d-512": ("2D 512²", (512, 512)),
    "3d-64": ("3D 64³", (64, 64, 64)),
    "3d-128": ("3D 128³", (128, 128, 128)),
    "batch": ("1000 × 28²", (1000, 28, 28)),
}
#: ``--quick`` skips the two largest single images and shrinks the batch.
QUICK_CASES = ("2d-64", "2d-128", "2d-256", "3d-64", "batch")
QUICK_BATCH = 200

SINGLE_SETTINGS = {"binWidth": 25}
BATCH_SETTINGS = {"binCount": 32}
SETTINGS_NOTE = ("single images: binWidth 25 on grey values 1..400 (17 levels); "
                 "28×28 batch: binCount 32 on values 1..255, whole image as ROI")


def parse_cases(text: str | None, quick: bool) -> list[str]:
    """Case keys from ``--cases`` (comma-separated keys, or all / the quick set when None)."""
    if not text:
        return list(QUICK_CASES if quick else CASES)
    keys = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in keys if k not in CASES]
    if unknown:
        raise SystemExit(f"unknown case(s) {unknown}; known: {', '.join(CASES)}")
    return keys


@dataclass
class Case:
    """One benchmark input: ``image`` and ``mask`` (a single image) or stacks of them (a batch)."""

    key: str
    label: str
    kind: str  # "2d", "3d" or "batch"
    image: np.ndarray
    mask: np.ndarray  # uint8, 1 inside the ROI
    settings: dict
    _tmp: list = field(default_factory=list, repr=False)

    # -- geometry

    @property
    def ndim(self) -> int:
        """Spatial dimensions of one image (2 for the 28 x 28 batch)."""
        return 2 if self.kind == "batch" else self.image.ndim

    @property
    def n_images(self) -> int:
        return len(self.image) if self.kind == "batch" else 1

    @cached_property
    def n_roi(self) -> int:
        """ROI voxels of one image (the scaling fits use it as the size n)."""
        return int(self.mask[0].sum() if self.kind == "batch" else self.mask.sum())

    @cached_property
    def box(self) -> tuple[slice, ...]:
        """The ROI's bounding box (what every extractor crops to before the feature classes)."""
        idx = np.nonzero(self.mask)
        return tuple(slice(int(i.min()), int(i.max()) + 1) for i in idx)

    @cached_property
    def cropped(self) -> tuple[np.ndarray, np.ndarray]:
        """(image, mask) cropped to the ROI box: the per-family input of every tool."""
        return self.image[self.box], self.mask[self.box]

    # -- derived inputs

    @cached_property
    def n_levels(self) -> int:
        """Grey levels of the ROI after pyradiomics' binning (the matrix size peers are given)."""
        if "binCount" in self.settings:
            return int(self.settings["binCount"])
        values = self.image[self.mask.astype(bool)]
        width = float(self.settings["binWidth"])
        return int(np.floor(values.max() / width) - np.floor(values.min() / width) + 1)

    @cached_property
    def levels(self) -> np.ndarray:
        """pyradiomics' grey levels (1-based, 0 outside the ROI) for peers that cannot bin themselves.

        Single images: cropped to the ROI box. Batch: the whole stack.
        """
        from radfeat.preprocessing.discretize import discretize, discretize_batch

        if self.kind == "batch":
            return discretize_batch(self.image, self.mask.astype(bool), **self.settings).astype(np.int64)
        image, mask = self.cropped
        return discretize(image.astype(np.float64), mask.astype(bool), **self.settings)[0].astype(np.int64)

    def sitk_pair(self, cropped: bool = False, index: int | None = None):
        """(image, mask) as SimpleITK images, unit spacing; ``index`` picks one batch image."""
        import SimpleITK as sitk

        if index is not None:
            image, mask = self.image[index], self.mask[index]
        else:
            image, mask = self.cropped if cropped else (self.image, self.mask)
        img = sitk.GetImageFromArray(image)
        msk = sitk.GetImageFromArray(mask)
        msk.CopyInformation(img)
        return img, msk

    @cached_property
    def nifti_files(self) -> tuple[str, str]:
        """The image and mask written as NIfTI files (nyxus reads 3D volumes from files only)."""
        import SimpleITK as sitk

        folder = Path(tempfile.mkdtemp(prefix=f"radfeat-speed-{self.key}-"))
        self._tmp.append(folder)
        atexit.register(shutil.rmtree, folder, True)
        img, msk = self.sitk_pair()
        paths = str(folder / "image.nii"), str(folder / "mask.nii")
        sitk.WriteImage(img, paths[0])
        sitk.WriteImage(msk, paths[1])
        return paths

    def subset(self, n: int) -> int:
        """How many batch images a per-image (Python loop) tool is timed on; its time is scaled up."""
        return min(self.n_images, n)


def make_case(key: str, quick: bool = False, seed: int = 0) -> Case:
    """Build case ``key`` (deterministic: every process gets the same arrays)."""
    label, shape = CASES[key]
    rng = np.random.default_rng(seed)
    if key == "batch":
        n = QUICK_BATCH if quick else shape[0]
        image = rng.integers(1, 256, size=(n,) + shape[1:]).astype(np.float64)
        mask = np.ones(image.shape, np.uint8)
        return Case(key, f"{n} × 28²", "batch", image, mask, dict(BATCH_SETTINGS))
    image = rng.integers(1, 401, size=shape).astype(np.int16)
    grids = np.meshgrid(*[np.linspace(-1, 1, s) for s in shape], indexing="ij")
    radii = [0.8, 0.7, 0.9][: len(shape)]
    mask = (sum((g / r) ** 2 for g, r in zip(grids, radii)) <= 1).astype(np.uint8)
    return Case(key, label, f"{len(shape)}d", image, mask, dict(SINGLE_SETTINGS))
