"""Manifests in pyradiomics' batch format: a CSV with ``Image``, ``Mask`` and optional ``Label``,
``Label_channel``; any other column is carried to the output unchanged. Relative paths are
resolved against the manifest's folder."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from ..exceptions import ConfigError, ImageReadError

__all__ = ["CaseSpec", "read_manifest"]


@dataclass
class CaseSpec:
    """One manifest row: where the image and mask are, which label, and the carried columns."""

    image: str
    mask: str | None
    label: int | str | None = None
    label_channel: int | None = None
    extra: dict = field(default_factory=dict)


def _resolve(value: str, base: Path) -> str:
    p = Path(value).expanduser()
    return str(p if p.is_absolute() else (base / p))


def read_manifest(path) -> list[CaseSpec]:
    """Parse a pyradiomics batch CSV into :class:`CaseSpec` rows."""
    path = Path(path)
    if not path.is_file():
        raise ImageReadError(f"{path}: manifest not found")
    with open(path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or "Image" not in reader.fieldnames:
            raise ConfigError(f"{path}: a manifest needs an 'Image' column (and usually 'Mask'); "
                              f"found {reader.fieldnames}")
        rows = []
        for n, row in enumerate(reader, start=2):
            if not (row.get("Image") or "").strip():
                raise ConfigError(f"{path}, line {n}: empty Image")
            mask = (row.get("Mask") or "").strip() or None
            label = (row.get("Label") or "").strip() or None
            if label is not None and label.lower() != "all":
                try:
                    label = int(float(label))
                except ValueError:
                    raise ConfigError(f"{path}, line {n}: Label must be an integer or 'all', got {label!r}") from None
            channel = (row.get("Label_channel") or "").strip()
            extra = {k: v for k, v in row.items() if k not in ("Image", "Mask", "Label", "Label_channel")}
            rows.append(CaseSpec(_resolve(row["Image"].strip(), path.parent),
                                 _resolve(mask, path.parent) if mask else None,
                                 label, int(channel) if channel else None, extra))
    return rows
