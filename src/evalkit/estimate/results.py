"""The one result type every estimator returns.

An :class:`EffectResult` is frozen: it carries the headline estimate, its inference, the
specification it came from, the n used and dropped, the design (pre/post, DiD, staggered DiD …)
and its evidence rating. ``to_frame()`` is the one tidy table every other accessor slices; its
columns are fixed: ``term, estimate, std_error, statistic, p_value, conf_low, conf_high``.
Language (zh/en) enters only when rendering: :meth:`EffectResult.sentence`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import pandas as pd

Design = Literal[
    "post_only",
    "pre_post",
    "pre_post_comparison",
    "did",
    "twfe",
    "event_study",
    "staggered_did",
    "randomised",
    "its",
    "comparative_its",
    "synthetic_control",
    "synthetic_did",
]

TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high")

__all__ = ["TIDY_COLUMNS", "Design", "EffectResult"]


def _frozen_mapping(m: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(m or {}))


@dataclass(frozen=True, repr=False)
class EffectResult:
    """Result of an evalkit estimator (immutable).

    Attributes
    ----------
    estimate, se, ci, pvalue, n
        The headline effect, its standard error, ``(low, high)`` confidence interval at
        ``1 - alpha``, p-value and the number of observations (pairs, units × periods …) used.
    method
        Human-readable method, e.g. ``"paired t-test"``.
    design
        One of :data:`Design`; drives the evidence rating.
    outcome, term
        The outcome column and the name of the headline term in :attr:`table`.
    table
        Tidy table (:data:`TIDY_COLUMNS`), one row per term, headline first.
    statistic, df
        Test statistic and its degrees of freedom (``None`` for normal-based tests).
    alternative, alpha
        ``"two-sided" | "greater" | "less"`` and the level of the interval.
    n_dropped, dropped
        Rows/units dropped and the reasons, ``{"reason": count}``.
    evidence_level
        Maryland Scientific Methods Scale level 1–5 (see :mod:`evalkit.estimate.evidence`).
    notes
        Conventions and caveats worth printing (small-sample corrections, warnings …).
    spec
        The arguments the estimator was called with (column names, options).
    extra
        Method-specific extras: effect sizes, group × period means, ATT(g,t) cells …
    """

    estimate: float
    se: float
    ci: tuple[float, float]
    pvalue: float
    n: int
    method: str
    design: Design
    outcome: str
    term: str
    table: pd.DataFrame
    statistic: float = math.nan
    df: float | None = None
    alternative: str = "two-sided"
    alpha: float = 0.05
    n_dropped: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)
    evidence_level: int = 2
    notes: tuple[str, ...] = ()
    spec: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "dropped", _frozen_mapping(self.dropped))
        object.__setattr__(self, "spec", _frozen_mapping(self.spec))
        object.__setattr__(self, "extra", _frozen_mapping(self.extra))
        object.__setattr__(self, "ci", (float(self.ci[0]), float(self.ci[1])))

    # -- tables --------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy table with columns ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high`` (a copy; the result itself never changes)."""
        return self.table.loc[:, list(TIDY_COLUMNS)].copy()

    # -- text ----------------------------------------------------------------------------
    def summary(self) -> str:
        """Plain-text summary: method, design, n, the tidy table and the notes."""
        from evalkit.estimate.evidence import DESIGN_LABELS

        level = 100 * (1 - self.alpha)
        lines = [
            f"{self.method}  —  outcome: {self.outcome}",
            f"design: {DESIGN_LABELS['en'][self.design]} "
            f"(Maryland SMS level {self.evidence_level}/5)",
            f"n used: {self.n}" + (f", dropped: {self.n_dropped}" if self.n_dropped else ""),
        ]
        if self.dropped:
            lines.append("dropped because: " + "; ".join(f"{k}: {v}" for k, v in self.dropped.items()))
        lines.append(f"alternative: {self.alternative}; {level:g}% confidence interval")
        lines.append("")
        frame = self.to_frame()
        lines.append(frame.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        if self.notes:
            lines.append("")
            lines.extend(f"note: {n}" for n in self.notes)
        return "\n".join(lines)

    def sentence(self, lang: str = "en") -> str:
        """One plain-language sentence (zh or en) a non-statistician can read."""
        from evalkit.estimate.evidence import plain_sentence

        return plain_sentence(self, lang)

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        lo, hi = self.ci
        return (
            f"EffectResult(method={self.method!r}, estimate={self.estimate:.6g}, "
            f"se={self.se:.6g}, ci=({lo:.6g}, {hi:.6g}), pvalue={self.pvalue:.4g}, n={self.n})"
        )

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(self.summary()) + "</pre>"


def tidy_row(
    term: str,
    estimate: float,
    std_error: float,
    statistic: float,
    p_value: float,
    conf_low: float,
    conf_high: float,
) -> dict[str, Any]:
    """One row of the tidy table, in :data:`TIDY_COLUMNS` order."""
    return {
        "term": term,
        "estimate": float(estimate),
        "std_error": float(std_error),
        "statistic": float(statistic),
        "p_value": float(p_value),
        "conf_low": float(conf_low),
        "conf_high": float(conf_high),
    }


def tidy_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the tidy table from :func:`tidy_row` dicts (term as a string column)."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    return frame.astype({"term": "string"})
