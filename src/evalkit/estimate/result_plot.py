"""``EffectResult.plot()``: each result's natural picture, drawn by :mod:`evalkit.plot`.

Which picture:

* an event study, or ``staggered_did(..., aggregate="dynamic")`` (``extra["event_times"]``):
  the effect by period relative to the start, with intervals and the reference period
  (:func:`evalkit.plot.event_study.plot_event_study`);
* ``ek.synth``: treated and synthetic paths, time weights and donor weights
  (:func:`evalkit.plot.designs.plot_synth`; only the paths when ``ax`` is given);
* ``ek.its``: the observed series, fitted segments and the counterfactual
  (:func:`evalkit.plot.designs.plot_its`);
* every other result (pre/post, DiD, TWFE, staggered simple/group/calendar): each term's
  estimate with its confidence interval (:func:`evalkit.plot.estimates.plot_estimates`),
  the intercept left out (a level, not an effect, it would set the scale).

A result with no finite estimate has nothing to draw: EstimationError. matplotlib is imported
only here, when a picture is asked for.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_lang
from evalkit.errors import EstimationError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from evalkit.estimate.results import EffectResult

__all__ = ["INTERCEPT", "plot_result"]

#: the term name estimators give the constant
INTERCEPT = "(Intercept)"


def plot_result(result: EffectResult, *, lang: str = "en", ax: Any = None) -> Figure:
    """The natural picture of ``result`` (see the module docstring) as a matplotlib Figure.

    Parameters
    ----------
    result
        Any estimator's result.
    lang
        ``"zh"`` or ``"en"``: labels in the report's words.
    ax
        A matplotlib Axes to draw on (its figure is returned); a new figure when None.

    Examples
    --------
    >>> import evalkit as ek, pandas as pd
    >>> df = pd.DataFrame({"id": [1, 1, 2, 2, 3, 3], "wave": ["pre", "post"] * 3,
    ...                    "y": [1.0, 2.0, 2.0, 2.5, 3.0, 4.5]})
    >>> fig = ek.prepost(df, "y", "id", "wave", "pre", "post").plot(lang="zh")
    >>> fig.axes[0].lines[0].get_ydata().tolist()
    [1.0]
    """
    check_lang(lang)
    extra = result.extra
    if extra.get("event_times") is not None:
        from evalkit.plot.event_study import plot_event_study

        return plot_event_study(result, lang, ax=ax)
    if extra.get("trajectories") is not None and extra.get("unit_weights") is not None:
        from evalkit.plot.designs import plot_synth

        return plot_synth(result, lang, ax=ax)
    if extra.get("series") is not None and result.design in ("its", "comparative_its"):
        from evalkit.plot.designs import plot_its

        return plot_its(result, lang, ax=ax)
    frame = result.to_frame()
    if (frame["term"] != INTERCEPT).any():
        frame = frame[frame["term"] != INTERCEPT].reset_index(drop=True)
    if not any(math.isfinite(float(v)) for v in frame["estimate"]):
        raise EstimationError(
            f"{result.method}: the result has no finite estimate, so there is nothing to plot",
            hint="check result.notes and result.dropped for why the estimate is missing")
    from evalkit.plot.estimates import plot_estimates

    title = result.design_label(lang)
    if result.outcome:
        title += ("：" if lang == "zh" else ": ") + result.outcome
    return plot_estimates(frame, lang, outcome=title, level=100 * (1 - result.alpha), ax=ax)
