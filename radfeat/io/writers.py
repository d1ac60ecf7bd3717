"""Writing feature tables (CSV or Parquet, chosen by suffix) and their provenance sidecar."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import tempfile
from pathlib import Path

__all__ = ["write_table", "write_provenance", "provenance_path", "package_versions"]


def package_versions() -> dict:
    """Versions of radfeat and the libraries that determine its numbers."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("radfeat", "numpy", "numba", "SimpleITK", "scikit-image"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def _atomic_write(path: Path, write):
    # Write beside the target and rename, so a crash never leaves a half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_table(frame, path) -> Path:
    """Write a DataFrame as CSV (default) or Parquet (``.parquet``), atomically."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        _atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))
    else:
        _atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, float_format="%.17g"))
    return path


def provenance_path(output) -> Path:
    """``features.csv`` -> ``features.csv.provenance.json``."""
    output = Path(output)
    return output.with_name(output.name + ".provenance.json")


def write_provenance(output, config, cases) -> Path:
    """Write the sidecar: resolved settings, versions, and per-case inputs with their sha256.

    ``cases`` is a list of dicts (image, mask, label, sha256s, notes, error). Only paths and
    hashes are recorded: nothing from image headers, so no patient identifier can leak.
    """
    doc = {
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "config": config.to_dict(),
        "cases": cases,
    }
    path = provenance_path(output)
    _atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8"))
    return path
