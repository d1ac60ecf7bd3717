"""Benchmark evaluation: metrics, bootstrap intervals, summaries and the report writer.

>>> from radfeat.evaluation import classification_metrics, write_report     # doctest: +SKIP

Names load on first use, so ``import radfeat.evaluation`` pulls in neither scikit-learn nor
matplotlib (the report writer imports matplotlib only when it draws).
"""

from __future__ import annotations

__all__ = ["bootstrap_ci", "classification_metrics", "load_results", "roc_auc", "roc_curve_points",
           "summarise", "write_report"]

from .._lazy import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "classification_metrics": ".metrics",
    "bootstrap_ci": ".metrics",
    "summarise": ".metrics",
    "roc_auc": ".metrics",
    "roc_curve_points": ".metrics",
    "write_report": ".report",
    "load_results": ".report",
})
