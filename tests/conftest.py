"""Shared fixtures: the bundled example, evaluated once per test session."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

import evalkit as ek

# Tests never write into the real home: compiled templates (evalkit.report.compiled) go to a
# folder of this test run, also for the subprocesses the tests start (they inherit it).
_CACHE = tempfile.mkdtemp(prefix="evalkit-test-cache-")
os.environ["EVALKIT_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)


@pytest.fixture(scope="session")
def example_dir() -> Path:
    return ek.datasets.path("workers_home")


@pytest.fixture(scope="session")
def example_project(example_dir: Path) -> ek.Project:
    return ek.load_project(example_dir / "project.yaml")


@pytest.fixture(scope="session")
def example_evaluation(example_project: ek.Project) -> ek.Evaluation:
    return ek.evaluate(example_project)


@pytest.fixture()
def example_copy(tmp_path: Path, example_dir: Path) -> Path:
    """A writable copy of the example folder (for tests that break it on purpose)."""
    target = tmp_path / "workers_home"
    shutil.copytree(example_dir, target)
    return target
