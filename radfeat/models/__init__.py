"""CNN baselines in plain PyTorch, wrapped as scikit-learn classifiers.

``import radfeat`` never loads this package, and importing it does not load torch either: the
names below resolve on first use, so a missing PyTorch shows up as one clear ImportError at the
point where a CNN is actually asked for::

    from radfeat.models import CNNClassifier

    clf = CNNClassifier("resnet18", epochs=100).fit(images, labels)     # (N, 28, 28), (N,)
    clf.predict_proba(test_images)

Submodules: :mod:`~radfeat.models.device` (device choice), :mod:`~radfeat.models.cnn` (the
networks) and :mod:`~radfeat.models.classifier` (the estimator and image preparation).
"""

from __future__ import annotations

__all__ = [
    "ARCHS",
    "TORCH_MISSING",
    "CNNClassifier",
    "ResNet18",
    "SimpleCNN",
    "build_model",
    "describe_device",
    "images_to_tensor",
    "pick_device",
]

#: The message every torch-dependent entry point raises when PyTorch is not installed.
TORCH_MISSING = "the CNN baseline needs PyTorch: pip install 'radfeat[cnn]'"

from .._lazy import lazy_exports  # noqa: E402

_LAZY = {
    "CNNClassifier": "radfeat.models.classifier",
    "images_to_tensor": "radfeat.models.classifier",
    "SimpleCNN": "radfeat.models.cnn",
    "ResNet18": "radfeat.models.cnn",
    "build_model": "radfeat.models.cnn",
    "ARCHS": "radfeat.models.cnn",
    "pick_device": "radfeat.models.device",
    "describe_device": "radfeat.models.device",
}


def require_torch():
    """Import and return :mod:`torch`, or raise an ImportError saying how to install it."""
    try:
        import torch
    except ImportError as exc:
        raise ImportError(TORCH_MISSING) from exc
    return torch


# require_torch first, so a missing torch gives our message, not a bare "No module named 'torch'"
__getattr__, __dir__ = lazy_exports(__name__, _LAZY, before=require_torch)
