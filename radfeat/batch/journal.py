"""The run journal: one file per finished case, keyed by what determines its rows.

A case's key hashes its input files' sha256, its identity (paths, label, label channel, carried
columns) and the settings hash (resolved configuration + radfeat's feature version). A rerun
computes the keys again: a case whose key has an entry is read back instead of extracted; a
changed file or setting changes the key, so it is recomputed, never reused. Entries are written
atomically (temporary file + rename), so a crash at any instant leaves only whole entries.
Failed cases are not journaled: a rerun tries them again.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

__all__ = ["Journal", "case_key", "settings_hash"]


def _canonical(obj) -> str:
    return json.dumps(obj, sort_keys=True, default=str, separators=(",", ":"))


def settings_hash(config) -> str:
    """sha256 of the resolved configuration and the feature version."""
    from .. import FEATURE_VERSION

    doc = {"config": config.to_dict(), "explicit_classes": config.explicit_classes, "feature_version": FEATURE_VERSION}
    return hashlib.sha256(_canonical(doc).encode()).hexdigest()


def case_key(spec, record, settings: str) -> str:
    """sha256 identifying one case's rows under ``settings`` (see the module docstring)."""
    doc = {"image": record.get("image"), "image_sha256": record.get("image_sha256"),
           "mask": record.get("mask"), "mask_sha256": record.get("mask_sha256"),
           "label": spec.label, "label_channel": spec.label_channel, "extra": spec.extra, "settings": settings}
    return hashlib.sha256(_canonical(doc).encode()).hexdigest()


class Journal:
    """A folder of finished cases (``<key>.json``) for one output table.

    Parameters
    ----------
    folder : path
        Created when missing (default for the CLI: ``<output>.journal`` beside the output).
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def load(self, key: str):
        """The journaled ``[(row, record), ...]`` of a case, or None when it has none (or it is unreadable)."""
        try:
            doc = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return [(row, rec) for row, rec in doc["results"]] if doc.get("key") == key else None

    def save(self, key: str, results) -> None:
        """Journal a finished case atomically (only when every row succeeded)."""
        if any(row.get("error") for row, _ in results):
            return
        text = json.dumps({"key": key, "results": [[row, rec] for row, rec in results]}, default=_plain)
        fd, tmp = tempfile.mkstemp(prefix=".entry.", dir=self.folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)  # no fsync: a process crash keeps written pages; a torn entry reads as missing
            os.replace(tmp, self._path(key))
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise

    def __len__(self):
        return sum(1 for _ in self.folder.glob("*.json"))


def _plain(obj):
    # numpy scalars from carried columns or labels
    if hasattr(obj, "item"):
        return obj.item()
    return str(obj)
