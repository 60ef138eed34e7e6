"""Import matplotlib without its 3-D toolkit (reports draw 2-D charts only).

``matplotlib.projections`` imports ``mpl_toolkits.mplot3d`` only to register the ``"3d"``
projection: a third of a second of start-up on a loaded machine, for charts evalkit never
draws. :func:`matplotlib_without_3d` imports ``matplotlib.projections`` with a stand-in
registered under ``"3d"`` instead; the real toolkit is imported the first time anyone asks
for a 3-D axes (``fig.add_subplot(projection="3d")``), so 3-D plotting in the same process
still works, and ``from mpl_toolkits.mplot3d import Axes3D`` imports the real module.
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["matplotlib_without_3d"]

_TOOLKIT = "mpl_toolkits.mplot3d"


def _real_axes3d() -> Any:
    from matplotlib import projections
    from mpl_toolkits.mplot3d import Axes3D

    projections.register_projection(Axes3D)  # later requests go straight to the real class
    return Axes3D


class _Axes3DStandIn:
    """Registered as the ``"3d"`` projection until one is wanted; builds the real one."""

    name = "3d"

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real_axes3d()(*args, **kwargs)


def matplotlib_without_3d() -> None:
    """Import ``matplotlib.projections`` (and so matplotlib) without ``mpl_toolkits.mplot3d``.

    Does nothing when matplotlib's projections or the toolkit are already imported.
    """
    if "matplotlib.projections" in sys.modules or _TOOLKIT in sys.modules:
        return
    stand_in = types.ModuleType(_TOOLKIT, "stand-in while matplotlib.projections is imported")
    stand_in.Axes3D = _Axes3DStandIn  # type: ignore[attr-defined]
    sys.modules[_TOOLKIT] = stand_in
    try:
        import matplotlib.projections  # noqa: F401
    finally:
        if sys.modules.get(_TOOLKIT) is stand_in:
            del sys.modules[_TOOLKIT]
