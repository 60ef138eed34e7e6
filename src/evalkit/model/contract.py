"""The purchase contract: deliverables, quality criteria, budget lines and acceptance rules.

YAML shape (every key except ``amount`` is optional)::

    contract:
      amount: 300000
      evidence_source: evidence          # data source listing the evidence handed in
      criteria:                          # judged on an indicator
        - id: C1
          name: {zh: 完成小组活动 24 节, en: 24 group sessions held}
          kind: deliverable              # deliverable | quality
          indicator: I1
          period: total                  # total | a period (2025-Q4) | each (every period)
          target: 24                     # default: the indicator's target
          operator: ">="                 # >= | <= | == ; default: the indicator's direction
          partial: 0.8                   # partly met from 80% of the target (rules default)
          mandatory: true                # or false with a weight
          veto: false                    # 一票否决: anything short of met rejects
          evidence:
            - {type: sign_in_sheet, name: {zh: 签到表, en: sign-in sheets}, min_count: 24}
      evidence_criteria:                 # judged on the evidence alone (case files complete)
        - id: Q1
          name: {zh: 个案档案完整, en: Case files complete}
          evidence: [{type: case_file, name: {zh: 个案档案, en: case files}, min_count: 20}]
      budget_lines:
        - {id: B1, name: {zh: 人员经费, en: Staff}, category: personnel, amount: 168000,
           evidence: [{type: receipt, name: {zh: 发票, en: receipts}}]}
      rules: {min_weighted_share: 0.8, max_partly_met: 2, deadline_days: 30}

:func:`check_evidence` checks the evidence list (evidence.csv) against what the contract asks
for; :func:`contract_problems` finds cross-reference problems (run by ``Project.problems``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from evalkit._checks import numeric_column, require_columns
from evalkit.errors import DataError
from evalkit.model.common import Spec, Text

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    import pandas as pd

__all__ = [
    "AcceptanceRules",
    "BudgetLine",
    "Contract",
    "Criterion",
    "EvidenceCriterion",
    "EvidenceRequirement",
    "Operator",
    "check_evidence",
    "contract_problems",
]

Operator = Literal[">=", "<=", "=="]


def _slug(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", text.lower()).strip("_") or "evidence"


class EvidenceRequirement(Spec):
    """One kind of evidence an item needs, e.g. 24 sign-in sheets.

    A plain text (``签到表`` or ``{zh: 签到表, en: sign-in sheets}``) is accepted as before; its
    ``type`` is then the English name in snake_case (``sign_in_sheets``), ``min_count`` 1.
    """

    type: str
    name: Text
    min_count: int = Field(default=1, ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = {"zh": value, "en": value}
        if isinstance(value, dict) and set(value) <= {"zh", "en"} and value:
            name = Text.model_validate(value)
            return {"type": _slug(name.en), "name": value}
        return value

    # read like a Text (zh/en), as the criterion's evidence was before it had a type and count
    @property
    def zh(self) -> str:
        """Chinese name."""
        return self.name.zh

    @property
    def en(self) -> str:
        """English name."""
        return self.name.en

    def get(self, lang: str) -> str:
        """The name in ``lang`` ("zh" or "en")."""
        return self.name.get(lang)

    def __str__(self) -> str:
        return self.name.en


class Criterion(Spec):
    """A contract criterion judged on an indicator.

    Met when ``actual <operator> target``; the target is the indicator's own when omitted and
    the operator follows the indicator's direction when omitted (increase ``>=``, decrease
    ``<=``, maintain ``==``). ``partial`` overrides the rules' partly-met band. ``period`` is
    ``total`` (the whole project), one period of the indicator (``2025-Q4``) or ``each``: every
    period must reach the target (e.g. 12 enterprise visits a quarter) and the worst counts.
    """

    id: str
    name: Text
    indicator: str
    kind: Literal["deliverable", "quality"] = "deliverable"
    period: str = "total"
    target: float | None = None
    operator: Operator | None = None
    tolerance: float = Field(default=0.0, ge=0)
    partial: float | None = Field(default=None, ge=0, le=1)
    mandatory: bool = True
    veto: bool = False
    weight: float = Field(default=1.0, ge=0)
    evidence: list[EvidenceRequirement] = Field(default_factory=list)


class EvidenceCriterion(Spec):
    """A quality criterion judged only on whether its evidence is complete and verified
    (e.g. "case files complete"): met when every requirement is complete, partly met when
    the verified share reaches the partly-met band."""

    id: str
    name: Text
    kind: Literal["deliverable", "quality"] = "quality"
    partial: float | None = Field(default=None, ge=0, le=1)
    mandatory: bool = True
    veto: bool = False
    weight: float = Field(default=1.0, ge=0)
    evidence: list[EvidenceRequirement] = Field(min_length=1)


class BudgetLine(Spec):
    """One contractual budget line; ``category: management_fee`` marks the management fee."""

    id: str
    name: Text
    category: str = "other"
    amount: float
    evidence: list[EvidenceRequirement] = Field(default_factory=list)

    @field_validator("amount")
    @classmethod
    def _not_negative(cls, amount: float) -> float:
        if amount < 0:
            raise ValueError(f"a budget is an amount >= 0, got {amount:g}")
        return amount


class AcceptanceRules(Spec):
    """How criterion results become a verdict (see docs/purchasers.md).

    Attributes
    ----------
    partial_band
        Partly met from this share of the target (0.8 = 80%); 1 disables the band.
    partial_credit
        Credit of a partly-met weighted criterion in the weighted share (met 1, not met 0).
    min_weighted_share
        Weighted share of the non-mandatory criteria needed for any acceptance.
    max_partly_met, max_not_met
        Weighted criteria partly met / not met that still allow acceptance with conditions.
    mandatory_partly_met
        "conditions" (a partly-met mandatory criterion becomes a condition) or "reject".
    missing_evidence
        How a met criterion with incomplete evidence counts: "partly_met", "not_met", "ignore".
    deadline, deadline_days
        Conditions are due on ``deadline``, else ``deadline_days`` after the project end.
    """

    partial_band: float = Field(default=0.8, ge=0, le=1)
    partial_credit: float = Field(default=0.5, ge=0, le=1)
    min_weighted_share: float = Field(default=0.8, ge=0, le=1)
    max_partly_met: int = Field(default=2, ge=0)
    max_not_met: int = Field(default=0, ge=0)
    mandatory_partly_met: Literal["conditions", "reject"] = "conditions"
    missing_evidence: Literal["partly_met", "not_met", "ignore"] = "partly_met"
    deadline: dt.date | None = None
    deadline_days: int = Field(default=30, ge=0)


class Contract(Spec):
    """Contract value, criteria, evidence criteria, budget lines and acceptance rules."""

    amount: float = Field(ge=0)
    criteria: list[Criterion] = Field(default_factory=list)
    evidence_criteria: list[EvidenceCriterion] = Field(default_factory=list)
    budget_lines: list[BudgetLine] = Field(default_factory=list)
    evidence_source: str | None = None
    rules: AcceptanceRules = Field(default_factory=AcceptanceRules)

    def items(self) -> list[Criterion | EvidenceCriterion]:
        """Every criterion, indicator-based first, in YAML order."""
        return [*self.criteria, *self.evidence_criteria]


def contract_problems(contract: Contract, data_sources: set[str]) -> list[str]:
    """Cross-reference problems of a contract (unknown indicators are checked by Project).

    Duplicate ids across criteria, evidence criteria and budget lines; an unknown
    ``evidence_source``; evidence required while no evidence source is declared; budget lines
    that do not add up to ``amount``.
    """
    out: list[str] = []
    seen: dict[str, str] = {}
    places = [("criteria", c.id) for c in contract.criteria]
    places += [("evidence_criteria", c.id) for c in contract.evidence_criteria]
    places += [("budget_lines", b.id) for b in contract.budget_lines]
    counters: dict[str, int] = {}
    for group, ident in places:
        k = counters.get(group, 0)
        counters[group] = k + 1
        where = f"contract.{group}[{k}].id"
        if ident in seen:
            out.append(f"{where}: id {ident!r} is already used at {seen[ident]}; ids must be unique")
        else:
            seen[ident] = where
    src = contract.evidence_source
    if src is not None and src not in data_sources:
        out.append(f"contract.evidence_source: unknown data source {src!r} "
                   f"(declared: {', '.join(sorted(data_sources)) or 'none'})")
    if contract.evidence_criteria and src is None:
        out.append("contract.evidence_criteria: judged on the evidence list, but "
                   "contract.evidence_source is not set — name the data source of evidence.csv")
    if contract.budget_lines:
        total = sum(b.amount for b in contract.budget_lines)
        if abs(total - contract.amount) > 0.005:
            out.append(f"contract.budget_lines: the lines add up to {total:,.2f}, but "
                       f"contract.amount is {contract.amount:,.2f} — make them agree")
    return out


_YES = {"yes", "y", "true", "1", "1.0", "是", "已核验"}
_NO = {"no", "n", "false", "0", "0.0", "否", "未核验", ""}
EVIDENCE_COLUMNS = ["item", "type", "name_zh", "name_en", "required", "submitted", "verified",
                    "files", "status"]


def check_evidence(wanted: Mapping[str, Sequence[EvidenceRequirement]],
                   evidence_list: pd.DataFrame, file: str = "evidence.csv") -> pd.DataFrame:
    """Completeness of the evidence handed in, one row per item and required evidence type.

    ``evidence_list`` has one row per piece (or bundle) of evidence: ``item`` (criterion or
    budget-line id), ``evidence_type``, ``count`` (blank = 1 when ``file`` is given),
    ``file`` and ``verified`` (yes/no). Status: ``complete`` (verified >= required),
    ``unverified`` (enough handed in, not enough verified), ``short`` or ``missing``.

    Raises
    ------
    DataError
        Listing every bad row: unknown item, negative or missing count, unreadable verified flag.
    """
    import numpy as np
    import pandas as pd

    require_columns(evidence_list, ["item", "evidence_type", "verified"], file)
    df = evidence_list
    items = df["item"].astype("string").str.strip()
    types = df["evidence_type"].astype("string").str.strip()
    has_file = (df["file"].astype("string").str.strip().fillna("") != ""
                if "file" in df.columns else pd.Series(False, index=df.index))
    count = (numeric_column(df, "count", file) if "count" in df.columns
             else pd.Series(float("nan"), index=df.index))
    count = count.where(count.notna() | ~has_file, 1.0)
    flags = df["verified"].astype("string").str.strip().str.lower().fillna("")
    problems = _evidence_problems(wanted, df, items, count, flags, file)
    if problems:
        raise DataError(f"{file}: {len(problems)} problem(s)", problems=problems,
                        hint="correct these rows of the evidence list")
    # the rows' fields as plain arrays: one comparison per requirement (the same sums as
    # pandas takes them, numpy.sum of the chosen counts in file order; no count is missing)
    item_of = items.to_numpy(dtype=object, na_value=None)
    type_of = types.to_numpy(dtype=object, na_value=None)
    counts = count.to_numpy(dtype=np.float64)
    ok = np.fromiter((f in _YES for f in flags.tolist()), dtype=bool, count=len(df))
    filed = has_file.to_numpy(dtype=bool)
    files = df["file"].tolist() if "file" in df.columns else []
    rows = []
    for item, reqs in wanted.items():
        of_item = item_of == item
        for req in reqs:
            hit = of_item & (type_of == req.type)
            sub = float(counts[hit].sum())
            ver = float(counts[hit & ok].sum())
            names = "; ".join(str(files[i]) for i in np.flatnonzero(hit & filed)) if files else ""
            status = ("complete" if ver >= req.min_count else "unverified"
                      if sub >= req.min_count else "short" if sub > 0 else "missing")
            rows.append({"item": item, "type": req.type, "name_zh": req.name.zh,
                         "name_en": req.name.en, "required": float(req.min_count),
                         "submitted": sub, "verified": ver, "files": names, "status": status})
    return pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)


def _evidence_problems(wanted: Mapping[str, Sequence[EvidenceRequirement]], df: pd.DataFrame,
                       items: pd.Series, count: pd.Series, flags: pd.Series,
                       file: str) -> list[str]:
    """Every bad row of an evidence list: unknown item, negative or missing count, unreadable
    verified flag (in row order, the checks of a row in that order)."""
    import pandas as pd

    allowed = _YES | _NO
    rows: Iterable[tuple[Any, Any, Any, Any]]
    if df.index.is_unique:  # a row's label finds only that row: read the values in order
        rows = zip(df.index, items.tolist(), count.tolist(), flags.tolist(), strict=True)
    else:
        rows = ((idx, items[idx], count[idx], flags[idx]) for idx in df.index)
    problems: list[str] = []
    for idx, item, n, flag in rows:
        if item not in wanted:
            problems.append(f"{file} row {idx}, column item: {item!r} is not a criterion "
                            f"or budget line (known: {', '.join(wanted)})")
        if pd.isna(n) or n < 0:
            problems.append(f"{file} row {idx}, column count: need a count >= 0 or a file name, "
                            f"got {df['count'][idx] if 'count' in df.columns else None!r}")
        if flag not in allowed:
            problems.append(f"{file} row {idx}, column verified: expected yes or no, "
                            f"got {df['verified'][idx]!r}")
    return problems
