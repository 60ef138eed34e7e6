"""BLAS on one thread for a block of code (private helper of ``evaluate`` and the estimators).

evalkit's linear algebra is on one project's data, or on N-long vectors and N x k matrices
with k small: tiny or memory-bound, so more BLAS threads cannot make it faster, and on a
machine whose cores are busy (a shared server, dask workers, a process pool running a
portfolio) OpenBLAS threads waiting for a core make each call 10-100 times slower. Measured on
the 2-core machine at load 3-5 (benchmarks/RESULTS.md): the demo's ``ek.honest_did`` 0.59 s
with 2 BLAS threads against 0.036 s with one; the example's warm ``ek.evaluate`` 1.4-2.4 s
against 0.56 s.

It also makes results independent of the machine: SLSQP (the honest-DiD FLCI) takes a
slightly different path with 2 OpenBLAS threads than with one, so its bounds differed in the
10th digit between a one-core and a two-core machine.

numpy and scipy each ship their own OpenBLAS; scipy's is loaded with ``scipy.linalg`` (SLSQP
and scipy's LAPACK calls use it), so it is imported before the libraries are looked up. The
look-up (about 5 ms) is done once per process; entering the limit then costs about 30 µs. The
limit is process-wide (threadpoolctl), restored on leaving the block.
"""

from __future__ import annotations

from typing import Any

__all__ = ["one_blas_thread"]

_CONTROLLER: Any = None


def one_blas_thread() -> Any:
    """A context manager limiting every loaded BLAS library to one thread (threadpoolctl).

    >>> with one_blas_thread():  # doctest: +SKIP
    ...     result = ek.honest_did(es, method="smoothness")
    """
    global _CONTROLLER
    if _CONTROLLER is None:
        import scipy.linalg  # noqa: F401  (loads scipy's own OpenBLAS before the look-up)
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
