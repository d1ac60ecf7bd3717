"""The explicit registry of feature families.

A family registers itself with :func:`register_family`, giving its ordered feature list (name,
one-line formula, IBSI code) and the settings it reads. Nothing is discovered by scanning names:
``radfeat/features/__init__.py`` imports each family module once, and that import registers it.
The config validator, the CLI (``radfeat features``), the extractor and the sklearn transformer
all read this registry, so a new family needs no edits elsewhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np

from ..exceptions import ConfigError

__all__ = ["Feature", "Family", "BATCH_INPUTS", "register_family", "register_batch", "get_family",
           "family_names", "all_families", "check_matrix_size"]


@dataclass(frozen=True)
class Feature:
    """One feature: its pyradiomics name, a one-line formula, and its IBSI code if it has one."""

    name: str
    formula: str
    ibsi: str | None = None
    deprecated: bool = False


@dataclass(frozen=True)
class Family:
    """A feature family.

    Attributes
    ----------
    name : str
        Class name as it appears in feature names (``firstorder``, ``shape``, ``glcm``, ...).
    features : tuple of Feature
        Ordered feature list; ``compute`` returns values in this order.
    compute : callable
        ``compute(roi) -> numpy.ndarray`` of float64, one value per feature, where ``roi`` is a
        :class:`radfeat.features.roi.RoiData`.
    dims : frozenset of int
        Image dimensionalities the family accepts (2, 3).
    kind : {"intensity", "texture", "shape"}
        ``shape`` families run once per case on the original mask; ``intensity`` and ``texture``
        families run on every enabled image type; ``texture`` families also follow the
        ``textureAggregation`` setting (IBSI's 2D / 2.5D / 3D, averaged or merged).
    input : {"grey", "rgb"}
        ``rgb`` families (colour) receive the colour image; ``grey`` families one channel of it.
    names : callable, optional
        ``names(settings) -> tuple of str`` for families whose feature list depends on their
        settings (LBP points/method, the Gabor bank, colour histogram bins); ``compute`` then
        returns values in that order. ``features`` documents the default settings' list.
    directional : bool
        The family builds one matrix per direction (GLCM, GLRLM), so it honours the internal
        ``mergeDirections`` setting (sum the matrices over directions before the features).
    default : bool
        Enabled when the parameter file names no ``featureClass`` (pyradiomics leaves shape2D out).
    settings : Mapping[str, object]
        Settings this family reads, with their defaults (validated by :mod:`radfeat.config`).
    """

    name: str
    features: tuple[Feature, ...]
    compute: Callable[..., np.ndarray]
    dims: frozenset = frozenset({2, 3})
    kind: str = "intensity"
    input: str = "grey"
    directional: bool = False
    names: Callable | None = None
    default: bool = True
    settings: Mapping[str, object] = field(default_factory=dict)
    description: str = ""

    @property
    def batch(self) -> Callable | None:
        """``batch(*inputs, masks, settings) -> (N, n_features)`` for stacks of small images, or None.

        ``inputs`` are the stacks named by :attr:`batch_reads`, in that order.
        """
        entry = _BATCH.get(self.name)
        return entry[0] if entry is not None else None

    @property
    def batch_reads(self) -> tuple[str, ...]:
        """What the batch kernel reads before ``masks``: names from :data:`BATCH_INPUTS` (empty if none)."""
        entry = _BATCH.get(self.name)
        return entry[1] if entry is not None else ()

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the non-deprecated features (default settings), in output order."""
        return tuple(f.name for f in self.features if not f.deprecated)

    def names_for(self, settings) -> tuple[str, ...]:
        """Output feature names under ``settings`` (non-deprecated, in output order)."""
        return tuple(self.names(settings)) if self.names is not None else self.feature_names

    def value_names(self, settings) -> tuple[str, ...]:
        """Names of every value ``compute`` returns under ``settings`` (deprecated ones included)."""
        return tuple(self.names(settings)) if self.names is not None else tuple(f.name for f in self.features)

    def feature(self, name: str) -> Feature:
        """Return the :class:`Feature` called ``name``; unknown names raise ConfigError."""
        for f in self.features:
            if f.name == name:
                return f
        raise ConfigError(
            f"unknown feature {name!r} in family {self.name!r}"
            + did_you_mean(name, [f.name for f in self.features])
        )


_REGISTRY: dict[str, Family] = {}
_BATCH: dict[str, tuple[Callable, tuple[str, ...]]] = {}

#: The stacks a batch kernel can read, each ``(N, ...)`` with the masks' shape (plus a channel axis
#: for ``colour``): ``levels`` are 1-based int64 grey levels, 0 outside the ROI; ``intensities``
#: the float64 grey image (one channel of a colour image); ``colour`` the RGB images as given.
BATCH_INPUTS = ("levels", "intensities", "colour")

#: Default for the ``maxMatrixMB`` setting: the largest texture matrix a family may allocate.
MAX_MATRIX_MB_DEFAULT = 2048


def register_family(name, features, *, dims=(2, 3), kind="intensity", default=True,
                    settings=None, description="", directional=False, input="grey", names=None):
    """Decorator registering ``compute`` as the kernel-backed implementation of a family."""

    def decorator(compute):
        if name in _REGISTRY:
            raise RuntimeError(f"feature family {name!r} registered twice")
        _REGISTRY[name] = Family(
            name=name,
            features=tuple(features),
            compute=compute,
            dims=frozenset(dims),
            kind=kind,
            input=input,
            directional=directional,
            names=names,
            default=default,
            settings=dict(settings or {}),
            description=description or (compute.__doc__ or "").strip().splitlines()[0],
        )
        return compute

    return decorator


def register_batch(name, reads=("levels",)):
    """Decorator registering a batch kernel for family ``name`` (many same-size images per call).

    The function takes the stacks named by ``reads`` (from :data:`BATCH_INPUTS`, in that order),
    then ``masks`` (a bool stack ``(N, ...)``) and ``settings``, and returns a float64 array
    ``(N, n_features)`` in the family's value order. The default reads the discretised levels:
    ``(levels, masks, settings)``.
    """
    reads = tuple(reads)
    unknown = [r for r in reads if r not in BATCH_INPUTS]
    if unknown or not reads:
        raise ValueError(f"register_batch({name!r}): reads must name some of {BATCH_INPUTS}, got {reads}")

    def decorator(func):
        _BATCH[name] = (func, reads)
        return func

    return decorator


def check_matrix_size(family: str, n_elements: int, n_levels: int, settings) -> None:
    """Raise MatrixTooLargeError when a matrix of ``n_elements`` float64 would exceed ``maxMatrixMB``."""
    limit = float(settings.get("maxMatrixMB", MAX_MATRIX_MB_DEFAULT))
    size_mb = n_elements * 8 / 2**20
    if size_mb > limit:
        from ..exceptions import MatrixTooLargeError

        cause = (f"binCount={settings['binCount']}" if settings.get("binCount") is not None
                 else f"binWidth={settings.get('binWidth', 25)}")
        raise MatrixTooLargeError(
            f"the {family} matrix would need {size_mb:,.0f} MB for {n_levels} grey levels "
            f"(from {cause}); the limit is maxMatrixMB={limit:g}. Use a larger binWidth or a "
            f"smaller binCount, or raise maxMatrixMB"
        )


def did_you_mean(word: str, choices) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or an empty string."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if not close:
        lowered = {str(c).lower(): str(c) for c in choices}
        if str(word).lower() in lowered:
            close = [lowered[str(word).lower()]]
    return f" (did you mean {close[0]!r}?)" if close else ""


def get_family(name: str) -> Family:
    """Return the registered family ``name``; unknown names raise ConfigError with a hint."""
    _ensure_loaded()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown feature class {name!r}" + did_you_mean(name, _REGISTRY)
            + f"; known classes: {', '.join(_REGISTRY)}"
        ) from None


def family_names() -> list[str]:
    """Names of all registered families, in registration order."""
    _ensure_loaded()
    return list(_REGISTRY)


def all_families() -> list[Family]:
    """All registered families, in registration order."""
    _ensure_loaded()
    return list(_REGISTRY.values())


_LOADED = False


def _ensure_loaded():
    # Importing the package runs each family module's register_family decorator exactly once.
    # (The flag spares the import statement's cost on the lookups of every extraction.)
    global _LOADED
    if not _LOADED:
        from .. import features  # noqa: F401

        _LOADED = True
