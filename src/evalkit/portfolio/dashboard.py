"""The portfolio dashboard: one self-contained HTML page for a federation's renewal round.

Rendered by the same sandboxed Jinja2 environment as the reports (autoescaped), with charts
as inline SVG and a few lines of inline JavaScript for sorting and filtering the table — no
file or network is fetched when the page is opened.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.portfolio.run import Portfolio

__all__ = ["dashboard_context", "write_dashboard"]

MIN_PROJECTS = 3  # a league table or funnel needs at least this many projects
#: above this many projects a chart names only the projects a reader must find (the funnel's
#: points outside the 95% limits; no names on the league chart's axis): a thousand names do
#: not fit a page, cost minutes to lay out, and the table beside each chart names them all
NAMED_IN_CHART = 50
#: from this many projects on, the leagues and funnels are drawn in parallel processes
PARALLEL_FROM = 200


def _finite(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _league_chart(table: Any, mean: float, lang: str, title: str) -> str:
    from evalkit.plot.base import figure_svg, new_figure

    labels = {"zh": ("各项目估计（95% 区间）", "收缩后估计（95% 区间）", "组合均值", "效果"),
              "en": ("project estimate (95% CI)", "shrunken estimate (95% interval)",
                     "portfolio mean", "effect")}[lang]
    n = len(table)
    fig, ax = new_figure(6.4, max(2.2, 0.32 * n + 1.2) if n <= NAMED_IN_CHART else 9.0)
    y = list(range(n))[::-1]
    ax.errorbar(table["estimate"], [v + 0.15 for v in y],
                xerr=[table["estimate"] - table["conf_low"], table["conf_high"] - table["estimate"]],
                fmt="o", color="#9aa0a6", capsize=2, markersize=4, label=labels[0])
    ax.errorbar(table["shrunk"], [v - 0.15 for v in y],
                xerr=[table["shrunk"] - table["shrunk_low"], table["shrunk_high"] - table["shrunk"]],
                fmt="s", color="#1f77b4", capsize=2, markersize=4, label=labels[1])
    ax.axvline(mean, color="#d62728", linestyle="--", linewidth=0.9, label=labels[2])
    if n <= NAMED_IN_CHART:
        ax.set_yticks(y)
        ax.set_yticklabels([str(p) for p in table["project"]], fontsize=8)
    else:  # positions only; the league table names every project in this order
        ax.set_yticks([])
    ax.set_xlabel(labels[3] + (f"：{title}" if lang == "zh" else f": {title}"))
    ax.legend(fontsize=7, frameon=False, loc="best")
    return figure_svg(fig)


def _funnel_chart(rates: Any, p0: float, lang: str, title: str) -> str:
    import numpy as np

    from evalkit.plot.base import figure_svg, new_figure
    from evalkit.portfolio.fair import funnel_limits

    labels = {"zh": ("项目", "组合整体比例", "95% 控制限", "99.8% 控制限", "样本量（分母）", "比例（%）"),
              "en": ("project", "portfolio rate", "95% limits", "99.8% limits",
                     "volume (denominator)", "rate (%)")}[lang]
    fig, ax = new_figure(6.4, 3.6)
    n_max = float(rates["denominator"].max())
    grid = np.linspace(max(1.0, float(rates["denominator"].min()) * 0.5), n_max * 1.15, 200)
    for z, style, label in ((1.959963984540054, "--", labels[2]), (3.090232306167813, ":",
                                                                    labels[3])):
        lo, hi = funnel_limits(p0, grid, z)
        ax.plot(grid, 100 * lo, style, color="#6c757d", linewidth=0.9, label=label)
        ax.plot(grid, 100 * hi, style, color="#6c757d", linewidth=0.9)
    ax.axhline(100 * p0, color="#d62728", linewidth=0.9, label=labels[1])
    ax.plot(rates["denominator"], 100 * rates["rate"], "o", color="#1f77b4", label=labels[0])
    named = rates.to_dict("records")
    if len(named) > NAMED_IN_CHART:  # only the points outside the 95% limits
        lo, hi = funnel_limits(p0, rates["denominator"])
        named = [r for r, a, b in zip(named, lo, hi, strict=True) if not a <= r["rate"] <= b]
    for rec in named:
        ax.annotate(str(rec["project_id"]), (rec["denominator"], 100 * rec["rate"]),
                    fontsize=7, xytext=(3, 3), textcoords="offset points")
    ax.set_xlabel(labels[4])
    ax.set_ylabel(labels[5])
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    return figure_svg(fig)


def _league_entry(effects: pd.DataFrame, outcome: str, lang: str) -> dict[str, Any] | None:
    """One league of the dashboard (None: no league can be made): ``effects`` are the
    outcome's rows of :meth:`Portfolio.effects`."""
    import warnings

    from evalkit.errors import EstimationError, EvalkitWarning
    from evalkit.portfolio.run import league_of

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvalkitWarning)
        try:
            league = league_of(effects, outcome)
        except EstimationError:
            return None
    mean = float(league.attrs["mean"])
    label = str(effects[f"label_{lang}"].iloc[0])
    return {"outcome": outcome, "label": label, "mean": mean,
            "tau2": float(league.attrs["tau2"]), "rows": league.to_dict("records"),
            "warnings": [str(w.message) for w in caught],
            "chart": _league_chart(league, mean, lang, label)}


def _funnel_entry(group: pd.DataFrame, indicator: str, lang: str) -> dict[str, Any]:
    """One funnel of the dashboard: ``group`` holds the indicator's rows of the rates."""
    from evalkit.portfolio.fair import funnel_limits

    p0 = float(group["numerator"].sum() / group["denominator"].sum())
    lo95, hi95 = funnel_limits(p0, group["denominator"])
    lo998, hi998 = funnel_limits(p0, group["denominator"], 3.090232306167813)
    recs = []
    for rec, a, b, c, d in zip(group.to_dict("records"), lo95, hi95, lo998, hi998, strict=True):
        flag = ("outside_998" if not c <= rec["rate"] <= d else
                "outside_95" if not a <= rec["rate"] <= b else "inside")
        recs.append({**rec, "flag": flag})
    name = str(group[f"name_{lang}"].iloc[0])
    return {"indicator": indicator, "name": name, "p0": p0, "rows": recs,
            "chart": _funnel_chart(group, p0, lang, name)}


def _call(task: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    function, args = task
    return function(*args)


def _run_all(tasks: list[tuple[Callable[..., Any], tuple[Any, ...]]], projects: int) -> list[Any]:
    """``function(*args)`` of every task, in order.

    A large round's leagues and funnels (table and chart each: about 0.35 s for 1,000
    projects) are made in forked processes, one per core, when forking is safe
    (:func:`~evalkit.portfolio._worker.start_method`); they are deterministic, so the page is
    the same. Should anything go wrong there, they are made here, as for a small round.
    """
    from evalkit.portfolio._worker import start_method

    workers = min(len(tasks), os.cpu_count() or 1)
    if projects >= PARALLEL_FROM and workers > 1 and start_method() == "fork":
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        import matplotlib.backends.backend_svg  # noqa: F401  (imported once, before the fork)

        from evalkit.plot.base import new_figure

        new_figure()  # matplotlib configured (fonts looked up) once, before the fork
        try:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                return list(pool.map(_call, tasks))
        except Exception:  # the same work, done below, raises what went wrong
            pass
    return [_call(task) for task in tasks]


def dashboard_context(portfolio: Portfolio, lang: str, out_dir: Path) -> dict[str, Any]:
    """Plain values the dashboard template shows."""
    from evalkit._mpl3d import matplotlib_without_3d

    matplotlib_without_3d()  # the charts below are 2-D
    table = portfolio.table
    rows = []
    here = out_dir.resolve()
    for rec in table.to_dict("records") if len(table) else []:
        report = rec.get("report")
        link = None
        if report:
            link = Path(os.path.relpath(Path(report).resolve(), here)).as_posix()
        rows.append({**rec, "link": link,
                     "name": rec.get(f"name_{lang}"), "provider": rec.get(f"provider_{lang}"),
                     "purchaser": rec.get(f"purchaser_{lang}"),
                     "outcome_label": rec.get(f"outcome_{lang}"),
                     "grade_label": rec.get("grade_en" if lang == "en" else "grade")})
    tasks: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
    effects = portfolio.effects()
    if len(effects):
        for outcome, group in effects.groupby("outcome", sort=True):
            if len(group) >= MIN_PROJECTS:
                tasks.append((_league_entry, (portfolio.effects(str(outcome)), str(outcome),
                                              lang)))
    n_leagues = len(tasks)
    rates = portfolio.rates
    if len(rates):
        for indicator, group in rates.groupby("indicator_id", sort=True):
            if len(group) >= MIN_PROJECTS:
                tasks.append((_funnel_entry, (group, str(indicator), lang)))
    entries = _run_all(tasks, len(portfolio.runs))
    leagues = [e for e in entries[:n_leagues] if e is not None]
    funnels = entries[n_leagues:]
    verdicts: dict[str, int] = {}
    renewals: dict[str, int] = {}
    for r in rows:
        verdicts[str(r.get("verdict"))] = verdicts.get(str(r.get("verdict")), 0) + 1
        renewals[str(r.get("renewal"))] = renewals.get(str(r.get("renewal")), 0) + 1
    amount = sum(_finite(r.get("amount")) or 0.0 for r in rows)
    return {
        "rows": rows, "leagues": leagues, "funnels": funnels,
        "failures": portfolio.failures.to_dict("records"),
        "n_projects": len(portfolio.runs), "n_ok": len(rows),
        "amount": amount, "verdicts": verdicts, "renewals": renewals,
    }


def write_dashboard(portfolio: Portfolio, path: Path, *, lang: str = "zh") -> Path:
    """Write the portfolio (atomically): ``.html`` the interactive dashboard, ``.pdf`` the same
    page laid out for print (A4 landscape, no controls), ``.docx`` a Word summary for the
    decision meeting (overview, the projects table, league tables, funnel readings, failures).
    """
    from evalkit._atomic import atomic_path, atomic_write
    from evalkit._checks import check_lang
    from evalkit.errors import RenderError
    from evalkit.report.environment import make_environment

    check_lang(lang)
    suffix = path.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf", ".docx"):
        raise RenderError(f"{path}: the portfolio is written as .html, .pdf or .docx",
                          hint="give a file name ending in .html, .pdf or .docx")
    env = make_environment(lang, kind="html")
    context = dashboard_context(portfolio, lang, path.parent)
    if suffix == ".docx":
        return _write_docx(context, path, lang, env)
    html = env.get_template("portfolio.html.j2").render(**context, print_layout=suffix == ".pdf")
    if suffix != ".pdf":
        return atomic_write(path, html)
    from evalkit.report.pdf import cjk_font_available, html_to_pdf

    if lang == "zh" and not cjk_font_available():
        from evalkit.report.pdf import FONT_HINT

        raise RenderError("a Chinese PDF needs a CJK font", hint=FONT_HINT)
    with atomic_path(path) as tmp:
        html_to_pdf(html, tmp)
    return path


def _write_docx(context: dict[str, Any], path: Path, lang: str, env: Any) -> Path:
    """A Word summary: the same figures as the dashboard, as headed tables."""
    from evalkit._atomic import atomic_path
    from evalkit.errors import RenderError
    from evalkit.report.environment import fmt_num, fmt_pct, label_functions

    try:
        from docx import Document
        from docx.oxml.ns import qn
    except ImportError as exc:
        raise RenderError("Word output needs python-docx",
                          hint='pip install "evalkit[docx]"') from exc
    t, _label = label_functions(env)
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "SimSun"
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")

    from docx.enum.section import WD_ORIENT

    section = doc.sections[0]  # landscape: the projects table is wide
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width

    def grid(header: list[str] | None, rows: list[list[str]]) -> None:
        top = 0 if header is None else 1
        table = doc.add_table(rows=len(rows) + top, cols=len(header or rows[0]))
        table.style = "Table Grid"
        for j, text in enumerate(header or []):
            table.cell(0, j).text = text
        for i, row in enumerate(rows, start=top):
            for j, text in enumerate(row):
                table.cell(i, j).text = text

    def verdict(key: Any) -> str:
        return t(f"verdict.{key}", default=str(key or "—"))

    def renewal(key: Any) -> str:
        return t(f"recommendation.{key}", default=str(key or "—"))

    doc.add_heading(t("portfolio.title"), level=0)
    doc.add_paragraph(t("portfolio.subtitle", n=context["n_projects"], ok=context["n_ok"]))
    doc.add_heading(t("portfolio.overview"), level=1)
    overview = [[t("portfolio.projects"), f"{context['n_ok']} / {context['n_projects']}"],
                [t("portfolio.amount"), f"{fmt_num(context['amount'], 0)} {t('meta.currency')}"]]
    overview += [[verdict(k), str(v)] for k, v in sorted(context["verdicts"].items())]
    overview += [[renewal(k), str(v)] for k, v in sorted(context["renewals"].items())]
    grid(None, overview)
    doc.add_heading(t("portfolio.table"), level=1)
    header = [t(f"portfolio.col.{c}") for c in
              ("project", "provider", "amount", "verdict", "score", "renewal", "effect",
               "evidence", "cost_participant")]
    rows = []
    for r in context["rows"]:
        effect = ("—" if r.get("estimate") is None else
                  f"{fmt_num(r['estimate'], 2)} [{fmt_num(r['conf_low'], 2)}, "
                  f"{fmt_num(r['conf_high'], 2)}] {r.get('outcome_label') or ''}")
        score = fmt_num(r.get("score"), 1) + (f" · {r['grade_label']}" if r.get("grade_label")
                                              else "")
        rows.append([str(r.get("name") or r.get("project_id")), str(r.get("provider") or ""),
                     fmt_num(r.get("amount"), 0), verdict(r.get("verdict")), score,
                     renewal(r.get("renewal")), effect,
                     str(r.get("evidence_level") if r.get("evidence_level") is not None
                         else "—"),
                     fmt_num(r.get("cost_per_participant"), 0)])
    grid(header, rows)
    doc.add_paragraph(t("portfolio.table_note"))
    if context["leagues"]:
        doc.add_heading(t("portfolio.league"), level=1)
        doc.add_paragraph(t("portfolio.league_note"))
        for lg in context["leagues"]:
            doc.add_heading(lg["label"], level=2)
            for w in lg["warnings"]:
                doc.add_paragraph(f"⚠ {w}")
            grid([t(f"portfolio.col.{c}") for c in ("project", "estimate", "shrunk", "rank",
                                                    "versus")],
                 [[str(r["project"]),
                   f"{fmt_num(r['estimate'], 2)} [{fmt_num(r['conf_low'], 2)}, "
                   f"{fmt_num(r['conf_high'], 2)}]",
                   f"{fmt_num(r['shrunk'], 2)} [{fmt_num(r['shrunk_low'], 2)}, "
                   f"{fmt_num(r['shrunk_high'], 2)}]",
                   f"{r['rank_low']}–{r['rank_high']}",
                   t(f"portfolio.versus.{r['versus_mean']}")] for r in lg["rows"]])
            doc.add_paragraph(t("portfolio.league_mean", mean=fmt_num(lg["mean"], 2),
                                tau=fmt_num(lg["tau2"] ** 0.5, 2)))
    if context["funnels"]:
        doc.add_heading(t("portfolio.funnel"), level=1)
        doc.add_paragraph(t("portfolio.funnel_note"))
        for f in context["funnels"]:
            doc.add_heading(f["name"], level=2)
            grid([t(f"portfolio.col.{c}") for c in ("project", "rate", "volume", "flag")],
                 [[str(r["project_id"]), fmt_pct(r["rate"], 1), fmt_num(r["denominator"], 0),
                   t(f"portfolio.flag.{r['flag']}")] for r in f["rows"]])
    if context["failures"]:
        doc.add_heading(t("portfolio.failures"), level=1)
        for f in context["failures"]:
            doc.add_paragraph(f"{f['path']}: {f['error']}")
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path
