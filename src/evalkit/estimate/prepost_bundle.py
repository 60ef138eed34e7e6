"""One call for a questionnaire-scale outcome: scores, change, reliability, RCI, diagnostics.

Used by the project pipeline (``design: prepost`` with a ``scale``); usable from scripts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from evalkit._checks import check_frame, require_columns
from evalkit.errors import SpecError
from evalkit.estimate._paired import paired_once, seed_wave_mask, wave_mask

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.data.scales import Reliability
    from evalkit.estimate.change import Norms

__all__ = ["SCORE_COLUMN", "analyse_scale_outcome"]

#: name of the scale-score column in the working table (``EffectResult.outcome``)
SCORE_COLUMN = "scale_score"


def _group_spec(group: Mapping[str, Any] | None) -> tuple[str, Any, Any] | None:
    if group is None:
        return None
    missing = [k for k in ("column", "treated", "control") if k not in group]
    if missing:
        raise SpecError(f"group: expected keys 'column', 'treated', 'control'; missing "
                        f"{missing!r}")
    return str(group["column"]), group["treated"], group["control"]


def _means(work: pd.DataFrame, time: str, pre: Any, post: Any, gcol: str | None) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    scores = work[SCORE_COLUMN].to_numpy(dtype=np.float64)
    rows = []
    for wave in (pre, post):
        in_wave = wave_mask(work, time, wave, "wave", "means").to_numpy()
        if gcol:  # the groups present in the wave, sorted (as groupby(sort=True))
            codes, labels = pd.factorize(work[gcol].to_numpy()[in_wave], sort=True)
            parts = [(g, scores[in_wave][codes == k]) for k, g in enumerate(labels)]
        else:
            parts = [("all", scores[in_wave])]
        for g, part in parts:
            s = part[~np.isnan(part)]
            rows.append((str(wave), str(g), int(s.shape[0]),
                         float(s.mean()) if len(s) else math.nan,
                         float(s.std(ddof=1)) if len(s) > 1 else math.nan))
    wave_col, group_col, n, mean, sd = zip(*rows, strict=True)
    return pd.DataFrame({"wave": pd.array(wave_col, dtype="string"),
                         "group": pd.array(group_col, dtype="string"),
                         "n": np.array(n, dtype=np.int64), "mean": np.array(mean),
                         "sd": np.array(sd)})


def analyse_scale_outcome(
    df: pd.DataFrame,
    *,
    items: Sequence[str],
    unit: str,
    time: str,
    pre: Any,
    post: Any,
    reverse: Sequence[str] = (),
    item_range: Sequence[float] = (1, 5),
    min_answered: int | None = None,
    norms: Norms | Mapping[str, float] | float | None = None,
    group: Mapping[str, Any] | None = None,
    label: str | None = None,
    higher_is_better: bool = True,
) -> dict[str, Any]:
    """Score a Likert scale and analyse its pre/post change with every supporting check.

    Parameters
    ----------
    df
        Long table: one row per person per wave with the item columns. Not modified.
    items, reverse, item_range, min_answered
        The scale (see :func:`evalkit.data.scales.scale`); rows of the two waves are scored.
    unit, time, pre, post
        As in :func:`evalkit.prepost`.
    norms
        Norms for clinically significant change (:func:`evalkit.estimate.change.reliable_change`).
    group
        ``{"column": ..., "treated": ..., "control": ...}`` for a comparison-group design;
        None for a one-group pre/post.
    label
        Readable outcome name (``extra["label"]`` of the results).
    higher_is_better
        Direction of improvement for the reliable change classification.

    Returns
    -------
    dict
        ``"result"``
            Headline :class:`~evalkit.estimate.results.EffectResult`: the paired t change of
            the served group (post − pre, design ``"pre_post"``), always — also when a
            comparison group is given, so the number is the served people's own change.
        ``"comparison"``
            With ``group`` only: the ANCOVA adjusted difference served − comparison (design
            ``"pre_post_comparison"``, Maryland level 3) from
            :func:`~evalkit.estimate.diagnostics.ancova` — the estimate that can be attributed
            to the service; None without ``group``.
        ``"wilcoxon"``
            Wilcoxon signed-rank result for the served group (EffectResult).
        ``"reliability"``
            :class:`~evalkit.data.scales.Reliability` of the pre-wave answers (all groups).
        ``"rci"``
            :class:`~evalkit.estimate.change.ReliableChange` for the served group, using the
            pre-wave alpha as reliability; None when alpha is not in (0, 1).
        ``"attrition"``
            :class:`~evalkit.estimate.diagnostics.Attrition` (WWC rating only with ``group``).
        ``"baseline"``
            :class:`~evalkit.estimate.diagnostics.BaselineEquivalence` of the pre-wave
            scores; None without ``group``.
        ``"means"``
            DataFrame: ``wave, group, n, mean, sd`` of the scale score.

    Notes
    -----
    R: score with ``rowMeans``, then ``t.test(post, pre, paired = TRUE)``,
    ``psych::alpha``, ``lm(post ~ treated + pre)``.
    """
    from evalkit.data.scales import check_items, scored_items

    where = "analyse_scale_outcome"
    frame = check_frame(df, where)
    gspec = _group_spec(group)
    gcol = gspec[0] if gspec else None
    require_columns(frame, [unit, time, gcol, *items], where)
    pre_mask = wave_mask(frame, time, pre, "pre", where).to_numpy()
    post_mask = wave_mask(frame, time, post, "post", where).to_numpy()
    in_waves = pre_mask | post_mask
    keep = [unit, time] + ([gcol] if gcol else [])
    # only the columns used below are copied (a survey table has names, phones, dates …),
    # and no row is taken when every row is in one of the two waves
    used = list(dict.fromkeys([*keep, *items]))
    rows = frame[used] if in_waves.all() else frame.loc[in_waves, used]
    # the items are checked once (all rows of both waves); the pre-wave rows, scored again
    # for the reliability, are a subset of them (the same mask as on ``rows``: a label found
    # exactly in ``frame`` is found exactly in its rows of that wave)
    checked = check_items(rows, items, reverse=reverse, item_range=item_range)
    scored = scored_items(checked, items, reverse=reverse, item_range=item_range,
                          min_answered=min_answered, reliability=False)
    work = rows.loc[:, keep].assign(**{SCORE_COLUMN: scored.scores.to_numpy()})
    in_pre = pre_mask[in_waves]
    reliability = scored_items(checked.loc[in_pre], items, reverse=reverse,
                               item_range=item_range, min_answered=min_answered,
                               warn=True).reliability
    # the served table is paired once (and the whole table once); the wave and group masks
    # of each table and the units' groups are computed once too, and a table made of rows
    # of another takes its masks from that table's
    with paired_once():
        waves = ((pre, in_pre), (post, post_mask[in_waves]))
        for wave, mask in waves:
            seed_wave_mask(work, time, wave, mask)
        served = work
        if gspec is not None:
            in_served = wave_mask(work, gcol, gspec[1], "treated", where).to_numpy()  # type: ignore[arg-type]
            served = work.loc[in_served]
            for wave, mask in waves:
                seed_wave_mask(served, time, wave, mask, in_served)
        out = _analyses(work, served, unit, time, pre, post, gspec, label, norms,
                        higher_is_better, reliability)
        out["means"] = _means(work, time, pre, post, gcol)
    return out


def _analyses(
    work: pd.DataFrame, served: pd.DataFrame, unit: str, time: str, pre: Any, post: Any,
    gspec: tuple[str, Any, Any] | None, label: str | None,
    norms: Norms | Mapping[str, float] | float | None, higher_is_better: bool,
    reliability: Reliability,
) -> dict[str, Any]:
    """Change, Wilcoxon, reliable change, ANCOVA, baseline and attrition of the scored table."""
    from evalkit.estimate.change import reliable_change
    from evalkit.estimate.diagnostics import (
        ancova,
        attrition_from_panel,
        baseline_equivalence,
    )
    from evalkit.estimate.prepost import prepost

    where = "analyse_scale_outcome"
    args = (SCORE_COLUMN, unit, time, pre, post)
    change = prepost(served, *args, label=label)
    wilcoxon = prepost(served, *args, test="wilcoxon", label=label)
    rci = None
    if 0.0 < reliability.alpha < 1.0:
        rci = reliable_change(served, *args, reliability=reliability.alpha, norms=norms,
                              higher_is_better=higher_is_better)
    out: dict[str, Any] = {"result": change, "comparison": None}
    if gspec is not None:
        col, treated, control = gspec
        out["comparison"] = ancova(work, *args, group=col, treated=treated, control=control,
                                   label=label)
        in_pre = wave_mask(work, time, pre, "pre", where).to_numpy()
        at_start = work.loc[in_pre, list(dict.fromkeys([SCORE_COLUMN, col]))]
        for value, role in ((treated, "treated"), (control, "control")):
            seed_wave_mask(at_start, col, value, wave_mask(work, col, value, role, where),
                           in_pre)
        baseline = baseline_equivalence(at_start, SCORE_COLUMN, col, treated, control)
        attr = attrition_from_panel(work, *args, group=col, treated=treated, control=control)
    else:
        baseline = None
        attr = attrition_from_panel(work, *args)
    out.update({"wilcoxon": wilcoxon, "reliability": reliability, "rci": rci,
                "attrition": attr, "baseline": baseline})
    return out
