"""Social return on investment (SROI), after the Social Value UK guide.

Notes
-----
For outcome ``i`` with quantity ``Q``, financial proxy ``P``, deadweight ``DW``,
displacement ``DS``, attribution ``AT``, drop-off ``DO`` and duration ``D`` years::

    Impact_i = Q_i · P_i · (1 − DW_i) · (1 − DS_i) · (1 − AT_i)
    V_i,t    = Impact_i · (1 − DO_i)^(t − 1)            t = 1 … D_i
    PV       = Σ_t Σ_i V_i,t / (1 + r)^t
    SROI ratio = PV / inputs;   net SROI = (PV − inputs) / inputs

Payback (discounted): the time at which the cumulative discounted value reaches the inputs,
interpolated linearly within the year; NaN when it is not reached within the durations.
``payback_months_simple`` is the guide's rule of thumb, inputs / (year-1 impact / 12).

References
----------
Nicholls, J., Lawlor, E., Neitzert, E., Goodspeed, T. (2012). *A guide to Social Return on
Investment*. The SROI Network / Social Value UK. Discount rate 3.5 %: HM Treasury Green Book.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError, EvalkitWarning, SpecError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from evalkit.estimate.results import EffectResult
    from evalkit.model.common import Text
    from evalkit.model.value import Quantity, Sensitivity, SroiOutcome

__all__ = ["AssumedDeadweightWarning", "GrossChangeWarning", "SroiResult", "resolve_quantity",
           "sroi"]

FACTORS = ("quantity", "proxy", "deadweight", "displacement", "attribution", "drop_off", "duration")
SHARES = ("deadweight", "displacement", "attribution", "drop_off")
#: designs whose estimate already nets out what would have happened anyway
NET_DESIGNS = frozenset({"pre_post_comparison", "did", "twfe", "event_study", "staggered_did",
                         "randomised"})
GROSS_DESIGNS = frozenset({"pre_post", "post_only"})
FACTOR_LABELS = {
    "zh": {"quantity": "数量", "proxy": "财务代理值", "deadweight": "无谓损失",
           "displacement": "替代效应", "attribution": "归因扣减", "drop_off": "衰减率",
           "duration": "持续年限", "discount_rate": "贴现率"},
    "en": {"quantity": "quantity", "proxy": "financial proxy", "deadweight": "deadweight",
           "displacement": "displacement", "attribution": "attribution", "drop_off": "drop-off",
           "duration": "duration", "discount_rate": "discount rate"},
}
PROVENANCE_LABELS = {
    "zh": {"data": "由数据估计", "survey": "来自调查", "published": "引用公开资料", "assumed": "假设"},
    "en": {"data": "estimated from data", "survey": "survey", "published": "published source",
           "assumed": "assumed"},
}


class AssumedDeadweightWarning(EvalkitWarning):
    """Deadweight is assumed although the outcome rests on an estimate with a comparison
    group (DiD …), which already removes what would have happened anyway."""


class GrossChangeWarning(EvalkitWarning):
    """Deadweight is 0 although the outcome rests on a before/after change without a
    comparison group, which includes what would have happened anyway."""


@dataclass(frozen=True)
class SroiResult:
    """SROI result (immutable).

    Attributes
    ----------
    pv, inputs, ratio, net
        Present value, investment, SROI ratio PV / inputs and net SROI (PV − inputs) / inputs.
    payback_years, payback_months_simple
        Discounted payback (years) and the guide's simple payback (months).
    outcomes
        One row per outcome: the factors, impact and present value.
    factors
        One row per outcome and factor: value, provenance (data / survey / published /
        assumed) and source — what the report prints next to the figures.
    flows
        Outcome × year: value and discounted value.
    sensitivity
        One row per varied factor: the low / high value and the SROI ratio at each, sorted
        by swing (largest first); feed it to :func:`evalkit.plot.tornado.tornado`.
    """

    pv: float
    inputs: float
    ratio: float
    net: float
    payback_years: float
    payback_months_simple: float
    discount_rate: float
    outcomes: pd.DataFrame
    factors: pd.DataFrame
    flows: pd.DataFrame
    sensitivity: pd.DataFrame
    warnings: tuple[str, ...] = field(default=())

    def tornado(self, lang: str = "zh") -> Figure:
        """Tornado chart of :attr:`sensitivity` (the same picture as :meth:`plot`)."""
        return self.plot(lang=lang)

    def plot(self, lang: str = "zh", ax: Any = None) -> Figure:
        """The sensitivity tornado: the SROI ratio at each factor's low and high value around
        the base ratio (:func:`evalkit.plot.tornado.tornado`); ``ax`` draws on an Axes of
        your own."""
        from evalkit.plot.tornado import tornado

        return tornado(self.sensitivity, self.ratio, lang=lang, ax=ax)

    def summary(self, lang: str = "en", currency: str | None = "CNY") -> str:
        """Plain text: ratio, PV, payback and every factor with its provenance. Amounts (the
        present value, the inputs, financial proxies) carry their unit: 元 / CNY, or
        ``currency`` (``project.currency``)."""
        from evalkit._money import fmt_money

        zh = lang == "zh"
        pv, inputs = (fmt_money(x, lang, currency, digits=0) for x in (self.pv, self.inputs))
        lines = [
            (f"SROI 比率 1:{self.ratio:.2f}（净 SROI {self.net:.2f}），现值 {pv}，"
             f"投入 {inputs}，贴现率 {self.discount_rate:.1%}") if zh else
            (f"SROI ratio 1:{self.ratio:.2f} (net {self.net:.2f}); present value {pv}"
             f" on inputs of {inputs}; discount rate {self.discount_rate:.1%}"),
        ]
        names = dict(zip(self.outcomes["outcome_id"], self.outcomes["name_zh" if zh else "name_en"],
                         strict=True))
        for r in self.factors.itertuples():
            label = f"{names.get(r.outcome_id, r.outcome_id)} — {FACTOR_LABELS[lang][str(r.factor)]}"
            prov = PROVENANCE_LABELS[lang][str(r.provenance)]
            src = r.source_zh if zh else r.source_en
            value = (fmt_money(float(r.value), lang, currency) if str(r.factor) == "proxy"
                     else f"{r.value:,.4g}")
            lines.append(f"  {label}: {value} ({prov}"
                         + (f"; {src}" if src else "") + ")")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def indicator_rows(indicators: pd.DataFrame | None) -> dict[str, int] | None:
    """Indicator id -> position of the row :func:`resolve_quantity` reads for it (its last
    ``total`` row, else its last row), from one walk over the id and period columns; None
    when there is no table or they are not text without blanks (then the table is filtered
    as before)."""
    import pandas as pd

    if indicators is None or not {"indicator_id", "period"} <= set(indicators.columns):
        return None
    ids, periods = indicators["indicator_id"], indicators["period"]
    if not (isinstance(ids.dtype, pd.StringDtype) and isinstance(periods.dtype, pd.StringDtype)
            and not bool(ids.isna().any()) and not bool(periods.isna().any())):
        return None
    last: dict[str, int] = {}
    last_total: dict[str, int] = {}
    for k, (i, p) in enumerate(zip(ids.tolist(), periods.tolist(), strict=True)):
        last[i] = k
        if p == "total":
            last_total[i] = k
    return {i: last_total.get(i, k) for i, k in last.items()}


def resolve_quantity(
    q: Quantity,
    *,
    indicators: pd.DataFrame | None = None,
    effects: Mapping[str, EffectResult] | None = None,
    evidence: Any = None,
    where: str = "quantity",
    rows: Mapping[str, int] | None = None,
) -> float:
    """The number a :class:`~evalkit.model.value.Quantity` stands for, times its scale.

    An effect counts in its ``direction`` (a decrease of 0.4 disputes is +0.4 when the
    direction is ``decrease``). ``rows``: :func:`indicator_rows` of ``indicators``, made once
    for many quantities.
    """
    sign = -1.0 if q.direction == "decrease" else 1.0
    if q.value is not None:
        return q.value * q.scale
    if q.effect is not None:
        if effects is None or q.effect not in effects:
            raise DataError(f"{where}.effect: no estimate for outcome {q.effect!r}",
                            hint="check the outcome estimated without error, or give a value")
        return sign * float(effects[q.effect].estimate) * q.scale
    if q.indicator is not None:
        at = rows if rows is not None else indicator_rows(indicators)
        if indicators is None or q.indicator not in (
                at if at is not None else set(indicators["indicator_id"])):
            raise DataError(f"{where}.indicator: no value for indicator {q.indicator!r}",
                            hint="check the indicator has a data source")
        if at is not None:
            return float(indicators["actual"].iloc[at[q.indicator]]) * q.scale
        part = indicators.loc[indicators["indicator_id"] == q.indicator]
        total = part.loc[part["period"].astype("string") == "total"]
        return float((total if len(total) else part)["actual"].iloc[-1]) * q.scale
    from evalkit.assess.achievement import compute_value

    assert q.source is not None and q.compute is not None
    value, _ = compute_value(evidence[q.source], q.compute, where)
    return value * q.scale


def _validated(outcomes: Sequence[SroiOutcome | Mapping[str, Any]]) -> list[SroiOutcome]:
    from pydantic import ValidationError

    from evalkit.model.value import SroiOutcome
    from evalkit.project import format_validation_error

    out: list[SroiOutcome] = []
    problems: list[str] = []
    for k, o in enumerate(outcomes):
        if isinstance(o, SroiOutcome):
            out.append(o)
            continue
        try:
            out.append(SroiOutcome.model_validate(o))
        except ValidationError as exc:
            problems += [f"outcomes[{k}].{line}" for line in format_validation_error(exc)]
    if problems:
        raise SpecError(f"SROI outcomes: {len(problems)} problem(s)", problems=problems,
                        hint="shares (deadweight, attribution, displacement, drop-off) lie in [0, 1]")
    return out


def _flows(rows: Sequence[Mapping[str, float]], r: float) -> tuple[float, list[float], list[float]]:
    """PV, value per year and discounted value per year (summed over outcomes)."""
    years = max(int(row["duration"]) for row in rows)
    value = [0.0] * years
    for row in rows:
        impact = (row["quantity"] * row["proxy"] * (1 - row["deadweight"])
                  * (1 - row["displacement"]) * (1 - row["attribution"]))
        for t in range(1, int(row["duration"]) + 1):
            value[t - 1] += impact * (1 - row["drop_off"]) ** (t - 1)
    disc = [v / (1 + r) ** t for t, v in enumerate(value, start=1)]
    return sum(disc), value, disc


def _payback(disc: Sequence[float], inputs: float) -> float:
    cum = 0.0
    for t, d in enumerate(disc):
        if d > 0 and cum + d >= inputs:
            return t + (inputs - cum) / d
        cum += d
    return math.nan


def _range(name: str, f: Any, value: float, sens: Sensitivity) -> tuple[float, float]:
    if f is not None and f.range is not None:
        return float(f.range[0]), float(f.range[1])
    if name in SHARES:
        return max(0.0, value - sens.share), min(1.0, value + sens.share)
    if name == "duration":
        return max(1.0, value - sens.years), value + sens.years
    return value * (1 - sens.relative), value * (1 + sens.relative)


def sroi(
    outcomes: Sequence[SroiOutcome | Mapping[str, Any]],
    inputs: float,
    *,
    discount_rate: float = 0.035,
    quantities: Mapping[str, float] | None = None,
    effects: Mapping[str, EffectResult] | None = None,
    indicators: pd.DataFrame | None = None,
    sensitivity: Sensitivity | None = None,
) -> SroiResult:
    """Social return on investment with provenance and one-way sensitivity analysis.

    Parameters
    ----------
    outcomes
        :class:`~evalkit.model.value.SroiOutcome` objects or mappings of the same shape.
    inputs
        The investment (e.g. money spent), > 0.
    discount_rate
        ``r`` in the formula (0.035 = the UK Green Book rate used by the guide).
    quantities
        Outcome id -> quantity, overriding how the outcome's ``quantity`` resolves.
    effects, indicators
        Used to resolve ``quantity: {effect: …}`` / ``{indicator: …}``; ``effects`` also
        drives the deadweight check (:class:`AssumedDeadweightWarning`).
    sensitivity
        Default variation of each factor (:class:`~evalkit.model.value.Sensitivity`).

    Returns
    -------
    SroiResult

    Notes
    -----
    See the module docstring for the formulas. Each factor of each outcome is varied from
    its low to its high value with the others held, and the discount rate over
    ``sensitivity.discount_rate``.

    Examples
    --------
    >>> res = sroi([{"id": "a", "name": "A", "quantity": {"value": 10}, "proxy": 100}], 500,
    ...            discount_rate=0)
    >>> res.ratio
    2.0
    """
    import pandas as pd

    from evalkit.model.value import Sensitivity

    items = _validated(outcomes)
    problems = []
    try:
        ok = math.isfinite(float(inputs)) and float(inputs) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        problems.append(f"inputs: expected a positive amount, got {inputs!r}")
    if not 0 <= discount_rate <= 1:
        problems.append(f"discount_rate: expected a share in [0, 1], got {discount_rate!r}")
    if problems:
        raise SpecError(f"SROI: {len(problems)} problem(s)", problems=problems)
    sens = sensitivity or Sensitivity()
    quantities = quantities or {}
    rows: list[dict[str, float]] = []
    facts: list[dict[str, Any]] = []
    notes: list[str] = []
    for k, o in enumerate(items):
        q = (float(quantities[o.id]) if o.id in quantities else
             resolve_quantity(o.quantity, indicators=indicators, effects=effects,
                              where=f"outcomes[{k}].quantity"))
        row = {"quantity": q, **{f: float(getattr(o, f).value) for f in FACTORS[1:]}}
        rows.append(row)
        for f in FACTORS:
            factor = getattr(o, f) if f != "quantity" else None
            src: Text | None = factor.source if factor is not None else o.quantity.note
            facts.append({"outcome_id": o.id, "factor": f, "value": row[f],
                          "provenance": factor.provenance if factor else o.quantity.origin,
                          "source_zh": src.zh if src else "", "source_en": src.en if src else ""})
        eff = (effects or {}).get(o.linked_effect or "")
        if eff is not None and eff.design in NET_DESIGNS and o.deadweight.provenance == "assumed":
            msg = (f"SROI outcome {o.id!r}: deadweight {o.deadweight.value:g} is assumed, but the "
                   f"quantity rests on a {eff.design} estimate, which already nets out what would "
                   "have happened anyway; set deadweight to 0 with provenance: data, or use the "
                   "gross change")
            notes.append(msg)
            warnings.warn(msg, AssumedDeadweightWarning, stacklevel=2)
        elif eff is not None and eff.design in GROSS_DESIGNS and o.deadweight.value == 0:
            msg = (f"SROI outcome {o.id!r}: deadweight is 0, but the quantity rests on a "
                   f"{eff.design} change without a comparison group, which includes what would "
                   "have happened anyway; estimate the deadweight (e.g. from a comparison group)")
            notes.append(msg)
            warnings.warn(msg, GrossChangeWarning, stacklevel=2)
    pv, value, disc = _flows(rows, discount_rate)
    year1 = value[0] if value else 0.0
    table = pd.DataFrame([{"outcome_id": o.id, "name_zh": o.name.zh, "name_en": o.name.en, **row,
                           "impact": row["quantity"] * row["proxy"] * (1 - row["deadweight"])
                           * (1 - row["displacement"]) * (1 - row["attribution"]),
                           "pv": _flows([row], discount_rate)[0]}
                          for o, row in zip(items, rows, strict=True)])
    flows = pd.DataFrame([{"outcome_id": o.id, "year": t, "value": v, "discounted": d}
                          for o, row in zip(items, rows, strict=True)
                          for t, (v, d) in enumerate(zip(*_flows([row], discount_rate)[1:],
                                                         strict=True), start=1)])
    sens_rows = []
    for o, row in zip(items, rows, strict=True):
        for f in FACTORS:
            spec = getattr(o, f) if f != "quantity" else None
            lo, hi = _range(f, spec, row[f], sens)
            at = [_flows([*(r if r is not row else {**row, f: v} for r in rows)],
                         discount_rate)[0] / inputs for v in (lo, hi)]
            sens_rows.append({"outcome_id": o.id, "factor": f,
                              "label_zh": f"{o.name.zh}：{FACTOR_LABELS['zh'][f]}",
                              "label_en": f"{o.name.en}: {FACTOR_LABELS['en'][f]}",
                              "base_value": row[f], "low_value": lo, "high_value": hi,
                              "ratio_low": at[0], "ratio_high": at[1]})
    rlo, rhi = sens.discount_rate
    sens_rows.append({"outcome_id": "", "factor": "discount_rate", "label_zh": "贴现率",
                      "label_en": "discount rate", "base_value": discount_rate, "low_value": rlo,
                      "high_value": rhi, "ratio_low": _flows(rows, rlo)[0] / inputs,
                      "ratio_high": _flows(rows, rhi)[0] / inputs})
    sensitivity_table = pd.DataFrame(sens_rows)
    sensitivity_table["swing"] = (sensitivity_table["ratio_high"]
                                  - sensitivity_table["ratio_low"]).abs()
    sensitivity_table = sensitivity_table.sort_values("swing", ascending=False, kind="stable")
    return SroiResult(
        pv=pv, inputs=float(inputs), ratio=pv / inputs, net=(pv - inputs) / inputs,
        payback_years=_payback(disc, float(inputs)),
        payback_months_simple=inputs / (year1 / 12) if year1 > 0 else math.nan,
        discount_rate=discount_rate, outcomes=table, factors=pd.DataFrame(facts), flows=flows,
        sensitivity=sensitivity_table.reset_index(drop=True), warnings=tuple(notes))
