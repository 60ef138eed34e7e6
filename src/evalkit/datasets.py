"""Bundled example projects.

>>> import evalkit as ek
>>> "workers_home" in ek.datasets.list()
True
"""

from __future__ import annotations

import builtins
from pathlib import Path

from evalkit.errors import SpecError

__all__ = ["list", "path", "resource_dir"]


def resource_dir(name: str) -> Path:
    """Folder shipped with evalkit (``templates`` or ``datasets``).

    In a wheel they live inside the package; in a source checkout (editable install) they are
    the repository's top-level folders.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise SpecError(
        f"evalkit installation: folder {name!r} not found next to {here}",
        hint="reinstall evalkit (pip install --force-reinstall evalkit)",
    )


def list() -> builtins.list[str]:  # public API name from DESIGN.md
    """Names of the bundled example projects."""
    root = resource_dir("datasets")
    return sorted(p.name for p in root.iterdir() if (p / "project.yaml").is_file())


def path(name: str) -> Path:
    """Folder of one bundled example (project.yaml, data/, README.md)."""
    names = list()
    if name not in names:
        raise SpecError(
            f"example {name!r} not found", hint=f"choose one of: {', '.join(names)}"
        )
    return resource_dir("datasets") / name
