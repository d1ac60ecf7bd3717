"""Exceptions raised by radfeat.

Every error radfeat raises on purpose derives from :class:`RadfeatError` and from the builtin
exception a Python user would expect (``ValueError``, ``OSError``, ``TypeError``), so callers can
catch either. Messages name the file (when there is one) and the problem.
"""

from __future__ import annotations

__all__ = [
    "RadfeatError",
    "ImageReadError",
    "GeometryMismatchError",
    "EmptyROIError",
    "InvalidROIError",
    "NonFiniteValueError",
    "UnsupportedImageError",
    "ConfigError",
    "MatrixTooLargeError",
]


class RadfeatError(Exception):
    """Base class of every error radfeat raises deliberately."""


class ImageReadError(RadfeatError, OSError):
    """An image or mask file is missing, unreadable, or not an image."""


class GeometryMismatchError(RadfeatError, ValueError):
    """Image and mask differ in size, spacing, origin or direction beyond tolerance."""


class EmptyROIError(RadfeatError, ValueError):
    """The mask holds no voxel of the requested label."""


class InvalidROIError(RadfeatError, ValueError):
    """The ROI exists but features are undefined on it (a single voxel, too few dimensions)."""


class NonFiniteValueError(RadfeatError, ValueError):
    """The image holds NaN or infinite values inside the ROI."""


class UnsupportedImageError(RadfeatError, TypeError):
    """The image's data type or channel layout cannot be used by the requested features."""


class ConfigError(RadfeatError, ValueError):
    """A parameter file or setting is unknown, misspelt, or out of range."""


class MatrixTooLargeError(RadfeatError, MemoryError):
    """A texture matrix would exceed the configured memory limit."""
