"""Fixtures of the estimator tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def dask_synchronous():
    """Run dask computations in this thread (no scheduler threads in the tests)."""
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="synchronous"):
        yield
