"""Charts for reports: SVG text for HTML and PDF, matplotlib PNG for Word.

:func:`build_charts` draws every chart a report shows — indicator achievement, pre/post
distributions, event studies, the logic-model diagram and the SROI tornado — as inline SVG
(HTML, PDF) or PNG bytes (Word). For HTML and PDF every chart is written directly as SVG
text (:mod:`evalkit.report.svgcharts`, no matplotlib; the logic model by
:mod:`evalkit.model.diagram`); every chart of a Word report is drawn with matplotlib. A
chart whose data is missing, or computed from fewer people than the disclosure threshold, is
left out; a chart that fails to draw is left out with an
:class:`~evalkit.errors.EvalkitWarning` saying why, so the report is still written. The
charts of the designs (ITS, synthetic comparison, honest DiD) come from
:func:`evalkit.report.designs.design_charts`.

Charts are drawn once per evaluation, language and image format (:mod:`evalkit.report.memo`):
the HTML and the PDF report of one evaluation, or a second copy of either, reuse the SVG
already drawn (the text in a chart is in the report's language, so each language is drawn
once). Matplotlib is imported only when a chart needs it, without its 3-D toolkit
(:mod:`evalkit._mpl3d`).
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Literal

from evalkit.errors import EvalkitWarning

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.evaluation import Evaluation
    from evalkit.model.outcomes import Outcome

__all__ = ["LazyCharts", "build_charts", "namespaced", "prepost_values"]

Format = Literal["svg", "png"]
_DIAGRAM_FUNCTIONS = ("logic_model_svg", "diagram_svg", "render_svg", "to_svg", "diagram",
                      "plot_logic_model")


class LazyCharts(dict[str, Any]):
    """The ``charts`` mapping of a report, drawn on first use.

    A template that never shows a chart (or fails before reaching one) costs no drawing.
    """

    def __init__(self, factory: Callable[[], dict[str, Any]]) -> None:
        super().__init__()
        self._factory = factory
        self._loaded = False

    def _load(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.update(self._factory())

    def __missing__(self, key: str) -> Any:
        self._load()
        if key in self:
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        self._load()
        return dict.get(self, key, default)

    def keys(self) -> Any:  # type: ignore[override]
        self._load()
        return dict.keys(self)

    def items(self) -> Any:  # type: ignore[override]
        self._load()
        return dict.items(self)

    def values(self) -> Any:  # type: ignore[override]
        self._load()
        return dict.values(self)

    def __iter__(self) -> Any:
        self._load()
        return dict.__iter__(self)

    def __len__(self) -> int:
        self._load()
        return dict.__len__(self)

    def __contains__(self, key: object) -> bool:
        self._load()
        return dict.__contains__(self, key)


#: ``\bid="…"``, written to start with a literal "i" (then ``(?<!\wi)``: no word character
#: before it), which the regex engine finds twenty times faster than a leading ``\b``
_ID = re.compile(r'i(?<!\wi)d="([^"]+)"')


def namespaced(svg: str, prefix: str) -> str:
    """Give every id of an inline SVG the prefix ``prefix`` (so several charts in one page
    never share an id) and scope its stylesheet to the chart itself. Scripts, event-handler
    attributes and links to anything outside the page are removed (defence in depth: the
    SVG is inserted unescaped)."""
    svg = re.sub(r"<script\b.*?</script\s*>", "", svg, flags=re.S | re.I)
    svg = re.sub(r"""\son[a-z]+\s*=\s*("[^"]*"|'[^']*')""", "", svg, flags=re.I)
    svg = re.sub(r'href\s*=\s*"(?!#)[^"]*"', 'href="#"', svg, flags=re.I)
    svg = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m.group(1)})", svg)
    svg = re.sub(r'href="#([^"]+)"', lambda m: f'href="#{prefix}-{m.group(1)}"', svg)
    svg = svg.replace("<style type=\"text/css\">*{", f"<style type=\"text/css\">#{prefix} *{{")
    return re.sub(r"<svg\b", f'<svg id="{prefix}"', svg, count=1)


def _encode(fig: Any, fmt: Format, name: str) -> Any:
    from markupsafe import Markup

    from evalkit.plot.base import figure_png, figure_svg

    prefix = "ek-" + re.sub(r"[^A-Za-z0-9_-]", "-", name)
    if fig is None:
        return None
    if isinstance(fig, str):  # already SVG text (logic-model diagram)
        return Markup(namespaced(fig, prefix)) if fmt == "svg" else None
    return Markup(namespaced(figure_svg(fig), prefix)) if fmt == "svg" else figure_png(fig)


def _safely(name: str, draw: Callable[[], Any], fmt: Format, *, mpl: bool = True) -> Any:
    """``draw()`` encoded as ``fmt``, or None with a warning if it fails; ``mpl=False`` for a
    chart written as SVG text (matplotlib is then not imported for it)."""
    try:
        if mpl:
            from evalkit._mpl3d import matplotlib_without_3d

            matplotlib_without_3d()
        return _encode(draw(), fmt, name)
    except Exception as exc:
        warnings.warn(f"chart {name!r} left out of the report: {type(exc).__name__}: {exc}",
                      EvalkitWarning, stacklevel=4)
        return None


def _filtered(df: pd.DataFrame, oc: Outcome) -> pd.DataFrame:
    for col, value in oc.filter.items():
        values = value if isinstance(value, list) else [value]
        df = df.loc[df[col].astype("string").isin([str(v) for v in values]).fillna(False)]
    if oc.compare is not None:
        df = df.loc[(df[oc.compare.column].astype("string") == str(oc.compare.treated))
                    .fillna(False)]
    return df


def prepost_values(evaluation: Evaluation, oc: Outcome) -> tuple[Any, Any] | None:
    """Values of a pre/post outcome at pre-test and post-test (served group only)."""
    if oc.design != "prepost" or not (oc.time and oc.pre and oc.post):
        return None
    df = _filtered(evaluation.evidence[oc.source], oc)
    if oc.scale is not None:
        from evalkit.data.scales import scale_scores

        values = scale_scores(df, oc.scale.items, reverse=oc.scale.reverse,
                              item_range=oc.scale.range, min_answered=oc.scale.min_answered)
    elif oc.outcome is not None:
        import pandas as pd

        values = pd.to_numeric(df[oc.outcome], errors="coerce")
    else:
        return None
    import numpy as np

    # the wave text (missing: None, never equal) and the values (missing: NaN) as numpy, so
    # each wave is two array operations rather than five pandas ones
    wave = df[oc.time].astype("string").to_numpy(dtype=object, na_value=None)
    scores = values.to_numpy(dtype=float, na_value=np.nan)

    def at(label: object) -> Any:
        picked = scores[wave == str(label)]
        return picked[~np.isnan(picked)]

    return at(oc.pre), at(oc.post)


def _logic_model(evaluation: Evaluation, lang: str) -> Any:
    lm = getattr(evaluation.project, "logic_model", None)
    if lm is None:
        return None
    try:
        module = importlib.import_module("evalkit.model.diagram")
    except ImportError:
        return None
    for name in _DIAGRAM_FUNCTIONS:
        func = getattr(module, name, None)
        if callable(func):
            return func(lm, lang=lang)
    return None


#: chart -> (SVG-text function for HTML/PDF, matplotlib function for Word), module:function
_DRAWERS = {
    "indicators": ("evalkit.report.svgcharts.indicators:indicators_svg",
                   "evalkit.plot.indicators:plot_indicators"),
    "prepost": ("evalkit.report.svgcharts.prepost:prepost_svg",
                "evalkit.plot.prepost:plot_prepost"),
    "event_study": ("evalkit.report.svgcharts.event_study:event_study_svg",
                    "evalkit.plot.event_study:plot_event_study"),
}


def _drawer(chart: str, svg: bool) -> Callable[..., Any]:
    """The function drawing ``chart``: as SVG text when ``svg``, else with matplotlib."""
    module, _, name = _DRAWERS[chart][0 if svg else 1].partition(":")
    func: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return func


def _tornado(evaluation: Evaluation, lang: str, fmt: Format = "png") -> Any:
    sroi = getattr(getattr(evaluation, "value", None), "sroi", None)
    if sroi is None or not hasattr(sroi, "sensitivity") or len(sroi.sensitivity) == 0:
        return None
    if fmt == "svg":
        from evalkit.report.svgcharts.tornado import tornado_svg

        return tornado_svg(sroi.sensitivity, sroi.ratio, lang=lang)
    from evalkit.plot.tornado import tornado

    return tornado(sroi.sensitivity, sroi.ratio, lang=lang)


def _chart_inputs(context: dict[str, Any]) -> str:
    """What the charts take from the report context (threshold, indicator rows, suppression
    of the SROI ratio and of each effect), as text: equal text, equal charts."""
    sroi = (context.get("value") or {}).get("sroi") or {}
    effects = [(e["id"], e["suppressed"], bool(e.get("event_study")) and
                not e["event_study"]["suppressed"]) for e in context.get("effects", [])]
    return repr((context["privacy"]["threshold"], context.get("indicators") or [],
                 isinstance(sroi.get("ratio"), str), effects))


def build_charts(evaluation: Evaluation, context: dict[str, Any], *, lang: str,
                 fmt: Format = "svg") -> dict[str, Any]:
    """Every chart of the report, drawn once per evaluation, language and format.

    Returns
    -------
    dict
        ``indicators``, ``logic_model``, ``tornado`` (one chart or None) and ``prepost``,
        ``event_study`` (outcome id -> chart); SVG text (``fmt="svg"``) or PNG bytes. A new
        dict each call (the drawn charts themselves are shared).
    """
    from evalkit.report.memo import memo

    store = memo(evaluation)
    key = ("charts", lang, fmt, _chart_inputs(context))
    if key not in store:
        store[key] = _draw_charts(evaluation, context, lang=lang, fmt=fmt)
    return {k: dict(v) if isinstance(v, dict) else v for k, v in store[key].items()}


def _draw_charts(evaluation: Evaluation, context: dict[str, Any], *, lang: str,
                 fmt: Format) -> dict[str, Any]:
    from evalkit.data.privacy import is_small

    svg = fmt == "svg"  # HTML/PDF: charts written as SVG text; Word: matplotlib PNG
    threshold = int(context["privacy"]["threshold"])
    charts: dict[str, Any] = {"indicators": None, "prepost": {}, "event_study": {},
                              "logic_model": None, "tornado": None}
    rows = context.get("indicators") or []
    if rows:
        from evalkit.report.environment import load_labels

        labels = {k.split(".", 1)[1]: v for k, v in load_labels(lang).items()
                  if k.startswith("status.")}
        draw_indicators = _drawer("indicators", svg)
        charts["indicators"] = _safely(
            "indicators", lambda: draw_indicators(rows, lang, status_labels=labels), fmt,
            mpl=not svg)
    charts["logic_model"] = _safely("logic_model", lambda: _logic_model(evaluation, lang), fmt,
                                    mpl=False)
    sroi = (context.get("value") or {}).get("sroi") or {}
    if not isinstance(sroi.get("ratio"), str):  # "<k": built from a suppressed effect
        charts["tornado"] = _safely("tornado", lambda: _tornado(evaluation, lang, fmt), fmt,
                                    mpl=not svg)
    effects = {e["id"]: e for e in context.get("effects", [])}
    for oc in evaluation.project.outcomes:
        record = effects.get(oc.id)
        if record is None or record["suppressed"]:
            continue
        values = _safely_values(evaluation, oc)
        if values is not None and not any(is_small(len(v), threshold) or len(v) == 0
                                           for v in values):
            draw_prepost = _drawer("prepost", svg)
            rng = (float(oc.scale.range[0]), float(oc.scale.range[1])) if oc.scale else None
            charts["prepost"][oc.id] = _safely(
                f"prepost:{oc.id}",
                partial(draw_prepost, values[0], values[1], lang=lang,
                        outcome=oc.name.get(lang), value_range=rng),
                fmt, mpl=not svg)
        study = (evaluation.details.get(oc.id) or {}).get("event_study")
        if study is not None and record.get("event_study") and \
                not record["event_study"]["suppressed"]:
            draw_study = _drawer("event_study", svg)
            charts["event_study"][oc.id] = _safely(
                f"event_study:{oc.id}",
                partial(draw_study, study, lang, outcome=oc.name.get(lang),
                        unit=oc.unit_label.get(lang) if oc.unit_label else None), fmt,
                mpl=not svg)
    from evalkit.report.designs import design_charts  # ITS, synthetic control, honest DiD

    charts |= design_charts(evaluation, context, lang=lang, fmt=fmt,
                            safely=partial(_safely, mpl=not svg))
    return charts


def _safely_values(evaluation: Evaluation, oc: Outcome) -> tuple[Any, Any] | None:
    try:
        return prepost_values(evaluation, oc)
    except Exception as exc:
        warnings.warn(f"pre/post chart of {oc.id!r} left out: {type(exc).__name__}: {exc}",
                      EvalkitWarning, stacklevel=3)
        return None
