"""Benchmark evaluation: metrics, bootstrap intervals, summaries and the report writer.

>>> from radfeat.evaluation import classification_metrics, write_report     # doctest: +SKIP

Names load on first use, so ``import radfeat.evaluation`` pulls in neither scikit-learn nor
matplotlib (the report writer imports matplotlib only when it draws).
"""

from __future__ import annotations

__all__ = ["bootstrap_ci", "classification_metrics", "load_results", "roc_auc", "roc_curve_points",
           "summarise", "write_report"]

_LAZY = {
    "classification_metrics": ("radfeat.evaluation.metrics", "classification_metrics"),
    "bootstrap_ci": ("radfeat.evaluation.metrics", "bootstrap_ci"),
    "summarise": ("radfeat.evaluation.metrics", "summarise"),
    "roc_auc": ("radfeat.evaluation.metrics", "roc_auc"),
    "roc_curve_points": ("radfeat.evaluation.metrics", "roc_curve_points"),
    "write_report": ("radfeat.evaluation.report", "write_report"),
    "load_results": ("radfeat.evaluation.report", "load_results"),
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'radfeat.evaluation' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))
