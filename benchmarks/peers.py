"""One adapter per tool of the speed suite: what it computes, on which input, and how it is called.

Every adapter exposes ``name``, ``module``, ``available()``, ``version``, ``notes`` (what differs
from pyradiomics' definitions and settings), ``supports(case, row)`` and ``prepare(case, row,
opts) -> Job``; ``run(case, row, opts)`` calls the job once and returns its values. A *row* is a
pyradiomics family (``firstorder``, ``shape``, ``glcm``, ``glrlm``, ``glszm``, ``gldm``,
``ngtdm``), ``all`` (the seven in one extraction), or a peer's own set (``lbp``, ``haralick``,
``glcm+lbp``, ``haralick+lbp``).

What is timed (``Job.run``) is one call of the tool's own API on its native input, prepared
beforehand (SimpleITK images for pyradiomics and radfeat's extractor, numpy arrays, NIfTI files
for nyxus' 3D reader). Per family the input is the ROI's bounding box (both extractors crop to it
before their feature classes); ``all`` gets the whole image and mask and does its own cropping.
Grey-level binning is part of the timed work for every tool that bins (radfeat, pyradiomics,
flash-radiomics, nyxus); scikit-image and mahotas cannot apply pyradiomics' binning, so they are
given its grey levels, computed once and not timed.

Tools that loop over the images of a batch in Python (pyradiomics, flash-radiomics,
scikit-image, mahotas) are timed on the first ``opts.subset`` images and their time is scaled to
the whole batch (``Job.scale``); radfeat and nyxus take the whole stack in one call.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["FAMILIES", "PEER_NAMES", "ROWS", "SETS", "TOOLS", "Job", "Options", "get_tool"]

#: pyradiomics' feature families, in its order; ``shape`` is ``shape2D`` on 2D images.
FAMILIES = ("firstorder", "shape", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
#: Whole sets extracted in one call: ``all`` (pyradiomics, nyxus, flash-radiomics) and the sets
#: radfeat shares with scikit-image and mahotas.
SETS = {"all": FAMILIES, "glcm+lbp": ("glcm", "lbp"), "haralick+lbp": ("haralick", "lbp")}
ROWS = ("all",) + FAMILIES + ("lbp", "haralick", "glcm+lbp", "haralick+lbp")


@dataclass(frozen=True)
class Options:
    """Run-wide settings handed to every adapter."""

    threads: int = 1
    subset: int = 100  # batch images a per-image tool is timed on


@dataclass
class Job:
    """``run()`` is timed; ``values(output)`` turns its output into ``{name: value}`` per image."""

    run: Callable[[], object]
    values: Callable[[object], list] | None = None
    scale: float = 1.0
    note: str = ""


def _classes(row: str, ndim: int) -> tuple[str, ...]:
    """Family names of ``row`` as the tools name them (``shape`` -> ``shape2D`` on 2D input)."""
    names = SETS.get(row, (row,))
    return tuple("shape2D" if n == "shape" and ndim == 2 else n for n in names)


def _strip(out, prefix="original_") -> dict:
    """``{'original_glcm_Contrast': v}`` -> ``{'glcm_Contrast': float(v)}`` (feature values only)."""
    return {k[len(prefix):]: float(v) for k, v in out.items() if k.startswith(prefix)}


class Tool:
    """Base adapter; subclasses set the class attributes and implement ``supports``/``prepare``."""

    name = ""
    module = ""
    per_image = False  # a Python loop over batch images: timed on a subset, scaled up
    threads = "1"  # how its threading is set ("1": single-threaded by construction)
    compared_on = ""
    notes = ""

    def available(self) -> bool:
        """Installed and importable (a broken install, e.g. a missing dependency, counts as missing)."""
        try:
            importlib.import_module(self.module)
        except Exception:  # noqa: BLE001
            return False
        return True

    @property
    def version(self) -> str:
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version(self.name)
        except PackageNotFoundError:
            return getattr(importlib.import_module(self.module), "__version__", "?")

    def supports(self, case, row: str) -> bool:
        raise NotImplementedError

    def prepare(self, case, row: str, opts: Options) -> Job:
        raise NotImplementedError

    def run(self, case, row: str, opts: Options = Options()):
        job = self.prepare(case, row, opts)
        out = job.run()
        return job.values(out) if job.values else out

    def _batch_indices(self, case, opts):
        n = case.subset(opts.subset)
        return range(n), case.n_images / n


# ------------------------------------------------------------------------------------------ radfeat


class Radfeat(Tool):
    """radfeat: ``Extractor.execute`` (whole set), a family's ``compute`` on the ROI box (per
    family), ``radfeat.sklearn.RadiomicsFeatures.transform`` on the 28x28 stack (batch kernels)."""

    name = "radfeat"
    module = "radfeat"
    threads = "Numba threads = --threads"
    compared_on = "everything"
    notes = ("the tool under test; per family: the family kernel on the ROI box, discretisation included; "
             "batch: the batch kernels (shape of a whole-image ROI is computed once per call)")

    def supports(self, case, row):
        if row in ("lbp", "haralick", "glcm+lbp", "haralick+lbp"):
            return case.ndim == 2
        return not (case.kind == "batch" and row == "shape")

    def prepare(self, case, row, opts):
        if case.kind == "batch":
            return self._batch(case, row, opts)
        if row in SETS:
            return self._extractor(case, row)
        return self._family(case, row)

    @staticmethod
    def _extractor(case, row):
        from radfeat.extraction import Extractor

        classes = _classes(row, case.ndim)
        extractor = Extractor({"setting": case.settings, "featureClass": {c: [] for c in classes}})
        img, msk = case.sitk_pair()
        return Job(lambda: extractor.execute(img, msk), lambda out: [_strip(out)])

    @staticmethod
    def _family(case, row):
        from radfeat.features.registry import get_family
        from radfeat.features.roi import RoiData

        family = get_family(_classes(row, case.ndim)[0])
        image, mask = case.cropped
        mask = mask.astype(bool)
        spacing = (1.0,) * case.ndim
        names = family.value_names(case.settings)

        def values(out):
            return [{f"{family.name}_{n}": float(v) for n, v in zip(names, out)}]

        # a fresh RoiData per call: discretisation is timed too
        return Job(lambda: family.compute(RoiData(image, mask, spacing, case.settings)), values)

    @staticmethod
    def _batch(case, row, opts):
        from radfeat.sklearn import RadiomicsFeatures

        classes = list(_classes(row, 2))
        rf = RadiomicsFeatures(params=dict(case.settings), families=classes, ndim=2)
        n_check = case.subset(opts.subset)

        def values(out):
            names = [str(n)[len("original_"):] for n in rf.get_feature_names_out()]
            return [dict(zip(names, map(float, out[k]))) for k in range(n_check)]

        return Job(lambda: rf.transform(case.image), values)


# -------------------------------------------------------------------------------------- pyradiomics


class PyRadiomics(Tool):
    """pyradiomics 3.0.1: ``RadiomicsFeatureExtractor.execute`` (whole set, ``additionalInfo``
    off), its feature classes' ``execute()`` on the ROI box (per family and, per image, the batch:
    its extractor refuses a mask without background, so the batch's whole set is the seven
    classes called in turn)."""

    name = "pyradiomics"
    module = "radiomics"
    per_image = True
    compared_on = "the seven families, whole set and per family"
    notes = "the reference definitions; its matrices are built in C, the features in numpy"

    def available(self):
        ok = super().available()
        if ok:
            import radiomics

            radiomics.setVerbosity(logging.ERROR)
        return ok

    @property
    def version(self):
        import radiomics

        return str(radiomics.__version__).lstrip("v")

    def supports(self, case, row):
        return row in FAMILIES + ("all",) and not (case.kind == "batch" and row == "shape")

    def prepare(self, case, row, opts):
        from radiomics import featureextractor, getFeatureClasses

        classes = _classes(row, case.ndim)
        feature_classes = getFeatureClasses()
        if case.kind == "batch":
            index, scale = self._batch_indices(case, opts)
            pairs = [case.sitk_pair(index=i) for i in index]

            def run_batch():
                return [{f"{c}_{k}": float(v) for c in classes
                         for k, v in feature_classes[c](img, msk, **case.settings).execute().items()}
                        for img, msk in pairs]

            return Job(run_batch, lambda out: out, scale)
        if row == "all":
            extractor = featureextractor.RadiomicsFeatureExtractor(additionalInfo=False, **case.settings)
            extractor.disableAllFeatures()
            for c in classes:
                extractor.enableFeatureClassByName(c)
            img, msk = case.sitk_pair()
            return Job(lambda: extractor.execute(img, msk), lambda out: [_strip(out)])
        cls, name = feature_classes[classes[0]], classes[0]
        img, msk = case.sitk_pair(cropped=True)
        return Job(lambda: cls(img, msk, **case.settings).execute(),
                   lambda out: [{f"{name}_{k}": float(v) for k, v in out.items()}])


# -------------------------------------------------------------------------------------------- nyxus


#: nyxus feature groups per pyradiomics family. 2D shape: the morphology features that cover
#: pyradiomics' shape2D (area, perimeter, circularity ~ sphericity, axes, elongation, max Feret
#: diameter); 3D shape: its whole 3D morphology group.
NYXUS_2D = {
    "firstorder": ["*ALL_INTENSITY*"],
    "shape": ["AREA_PIXELS_COUNT", "PERIMETER", "CIRCULARITY", "MAJOR_AXIS_LENGTH", "MINOR_AXIS_LENGTH",
              "ELONGATION", "STAT_FERET_DIAM_MAX"],
    "glcm": ["*ALL_GLCM*"], "glrlm": ["*ALL_GLRLM*"], "glszm": ["*ALL_GLSZM*"], "gldm": ["*ALL_GLDM*"],
    "ngtdm": ["*ALL_NGTDM*"],
}
NYXUS_3D = {
    "firstorder": ["*3D_ALL_INTENSITY*"], "shape": ["*3D_ALL_MORPHOLOGY*"], "glcm": ["*3D_GLCM*"],
    "glrlm": ["*3D_GLRLM*"], "glszm": ["*3D_GLSZM*"], "gldm": ["*3D_GLDM*"], "ngtdm": ["*3D_NGTDM*"],
}


class Nyxus(Tool):
    """nyxus: ``Nyxus(features).featurize(images, labels)`` on numpy arrays (2D and the batch, in
    one call), ``Nyxus3D(features).featurize_files`` on NIfTI files (it has no 3D array API)."""

    name = "nyxus"
    module = "nyxus"
    threads = "n_feature_calc_threads = --threads"
    compared_on = "the seven families (its intensity, morphology and texture groups), whole set and per family"
    notes = ("binning: coarse_gray_depth = the ROI's pyradiomics level count (17; 32 for the batch), so the "
             "matrices have the same size, but nyxus bins with equal-width MATLAB-style bins over its own "
             "intensity range, not pyradiomics' width-25 bins from 0; grey 0 is background; GLCM and GLRLM "
             "report every angle and their mean (pyradiomics: the mean), first order 38 features (18), 2D "
             "shape by its morphology features (area, perimeter, circularity, axes, elongation, Feret "
             "diameters; pyradiomics: a marching-squares mesh); 3D volumes are read from two NIfTI files, "
             "inside the timed call; output is a pandas DataFrame; values are not compared")

    def supports(self, case, row):
        return row in FAMILIES + ("all",) and not (case.kind == "batch" and row == "shape")

    def prepare(self, case, row, opts):
        import nyxus

        groups = NYXUS_3D if case.ndim == 3 else NYXUS_2D
        features = [g for fam in SETS.get(row, (row,)) for g in groups[fam]]
        kwargs = dict(n_feature_calc_threads=opts.threads, coarse_gray_depth=case.n_levels)
        if case.ndim == 3:
            nyx = nyxus.Nyxus3D(features, **kwargs)
            image_file, mask_file = case.nifti_files
            return Job(lambda: nyx.featurize_files([image_file], [mask_file], False))
        nyx = nyxus.Nyxus(features, **kwargs)
        image = np.ascontiguousarray(case.image, dtype=np.uint32)  # its native type: no cast inside
        labels = np.ascontiguousarray(case.mask, dtype=np.uint32)
        names = [f"i{k}" for k in range(case.n_images)]
        return Job(lambda: nyx.featurize(image, labels, intensity_names=list(names), label_names=list(names)))


# ----------------------------------------------------------------------------------- flash-radiomics


class FlashRadiomics(Tool):
    """flash-radiomics (CPU backend): ``RadiomicsFeatureExtractor.preprocess_case`` +
    ``extract_from_preprocessed`` (whole set), its feature classes' ``execute()`` on the ROI box
    (per family and, per image, the batch)."""

    name = "flash-radiomics"
    module = "flash_radiomics"
    per_image = True
    threads = "num_threads = --threads, segmentClassWorkers 1"
    compared_on = "the seven families, whole set and per family"
    notes = ("a pyradiomics-like API over a C library; same binning settings; its execute() also writes "
             "an HDF5 file per case, which is left out here (preprocess_case + extract_from_preprocessed, "
             "the rest of execute); Kurtosis is IBSI's excess kurtosis and MCC differs, plus extra "
             "features (StandardDeviation, SumVariance, ...); values are compared for information only")

    def available(self):
        ok = super().available()
        if ok:
            import flash_radiomics

            flash_radiomics.setVerbosity(logging.ERROR)
        return ok

    def supports(self, case, row):
        return row in FAMILIES + ("all",) and not (case.kind == "batch" and row == "shape")

    def prepare(self, case, row, opts):
        import flash_radiomics as fr

        classes = _classes(row, case.ndim)
        feature_classes = fr.getFeatureClasses()
        kwargs = dict(backend="cpu", num_threads=opts.threads, spacing=(1.0,) * case.ndim, **case.settings)

        def run_classes(image, mask):
            return {f"{c}_{k}": float(v) for c in classes
                    for k, v in feature_classes[c](image, mask, **kwargs).execute().items()}

        if case.kind == "batch":
            index, scale = self._batch_indices(case, opts)
            images = [np.ascontiguousarray(case.image[i]) for i in index]
            masks = [np.ascontiguousarray(case.mask[i]) for i in index]
            return Job(lambda: [run_classes(i, m) for i, m in zip(images, masks)], lambda out: out, scale)
        if row == "all":
            extractor = fr.RadiomicsFeatureExtractor(backend="cpu", num_threads=opts.threads, additionalInfo=False,
                                                     segmentClassWorkers=1, **case.settings)
            extractor.disableAllFeatures()
            for c in classes:
                extractor.enableFeatureClassByName(c)
            img, msk = case.sitk_pair()

            def run_all():
                extractor._discretization_cache.clear()  # its binning cache is keyed by buffer address
                return extractor.extract_from_preprocessed(extractor.preprocess_case(img, msk))

            return Job(run_all, lambda out: [_strip(out)])
        image, mask = case.cropped
        image = np.ascontiguousarray(image, dtype=np.float64)
        mask = np.ascontiguousarray(mask)
        return Job(lambda: run_classes(image, mask), lambda out: [out])


# ------------------------------------------------------------------------------------- scikit-image

ANGLES = (0.0, np.pi / 4, np.pi / 2, 3 * np.pi / 4)
GLCM_PROPS = ("contrast", "dissimilarity", "homogeneity", "energy", "correlation", "ASM")


def _lbp_values(codes, mask, bins=10):
    """Normalised histogram of the ROI's uniform LBP codes, its entropy and energy (radfeat's lbp)."""
    hist = np.bincount(codes[mask].astype(np.int64), minlength=bins)[:bins] / mask.sum()
    nz = hist[hist > 0]
    out = {f"lbp_Bin{k}": float(v) for k, v in enumerate(hist)}
    out["lbp_Entropy"] = float(-(nz * np.log2(nz)).sum())
    out["lbp_Energy"] = float((hist ** 2).sum())
    return out


def _per_image_inputs(case, opts, tool):
    """(images, masks, levels, scale) a per-image 2D tool loops over: the ROI box or batch subset."""
    if case.kind == "batch":
        index, scale = tool._batch_indices(case, opts)
        return ([case.image[i].astype(np.float64) for i in index], [case.mask[i].astype(bool) for i in index],
                [case.levels[i] for i in index], scale)
    image, mask = case.cropped
    return [image.astype(np.float64)], [mask.astype(bool)], [case.levels], 1.0


class SkImage(Tool):
    """scikit-image: ``graycomatrix`` + ``graycoprops`` (GLCM) and ``local_binary_pattern`` (LBP), 2D."""

    name = "scikit-image"
    module = "skimage"
    per_image = True
    compared_on = "GLCM, LBP and both (2D images and the batch)"
    notes = ("GLCM: graycomatrix at distance 1 on 4 angles, symmetric, over pyradiomics' grey levels (given: "
             "it cannot bin) with level 0 = outside the ROI, dropped from the matrix; 6 graycoprops averaged "
             "over the angles (radfeat: 24 pyradiomics GLCM features); LBP: local_binary_pattern(P=8, R=1, "
             "uniform) on the ROI box and the histogram of the ROI's codes, entropy, energy: radfeat's lbp "
             "definition, values compared")

    def supports(self, case, row):
        return case.ndim == 2 and row in ("glcm", "lbp", "glcm+lbp")

    def prepare(self, case, row, opts):
        from skimage.feature import graycomatrix, graycoprops, local_binary_pattern

        # radfeat's LBP reads float64 too; the values are integers, so the warning does not apply
        warnings.filterwarnings("ignore", message="Applying `local_binary_pattern` to floating-point")
        images, masks, levels, scale = _per_image_inputs(case, opts, self)
        levels_u8 = [lv.astype(np.uint8) for lv in levels]
        ng = int(max(lv.max() for lv in levels))
        parts = SETS.get(row, (row,))

        def one(image, mask, lv):
            out = {}
            if "glcm" in parts:
                m = graycomatrix(lv, [1], ANGLES, levels=ng + 1, symmetric=True, normed=False)[1:, 1:]
                out.update({f"glcm_{p}": float(graycoprops(m, p).mean()) for p in GLCM_PROPS})
            if "lbp" in parts:
                out.update(_lbp_values(local_binary_pattern(image, 8, 1, "uniform"), mask))
            return out

        return Job(lambda: [one(i, m, lv) for i, m, lv in zip(images, masks, levels_u8)], lambda out: out, scale)


# ------------------------------------------------------------------------------------------ mahotas


class Mahotas(Tool):
    """mahotas: ``features.haralick`` (13 Haralick features, 4 directions) and ``features.lbp``, 2D."""

    name = "mahotas"
    module = "mahotas"
    per_image = True
    compared_on = "Haralick, LBP and both (2D images and the batch)"
    notes = ("Haralick: haralick(levels, ignore_zeros=True) over pyradiomics' grey levels (given, 0 outside "
             "the ROI): radfeat's haralick family is mahotas' definition, values compared; LBP: mahotas' "
             "rotation-invariant histogram of all patterns (P=8, R=1) over the whole ROI box, no mask "
             "(radfeat: uniform codes of the ROI), not compared")

    def supports(self, case, row):
        return case.ndim == 2 and row in ("haralick", "lbp", "haralick+lbp")

    def prepare(self, case, row, opts):
        import mahotas.features

        from radfeat.features.haralick import BASE_FEATURES, DIRECTIONS

        images, _, levels, scale = _per_image_inputs(case, opts, self)
        levels_u8 = [lv.astype(np.uint8) for lv in levels]
        parts = SETS.get(row, (row,))

        def one(image, lv):
            out = {}
            if "haralick" in parts:
                out["haralick"] = mahotas.features.haralick(lv, ignore_zeros=True)
            if "lbp" in parts:
                out["lbp"] = mahotas.features.lbp(image, 1, 8)
            return out

        def values(outs):
            rows = []
            for out in outs:
                row_values = {}
                if "haralick" in out:
                    h = out["haralick"]
                    for k, (name, _) in enumerate(BASE_FEATURES):
                        row_values[f"haralick_{name}"] = float(h[:, k].mean())
                        row_values.update({f"haralick_{name}_{d}": float(h[j, k]) for j, d in enumerate(DIRECTIONS)})
                rows.append(row_values)
            return rows

        return Job(lambda: [one(i, lv) for i, lv in zip(images, levels_u8)], values, scale)


TOOLS = {t.name: t for t in (Radfeat(), PyRadiomics(), Nyxus(), FlashRadiomics(), SkImage(), Mahotas())}
#: What ``--peers`` accepts (``skimage`` is scikit-image's import name).
PEER_NAMES = {"pyradiomics": "pyradiomics", "nyxus": "nyxus", "flash-radiomics": "flash-radiomics",
              "flash_radiomics": "flash-radiomics", "skimage": "scikit-image", "scikit-image": "scikit-image",
              "mahotas": "mahotas"}


def get_tool(name: str) -> Tool:
    """The adapter called ``name`` (``--peers`` spelling accepted)."""
    return TOOLS[PEER_NAMES.get(name, name)]
