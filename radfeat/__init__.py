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

from ._lazy import lazy_exports  # noqa: E402

__getattr__, __dir__ = lazy_exports(__name__, {
    "extract": ".extraction",
    "extract_many": ".extraction",
    "Extractor": ".extraction",
    "load_config": ".config",
})
