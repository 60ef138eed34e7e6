"""Evidence strength: design -> Maryland Scientific Methods Scale, and plain-language sentences.

Maryland Scientific Methods Scale (Sherman et al. 1997; Farrington et al. 2002):

1. correlation at one point in time / post-only;
2. before and after, no comparison group;
3. before and after with a comparison group (DiD, ANCOVA with a comparison group);
4. comparison with controls for differences between the groups (DiD with covariates,
   staggered DiD with covariates, matched comparison);
5. random assignment.

Designs for small programmes, as the What Works Centre for Local Economic Growth's scoring
guide places them (Madaleno & Waights 2016, which restates the scale for policy evaluations):

* interrupted time series with no comparison series — a before/after comparison of the
  served group that accounts for the earlier trend: **level 2** (level 2(b): "before-and-after
  comparison ... control variables used to account for before-and-after changes");
* comparative interrupted time series — before/after with a comparison series: **level 3**;
* synthetic control and synthetic difference-in-differences — a comparison group built from
  untreated units, before and after: **level 3**, and **level 4** when the comparison is
  credible: the weighted donors track the pilot closely over a long enough period before
  the start (see :func:`synthetic_level`; the guide allows 4 for a synthetic control whose
  pre-treatment fit is demonstrated, the thresholds are evalkit's).

The sentence states the change with its interval, a size word (Cohen's conventions on a
standardised effect when one is available) and what the design can and cannot claim.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from evalkit.estimate.results import Design, EffectResult

__all__ = ["DESIGN_LABELS", "SYNTH_LEVEL4", "evidence_level", "plain_sentence", "size_word",
           "synthetic_level"]

DESIGN_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "post_only": "post-only measurement",
        "pre_post": "before/after, no comparison group",
        "pre_post_comparison": "before/after with a comparison group",
        "did": "difference-in-differences",
        "twfe": "two-way fixed effects",
        "event_study": "event study",
        "staggered_did": "staggered difference-in-differences (Callaway–Sant'Anna)",
        "randomised": "randomised comparison",
        "its": "interrupted time series, no comparison group",
        "comparative_its": "interrupted time series with a comparison series",
        "synthetic_control": "synthetic control",
        "synthetic_did": "synthetic difference-in-differences",
    },
    "zh": {
        "post_only": "仅后测",
        "pre_post": "无对照组的前后测",
        "pre_post_comparison": "有对照组的前后测",
        "did": "双重差分",
        "twfe": "双向固定效应",
        "event_study": "事件研究",
        "staggered_did": "分批开始的双重差分",
        "randomised": "随机对照",
        "its": "中断时间序列（无对照组）",
        "comparative_its": "中断时间序列（有对照序列）",
        "synthetic_control": "合成控制",
        "synthetic_did": "合成双重差分",
    },
}

_BASE_LEVEL: dict[str, int] = {
    "post_only": 1,
    "pre_post": 2,
    "pre_post_comparison": 3,
    "did": 3,
    "twfe": 3,
    "event_study": 3,
    "staggered_did": 3,
    "randomised": 5,
    # a long series before and after, no comparison group: before/after (level 2); with a
    # comparison series the change is judged against it (level 3)
    "its": 2,
    "comparative_its": 3,
    # a weighted comparison group built from untreated units, before and after (level 3,
    # like DiD; 4 when the pre-period fit is shown to be close: synthetic_level)
    "synthetic_control": 3,
    "synthetic_did": 3,
}

_CLAIM = {
    "en": {
        1: "It shows only where things stand, not a change, and cannot be attributed to the service.",
        2: "Without a comparison group it cannot be attributed to the service alone.",
        3: "The comparison group makes it reasonable to attribute the change to the service, "
        "if both groups would otherwise have moved in parallel.",
        4: "With a comparison group and controls for differences between the groups, the change "
        "can be attributed to the service with reasonable confidence.",
        5: "Because participants were assigned at random, the change can be attributed to the service.",
    },
    "zh": {
        1: "该结果只反映现状而非变化，不能归因于服务。",
        2: "由于没有对照组，不能把这一变化完全归因于本服务。",
        3: "有对照组作比较，在两组原本会同步变化的前提下，可以合理地把变化归因于本服务。",
        4: "有对照组并控制了两组之间的差异，可以较有把握地把变化归因于本服务。",
        5: "由于服务对象是随机分配的，可以把变化归因于本服务。",
    },
}

#: a claim of a design whose assumption differs from its level's (the level-3 claim speaks of
#: parallel trends; a comparison-group pre/post by ANCOVA assumes instead that people with the
#: same pre score would have ended alike)
_CLAIM_DESIGN = {
    "en": {("pre_post_comparison", 3): "The comparison group makes it reasonable to attribute "
           "the change to the service, if people with the same before score in both groups "
           "would otherwise have ended with the same after score."},
    "zh": {("pre_post_comparison", 3): "有对照组作比较，在两组中前测得分相同的人原本会有相同后测得分的"
           "前提下，可以合理地把变化归因于本服务。"},
}

_SIZE = {
    "en": {"negligible": "a negligible", "small": "a small", "small-to-medium": "a small-to-medium",
           "medium": "a medium", "large": "a large"},
    "zh": {"negligible": "可忽略的", "small": "较小的", "small-to-medium": "小到中等的",
           "medium": "中等的", "large": "较大的"},
}


def evidence_level(design: Design, *, covariates: bool = False) -> int:
    """Maryland SMS level for a design; controls for group differences lift 3 to 4."""
    level = _BASE_LEVEL[design]
    if covariates and level == 3:
        level = 4
    return level


#: conditions under which a synthetic control / SDID comparison is rated level 4
SYNTH_LEVEL4 = {"min_pre_periods": 5, "min_donors": 5, "max_fit_ratio": 0.25}


def synthetic_level(result: EffectResult, spread: float) -> tuple[int, dict[str, float | bool]]:
    """Maryland level of a synthetic control / synthetic DiD result, with the checks made.

    Level 4 when all of (:data:`SYNTH_LEVEL4`): at least 5 periods before the start, at
    least 5 donor units in the pool, and a close pre-period fit — the root mean
    squared gap between the treated units' mean and the synthetic path before the start is
    at most a quarter of the spread (standard deviation) of the donor units' pre-period
    outcomes (``spread``: their standard deviation over donor units and pre periods);
    otherwise level 3 (a comparison group before and after, like DiD). Other designs keep
    ``result.evidence_level``. :func:`evalkit.estimate.synth.synth` applies it to every
    result it returns (``extra["rating_checks"]``), so a script and a report rate alike.

    Returns
    -------
    (level, checks)
        ``checks``: ``n_pre``, ``n_donors`` (in the pool), ``n_weighted`` (with positive
        weight), ``rmse``, ``fit_ratio`` (rmse / spread) and ``close_fit``.

    Notes
    -----
    Madaleno & Waights (2016) rate a synthetic control at level 4 when the counterfactual it
    builds is shown to match the treated unit before the treatment; Abadie (2021) names a
    long pre-period and a close pre-treatment fit as the conditions under which the method is
    credible. The three thresholds put those conditions into numbers; they are evalkit's.

    References
    ----------
    Madaleno, M., & Waights, S. (2016). *Guide to scoring methods using the Maryland
    Scientific Methods Scale*. What Works Centre for Local Economic Growth.
    Abadie, A. (2021). Using synthetic controls: feasibility, data requirements, and
    methodological aspects. *Journal of Economic Literature*, 59(2), 391–425.
    """
    import numpy as np

    if result.design not in ("synthetic_control", "synthetic_did"):
        return result.evidence_level, {}
    extra = result.extra
    traj = extra["trajectories"]
    pre = ~traj["post"].to_numpy(dtype=bool)
    gap = traj["treated"].to_numpy(dtype=float)[pre] - traj["synthetic"].to_numpy(dtype=float)[pre]
    rmse = float(np.sqrt(np.mean(gap ** 2))) if gap.size else math.inf
    ratio = rmse / spread if spread > 0 else math.inf
    donors = len(extra["unit_weights"])
    checks: dict[str, float | bool] = {
        "n_pre": int(extra["n_pre"]), "n_donors": donors,
        "n_weighted": int((extra["unit_weights"] > 1e-9).sum()), "fit_ratio": ratio, "rmse": rmse,
        "close_fit": bool(ratio <= SYNTH_LEVEL4["max_fit_ratio"])}
    good = (checks["n_pre"] >= SYNTH_LEVEL4["min_pre_periods"]
            and donors >= SYNTH_LEVEL4["min_donors"] and checks["close_fit"])
    return (4 if good else 3), checks


def size_word(d: float) -> str:
    """Cohen's conventions on |d|: <0.2 negligible, <0.35 small, <0.5 small-to-medium,
    <0.8 medium, else large."""
    a = abs(d)
    if a < 0.2:
        return "negligible"
    if a < 0.35:
        return "small"
    if a < 0.5:
        return "small-to-medium"
    if a < 0.8:
        return "medium"
    return "large"


def _fmt(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    ax = abs(x)
    if ax >= 1e15:  # never a 300-digit number
        return f"{x:.3g}"
    if ax >= 1000:
        return f"{x:,.0f}"
    if ax >= 10:
        return f"{x:.1f}"
    if ax >= 0.01 or ax == 0:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _bound(x: float, lang: str) -> str:
    """A bound of the interval of a fall, as a fall (or a rise when it is above zero).

    >>> _bound(-0.71, "zh"), _bound(0.1, "en")
    ('下降 0.71 ', 'a rise of 0.10')
    """
    if lang == "zh":
        return f"{'下降' if x < 0 else '上升' if x > 0 else '不变'} {_fmt(abs(x))} " if x else "不变"
    return f"a fall of {_fmt(abs(x))}" if x < 0 else f"a rise of {_fmt(x)}" if x > 0 else "no change"


def plain_sentence(result: EffectResult, lang: str = "en") -> str:
    """One sentence a union chair can read.

    Example (en): "Wellbeing rose by 0.42 points (95% CI 0.20 to 0.64); this is a
    small-to-medium change. Without a comparison group it cannot be attributed to the service
    alone."
    """
    from evalkit._checks import check_lang

    check_lang(lang)
    est = result.estimate
    lo, hi = result.ci
    percent = "prop_pre" in result.extra  # a change in a proportion (McNemar): percentage points
    if percent:
        est, lo, hi = 100 * est, 100 * lo, 100 * hi
    level = round(100 * (1 - result.alpha))
    label = str(result.extra.get("label_" + lang, result.extra.get("label", result.outcome)))
    unit = str(result.extra.get("unit_" + lang, ""))
    d = result.extra.get("standardised")
    claim = _CLAIM_DESIGN[lang].get((str(result.design), result.evidence_level),
                                    _CLAIM[lang][result.evidence_level])
    significant = not (lo <= 0 <= hi)
    scored = result.design in ("pre_post", "post_only", "pre_post_comparison")
    relative = result.design not in ("pre_post", "post_only", "its")
    if lang == "en":
        verb = "rose" if est > 0 else "fell" if est < 0 else "did not change"
        units = f" {unit}" if unit else (" percentage points" if percent else
                                          " points" if scored else "")
        if math.isinf(hi) and math.isfinite(lo):
            interval = f"{level}% CI: at least {_fmt(lo)}"
        elif math.isinf(lo) and math.isfinite(hi):
            interval = f"{level}% CI: at most {_fmt(hi)}"
        elif est < 0:  # a fall: the interval as falls too, never "fell by 0.86 (CI -1.01 …)"
            interval = (f"{level}% CI: a fall of {_fmt(-hi)} to {_fmt(-lo)}" if hi < 0 else
                        f"{level}% CI: {_bound(hi, 'en')} to {_bound(lo, 'en')}")
        else:
            interval = f"{level}% CI {_fmt(lo)} to {_fmt(hi)}"
        if relative:
            text = f"Relative to the comparison group, {label} {verb} by {_fmt(abs(est))}{units} ({interval})"
        else:
            text = f"{label[:1].upper() + label[1:]} {verb} by {_fmt(abs(est))}{units} ({interval})"
        if d is not None and math.isfinite(float(d)):
            text += f"; this is {_SIZE['en'][size_word(float(d))]} change"
        if not significant:
            text += "; the interval includes no change, so the data cannot rule out chance"
        return f"{text}. {claim}"
    verb = "上升" if est > 0 else "下降" if est < 0 else "没有变化"
    units = unit or ("个百分点" if percent else "分" if scored else "")
    if math.isinf(hi) and math.isfinite(lo):
        interval = f"{level}% 置信区间：不低于 {_fmt(lo)}"
    elif math.isinf(lo) and math.isfinite(hi):
        interval = f"{level}% 置信区间：不高于 {_fmt(hi)}"
    elif est < 0:  # 下降：区间也按下降幅度说，不写成“下降了 0.86（置信区间 -1.01 至 -0.71）”
        interval = (f"{level}% 置信区间：下降 {_fmt(-hi)} 至 {_fmt(-lo)}" if hi < 0 else
                    f"{level}% 置信区间：{_bound(hi, 'zh')}至{_bound(lo, 'zh')}")
    else:
        interval = f"{level}% 置信区间 {_fmt(lo)} 至 {_fmt(hi)}"
    prefix = "与对照组相比，" if relative else ""
    text = f"{prefix}{label}{verb}了{_fmt(abs(est))}{units}（{interval}）"
    if d is not None and math.isfinite(float(d)):
        text += f"，属于{_SIZE['zh'][size_word(float(d))]}变化"
    if not significant:
        text += "；置信区间包含零，不能排除偶然因素"
    return f"{text}。{claim}"
