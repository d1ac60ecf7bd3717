"""Data sets: synthetic lesions (the embedded default), and loaders for real data.

Every loader returns an :class:`ImageDataset` (X, integer labels, one train/val/test split):

- :func:`make_lesion_dataset` -- seeded synthetic benign/malignant lesions (2D/3D, grey/RGB);
- :func:`from_medmnist` / :func:`load_medmnist` -- MedMNIST 2D npz files, official split;
- :func:`load_image_folder` -- a labels CSV or the ImageFolder layout;
- :func:`load_manifest_dataset` -- a pyradiomics batch CSV with a label column;
- :func:`load_dataset` -- any of those from a config's ``data`` section.

Names are imported on first use, so ``import radfeat.datasets`` stays light.
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "ImageDataset": "base", "stratified_split": "base", "encode_labels": "base", "from_medmnist": "base",
    "load_dataset": "base", "SPLITS": "base",
    "load_image_folder": "folder", "load_manifest_dataset": "folder",
    "make_lesion_dataset": "lesions", "lesion_batch": "lesions",
    "MedMNIST": "medmnist", "load_medmnist": "medmnist", "download_medmnist": "medmnist",
    "synthetic_case": "synthetic",
}

__all__ = [
    "SPLITS",
    "ImageDataset",
    "MedMNIST",
    "download_medmnist",
    "encode_labels",
    "from_medmnist",
    "lesion_batch",
    "load_dataset",
    "load_image_folder",
    "load_manifest_dataset",
    "load_medmnist",
    "make_lesion_dataset",
    "stratified_split",
    "synthetic_case",
]


__getattr__, __dir__ = lazy_exports(__name__, {name: f".{module}" for name, module in _EXPORTS.items()})
