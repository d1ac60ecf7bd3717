"""Image folders and pyradiomics manifests as :class:`~radfeat.datasets.base.ImageDataset`.

Two folder layouts load:

- a labels CSV (default ``folder/labels.csv``) with one row per image: an image column (``image``,
  else ``file``, else the first column; paths relative to the folder), a label column (strings or
  integers), optionally a mask column and a ``split`` column (``train``/``val``/``test``);
- no CSV: the ImageFolder layout, one sub-folder per class (class = folder name).

X is a list of path strings, or ``(image, mask)`` path pairs when there are masks.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..exceptions import ConfigError, ImageReadError
from .base import (
    ImageDataset,
    _label_values,
    encode_labels,
    file_digest,
    stratified_split,
)

__all__ = ["IMAGE_SUFFIXES", "load_image_folder", "load_manifest_dataset"]

#: File endings the ImageFolder layout picks up (case-insensitive).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".nrrd", ".nii", ".nii.gz", ".npy",
                  ".mha", ".mhd")
_SPLIT_NAMES = {"train": "train", "training": "train", "val": "val", "valid": "val", "validation": "val",
                "dev": "val", "test": "test", "testing": "test"}
#: Columns that may hold readable class names next to integer labels.
_NAME_COLUMNS = ("class_name", "classname", "class", "name")


def _is_image(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not name.startswith(".") and name.endswith(IMAGE_SUFFIXES)


def _check_exist(paths, where):
    missing = [p for p in paths if p is not None and not Path(p).exists()]
    if missing:
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise ImageReadError(f"{where}: {len(missing)} file(s) not found: " + ", ".join(map(str, missing[:5])) + more)


def _read_csv(path: Path):
    if not path.is_file():
        raise ImageReadError(f"{path}: labels CSV not found")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        header = [h.strip() for h in (reader.fieldnames or [])]
        rows = [{(k or "").strip(): (v or "").strip() if isinstance(v, str) else v for k, v in row.items()}
                for row in reader]
    if not header:
        raise ConfigError(f"{path}: empty CSV (no header)")
    return header, rows


def _parse_split(values, path, column):
    out = []
    for n, v in enumerate(values, start=2):
        s = _SPLIT_NAMES.get(str(v).strip().lower())
        if s is None:
            raise ConfigError(f"{path}, line {n}: {column} must be train, val or test, got {v!r}")
        out.append(s)
    return np.array(out, dtype="<U5")


def _labels(values, path, column):
    for n, v in enumerate(values, start=2):
        if v is None or str(v).strip() == "":
            raise ConfigError(f"{path}, line {n}: empty {column}")
    return encode_labels(values)


def _readable_names(rows, header, codes, names, label_column, skip):
    """Class names from a ``class_name``-like column when it maps one-to-one onto integer labels."""
    cols = [c for c in header if c.lower() in _NAME_COLUMNS and c not in skip and c != label_column]
    if not cols or not all(n.lstrip("-").isdigit() for n in names):
        return names, None
    col = cols[0]
    mapping = {}
    for code, row in zip(codes.tolist(), rows):
        mapping.setdefault(code, set()).add(row.get(col, ""))
    picked = [mapping[c].pop() if len(mapping.get(c, ())) == 1 else None for c in range(len(names))]
    if None in picked or "" in picked or len(set(picked)) != len(picked):
        return names, None
    return tuple(picked), col


def _split_or_draw(rows, header, y, split_column, fractions, seed, path):
    if split_column and split_column in header:
        return _parse_split([r.get(split_column, "") for r in rows], path, split_column), True
    return stratified_split(y, fractions, seed), False


def load_image_folder(folder, labels=None, *, image_column=None, label_column="label", mask_column=None,
                      split_column="split", fractions=(0.7, 0.1, 0.2), seed=0) -> ImageDataset:
    """An image folder as an :class:`ImageDataset` (see the module docstring for the layouts).

    Parameters
    ----------
    folder : path
        Root folder; image (and mask) paths in the CSV are relative to it.
    labels : path, optional
        Labels CSV; default ``folder/labels.csv`` when it exists, else the ImageFolder layout.
    image_column : str, optional
        Default ``image``, else ``file``, else the first column.
    label_column : str
        Class label column (strings or integers). When labels are integers and a ``class_name``
        column maps one-to-one onto them, its values become the class names.
    mask_column : str, optional
        Mask paths; X then holds ``(image, mask)`` pairs (an empty cell gives ``(image, None)``).
    split_column : str
        When present in the CSV, the split (official_split=True); else a stratified split.
    fractions, seed
        Of :func:`~radfeat.datasets.base.stratified_split`, when the split is drawn here.

    Raises
    ------
    ImageReadError
        The folder, the CSV, or any listed image/mask is missing (all files are checked first).
    ConfigError
        A named column is missing, a label or split cell is empty or invalid.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ImageReadError(f"{folder}: image folder not found")
    csv_path = Path(labels) if labels is not None else folder / "labels.csv"
    if labels is not None or csv_path.is_file():
        header, rows = _read_csv(csv_path)
        if image_column is None:
            image_column = next((c for c in ("image", "file") if c in header), header[0])
        for what, col in (("image", image_column), ("label", label_column), ("mask", mask_column)):
            if col is not None and col not in header:
                from ..features.registry import did_you_mean

                raise ConfigError(f"{csv_path}: no {what} column {col!r}{did_you_mean(col, header)}; "
                                  f"columns found: {header}")
        if not rows:
            raise ConfigError(f"{csv_path}: no rows")
        images = []
        for n, r in enumerate(rows, start=2):
            if not r.get(image_column):
                raise ConfigError(f"{csv_path}, line {n}: empty {image_column}")
            images.append(str(folder / r[image_column]))
        masks = None
        if mask_column is not None:
            masks = [str(folder / r[mask_column]) if r.get(mask_column) else None for r in rows]
        _check_exist(images + (masks or []), str(folder))
        raw = [r[label_column] for r in rows]
        y, names = _labels(raw, csv_path, label_column)
        names, name_col = _readable_names(rows, header, y, names, label_column,
                                          {image_column, mask_column, split_column})
        split, official = _split_or_draw(rows, header, y, split_column, fractions, seed, csv_path)
        X = images if masks is None else list(zip(images, masks))
        info = {"kind": "folder", "layout": "csv", "source": str(folder), "labels_csv": str(csv_path),
                "labels_sha256": file_digest(csv_path), "image_column": image_column, "label_column": label_column,
                "mask_column": mask_column, "class_name_column": name_col,
                "split_column": split_column if official else None, "label_values": _label_values(raw)}
    else:
        classes = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
        X, raw = [], []
        for d in classes:
            files = sorted(p for p in d.rglob("*") if _is_image(p))
            X += [str(p) for p in files]
            raw += [d.name] * len(files)
        if not X:
            raise ImageReadError(f"{folder}: no labels.csv and no class sub-folders with images "
                                 f"({', '.join(IMAGE_SUFFIXES)})")
        codes = sorted(set(raw))  # folder names: keep them as names, sorted as strings
        y = np.array([codes.index(r) for r in raw], dtype=np.int64)
        names = tuple(codes)
        split, official = stratified_split(y, fractions, seed), False
        info = {"kind": "folder", "layout": "imagefolder", "source": str(folder), "label_values": names}
    how = "official split" if official else f"stratified split {list(fractions)}, seed {seed}"
    info.update(fractions=None if official else list(fractions), split_seed=None if official else seed)
    return ImageDataset(name=folder.name, X=X, y=y, split=split, class_names=names,
                        description=f"image folder {folder} ({len(y)} images, {len(names)} classes, {how})",
                        official_split=official, info=info)


def load_manifest_dataset(path, *, label_column="label", split_column="split", fractions=(0.7, 0.1, 0.2),
                          seed=0) -> ImageDataset:
    """A pyradiomics batch CSV (``Image``, ``Mask``, ... columns) plus a label column.

    X is the list of ``(image_path, mask_path)`` pairs (paths relative to the CSV's folder). A
    ``split`` column, when present, gives the split (official_split=True); else it is a
    stratified one. A non-default mask label (pyradiomics' ``Label`` column) is kept in
    ``info["mask_labels"]``.
    """
    from ..io.manifest import read_manifest

    path = Path(path)
    specs = read_manifest(path)
    if not specs:
        raise ConfigError(f"{path}: manifest has no rows")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = [h.strip() for h in (next(csv.reader(fh), None) or [])]
    if label_column not in specs[0].extra:
        from ..features.registry import did_you_mean

        hint = did_you_mean(label_column, [c for c in header if c not in ("Image", "Mask")])
        if label_column in ("Label", "Label_channel"):
            hint += f" ({label_column!r} is pyradiomics' mask label setting, not a class label)"
        raise ConfigError(f"{path}: no label column {label_column!r}{hint}; columns found: {header}")
    _check_exist([s.image for s in specs] + [s.mask for s in specs], str(path))
    raw = [s.extra.get(label_column) for s in specs]
    y, names = _labels(raw, path, label_column)
    rows = [s.extra for s in specs]
    split, official = _split_or_draw(rows, list(specs[0].extra), y, split_column, fractions, seed, path)
    info = {"kind": "manifest", "source": str(path), "sha256": file_digest(path), "label_column": label_column,
            "split_column": split_column if official else None, "label_values": _label_values(raw),
            "fractions": None if official else list(fractions), "split_seed": None if official else seed}
    if any(s.label is not None for s in specs):
        info["mask_labels"] = [s.label for s in specs]
    how = "official split" if official else f"stratified split {list(fractions)}, seed {seed}"
    return ImageDataset(name=path.stem, X=[(s.image, s.mask) for s in specs], y=y, split=split, class_names=names,
                        description=f"manifest {path} ({len(y)} cases, {len(names)} classes, {how})",
                        official_split=official, info=info)
