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
    from matplotlib.figure import Figure

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

__all__ = ["TIDY_COLUMNS", "Design", "EffectResult", "TermFloat"]


def _frozen_mapping(m: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(m or {}))


def _copied(value: Any) -> Any:
    """A copy of a pandas object (so callers can never change a result), other values as is."""
    copy = getattr(value, "copy", None)
    if callable(copy) and type(value).__module__.startswith("pandas"):
        return copy()
    return value


class TermFloat(float):
    """The headline standard error: a float that, called, gives the one per term.

    ``result.se`` is the headline standard error (a plain number in every computation);
    ``result.se()`` is a :class:`pandas.Series` of the standard errors of every term, as
    ``pyfixest``'s ``Feols.se()``. The series is built from the result's tidy table on the
    first call (most results are never asked for it).
    """

    __slots__ = ("_series", "_table")

    _series: pd.Series | None
    _table: pd.DataFrame | None

    def __new__(cls, value: float, series: pd.Series | None = None, *,
                table: pd.DataFrame | None = None) -> TermFloat:
        obj = super().__new__(cls, value)
        obj._series = series
        obj._table = table  # the result's own tidy table (never changed)
        return obj

    def _terms(self) -> pd.Series:
        if self._series is None:
            import pandas as pd

            frame = self._table
            assert frame is not None
            terms = frame["term"].astype(str).to_numpy()
            self._series = pd.Series(frame["std_error"].to_numpy(dtype=float),
                                     index=pd.Index(terms, name="term"), name="std_error")
        return self._series

    def __call__(self) -> pd.Series:
        return self._terms().copy()

    def __reduce__(self) -> tuple[Any, ...]:
        return (TermFloat, (float(self), self._terms()))

    def __repr__(self) -> str:
        return float.__repr__(self)


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
        Tidy table (:data:`TIDY_COLUMNS`), one row per term, headline first. Each access
        returns a copy: changing it never changes the result.
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
        frame = self.__dict__["_table"]
        se = TermFloat(float(self.se), table=frame)
        if "term" not in frame.columns or getattr(frame.get("std_error"), "dtype",
                                                  None) != "float64":
            se._terms()  # an unusual table: fail (or convert) now, as before
        object.__setattr__(self, "se", se)

    def __reduce__(self) -> tuple[Any, ...]:
        # mappingproxy cannot be pickled: rebuild from plain dicts (process pools, dask)
        from dataclasses import fields

        values = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in ("dropped", "spec", "extra"):
            values[name] = dict(values[name])
        values["se"] = float(self.se)
        return (_rebuild, (type(self), values))

    # -- the one result surface (pyfixest / linearmodels style accessors) ---------------------
    def coef(self) -> pd.Series:
        """Estimates of every term (:class:`pandas.Series` indexed by term, headline first)."""
        return self._column("estimate")

    def pvalues(self) -> pd.Series:
        """p-values of every term (:class:`pandas.Series` indexed by term)."""
        return self._column("p_value")

    def confint(self) -> pd.DataFrame:
        """Confidence intervals of every term at the result's level ``1 - alpha``.

        Columns ``conf_low, conf_high``, indexed by term. The intervals are the ones the
        estimator computed (t, normal, bootstrap or test inversion), not re-derived from the
        standard errors; to change the level, call the estimator again with ``alpha=``.
        """
        frame = self.__dict__["_table"]
        out = frame.loc[:, ["conf_low", "conf_high"]].copy()
        out.index = frame["term"].astype(str).rename("term")
        return out

    def _column(self, name: str) -> pd.Series:
        frame = self.__dict__["_table"]
        import pandas as pd

        return pd.Series(frame[name].to_numpy(dtype=float),
                         index=pd.Index(frame["term"].astype(str).to_numpy(), name="term"),
                         name=name)

    # typed views of method-specific output (copies; None when the method has none)
    @property
    def vcov(self) -> pd.DataFrame | None:
        """Variance–covariance matrix of the coefficients (DiD, TWFE, event study)."""
        return _copied(self.extra.get("vcov"))

    @property
    def event_times(self) -> pd.DataFrame | None:
        """Effects by period relative to the start (event study, dynamic staggered DiD)."""
        return _copied(self.extra.get("event_times"))

    @property
    def att_gt(self) -> pd.DataFrame | None:
        """Group-time average treatment effects ATT(g, t) (staggered DiD)."""
        return _copied(self.extra.get("att_gt"))

    @property
    def pretrend_test(self) -> dict[str, Any] | None:
        """Joint test that the pre-treatment effects are zero (event study, staggered DiD)."""
        test = self.extra.get("pretrend_test")
        return None if test is None else dict(test)

    def to_dict(self) -> dict[str, Any]:
        """Plain Python values (JSON-serialisable): the headline, the tidy table, the notes.

        DataFrames in :attr:`extra` are left out (use the typed properties for them).
        """

        def plain(value: Any) -> Any:
            if isinstance(value, Mapping):
                return {str(k): plain(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [plain(v) for v in value]
            if value is None or isinstance(value, (bool, str)):
                return value
            if isinstance(value, int) and not isinstance(value, TermFloat):
                return value
            try:
                v = float(value)
            except (TypeError, ValueError):
                return str(value)
            return None if math.isnan(v) else v

        table = [
            {col: plain(rec[col]) for col in TIDY_COLUMNS}
            for rec in self.__dict__["_table"].to_dict("records")
        ]
        return {
            "method": self.method,
            "design": self.design,
            "outcome": self.outcome,
            "term": self.term,
            "estimate": plain(self.estimate),
            "se": plain(float(self.se)),
            "ci": [plain(self.ci[0]), plain(self.ci[1])],
            "pvalue": plain(self.pvalue),
            "n": int(self.n),
            "statistic": plain(self.statistic),
            "df": plain(self.df),
            "alternative": self.alternative,
            "alpha": self.alpha,
            "n_dropped": int(self.n_dropped),
            "dropped": {str(k): int(v) for k, v in self.dropped.items()},
            "evidence_level": int(self.evidence_level),
            "notes": list(self.notes),
            "spec": plain({k: v for k, v in self.spec.items()}),
            "table": table,
        }

    # -- tables --------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy table with columns ``term, estimate, std_error, statistic, p_value, conf_low,
        conf_high`` (a copy; the result itself never changes)."""
        return self.__dict__["_table"].loc[:, list(TIDY_COLUMNS)].copy()

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

    def design_label(self, lang: str = "en") -> str:
        """The design in words (zh or en), e.g. "difference-in-differences"."""
        from evalkit._checks import check_lang
        from evalkit.estimate.evidence import DESIGN_LABELS

        return DESIGN_LABELS[check_lang(lang)].get(self.design, self.method)

    def plot(self, lang: str = "en", ax: Any = None) -> Figure:
        """The result's picture (a matplotlib Figure): event times for an event study or a
        dynamic staggered DiD, paths and weights for ``ek.synth``, the series for ``ek.its``,
        otherwise each term's estimate with its interval. See :func:`evalkit.estimate.
        result_plot.plot_result`; ``ax`` draws on an Axes of your own."""
        from evalkit.estimate.result_plot import plot_result

        return plot_result(self, lang=lang, ax=ax)

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
        """A real table for notebooks: caption (method, outcome, design), terms, n, notes."""
        from evalkit.estimate.evidence import DESIGN_LABELS

        esc = _escape
        level = f"{100 * (1 - self.alpha):g}%"
        head = "".join(f"<th>{esc(c)}</th>" for c in
                       ("term", "estimate", "std. error", "statistic", "p-value",
                        f"{level} CI low", f"{level} CI high"))
        rows = []
        for rec in self.__dict__["_table"].to_dict("records"):
            cells = [f"<td style='text-align:left'>{esc(str(rec['term']))}</td>"]
            cells += [f"<td>{_num(rec[c])}</td>" for c in TIDY_COLUMNS[1:]]
            rows.append("<tr>" + "".join(cells) + "</tr>")
        caption = (f"{esc(self.method)} — outcome: {esc(self.outcome)}; design: "
                   f"{esc(DESIGN_LABELS['en'][self.design])} (Maryland SMS level "
                   f"{self.evidence_level}/5)")
        foot = f"n used: {self.n}" + (f", dropped: {self.n_dropped}" if self.n_dropped else "")
        notes = "".join(f"<li>{esc(n)}</li>" for n in self.notes)
        return (
            "<div class='evalkit-result'><table>"
            f"<caption style='text-align:left'>{caption}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p>{esc(foot)}</p>" + (f"<ul>{notes}</ul>" if notes else "") + "</div>"
        )


def with_extra(result: EffectResult, extra: Mapping[str, Any]) -> EffectResult:
    """``dataclasses.replace(result, extra=extra)`` without copying the tidy table and the
    other fields again (they are read-only and shared with ``result``)."""
    out = object.__new__(type(result))
    out.__dict__.update(result.__dict__)
    object.__setattr__(out, "extra", _frozen_mapping(extra))
    return out


def _rebuild(cls: type[EffectResult], values: dict[str, Any]) -> EffectResult:
    return cls(**values)


def _escape(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _num(value: Any) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return _escape(str(value))
    return "" if math.isnan(v) else f"{v:.6g}"


def _get_table(self: EffectResult) -> pd.DataFrame:
    return self.__dict__["_table"].copy()


def _set_table(self: EffectResult, value: pd.DataFrame) -> None:
    # called once, by the generated __init__ (object.__setattr__); the frozen dataclass refuses
    # every later assignment. The result keeps its own copy, and hands out copies.
    self.__dict__["_table"] = value.copy()


EffectResult.table = property(_get_table, _set_table, doc=EffectResult.__doc__ and  # type: ignore[assignment,method-assign]
                              "Tidy table (a copy), one row per term, headline first.")


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


_TIDY_SET = frozenset(TIDY_COLUMNS)


def _is_tidy_row(row: dict[str, Any]) -> bool:
    """A :func:`tidy_row` dict: a str term and Python floats (the fast path of tidy_frame)."""
    return (row.keys() == _TIDY_SET and type(row["term"]) is str
            and all(type(row[c]) is float for c in TIDY_COLUMNS[1:]))


def tidy_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the tidy table from :func:`tidy_row` dicts (term as a string column)."""
    import numpy as np
    import pandas as pd

    if not rows or not all(_is_tidy_row(r) for r in rows):  # the general (slower) path
        frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
        return frame.astype({"term": "string"})
    data: dict[str, Any] = {"term": pd.array([r["term"] for r in rows], dtype="string")}
    for col in TIDY_COLUMNS[1:]:  # tidy_row's floats: the column dtype is float64 as before
        data[col] = np.array([r[col] for r in rows], dtype=np.float64)
    return pd.DataFrame(data)
