"""The worker processes of :func:`evalkit.evaluate_many`: how they start, and their garbage
collection.

Only the round's own worker processes are changed; the caller's process (``workers=1``) and
Dask workers keep Python's defaults.
"""

from __future__ import annotations

import os
import sys

__all__ = ["settled", "start_method", "worker_start"]

#: set in a round's own worker processes only (:func:`worker_start`)
_WORKER = {"pool": False, "frozen": False}


def worker_start() -> None:
    """Garbage collection of a worker process of :func:`evaluate_many` (its own processes
    only; never the caller's process or a Dask worker).

    With Python's defaults (700 / 10 / 10) a project cost about 0.14 s of CPU in cyclic
    collections, most of it walking the same imported modules again and again. A worker
    raises the first threshold to 10,000 (young collections about 20 times rarer; full
    collections still come, every 100 young ones) and, after its first project, collects
    once and freezes what is left (modules, caches, compiled templates), which no later
    collection walks. Measured: 0.14 → 0.04–0.05 s per project; peak memory +15–40 MB
    per worker (benchmarks/RESULTS.md).
    """
    import gc

    gc.set_threshold(10_000, 10, 10)
    _WORKER["pool"] = True


def settled() -> None:
    """After a worker's first project: what lives on is long-lived (see :func:`worker_start`)."""
    if _WORKER["pool"] and not _WORKER["frozen"]:
        import gc

        _WORKER["frozen"] = True
        gc.collect()
        gc.freeze()


def start_method() -> str:
    """How the round's worker processes start: ``"fork"``, ``"forkserver"`` or ``"spawn"``.

    On Linux a caller that runs a single thread is forked: each worker starts at once with
    what the caller has already imported and warmed (pandas, the evaluation and report modules,
    compiled templates) instead of importing it all again. Forking is safe only there: a lock
    held by another thread at the fork would stay locked in the worker. Beside other threads
    (a notebook kernel, a Dask client, a BLAS thread pool) and on macOS, a fork server starts
    the workers; Windows spawns them.
    """
    if sys.platform == "win32":
        return "spawn"
    if sys.platform.startswith("linux"):
        try:
            threads = len(os.listdir("/proc/self/task"))  # every thread, also C library ones
        except OSError:
            threads = 0
        if threads == 1:
            return "fork"
    return "forkserver"
