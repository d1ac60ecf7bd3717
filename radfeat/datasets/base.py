"""One data set, one split: the common currency of the benchmark harness and ``radfeat train``.

An :class:`ImageDataset` holds every sample of a data set in one ``X`` (a stack array or a list
of images / paths / ``(image, mask)`` pairs -- the forms :class:`radfeat.sklearn.RadiomicsFeatures`
accepts), integer labels ``y`` and a per-sample ``split`` of ``"train"``, ``"val"`` or ``"test"``,
so every method (radiomics pipelines, CNNs) sees exactly the same partition. The split can be
checked afterwards with :meth:`ImageDataset.split_digest`.

This module imports only NumPy; readers (SimpleITK, the loaders) are imported when needed.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from ..exceptions import ConfigError

__all__ = [
    "SPLITS",
    "ImageDataset",
    "encode_labels",
    "file_digest",
    "from_medmnist",
    "load_dataset",
    "stratified_split",
]

SPLITS = ("train", "val", "test")


# ------------------------------------------------------------------------------------- helpers


def _as_int(value):
    """``int(value)`` for integers and integer-like strings/floats, else None."""
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return int(value) if float(value).is_integer() else None
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def encode_labels(values):
    """Integer codes ``0..K-1`` and class names for arbitrary labels.

    Classes are the sorted unique values: numerically when every value is an integer (or an
    integer-like string such as ``"3"``), else as strings. Names are strings (``3 -> "3"``).

    Returns
    -------
    codes : ndarray of int64, shape (N,)
    class_names : tuple of str
    """
    values = list(np.asarray(values, dtype=object).ravel()) if not isinstance(values, list) else list(values)
    if not values:
        return np.zeros(0, dtype=np.int64), ()
    ints = [_as_int(v) for v in values]
    if all(i is not None for i in ints):
        keys = ints
    else:
        keys = [str(v).strip() if isinstance(v, str) else str(v) for v in values]
    uniq = sorted(set(keys))
    lookup = {k: i for i, k in enumerate(uniq)}
    return np.array([lookup[k] for k in keys], dtype=np.int64), tuple(str(k) for k in uniq)


def _label_values(values):
    """The sorted unique labels in their natural type (ints when all are integer-like)."""
    ints = [_as_int(v) for v in values]
    if all(i is not None for i in ints):
        return tuple(sorted(set(ints)))
    return tuple(sorted({str(v).strip() for v in values}))


def _allocate(counts, total, min_each):
    """Split ``total`` over groups in proportion to ``counts`` (largest remainder), each at most its
    count and at least ``min_each`` (when the group has that many)."""
    counts = np.asarray(counts, dtype=np.int64)
    if total >= counts.sum():
        return counts.copy()
    exact = total * counts / max(counts.sum(), 1)
    out = np.floor(exact).astype(np.int64)
    floor_min = np.minimum(counts, min_each)
    out = np.maximum(out, floor_min)
    # fix the sum: add by largest remainder, remove from the largest groups above their minimum
    rem = exact - np.floor(exact)
    while out.sum() < total:
        room = out < counts
        k = int(np.argmax(np.where(room, rem + 1e-9 * counts, -np.inf)))
        out[k] += 1
        rem[k] = -1.0
        if not room.any():  # pragma: no cover - guarded by the total >= sum check
            break
    while out.sum() > total:
        spare = out > floor_min
        if not spare.any():
            break
        k = int(np.argmax(np.where(spare, out, -1)))
        out[k] -= 1
    return out


def _check_fractions(fractions):
    try:
        fr = np.asarray([float(f) for f in fractions], dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"split fractions must be three numbers (train, val, test), got {fractions!r}") from None
    if fr.shape != (3,) or np.any(fr < 0) or not np.isfinite(fr).all() or abs(fr.sum() - 1.0) > 1e-6:
        raise ConfigError(f"split fractions must be three non-negative numbers (train, val, test) summing to 1, "
                          f"got {list(fractions)}")
    return fr


def stratified_split(y, fractions=(0.7, 0.1, 0.2), seed=0) -> np.ndarray:
    """A seeded stratified train/val/test assignment.

    Each class is shuffled (``numpy.random.default_rng(seed)``) and cut in the given proportions
    (largest-remainder rounding), with at least one sample in every part whose fraction is
    positive -- so a class of 3 gets one train, one val and one test sample.

    Parameters
    ----------
    y : array-like of labels, shape (N,)
    fractions : (train, val, test), summing to 1; a 0 leaves that part empty.
    seed : int

    Returns
    -------
    ndarray of str, shape (N,): ``"train"``, ``"val"`` or ``"test"`` per sample.

    Raises
    ------
    ValueError
        When a class has fewer samples than there are non-empty parts.
    """
    fr = _check_fractions(fractions)
    codes, names = encode_labels(list(np.asarray(y, dtype=object).ravel()))
    need = int((fr > 0).sum())
    rng = np.random.default_rng(seed)
    out = np.empty(len(codes), dtype="<U5")
    small = [(names[c], int((codes == c).sum())) for c in range(len(names)) if (codes == c).sum() < need]
    if small:
        raise ValueError(f"stratified_split: every class needs at least {need} samples (one per part of "
                         f"{dict(zip(SPLITS, fr.tolist()))}); too few in "
                         + ", ".join(f"class {n!r} ({k})" for n, k in small))
    for c in range(len(names)):
        idx = np.flatnonzero(codes == c)
        idx = idx[rng.permutation(len(idx))]
        n = len(idx)
        exact = fr * n
        part = np.floor(exact).astype(np.int64)
        order = np.argsort(-(exact - part), kind="stable")
        for k in order[: n - int(part.sum())]:
            part[k] += 1
        for k in range(3):  # at least one in every positive part, taken from the largest part
            while fr[k] > 0 and part[k] == 0:
                j = int(np.argmax(part))
                part[j] -= 1
                part[k] += 1
        bounds = np.concatenate([[0], np.cumsum(part)])
        for k, s in enumerate(SPLITS):
            out[idx[bounds[k]:bounds[k + 1]]] = s
    return out


def file_digest(path, algorithm="sha256", max_bytes=512 << 20):
    """Hex digest of a file, or None when it is larger than ``max_bytes`` (not cheap) or unreadable."""
    try:
        p = Path(path)
        if not p.is_file() or p.stat().st_size > max_bytes:
            return None
        h = hashlib.new(algorithm)
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()
    except OSError:
        return None


def _array_dims(shape):
    nd = len(shape)
    if nd in (3, 4) and shape[-1] == 3:
        return nd - 1, True
    return nd, False


def _item_dims(image):
    """(spatial ndim, rgb) of one image: an array, a SimpleITK image, or a path (header only)."""
    if isinstance(image, np.ndarray):
        return _array_dims(image.shape)
    if isinstance(image, (str, os.PathLike)):
        path = Path(image)
        if path.suffix.lower() == ".npy":
            return _array_dims(np.load(path, mmap_mode="r").shape)
        import SimpleITK as sitk

        if path.is_dir():  # a DICOM series: 3D, grey
            return 3, False
        reader = sitk.ImageFileReader()
        reader.SetFileName(str(path))
        try:
            reader.ReadImageInformation()
        except RuntimeError as exc:
            from ..exceptions import ImageReadError

            raise ImageReadError(f"{path}: cannot read the image header ({str(exc).strip().splitlines()[-1]})") from None
        size = reader.GetSize()
        ndim = len(size)
        if ndim == 3 and size[2] == 1 and path.suffix.lower() in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"):
            ndim = 2
        return ndim, reader.GetNumberOfComponents() in (3, 4)
    if hasattr(image, "GetDimension"):  # a SimpleITK image
        return image.GetDimension(), image.GetNumberOfComponentsPerPixel() == 3
    raise TypeError(f"cannot tell the dimensions of a {type(image).__name__}")


# ------------------------------------------------------------------------------------- the class


@dataclass
class ImageDataset:
    """Every sample of one data set with its labels and its one train/val/test split.

    Attributes
    ----------
    name : str
    X : ndarray or list
        A stack ``(N, H, W)``, ``(N, H, W, 3)`` or ``(N, D, H, W)``, or a list of N items (arrays,
        paths, or ``(image, mask)`` pairs). The same X goes to every method.
    y : ndarray of int64, shape (N,)
        Class codes ``0..K-1``.
    split : ndarray of str, shape (N,)
        ``"train"``, ``"val"`` or ``"test"`` per sample.
    class_names : tuple of str
        Name of each code.
    description : str
    official_split : bool
        Whether the split comes with the data (MedMNIST, a split column) rather than drawn here.
    info : dict
        Provenance: ``kind``, ``source``, digests of the source file, task, generator settings...
    """

    name: str
    X: object
    y: np.ndarray
    split: np.ndarray
    class_names: tuple = ()
    description: str = ""
    official_split: bool = False
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        self.y = np.asarray(self.y, dtype=np.int64).ravel()
        self.split = np.asarray(self.split).astype("<U5").ravel()
        n = len(self.X)
        if len(self.y) != n or len(self.split) != n:
            raise ValueError(f"{self.name}: X has {n} samples, y {len(self.y)}, split {len(self.split)}")
        bad = sorted(set(self.split.tolist()) - set(SPLITS))
        if bad:
            raise ValueError(f"{self.name}: split values must be train/val/test, got {bad}")
        if not self.class_names:
            self.class_names = tuple(str(k) for k in range(int(self.y.max()) + 1 if n else 0))
        self.class_names = tuple(str(c) for c in self.class_names)
        if n and (self.y.min() < 0 or self.y.max() >= len(self.class_names)):
            raise ValueError(f"{self.name}: labels must be codes 0..{len(self.class_names) - 1}")

    def __len__(self):
        return len(self.y)

    # ---- selection
    def indices(self, which) -> np.ndarray:
        """Sorted sample indices of one split name or a list of them (e.g. ``["train", "val"]``)."""
        names = [which] if isinstance(which, str) else list(which)
        bad = [w for w in names if w not in SPLITS]
        if bad:
            raise ValueError(f"unknown split {bad[0]!r}; use train, val or test")
        return np.flatnonzero(np.isin(self.split, names))

    def _take(self, index):
        if isinstance(self.X, np.ndarray):
            return self.X[index]
        return [self.X[i] for i in index]

    def subset(self, which):
        """``(X_part, y_part)`` of one split or several, in data-set order; X keeps its type."""
        index = self.indices(which)
        return self._take(index), self.y[index]

    # ---- description
    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    def counts(self) -> dict:
        """``{split: number of samples}`` for train, val and test."""
        return {s: int((self.split == s).sum()) for s in SPLITS}

    def class_counts(self) -> dict:
        """``{split: [samples per class]}``."""
        return {s: np.bincount(self.y[self.split == s], minlength=self.n_classes).tolist() for s in SPLITS}

    def _first_image(self):
        if isinstance(self.X, np.ndarray) and self.X.dtype != object:
            return None
        first = self.X[0]
        return first[0] if isinstance(first, (tuple, list)) else first

    @property
    def ndim(self) -> int:
        """Spatial dimensions (2 or 3) of the first image (a file's header only is read)."""
        if isinstance(self.X, np.ndarray) and self.X.dtype != object:
            return _array_dims(self.X.shape[1:])[0]
        return _item_dims(self._first_image())[0]

    @property
    def rgb(self) -> bool:
        """Whether the first image is colour (3 channels; RGBA pictures count as colour)."""
        if isinstance(self.X, np.ndarray) and self.X.dtype != object:
            return _array_dims(self.X.shape[1:])[1]
        return _item_dims(self._first_image())[1]

    def split_digest(self) -> str:
        """sha256 over N, the split and the labels: equal digests mean the same partition."""
        h = hashlib.sha256()
        h.update(f"radfeat-split-v1 n={len(self.y)}\n".encode())
        h.update("\n".join(self.split.tolist()).encode())
        h.update(b"\0")
        h.update(np.ascontiguousarray(self.y, dtype="<i8").tobytes())
        return h.hexdigest()

    # ---- derived data sets
    def limit(self, max_per_split, seed=0) -> ImageDataset:
        """A stratified random subsample of at most ``max_per_split`` samples per split.

        Every class present in a split keeps at least one sample when ``max_per_split`` allows;
        the remaining order is the data set's. Splits already small enough are kept whole.
        """
        m = int(max_per_split)
        if m < 1:
            raise ValueError(f"max_per_split must be >= 1, got {max_per_split}")
        rng = np.random.default_rng(seed)
        keep = []
        for s in SPLITS:
            idx = np.flatnonzero(self.split == s)
            if len(idx) <= m:
                keep.append(idx)
                continue
            counts = np.bincount(self.y[idx], minlength=self.n_classes)
            take = _allocate(counts, m, 1 if m >= int((counts > 0).sum()) else 0)
            for c in range(self.n_classes):
                members = idx[self.y[idx] == c]
                if take[c]:
                    keep.append(rng.choice(members, size=int(take[c]), replace=False))
        index = np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.intp)
        info = {**self.info, "limited_to": m, "limit_seed": int(seed), "full_counts": self.counts()}
        return replace(self, X=self._take(index), y=self.y[index], split=self.split[index],
                       description=f"{self.description} [at most {m} per split]", info=info)

    def with_split(self, split, *, official=False, note=None) -> ImageDataset:
        """The same samples with another split."""
        info = dict(self.info)
        if note:
            info["split_note"] = note
        return replace(self, split=np.asarray(split), official_split=official, info=info)

    def __repr__(self):
        return (f"ImageDataset(name={self.name!r}, n={len(self.y)}, classes={list(self.class_names)}, "
                f"counts={self.counts()}, official_split={self.official_split})")


# ------------------------------------------------------------------------------------ MedMNIST


def from_medmnist(ds, label_index=None, *, source=None) -> ImageDataset:
    """An :class:`ImageDataset` of a loaded :class:`~radfeat.datasets.medmnist.MedMNIST`.

    X is the uint8 stack train + val + test (in that order) with the official split; class
    names are ``"0".."K-1"``. Multi-label files (labels ``(N, L)``, e.g. ChestMNIST) need
    ``label_index`` to pick one binary column. ``source`` (the npz path) goes into ``info``.
    """
    images, labels = [], []
    for s in SPLITS:
        x, lab = ds.split(s)
        images.append(x)
        labels.append(np.asarray(lab))
    width = labels[0].shape[1] if labels[0].ndim == 2 else 1
    if label_index is None:
        if width > 1:
            raise ValueError(f"MedMNIST {ds.name}: multi-label file ({width} label columns per image); pick one "
                             f"binary column with label_index=0..{width - 1}")
        y = np.concatenate([lab.ravel() for lab in labels])
    else:
        k = int(label_index)
        if not 0 <= k < width:
            raise ValueError(f"MedMNIST {ds.name}: label_index {label_index} out of range 0..{width - 1}")
        y = np.concatenate([lab.reshape(len(lab), -1)[:, k] for lab in labels])
    y = y.astype(np.int64)
    if len(y) and y.min() < 0:
        raise ValueError(f"MedMNIST {ds.name}: negative labels")
    split = np.concatenate([np.full(len(x), s, dtype="<U5") for x, s in zip(images, SPLITS)])
    n_classes = int(y.max()) + 1 if len(y) else 0
    if label_index is not None:
        n_classes = max(n_classes, 2)
    info = {"kind": "medmnist", "flag": ds.name, "task": ds.task, "label_index": label_index}
    if source is not None:
        info.update(source=str(source), md5=file_digest(source, "md5"), sha256=file_digest(source))
    column = f", label column {label_index}" if label_index is not None else ""
    return ImageDataset(
        name=ds.name, X=np.concatenate(images), y=y, split=split,
        class_names=tuple(str(k) for k in range(n_classes)),
        description=f"MedMNIST {ds.name} ({ds.task or 'task unknown'}{column}), official split",
        official_split=True, info=info)


# ------------------------------------------------------------------------------ config section

_SOURCES = ("medmnist", "folder", "manifest", "synthetic")
_KEYS = {
    "medmnist": {"label_index", "download", "root"},
    "folder": {"labels", "label_column", "image_column", "mask_column", "split_column"},
    "manifest": {"label_column", "split_column"},
    "synthetic": set(),
}
_COMMON = {"name", "split"}
_SYNTHETIC_KEYS = ("n", "size", "ndim", "rgb", "masks", "seed", "difficulty", "fractions")


def _unknown(keys, allowed, where):
    from ..features.registry import did_you_mean

    bad = sorted(set(keys) - set(allowed), key=str)
    if bad:
        raise ConfigError(f"{where}: unknown key {bad[0]!r}{did_you_mean(bad[0], sorted(allowed))}; "
                          f"known: {', '.join(sorted(allowed))}")


def _resolve(base: Path, value) -> Path:
    p = Path(str(value)).expanduser()
    return p if p.is_absolute() else Path(base) / p


def load_dataset(spec: dict, base=Path(".")) -> ImageDataset:
    """The :class:`ImageDataset` of a config's ``data`` section (relative paths against ``base``).

    Exactly one source key::

        {medmnist: PATH_OR_FLAG, label_index: 0, download: false, root: DIR}
        {folder: DIR, labels: CSV, label_column: label, image_column: .., mask_column: .., split_column: split}
        {manifest: CSV, label_column: label, split_column: split}
        {synthetic: {n: 400, size: 32, ndim: 2, rgb: false, masks: true, seed: 0, difficulty: 1.0}}
        {synthetic: true}

    plus optionally ``name`` and ``split: {fractions: [0.7, 0.1, 0.2], seed: 0}`` (used where
    the data bring no split of their own; MedMNIST's official split cannot be replaced).
    Unknown keys raise :class:`~radfeat.exceptions.ConfigError` with a suggestion.
    """
    if not isinstance(spec, dict):
        raise ConfigError(f"data must be a mapping with one of {', '.join(_SOURCES)}, got {type(spec).__name__}")
    sources = [k for k in _SOURCES if k in spec]
    if len(sources) != 1:
        if not sources:
            _unknown(spec, set(_SOURCES) | _COMMON, "data")
        raise ConfigError(f"data needs exactly one of: {', '.join(_SOURCES)}; got "
                          f"{', '.join(sources) if sources else 'none'}")
    kind = sources[0]
    _unknown(spec, {kind} | _KEYS[kind] | _COMMON, f"data ({kind})")
    base = Path(base)
    split_cfg = spec.get("split") or {}
    if not isinstance(split_cfg, dict):
        raise ConfigError(f"data.split must be a mapping like {{fractions: [0.7, 0.1, 0.2], seed: 0}}, got {split_cfg!r}")
    _unknown(split_cfg, {"fractions", "seed"}, "data.split")
    split_kw = {}
    if "fractions" in split_cfg:
        split_kw["fractions"] = tuple(_check_fractions(split_cfg["fractions"]).tolist())
    if "seed" in split_cfg:
        split_kw["seed"] = int(split_cfg["seed"])
    value = spec[kind]

    if kind == "medmnist":
        from .medmnist import load_medmnist

        if split_cfg:
            raise ConfigError("data.split: MedMNIST comes with its official train/val/test split; remove 'split'")
        text = str(value)
        is_path = text.endswith(".npz")  # anything else is a flag, as in load_medmnist
        source = _resolve(base, value) if is_path else text
        root = _resolve(base, spec["root"]) if spec.get("root") else None
        ms = load_medmnist(source, root=root, download=bool(spec.get("download", False)))
        path = source if is_path else Path(root or _default_root()) / f"{text.lower()}.npz"
        ds = from_medmnist(ms, spec.get("label_index"), source=path)
    elif kind == "folder":
        from .folder import load_image_folder

        kw = {k: spec[k] for k in ("label_column", "image_column", "mask_column", "split_column") if k in spec}
        labels = _resolve(base, spec["labels"]) if spec.get("labels") else None
        ds = load_image_folder(_resolve(base, value), labels, **kw, **split_kw)
    elif kind == "manifest":
        from .folder import load_manifest_dataset

        kw = {k: spec[k] for k in ("label_column", "split_column") if k in spec}
        ds = load_manifest_dataset(_resolve(base, value), **kw, **split_kw)
    else:
        from .lesions import make_lesion_dataset

        if value is True or value is None:
            params = {}
        elif isinstance(value, dict):
            params = dict(value)
            _unknown(params, _SYNTHETIC_KEYS, "data.synthetic")
        else:
            raise ConfigError(f"data.synthetic must be true or a mapping of {', '.join(_SYNTHETIC_KEYS)}, "
                              f"got {value!r}")
        if "fractions" in split_kw:
            params["fractions"] = split_kw["fractions"]
        ds = make_lesion_dataset(**params)
        if "seed" in split_kw:
            fr = params.get("fractions", ds.info["fractions"])
            ds = ds.with_split(stratified_split(ds.y, fr, split_kw["seed"]),
                               note=f"stratified, fractions {list(fr)}, seed {split_kw['seed']}")
            ds.info["split_seed"] = split_kw["seed"]
    if spec.get("name"):
        ds.name = str(spec["name"])
    return ds


def _default_root():
    from .medmnist import default_root

    return default_root()
