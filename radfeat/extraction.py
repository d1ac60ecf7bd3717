"""Extraction: one case (image + mask) -> an ordered ``{feature name: value}``.

The steps follow pyradiomics' ``RadiomicsFeatureExtractor.execute`` so the numbers agree:

1. read image and mask (any supported input), pick the label map channel and the label;
2. check the mask lies on the image grid (or resample it there with ``correctMask``);
3. normalise (``normalize``), resample (``resampledPixelSpacing``) or pre-crop (``preCrop``);
4. check the ROI (not empty, not one voxel, ``minimumROIDimensions``/``minimumROISize``) and that
   its intensities are finite;
5. resegment (``resegmentRange``);
6. shape families on the mask cropped to the ROI box;
7. every other enabled family on every enabled image type, cropped to the ROI box.

Unlike pyradiomics, a feature that cannot be computed raises instead of silently becoming NaN,
and a 2D input gets ``shape2D`` where the configuration asks for ``shape``.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import SimpleITK as sitk

from .config import Config, load_config
from .exceptions import ConfigError, NonFiniteValueError, UnsupportedImageError
from .features.aggregation import compute_family
from .features.registry import family_names, get_family
from .features.roi import RoiData
from .io.readers import describe, read_image
from .preprocessing.intensity import normalize_image
from .preprocessing.mask import (check_geometry, check_roi, mask_labels, resegment_mask,
                                 select_label_map, whole_image_mask)
from .preprocessing.colour import grey_channel
from .preprocessing.ibsi import resample_ibsi
from .preprocessing.pipeline import preprocess
from .preprocessing.pipeline import wanted as preprocessing_wanted
from .preprocessing.image_types import image_type_names, iter_image_types
from .preprocessing.resample import crop_to_box, resample_image_and_mask

__all__ = ["Extractor", "extract", "LoadedCase", "RGB_DEFAULT_CLASSES"]

#: Families enabled on a colour image when the parameter file names none (grey families run on
#: the ``colorChannel``, luminance by default).
RGB_DEFAULT_CLASSES = ("color", "firstorder", "glcm", "lbp", "haralick", "shape")


class LoadedCase:
    """An image and its label map as SimpleITK images, with their names for messages."""

    def __init__(self, image, mask=None, *, spacing=None, label_channel=0):
        self.image_name = describe(image)
        self.mask_name = describe(mask) if mask is not None else f"{self.image_name} (whole image)"
        self.image = read_image(image, spacing=spacing)
        n_channels = self.image.GetNumberOfComponentsPerPixel()
        if n_channels not in (1, 3):
            raise UnsupportedImageError(f"{self.image_name}: image has {n_channels} channels; radfeat reads grey "
                                        "or RGB images")
        self.is_rgb = n_channels == 3
        self.has_mask = mask is not None
        self.notes = {} if mask is not None else {"roi": "no mask given: the whole image is the ROI"}
        if mask is None:
            self.mask = whole_image_mask(self.image)
        else:
            self.mask = _label_map(read_image(mask, spacing=spacing), label_channel, self.mask_name)

    def labels(self) -> list[int]:
        return mask_labels(self.mask)


#: Below this many voxels a scalar mask is cast to UInt32 through numpy: sitk.Cast starts its
#: thread pool, about a millisecond on any image, more than the whole cast of a small one.
_NUMPY_CAST_MAX_VOXELS = 1 << 18

#: Label maps used as they are: unsigned labels compare with a label exactly as their UInt32 cast.
_UNSIGNED_LABELS = (sitk.sitkUInt8, sitk.sitkUInt16, sitk.sitkUInt32)


def _label_map(mask, label_channel, name):
    """A scalar label map: an unsigned scalar mask as it is (not copied: nothing writes to it),
    a small signed one cast to UInt32 through numpy, anything else by :func:`select_label_map`."""
    if mask.GetNumberOfComponentsPerPixel() == 1 and mask.GetPixelID() in _UNSIGNED_LABELS:
        return mask  # read only below; a copy would be made unique (deep-copied) by the first array view
    if mask.GetNumberOfComponentsPerPixel() != 1 or mask.GetNumberOfPixels() > _NUMPY_CAST_MAX_VOXELS:
        return select_label_map(mask, label_channel, name)
    arr = sitk.GetArrayViewFromImage(mask)
    if arr.dtype.kind not in "iub":  # float labels: leave their conversion to SimpleITK
        return select_label_map(mask, label_channel, name)
    out = sitk.GetImageFromArray(arr.astype(np.uint32))  # integer casts wrap like C++ static_cast
    out.CopyInformation(mask)
    return out


class Extractor:
    """Extract radiomic features with a pyradiomics-compatible configuration.

    Parameters
    ----------
    params : str, Path, dict or Config, optional
        A pyradiomics parameter file or dict (see :func:`radfeat.config.load_config`).
    **settings
        Setting overrides (``binWidth=10``, ``label=2``, ...).

    Examples
    --------
    >>> from radfeat.extraction import Extractor
    >>> from radfeat.datasets.synthetic import synthetic_case
    >>> image, mask = synthetic_case(shape=(12, 24, 24), seed=0)
    >>> features = Extractor(binWidth=10).execute(image, mask, spacing=(2.0, 1.0, 1.0))
    >>> round(features["original_shape_VoxelVolume"], 1) > 0
    True
    """

    def __init__(self, params=None, **settings):
        self.config = params if isinstance(params, Config) and not settings else load_config(params, **settings)

    @property
    def settings(self) -> dict:
        return self.config.settings

    def execute(self, image, mask=None, *, label=None, spacing=None, label_channel=None) -> "OrderedDict[str, float]":
        """Features of one label of one case.

        Parameters
        ----------
        image, mask : path, SimpleITK.Image or ndarray
            ``mask=None`` uses the whole image as the ROI.
        label : int, optional
            Overrides the ``label`` setting.
        spacing : sequence of float, optional
            Voxel size in array axis order for array and picture inputs.
        """
        case = self._load(image, mask, spacing, label_channel)
        return self.execute_case(case, self.settings["label"] if label is None else int(label))

    def execute_all_labels(self, image, mask, *, spacing=None, label_channel=None) -> "OrderedDict[int, OrderedDict]":
        """Features of every label present in ``mask`` (pyradiomics' ``label: all`` use case)."""
        case = self._load(image, mask, spacing, label_channel)
        return OrderedDict((lab, self.execute_case(case, lab)) for lab in case.labels())

    def _load(self, image, mask, spacing, label_channel):
        if isinstance(image, LoadedCase):
            return image
        channel = self.settings.get("label_channel", 0) if label_channel is None else label_channel
        return LoadedCase(image, mask, spacing=spacing, label_channel=channel)

    def execute_case(self, case: LoadedCase, label: int) -> "OrderedDict[str, float]":
        s = dict(self.settings)
        s["label"] = label
        image, mask = case.image, case.mask
        if preprocessing_wanted(s):
            image, segmentation, case.notes["preprocessing"] = preprocess(image, s, segment=not case.has_mask)
            if segmentation is not None:
                if label != 1:
                    raise ConfigError(f"autoSegment labels its ROI 1, but label {label} was asked for")
                mask = segmentation
                case.notes["roi"] = f"automatic segmentation ({s['autoSegment']})"
        if not _same_grid(image, mask):  # on the very same grid check_geometry returns the mask as is
            mask = check_geometry(image, mask, tolerance=s["geometryTolerance"], correct=s["correctMask"],
                                  image_name=case.image_name, mask_name=case.mask_name)
        # Validate the ROI on the original grid first so errors name the input as given.
        grid_mask_arr = sitk.GetArrayViewFromImage(mask)  # read-only views: nothing below writes to them
        first_box = check_roi(grid_mask_arr, label, minimumROIDimensions=s["minimumROIDimensions"],
                              minimumROISize=s["minimumROISize"], name=case.mask_name)
        grid_mask = mask
        classes = self._classes_for(image.GetDimension(), case.is_rgb)
        colour = image if case.is_rgb else None
        image = grey_channel(image, s["colorChannel"], case.image_name) if case.is_rgb else image
        if colour is not None and (s["resampledPixelSpacing"] is not None or s["normalize"]):
            raise UnsupportedImageError(f"{case.image_name}: resampling and normalize are not supported on "
                                        "colour images; convert to one channel first")
        image, mask = self._prepare_grid(image, mask, label, s, case)

        image_arr = sitk.GetArrayViewFromImage(image)
        mask_arr = grid_mask_arr if mask is grid_mask else sitk.GetArrayViewFromImage(mask)
        if mask is grid_mask:  # not resampled nor cropped: the same check gives the same box
            box = first_box
        else:
            box = check_roi(mask_arr, label, minimumROIDimensions=s["minimumROIDimensions"],
                            minimumROISize=s["minimumROISize"], name=case.mask_name)
        if image_arr.dtype.kind not in "iub":  # integers are always finite
            box_slices = _box_slices(box)
            roi_values = image_arr[box_slices][mask_arr[box_slices] == label]
            if not np.all(np.isfinite(roi_values)):
                bad = int(np.sum(~np.isfinite(roi_values)))
                raise NonFiniteValueError(f"{case.image_name}: {bad} NaN/infinite voxel(s) inside ROI label {label}")

        shape_mask_arr, texture_mask_arr, texture_box = mask_arr, mask_arr, box
        if s["resegmentRange"] is not None or s["outlierSigma"] is not None:
            texture_mask_arr = self._resegment(image_arr, mask_arr, label, s, case.mask_name)
            texture_box = check_roi(texture_mask_arr, label, minimumROIDimensions=s["minimumROIDimensions"],
                                    minimumROISize=s["minimumROISize"], name=case.mask_name)
            if s["resegmentShape"]:
                shape_mask_arr, box = texture_mask_arr, texture_box
        if s["compat"] == "ibsi" and s["binCount"] is None:
            # IBSI: fixed-bin-size discretisation starts at the lower resegmentation bound
            rng = s["resegmentRange"]
            s["binOrigin"] = min(rng) if rng is not None and s["resegmentMode"] == "absolute" else None

        spacing = tuple(image.GetSpacing())[::-1]  # array axis order
        features = OrderedDict()
        families = [(get_family(name), wanted) for name, wanted in classes]
        crops = {}  # the boolean ROI of each (label map, box), computed once
        shape_roi = _crop_roi(image_arr, shape_mask_arr, label, box, spacing, s, "original", crops)
        for family, wanted in families:
            if family.kind == "shape":
                features.update(_run_family(family, wanted, shape_roi, "original"))
        if colour is not None:
            colour_roi = _crop_roi(sitk.GetArrayViewFromImage(colour), texture_mask_arr, label, texture_box,
                                   spacing, s, "original", crops)
            for family, wanted in families:
                if family.input == "rgb":
                    features.update(_run_family(family, wanted, colour_roi, "original"))
        grey = [(f, w) for f, w in families if f.kind != "shape" and f.input == "grey"]
        if grey:
            texture_mask = mask
            if texture_mask_arr is not mask_arr:
                texture_mask = sitk.GetImageFromArray(texture_mask_arr)
                texture_mask.CopyInformation(mask)
            for filtered, prefix, kwargs in iter_image_types(image, texture_mask, self.config.image_types, s):
                filtered_arr = image_arr if filtered is image else sitk.GetArrayViewFromImage(filtered)
                roi = _crop_roi(filtered_arr, texture_mask_arr, label, texture_box, spacing, kwargs, prefix, crops)
                for family, wanted in grey:
                    features.update(_run_family(family, wanted, roi, prefix))
        return features

    @staticmethod
    def _prepare_grid(image, mask, label, s, case):
        """Normalise, then resample (pyradiomics or IBSI grid) or pre-crop, as configured."""
        if s["normalize"]:
            image = normalize_image(image, s["normalizeScale"], s["removeOutliers"])
        if s["resampledPixelSpacing"] is not None and s["interpolator"] is not None:
            if s["compat"] == "ibsi":
                return resample_ibsi(image, mask, label, s["resampledPixelSpacing"], s["interpolator"],
                                     s["roundIntensities"])
            image, mask = resample_image_and_mask(image, mask, label, s["resampledPixelSpacing"],
                                                  s["interpolator"], s["padDistance"])
        if s["roundIntensities"] and s["compat"] != "ibsi":
            image = sitk.Round(image)
        if s["preCrop"] and s["resampledPixelSpacing"] is None:
            box = check_roi(sitk.GetArrayViewFromImage(mask), label, name=case.mask_name,
                            minimumROIDimensions=s["minimumROIDimensions"])
            image, mask = crop_to_box(image, mask, box, s["padDistance"])
        return image, mask

    @staticmethod
    def _resegment(image_arr, mask_arr, label, s, name):
        """``resegmentRange`` then ``outlierSigma`` (each on what the previous step kept)."""
        reseg = mask_arr
        if s["resegmentRange"] is not None:
            reseg = resegment_mask(image_arr, reseg, label, s["resegmentRange"], s["resegmentMode"], name=name)
        if s["outlierSigma"] is not None:
            k = float(s["outlierSigma"])
            reseg = resegment_mask(image_arr, reseg, label, [-k, k], "sigma", name=name)
        return reseg

    def _classes_for(self, ndim: int, rgb: bool = False):
        """(family, features) pairs for an image of ``ndim`` dimensions, in output order.

        A family that cannot run on this input is an error when the parameter file named it,
        and is left out when it only came with the defaults.
        """
        s = self.settings
        explicit = self.config.explicit_classes
        if rgb and not explicit:
            requested = {name: [] for name in RGB_DEFAULT_CLASSES if name in family_names()}
        else:
            requested = self.config.feature_classes
        out = []
        for name, wanted in requested.items():
            family = get_family(name)
            if name == "shape" and ndim == 2:
                # pyradiomics silently drops 3D shape on 2D input; the 2D family is what is meant.
                if "shape2D" not in requested:
                    out.append(("shape2D", []))
                continue
            if name == "shape2D" and ndim == 3 and not s["force2D"]:
                continue
            problem = None
            if ndim not in family.dims and name != "shape2D":
                problem = f"works on {'/'.join(f'{d}D' for d in sorted(family.dims))} images, this one is {ndim}D"
            elif family.input == "rgb" and not rgb:
                problem = "needs a colour (RGB) image"
            elif rgb and family.input == "grey" and family.kind != "shape" and explicit and s["colorChannel"] is None:
                raise UnsupportedImageError(
                    f"feature class {name!r} needs one grey channel but the image is colour (RGB): set "
                    "colorChannel to gray (luminance), R, G, B or a channel index")
            if problem:
                if explicit:
                    raise UnsupportedImageError(f"feature class {name!r} {problem}")
                continue
            out.append((name, wanted))
        return out

    def feature_names(self, ndim: int = 3, rgb: bool = False) -> list[str]:
        """Output column names for an image of ``ndim`` dimensions (colour if ``rgb``), in output order."""
        families = [(get_family(name), wanted) for name, wanted in self._classes_for(ndim, rgb)]

        def cols(prefix, selected, settings):
            return [f"{prefix}_{fam.name}_{f}" for fam, wanted in selected for f in (wanted or fam.names_for(settings))]

        names = cols("original", [(f, w) for f, w in families if f.kind == "shape"], self.settings)
        names += cols("original", [(f, w) for f, w in families if f.input == "rgb"], self.settings)
        grey = [(f, w) for f, w in families if f.kind != "shape" and f.input == "grey"]
        for type_name, custom in self.config.image_types.items():
            settings = {**self.settings, **custom}
            for prefix in image_type_names(type_name, settings, ndim):
                names += cols(prefix, grey, settings)
        return names


def _same_grid(image, mask) -> bool:
    """Exactly equal size, spacing, origin and direction (then every geometry check passes)."""
    return (image.GetDimension() == mask.GetDimension() and image.GetSize() == mask.GetSize()
            and image.GetSpacing() == mask.GetSpacing() and image.GetOrigin() == mask.GetOrigin()
            and image.GetDirection() == mask.GetDirection())


def _box_slices(box):
    """Array slices (z, y, x order) of a bounding box in pyradiomics' (x, y, z) interleaved layout."""
    return tuple(slice(box[2 * a], box[2 * a + 1] + 1) for a in range(len(box) // 2))[::-1]


def _crop_roi(image_arr, mask_arr, label, box, spacing, settings, prefix, crops) -> RoiData:
    slices = _box_slices(box)
    key = (id(mask_arr), tuple(int(b) for b in box))
    roi = crops.get(key)
    if roi is None:
        roi = crops[key] = mask_arr[slices] == label
    return RoiData(image_arr[slices], roi, spacing, settings, prefix)


def _run_family(family, wanted, roi: RoiData, prefix: str):
    values = compute_family(family, roi)
    if family.names is None:  # names independent of the settings: built once per output layout
        key = (id(family), prefix, tuple(wanted or ()))
        layout = _LAYOUTS.get(key)
        if layout is None:
            layout = _LAYOUTS[key] = _layout(family, wanted, roi.settings, prefix)
    else:
        layout = _layout(family, wanted, roi.settings, prefix)
    columns, index = layout
    return list(zip(columns, np.asarray(values, dtype=np.float64)[index].tolist()))


#: (id of the registered family, prefix, wanted) -> output column names and their value indices
_LAYOUTS: dict = {}


def _layout(family, wanted, settings, prefix):
    index = {n: i for i, n in enumerate(family.value_names(settings))}
    names = wanted or family.names_for(settings)
    return [f"{prefix}_{family.name}_{n}" for n in names], np.array([index[n] for n in names], dtype=np.intp)


def extract(image, mask=None, params=None, *, spacing=None, **settings) -> "OrderedDict[str, float]":
    """Features of one case: ``radfeat.extract("ct.nrrd", "roi.nrrd", binWidth=25)``.

    Parameters
    ----------
    image, mask : path, SimpleITK.Image or ndarray
        Any supported file, a DICOM folder, an image object, or an array in ``(z, y, x)`` order;
        ``mask=None`` uses the whole image.
    params : str, Path or dict, optional
        A pyradiomics parameter file or dict.
    spacing : sequence of float, optional
        Voxel size per array axis for array inputs.
    **settings
        Setting overrides with pyradiomics' names.
    """
    return Extractor(params, **settings).execute(image, mask, spacing=spacing)


def _input_record(source, kind):
    from .io.readers import file_sha256

    if isinstance(source, (str,)) or hasattr(source, "__fspath__"):
        try:
            return {kind: str(source), f"{kind}_sha256": file_sha256(source)}
        except OSError:
            return {kind: str(source), f"{kind}_sha256": None}
    return {kind: describe(source) if source is not None else None}


def extract_many(cases, params=None, *, on_error="record", progress=None, jobs=1, executor=None, scheduler=None,
                 journal=None, **settings):
    """Extract features for many cases, one row per (case, label).

    Parameters
    ----------
    cases : iterable of CaseSpec, (image, mask) pairs, or a manifest path
        What to extract.
    params : parameter file, dict or Config, optional
    on_error : {"record", "skip", "raise"}
        ``record`` keeps going: the failing row carries the message in its ``error`` column;
        ``skip`` leaves failing rows out of the table (they stay in the provenance records);
        ``raise`` stops at the first failure.
    progress : callable, optional
        Called as ``progress(done, total)`` after each case (or a
        :class:`radfeat.batch.progress.Progress`).
    jobs : int, default 1
        Worker processes (or Dask workers); 1 runs in this process with threaded kernels.
    executor : {"serial", "processes", "dask"}, optional
        See :mod:`radfeat.batch.runner`; default ``processes`` when ``jobs > 1``.
    scheduler : str, optional
        A running Dask scheduler's address (``tcp://host:8786``).
    journal : path, optional
        Journal folder: each finished case is saved there as it finishes; rerunning skips the
        cases already there whose inputs and settings are unchanged.

    Returns
    -------
    table : pandas.DataFrame
        Identity columns (``Image``, ``Mask``, ``Label`` and carried manifest columns), ``error``,
        then the features, rows in input order whatever the executor.
    provenance : list of dict
        One record per row (failed cases included): inputs with sha256, label, notes, error.
    """
    import pandas as pd

    from .batch.runner import run_batch
    from .io.manifest import CaseSpec, read_manifest

    if isinstance(cases, (str,)) or hasattr(cases, "__fspath__"):
        cases = read_manifest(cases)
    specs = [c if isinstance(c, CaseSpec) else CaseSpec(c[0], c[1] if len(c) > 1 else None) for c in cases]
    config = Extractor(params, **settings).config
    rows, records, _ = run_batch(specs, config, jobs=jobs, executor=executor, scheduler=scheduler,
                                 journal=journal, on_error=on_error, progress=progress)
    return pd.DataFrame(rows), records
