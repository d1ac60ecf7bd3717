"""The unit of batch work: extract one case (every requested label) into rows, never raising.

The same function runs in the calling process, in worker processes and on Dask workers, so
every executor produces the same rows. Failures become rows with an ``error`` message (the
raise/skip policy is applied by the caller, which sees every outcome).
"""

from __future__ import annotations

import os

__all__ = ["extract_case", "extract_cases", "pin_threads"]

#: Environment variables that size the thread pools of BLAS/OpenMP and Numba in a worker.
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")

_EXTRACTORS: dict = {}  # settings hash -> Extractor, one per worker process


def pin_threads(n: int = 1) -> None:
    """Give this process ``n`` compute threads, so ``jobs`` workers do not oversubscribe the cores."""
    for var in THREAD_VARIABLES:
        os.environ[var] = str(n)
    import numba

    numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))


def _extractor(config, settings_hash):
    from ..extraction import Extractor

    if settings_hash not in _EXTRACTORS:
        _EXTRACTORS.clear()
        _EXTRACTORS[settings_hash] = Extractor(config)
    return _EXTRACTORS[settings_hash]


def _message(exc, ident) -> str:
    from ..exceptions import RadfeatError

    if isinstance(exc, RadfeatError):
        text = str(exc)
    elif isinstance(exc, MemoryError):
        text = f"out of memory: {exc}" if str(exc) else "out of memory"
    else:  # not a deliberate radfeat error: keep the type so a bug report can find it
        text = f"{type(exc).__name__}: {exc}"
    # errors raised past the readers (discretisation, matrix guards) do not know the file
    image, mask = ident.get("Image", ""), ident.get("Mask", "")
    return text if not image or image in text or (mask and mask in text) else f"{image}: {text}"


def extract_case(spec, config, settings_hash, ident, record, threads=None, raise_errors=False):
    """Rows and provenance records of one case.

    Parameters
    ----------
    spec : CaseSpec
    config : Config
        The resolved configuration (an Extractor is built from it once per process).
    settings_hash : str
    ident : dict
        Identity columns of the case (``Image``, ``Mask``).
    record : dict
        Its provenance record (inputs and their sha256), completed here.
    threads : int, optional
        Pin this process to that many compute threads first.
    raise_errors : bool
        Re-raise the first failure (``on_error="raise"``) instead of recording it.

    Returns
    -------
    list of (row, record)
        One per label; a failing case gives one row whose ``error`` holds the message.
    """
    if threads is not None:
        pin_threads(threads)
    extractor = _extractor(config, settings_hash)
    default_label = extractor.settings["label"]
    out = []
    try:
        case = extractor._load(spec.image, spec.mask, None, spec.label_channel)
        record = {**record, "notes": case.notes}
        label = spec.label if spec.label is not None else default_label
        labels = case.labels() if label == "all" else [label]
        for lab in labels:
            try:
                feats = extractor.execute_case(case, int(lab))
                row = {**ident, "Label": lab, **spec.extra, "error": ""}
                row.update((k, float(v)) for k, v in feats.items())
                out.append((row, {**record, "label": int(lab), "error": None}))
            except Exception as exc:  # a batch never stops for one label
                if raise_errors:
                    raise
                msg = _message(exc, ident)
                out.append(({**ident, "Label": lab, **spec.extra, "error": msg},
                            {**record, "label": int(lab), "error": msg}))
    except Exception as exc:  # nor for one case
        if raise_errors:
            raise
        msg = _message(exc, ident)
        lab = spec.label if spec.label is not None else default_label
        out.append(({**ident, "Label": lab, **spec.extra, "error": msg},
                    {**record, "label": lab, "error": msg}))
    return out


def extract_cases(chunk, config, settings_hash, threads=None, raise_errors=False):
    """:func:`extract_case` over ``[(index, spec, ident, record), ...]``: ``[(index, results), ...]``.

    Chunks amortise the per-task overhead of process pools and Dask over many tiny cases.
    """
    if threads is not None:
        pin_threads(threads)
    return [(i, extract_case(spec, config, settings_hash, ident, record, raise_errors=raise_errors))
            for i, spec, ident, record in chunk]
