"""scikit-learn integration: a feature-extraction transformer and ready-made model pipelines.

radfeat's scikit-learn estimators live here, the one module that imports scikit-learn at import
time (``import radfeat`` never does): ``from radfeat.sklearn import RadiomicsFeatures``.

:class:`RadiomicsFeatures` turns images into a ``(n_samples, n_features)`` matrix of
pyradiomics-named features. It is **stateless**: ``fit`` learns nothing from the data (it only
validates the input and records its dimensionality for :meth:`~RadiomicsFeatures.get_feature_names_out`),
so it is safe inside cross-validation and its output can be cached per image. Everything that
learns across samples (imputation, scaling, selection) belongs in the Pipeline after it, as
:func:`make_classifier_pipeline` builds it (``features -> impute (median) -> variance filter ->
scale -> [select k best] -> model``)::

    from sklearn.model_selection import GridSearchCV
    from radfeat.sklearn import make_classifier_pipeline, param_grid

    pipe = make_classifier_pipeline("svm", features={"settings": {"binCount": 32}})
    GridSearchCV(pipe, param_grid("svm"), scoring="roc_auc").fit(images, labels)   # (N, H, W), (N,)
"""

from __future__ import annotations

import hashlib
import json
import numbers
import os
import warnings
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_selection import SelectKBest, VarianceThreshold, mutual_info_classif
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.validation import check_is_fitted, check_memory, validate_data

from . import __version__
from .config import Config, load_config
from .exceptions import EmptyROIError, ImageReadError, InvalidROIError

__all__ = ["RadiomicsFeatures", "RadiomicsPipeline", "EarlyStoppingXGBClassifier", "make_classifier_pipeline",
           "param_grid", "MODELS"]

#: Models :func:`make_classifier_pipeline` builds.
MODELS = ("svm", "xgboost", "logreg", "random_forest")

#: Most voxels per batch-kernel call on the fast path (2^24: 128 MB per float64 copy of a chunk).
_MAX_CHUNK_VOXELS = 1 << 24

#: Errors that mean "features undefined on this ROI" (NaN in the output), not a bad input.
_UNDEFINED = (EmptyROIError, InvalidROIError)


# ---------------------------------------------------------------------------------- input parsing


class _Inputs:
    """X normalised: either a stack of bare same-shape arrays, or a list of (image, mask) items.

    Attributes
    ----------
    stack : ndarray or None
        ``(N, H, W)``, ``(N, D, H, W)`` or those with a trailing colour axis; set when every
        sample is a bare array of one shape and dtype (the batch kernels' input).
    items : list of (image, mask)
        One entry per sample (views into ``stack`` when there is one).
    ndim, rgb : int, bool
        Spatial dimensionality and colour of the first sample.
    """

    def __init__(self, items, stack, ndim, rgb):
        self.items, self.stack, self.ndim, self.rgb = items, stack, ndim, rgb

    def __len__(self):
        return len(self.items)

    def subset(self, index):
        index = np.asarray(index, dtype=np.intp)
        stack = self.stack[index] if self.stack is not None else None
        return _Inputs([self.items[i] for i in index], stack, self.ndim, self.rgb)


def _is_path(obj) -> bool:
    return isinstance(obj, (str, os.PathLike))


def _array_dims(shape, rgb_hint, where):
    """(spatial ndim, rgb) of one image array of ``shape`` (no sample axis)."""
    nd = len(shape)
    colour = rgb_hint if rgb_hint is not None else (nd >= 3 and shape[-1] == 3)
    if colour:
        if nd not in (3, 4) or shape[-1] != 3:
            raise ValueError(f"{where}: a colour image must be (H, W, 3) or (D, H, W, 3), got shape {tuple(shape)}")
        return nd - 1, True
    if nd not in (2, 3):
        raise ValueError(f"{where}: an image must be (H, W) or (D, H, W) (or colour with a trailing axis of 3), "
                         f"got shape {tuple(shape)}")
    return nd, False


def _item_dims(image, rgb_hint, where):
    """(ndim, rgb) of one sample's image, reading a file's header when it is a path."""
    import SimpleITK as sitk

    if isinstance(image, np.ndarray):
        return _array_dims(image.shape, rgb_hint, where)
    if isinstance(image, sitk.Image):
        return image.GetDimension(), image.GetNumberOfComponentsPerPixel() == 3
    if _is_path(image):
        from .io.readers import read_image

        img = read_image(image)
        return img.GetDimension(), img.GetNumberOfComponentsPerPixel() == 3
    raise TypeError(f"{where}: expected an image array, a SimpleITK image or a path, got {type(image).__name__}")


def _parse(X, rgb_hint=None) -> _Inputs:
    """Normalise every accepted form of X (see :class:`RadiomicsFeatures`)."""
    if hasattr(X, "iloc") and hasattr(X, "columns"):  # a DataFrame of paths, like a manifest
        cols = {str(c).lower(): c for c in X.columns}
        image_col = cols.get("image", X.columns[0])
        mask_col = cols.get("mask", X.columns[1] if len(X.columns) > 1 and "image" not in cols else None)
        masks = X[mask_col].tolist() if mask_col is not None else [None] * len(X)
        X = [(i, None if m is None or (isinstance(m, float) and np.isnan(m)) or m == "" else m)
             for i, m in zip(X[image_col].tolist(), masks)]
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim < 3:
            raise ValueError(f"X must be a stack of images (N, H, W), (N, D, H, W) or (N, H, W, 3); got shape "
                             f"{X.shape}" + (" (a single image: use X[None])" if X.ndim == 2 else ""))
        if len(X) == 0:
            raise ValueError("X holds no images")
        if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating) or X.dtype == bool):
            raise TypeError(f"X must hold integer or real pixels, got dtype {X.dtype}")
        ndim, rgb = _array_dims(X.shape[1:], rgb_hint, "X")
        return _Inputs([(X[i], None) for i in range(len(X))], X, ndim, rgb)
    if isinstance(X, (str, os.PathLike)) or not hasattr(X, "__len__"):
        raise TypeError(f"X must be an array of images or a sequence of images / (image, mask) pairs, got "
                        f"{type(X).__name__}")
    items = []
    for i, sample in enumerate(X):
        if isinstance(sample, (tuple, list)):
            if not 1 <= len(sample) <= 2:
                raise ValueError(f"X[{i}]: expected an image or an (image, mask) pair, got {len(sample)} elements")
            image, mask = sample[0], (sample[1] if len(sample) == 2 else None)
        else:
            image, mask = sample, None
        items.append((image, mask))
    if not items:
        raise ValueError("X holds no images")
    ndim, rgb = _item_dims(items[0][0], rgb_hint, "X[0]")
    stack = None
    first = items[0][0]
    if isinstance(first, np.ndarray) and all(
            m is None and isinstance(im, np.ndarray) and im.shape == first.shape and im.dtype == first.dtype
            for im, m in items):
        for i, (im, _) in enumerate(items):  # every sample, so a mixed list fails here, not mid-extraction
            if _array_dims(im.shape, rgb_hint, f"X[{i}]") != (ndim, rgb):
                raise ValueError(f"X[{i}]: images differ in dimensionality")
        stack = np.stack([im for im, _ in items])
        items = [(stack[i], None) for i in range(len(stack))]
    return _Inputs(items, stack, ndim, rgb)


# ------------------------------------------------------------------------------- configuration


def _resolve_config(params, settings, families, image_types) -> Config:
    """The validated Config of ``params`` with the estimator's overrides applied."""
    base = load_config(params)
    if settings is None and families is None and image_types is None:
        return base
    data = base.to_dict()
    if not base.explicit_classes:
        data["featureClass"] = None  # keep "defaults" meaning defaults (e.g. the RGB default set)
    if settings is not None:
        if not isinstance(settings, dict):
            raise TypeError(f"settings must be a dict of setting overrides, got {type(settings).__name__}")
        data["setting"].update(settings)
    if families is not None:
        if isinstance(families, str):
            families = [families]
        if isinstance(families, dict):
            classes = {str(k): list(v or []) for k, v in families.items()}
        else:
            classes = {str(name): [] for name in families}
        if not classes:
            raise ValueError("families is empty: give at least one feature class (or None for the defaults)")
        data["featureClass"] = classes
    if image_types is not None:
        if not isinstance(image_types, dict) or not image_types:
            raise TypeError("image_types must be a non-empty dict like {'Original': {}, 'LoG': {'sigma': [1.0]}}")
        data["imageType"] = {k: dict(v or {}) for k, v in image_types.items()}
    return load_config(data)


def _spacing_per_axis(spacing, ndim):
    if spacing is None:
        return (1.0,) * ndim
    values = [float(s) for s in np.atleast_1d(spacing)]
    if len(values) == 1:
        values = values * ndim
    if len(values) != ndim or any(not v > 0 for v in values):
        raise ValueError(f"spacing must be one positive number or one per image axis ({ndim}), got {spacing!r}")
    return tuple(values)


# ---------------------------------------------------------------------------- per-image extraction


def _as_image(image, spacing, rgb):
    # Colour arrays must become vector images here: radfeat's array reader takes (H, W, 3) as a volume.
    if rgb and isinstance(image, np.ndarray):
        from .io.readers import array_to_image

        return array_to_image(image, spacing, is_vector=True)
    return image


def _sub_extractors(config, classes):
    """One extractor per feature class, used when a whole-case extraction hits an undefined family."""
    from .extraction import Extractor

    settings = dict(config.settings)
    if settings.get("colorChannel") is None:
        # an explicit grey class on a colour image needs a channel; None already means luminance
        settings["colorChannel"] = "gray"
    return [Extractor({"setting": settings, "imageType": config.image_types, "featureClass": {name: wanted}})
            for name, wanted in classes]


def _extract_rows(items, config, names, ndim, rgb, spacing, undefined, offset=0, pin_threads=False):
    """Feature rows of ``items`` by per-image :meth:`Extractor.execute_case` (NaN where undefined).

    Module-level so joblib can send it to worker processes; ``pin_threads`` keeps each worker's
    Numba kernels on one thread, since the processes already use the cores.
    """
    if pin_threads:
        from ._jit import set_num_threads

        set_num_threads(1)
    from .extraction import Extractor, LoadedCase

    extractor = Extractor(config)
    label = int(config.settings["label"])
    channel = config.settings.get("label_channel", 0)
    column = {n: j for j, n in enumerate(names)}
    out = np.full((len(items), len(names)), np.nan)
    subs = None
    for i, (image, mask) in enumerate(items):
        where = f"X[{offset + i}]"
        try:
            case = LoadedCase(_as_image(image, spacing, rgb), mask, spacing=spacing, label_channel=channel)
        except Exception as exc:
            raise _with_context(exc, where) from exc
        if (case.image.GetDimension(), case.is_rgb) != (ndim, rgb):
            raise ValueError(f"{where} ({case.image_name}) is a {case.image.GetDimension()}D "
                             f"{'colour' if case.is_rgb else 'grey'} image, but the features were set up for "
                             f"{ndim}D {'colour' if rgb else 'grey'} images")
        try:
            feats = extractor.execute_case(case, label)
        except _UNDEFINED as exc:
            if undefined == "raise":
                raise _with_context(exc, where) from exc
            if undefined == "warn":
                warnings.warn(f"{where}: {exc}; its features are NaN", RuntimeWarning, stacklevel=2)
            # some families may still be defined (e.g. first order on a one-voxel-thick ROI)
            if subs is None:
                subs = _sub_extractors(config, extractor._classes_for(ndim, rgb))
            feats = {}
            for sub in subs:
                try:
                    feats.update(sub.execute_case(case, label))
                except _UNDEFINED:
                    continue
        except Exception as exc:
            raise _with_context(exc, where) from exc
        for name, value in feats.items():
            j = column.get(name)
            if j is not None:
                out[i, j] = value
    return out


def _with_context(exc, where):
    """The same exception type with the sample index in front of the message (if it can be rebuilt)."""
    try:
        return type(exc)(f"{where}: {exc}")
    except Exception:
        return exc


# ------------------------------------------------------------------------------------- fast path


def _fast_path_problem(config, ndim, rgb, shape) -> str | None:
    """Why the batch kernels cannot reproduce per-image extraction for this stack, or None."""
    from .extraction import Extractor
    from .features.registry import get_family
    from .preprocessing.mask import check_roi
    from .preprocessing.pipeline import wanted as preprocessing_wanted

    s = config.settings
    if list(config.image_types) != ["Original"] or config.image_types["Original"]:
        return "image types other than Original"
    if preprocessing_wanted(s):
        return "preprocessing steps"
    for key, neutral in (("normalize", False), ("resampledPixelSpacing", None), ("resegmentRange", None),
                         ("outlierSigma", None), ("roundIntensities", False), ("compat", "pyradiomics"),
                         ("textureAggregation", "pyradiomics"), ("label", 1)):
        if s.get(key) != neutral:
            return f"setting {key}={s.get(key)!r}"
    try:  # a whole-image ROI too small for minimumROIDimensions / minimumROISize
        check_roi(np.ones(shape, dtype=np.uint8), 1, minimumROIDimensions=s["minimumROIDimensions"],
                  minimumROISize=s["minimumROISize"])
    except _UNDEFINED:
        return "ROI checks"
    for name, _ in Extractor(config)._classes_for(ndim, rgb):
        family = get_family(name)
        if family.kind != "shape" and family.batch is None:
            return f"family {name} has no batch kernel"
    return None


def _grey_stack(chunk, rgb, channel):
    """The grey images the grey families see, exactly as :func:`grey_channel` computes them per image."""
    if not rgb:
        return np.ascontiguousarray(chunk, dtype=np.float64)
    from .preprocessing.colour import CHANNELS, LUMINANCE_WEIGHTS

    if channel is None or str(channel).lower() in ("gray", "grey", "luminance"):
        weights = np.array(LUMINANCE_WEIGHTS)
        # per image, the very operation grey_channel performs, so the values agree bit for bit
        return np.stack([img.astype(np.float64) @ weights for img in chunk])
    index = CHANNELS.get(channel, channel)
    return np.ascontiguousarray(chunk[..., int(index)], dtype=np.float64)


def _fast_rows(stack, config, names, ndim, rgb, spacing, batch_size, undefined):
    """Feature rows of a stack of whole-image ROIs through the batch kernels, ``batch_size`` at a time."""
    from .extraction import Extractor
    from .features.registry import get_family
    from .preprocessing.discretize import discretize_batch

    s = dict(config.settings)
    families = [(get_family(name), wanted) for name, wanted in Extractor(config)._classes_for(ndim, rgb)]
    column = {n: j for j, n in enumerate(names)}
    out = np.full((len(stack), len(names)), np.nan)
    # Shape features depend on the mask and spacing only, and every mask here is the whole image:
    # one per-image extraction gives them for all rows (and checks the input like execute would).
    first = _extract_rows([(stack[0], None)], config, names, ndim, rgb, spacing, undefined)[0]
    shape_cols = [column[f"original_{f.name}_{n}"] for f, w in families if f.kind == "shape"
                  for n in (w or f.names_for(s))]
    out[:, shape_cols] = first[shape_cols]
    batch_settings = {**s, "spacing": np.asarray(spacing, dtype=np.float64)}
    # large volumes: fewer per call, so the float and level copies of a chunk stay near 128 MB each
    voxels = int(np.prod(stack.shape[1:1 + ndim]))
    step = max(1, min(int(batch_size), _MAX_CHUNK_VOXELS // max(voxels, 1)))
    for start in range(0, len(stack), step):
        chunk = stack[start:start + step]
        masks = np.ones(chunk.shape[:1 + ndim], dtype=bool)
        inputs = {"colour": chunk}
        for family, wanted in families:
            if family.kind == "shape":
                continue
            # each stack a family reads (registry.BATCH_INPUTS) is made once per chunk, when first read
            if "intensities" not in inputs and {"intensities", "levels"} & set(family.batch_reads):
                inputs["intensities"] = _grey_stack(chunk, rgb, s.get("colorChannel"))
            if "levels" in family.batch_reads and "levels" not in inputs:
                inputs["levels"] = discretize_batch(inputs["intensities"], masks, **s)
            values = family.batch(*[inputs[r] for r in family.batch_reads], masks, batch_settings)
            # value order of the kernels; the names of some families depend on the settings
            index = {n: k for k, n in enumerate(family.value_names(s))}
            for n in wanted or family.names_for(s):
                out[start:start + len(chunk), column[f"original_{family.name}_{n}"]] = values[:, index[n]]
    return out


@contextmanager
def _numba_threads(n_jobs):
    """Cap the batch kernels' Numba threads at ``n_jobs`` (None: leave Numba's default)."""
    if n_jobs is None:
        yield
        return
    import numba

    from ._jit import get_num_threads, set_num_threads

    old = get_num_threads()
    set_num_threads(max(1, min(effective_n_jobs(n_jobs), numba.config.NUMBA_NUM_THREADS)))
    try:
        yield
    finally:
        set_num_threads(old)


# ----------------------------------------------------------------------------------------- cache


def _hash_array(h, arr):
    arr = np.ascontiguousarray(arr)
    h.update(f"{arr.dtype.str}{arr.shape}".encode())
    h.update(memoryview(arr).cast("B"))


def _hash_source(h, source):
    import SimpleITK as sitk

    if source is None:
        h.update(b"none")
    elif isinstance(source, np.ndarray):
        h.update(b"array")
        _hash_array(h, source)
    elif isinstance(source, sitk.Image):
        h.update(f"sitk{source.GetSpacing()}{source.GetOrigin()}{source.GetDirection()}"
                 f"{source.GetNumberOfComponentsPerPixel()}".encode())
        _hash_array(h, sitk.GetArrayViewFromImage(source))
    elif _is_path(source):
        from .io.readers import file_sha256

        try:
            h.update(b"file" + file_sha256(source).encode())
        except OSError:
            raise ImageReadError(f"{source}: file not found") from None
    else:
        raise TypeError(f"cannot hash an input of type {type(source).__name__}")


def _memory_location(memory):
    """The cache folder of ``memory`` (a path or a joblib.Memory), or None for no caching."""
    if memory is None:
        return None
    if isinstance(memory, os.PathLike):
        memory = os.fspath(memory)
    return getattr(check_memory(memory), "location", None)


class _FeatureStore:
    """Feature rows on disk, one ``.npy`` per (image content, mask content) under a config folder.

    Rows are written atomically (temporary file + rename), so processes of a parallel
    GridSearchCV can share one cache folder.
    """

    def __init__(self, location, config, names, ndim, rgb, spacing):
        description = {"radfeat": __version__, "config": config.to_dict(), "explicit": config.explicit_classes,
                       "ndim": ndim, "rgb": rgb, "spacing": list(spacing), "names": list(names)}
        text = json.dumps(description, sort_keys=True, default=str)
        self.folder = Path(location) / "radfeat_features" / hashlib.sha256(text.encode()).hexdigest()[:32]
        self.folder.mkdir(parents=True, exist_ok=True)
        info = self.folder / "config.json"
        if not info.exists():
            info.write_text(text, encoding="utf-8")
        self.width = len(names)

    @staticmethod
    def keys(inputs: _Inputs):
        keys = []
        for image, mask in inputs.items:
            h = hashlib.blake2b(digest_size=20)
            _hash_source(h, image)
            h.update(b"|")
            _hash_source(h, mask)
            keys.append(h.hexdigest())
        return keys

    def _path(self, key):
        return self.folder / key[:2] / f"{key}.npy"

    def load(self, key):
        try:
            row = np.load(self._path(key), allow_pickle=False)
        except (OSError, ValueError):
            return None
        return row if row.shape == (self.width,) else None

    def save(self, key, row):
        path = self._path(key)
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npy")
        np.save(tmp, np.asarray(row, dtype=np.float64))
        os.replace(tmp, path)


# ------------------------------------------------------------------------------------ transformer


class RadiomicsFeatures(TransformerMixin, BaseEstimator):
    """Radiomic features of images, as a stateless scikit-learn transformer.

    Parameters
    ----------
    params : str, Path, dict or Config, optional
        A pyradiomics parameter file (YAML/JSON) or the same structure as a dict. A dict with none
        of the sections ``setting``/``imageType``/``featureClass`` is the ``setting`` section, so
        ``params={"binWidth": 25}`` works. Default: pyradiomics' defaults (first order, shape and
        the five texture families GLCM, GLRLM, GLSZM, GLDM, NGTDM on the Original image; on colour
        images radfeat's colour default set).
    settings : dict, optional
        Setting overrides applied over ``params`` (``{"binCount": 32}``); a convenient axis for a
        grid search (``features__settings``) that keeps the rest of the parameter file.
    families : list of str or dict, optional
        Feature classes to compute (``["firstorder", "glcm"]``, or ``{"glcm": ["Contrast"]}``);
        replaces the file's ``featureClass``.
    image_types : dict, optional
        Replaces the file's ``imageType`` (``{"Original": {}, "LoG": {"sigma": [1.0, 2.0]}}``).
    ndim : {2, 3}, optional
        Dimensionality of the images, for :meth:`get_feature_names_out` before ``fit``. ``fit``
        records the dimensionality it sees (and checks it against this hint when given).
    rgb : bool, optional
        Whether the images are colour (a trailing axis of 3). None: an array whose last axis has
        length 3 (``(N, H, W, 3)``) is colour; set ``rgb=False`` for grey volumes ``(N, D, H, 3)``.
    n_jobs : int, optional
        Worker processes (joblib) for per-image extraction, each with one Numba thread. For the
        batch fast path, the number of Numba threads. None: one process, Numba's default threads.
    memory : str, Path or joblib.Memory, optional
        Cache folder. Feature rows are stored per image content (and mask content, or file
        content for paths) under a folder named by the hash of the resolved configuration, so a
        grid search over the classifier extracts each image once, whatever its CV fold.
    spacing : float or sequence of float, optional
        Voxel size in array axis order for array (and picture) inputs; default 1 per axis.
    batch_size : int, default 256
        Images per batch-kernel call on the fast path (fewer for large volumes, so that a call
        holds at most 2^24 voxels).
    fast_path : bool, default True
        Use the batch kernels when they give the per-image results (see Notes).
    undefined : {"nan", "warn", "raise"}, default "nan"
        What to do when features are undefined on a ROI (empty, one voxel, too few dimensions
        for ``minimumROIDimensions``, no texture offset fitting in it): NaN for the affected
        families (``nan``), the same with a warning (``warn``), or raise (``raise``). Input
        errors (unreadable file, bad configuration, NaN pixels in the ROI) always raise.

    Attributes
    ----------
    ndim_ : int
        Spatial dimensionality of the images seen in ``fit`` (2 or 3).
    rgb_ : bool
        Whether they were colour images.
    image_shape_ : tuple or None
        Their shape, when ``X`` was an array (else None).
    n_samples_seen_ : int
        Number of images seen in ``fit``.

    Notes
    -----
    **Input.** ``X`` is one of: an array ``(N, H, W)`` (2D grey), ``(N, D, H, W)`` (3D grey),
    ``(N, H, W, 3)`` / ``(N, D, H, W, 3)`` (colour); a sequence of images (arrays, SimpleITK
    images or file paths) or of ``(image, mask)`` pairs (arrays, images or paths; ``mask=None``
    makes the whole image the ROI, as for a bare image); a DataFrame with ``Image`` and optional
    ``Mask`` columns of paths. The ROI must hold at least two voxels spanning
    ``minimumROIDimensions`` axes, as in pyradiomics.

    **Statelessness.** ``fit`` learns nothing: it validates the configuration (unknown settings
    and families raise :class:`radfeat.exceptions.ConfigError` here), checks that files exist,
    and records ``ndim_``/``rgb_`` so the output columns are known. ``transform`` works without
    ``fit`` too. Column names are pyradiomics' (``original_glcm_Contrast``); before ``fit`` they
    are those for ``ndim`` and ``rgb`` (default: 2D grey, the MedMNIST case), after ``fit`` those
    of the images fitted on, and ``transform`` refuses images of another dimensionality.

    **Fast path.** A stack of bare arrays (no masks, no paths) is extracted by the batch kernels
    (each family's registered ``batch``, fed the stacks it declares it reads: the colour images,
    their grey intensities, or ``discretize_batch``'s levels), in chunks of ``batch_size``, instead
    of one Python call per image; shape features, constant over whole-image ROIs of one shape, come
    from one per-image extraction. It applies when only the Original image type is enabled, every
    non-shape family has a batch kernel, and no setting changes the ROI or the intensities
    (normalize, resampling, resegmentation, preprocessing, ``compat: ibsi``, ``textureAggregation``,
    a label other than 1). Otherwise every image goes through
    :meth:`radfeat.extraction.Extractor.execute`, in ``n_jobs`` processes. Both paths give the same
    numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from radfeat.sklearn import RadiomicsFeatures
    >>> images = np.random.default_rng(0).integers(0, 255, size=(4, 16, 16)).astype(np.uint8)
    >>> rf = RadiomicsFeatures(params={"binCount": 16}, families=["firstorder", "glcm"])
    >>> rf.fit_transform(images).shape
    (4, 42)
    >>> str(rf.get_feature_names_out()[0])
    'original_firstorder_10Percentile'
    """

    def __init__(self, params=None, *, settings=None, families=None, image_types=None, ndim=None, rgb=None,
                 n_jobs=None, memory=None, spacing=None, batch_size=256, fast_path=True, undefined="nan"):
        self.params = params
        self.settings = settings
        self.families = families
        self.image_types = image_types
        self.ndim = ndim
        self.rgb = rgb
        self.n_jobs = n_jobs
        self.memory = memory
        self.spacing = spacing
        self.batch_size = batch_size
        self.fast_path = fast_path
        self.undefined = undefined

    # -- sklearn protocol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False  # stateless: transform needs nothing from fit
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags

    def fit(self, X, y=None):
        """Validate the configuration and ``X``; record its dimensionality. Learns nothing.

        Parameters
        ----------
        X : images
            See the class Notes for the accepted forms.
        y : ignored

        Returns
        -------
        self : RadiomicsFeatures
        """
        self._check_params()
        inputs = _parse(X, self.rgb)
        self._check_hints(inputs.ndim, inputs.rgb)
        config = self._config()
        from .extraction import Extractor

        Extractor(config)._classes_for(inputs.ndim, inputs.rgb)  # a family that cannot run here raises now
        _spacing_per_axis(self.spacing, inputs.ndim)
        for i, (image, mask) in enumerate(inputs.items):
            for source in (image, mask):
                if _is_path(source) and not Path(source).exists():
                    raise ImageReadError(f"X[{i}]: {source}: file not found")
        self.ndim_, self.rgb_ = inputs.ndim, inputs.rgb
        self.image_shape_ = tuple(inputs.stack.shape[1:]) if inputs.stack is not None else None
        self.n_samples_seen_ = len(inputs)
        return self

    def transform(self, X):
        """Feature matrix of ``X``, one row per image in input order.

        Parameters
        ----------
        X : images
            See the class Notes.

        Returns
        -------
        ndarray of float64, shape (n_samples, n_features)
            Columns as :meth:`get_feature_names_out`; NaN where a feature is undefined.
        """
        self._check_params()
        fitted = hasattr(self, "ndim_")
        inputs = _parse(X, self.rgb_ if fitted else self.rgb)
        if fitted and (inputs.ndim, inputs.rgb) != (self.ndim_, self.rgb_):
            raise ValueError(f"X holds {_describe_dims(inputs.ndim, inputs.rgb)} images, but this transformer was "
                             f"fitted on {_describe_dims(self.ndim_, self.rgb_)} images")
        if not fitted:
            self._check_hints(inputs.ndim, inputs.rgb)
        ndim, rgb = inputs.ndim, inputs.rgb
        config = self._config()
        names = self._names(config, ndim, rgb)
        spacing = _spacing_per_axis(self.spacing, ndim)
        out = np.full((len(inputs), len(names)), np.nan)
        todo = np.arange(len(inputs))
        location = _memory_location(self.memory)
        store = keys = None
        if location is not None:
            store = _FeatureStore(location, config, names, ndim, rgb, spacing)
            keys = store.keys(inputs)
            missing = []
            for i, key in enumerate(keys):
                row = store.load(key)
                if row is None:
                    missing.append(i)
                else:
                    out[i] = row
            todo = np.asarray(missing, dtype=np.intp)
        if len(todo):
            sub = inputs.subset(todo) if len(todo) < len(inputs) else inputs
            out[todo] = self._compute(sub, config, names, spacing)
            if store is not None:
                for i in todo:
                    store.save(keys[i], out[i])
        return out

    def get_feature_names_out(self, input_features=None):
        """Output column names (pyradiomics' ``<imageType>_<class>_<feature>``).

        Parameters
        ----------
        input_features : ignored
            Images have no input feature names.

        Returns
        -------
        ndarray of str (object dtype)
            For the images seen in ``fit``; before ``fit``, for ``ndim`` (default 2) and ``rgb``
            (default False) images.
        """
        if hasattr(self, "ndim_"):
            ndim, rgb = self.ndim_, self.rgb_
        else:
            ndim, rgb = (self.ndim or 2), bool(self.rgb)
        return np.asarray(self._names(self._config(), ndim, rgb), dtype=object)

    # -- internals

    def _check_params(self):
        if not isinstance(self.batch_size, numbers.Integral) or self.batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {self.batch_size!r}")
        if self.undefined not in ("nan", "warn", "raise"):
            raise ValueError(f"undefined must be 'nan', 'warn' or 'raise', got {self.undefined!r}")
        if self.ndim not in (None, 2, 3):
            raise ValueError(f"ndim must be 2, 3 or None, got {self.ndim!r}")
        if self.rgb not in (None, True, False):
            raise ValueError(f"rgb must be True, False or None, got {self.rgb!r}")

    def _check_hints(self, ndim, rgb):
        if self.ndim is not None and ndim != self.ndim:
            raise ValueError(f"X holds {ndim}D images but ndim={self.ndim} was given")
        if self.rgb is not None and rgb != bool(self.rgb):
            raise ValueError(f"X holds {'colour' if rgb else 'grey'} images but rgb={self.rgb} was given")

    def _config(self) -> Config:
        return _resolve_config(self.params, self.settings, self.families, self.image_types)

    @staticmethod
    def _names(config, ndim, rgb):
        from .extraction import Extractor

        return Extractor(config).feature_names(ndim, rgb)

    def _compute(self, inputs: _Inputs, config, names, spacing):
        """Rows of ``inputs`` (no cache): batch kernels when possible, else per image."""
        ndim, rgb = inputs.ndim, inputs.rgb
        if self.fast_path and inputs.stack is not None and \
                _fast_path_problem(config, ndim, rgb, inputs.stack.shape[1:1 + ndim]) is None:
            with _numba_threads(self.n_jobs):
                return _fast_rows(inputs.stack, config, names, ndim, rgb, spacing, self.batch_size, self.undefined)
        n_workers = min(effective_n_jobs(self.n_jobs), len(inputs)) if self.n_jobs is not None else 1
        if n_workers <= 1:
            return _extract_rows(inputs.items, config, names, ndim, rgb, spacing, self.undefined)
        # a few chunks per worker: balances uneven cases without paying per-image dispatch
        bounds = np.linspace(0, len(inputs), min(len(inputs), 4 * n_workers) + 1).astype(int)
        parts = Parallel(n_jobs=n_workers, backend="loky")(
            delayed(_extract_rows)(inputs.items[a:b], config, names, ndim, rgb, spacing, self.undefined,
                                   offset=a, pin_threads=True)
            for a, b in zip(bounds[:-1], bounds[1:]) if b > a)
        return np.vstack(parts)


def _describe_dims(ndim, rgb):
    return f"{ndim}D {'colour' if rgb else 'grey'}"


# ------------------------------------------------------------------------------------- pipelines


def _ravel_y(y):
    # MedMNIST stores labels as (N, 1); sklearn estimators warn on column vectors, so flatten once here.
    if y is None:
        return None
    if hasattr(y, "ndim") and y.ndim == 2 and y.shape[1] == 1:
        return y.iloc[:, 0] if hasattr(y, "iloc") else np.asarray(y).ravel()
    if isinstance(y, (list, tuple)) and y and isinstance(y[0], (list, tuple, np.ndarray)) and len(y[0]) == 1:
        return np.asarray(y).ravel()
    return y


class RadiomicsPipeline(Pipeline):
    """A :class:`sklearn.pipeline.Pipeline` that accepts ``(N, 1)`` label arrays (flattened once).

    Otherwise identical to Pipeline; :func:`make_classifier_pipeline` returns one.
    """

    def fit(self, X, y=None, **params):
        return super().fit(X, _ravel_y(y), **params)

    def fit_transform(self, X, y=None, **params):
        return super().fit_transform(X, _ravel_y(y), **params)

    def fit_predict(self, X, y=None, **params):
        return super().fit_predict(X, _ravel_y(y), **params)

    def score(self, X, y=None, sample_weight=None, **params):
        return super().score(X, _ravel_y(y), sample_weight=sample_weight, **params)


class EarlyStoppingXGBClassifier(ClassifierMixin, BaseEstimator):
    """XGBoost with early stopping on a validation split taken inside ``fit``.

    Works inside Pipelines and cross-validation: each ``fit`` holds out a stratified
    ``validation_fraction`` of its own training rows (or the rows flagged by ``validation_mask``),
    grows up to ``n_estimators`` trees until the validation log-loss has not improved for
    ``early_stopping_rounds`` rounds, and keeps the best iteration. With ``refit=True`` it then
    refits on all rows with that number of trees (scaled by ``1 / (1 - validation_fraction)``
    for the extra data), so no training row is lost to validation.

    Parameters
    ----------
    n_estimators : int, default 2000
        Upper bound on boosting rounds.
    learning_rate, max_depth, min_child_weight, subsample, colsample_bytree, reg_lambda, reg_alpha, gamma
        XGBoost's tree parameters.
    validation_fraction : float, default 0.2
        Fraction of the training rows held out for early stopping.
    early_stopping_rounds : int, default 50
    refit : bool, default False
        Refit on all rows with the early-stopped number of trees.
    class_weight : "balanced", dict or None, default "balanced"
        Sample weights for class imbalance (as :func:`sklearn.utils.class_weight.compute_sample_weight`),
        applied to the training and validation rows.
    random_state : int, default 0
    n_jobs : int, optional
        XGBoost's native threads (None: all cores).
    xgb_params : dict, optional
        Further :class:`xgboost.XGBClassifier` parameters.

    Attributes
    ----------
    classes_ : ndarray
    booster_ : xgboost.XGBClassifier
        The fitted model (on encoded labels ``0..K-1``).
    best_iteration_ : int
        Number of trees kept (after the refit scaling, if any).
    """

    def __init__(self, n_estimators=2000, learning_rate=0.05, max_depth=3, min_child_weight=1.0, subsample=0.8,
                 colsample_bytree=0.8, reg_lambda=1.0, reg_alpha=0.0, gamma=0.0, validation_fraction=0.2,
                 early_stopping_rounds=50, refit=False, class_weight="balanced", random_state=0, n_jobs=None,
                 xgb_params=None):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.reg_alpha = reg_alpha
        self.gamma = gamma
        self.validation_fraction = validation_fraction
        self.early_stopping_rounds = early_stopping_rounds
        self.refit = refit
        self.class_weight = class_weight
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.xgb_params = xgb_params

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # XGBoost routes missing values itself
        return tags

    def _model(self, n_estimators, n_classes, early_stopping):
        from xgboost import XGBClassifier

        params = dict(n_estimators=int(n_estimators), learning_rate=self.learning_rate, max_depth=self.max_depth,
                      min_child_weight=self.min_child_weight, subsample=self.subsample,
                      colsample_bytree=self.colsample_bytree, reg_lambda=self.reg_lambda, reg_alpha=self.reg_alpha,
                      gamma=self.gamma, random_state=self.random_state, n_jobs=self.n_jobs, tree_method="hist",
                      eval_metric="logloss" if n_classes == 2 else "mlogloss",
                      early_stopping_rounds=self.early_stopping_rounds if early_stopping else None)
        params.update(self.xgb_params or {})
        return XGBClassifier(**params)

    def fit(self, X, y, sample_weight=None, validation_mask=None):
        """Fit with early stopping on an internal validation split.

        Parameters
        ----------
        X : array-like, shape (n_samples, n_features)
        y : array-like, shape (n_samples,) or (n_samples, 1)
        sample_weight : array-like, optional
            Multiplied with the class-balancing weights.
        validation_mask : array-like of bool, optional
            Rows to use as the validation set (e.g. a dataset's official validation split)
            instead of a random stratified fraction. Per-sample, so Pipelines and CV route it
            (``model__validation_mask=...``).

        Returns
        -------
        self
        """
        from sklearn.model_selection import train_test_split

        X, y = validate_data(self, X, _ravel_y(y), ensure_all_finite="allow-nan")
        self._encoder = LabelEncoder().fit(y)
        self.classes_ = self._encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(f"need at least two classes, got {self.classes_.tolist()}")
        yk = self._encoder.transform(y)
        weights = np.ones(len(yk)) if self.class_weight is None else compute_sample_weight(self.class_weight, yk)
        if sample_weight is not None:
            weights = weights * np.asarray(sample_weight, dtype=np.float64)
        index = np.arange(len(yk))
        if validation_mask is not None:
            validation_mask = np.asarray(validation_mask, dtype=bool)
            train, val = index[~validation_mask], index[validation_mask]
        else:
            try:
                train, val = train_test_split(index, test_size=self.validation_fraction, stratify=yk,
                                              random_state=self.random_state)
            except ValueError:  # a class too small to stratify: a plain random split still stops early
                train, val = train_test_split(index, test_size=self.validation_fraction,
                                              random_state=self.random_state)
        if len(val) == 0 or len(train) == 0 or len(np.unique(yk[train])) < len(self.classes_):
            raise ValueError("the validation split leaves a class out of the training rows; lower "
                             "validation_fraction or pass validation_mask")
        model = self._model(self.n_estimators, len(self.classes_), True)
        model.fit(X[train], yk[train], sample_weight=weights[train], eval_set=[(X[val], yk[val])],
                  sample_weight_eval_set=[weights[val]], verbose=False)
        best = int(model.best_iteration) + 1
        if self.refit:
            fraction = len(val) / len(yk)
            best = max(1, int(round(best / (1.0 - fraction))))
            model = self._model(best, len(self.classes_), False)
            model.fit(X, yk, sample_weight=weights, verbose=False)
        self.booster_ = model
        self.best_iteration_ = best
        return self

    def _kept(self):
        # the early-stopped trees only (a refit model has exactly those)
        return None if self.refit else (0, self.best_iteration_)

    def predict_proba(self, X):
        """Class probabilities, columns in ``classes_`` order."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, ensure_all_finite="allow-nan")
        return self.booster_.predict_proba(X, iteration_range=self._kept())

    def predict(self, X):
        """Most probable class."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _make_model(model, class_weight, random_state, n_jobs, model_params):
    params = dict(model_params or {})
    if model == "svm":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import SVC

        # Platt scaling on out-of-fold decision values of one SVC fitted on all rows: what
        # SVC(probability=True) did before sklearn 1.9 deprecated it for exactly this estimator.
        svc = SVC(**{"C": 1.0, "gamma": "scale", "class_weight": class_weight, **params})
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)
    if model == "logreg":
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(**{"C": 1.0, "max_iter": 5000, "class_weight": class_weight, **params})
    if model == "random_forest":
        from sklearn.ensemble import RandomForestClassifier

        return RandomForestClassifier(**{"n_estimators": 500, "class_weight": class_weight,
                                         "random_state": random_state, "n_jobs": n_jobs, **params})
    if model == "xgboost":
        return EarlyStoppingXGBClassifier(**{"class_weight": class_weight, "random_state": random_state,
                                             "n_jobs": n_jobs, **params})
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


class _SeededMutualInfo:
    """``mutual_info_classif`` with a fixed seed, as a score function for SelectKBest.

    A small class rather than ``functools.partial`` so skops model files (which trust radfeat's
    and sklearn's types, not functools') can hold it.
    """

    def __init__(self, random_state=0):
        self.random_state = random_state

    def __call__(self, X, y):
        return mutual_info_classif(X, y, random_state=self.random_state)

    def __repr__(self):
        return f"mutual_info_classif(random_state={self.random_state!r})"


def make_classifier_pipeline(model="svm", *, features=None, select_k=None, class_weight="balanced",
                             random_state=0, n_jobs=None, model_params=None, memory=None):
    """A Pipeline from images to class predictions.

    ``features -> impute (median) -> variance (drop constant columns) -> scale (standardise) ->
    select (SelectKBest with mutual information, or passthrough) -> model``.

    Parameters
    ----------
    model : {"svm", "xgboost", "logreg", "random_forest"}
        ``svm``: an RBF :class:`sklearn.svm.SVC` inside
        ``CalibratedClassifierCV(method="sigmoid", cv=5, ensemble=False)`` (Platt scaling on
        out-of-fold decision values, what ``SVC(probability=True)`` did before scikit-learn 1.9
        deprecated it), so ``predict_proba`` exists and agrees with ``predict``; its grid keys
        are ``model__estimator__C`` / ``model__estimator__gamma``; ``model_params`` go to the
        SVC. ``xgboost``: :class:`EarlyStoppingXGBClassifier`. ``logreg``:
        L2 :class:`~sklearn.linear_model.LogisticRegression`. ``random_forest``: 500 trees.
    features : RadiomicsFeatures or dict, optional
        The extraction step, or keyword arguments for :class:`RadiomicsFeatures`.
    select_k : int or "all", optional
        Keep the ``k`` features with the highest mutual information with the label
        (``mutual_info_classif`` seeded with ``random_state``); None: no selection step.
    class_weight : "balanced", dict or None, default "balanced"
        Class weighting of the model (sample weights for XGBoost).
    random_state : int, default 0
    n_jobs : int, optional
        Threads of the model (XGBoost, random forest) and workers of the extraction.
    model_params : dict, optional
        Extra parameters of the model.
    memory : str or joblib.Memory, optional
        Feature cache of the extraction step (when ``features`` is not an estimator).

    Returns
    -------
    RadiomicsPipeline
        A Pipeline that also accepts ``(N, 1)`` label arrays.
    """
    if isinstance(features, RadiomicsFeatures):
        extractor = features
    else:
        kwargs = dict(features or {})
        kwargs.setdefault("n_jobs", n_jobs)
        if memory is not None:
            kwargs.setdefault("memory", memory)
        extractor = RadiomicsFeatures(**kwargs)
    if select_k is None:
        select = "passthrough"
    else:
        select = SelectKBest(_SeededMutualInfo(random_state), k=select_k)
    return RadiomicsPipeline([
        ("features", extractor),
        ("impute", SimpleImputer(strategy="median")),
        ("variance", VarianceThreshold()),
        ("scale", StandardScaler()),
        ("select", select),
        ("model", _make_model(model, class_weight, random_state, n_jobs, model_params)),
    ])


def param_grid(model="svm") -> dict:
    """A compact search space for :func:`make_classifier_pipeline`'s ``model`` (Pipeline-prefixed keys).

    Parameters
    ----------
    model : {"svm", "xgboost", "logreg", "random_forest"}

    Returns
    -------
    dict
        For :class:`sklearn.model_selection.GridSearchCV` (``model__estimator__C``, ...). Add
        ``select__k`` yourself when the pipeline was built with ``select_k``, and
        ``features__settings`` to tune the discretisation.
    """
    grids = {
        "svm": {"model__estimator__C": [0.1, 0.3, 1.0, 3.0, 10.0, 30.0],
                "model__estimator__gamma": ["scale", 0.003, 0.01, 0.03]},
        "logreg": {"model__C": [0.001, 0.01, 0.1, 1.0, 10.0]},
        "random_forest": {"model__max_features": ["sqrt", 0.2], "model__min_samples_leaf": [1, 3]},
        "xgboost": {"model__max_depth": [2, 3, 4], "model__learning_rate": [0.03, 0.1],
                    "model__colsample_bytree": [0.5, 0.8]},
    }
    if model not in grids:
        raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    return {k: list(v) for k, v in grids[model].items()}


def _sklearn_tools():
    """The scikit-learn names :mod:`radfeat.testing` needs, so this stays the one module importing sklearn."""
    from sklearn.exceptions import DataConversionWarning, NotFittedError
    from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

    return SimpleNamespace(clone=clone, Pipeline=Pipeline, GridSearchCV=GridSearchCV,
                           StratifiedKFold=StratifiedKFold, cross_val_score=cross_val_score,
                           NotFittedError=NotFittedError, DataConversionWarning=DataConversionWarning)
