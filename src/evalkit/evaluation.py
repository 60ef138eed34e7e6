"""Evaluation: the whole data path for one project, and what scripts read from it.

``ek.evaluate(project)`` runs model → data → estimate → assess; ``Evaluation.render`` hands the
result to the report stage. Each stage is one function in its own module, called here in order,
each receiving what the earlier stages produced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.load import Evidence
    from evalkit.estimate.results import EffectResult
    from evalkit.project import Project

__all__ = ["Evaluation", "evaluate", "evaluate_evidence"]


@dataclass(frozen=True)
class Evaluation:
    """Everything evalkit found about one project (immutable).

    Attributes
    ----------
    project, evidence
        The specification and the validated data it was computed from.
    indicators
        One row per indicator and period: actual, target, achievement, status.
    effects
        Outcome id -> :class:`~evalkit.estimate.results.EffectResult` (the main estimate).
    details
        Outcome id -> supporting analyses (scale reliability, reliable change, attrition,
        baseline equivalence, means tables, event study …) as plain objects.
    scorecard, cadence, acceptance, value, renewal
        Results of the assess stage (None when the project does not configure them).
    intake_checks
        Findings that catch silent miscounts (:class:`~evalkit.assess.miscounts.IntakeCheck`:
        filter values absent from the data, spaces and full-width variants, zero-row counts,
        unused categories), errors first.
    analytics
        Mechanism analyses and per-site results (:class:`evalkit.assess.mechanisms.Analytics`;
        None without ``analytics:`` or ``sites:`` in project.yaml).
    created
        When the evaluation ran (UTC), stamped on reports.
    """

    project: Project
    evidence: Evidence
    indicators: pd.DataFrame
    effects: Mapping[str, EffectResult]
    details: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    scorecard: Any = None
    cadence: Any = None
    acceptance: Any = None
    value: Any = None
    renewal: Any = None
    intake_checks: tuple[Any, ...] = ()
    analytics: Any = None
    created: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    def __post_init__(self) -> None:
        object.__setattr__(self, "effects", MappingProxyType(dict(self.effects)))
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))

    def render(
        self,
        path: str | Path,
        *,
        lang: str = "zh",
        report: str = "evaluation",
        template_dir: str | Path | None = None,
        docx_template: str | Path | None = None,
    ) -> Path:
        """Write the report to ``path``; the format follows the suffix (.html .md .pdf .docx).

        Parameters
        ----------
        path
            Output file. Written atomically: a failure leaves any earlier file intact.
        lang
            "zh" or "en".
        report
            "evaluation" (评估报告) or "acceptance" (结项验收报告).
        template_dir
            A folder of the organization's own Jinja2 templates (run sandboxed).
        docx_template
            The organization's own .docx template for Word output.
        """
        from evalkit.report import render

        return render(self, path, lang=lang, report=report, template_dir=template_dir,
                      docx_template=docx_template)


def evaluate(project: Project) -> Evaluation:
    """Run the whole data path for ``project``.

    Examples
    --------
    >>> import evalkit as ek
    >>> project = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
    >>> evaluation = ek.evaluate(project)
    >>> sorted(evaluation.effects)
    ['disputes', 'wellbeing']
    """
    from evalkit.data.load import load_evidence

    return evaluate_evidence(project, load_evidence(project))


def evaluate_evidence(project: Project, evidence: Evidence) -> Evaluation:
    """The estimate and assess stages on evidence that is already loaded and validated."""
    from evalkit.assess import acceptance, cadence, mechanisms, renewal, scorecard, value
    from evalkit.assess.achievement import indicator_table
    from evalkit.assess.miscounts import intake_checks
    from evalkit.estimate._threads import one_blas_thread
    from evalkit.estimate.pipeline import estimate_outcomes

    indicators = indicator_table(project, evidence)
    with one_blas_thread():  # small products: BLAS threads only wait for busy cores
        effects, details = estimate_outcomes(project, evidence)
        stages: dict[str, Any] = {"indicators": indicators, "effects": effects,
                                  "details": details}
        stages["cadence"] = cadence.check_project(project, evidence, **stages)
        stages["scorecard"] = scorecard.score_project(project, evidence, **stages)
        stages["acceptance"] = acceptance.assess_project(project, evidence, **stages)
        stages["value"] = value.assess_project(project, evidence, **stages)
        stages["renewal"] = renewal.assess_project(project, evidence, **stages)
        stages["analytics"] = mechanisms.assess_project(project, evidence, **stages)
    checks = tuple(intake_checks(project, evidence, indicators))
    return Evaluation(project=project, evidence=evidence, intake_checks=checks, **stages)
