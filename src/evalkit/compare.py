"""Several results side by side: the table an evaluator pastes into a report.

>>> import evalkit as ek
>>> table = ek.compare([r_prepost, r_did], names=["pre/post", "DiD"])   # doctest: +SKIP
>>> table.to_excel("effects.xlsx"); table.to_docx("effects.docx")         # doctest: +SKIP

The layout follows pyfixest's ``etable`` and linearmodels' ``compare``: one column per result,
a block of rows per term (the estimate, then its standard error in parentheses or its
confidence interval in brackets), then the facts a reader needs to weigh them: n, design,
evidence rating (Maryland Scientific Methods Scale), standard-error convention and method.
Unlike those tables it prints no significance stars: the interval says more, and stars invite
reading p < 0.05 as "it worked".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import check_lang
from evalkit.errors import EstimationError, RenderError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.estimate.results import EffectResult

__all__ = ["Comparison", "compare"]

Stat = Literal["se", "ci"]
Terms = Literal["headline", "all"]

_ROW_LABELS = {
    "en": {"n": "n used", "design": "design", "evidence": "evidence rating (SMS 1–5)",
           "se": "standard errors", "method": "method", "outcome": "outcome"},
    "zh": {"n": "样本量", "design": "研究设计", "evidence": "证据等级（马里兰量表 1–5）",
           "se": "标准误", "method": "方法", "outcome": "结果变量"},
}
_SE_LABELS = {
    "en": {"classical": "classical", "robust": "robust (HC1)", "HC1": "robust (HC1)",
           "CR1": "clustered (CR1)", "cluster": "clustered (CR1)", "influence": "influence function",
           "paired": "paired differences", "bootstrap": "bootstrap", "wild": "wild cluster bootstrap"},
    "zh": {"classical": "经典", "robust": "稳健（HC1）", "HC1": "稳健（HC1）",
           "CR1": "聚类稳健（CR1）", "cluster": "聚类稳健（CR1）", "influence": "影响函数",
           "paired": "配对差值", "bootstrap": "自助法", "wild": "野聚类自助法"},
}


def _se_convention(result: EffectResult) -> str:
    """Short key of the result's standard-error convention."""
    vcov_type = result.extra.get("vcov_type")
    if vcov_type:
        return str(vcov_type)
    inference = result.spec.get("inference")
    if inference == "wild":
        return "wild"
    se = result.spec.get("se")
    if isinstance(se, str) and se != "auto":
        return se
    if result.design == "staggered_did":
        return "influence"
    if result.design in ("pre_post", "post_only"):
        return "paired"
    return str(se or "")


@dataclass(frozen=True)
class Comparison:
    """Side-by-side table of several results (from :func:`compare`).

    ``to_frame()`` gives the formatted table (strings, one column per result);
    ``to_frame(formatted=False)`` the numbers in long form. The writers produce the same table
    as Excel, Word, LaTeX or Markdown.
    """

    results: tuple[EffectResult, ...]
    names: tuple[str, ...]
    stat: Stat = "se"
    terms: Terms = "headline"
    digits: int = 3
    lang: str = "en"

    # -- tables -----------------------------------------------------------------------------
    def to_frame(self, formatted: bool = True) -> pd.DataFrame:
        """The table: formatted strings (default) or numbers in long form."""
        import pandas as pd

        records = []
        for name, result in zip(self.names, self.results, strict=True):
            frame = result.to_frame()
            if self.terms == "headline":
                frame = frame[frame["term"].astype(str) == result.term]
            for rec in frame.to_dict("records"):
                records.append({
                    "model": name, "term": str(rec["term"]), "estimate": rec["estimate"],
                    "std_error": rec["std_error"], "conf_low": rec["conf_low"],
                    "conf_high": rec["conf_high"], "p_value": rec["p_value"], "n": result.n,
                    "design": result.design, "evidence_level": result.evidence_level,
                    "se_convention": _se_convention(result), "method": result.method,
                    "outcome": result.outcome,
                })
        long = pd.DataFrame.from_records(records)
        if not formatted:
            return long
        return self._wide(long)

    def _fmt(self, value: Any) -> str:
        try:
            v = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(v):
            return ""
        return f"{v:,.{self.digits}f}"

    def _wide(self, long: pd.DataFrame) -> pd.DataFrame:
        import pandas as pd

        from evalkit.estimate.evidence import DESIGN_LABELS

        labels = _ROW_LABELS[self.lang]
        # terms in order of first appearance; the headline of each result under its own term
        order: list[str] = []
        for term in long["term"]:
            if term not in order:
                order.append(term)
        rows: dict[str, dict[str, str]] = {}
        for term in order:
            est_row: dict[str, str] = {}
            unc_row: dict[str, str] = {}
            for rec in long[long["term"] == term].to_dict("records"):
                est_row[rec["model"]] = self._fmt(rec["estimate"])
                if self.stat == "se":
                    unc_row[rec["model"]] = f"({self._fmt(rec['std_error'])})"
                else:
                    unc_row[rec["model"]] = (f"[{self._fmt(rec['conf_low'])}, "
                                             f"{self._fmt(rec['conf_high'])}]")
            rows[term] = est_row
            rows[f"{term} " + ("(SE)" if self.stat == "se" else "(CI)")] = unc_row
        first = long.drop_duplicates("model").set_index("model")
        designs = DESIGN_LABELS.get(self.lang, DESIGN_LABELS["en"])
        se_names = _SE_LABELS[self.lang]
        rows[labels["outcome"]] = {m: str(first.loc[m, "outcome"]) for m in self.names}
        rows[labels["n"]] = {m: f"{int(first.loc[m, 'n']):,}" for m in self.names}
        rows[labels["design"]] = {m: str(designs.get(first.loc[m, "design"], first.loc[m, "design"]))
                                  for m in self.names}
        rows[labels["evidence"]] = {m: str(int(first.loc[m, "evidence_level"]))
                                    for m in self.names}
        rows[labels["se"]] = {m: se_names.get(str(first.loc[m, "se_convention"]),
                                              str(first.loc[m, "se_convention"]))
                              for m in self.names}
        rows[labels["method"]] = {m: str(first.loc[m, "method"]) for m in self.names}
        wide = pd.DataFrame.from_dict(rows, orient="index", columns=list(self.names)).fillna("")
        wide.index.name = ""
        return wide

    # -- writers ----------------------------------------------------------------------------
    def to_markdown(self) -> str:
        """GitHub-flavoured Markdown table (pipes in cells escaped)."""
        wide = self.to_frame()

        def esc(text: object) -> str:
            return str(text).replace("|", r"\|")

        header = "| " + " | ".join(["", *map(esc, wide.columns)]) + " |"
        rule = "|" + "---|" * (len(wide.columns) + 1)
        body = ["| " + " | ".join([esc(idx), *map(esc, row)]) + " |"
                for idx, row in zip(wide.index, wide.itertuples(index=False), strict=True)]
        return "\n".join([header, rule, *body]) + "\n"

    def to_latex(self) -> str:
        """A ``tabular`` (booktabs rules) with LaTeX special characters escaped."""
        wide = self.to_frame()

        def esc(text: object) -> str:
            out = str(text)
            for char, repl in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"),
                               ("$", r"\$"), ("#", r"\#"), ("_", r"\_"), ("{", r"\{"),
                               ("}", r"\}"), ("~", r"\textasciitilde{}"),
                               ("^", r"\textasciicircum{}")):
                out = out.replace(char, repl) if char != "\\" else out.replace(char, "\0")
            return out.replace("\0", r"\textbackslash{}")

        cols = "l" + "c" * len(wide.columns)
        lines = [rf"\begin{{tabular}}{{{cols}}}", r"\toprule",
                 " & ".join(["", *map(esc, wide.columns)]) + r" \\", r"\midrule"]
        for idx, row in zip(wide.index, wide.itertuples(index=False), strict=True):
            lines.append(" & ".join([esc(idx), *map(esc, row)]) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines) + "\n"

    def to_excel(self, path: str | Path) -> Path:
        """Write the table to an .xlsx sheet (atomically); returns the path."""
        from openpyxl import Workbook

        from evalkit._atomic import atomic_path

        target = Path(path)
        wide = self.to_frame()
        book = Workbook()
        sheet = book.active
        sheet.title = "comparison"
        sheet.append(["", *wide.columns])
        for idx, row in zip(wide.index, wide.itertuples(index=False), strict=True):
            sheet.append([_cell(idx), *(_cell(v) for v in row)])
        sheet.column_dimensions["A"].width = 28
        with atomic_path(target) as tmp:
            book.save(tmp)
        return target

    def to_docx(self, path: str | Path) -> Path:
        """Write the table to a Word document (atomically); needs ``evalkit[docx]``."""
        try:
            from docx import Document
        except ImportError as exc:
            raise RenderError("Word output needs python-docx",
                              hint='pip install "evalkit[docx]"') from exc
        from evalkit._atomic import atomic_path

        target = Path(path)
        wide = self.to_frame()
        doc = Document()
        table = doc.add_table(rows=len(wide) + 1, cols=len(wide.columns) + 1)
        table.style = "Table Grid"
        for j, col in enumerate(["", *wide.columns]):
            table.cell(0, j).text = str(col)
        for i, (idx, row) in enumerate(zip(wide.index, wide.itertuples(index=False),
                                           strict=True), start=1):
            for j, value in enumerate([idx, *row]):
                table.cell(i, j).text = str(value)
        with atomic_path(target) as tmp:
            doc.save(str(tmp))
        return target

    def __str__(self) -> str:
        return str(self.to_frame().to_string())

    def _repr_html_(self) -> str:
        import html

        wide = self.to_frame()
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in ["", *wide.columns])
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in [idx, *row]) + "</tr>"
            for idx, row in zip(wide.index, wide.itertuples(index=False), strict=True))
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    """Spreadsheet-safe text: a cell starting with = + - @ is never a live formula."""
    text = str(value)
    if text[:1] in ("=", "+", "@") or (text[:1] == "-" and not _is_number(text)):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def compare(
    results: Sequence[EffectResult],
    names: Sequence[str] | None = None,
    *,
    stat: Stat = "se",
    terms: Terms = "headline",
    digits: int = 3,
    lang: str = "en",
) -> Comparison:
    """Put several results side by side (as pyfixest ``etable`` / linearmodels ``compare``).

    Parameters
    ----------
    results
        Results of evalkit estimators (:class:`~evalkit.EffectResult`), in column order.
    names
        Column headings; default ``(1)``, ``(2)``, …
    stat
        Under each estimate: ``"se"`` its standard error in parentheses, or ``"ci"`` its
        confidence interval in brackets (at each result's own level).
    terms
        ``"headline"`` (each result's headline effect) or ``"all"`` (every term).
    digits
        Decimals printed.
    lang
        ``"en"`` or ``"zh"`` row labels.

    Returns
    -------
    Comparison
        ``.to_frame()``, ``.to_excel(path)``, ``.to_docx(path)``, ``.to_latex()``,
        ``.to_markdown()``.

    Notes
    -----
    R equivalent: ``modelsummary::modelsummary(list(...))`` or ``fixest::etable(...)``; Stata:
    ``esttab``. No stars are printed.

    Examples
    --------
    >>> ek.compare([r1, r2], names=["pre/post", "DiD"], stat="ci").to_markdown()  # doctest: +SKIP
    """
    from evalkit.estimate.results import EffectResult

    items = tuple(results) if not isinstance(results, EffectResult) else (results,)
    if not items:
        raise EstimationError("compare: no results given", hint="pass a list of results")
    for i, r in enumerate(items):
        if not isinstance(r, EffectResult):
            raise EstimationError(f"compare: results[{i}] is a {type(r).__name__}, not a result "
                                  "of an evalkit estimator",
                                  hint="pass results of ek.prepost, ek.did, ek.twfe, …")
    labels = tuple(f"({i + 1})" for i in range(len(items))) if names is None else tuple(
        str(n) for n in names)
    if len(labels) != len(items):
        raise EstimationError(f"compare: {len(labels)} names for {len(items)} results",
                              hint="give one name per result")
    if len(set(labels)) != len(labels):
        raise EstimationError(f"compare: names repeat ({', '.join(labels)})",
                              hint="give each result its own name")
    check_lang(lang, where="compare")
    for arg, value, allowed in (("stat", stat, ("se", "ci")), ("terms", terms, ("headline", "all"))):
        if value not in allowed:
            raise EstimationError(f"compare: {arg}: expected one of {', '.join(allowed)}, "
                                  f"got {value!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 12:
        raise EstimationError(f"compare: digits: expected a whole number 0–12, got {digits!r}")
    return Comparison(items, labels, stat, terms, digits, lang)
