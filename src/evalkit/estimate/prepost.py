"""Pre/post (paired) outcome change: paired t, Wilcoxon signed-rank and McNemar tests.

``ek.prepost`` takes a long table (one row per person per wave), pairs each person's pre and
post value, reports the mean change (post − pre) with its interval and test, the number of
pairs used and why the others were dropped, and standardised effect sizes. The design is
``"pre_post"`` (Maryland SMS level 2): a change, not an attributable effect.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import check_choice
from evalkit.errors import DataError, EstimationError, SpecError
from evalkit.estimate._effsize import paired_effect_sizes
from evalkit.estimate._paired import Pairs, make_pairs, once_per_frame
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.notes import note
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Alternative", "Test", "prepost"]

Test = Literal["t", "wilcoxon", "mcnemar"]
Alternative = Literal["two-sided", "greater", "less"]
TESTS: tuple[Test, ...] = ("t", "wilcoxon", "mcnemar")
ALTERNATIVES: tuple[Alternative, ...] = ("two-sided", "greater", "less")
#: McNemar uses the exact binomial test when fewer discordant pairs than this
MCNEMAR_EXACT_BELOW = 25


def prepost(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    pre: Any,
    post: Any,
    *,
    test: Test = "t",
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
    label: str | None = None,
    weights: str | None = None,
    wilcoxon_method: Literal["scipy", "r"] = "scipy",
) -> EffectResult:
    """Change from the ``pre`` wave to the ``post`` wave for the same people.

    Parameters
    ----------
    df
        Long table: one row per unit per wave. Not modified.
    outcome
        Numeric outcome column (0/1 for ``test="mcnemar"``). Text values are an error, never
        coerced.
    unit
        Person (unit) id column; each id at most once per wave.
    time
        Wave column; ``pre`` and ``post`` are two of its values.
    pre, post
        Labels of the baseline and follow-up waves.
    test
        ``"t"`` paired t-test, ``"wilcoxon"`` signed-rank test, ``"mcnemar"`` for 0/1 outcomes.
    alternative
        About the change **post − pre**: ``"two-sided"``, ``"greater"`` (post > pre) or
        ``"less"`` (post < pre).
    alpha
        1 − confidence level of the interval.
    label
        Readable name of the outcome for sentences (stored in ``extra["label"]``).
    weights
        Column of sampling weights, one per person (the same on the person's pre and post
        rows; ``test="t"`` only). People of weight 0 are dropped (``dropped["zero_weight"]``).
        See Notes.
    wilcoxon_method
        ``test="wilcoxon"`` only. ``"scipy"`` (default): what ``scipy.stats.wilcoxon``
        returns, computed by evalkit (identical, without importing scipy.stats) — zero
        differences dropped; up to 50 pairs without ties or zeros the exact distribution;
        with ties or zeros, every sign flip up to 13 pairs (an exact permutation test) and
        the normal approximation above. ``"r"``: as R's ``wilcox.test(post, pre, paired =
        TRUE)`` with its defaults — exact only with fewer than 50 non-zero differences, no
        ties and no zeros, otherwise the normal approximation with tie and continuity
        corrections; the statistic is then R's V (sum of the positive ranks). See Notes.

    Returns
    -------
    EffectResult
        ``estimate`` = mean change post − pre (McNemar: proportion at post − proportion at
        pre), ``se``, ``ci``, ``pvalue``, ``n`` = pairs used, ``n_dropped`` and ``dropped``
        (``only_pre``, ``only_post``, ``missing_outcome``, ``missing_unit``), design
        ``"pre_post"``. ``extra`` holds ``mean_pre``, ``mean_post``, ``sd_pre``, ``sd_post``,
        ``sd_diff``, ``r_pre_post``, the effect sizes ``cohens_dz``, ``cohens_d_av``,
        ``hedges_g_av`` each with ``*_ci``, ``standardised`` (= d_av; Cohen's h for McNemar)
        and ``label``.

    Raises
    ------
    DataError
        Missing columns, a wave label absent from ``time``, non-numeric outcome, duplicated
        unit in a wave, a McNemar outcome with values other than 0/1.
    EstimationError
        No unit has values in both waves, fewer than two pairs, or every difference is equal
        (zero variance; t and Wilcoxon).
    SpecError
        Unknown ``test`` or ``alternative``, ``alpha`` outside (0, 1).

    Notes
    -----
    With differences :math:`d_i = y_i^{post} - y_i^{pre}`, :math:`i = 1..n`:

    * paired t: :math:`t = \\bar d / (s_d/\\sqrt n)`, df :math:`n-1`; interval
      :math:`\\bar d \\pm t_{1-\\alpha/2,\\,n-1}\\, s_d/\\sqrt n` (one-sided: one bound infinite).
      Same as ``scipy.stats.ttest_rel(post, pre)``; R ``t.test(post, pre, paired = TRUE)``;
      Stata ``ttest post == pre``. pingouin's ``ttest(pre, post, paired=True)`` computes
      pre − post, so its T, interval and d have the opposite sign and its ``"less"`` is
      evalkit's ``"greater"``.
    * Wilcoxon signed-rank on :math:`d_i` (zero differences dropped, Wilcoxon's convention;
      exact null distribution for small n without ties, all sign flips for up to 13 pairs with
      ties or zeros, normal approximation otherwise — the choice of ``scipy.stats.wilcoxon``,
      whose statistic and p evalkit reproduces bit for bit without importing it). The
      headline estimate is still the mean change with its t interval; the Hodges–Lehmann
      pseudo-median (median of the Walsh averages) and the matched-pairs rank-biserial
      correlation are in ``extra``. R ``wilcox.test(post, pre, paired = TRUE,
      correct = FALSE)`` (scipy applies no continuity correction in the normal
      approximation; R's default ``correct = TRUE`` does); Stata ``signrank post = pre``.
      With zero or tied differences and at most 13 pairs the two differ more: scipy
      counts every sign flip of the differences (ranks of ties averaged), R switches to
      the normal approximation. R's sleep data (``wilcox.test(extra ~ group,
      data = sleep, paired = TRUE)``: one zero, one tie): evalkit/scipy p = 0.0039 (=
      2/2^9), R V = 0, p = 0.009091; ``wilcoxon_method="r"`` reproduces R's value. No R
      call reproduces scipy's choice here (R's ``exact = TRUE`` with zeros still falls back
      to the normal approximation).
    * McNemar (0/1 outcome): with :math:`b` = pairs 0→1 and :math:`c` = pairs 1→0, the
      estimate is :math:`(b - c)/n`. Two-sided: exact binomial test of :math:`b` out of
      :math:`b + c` at 1/2 when :math:`b + c < 25`, else :math:`\\chi^2 = (|b-c|-1)^2/(b+c)`
      — equal to ``statsmodels.stats.contingency_tables.mcnemar`` with ``exact`` chosen by
      the same rule. One-sided: exact binomial. Interval: Agresti–Min (2005) adjusted Wald
      (add 1/2 to each cell). Standardised size: Cohen's h
      :math:`2\\arcsin\\sqrt{p_{post}} - 2\\arcsin\\sqrt{p_{pre}}`. R ``mcnemar.test(table)``
      (``exact2x2::mcnemar.exact`` for the exact test); Stata ``mcc post pre``.

    Weights (``weights="w"``, ``test="t"``): the estimate is the weighted mean change
    :math:`\\bar d_w = \\sum w_i d_i / \\sum w_i` and its standard error the survey
    (linearisation) one, :math:`SE^2 = \\frac{n}{n-1}\\sum w_i^2 (d_i - \\bar d_w)^2 /
    (\\sum w_i)^2`, with t(n-1) inference: equal to statsmodels ``WLS(d, ones,
    weights=w).fit(cov_type="HC1")``, Stata ``mean d [pweight=w]`` and R
    ``survey::svymean(~d, svydesign(ids = ~1, weights = ~w))`` (with ``degf`` n-1). These are
    sampling (probability) weights: the SE does not change when all weights are multiplied
    by one number, and does not treat a weight as a count of people (as statsmodels
    ``DescrStatsW`` and Stata ``[fweight=]`` would). With equal weights it is the paired t.
    Means and SDs in ``extra`` are then weighted (:math:`s_w^2 = \\frac{n}{n-1}\\sum w_i
    (x_i - \\bar x_w)^2/\\sum w_i`); d_z, d_av and g_av use them, without intervals.
    Wilcoxon and McNemar have no weighted form here and refuse weights.

    Effect sizes (t and Wilcoxon), all for post − pre (Lakens 2013):

    * :math:`d_z = \\bar d / s_d`;
    * :math:`d_{av} = \\bar d / \\sqrt{(s_{pre}^2 + s_{post}^2)/2}` (Cumming 2012; the
      denominator pingouin uses — Lakens' paper averages the two SDs instead);
    * :math:`g_{av} = J\\, d_{av}` with :math:`J = 1 - 3/(4(2n-2) - 1)`.

    Intervals (always two-sided at 1 − alpha, whatever the alternative): the noncentral-t
    interval :math:`[\\lambda_L, \\lambda_U]` for the observed t (Steiger & Fouladi 1997)
    gives :math:`d_z \\in [\\lambda_L, \\lambda_U]/\\sqrt n` (exact under normality); d_av's
    interval rescales it by :math:`s_d / s_{av}`, treating that ratio as known — an
    approximation of the kind Algina & Keselman (2003) assess; in evalkit's simulations
    (bivariate normal, n = 15–100, r = 0.5–0.9) it covered 94.5–95.5%. g_av's interval is
    d_av's times J.

    References
    ----------
    Lakens, D. (2013). Calculating and reporting effect sizes to facilitate cumulative
    science. *Frontiers in Psychology* 4:863.
    Cumming, G. (2012). *Understanding the New Statistics*. Routledge.
    Algina, J. & Keselman, H. J. (2003). Approximate confidence intervals for effect sizes.
    *Educational and Psychological Measurement* 63(4), 537–553.
    Steiger, J. H. & Fouladi, R. T. (1997). Noncentrality interval estimation. In *What if
    there were no significance tests?* Erlbaum.
    Agresti, A. & Min, Y. (2005). Simple improved confidence intervals for comparing matched
    proportions. *Statistics in Medicine* 24, 729–740.

    Examples
    --------
    >>> import pandas as pd, evalkit as ek
    >>> df = pd.DataFrame({
    ...     "id": [1, 2, 3, 4, 5] * 2,
    ...     "wave": ["pre"] * 5 + ["post"] * 5,
    ...     "score": [5.5, 2.4, 6.8, 9.6, 4.2, 6.4, 3.4, 6.4, 11.0, 4.8]})
    >>> r = ek.prepost(df, "score", "id", "wave", "pre", "post")
    >>> round(r.estimate, 2), r.n
    (0.7, 5)
    """
    where = f"prepost({outcome!r})"
    check_choice("test", test, TESTS)
    check_choice("alternative", alternative, ALTERNATIVES)
    check_choice("wilcoxon_method", wilcoxon_method, ("scipy", "r"))
    if not (isinstance(alpha, int | float) and 0.0 < float(alpha) < 1.0):
        raise SpecError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    if weights is not None and test != "t":
        raise EstimationError(
            f"{where}: weights= is supported with test='t' only, got test={test!r}",
            hint="use test='t' for a weighted mean change, or drop weights= for the "
            "Wilcoxon / McNemar test (they have no survey-weighted form in evalkit)")
    pairs = make_pairs(df, outcome, unit, time, pre, post, where)
    spec = {"outcome": outcome, "unit": unit, "time": time, "pre": pre, "post": post,
            "test": test, "alternative": alternative, "alpha": alpha, "weights": weights,
            "wilcoxon_method": wilcoxon_method}
    if weights is not None:
        from evalkit.estimate._paired_weights import pair_weights, weighted_change

        pairs, w = pair_weights(df, pairs, unit, time, pre, post, weights, where)
        return weighted_change(pairs, w, outcome, weights, alternative, float(alpha), label,
                               spec, where)
    if test == "mcnemar":
        return _mcnemar(pairs, outcome, alternative, float(alpha), label, spec, where)
    return _continuous(pairs, outcome, test, alternative, float(alpha), label, spec, where,
                       wilcoxon_method)


def _t_interval(
    mean: float, se: float, df: float, alternative: str, alpha: float
) -> tuple[float, float]:
    from evalkit._dist import t_ppf

    if alternative == "two-sided":
        q = t_ppf(1 - alpha / 2, df)
        return mean - q * se, mean + q * se
    q = t_ppf(1 - alpha, df)
    if alternative == "greater":
        return mean - q * se, math.inf
    return -math.inf, mean + q * se


def _t_pvalue(t: float, df: float, alternative: str) -> float:
    from evalkit._dist import t_cdf, t_sf

    if alternative == "two-sided":
        return 2 * t_sf(abs(t), df)
    if alternative == "greater":
        return t_sf(t, df)
    return t_cdf(t, df)


def _describe(x: np.ndarray, y: np.ndarray) -> dict[str, float]:
    import numpy as np

    r = float(np.corrcoef(x, y)[0, 1]) if np.std(x) > 0 and np.std(y) > 0 else math.nan
    return {
        "mean_pre": float(np.mean(x)),
        "mean_post": float(np.mean(y)),
        "sd_pre": float(np.std(x, ddof=1)),
        "sd_post": float(np.std(y, ddof=1)),
        "sd_diff": float(np.std(y - x, ddof=1)),
        "r_pre_post": r,
    }


def _continuous(
    pairs: Pairs, outcome: str, test: str, alternative: str, alpha: float,
    label: str | None, spec: dict[str, Any], where: str, wilcoxon_method: str = "scipy",
) -> EffectResult:
    import numpy as np

    x, y = pairs.pre, pairs.post
    n = pairs.n
    diff = y - x
    if n < 2:
        raise EstimationError(
            f"{where}: only {n} unit has values of {outcome!r} in both waves; a change needs "
            "at least 2 pairs",
            hint="check the wave labels and unit ids, or collect more follow-up data",
        )
    sd = float(np.std(diff, ddof=1))
    if not sd > 0:
        raise EstimationError(
            f"{where}: every pair changed by exactly {float(diff[0]):g} on {outcome!r} "
            f"(zero variance of the {n} differences), so no test or interval can be computed",
            hint="check that the post wave was not copied from the pre wave",
        )
    mean = float(np.mean(diff))
    se = sd / math.sqrt(n)
    dof = n - 1.0
    t = mean / se
    ci = _t_interval(mean, se, dof, alternative, alpha)
    # the same for the t and the Wilcoxon result of one pairing (computed once in paired_once)
    extra: dict[str, Any] = dict(once_per_frame(
        pairs, ("describe", alpha), lambda: {**_describe(x, y),
                                             **paired_effect_sizes(x, y, 1 - alpha)}))
    notes = [note("prepost.post_minus_pre")]
    if test == "t":
        method, stat, pvalue, stat_df = "paired t-test", t, _t_pvalue(t, dof, alternative), dof
        term = "mean change"
    else:
        from evalkit.estimate._rank import signed_rank

        w = signed_rank(diff, alternative, alpha, wilcoxon_method)
        extra.update(w)
        method, stat, pvalue, stat_df = ("Wilcoxon signed-rank test", w["wilcoxon_statistic"],
                                         w["wilcoxon_pvalue"], None)
        term = "mean change"
        notes.append(note("prepost.wilcoxon"))
    if label is not None:
        extra["label"] = label
    rows = [tidy_row(term, mean, se, stat, pvalue, ci[0], ci[1])]
    if test == "wilcoxon":
        lo, hi = extra["hodges_lehmann_ci"]
        rows.append(tidy_row("pseudo-median (Hodges–Lehmann)", extra["hodges_lehmann"],
                             math.nan, stat, pvalue, lo, hi))
    return EffectResult(
        estimate=mean, se=se, ci=ci, pvalue=pvalue, n=n, method=method, design="pre_post",
        outcome=outcome, term=term, table=tidy_frame(rows), statistic=float(stat),
        df=stat_df, alternative=alternative, alpha=alpha, n_dropped=pairs.n_dropped,
        dropped=pairs.dropped, evidence_level=evidence_level("pre_post"), notes=tuple(notes),
        spec=spec, extra=extra,
    )


def _mcnemar(
    pairs: Pairs, outcome: str, alternative: str, alpha: float, label: str | None,
    spec: dict[str, Any], where: str,
) -> EffectResult:
    import numpy as np

    from evalkit._dist import binom_test, chi2_sf, norm_ppf

    x, y = pairs.pre, pairs.post
    bad = ~np.isin(x, (0.0, 1.0)) | ~np.isin(y, (0.0, 1.0))
    if bool(bad.any()):
        values = np.unique(np.concatenate([x, y])[np.concatenate([bad, bad])])
        shown = ", ".join(f"{v:g}" for v in values[:5])
        raise DataError(
            f"{where}: test='mcnemar' needs a 0/1 outcome, column {outcome!r} has {shown}",
            hint="recode the outcome to 0/1 (1 = the state you count), or use test='t'",
        )
    n = pairs.n
    b = int(np.sum((x == 0) & (y == 1)))
    c = int(np.sum((x == 1) & (y == 0)))
    p_pre, p_post = float(np.mean(x)), float(np.mean(y))
    est = (b - c) / n
    se = math.sqrt(max((b + c) - (b - c) ** 2 / n, 0.0)) / n
    notes = [note("prepost.proportion")]
    m = b + c
    if m == 0:
        stat, pvalue, exact = 0.0, 1.0, True
        notes.append(note("prepost.mcnemar_no_change"))
    elif alternative == "two-sided" and m >= MCNEMAR_EXACT_BELOW:
        stat = (abs(b - c) - 1.0) ** 2 / m
        pvalue, exact = chi2_sf(stat, 1), False
    elif alternative == "two-sided":
        stat = float(min(b, c))
        pvalue, exact = binom_test(min(b, c), m, 0.5), True
    else:
        stat = float(b)
        pvalue, exact = binom_test(b, m, 0.5, alternative=alternative), True
    if exact and m:
        notes.append(note("prepost.mcnemar_exact", m=m))
    # Agresti–Min adjusted Wald interval: add 1/2 to each of the four cells
    na = n + 2.0
    pb, pc = (b + 0.5) / na, (c + 0.5) / na
    centre = pb - pc
    half_se = math.sqrt(max(pb + pc - (pb - pc) ** 2, 0.0) / na)
    if alternative == "two-sided":
        z = norm_ppf(1 - alpha / 2)
        ci = (centre - z * half_se, centre + z * half_se)
    else:
        z = norm_ppf(1 - alpha)
        ci = (centre - z * half_se, 1.0) if alternative == "greater" else (-1.0,
                                                                           centre + z * half_se)
    ci = (max(ci[0], -1.0), min(ci[1], 1.0))
    h = 2 * math.asin(math.sqrt(p_post)) - 2 * math.asin(math.sqrt(p_pre))
    extra: dict[str, Any] = {
        "prop_pre": p_pre, "prop_post": p_post, "n01": b, "n10": c,
        "n00": int(np.sum((x == 0) & (y == 0))), "n11": int(np.sum((x == 1) & (y == 1))),
        "exact": exact, "odds_ratio": (b / c) if c else math.inf if b else math.nan,
        "cohens_h": h, "standardised": h, "ci_method": "Agresti–Min adjusted Wald",
    }
    if label is not None:
        extra["label"] = label
    term = "change in proportion"
    table = tidy_frame([tidy_row(term, est, se, stat, pvalue, ci[0], ci[1])])
    return EffectResult(
        estimate=est, se=se, ci=ci, pvalue=pvalue, n=n, method="McNemar test"
        + (" (exact)" if exact else " (chi-square, continuity-corrected)"),
        design="pre_post", outcome=outcome, term=term, table=table, statistic=float(stat),
        df=None if exact else 1.0, alternative=alternative, alpha=alpha,
        n_dropped=pairs.n_dropped, dropped=pairs.dropped,
        evidence_level=evidence_level("pre_post"), notes=tuple(notes), spec=spec, extra=extra,
    )
