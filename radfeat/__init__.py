"""radfeat: fast, pyradiomics-compatible feature extraction for medical images.

>>> import radfeat
>>> features = radfeat.extract("ct.nrrd", "roi.nrrd", binWidth=25)      # doctest: +SKIP

Heavy parts (Numba kernels, SimpleITK, pandas) load on first use, so ``import radfeat`` is fast
and imports neither torch nor scikit-learn.
"""

from __future__ import annotations

__version__ = "0.1.0"
#: Bumped whenever a feature value can change: models and batch journals from another version are refused.
FEATURE_VERSION = "1"

__all__ = ["__version__", "extract", "extract_many", "Extractor", "load_config", "RadfeatError"]

from .exceptions import RadfeatError  # noqa: E402  (light: no third-party imports)

_LAZY = {
    "extract": ("radfeat.extraction", "extract"),
    "extract_many": ("radfeat.extraction", "extract_many"),
    "Extractor": ("radfeat.extraction", "Extractor"),
    "load_config": ("radfeat.config", "load_config"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radfeat' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
