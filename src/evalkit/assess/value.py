"""Value for money: budget execution, management fee, cost per participant / output / net
outcome, incremental cost-effectiveness and SROI.

Notes
-----
execution rate = Σ spent / Σ budget; unspent = Σ budget − Σ spent;
management-fee share = fee lines' spent / Σ spent (``fee_basis: budget``: on the budget);
cost per participant = C / N; cost per output = C / actual;
cost per net outcome = C / (±estimate × scale), with the estimate's design stated
(a pre/post change is not a net effect; a DiD estimate is);
ICER = (C − C_alt) / (U − U_alt) (Drummond et al. 2015, *Methods for the Economic Evaluation
of Health Care Programmes*, ch. 4). ``C`` is the money spent (``cost_basis: budget``: the budget).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit._checks import numeric_column, require_columns
from evalkit._money import fmt_money
from evalkit.assess.acceptance import Statement, fmt
from evalkit.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np
    import pandas as pd

    from evalkit.assess.sroi import SroiResult
    from evalkit.estimate.results import EffectResult
    from evalkit.model.contract import BudgetLine
    from evalkit.model.value import BudgetSource, ValueSpec

__all__ = ["Icer", "ValueResult", "assess_project", "assess_value", "budget_table"]

LINE_COLUMNS = ["line_id", "name_zh", "name_en", "category", "budget", "spent", "variance",
                "execution", "flag"]


@dataclass(frozen=True)
class Icer:
    """Incremental cost-effectiveness against an alternative: ``ratio`` = Δcost / Δunits;
    ``dominance`` "dominant" (cheaper, at least as effective), "dominated" or "trade_off"."""

    alternative_zh: str
    alternative_en: str
    delta_cost: float
    delta_units: float
    ratio: float
    dominance: str


@dataclass(frozen=True)
class ValueResult:
    """Money figures of a project (immutable); every ratio's inputs are kept beside it."""

    budget: float
    spent: float
    execution_rate: float
    unspent: float
    lines: pd.DataFrame
    management_fee: float
    management_fee_share: float
    fee_band: tuple[float, float]
    fee_flag: str | None
    cost_basis: str
    cost: float
    participants: float
    cost_per_participant: float
    cost_per_output: pd.DataFrame
    cost_per_outcome: pd.DataFrame
    icer: Icer | None = None
    sroi: SroiResult | None = None
    flags: tuple[Statement, ...] = field(default=())
    #: ``project.currency``: the unit amounts carry in sentences (元 / CNY)
    currency: str = "CNY"

    @property
    def sroi_ratio(self) -> float:
        """SROI ratio (NaN without an SROI section)."""
        return self.sroi.ratio if self.sroi is not None else math.nan

    def summary(self, lang: str = "en") -> str:
        """Plain text: execution, fee, costs, flags and the SROI summary."""
        zh = lang == "zh"

        def money(x: float, digits: int | None = None) -> str:
            return fmt_money(x, lang, self.currency, digits=digits)

        lines = [
            (f"预算执行率 {self.execution_rate:.1%}（预算 {money(self.budget)}，支出 "
             f"{money(self.spent)}，结余 {money(self.unspent)}）；管理费占比 "
             f"{self.management_fee_share:.1%}") if zh else
            (f"budget execution {self.execution_rate:.1%} (budget {money(self.budget)}, spent "
             f"{money(self.spent)}, unspent {money(self.unspent)}); management fee "
             f"{self.management_fee_share:.1%}"),
            (f"人均成本 {money(self.cost_per_participant, 2)}（{fmt(self.participants)} 人）"
             if zh else f"cost per participant {money(self.cost_per_participant, 2)} "
             f"({fmt(self.participants)} participants)"),
        ]
        for r in self.cost_per_outcome.itertuples():
            basis = r.basis_zh if zh else r.basis_en
            lines.append(f"{r.outcome_id}: {money(r.cost_per_unit, 2)} "
                         + ("每单位净效果，" if zh else "per unit of net outcome, ") + str(basis))
        lines += [f"! {f.get(lang)}" for f in self.flags]
        if self.sroi is not None:
            lines.append(self.sroi.summary(lang))
        return "\n".join(lines)


#: amounts in a budget file larger than this are refused as typos (10^15 yuan)
MAX_AMOUNT = 1e15


def budget_table(
    frame: pd.DataFrame,
    spec: BudgetSource,
    *,
    contract_lines: list[BudgetLine] | None = None,
    file: str = "budget.csv",
    underspend_flag: float = 0.8,
) -> pd.DataFrame:
    """One row per budget line: budget, spent, variance = spent − budget, execution, flag.

    The budget of a line is the contract's (``contract.budget_lines``) when given, else the
    file's ``budget`` column; both are checked to agree.

    Raises
    ------
    DataError
        Listing every problem with file and column: negative budget or spending, spending on
        a line that has no budget line, a file budget that differs from the contract.
    """
    import pandas as pd

    cols = [spec.line, spec.spent, spec.budget, spec.category]
    require_columns(frame, cols, file)
    # positional arrays: row labels only name rows in messages (they may repeat)
    ids = frame[spec.line].astype("string").str.strip()
    line_ids = ids.tolist()
    spent: list[float] = numeric_column(frame, spec.spent, file).tolist()
    own: list[float] = (numeric_column(frame, spec.budget, file).tolist() if spec.budget
                        else [math.nan] * len(frame))
    contract = {b.id: b for b in contract_lines or []}
    problems: list[str] = []
    for pos, idx in enumerate(frame.index):
        line = line_ids[pos]
        if math.isnan(spent[pos]):
            problems.append(f"{file} row {idx}, column {spec.spent}: spending on line {line!r} "
                            "is missing or not a number; write 0 if nothing was spent")
            spent[pos] = 0.0
        for column, amount in ((spec.spent, spent[pos]), (spec.budget, own[pos])):
            if abs(amount) > MAX_AMOUNT:
                problems.append(f"{file} row {idx}, column {column}: {amount:.6g} on line "
                                f"{line!r} is beyond any project budget (> {MAX_AMOUNT:g}); "
                                "a typo?")
        if own[pos] < 0:
            problems.append(f"{file} row {idx}, column {spec.budget}: budget of line {line!r} is "
                            f"negative ({fmt(own[pos])}); budgets are amounts >= 0")
        if spent[pos] < 0:
            problems.append(f"{file} row {idx}, column {spec.spent}: spending on line {line!r} is "
                            f"negative ({fmt(spent[pos])}); record refunds as lower spending")
        known = line in contract if contract else bool(own[pos] > 0 or own[pos] < 0)
        if spent[pos] > 0 and not known:
            problems.append(f"{file} row {idx}, column {spec.line}: {fmt(spent[pos])} spent on "
                            f"{line!r}, which has no budget line"
                            + (" in contract.budget_lines" if contract else ""))
        if line in contract and not math.isnan(own[pos]) and own[pos] != contract[line].amount:
            problems.append(f"{file} row {idx}, column {spec.budget}: budget {fmt(own[pos])} of "
                            f"{line!r} differs from the contract's {fmt(contract[line].amount)}")
    dup = (_repeats(line_ids) if all(type(v) is str for v in line_ids)
           else ids[ids.duplicated()].tolist())
    problems += [f"{file}, column {spec.line}: line {d!r} appears more than once" for d in dup]
    if problems:
        raise DataError(f"{file}: {len(problems)} budget problem(s)", problems=problems,
                        hint="correct the budget file or contract.budget_lines")
    rows = []
    for pos, line in enumerate(line_ids):
        b = contract.get(line)
        rows.append({
            "line_id": line,
            "name_zh": b.name.zh if b else _text(frame, spec.name_zh, pos, line),
            "name_en": b.name.en if b else _text(frame, spec.name_en, pos, line),
            "category": b.category if b else _text(frame, spec.category, pos, "other"),
            "budget": b.amount if b else float(own[pos]), "spent": float(spent[pos])})
    rows += [{"line_id": b.id, "name_zh": b.name.zh, "name_en": b.name.en,
              "category": b.category, "budget": b.amount, "spent": 0.0}
             for b in contract.values() if b.id not in set(ids)]
    if rows and all(type(r["line_id"]) is str for r in rows):
        return _line_frame(rows, underspend_flag)
    out = pd.DataFrame(rows, columns=LINE_COLUMNS[:6])
    out["variance"] = out["spent"] - out["budget"]
    out["execution"] = (out["spent"] / out["budget"]).where(out["budget"] > 0)
    out["flag"] = ["overspent" if v > 0 else "underspent" if e < underspend_flag else ""
                   for v, e in zip(out["variance"], out["execution"].fillna(1.0), strict=True)]
    return out


def _repeats(values: list[str]) -> list[str]:
    """Each value that appeared before, in order (``Series.duplicated`` of text)."""
    seen: set[str] = set()
    out = []
    for v in values:
        if v in seen:
            out.append(v)
        seen.add(v)
    return out


def _line_frame(rows: list[dict[str, Any]], underspend_flag: float) -> pd.DataFrame:
    """The budget-line table of ``rows`` (text line ids) with variance, execution and flag:
    the same float64 operations as on the table's columns, on arrays, and one frame."""
    import numpy as np
    import pandas as pd

    cols = {c: [r[c] for r in rows] for c in LINE_COLUMNS[:6]}
    budget = np.array(cols["budget"], dtype=np.float64)
    spent = np.array(cols["spent"], dtype=np.float64)
    variance = spent - budget
    with np.errstate(divide="ignore", invalid="ignore"):
        execution = np.where(budget > 0, spent / budget, np.nan)
    judged = np.where(np.isnan(execution), 1.0, execution).tolist()
    flag = ["overspent" if v > 0 else "underspent" if e < underspend_flag else ""
            for v, e in zip(variance.tolist(), judged, strict=True)]
    return pd.DataFrame({**cols, "budget": budget, "spent": spent, "variance": variance,
                         "execution": execution, "flag": flag}, columns=LINE_COLUMNS)


def _among(values: pd.Series, wanted: Iterable[str]) -> np.ndarray:
    """``values.isin(wanted)`` as a boolean array (text values: set membership)."""
    import numpy as np
    import pandas as pd

    if isinstance(values.dtype, pd.StringDtype):
        chosen = set(wanted)
        return np.fromiter((v in chosen for v in values.tolist()), dtype=bool,
                           count=len(values))
    hit: np.ndarray = values.isin(list(wanted)).to_numpy(dtype=bool)
    return hit


def _sum(values: pd.Series, keep: np.ndarray | None = None) -> float:
    """``float(values[keep].sum())`` as pandas takes it for float64: missing values as 0,
    then :func:`numpy.sum` of the chosen values in order (other dtypes: pandas itself)."""
    import numpy as np

    if values.dtype != np.float64:
        return float((values if keep is None else values.loc[keep]).sum())
    chosen = values.to_numpy()
    chosen = chosen.copy() if keep is None else chosen[keep]
    chosen[np.isnan(chosen)] = 0.0
    return float(chosen.sum())


def _flagged(lines: pd.DataFrame) -> list[tuple[Any, ...]]:
    """``(line_id, name_zh, name_en, budget, spent, flag)`` of each budget line with a flag, in
    table order, the values as :meth:`~pandas.DataFrame.itertuples` gives them."""
    if not len(lines):
        return []
    cols = ["line_id", "name_zh", "name_en", "budget", "spent", "flag"]
    return [r for r in zip(*(lines[c].tolist() for c in cols), strict=True) if r[-1] != ""]

def _text(frame: pd.DataFrame, col: str | None, pos: int, default: str) -> str:
    """Text in column ``col`` at row position ``pos`` (``default`` when absent or missing)."""
    import pandas as pd

    if col is None or col not in frame.columns:
        return default
    value = frame[col].iloc[pos]
    return default if pd.isna(value) else str(value)


def _outcome_row(spec: Any, eff: EffectResult | None, cost: float) -> dict[str, Any]:
    from evalkit.estimate.evidence import DESIGN_LABELS

    if eff is None:
        return {"outcome_id": spec.effect, "design": None, "evidence_level": math.nan,
                "estimate": math.nan, "conf_low": math.nan, "conf_high": math.nan,
                "ci_excludes_zero": False, "scale": spec.scale, "net_units": math.nan,
                "cost_per_unit": math.nan, "basis_zh": "无估计结果", "basis_en": "no estimate"}
    sign = -1.0 if spec.direction == "decrease" else 1.0
    units = sign * eff.estimate * spec.scale
    lo, hi = eff.ci
    design_zh, design_en = DESIGN_LABELS["zh"][eff.design], DESIGN_LABELS["en"][eff.design]
    net = eff.design not in ("pre_post", "post_only")
    return {
        "outcome_id": spec.effect, "design": eff.design, "evidence_level": eff.evidence_level,
        "estimate": eff.estimate, "conf_low": lo, "conf_high": hi,
        "ci_excludes_zero": not (lo <= 0 <= hi), "scale": spec.scale, "net_units": units,
        "cost_per_unit": cost / units if units > 0 else math.nan,
        "basis_zh": f"基于{design_zh}估计" + ("（净效果）" if net else "（前后变化，未扣除对照）"),
        "basis_en": f"based on the {design_en} estimate"
                    + (" (net effect)" if net else " (gross change, no comparison netted out)"),
    }


def _icer(alt: Any, cost: float, units: float) -> Icer:
    dc, du = cost - alt.cost, units - alt.units
    dominance = ("dominant" if dc <= 0 and du >= 0 else "dominated" if dc >= 0 and du <= 0
                 else "trade_off")
    return Icer(alt.name.zh, alt.name.en, dc, du, dc / du if du else math.nan, dominance)


def assess_value(
    spec: ValueSpec,
    *,
    budget: pd.DataFrame | None = None,
    contract_lines: list[BudgetLine] | None = None,
    contract_amount: float | None = None,
    indicators: pd.DataFrame | None = None,
    effects: Mapping[str, EffectResult] | None = None,
    evidence: Any = None,
    budget_file: str = "budget.csv",
    currency: str = "CNY",
) -> ValueResult:
    """All money figures of one project (see the module Notes for the formulas).

    Parameters
    ----------
    spec
        The ``value:`` section.
    budget
        The budget/spending table (one row per line), or None (then cost = contract amount).
    contract_lines, contract_amount
        ``contract.budget_lines`` (checked against the file) and ``contract.amount``.
    indicators, effects, evidence
        To resolve participants, outputs, outcomes and SROI quantities.
    budget_file
        Name used in error messages.
    currency
        ``project.currency``: the unit of amounts in the flags' sentences (元 / CNY).
    """
    import pandas as pd

    from evalkit.assess.sroi import indicator_rows, resolve_quantity, sroi
    from evalkit.model.value import Quantity

    if budget is not None and spec.budget is not None:
        lines = budget_table(budget, spec.budget, contract_lines=contract_lines, file=budget_file,
                             underspend_flag=spec.underspend_flag)
    else:
        lines = pd.DataFrame(columns=LINE_COLUMNS)
    total_b = _sum(lines["budget"]) if len(lines) else float(contract_amount or math.nan)
    total_s = _sum(lines["spent"]) if len(lines) else math.nan
    fee_amount = _sum(lines["spent" if spec.fee_basis == "spent" else "budget"],
                      _among(lines["category"], spec.management_categories))
    base = total_s if spec.fee_basis == "spent" else total_b
    fee_share = fee_amount / base if len(lines) and base else math.nan
    lo, hi = spec.fee_band
    fee_flag = None if not math.isfinite(fee_share) else (
        "below_band" if fee_share < lo else "above_band" if fee_share > hi else None)
    cost = total_s if spec.cost_basis == "spent" and math.isfinite(total_s) else total_b
    flags: list[Statement] = []
    if fee_flag:
        flags.append(Statement("fee_" + fee_flag,
                               f"管理费占比 {fee_share:.1%}，超出 {lo:.0%}–{hi:.0%} 区间",
                               f"management fee share {fee_share:.1%} is outside {lo:.0%}–{hi:.0%}"))
    for line, name_zh, name_en, amount, spent, flag in _flagged(lines):
        flags.append(Statement(
            str(flag), f"{line} {name_zh}：预算 {fmt_money(amount, 'zh', currency)}，"
            f"支出 {fmt_money(spent, 'zh', currency)}", f"{line} {name_en}: budget "
            f"{fmt_money(amount, 'en', currency)}, spent {fmt_money(spent, 'en', currency)} "
            f"({flag})"))
    kw: dict[str, Any] = {"indicators": indicators, "effects": effects, "evidence": evidence,
                          "rows": indicator_rows(indicators)}
    people = (resolve_quantity(spec.participants, where="value.participants", **kw)
              if spec.participants is not None else math.nan)
    outputs = []
    for k, o in enumerate(spec.outputs):
        actual = resolve_quantity(Quantity(indicator=o.indicator), where=f"value.outputs[{k}]",
                                  **kw)
        c = _sum(lines["spent"], _among(lines["line_id"], o.lines)) if o.lines else cost
        outputs.append({"indicator_id": o.indicator, "actual": actual, "cost": c,
                        "cost_per_unit": c / actual if actual else math.nan,
                        "basis": "lines" if o.lines else "whole_budget",
                        "lines": ", ".join(o.lines)})
    outcome_rows = [_outcome_row(c, (effects or {}).get(c.effect), cost) for c in spec.outcomes]
    outcomes = pd.DataFrame(outcome_rows)
    icer = None
    if spec.alternative is not None:
        alt = spec.alternative.outcome
        # the first row of that outcome (outcome ids are text: the filter's equality)
        first = next((r for r in outcome_rows if r["outcome_id"] == alt), None)
        units = (float(first["net_units"]) if first is not None else
                 float(outcomes.loc[outcomes["outcome_id"] == alt, "net_units"].iloc[0]))
        icer = _icer(spec.alternative, cost, units)
    result_sroi = None
    if spec.sroi is not None:
        s = spec.sroi
        quantities = {o.id: resolve_quantity(o.quantity, where=f"value.sroi.outcomes[{k}].quantity",
                                             **kw) for k, o in enumerate(s.outcomes)}
        result_sroi = sroi(s.outcomes, s.inputs or cost, discount_rate=s.discount_rate,
                           quantities=quantities, effects=effects, sensitivity=s.sensitivity)
    return ValueResult(
        budget=total_b, spent=total_s, execution_rate=total_s / total_b if total_b else math.nan,
        unspent=total_b - total_s, lines=lines, management_fee=fee_amount,
        management_fee_share=fee_share, fee_band=(lo, hi), fee_flag=fee_flag,
        cost_basis=spec.cost_basis, cost=cost, participants=people,
        cost_per_participant=cost / people if people else math.nan,
        cost_per_output=pd.DataFrame(outputs, columns=["indicator_id", "actual", "cost",
                                                       "cost_per_unit", "basis", "lines"]),
        cost_per_outcome=outcomes, icer=icer, sroi=result_sroi, flags=tuple(flags),
        currency=currency)


def assess_project(project: Any, evidence: Any, **stages: Any) -> ValueResult | None:
    """Value for money of ``project``; None when it has no ``value:`` section."""
    spec = project.value
    if spec is None:
        return None
    contract = project.contract
    budget = evidence[spec.budget.source] if spec.budget is not None else None
    file = project.data[spec.budget.source].file if spec.budget is not None else "budget"
    return assess_value(
        spec, budget=budget, contract_lines=contract.budget_lines if contract else None,
        contract_amount=contract.amount if contract else None,
        indicators=stages.get("indicators"), effects=stages.get("effects"), evidence=evidence,
        budget_file=file, currency=str(project.project.currency))
