"""Run a batch on one executor, journal every finished case, and return rows in manifest order.

Executors run the same task (:func:`radfeat.batch.task.extract_cases`):

``serial``
    in this process, with the threaded (``prange``) kernels;
``processes``
    ``jobs`` worker processes (spawned, each pinned to one compute thread so ``jobs`` workers
    fill ``jobs`` cores without oversubscription); a worker that dies (killed, out of memory)
    costs only its cases, which are retried one by one and recorded as failed if they kill
    a worker again; cases larger than ``large_voxels`` run afterwards in this process with
    the threaded kernels instead, since one big volume gains more from threads than from a
    worker of its own;
``dask``
    a ``dask.distributed`` cluster: a LocalCluster of ``jobs`` single-threaded worker
    processes, or an existing scheduler (``tcp://host:port``). Dask reschedules the tasks of a
    lost worker.

Whatever the executor and completion order, rows come back in manifest order, so serial,
parallel and Dask runs (and a resumed run) give identical tables.
"""

from __future__ import annotations

import math
import time

from .journal import Journal, case_key, settings_hash
from .task import extract_case, extract_cases, pin_threads

__all__ = ["EXECUTORS", "run_batch"]

EXECUTORS = ("serial", "processes", "dask")
ON_ERROR = ("record", "skip", "raise")
_WORKER_DIED = "the worker process extracting this case died (killed, or out of memory)"


def _identity(spec):
    from ..io.readers import describe

    def show(x):
        if x is None:
            return ""
        return describe(x) if hasattr(x, "shape") else str(x)

    return {"Image": show(spec.image), "Mask": show(spec.mask)}


def _voxels(path) -> int:
    import SimpleITK as sitk

    try:
        reader = sitk.ImageFileReader()
        reader.SetFileName(str(path))
        reader.ReadImageInformation()
        return math.prod(reader.GetSize())
    except (RuntimeError, TypeError):
        return 0  # unreadable or not a single file: the task reports it


def _chunks(indices, jobs, chunk_size):
    size = chunk_size or max(1, min(32, len(indices) // max(1, 8 * jobs)))
    return [indices[k:k + size] for k in range(0, len(indices), size)]


def run_batch(specs, config, *, jobs=1, executor=None, scheduler=None, journal=None, on_error="record",
              progress=None, chunk_size=None, large_voxels=2**25):
    """Extract every case; see the module docstring for the executors.

    Parameters
    ----------
    specs : list of CaseSpec
    config : Config
    jobs : int
        Worker processes (``processes``) or LocalCluster workers (``dask``).
    executor : {"serial", "processes", "dask"}, optional
        Default: ``serial`` for ``jobs == 1``, else ``processes``.
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``executor="dask"``).
    journal : path or Journal, optional
        Journal folder: finished cases are written there as they finish and skipped on a rerun.
    on_error : {"record", "skip", "raise"}
        ``record``: a failing case's row carries its message in ``error``; ``skip``: it is left
        out of the rows (still in the records); ``raise``: the first failure stops the batch
        (cases finished so far stay journaled).
    progress : callable, optional
        ``progress(done, total)`` or a :class:`~radfeat.batch.progress.Progress`.
    chunk_size : int, optional
        Cases per task (default: enough tasks for 8 per worker, at most 32 cases each).
    large_voxels : int
        With ``processes``, cases whose image has at least this many voxels run in this
        process with threaded kernels.

    Returns
    -------
    rows : list of dict
        In manifest order (one per case and label).
    records : list of dict
        Provenance records, in the same order, including failed cases.
    summary : dict
        ``cases``, ``rows``, ``failed``, ``resumed``, ``seconds``, ``executor``, ``jobs``.
    """
    from ..extraction import _input_record

    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, got {on_error!r}")
    if scheduler is not None:
        executor = "dask"
    executor = executor or ("serial" if jobs <= 1 else "processes")
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    jobs = max(1, int(jobs))
    t0 = time.perf_counter()
    settings = settings_hash(config)
    journal = Journal(journal) if journal is not None and not isinstance(journal, Journal) else journal

    n = len(specs)
    idents = [_identity(s) for s in specs]
    records = [{**_input_record(s.image, "image"), **_input_record(s.mask, "mask")} for s in specs]
    keys = [case_key(s, r, settings) for s, r in zip(specs, records)]
    results = [None] * n
    if journal is not None:
        for i, key in enumerate(keys):
            results[i] = journal.load(key)
    resumed = sum(r is not None for r in results)
    report = _Reporter(progress, n, resumed)

    default_label = config.settings["label"]

    def died(i):
        lab = specs[i].label if specs[i].label is not None else default_label
        finished(i, [({**idents[i], "Label": lab, **specs[i].extra, "error": _WORKER_DIED},
                      {**records[i], "label": lab, "error": _WORKER_DIED})])

    def finished(i, res):
        results[i] = res
        if journal is not None:
            journal.save(keys[i], res)
        report.case(res)

    pending = [i for i in range(n) if results[i] is None]
    raise_errors = on_error == "raise"
    if executor == "serial" or not pending:
        for i in pending:
            finished(i, extract_case(specs[i], config, settings, idents[i], records[i],
                                     raise_errors=raise_errors))
    else:
        big = []
        if executor == "processes":
            big = [i for i in pending if isinstance(specs[i].image, str) and _voxels(specs[i].image) >= large_voxels]
            pending = [i for i in pending if i not in set(big)]
        tasks = [[(i, specs[i], idents[i], records[i]) for i in chunk] for chunk in _chunks(pending, jobs, chunk_size)]
        run = _run_processes if executor == "processes" else _run_dask
        run(tasks, jobs, scheduler, config, settings, raise_errors, finished, died)
        for i in big:
            finished(i, extract_case(specs[i], config, settings, idents[i], records[i],
                                     raise_errors=raise_errors))

    rows, recs = [], []
    for res in results:
        for row, rec in res:
            recs.append(rec)
            if not (row.get("error") and on_error == "skip"):
                rows.append(row)
    failed = sum(1 for res in results if any(row.get("error") for row, _ in res))
    summary = {"cases": n, "rows": len(rows), "failed": failed, "resumed": resumed,
               "seconds": time.perf_counter() - t0, "executor": executor, "jobs": jobs}
    return rows, recs, summary


class _Reporter:
    def __init__(self, progress, total, resumed):
        self.progress, self.total, self.done = progress, total, resumed
        if hasattr(progress, "resumed"):
            progress.total = total
            progress.resumed(resumed)

    def case(self, res):
        self.done += 1
        if self.progress is None:
            return
        if hasattr(self.progress, "update"):
            self.progress.update(1, failed=int(any(row.get("error") for row, _ in res)))
        else:
            self.progress(self.done, self.total)


def _run_processes(tasks, jobs, scheduler, config, settings, raise_errors, finished, died):
    import multiprocessing as mp
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from concurrent.futures.process import BrokenProcessPool

    queue = list(tasks)
    while queue:
        # spawn, not fork: a forked child would inherit Numba's initialised thread pools
        with ProcessPoolExecutor(max_workers=min(jobs, len(queue)), mp_context=mp.get_context("spawn"),
                                 initializer=pin_threads, initargs=(1,)) as pool:
            futures = {pool.submit(extract_cases, chunk, config, settings, None, raise_errors): chunk
                       for chunk in queue}
            queue = []
            while futures:
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    chunk = futures.pop(fut)
                    try:
                        out = fut.result()
                    except BrokenProcessPool:
                        if len(chunk) > 1:  # find the culprit: its neighbours get another chance
                            queue.extend([[item] for item in chunk])
                        else:
                            died(chunk[0][0])
                        continue
                    except BaseException:
                        pool.shutdown(wait=False, cancel_futures=True)
                        raise
                    for i, res in out:
                        finished(i, res)


def _run_dask(tasks, jobs, scheduler, config, settings, raise_errors, finished, died):
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ImportError("executor='dask' needs dask.distributed: pip install 'radfeat[dask]'") from None
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        futures = client.map(extract_cases, tasks, config=config, settings_hash=settings, threads=1,
                             raise_errors=raise_errors, pure=False)
        for fut in as_completed(futures):
            out = fut.result()  # a raise-mode failure propagates here
            for i, res in out:
                finished(i, res)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
