"""evalkit — evaluate purchased social-service projects.

>>> import evalkit as ek
>>> project = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
>>> evaluation = ek.evaluate(project)
>>> evaluation.render("report.html", lang="zh")  # doctest: +SKIP

Heavy dependencies (pandas, scipy, matplotlib, jinja2) are imported on first use, so
``import evalkit`` stays light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from evalkit.errors import (
    DataError,
    EstimationError,
    EvalkitError,
    EvalkitWarning,
    RenderError,
    SpecError,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported lazily by __getattr__)
_LAZY: dict[str, str] = {
    "load_project": "evalkit.project",
    "Project": "evalkit.project",
    "evaluate": "evalkit.evaluation",
    "Evaluation": "evalkit.evaluation",
    "EffectResult": "evalkit.estimate.results",
    "prepost": "evalkit.estimate.prepost",
    "did": "evalkit.estimate.did",
    "twfe": "evalkit.estimate.twfe",
    "event_study": "evalkit.estimate.event_study",
    "staggered_did": "evalkit.estimate.staggered",
    "compare": "evalkit.compare",
    "evaluate_many": "evalkit.portfolio",
    "Portfolio": "evalkit.portfolio",
    "Comparison": "evalkit.compare",
    "its": "evalkit.estimate.its",
    "synth": "evalkit.estimate.synth",
    "honest_did": "evalkit.estimate.honest",
    "power": "evalkit.estimate.power",
    "PowerResult": "evalkit.estimate.power_result",
}
_SUBMODULES = {"datasets", "model", "data", "estimate", "assess", "report", "portfolio"}

__all__ = [
    "Comparison",
    "DataError",
    "EffectResult",
    "EstimationError",
    "EvalkitError",
    "EvalkitWarning",
    "Evaluation",
    "Portfolio",
    "PowerResult",
    "Project",
    "RenderError",
    "SpecError",
    "__version__",
    "assess",
    "compare",
    "data",
    "datasets",
    "did",
    "estimate",
    "evaluate",
    "evaluate_many",
    "event_study",
    "honest_did",
    "its",
    "load_project",
    "model",
    "portfolio",
    "power",
    "prepost",
    "report",
    "staggered_did",
    "synth",
    "twfe",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    if name in _SUBMODULES:
        module = importlib.import_module(f"evalkit.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'evalkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover
    from evalkit import assess, data, datasets, estimate, model, report
    from evalkit.estimate.did import did
    from evalkit.estimate.event_study import event_study
    from evalkit.estimate.honest import honest_did
    from evalkit.estimate.its import its
    from evalkit.estimate.power import power
    from evalkit.estimate.power_result import PowerResult
    from evalkit.estimate.prepost import prepost
    from evalkit.estimate.results import EffectResult
    from evalkit.estimate.staggered import staggered_did
    from evalkit.estimate.synth import synth
    from evalkit.estimate.twfe import twfe
    from evalkit.evaluation import Evaluation, evaluate
    from evalkit.project import Project, load_project
