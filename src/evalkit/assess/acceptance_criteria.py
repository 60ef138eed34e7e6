"""The criteria table of acceptance (结项验收): each contract criterion's figure judged
against its target (met / partly met / not met, with the partial band), its evidence status,
and the row the verdict of :mod:`evalkit.assess.acceptance` is weighed from.

Split from :mod:`evalkit.assess.acceptance` (which re-exports :func:`fmt` and :func:`judge`)
to keep each module small.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, numeric_column, require_columns
from evalkit._money import plain_number
from evalkit.errors import SpecError
from evalkit.model.calendar import prorated_target
from evalkit.model.contract import Criterion

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.model.contract import Contract

__all__ = ["CRITERIA_COLUMNS", "fmt", "judge"]

CRITERIA_COLUMNS = [
    "criterion_id", "name_zh", "name_en", "kind", "indicator_id", "period", "operator", "target",
    "actual",
    "ratio", "partial_band", "mandatory", "veto", "weight", "figure_status", "evidence_status",
    "evidence_detail", "status", "credit",
    # contract calendars (issue 11): the judged period's printable name
    "period_label_zh", "period_label_en",
]
_OPS = {"increase": ">=", "decrease": "<=", "maintain": "=="}


def fmt(x: float) -> str:
    """A number for a sentence: thousands separated, at most two decimals (see
    :func:`evalkit._money.plain_number`; amounts of money go through
    :func:`evalkit._money.fmt_money`, which adds the unit)."""
    return plain_number(x)


def judge(actual: float, target: float, operator: str, partial: float,
          tolerance: float = 0.0) -> tuple[str, float]:
    """Status and attainment ratio of one figure.

    Notes
    -----
    ``>=``: ratio = actual / target; ``<=``: ratio = target / actual; ``==``: met when
    |actual − target| <= tolerance, ratio = 1 − |actual − target| / target. Not met but
    ratio >= ``partial`` (and partial < 1) is partly met. A missing figure is not met.

    Examples
    --------
    >>> judge(20, 24, ">=", 0.8)
    ('partly_met', 0.8333333333333334)
    """
    if not math.isfinite(actual):
        return "not_met", math.nan
    if operator == ">=":
        ok = actual >= target
        ratio = actual / target if target else (1.0 if ok else 0.0)
    elif operator == "<=":
        ok = actual <= target
        ratio = target / actual if actual else math.inf
    else:
        ok = abs(actual - target) <= tolerance
        ratio = 1 - abs(actual - target) / abs(target) if target else (1.0 if ok else 0.0)
    if ok:
        return "met", ratio
    if partial < 1 and math.isfinite(ratio) and ratio >= partial:
        return "partly_met", ratio
    return "not_met", ratio


#: the indicator-table columns a criterion's rows are judged on (:func:`_figure_row`)
_READ = ("indicator_id", "period", "target", "actual", "days", "full_days", "measure",
         "aggregation", "direction", "label_zh", "label_en")


def _record_columns(indicators: pd.DataFrame, read: list[str]) -> dict[str, list[Any]] | None:
    """Column -> its values as ``to_dict("records")`` gives them: numbers and flags as Python
    scalars, text as ``str`` with a missing value as pandas boxes it (``pd.NA`` -> None).
    None when a column is of another dtype (object, dates...)."""
    import numpy as np
    import pandas as pd

    out: dict[str, list[Any]] = {}
    for c in read:
        column = indicators[c]
        if isinstance(column.dtype, pd.StringDtype):
            out[c] = [None if v is pd.NA else v for v in column.tolist()]
        elif isinstance(column.dtype, np.dtype) and column.dtype.kind in "fiub":
            out[c] = column.tolist()
        else:
            return None
    return out


def _period_rows_fast(indicators: pd.DataFrame, contract: Contract,
                      keep: np.ndarray | None = None) -> dict[int, list[dict[str, Any]]] | None:
    """:func:`_period_rows` from the columns of the rows ``keep`` selects (all: None), grouped
    in Python: for each criterion the records ``to_dict("records")`` gives for its rows (a
    row's record does not depend on the rows beside it), in table order. None when the ids or
    periods are not text without blanks, a column read is of another dtype, or a criterion
    has a problem (then :func:`_period_rows` filters as before and words the problems)."""
    import numpy as np
    import pandas as pd

    ids, periods = indicators["indicator_id"], indicators["period"]
    if not (isinstance(ids.dtype, pd.StringDtype) and isinstance(periods.dtype, pd.StringDtype)):
        return None
    blank = (ids.isna() | periods.isna()).to_numpy(dtype=bool)
    if bool((blank if keep is None else blank[keep]).any()):
        return None
    if not indicators.columns.is_unique:
        return None
    read = [c for c in _READ if c in indicators.columns]  # what _figure_row reads
    columns = _record_columns(indicators, read)
    if columns is None:
        return None
    id_of, period_of = columns["indicator_id"], columns["period"]
    have: dict[str, list[int]] = {}
    for k in (range(len(indicators)) if keep is None else np.flatnonzero(keep).tolist()):
        have.setdefault(id_of[k], []).append(k)
    out: dict[int, list[dict[str, Any]]] = {}
    for n, c in enumerate(contract.criteria):
        part = have.get(c.indicator)
        if part is None:
            return None
        if c.period == "each":
            rows = [k for k in part if period_of[k] != "total"]
        else:
            rows = [k for k in part if period_of[k] == c.period]
            if c.period == "total" and not rows:
                rows = part[-1:]
        if not rows:
            return None
        out[n] = [{col: columns[col][k] for col in read} for k in rows]
    return out


def _period_rows(indicators: pd.DataFrame, contract: Contract) -> dict[int, list[dict[str, Any]]]:
    """Criterion index -> the indicator rows it is judged on (the total, a period, or each)."""
    out: dict[int, list[dict[str, Any]]] = {}
    problems = []
    whole = None
    if "disaggregation" in indicators.columns:  # judge on whole-population rows only
        whole = indicators["disaggregation"].astype("string").fillna("") == ""
    fast = _period_rows_fast(indicators, contract,
                             None if whole is None else whole.to_numpy(dtype=bool))
    if fast is not None:
        return fast
    if whole is not None:
        indicators = indicators.loc[whole]
    have = {str(i): part for i, part in indicators.groupby("indicator_id", sort=False)}
    for k, c in enumerate(contract.criteria):
        part = have.get(c.indicator)
        if part is None:
            problems.append(f"contract.criteria[{k}].indicator: {c.indicator!r} is not in the "
                            f"indicator table (have: {', '.join(have) or 'none'})")
            continue
        period = part["period"].astype("string")
        rows = part.loc[period != "total"] if c.period == "each" else part.loc[period == c.period]
        if c.period == "total" and not len(rows):
            rows = part.iloc[[-1]]
        if not len(rows):
            problems.append(f"contract.criteria[{k}].period: indicator {c.indicator!r} has no "
                            f"period {c.period!r} (periods: {', '.join(period.unique())})")
        out[k] = rows.to_dict("records")
    if problems:
        raise SpecError(f"contract: {len(problems)} criterion problem(s)", problems=problems,
                        hint="fix the indicator id / period, or add the indicator")
    return out


_WORST = {"not_met": 0, "partly_met": 1, "met": 2}


def _checked_indicators(contract: Contract, indicators: Any) -> pd.DataFrame:
    """The indicator table with the columns the criteria use, actual/target as floats (a copy,
    or the table itself when they are float64 already: it is only read)."""
    import numpy as np

    where = "indicators"
    frame = check_frame(indicators, where, allow_empty=True)
    numeric = ["actual"]
    if any(c.target is None for c in contract.criteria):
        numeric.append("target")
    require_columns(frame, ["indicator_id", "period", *numeric], where)
    floats = {c: numeric_column(frame, c, where) for c in numeric}  # checks every value
    if frame.columns.is_unique and all(frame[c].dtype == np.float64 for c in numeric):
        return frame
    return frame.assign(**floats)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _criterion_target(c: Criterion, ind: dict[str, Any], prorate: bool) -> float:
    """The target a period row is judged against.

    The criterion's own target of a count indicator (``measure: count``, periodic) is
    pro-rated for a partial period: ``target × days / full_days`` rounded half up, NaN (the
    period is not judged) when that rounds to 0 (:func:`evalkit.model.calendar.prorated_target`).
    An indicator's own per-period target arrives already pro-rated in the indicator table.
    """
    if c.target is None:
        return float(ind["target"])
    days, full = ind.get("days"), ind.get("full_days")
    count_like = (ind.get("measure", "count") == "count"
                  and ind.get("aggregation", "periodic") == "periodic")
    if (prorate and count_like and str(ind.get("period")) != "total"
            and isinstance(days, int | float) and isinstance(full, int | float)
            and math.isfinite(days) and math.isfinite(full) and days < full):
        return prorated_target(float(c.target), int(days), int(full))
    return float(c.target)


def _figure_row(c: Criterion, inds: list[dict[str, Any]], partial: float,
                prorate: bool = True) -> dict[str, Any]:
    """Judge every row; the criterion takes the worst (lowest status, then lowest ratio).

    A partial period whose pro-rated target rounds to 0 is not judged (unless it is the only
    row)."""
    targets = [_criterion_target(c, ind, prorate) for ind in inds]
    keep = [(ind, t) for ind, t in zip(inds, targets, strict=True) if not math.isnan(t)]
    if not keep:
        keep = [(ind, float(c.target if c.target is not None else ind["target"]))
                for ind in inds]
    judged = []
    for ind, target in keep:
        op = c.operator or _OPS.get(str(ind.get("direction", "increase")), ">=")
        actual = float(ind["actual"]) if ind.get("actual") is not None else math.nan
        status, ratio = judge(actual, target, op, partial, c.tolerance)
        key = (_WORST[status], ratio if math.isfinite(ratio) else -math.inf)
        judged.append((key, {"indicator_id": c.indicator, "period": str(ind["period"]),
                             "operator": op, "target": target, "actual": actual, "ratio": ratio,
                             "partial_band": partial, "figure_status": status,
                             "period_label_zh": _text(ind.get("label_zh")),
                             "period_label_en": _text(ind.get("label_en"))}))
    return min(judged, key=lambda j: j[0])[1]


def _evidence_state(item: Any, ev: pd.DataFrame | None,
                    by_item: dict[Any, pd.DataFrame] | None = None
                    ) -> tuple[str, str, float, float]:
    """Evidence status, detail, verified (capped at required) and required counts of an item.

    ``by_item``: ``ev``'s rows grouped by item (:func:`_evidence_parts`), to look up instead of
    filtering ``ev`` for each item."""
    if not item.evidence:
        return "none_required", "", math.nan, math.nan
    if ev is None:
        return "not_checked", "", math.nan, math.nan
    part = (ev.loc[ev["item"] == item.id] if by_item is None
            else by_item.get(item.id, ev.iloc[0:0]))
    detail = "; ".join(f"{r.type} {fmt(r.verified)}/{fmt(r.required)}" for r in part.itertuples())
    got = float(part[["verified", "required"]].min(axis=1).sum())
    state = "complete" if bool((part["status"] == "complete").all()) else "incomplete"
    return state, detail, got, float(part["required"].sum())


def _evidence_states(ev: pd.DataFrame | None
                     ) -> dict[Any, tuple[str, str, float, float]] | None:
    """:func:`_evidence_state` of every item id of ``ev`` at once (the state of an item with
    evidence required): the row-wise minimum once over the whole list, each item's sums as
    pandas takes them (missing values as 0, :func:`numpy.sum` of the item's rows in file order).
    None when the item column is not text or has a blank, or the counts are not float64."""
    import numpy as np
    import pandas as pd

    if (ev is None or "item" not in ev.columns
            or not isinstance(ev["item"].dtype, pd.StringDtype) or bool(ev["item"].isna().any())
            or ev["verified"].dtype != np.float64 or ev["required"].dtype != np.float64):
        return None
    mins = ev[["verified", "required"]].min(axis=1).to_numpy(dtype=np.float64)
    required = ev["required"].to_numpy(dtype=np.float64)
    types, verified_l, required_l = list(ev["type"]), list(ev["verified"]), list(ev["required"])
    complete = [s == "complete" for s in ev["status"]]
    where: dict[Any, list[int]] = {}
    for i, key in enumerate(ev["item"]):
        where.setdefault(key, []).append(i)

    def total(values: np.ndarray) -> float:
        return float(np.where(np.isnan(values), 0.0, values).sum())

    out = {}
    for key, pos in where.items():
        detail = "; ".join(f"{types[i]} {fmt(verified_l[i])}/{fmt(required_l[i])}" for i in pos)
        state = "complete" if all(complete[i] for i in pos) else "incomplete"
        out[key] = (state, detail, total(mins[pos]), total(required[pos]))
    return out


def _evidence_parts(ev: pd.DataFrame | None) -> dict[Any, pd.DataFrame] | None:
    """``ev``'s rows by text item id, in file order (what ``ev.loc[ev["item"] == id]`` gives
    for each id); None when the item column is not text or has a blank (then each item
    filters ``ev`` as before)."""
    import pandas as pd

    if (ev is None or "item" not in ev.columns
            or not isinstance(ev["item"].dtype, pd.StringDtype) or bool(ev["item"].isna().any())):
        return None
    return {key: part for key, part in ev.groupby("item", sort=False)}


def _criteria_table(contract: Contract, indicators: pd.DataFrame,
                    ev: pd.DataFrame | None, prorate: bool = True) -> pd.DataFrame:
    import pandas as pd

    rules = contract.rules
    inds = _period_rows(indicators, contract) if contract.criteria else {}
    states = _evidence_states(ev)
    by_item = _evidence_parts(ev) if states is None else None
    rows = []
    for k, item in enumerate(contract.items()):
        if states is not None and item.evidence:
            ev_status, detail, got, required = states.get(item.id, ("complete", "", 0.0, 0.0))
        else:
            ev_status, detail, got, required = _evidence_state(item, ev, by_item)
        partial = item.partial if item.partial is not None else rules.partial_band
        if isinstance(item, Criterion):
            row = _figure_row(item, inds[k], partial, prorate)
        else:  # judged on the evidence alone: verified share of what is required
            ratio = got / required if required else (1.0 if ev is not None else math.nan)
            met = ev_status == "complete"
            row = {"indicator_id": None, "period": None, "operator": ">=", "target": required,
                   "actual": got,
                   "ratio": ratio, "partial_band": partial, "figure_status": "met" if met else
                   "partly_met" if partial < 1 and ratio >= partial else "not_met",
                   "period_label_zh": "", "period_label_en": ""}
        status = row["figure_status"]
        if (status == "met" and ev_status == "incomplete" and isinstance(item, Criterion)
                and rules.missing_evidence != "ignore"):
            status = rules.missing_evidence
        credit = {"met": 1.0, "partly_met": rules.partial_credit}.get(status, 0.0)
        rows.append({"criterion_id": item.id, "name_zh": item.name.zh, "name_en": item.name.en,
                     "kind": item.kind, **row, "mandatory": item.mandatory, "veto": item.veto,
                     "weight": 0.0 if item.mandatory else item.weight,
                     "evidence_status": ev_status, "evidence_detail": detail,
                     "status": status, "credit": credit})
    return pd.DataFrame(rows, columns=CRITERIA_COLUMNS)

