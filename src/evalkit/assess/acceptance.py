"""Acceptance (结项验收): each contract criterion met / partly met / not met, and the verdict.

The verdict follows fixed, configurable rules (:class:`~evalkit.model.contract.AcceptanceRules`,
documented for purchasers in docs/purchasers.md):

1. a veto item (一票否决) that is not fully met rejects;
2. a mandatory criterion not met rejects (partly met: a condition, or reject by rule);
3. the weighted share of the other criteria,
   ``S = Σ w_i c_i / Σ w_i`` with credit ``c`` = 1 met, ``partial_credit`` partly met, 0 not met,
   must reach ``min_weighted_share``, and at most ``max_partly_met`` / ``max_not_met`` of them
   may fall short;
4. anything short of met that did not reject becomes a condition with a deadline
   (``accepted_with_conditions``); otherwise ``accepted``.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from evalkit.assess.acceptance_criteria import (
    _WORST,
    CRITERIA_COLUMNS,
    _checked_indicators,
    _criteria_table,
    fmt,
    judge,
)
from evalkit.model.contract import check_evidence

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.contract import AcceptanceRules, Contract

__all__ = ["AcceptanceResult", "Statement", "assess_acceptance", "assess_project",
           "check_evidence", "fmt", "judge"]

Verdict = Literal["accepted", "accepted_with_conditions", "rejected"]
#: operators in words, for the statements a report prints (never a bare ">=")
_OP_WORDS = {"zh": {">=": "不低于", "<=": "不高于", "==": "为"},
             "en": {">=": "at least", "<=": "at most", "==": "exactly"}}
_STATUS = {"zh": {"met": "达标", "partly_met": "部分达标", "not_met": "未达标"},
           "en": {"met": "met", "partly_met": "partly met", "not_met": "not met"}}


@dataclass(frozen=True)
class Statement:
    """A fact or condition in Chinese and English; ``key`` is a stable machine tag."""

    key: str
    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in ``lang`` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:
        return self.en


@dataclass(frozen=True)
class AcceptanceResult:
    """Acceptance verdict (immutable).

    Attributes
    ----------
    verdict
        "accepted" | "accepted_with_conditions" | "rejected".
    criteria
        One row per criterion (:data:`CRITERIA_COLUMNS`): the figure, the target, the evidence
        behind it and the status (met / partly_met / not_met).
    conditions, deadline
        What must be put right, and by when (empty / None unless accepted with conditions).
    reasons
        The facts that decided the verdict, deciding facts first.
    evidence
        Evidence completeness, one row per item and evidence type.
    weighted_share
        ``S`` of the weighted (non-mandatory) criteria; NaN when there are none.
    """

    verdict: Verdict
    criteria: pd.DataFrame
    conditions: tuple[Statement, ...] = ()
    deadline: dt.date | None = None
    reasons: tuple[Statement, ...] = ()
    evidence: pd.DataFrame | None = None
    weighted_share: float = math.nan
    rules: AcceptanceRules | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", self.criteria.copy())
        if self.evidence is not None:
            object.__setattr__(self, "evidence", self.evidence.copy())

    def summary(self, lang: str = "en") -> str:
        """Plain-text verdict, reasons and conditions."""
        lines = [f"verdict: {self.verdict}"]
        lines += [f"- {r.get(lang)}" for r in self.reasons]
        if self.conditions:
            lines.append(f"conditions (due {self.deadline}):")
            lines += [f"- {c.get(lang)}" for c in self.conditions]
        return "\n".join(lines)



def _line(r: Any, lang: str) -> str:
    name = r.name_zh if lang == "zh" else r.name_en
    st = _STATUS[lang][r.status]
    if not isinstance(r.indicator_id, str):
        fig = (f"已核验材料 {fmt(r.actual)}/{fmt(r.target)}" if lang == "zh"
               else f"verified evidence {fmt(r.actual)}/{fmt(r.target)}")
    else:
        label = getattr(r, f"period_label_{lang}", "")
        when = ("" if r.period == "total" else f" ({r.period})" if not label
                else f"，{label}" if lang == "zh" else f" in {label}")
        op = _OP_WORDS[lang].get(str(r.operator), str(r.operator))
        fig = (f"实际 {fmt(r.actual)}{when}，目标{op} {fmt(r.target)}" if lang == "zh"
               else f"actual {fmt(r.actual)}{when} against a target of {op} {fmt(r.target)}")
    extra = ""
    if r.evidence_status == "incomplete" and isinstance(r.indicator_id, str):
        extra = "，佐证材料不全" if lang == "zh" else ", evidence incomplete"
    if lang == "zh":  # full-width colon and dash, no spaces between Chinese clauses
        return f"{r.criterion_id} {name}：{fig}{extra}——{st}"
    return f"{r.criterion_id} {name}: {fig}{extra} — {st}"


def _say(key: str, r: Any, zh_pre: str, en_pre: str) -> Statement:
    return Statement(key, zh_pre + _line(r, "zh"), en_pre + _line(r, "en"))


@functools.cache
def _row_type(columns: tuple[str, ...]) -> Any:
    """A named tuple type with fields ``columns`` (one per fixed column list)."""
    from collections import namedtuple

    return namedtuple("Row", columns)


def _tuples(table: pd.DataFrame, columns: list[str]) -> list[Any]:
    """``table``'s rows as named tuples of ``columns``, with the values
    :meth:`~pandas.DataFrame.itertuples` gives (one list per column)."""
    row = _row_type(tuple(columns))
    return [row(*values) for values in zip(*(table[c].tolist() for c in columns), strict=True)]


def _evidence_rows(ev: pd.DataFrame, crit_ids: set[str]) -> list[Any]:
    """The evidence rows that are not complete and belong to no criterion, in order (what
    ``ev.loc[(ev["status"] != "complete") & ~ev["item"].isin(crit_ids)]`` holds); the
    filter as before unless the item and status columns are text."""
    import pandas as pd

    status = ev["status"].tolist()
    if not (isinstance(ev["item"].dtype, pd.StringDtype)
            and all(type(s) is str for s in status)):
        return list(ev.loc[(ev["status"] != "complete") & ~ev["item"].isin(crit_ids)]
                    .itertuples())
    keep = [s != "complete" and not (isinstance(i, str) and i in crit_ids)
            for i, s in zip(ev["item"].tolist(), status, strict=True)]
    rows = _tuples(ev, ["item", "name_zh", "name_en", "verified", "required"])
    return [r for r, k in zip(rows, keep, strict=True) if k]


def _evidence_conditions(ev: pd.DataFrame | None, crit_ids: set[str]) -> list[Statement]:
    if ev is None:
        return []
    out = []
    for r in _evidence_rows(ev, crit_ids):
        out.append(Statement(
            "evidence", f"{r.item}：补交并核验{r.name_zh}（现有 {fmt(r.verified)}/{fmt(r.required)}）",
            f"{r.item}: hand in verified {r.name_en} (have {fmt(r.verified)}/{fmt(r.required)})"))
    return out


def _weighted(table: pd.DataFrame) -> tuple[float, dict[str, int]]:
    """The weighted share ``S`` of the criteria that are not mandatory (NaN when their
    weights add up to 0) and the number of them in each status.

    With a bool ``mandatory`` and float64 ``weight``/``credit`` the sums are taken as pandas
    takes them (missing values as 0, :func:`numpy.sum` in row order) on arrays; otherwise by
    the pandas filter."""
    import numpy as np

    if not (table["mandatory"].dtype == np.bool_ and table["weight"].dtype == np.float64
            and table["credit"].dtype == np.float64):
        weighted = table.loc[~table["mandatory"]]
        wsum = float(weighted["weight"].sum())
        share = (float((weighted["weight"] * weighted["credit"]).sum() / wsum) if wsum
                 else math.nan)
        return share, {s: int((weighted["status"] == s).sum()) for s in _WORST}
    free = ~table["mandatory"].to_numpy()
    weight = table["weight"].to_numpy()[free]
    product = weight * table["credit"].to_numpy()[free]
    wsum = float(np.where(np.isnan(weight), 0.0, weight).sum())
    total = np.where(np.isnan(product), 0.0, product).sum()
    share = float(total / wsum) if wsum else math.nan
    counts: dict[str, int] = {}
    for s, f in zip(table["status"].tolist(), free.tolist(), strict=True):
        if f and isinstance(s, str):
            counts[s] = counts.get(s, 0) + 1
    return share, counts


def _criteria_rows(table: pd.DataFrame) -> list[Any]:
    """The criteria table's rows as :meth:`~pandas.DataFrame.itertuples` gives them (the
    columns :func:`_line` and :func:`_verdict` read)."""
    if list(table.columns) != CRITERIA_COLUMNS:
        return list(table.itertuples())
    return _tuples(table, CRITERIA_COLUMNS)


def _verdict(table: pd.DataFrame, rules: AcceptanceRules
             ) -> tuple[Verdict, list[Statement], list[Statement], float]:
    rejects: list[Statement] = []
    conds: list[Statement] = []
    good: list[Statement] = []
    share, counts = _weighted(table)
    for r in _criteria_rows(table):
        if r.status == "met":
            good.append(_say("met", r, "", ""))
        elif r.veto:
            rejects.append(_say("veto", r, "一票否决项未达标：", "veto item short of target: "))
        elif r.mandatory and (r.status == "not_met" or rules.mandatory_partly_met == "reject"):
            rejects.append(_say("mandatory", r, "必达指标未达标：", "mandatory criterion not met: "))
        else:
            conds.append(_say("rectify", r, "整改：", "Put right: "))
    if math.isfinite(share) and share < rules.min_weighted_share:
        rejects.append(Statement(
            "weighted_share", f"加权达标率 {share:.1%}，低于要求的 {rules.min_weighted_share:.1%}",
            f"weighted share {share:.1%} is below the required {rules.min_weighted_share:.1%}"))
    for key, status, most, zh, en in (
            ("too_many_partly", "partly_met", rules.max_partly_met, "部分达标", "partly met"),
            ("too_many_not_met", "not_met", rules.max_not_met, "未达标", "not met")):
        n = counts.get(status, 0)
        if n > most:
            rejects.append(Statement(key, f"{n} 项加权指标{zh}，超过允许的 {most} 项",
                                     f"{n} weighted criteria {en}, more than the {most} allowed"))
    if math.isfinite(share):
        good.append(Statement("weighted_share", f"加权达标率 {share:.1%}",
                              f"weighted share {share:.1%}"))
    if rejects:
        return "rejected", rejects + conds + good, [], share
    if conds:
        return "accepted_with_conditions", conds + good, conds, share
    return "accepted", good, [], share


def assess_acceptance(
    contract: Contract,
    indicators: pd.DataFrame,
    evidence_list: pd.DataFrame | None = None,
    *,
    as_of: dt.date | None = None,
    evidence_file: str = "evidence.csv",
    prorate: bool = True,
) -> AcceptanceResult:
    """Judge every contract criterion and reach the acceptance verdict.

    Parameters
    ----------
    contract
        The :class:`~evalkit.model.contract.Contract` (criteria, evidence, budget lines, rules).
    indicators
        Indicator table (``INDICATOR_COLUMNS``: indicator_id, period, direction, target, actual…);
        the ``total`` period is used when there are several.
    evidence_list
        The evidence handed in (columns item, evidence_type, count, file, verified); None when
        the project keeps no evidence list (evidence is then reported as not checked).
    as_of
        Date the conditions' deadline counts from (default today); ``rules.deadline`` wins.
    evidence_file
        Name used in error messages about ``evidence_list``.
    prorate
        Pro-rate a criterion's own target for a partial period (``period: each`` or a named
        period) of a count indicator by the days covered (``project.prorate``).

    Returns
    -------
    AcceptanceResult

    Raises
    ------
    SpecError
        Criteria naming indicators absent from ``indicators`` (all listed).
    DataError
        ``indicators`` lacks a column the criteria need or holds non-numeric actual / target
        values; the evidence list lacks a column or holds unreadable counts / verified flags.
    """
    rules = contract.rules
    if contract.criteria:
        indicators = _checked_indicators(contract, indicators)
    ev = None
    if evidence_list is not None:
        wanted = {c.id: c.evidence for c in contract.items()}
        wanted |= {b.id: b.evidence for b in contract.budget_lines}
        ev = check_evidence(wanted, evidence_list, evidence_file)
    table = _criteria_table(contract, indicators, ev, prorate)
    verdict, reasons, conds, share = _verdict(table, rules)
    extra = _evidence_conditions(ev, set(table["criterion_id"]))
    if verdict != "rejected" and extra:
        verdict = "accepted_with_conditions"
        conds += extra
        reasons[len(conds) - len(extra):len(conds) - len(extra)] = extra
    if evidence_list is None and any(c.evidence for c in contract.items()):
        reasons.append(Statement("evidence_not_checked", "未提供佐证材料清单，佐证材料未核验",
                                 "no evidence list given: evidence was not checked"))
    deadline = None
    if verdict == "accepted_with_conditions":
        deadline = rules.deadline or (as_of or dt.date.today()) + dt.timedelta(rules.deadline_days)
    return AcceptanceResult(
        verdict=verdict, criteria=table, conditions=tuple(conds) if verdict != "rejected" else (),
        deadline=deadline, reasons=tuple(reasons), evidence=ev, weighted_share=share, rules=rules)


def assess_project(project: Any, evidence: Any, **stages: Any) -> AcceptanceResult | None:
    """Acceptance verdict of ``project``; None when it has no contract."""
    contract = project.contract
    if contract is None:
        return None
    ev = None
    name = "evidence list"
    if contract.evidence_source is not None:
        ev = evidence[contract.evidence_source]
        name = project.data[contract.evidence_source].file
    return assess_acceptance(contract, stages["indicators"], ev,
                             as_of=project.project.period.end, evidence_file=name,
                             prorate=project.project.prorate)
