"""Checks that catch silent miscounts: numbers that are wrong without any error.

:func:`intake_checks` compares what project.yaml counts with what the data holds. Each finding
is an :class:`IntakeCheck` (``level`` error or warning, a stable ``key``, where it is, and a
message in Chinese and English). ``evalkit validate`` lists them (errors make it exit 1) and
``evaluation.intake_checks`` carries them into the report's data-quality section.

What is an error and what a warning follows one rule: **an error is a finding that changes a
verdict if nobody acts on it; a warning is one that does not, or that evalkit already
corrects.**

Errors

``filter_value_absent``
    A filter value of an indicator or cadence rule that occurs nowhere in its column (a typo
    such as 需求调查 for 需求调研 makes the rule 0 % compliant). The closest values present
    are named (``difflib``). For an indicator whose ``direction`` is ``decrease`` (complaints,
    accidents) none is the good outcome, so it is a warning.
``zero_rows``
    A cadence rule, or an indicator that a contract criterion judges (direction increase or
    maintain), that counts no record in the project period.

A true zero (no complaints were received, no case needed a referral) is declared with
``indicators[].zero_is_valid: true``. The indicator's zero counts are then accepted, and so are
its filter values that occur nowhere in the data — but only a value that cannot be a typo:
one not close (difflib ratio below 0.6) to any value present in the column, on a column that
is not read as numbers through ``labels`` (a text value there never matches). A value that
looks like a typo of a value present (需求调查 for 需求调研) stays an error whose message says
that ``zero_is_valid`` does not cover it.

(A header that differs from a column named in project.yaml only by spaces or full-width
characters, ``"activity_type "``, is an error of the data loader, which names the option
that reads it.)

Warnings

``value_variant``
    Category values with leading/trailing spaces or full-width characters (``"走访 "``,
    ``"ＡＢＣ"``) in a filtered column. They *are* counted: filters compare text normalised
    with Unicode NFKC and trimmed (:func:`evalkit.assess.measure.canonical`); the warning says
    how many rows were read that way so the data can be cleaned.
``zero_rows``
    An indicator computation that counts no record but no criterion judges it (or that is a
    numerator: 0 % can be true).
``unused_category``
    Values of a filtered column that no indicator or cadence rule selects (a category that
    may have been left out by mistake).

Messages never quote values of personal columns, and row counts below the disclosure
threshold are written ``<k``.
``header_variant``
    A header with spaces or full-width characters that project.yaml does not name.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit.assess.measure import _mask, canonical, canonical_text
from evalkit.assess.records import TableMemo
from evalkit.errors import EvalkitError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.model.indicators import Compute
    from evalkit.project import Project

__all__ = ["IntakeCheck", "filtered_columns", "intake_checks"]

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class IntakeCheck:
    """One finding: ``level`` (error/warning), ``key``, ``where`` (YAML path or file/column),
    and the message in ``zh`` and ``en``."""

    level: Level
    key: str
    where: str
    zh: str
    en: str
    #: the disclosure threshold the message's row counts were written under (0: the message
    #: holds no row count); a report rendered under a higher threshold recomputes the check
    threshold: int = 0

    def to_dict(self) -> dict[str, str]:
        """Plain data for a report context."""
        return {"level": self.level, "key": self.key, "where": self.where, "zh": self.zh,
                "en": self.en}

    def __str__(self) -> str:
        return f"{self.where}: {self.en}"


@dataclass(frozen=True)
class _Use:
    """One filtered computation: who (YAML path), on which source, the spec, how it matters."""

    where: str
    label: str
    label_zh: str
    source: str
    spec: Compute
    decrease: bool
    judged: bool
    numerator: bool
    date: str | None
    zero_ok: bool = False


def _uses(project: Project) -> list[_Use]:
    from evalkit.model.cadence import rule_date_column
    from evalkit.model.indicators import Compute, date_column

    judged = {c.indicator for c in (project.contract.criteria if project.contract else [])}
    out: list[_Use] = []
    for k, ind in enumerate(project.indicators):
        if ind.source is None:
            continue
        for field, spec in ind.computations().items():
            out.append(_Use(f"indicators[{k}].{field}", f"indicator {ind.id}", f"指标 {ind.id}",
                            ind.source, spec,
                            ind.direction == "decrease", ind.id in judged, field == "numerator",
                            date_column(ind, project) if ind.period else None,
                            ind.zero_is_valid))
    for k, rule in enumerate(project.cadence):
        spec = Compute(filter=rule.filter, count=rule.distinct is None, distinct=rule.distinct)
        out.append(_Use(f"cadence[{k}]", f"cadence rule {rule.id}",
                        f"服务频次规则 {rule.id}", rule.source, spec, False,
                        True, False, rule_date_column(rule, project)))
    return out


def _n(count: int, threshold: int) -> str:
    """A row count for a message: below the disclosure threshold it is "<k" (reports never
    show a number from fewer records than the threshold)."""
    return f"<{threshold}" if 0 < count < threshold else str(count)


def _shown(values: list[str], n: int = 5) -> str:
    return ", ".join(values[:n]) + (" …" if len(values) > n else "")


#: how close (difflib ratio) a filter value may be to a value present before ``zero_is_valid``
#: stops covering it: it then looks like a typo
_TYPO_CUTOFF = 0.6


def _labelled(project: Project, source: str, column: str) -> bool:
    """Does the column declare ``labels`` (text answers read as numbers when loading)?"""
    src = project.data.get(source)
    col = src.columns.get(column) if src is not None else None
    return getattr(col, "labels", None) is not None


def _zero_accepted(use: _Use, text: str, have: list[str],
                   labelled: bool) -> tuple[bool, str, str]:
    """Does ``zero_is_valid`` cover the absent filter value ``text``? (accepted, why zh, en)

    Only for a value that cannot be a typo: not close to any value present in the column, and
    not a text value on a column its ``labels`` turn into numbers (it could never match)."""
    if not use.zero_ok:
        return False, "", ""
    where = use.where.split(".")[0]
    if labelled:
        return (False, f"；该列按 labels 读作数值，文字筛选值永远匹配不到，{where}.zero_is_valid "
                "不适用，请按数值筛选",
                f"; the column is read as numbers through its labels, so a text value never "
                f"matches and {where}.zero_is_valid does not cover it — filter by the number")
    typo = difflib.get_close_matches(text, have, n=1, cutoff=_TYPO_CUTOFF)
    if typo:
        return (False, f"；它与数据中的“{typo[0]}”很接近，像是笔误，{where}.zero_is_valid 不适用",
                f"; it is close to {typo[0]!r}, which is in the data, so it looks like a typo "
                f"that {where}.zero_is_valid does not cover")
    return True, "", ""


def _absent(use: _Use, df: pd.DataFrame, file: str, personal: set[str],
            project: Project | None = None,
            memo: TableMemo | None = None) -> list[IntakeCheck]:
    """Filter values of ``use`` that no row has. ``memo`` keeps each column's value counts
    (keyed by source and column) across the uses of one :func:`intake_checks` call."""
    out = []
    for col, value in use.spec.filter.items():
        if col not in df.columns:
            continue
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            continue  # numeric and true/false filters: compared as numbers
        counts = (canonical(df[col]).dropna().value_counts() if memo is None
                  else memo.counts_of(use.source, df, col))
        have = [str(v) for v in counts.index]
        labelled = project is not None and _labelled(project, use.source, col)
        for v in values:
            text = canonical_text(v)
            if text in counts.index:
                continue
            ok, why_zh, why_en = _zero_accepted(use, text, have if col not in personal else [],
                                                labelled)
            if ok:
                continue
            if col in personal:  # personal data is never quoted
                have = []
            close = difflib.get_close_matches(text, have, n=3, cutoff=0.5)
            shown = close or have[:5]
            level: Level = "warning" if use.decrease else "error"
            fix_zh, fix_en = "若是笔误请改正，否则该项计数为 0", "a typo here counts 0 — correct it"
            if use.zero_ok:
                fix_zh, fix_en = "请改正", "correct it"
            elif use.where.startswith("indicators["):
                opt = f"{use.where.split('.')[0]}.zero_is_valid: true"
                fix_zh += f"；若确实为 0（如未收到投诉），请设置 {opt}"
                fix_en += f", or if 0 is the true count set {opt}"
            out.append(IntakeCheck(
                level, "filter_value_absent", f"{use.where}.filter.{col}",
                f"{use.label_zh} 的筛选值“{text}”在 {file} 的“{col}”列中一条也没有"
                f"（{'最接近的值' if close else '该列的值'}：{'、'.join(shown) or '无'}）"
                f"{why_zh}；{fix_zh}",
                f"{use.label}: filter value {text!r} never occurs in column {col!r} of {file} "
                f"({'closest values present' if close else 'values present'}: "
                f"{_shown(shown) or 'none'}){why_en}; {fix_en}"))
    return out


def _count_in_period(use: _Use, df: pd.DataFrame, mask: np.ndarray | None,
                     project: Project, memo: TableMemo | None = None) -> int:
    """How many of the rows of ``df`` that ``mask`` keeps are dated in the project period
    (all of them when the use has no date column); only the date column is copied."""
    import numpy as np
    import pandas as pd

    if mask is not None and bool(mask.all()):
        mask = None
    if use.date is None or use.date not in df.columns:
        return len(df) if mask is None else int(np.count_nonzero(mask))
    period = project.project.period
    inside = (None if memo is None
              else memo.inside_of(use.source, df, use.date, period.start, period.end))
    if inside is not None:
        return int(np.count_nonzero(inside if mask is None else inside & mask))
    dates = df[use.date] if mask is None else df[use.date].loc[mask]
    when = pd.to_datetime(dates, errors="coerce", format="mixed")
    inside = (when >= pd.Timestamp(period.start)) & (when <= pd.Timestamp(period.end))
    return int(np.count_nonzero(inside.fillna(False).to_numpy(dtype=bool)))


def _zero(use: _Use, df: pd.DataFrame, file: str, project: Project,
          memo: TableMemo | None = None) -> list[IntakeCheck]:
    try:
        mask = (_mask(df, use.spec, use.where) if memo is None
                else memo.mask(use.source, df, use.spec, use.where))
    except EvalkitError:  # a missing or unreadable column is reported by the data checks
        return []
    if _count_in_period(use, df, mask, project, memo) or use.zero_ok:
        return []
    level: Level = ("error" if use.judged and not use.decrease and not use.numerator
                    else "warning")
    why_zh = "，合同验收或服务频次据此判定" if level == "error" else ""
    why_en = "; a contract criterion or cadence rule is judged on it" if level == "error" else ""
    return [IntakeCheck(
        level, "zero_rows", use.where,
        f"{use.label_zh} 在项目期内从 {file} 中计得 0 条记录{why_zh}；请核对筛选条件与数据",
        f"{use.label} counts 0 records of {file} in the project period{why_en}; check its "
        "filter and the data")]


def _variants(df: pd.DataFrame, file: str, columns: set[str],
              threshold: int, memo: TableMemo | None = None,
              source: str = "") -> list[IntakeCheck]:
    out = []
    for col in sorted(columns):
        if col not in df.columns:
            continue
        raw = df[col].astype("string")
        fixed = canonical(df[col]) if memo is None else memo.canonical_of(source, df, col)
        odd = (raw != fixed).fillna(False).to_numpy(dtype=bool)
        if not odd.any():
            continue
        pairs = raw[odd].value_counts()
        shown = [f"{v!r} → {canonical_text(v)!r} ({_n(int(n), threshold)})"
                 for v, n in pairs.items()]
        rows = _n(int(odd.sum()), threshold)
        one = rows == "1"  # a hidden count ("<5") is plural: it never reveals a single row
        out.append(IntakeCheck(
            "warning", "value_variant", f"{file}: {col}",
            f"{file} 的“{col}”列有 {rows} 行的值带首尾空格或全角字符，已按去空格、"
            f"半角后的值计数：{'；'.join(shown[:5])}",
            f"{rows} {'row' if one else 'rows'} of column {col!r} in {file} "
            f"{'has' if one else 'have'} leading/trailing spaces or full-width characters; "
            f"counted as trimmed half-width text: {_shown(shown)}",
            threshold))
    return out


def _headers(df: pd.DataFrame, file: str, named: set[str]) -> list[IntakeCheck]:
    """Headers with spaces or full-width characters that project.yaml does not name (a header
    that hides a named column is reported by the data loader, with the option that reads it)."""
    out = []
    for col in map(str, df.columns):
        fixed = canonical_text(col)
        if fixed == col or fixed in named:
            continue
        out.append(IntakeCheck(
            "warning", "header_variant", f"{file}: {col!r}",
            f"{file} 的表头“{col}”带首尾空格或全角字符",
            f"header {col!r} of {file} has leading/trailing spaces or full-width characters"))
    return out


def _unused(df: pd.DataFrame, project: Project, source: str, selected: dict[str, set[str]],
            threshold: int, memo: TableMemo | None = None) -> list[IntakeCheck]:
    """Values no rule selects, each by its label (``columns.<col>.values``) and row count."""
    from evalkit.model.labels import value_label

    file = project.data[source].file
    out = []
    for col, chosen in sorted(selected.items()):
        if col not in df.columns:
            continue
        counts = (canonical(df[col]).dropna().value_counts() if memo is None
                  else memo.counts_of(source, df, col))
        left = [(str(v), int(n)) for v, n in counts.items() if str(v) not in chosen]
        if not left:
            continue
        names = [value_label(project, source, col, v) for v, _ in left]
        zh = [f"{name['zh']}（{_n(n, threshold)} 行）" for name, (_, n) in zip(names, left,
                                                                             strict=True)]
        # "row" only for a printed 1: a hidden count ("<5") never reveals it was one
        en = [f"{name['en']} ({shown} row{'' if shown == '1' else 's'})"
              for name, shown in zip(names, [_n(n, threshold) for _, n in left], strict=True)]
        one = len(left) == 1
        out.append(IntakeCheck(
            "warning", "unused_category", f"{file}: {col}",
            f"{file} 的“{col}”列中有 {len(left)} 个类别未被任何指标或服务频次规则使用："
            f"{'、'.join(zh[:5])}{'……' if len(zh) > 5 else ''}",
            f"{len(left)} {'category' if one else 'categories'} of column {col!r} in {file} "
            f"{'is' if one else 'are'} not used by any indicator or cadence rule: {_shown(en)}",
            threshold))
    return out


def filtered_columns(project: Project,
                     uses: list[_Use] | None = None) -> dict[str, dict[str, set[str]]]:
    """Source -> category column -> the values its indicators and cadence rules select
    (text filters on columns that are not personal; the other values are listed by the
    ``unused_category`` check, so a report prints them). ``uses``: the project's
    filtered computations when already listed."""
    personal = project.personal_columns()
    filtered: dict[str, dict[str, set[str]]] = {}
    for use in _uses(project) if uses is None else uses:
        for col, value in use.spec.filter.items():
            values = value if isinstance(value, list) else [value]
            if col in personal or not all(isinstance(v, str) for v in values):
                continue  # numeric and true/false filters are not categories
            filtered.setdefault(use.source, {}).setdefault(col, set()).update(
                canonical_text(v) for v in values)
    return filtered


def intake_checks(project: Project, tables: Any,
                  indicators: pd.DataFrame | None = None) -> list[IntakeCheck]:
    """Every silent-miscount finding for ``project`` over ``tables`` (errors first).

    Parameters
    ----------
    project
        The project specification.
    tables
        Source name -> DataFrame (or an :class:`~evalkit.data.load.Evidence`); sources that
        are absent are skipped (their loading problems are reported elsewhere).
    indicators
        The indicator table, when evaluated: each period a ``period: each`` (or named-period)
        criterion is judged on that counts no record is a warning.

    Examples
    --------
    >>> import evalkit as ek
    >>> p = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
    >>> from evalkit.data.load import load_evidence
    >>> [c.key for c in intake_checks(p, load_evidence(p)) if c.level == "error"]
    []
    """
    data = dict(getattr(tables, "tables", tables))
    personal = project.personal_columns()
    threshold = int(project.privacy.disclosure_threshold)
    out: list[IntakeCheck] = []
    memo = TableMemo()
    uses = _uses(project)
    filtered = filtered_columns(project, uses)
    for source, df in data.items():
        if source not in project.data:
            continue
        file = project.data[source].file
        named = {c for u in uses if u.source == source for c in u.spec.columns()}
        named |= {u.date for u in uses if u.source == source and u.date}
        named |= set(project.data[source].columns)
        out.extend(_headers(df, file, named))
        out.extend(_variants(df, file, set(filtered.get(source, {})), threshold, memo, source))
    for use in uses:
        if use.source not in data:
            continue
        df = data[use.source]
        file = project.data[use.source].file
        absent = _absent(use, df, file, personal, project, memo)
        out.extend(absent)
        if not absent:
            out.extend(_zero(use, df, file, project, memo))
    if indicators is not None and project.contract is not None:
        out.extend(_empty_periods(project, indicators))
    for source, cols in filtered.items():
        if source in data:
            out.extend(_unused(data[source], project, source, cols, threshold, memo))
    return sorted(out, key=lambda c: c.level != "error")


def _empty_periods(project: Project, indicators: pd.DataFrame) -> list[IntakeCheck]:
    out: list[IntakeCheck] = []
    assert project.contract is not None
    if not {"indicator_id", "period", "n"} <= set(indicators.columns):
        return out
    rows = _whole_rows(indicators)
    for k, c in enumerate(project.contract.criteria):
        if c.period == "total":
            continue
        empty = [str(p) for p, n in _criterion_rows(indicators, rows, c.indicator, c.period)
                 if isinstance(n, int | float) and not math.isnan(n) and n == 0]
        if empty:
            out.append(IntakeCheck(
                "warning", "zero_rows", f"contract.criteria[{k}]",
                f"合同条款 {c.id} 按期判定，但指标 {c.indicator} 在 {'、'.join(empty)} "
                "没有任何记录；请核对日期与数据",
                f"criterion {c.id} is judged period by period, but indicator {c.indicator} "
                f"counts no record in {', '.join(empty)}; check the dates and the data"))
    return out


def _whole(indicators: pd.DataFrame) -> pd.DataFrame:
    """The rows of the indicator table without a disaggregation."""
    if "disaggregation" not in indicators.columns:
        return indicators
    return indicators.loc[indicators["disaggregation"].astype("string").fillna("") == ""]


def _whole_rows(indicators: pd.DataFrame) -> list[tuple[Any, Any, Any]] | None:
    """``(indicator_id, period, n)`` of :func:`_whole` as the columns iterate, or None unless
    every id and period is text (only then is Python's ``==`` the columns' ``==``)."""
    keep: Any = [True] * len(indicators)
    if "disaggregation" in indicators.columns:
        keep = (indicators["disaggregation"].astype("string").fillna("") == "").to_numpy(
            dtype=bool)
    rows = [(i, p, n) for i, p, n, whole in zip(
        indicators["indicator_id"], indicators["period"], indicators["n"], keep, strict=True)
        if whole]
    if all(isinstance(i, str) and isinstance(p, str) for i, p, _ in rows):
        return rows
    return None


def _criterion_rows(indicators: pd.DataFrame, rows: list[tuple[Any, Any, Any]] | None,
                    indicator: str, period: str) -> list[tuple[Any, Any]]:
    """``(period, n)`` of the indicator's period rows a criterion judges (``period``: each
    or one period's key), from ``rows`` or, when None, by pandas' comparisons."""
    if rows is not None:
        return [(p, n) for i, p, n in rows
                if i == indicator and p != "total" and (period == "each" or p == period)]
    whole = _whole(indicators)
    part = whole.loc[(whole["indicator_id"] == indicator) & (whole["period"] != "total")]
    if period != "each":
        part = part.loc[part["period"] == period]
    return list(zip(part["period"], part["n"], strict=True))
