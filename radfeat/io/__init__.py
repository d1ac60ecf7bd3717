"""Reading images and masks, manifests, and writing feature tables with provenance."""

from .readers import array_to_image, file_sha256, read_image  # noqa: F401
