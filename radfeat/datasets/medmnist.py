"""MedMNIST v2 (2D, 28x28) from the official npz files: a local path, or a verified download.

Every official 2D npz holds ``train_images, train_labels, val_images, val_labels, test_images,
test_labels``; images are ``(N, 28, 28)`` uint8 (grey) or ``(N, 28, 28, 3)`` (RGB); labels are
``(N, 1)`` (multi-label sets such as ChestMNIST: ``(N, L)``). Any file with those keys loads,
not only the flags listed here.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..exceptions import ImageReadError

__all__ = ["MEDMNIST_2D", "MedMNIST", "load_medmnist", "download_medmnist", "default_root"]

#: Official 28x28 files: flag -> (MD5, task), from the MedMNIST v2 release (Zenodo record 6496656).
MEDMNIST_2D = {
    "pathmnist": ("a8b06965200029087d5bd730944a56c1", "multi-class"),
    "chestmnist": ("02c8a6516a18b556561a56cbdd36c4a8", "multi-label, binary-class"),
    "dermamnist": ("0744692d530f8e62ec473284d019b0c7", "multi-class"),
    "octmnist": ("c68d92d5b585d8d81f7112f81e2d0842", "multi-class"),
    "pneumoniamnist": ("28209eda62fecd6e6a2d98b1501bb15f", "binary-class"),
    "retinamnist": ("bd4c0672f1bba3e3a89f0e4e876791e4", "ordinal-regression"),
    "breastmnist": ("750601b1f35ba3300ea97c75c52ff8f6", "binary-class"),
    "bloodmnist": ("7053d0359d879ad8a5505303e11de1dc", "multi-class"),
    "tissuemnist": ("ebe78ee8b05294063de985d821c1c34b", "multi-class"),
    "organamnist": ("866b832ed4eeba67bfb9edee1d5544e6", "multi-class"),
    "organcmnist": ("0afa5834fb105f7705a7d93372119a21", "multi-class"),
    "organsmnist": ("e5c39f1af030238290b9557d9503af9d", "multi-class"),
}
URL = "https://zenodo.org/record/6496656/files/{flag}.npz?download=1"
SPLITS = ("train", "val", "test")


def default_root() -> Path:
    """Where downloads go: ``$RADFEAT_DATA_HOME`` or ``~/.radfeat/medmnist``."""
    return Path(os.environ.get("RADFEAT_DATA_HOME", Path.home() / ".radfeat" / "medmnist"))


@dataclass
class MedMNIST:
    """The three official splits of one MedMNIST 2D data set."""

    name: str
    splits: dict  # split -> (images, labels)
    task: str | None = None

    def split(self, which: str):
        """``(images, labels)`` of ``train``, ``val`` or ``test``; labels raveled when single-column."""
        images, labels = self.splits[which]
        return images, (labels.ravel() if labels.ndim == 2 and labels.shape[1] == 1 else labels)

    @property
    def is_rgb(self) -> bool:
        return self.splits["train"][0].ndim == 4

    @property
    def n_classes(self) -> int:
        labels = np.concatenate([self.split(s)[1] for s in SPLITS])
        return int(labels.max()) + 1


def _md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def download_medmnist(flag: str, root=None, *, url=None) -> Path:
    """Download an official MedMNIST 2D npz into ``root`` and check its MD5 (skipped if present)."""
    if flag not in MEDMNIST_2D:
        raise ImageReadError(f"unknown MedMNIST flag {flag!r}; known: {', '.join(MEDMNIST_2D)}")
    root = Path(root or default_root())
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{flag}.npz"
    md5 = MEDMNIST_2D[flag][0]
    if path.exists() and _md5(path) == md5:
        return path
    tmp = path.with_suffix(".part")
    try:
        urllib.request.urlretrieve(url or URL.format(flag=flag), tmp)
    except OSError as exc:
        raise ImageReadError(f"could not download {flag} from {url or URL.format(flag=flag)}: {exc}") from None
    got = _md5(tmp)
    if got != md5:
        tmp.unlink(missing_ok=True)
        raise ImageReadError(f"{flag}: downloaded file has MD5 {got}, expected {md5}")
    os.replace(tmp, path)
    return path


def load_medmnist(source, *, root=None, download=False) -> MedMNIST:
    """Load a MedMNIST 2D npz from a path, or by flag from ``root`` (downloading if asked).

    Parameters
    ----------
    source : str or Path
        A ``.npz`` path, or a flag such as ``breastmnist``.
    root : path, optional
        Folder holding ``<flag>.npz`` (default :func:`default_root`).
    download : bool
        Fetch the official file (MD5-checked) when it is not in ``root``.
    """
    path = Path(source)
    name = path.stem
    if path.suffix != ".npz":
        name = str(source).lower()
        path = Path(root or default_root()) / f"{name}.npz"
        if not path.exists():
            if not download:
                raise ImageReadError(f"{path}: not found (pass download=True, or a path to the npz)")
            path = download_medmnist(name, root)
    if not path.exists():
        raise ImageReadError(f"{path}: file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [f"{s}_{k}" for s in SPLITS for k in ("images", "labels") if f"{s}_{k}" not in z]
            if missing:
                raise ImageReadError(f"{path}: not a MedMNIST npz (missing {', '.join(missing)})")
            splits = {s: (z[f"{s}_images"], z[f"{s}_labels"]) for s in SPLITS}
    except (ValueError, OSError) as exc:
        raise ImageReadError(f"{path}: cannot read npz ({exc})") from None
    for s, (images, labels) in splits.items():
        if len(images) != len(labels) or images.ndim not in (3, 4):
            raise ImageReadError(f"{path}: {s} split has {len(images)} images of shape {images.shape[1:]} "
                                 f"and {len(labels)} labels")
    return MedMNIST(name, splits, MEDMNIST_2D.get(name, (None, None))[1])
