"""Evaluate many projects at once: one row per project, failures listed, never fatal.

Each project is evaluated in isolation — in its own worker process, or on a Dask cluster —
and reduced to plain values (a row of the portfolio table, its effects, the rates a funnel
plot needs), so nothing large travels between processes. One broken project is recorded with
its error message; the others complete.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_lang
from evalkit.errors import EvalkitError, SpecError
from evalkit.portfolio._effects import numbers_of, packed
from evalkit.portfolio._worker import settled, start_method, worker_start

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.estimate.results import EffectResult
    from evalkit.evaluation import Evaluation

__all__ = ["Portfolio", "ProjectRun", "discover", "evaluate_many", "summarise"]

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class ProjectRun:
    """What one project's evaluation leaves for the portfolio (plain, picklable values).

    A pickled run (from a worker process or a Dask worker) has its :attr:`effects` packed:
    what the portfolio reads of them travels as plain values, the results themselves are
    unpickled when one is first asked for (see :mod:`evalkit.portfolio._effects`).
    """

    path: str
    row: dict[str, Any]
    effects: Mapping[str, EffectResult] = field(default_factory=dict)
    rates: list[dict[str, Any]] = field(default_factory=list)
    reports: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    error: str | None = None
    error_type: str | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["effects"] = packed(self.effects)
        return (_project_run, (values,))


def _project_run(values: dict[str, Any]) -> ProjectRun:
    return ProjectRun(**values)


def discover(paths_or_folder: str | Path | Iterable[str | Path]) -> list[Path]:
    """The project.yaml files to evaluate.

    A folder holding a project.yaml is one project; any other folder contributes every
    sub-folder (one level down) that holds a project.yaml, in name order; a file is taken as
    a project file. Duplicates are removed, order kept.
    """
    items = [paths_or_folder] if isinstance(paths_or_folder, (str, Path)) else list(
        paths_or_folder)
    found: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_file():
            found.append(path)
        elif (path / "project.yaml").is_file():
            found.append(path / "project.yaml")
        elif path.is_dir():
            subs = sorted(p / "project.yaml" for p in path.iterdir()
                          if (p / "project.yaml").is_file())
            if not subs:
                raise SpecError(f"{path}: no project.yaml in this folder or its sub-folders",
                                hint="give folders that each hold a project's project.yaml")
            found.extend(subs)
        else:
            raise SpecError(f"{path}: not found",
                            hint="give project folders, project.yaml files or a folder of "
                                 "project folders")
    seen: set[Path] = set()
    unique = []
    for p in found:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    if not unique:
        raise SpecError("portfolio: no projects given", hint="give at least one project folder")
    return unique


def _float(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _text(obj: Any, lang: str) -> str | None:
    if obj is None:
        return None
    return str(getattr(obj, lang, obj))


def outcome_labels(evaluation: Evaluation) -> dict[str, dict[str, str]]:
    """Readable zh/en name of every effect (``<id>_vs_comparison`` named as such)."""
    names = {o.id: {"zh": str(o.name.zh), "en": str(o.name.en), "better": o.better}
             for o in getattr(evaluation.project, "outcomes", []) or []}
    out: dict[str, dict[str, str]] = {}
    for key in evaluation.effects:
        if key in names:
            out[key] = names[key]
        elif key.endswith("_vs_comparison") and key[: -len("_vs_comparison")] in names:
            base = names[key[: -len("_vs_comparison")]]
            out[key] = {"zh": f"{base['zh']}（与对照组比较）",
                        "en": f"{base['en']} (against the comparison group)",
                        "better": base["better"]}
        else:
            out[key] = {"zh": key, "en": key, "better": "higher"}
    return out


def disclosable_effects(evaluation: Evaluation) -> dict[str, EffectResult]:
    """The effects a portfolio may show: those from at least the disclosure threshold."""
    privacy = getattr(evaluation.project, "privacy", None)
    threshold = int(getattr(privacy, "disclosure_threshold", 5) or 0)
    return {k: r for k, r in evaluation.effects.items() if int(r.n) >= threshold}


def summarise(evaluation: Evaluation) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One portfolio row and the funnel rates of an evaluation (plain values).

    Effects and rates computed from fewer people than the project's disclosure threshold
    are left out, as in the project's own report.
    """
    project = evaluation.project
    privacy = getattr(project, "privacy", None)
    threshold = int(getattr(privacy, "disclosure_threshold", 5) or 0)
    effects = disclosable_effects(evaluation)
    info = project.project
    contract = getattr(project, "contract", None)
    value = evaluation.value
    row: dict[str, Any] = {
        "project_id": info.id,
        "name_zh": _text(info.name, "zh"), "name_en": _text(info.name, "en"),
        "purchaser_zh": _text(info.purchaser, "zh"), "purchaser_en": _text(info.purchaser, "en"),
        "provider_zh": _text(info.provider, "zh"), "provider_en": _text(info.provider, "en"),
        "amount": _float(getattr(contract, "amount", None)),
        "currency": info.currency,
        "start": info.period.start.isoformat(), "end": info.period.end.isoformat(),
        "verdict": getattr(evaluation.acceptance, "verdict", None),
        "score": _float(getattr(evaluation.scorecard, "total", None)),
        "grade": getattr(evaluation.scorecard, "grade", None),
        "grade_en": getattr(evaluation.scorecard, "grade_en", None),
        "renewal": getattr(evaluation.renewal, "recommendation", None),
        "participants": _float(getattr(value, "participants", None)),
        "cost_per_participant": _float(getattr(value, "cost_per_participant", None)),
    }
    # headline effect: the first outcome the project declares that has an estimate
    order = [o.id for o in getattr(project, "outcomes", []) or []] + list(effects)
    headline = next((k for k in order if k in effects), None)
    row["outcome"] = headline
    labels = outcome_labels(evaluation)
    row["outcome_zh"] = labels[headline]["zh"] if headline else None
    row["outcome_en"] = labels[headline]["en"] if headline else None
    effect = effects.get(headline) if headline else None
    row["estimate"] = _float(effect.estimate) if effect else None
    row["std_error"] = _float(effect.se) if effect else None
    row["conf_low"] = _float(effect.ci[0]) if effect else None
    row["conf_high"] = _float(effect.ci[1]) if effect else None
    row["n"] = int(effect.n) if effect else None
    row["design"] = effect.design if effect else None
    row["evidence_level"] = int(effect.evidence_level) if effect else None
    row["cost_per_net_outcome"] = _cost_per_net_outcome(getattr(value, "cost_per_outcome", None),
                                                         headline)
    flags = [str(f) for f in (getattr(value, "flags", ()) or ())]
    row["flags"] = "; ".join(flags)
    return row, _rates(evaluation.indicators, info.id, threshold)


def _cost_per_net_outcome(per_outcome: pd.DataFrame | None, headline: str | None) -> float | None:
    """The value-for-money table's cost per unit of the headline outcome (its first row)."""
    import numpy as np

    if per_outcome is None or headline is None or not len(per_outcome):
        return None
    hits = np.flatnonzero(per_outcome["outcome_id"].to_numpy() == headline)
    return _float(per_outcome["cost_per_unit"].to_numpy()[hits[0]]) if len(hits) else None


#: the indicator-table columns a funnel rate is made of
_RATE_COLUMNS = ("indicator_id", "name_zh", "name_en", "numerator", "denominator", "target")


def _rates(table: pd.DataFrame, project_id: str, threshold: int) -> list[dict[str, Any]]:
    """Funnel rates: whole-period, undivided percentage indicators from at least
    ``threshold`` people (denominator).

    Read column by column (numpy) rather than as records of all the table's ~30 columns;
    ``tolist`` gives the same Python values as ``DataFrame.to_dict("records")``.
    """
    import numpy as np
    import pandas as pd

    if not len(table):
        return []
    disaggregation = table["disaggregation"].to_numpy()
    keep = np.flatnonzero((table["measure"].to_numpy() == "percentage")
                          & (table["period"].to_numpy() == "total")
                          & ((disaggregation == "") | pd.isna(disaggregation)))
    columns = {c: table[c].to_numpy()[keep].tolist() for c in _RATE_COLUMNS}
    rates = []
    for i in range(len(keep)):
        num, den = _float(columns["numerator"][i]), _float(columns["denominator"][i])
        if num is not None and den and den >= threshold:
            rates.append({"project_id": project_id, "indicator_id": str(columns["indicator_id"][i]),
                          "name_zh": columns["name_zh"][i], "name_en": columns["name_en"][i],
                          "numerator": num, "denominator": den, "rate": num / den,
                          "target": _float(columns["target"][i])})
    return rates


def _run_one(path: str, report_dir: str | None, formats: tuple[str, ...],
             langs: tuple[str, ...]) -> ProjectRun:
    """Evaluate one project (in a worker); an error becomes part of the result."""
    try:
        return _evaluate_one(path, report_dir, formats, langs)
    finally:
        settled()


def _evaluate_one(path: str, report_dir: str | None, formats: tuple[str, ...],
                  langs: tuple[str, ...]) -> ProjectRun:
    import warnings

    from evalkit.evaluation import evaluate
    from evalkit.project import load_project

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            evaluation = evaluate(load_project(path))
            row, rates = summarise(evaluation)
            reports: dict[str, str] = {}
            if report_dir is not None:
                folder = Path(report_dir) / str(row["project_id"])
                for lang in langs:
                    for fmt in formats:
                        out = folder / f"report.{lang}.{fmt}"
                        evaluation.render(out, lang=lang)
                        reports[f"{lang}.{fmt}"] = str(out)
        return ProjectRun(path=path, row=row, effects=disclosable_effects(evaluation), rates=rates,
                          reports=reports, labels=outcome_labels(evaluation))
    except EvalkitError as exc:
        return ProjectRun(path=path, row={}, error=str(exc), error_type=type(exc).__name__)
    except Exception as exc:  # one project's defect must not stop the round
        return ProjectRun(path=path, row={}, error=f"unexpected error: {exc!r}",
                          error_type=type(exc).__name__)


@dataclass(frozen=True)
class Portfolio:
    """Many evaluated projects (from :func:`evaluate_many`)."""

    runs: tuple[ProjectRun, ...]

    @property
    def table(self) -> pd.DataFrame:
        """One row per evaluated project (failed projects are in :attr:`failures`)."""
        import pandas as pd

        rows = []
        for run in self.runs:
            if run.error is None:
                rows.append({**run.row, "path": run.path,
                             "report": run.reports.get("zh.html") or next(
                                 iter(run.reports.values()), None)})
        return pd.DataFrame.from_records(rows)

    @property
    def failures(self) -> pd.DataFrame:
        """Projects that could not be evaluated: path, error type and the message."""
        import pandas as pd

        return pd.DataFrame.from_records(
            [{"path": r.path, "error_type": r.error_type, "error": r.error}
             for r in self.runs if r.error is not None],
            columns=["path", "error_type", "error"])

    @property
    def rates(self) -> pd.DataFrame:
        """Percentage indicators of every project (numerator, denominator, rate)."""
        import pandas as pd

        return pd.DataFrame.from_records([r for run in self.runs for r in run.rates])

    def effects(self, outcome: str | None = None) -> pd.DataFrame:
        """Every project's effects in long form (or one outcome's)."""
        import pandas as pd

        rows = []
        for run in self.runs:
            for key, numbers in numbers_of(run.effects).items():
                if outcome is not None and key != outcome:
                    continue
                names = run.labels.get(key, {})
                rows.append({"project_id": run.row.get("project_id"), "outcome": key,
                             "label_zh": names.get("zh", key), "label_en": names.get("en", key),
                             "better": names.get("better", "higher"), **numbers})
        return pd.DataFrame.from_records(rows)

    def league(self, outcome: str, *, higher_is_better: bool | None = None,
               method: str = "pm") -> pd.DataFrame:
        """League table of one outcome across projects, with shrinkage and rank intervals.

        ``higher_is_better`` defaults to the outcome's ``better:`` in project.yaml (fewer
        disputes is better: ``better: lower``). See :func:`evalkit.portfolio.league_table`.

        Warns (:class:`~evalkit.errors.EvalkitWarning`) when the projects measured the outcome
        differently (different designs or methods), because their effects are then not on one
        footing.
        """
        return league_of(self.effects(outcome), outcome, higher_is_better=higher_is_better,
                         method=method, stacklevel=3)

    def render(self, path: str | Path, *, lang: str = "zh") -> Path:
        """Write the portfolio dashboard (self-contained HTML)."""
        from evalkit.portfolio.dashboard import write_dashboard

        return write_dashboard(self, Path(path), lang=lang)


def league_of(effects: pd.DataFrame, outcome: str, *, higher_is_better: bool | None = None,
              method: str = "pm", stacklevel: int = 2) -> pd.DataFrame:
    """:meth:`Portfolio.league` of ``effects``, the outcome's rows of :meth:`Portfolio.effects`
    (so the dashboard can draw each league in a process of its own)."""
    import warnings

    from evalkit.errors import EstimationError, EvalkitWarning
    from evalkit.portfolio.fair import league_table

    eff = effects
    eff = eff[eff["std_error"].map(lambda s: s == s and s > 0)] if len(eff) else eff
    if len(eff) < 3:
        raise EstimationError(
            f"league: outcome {outcome!r} has an estimate in {len(eff)} project(s); a "
            "comparison needs at least 3", hint="choose an outcome most projects measured")
    mixed = [c for c in ("design", "method", "better") if eff[c].nunique() > 1]
    if mixed:
        warnings.warn(
            f"league: projects measured {outcome!r} with different {' and '.join(mixed)} "
            f"({', '.join(sorted(set(eff['method'])))}); their effects are not on one "
            "footing", EvalkitWarning, stacklevel=stacklevel)
    if higher_is_better is None:
        higher_is_better = bool((eff["better"] == "higher").all())
    table = league_table(eff["project_id"], eff["estimate"], eff["std_error"],
                         higher_is_better=higher_is_better, method=method)  # type: ignore[arg-type]
    return table


def evaluate_many(
    paths_or_folder: str | Path | Sequence[str | Path],
    *,
    workers: int | None = None,
    client: Any = None,
    report_dir: str | Path | None = None,
    formats: Sequence[str] = ("html",),
    langs: Sequence[str] = ("zh",),
    progress: Progress | None = None,
) -> Portfolio:
    """Evaluate many projects; one broken project never stops the run.

    Parameters
    ----------
    paths_or_folder
        Project folders, project.yaml files, or a folder of project folders.
    workers
        Worker processes (default: the number of cores; 1 runs in this process).
    client
        A ``dask.distributed.Client``: evaluate on that cluster instead (``pip install
        "evalkit[dask]"``). Each project runs as one task; results equal the local run.
    report_dir
        When given, each project's own report is written to ``report_dir/<project id>/``.
    formats, langs
        Report formats (html, pdf, docx, md) and languages for the per-project reports.
    progress
        Called as ``progress(done, total, path)`` after each project.

    Returns
    -------
    Portfolio
        ``.table`` (one row per project), ``.failures``, ``.effects()``, ``.league()``,
        ``.rates``, ``.render(path)``.

    Examples
    --------
    >>> import evalkit as ek
    >>> pf = ek.evaluate_many(ek.datasets.path("workers_home"), workers=1)
    >>> pf.table.loc[0, "verdict"]
    'accepted_with_conditions'
    """
    files = [str(p) for p in discover(paths_or_folder)]
    out_dir = None if report_dir is None else str(Path(report_dir))
    fmt = tuple(formats)
    lng = tuple(langs)
    for f in fmt:
        if f not in ("html", "pdf", "docx", "md"):
            raise SpecError(f"formats: expected html, pdf, docx or md, got {f!r}")
    for lang in lng:
        check_lang(lang, name="langs")
    total = len(files)
    results: dict[str, ProjectRun] = {}

    def done(run: ProjectRun) -> None:
        results[run.path] = run
        if progress is not None:
            progress(len(results), total, run.path)

    if client is not None:
        futures = client.map(_run_one, files, report_dir=out_dir, formats=fmt, langs=lng,
                             pure=False)
        for run in client.gather(futures):
            done(run)
    else:
        n = workers if workers is not None else (os.cpu_count() or 1)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise SpecError(f"workers: expected a whole number of at least 1, got {workers!r}")
        n = min(n, total)
        if n == 1:
            for f in files:
                done(_run_one(f, out_dir, fmt, lng))
        else:
            import multiprocessing as mp

            with ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context(start_method()),
                                     initializer=worker_start) as pool:
                jobs = [pool.submit(_run_one, f, out_dir, fmt, lng) for f in files]
                for job in as_completed(jobs):
                    done(job.result())
    return Portfolio(tuple(results[f] for f in files))
