"""Interrupted time series (segmented regression) with Newey–West standard errors."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_column_args,
    check_frame,
    numeric_column,
    require_columns,
    require_values,
    require_variation,
)
from evalkit.errors import DataError, EstimationError, EvalkitWarning, SpecError
from evalkit.estimate.did import binary_column, check_alpha
from evalkit.estimate.evidence import evidence_level
from evalkit.estimate.inference import t_inference
from evalkit.estimate.notes import note
from evalkit.estimate.results import Design, EffectResult, tidy_frame, tidy_row

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ITSWarning", "its", "ljung_box", "newey_west"]

FloatArray = npt.NDArray[np.float64]

#: fewer pre- or post-intervention periods than this draw a warning (Wagner et al. 2002)
MIN_PERIODS_ADVISED = 8
#: fewer pre-intervention periods than this are an error (no pre-trend can be estimated)
MIN_PRE_PERIODS = 3


class ITSWarning(EvalkitWarning):
    """A short series or autocorrelation left in the residuals of an interrupted time series."""


def newey_west(X: FloatArray, resid: FloatArray, lags: int,
               groups: npt.NDArray[np.intp] | None = None) -> FloatArray:
    """Newey–West (Bartlett kernel) covariance :math:`(X'X)^{-1} S (X'X)^{-1}`.

    :math:`S = \\sum_t g_t g_t' + \\sum_{l=1}^{L} (1 - \\frac{l}{L+1})\\sum_t (g_t g_{t-l}' +
    g_{t-l} g_t')`, :math:`g_t = x_t e_t`, rows in time order; with ``groups`` (several
    series) S is summed over the series and lags never cross from one series to another.
    No small-sample factor (statsmodels ``cov_type="HAC"`` / ``"hac-panel"`` default).
    """
    g = X * resid[:, None]
    blocks = [np.arange(len(resid))] if groups is None else [
        np.flatnonzero(groups == k) for k in np.unique(groups)]
    S = np.zeros((X.shape[1], X.shape[1]))
    for idx in blocks:
        gb = g[idx]
        S += gb.T @ gb
        for lag in range(1, min(lags, len(idx) - 1) + 1):
            cross = gb[lag:].T @ gb[:-lag]
            S += (1 - lag / (lags + 1)) * (cross + cross.T)
    xtx_inv = np.linalg.inv(X.T @ X)
    V = xtx_inv @ S @ xtx_inv
    return np.asarray((V + V.T) / 2, dtype=np.float64)


def ljung_box(resid: FloatArray, lags: int) -> tuple[float, float]:
    """Ljung–Box :math:`Q = n(n+2)\\sum_{k=1}^{h} r_k^2/(n-k)` and its chi-squared(h) p-value."""
    from evalkit._dist import chi2_sf

    e = resid - resid.mean()
    n = len(e)
    denom = float(e @ e)
    if denom <= 0 or lags < 1:
        return math.nan, math.nan
    r = np.array([float(e[k:] @ e[:-k]) / denom for k in range(1, lags + 1)])
    q = float(n * (n + 2) * np.sum(r**2 / (n - np.arange(1, lags + 1))))
    return q, chi2_sf(q, lags)


def _season_dummies(df: pd.DataFrame, season: str | int, t: FloatArray, ok: Any,
                    where: str) -> tuple[FloatArray, list[str]]:
    import pandas as pd

    if isinstance(season, bool) or not isinstance(season, str | int):
        raise SpecError(f"{where}: season: expected a column name or a whole number of periods "
                        f"per cycle, got {season!r}", hint="e.g. season='month' or season=12")
    if isinstance(season, int):
        if season < 2:
            raise SpecError(f"{where}: season={season} must be at least 2 periods per cycle",
                            hint="e.g. season=12 for monthly data, 4 for quarterly")
        labels = pd.Series((t - t.min()).round().astype(np.int64) % season)
    else:
        require_columns(df, [season], where)
        labels = df[season].loc[ok].reset_index(drop=True)
        if labels.isna().any():
            raise DataError(f"{where}: column {season!r} (season) has missing values",
                            hint="fill in the season (e.g. the month) on every row")
    codes, uniques = pd.factorize(labels, sort=True)
    names = [f"season={u}" for u in uniques[1:]]
    D = np.zeros((len(codes), max(len(uniques) - 1, 0)))
    for j in range(1, len(uniques)):
        D[:, j - 1] = codes == j
    return D, names


def its(
    df: pd.DataFrame,
    outcome: str,
    time: str,
    start: float,
    *,
    control: str | None = None,
    season: str | int | None = None,
    hac_lags: int | None = None,
    alpha: float = 0.05,
) -> EffectResult:
    """Interrupted time series: segmented regression with Newey–West standard errors.

    Parameters
    ----------
    df
        One row per period (one series), or with ``control`` one row per period and series.
        Never modified.
    outcome
        Numeric outcome (e.g. monthly count of service users, a rate, a mean score).
    time
        Numeric period (1, 2, 3 … or a year); periods should be equally spaced.
    start
        First period of the intervention (the value of ``time`` at which it starts).
    control
        Optional 0/1 column: 1 for the rows of a comparison series that did not receive the
        service, 0 for the served series (comparative ITS).
    season
        Seasonal terms: a column name (e.g. month of year) or the number of periods per cycle
        (e.g. 12): one dummy per season, the first omitted.
    hac_lags
        Newey–West truncation lag L; default :math:`\\lfloor 4 (T/100)^{2/9} \\rfloor`
        (Newey & West 1994), T the number of periods.
    alpha
        1 - confidence level.

    Returns
    -------
    EffectResult
        Headline ``"average post effect"``: the mean over the post periods of fitted minus
        counterfactual (the pre-period line continued), :math:`b_2 + b_3 \\bar k` with
        :math:`\\bar k` the mean of :math:`t - t_0` after the start, its SE from
        :math:`a'Va`. ``to_frame()`` rows: the headline, ``level`` (:math:`b_2`), ``trend``
        (:math:`b_3`), ``pre_trend`` (:math:`b_1`), ``intercept`` and seasonal terms.
        ``extra``: ``fitted`` and ``counterfactual`` series (frame), ``hac_lags``,
        ``ljung_box`` (statistic, lags, p_value), ``n_pre``, ``n_post``, ``vcov``.

    Raises
    ------
    DataError
        Fewer than 3 pre-intervention periods, no post period, a period repeated within a
        series, a non-numeric time or outcome.

    Warns
    -----
    ITSWarning
        Fewer than 8 periods before or after the start; autocorrelation left in the
        residuals (Ljung–Box p < 0.05 at :math:`\\min(10, T/5)` lags).

    Notes
    -----
    :math:`y_t = b_0 + b_1 (t - t_0) + b_2 D_t + b_3 (t - t_0) D_t (+\\text{season}) + e_t`,
    :math:`D_t = 1(t \\ge t_0)`: :math:`b_2` is the change in level at the start and
    :math:`b_3` the change in slope (Wagner et al. 2002). :math:`b_0` here is the level at
    :math:`t_0` (the intercept of :math:`y = b_0 + b_1 t + \\dots` is :math:`b_0 - b_1 t_0`;
    the other coefficients are the same). With ``control`` (Linden 2015) every term is also
    interacted with the comparison indicator and ``level``/``trend`` are the *differences*
    between the served and the comparison series' changes.

    The effect is the service's only if nothing else changed at :math:`t_0` and the pre-period
    trend would have continued. Standard errors: Newey–West (Bartlett kernel, no small-sample
    factor) as statsmodels ``OLS(y, X).fit(cov_type="HAC", cov_kwds={"maxlags": L},
    use_t=True)``; with two series, lags stay within each series (statsmodels
    ``"hac-panel"``). Intervals use t(n - k).

    R: ``lm(y ~ time + post + time_after)`` with ``sandwich::NeweyWest(fit, lag = L,
    prewhite = FALSE, adjust = FALSE)``; Stata: ``itsa y, single trperiod(t0) lag(L)`` or
    ``newey y t post t_after, lag(L)`` (Stata's ``newey`` multiplies by n/(n - k)).

    References
    ----------
    Wagner, A. K., Soumerai, S. B., Zhang, F., & Ross-Degnan, D. (2002). Segmented regression
    analysis of interrupted time series studies in medication use research. *Journal of
    Clinical Pharmacy and Therapeutics*, 27(4), 299–309.
    Bernal, J. L., Cummins, S., & Gasparrini, A. (2017). Interrupted time series regression for
    the evaluation of public health interventions. *International Journal of Epidemiology*,
    46(1), 348–355.
    Linden, A. (2015). Conducting interrupted time-series analysis for single- and
    multiple-group comparisons. *The Stata Journal*, 15(2), 480–500.
    Newey, W. K., & West, K. D. (1987). A simple, positive semi-definite, heteroskedasticity
    and autocorrelation consistent covariance matrix. *Econometrica*, 55(3), 703–708.

    Examples
    --------
    >>> r = ek.its(monthly, "visits", "month", start=13, season=12)  # doctest: +SKIP
    >>> r.to_frame().set_index("term").loc[["level", "trend"]]  # doctest: +SKIP
    """
    import pandas as pd

    where = "its"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, time=time)
    require_columns(df, [outcome, time, control], where)
    alpha = check_alpha(alpha)
    if isinstance(start, bool) or not isinstance(start, int | float | np.integer | np.floating):
        raise SpecError(f"{where}: start: expected the first intervention period (a number), "
                        f"got {start!r}", hint="e.g. start=13 (the 13th month)")
    if hac_lags is not None and (isinstance(hac_lags, bool) or not isinstance(hac_lags, int)
                                 or hac_lags < 0):
        raise SpecError(f"{where}: hac_lags: expected a whole number >= 0, got {hac_lags!r}",
                        hint="e.g. hac_lags=3, or leave it out for the Newey-West default")
    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    tt = numeric_column(df, time, where).to_numpy(dtype=np.float64)
    cmp = binary_column(df, control, where) if control is not None else np.zeros(len(df))
    require_values({outcome: y, time: tt}, where)
    ok = ~(np.isnan(y) | np.isnan(tt) | np.isnan(cmp))
    dropped = {"missing values": int((~ok).sum())} if not ok.all() else {}
    y, tt, cmp = y[ok], tt[ok], cmp[ok]
    order = np.lexsort((tt, cmp))  # served series first, each in time order
    y, tt, cmp = y[order], tt[order], cmp[order]
    require_variation(y, outcome, where)
    for s in np.unique(cmp):
        ts = tt[cmp == s]
        if len(np.unique(ts)) < len(ts):
            raise DataError(f"{where}: some periods of {time!r} appear more than once"
                            + (" in one series" if control else ""),
                            hint="keep one row per period (and series); aggregate first")
    served = cmp == 0
    if not served.any():
        raise DataError(f"{where}: no rows of the served series ({control!r} = 0)",
                        hint="mark the comparison series with 1 and the served series with 0")
    t0 = float(start)
    k_rel = tt - t0
    post = (tt >= t0).astype(np.float64)
    n_pre = int(np.sum(served & (post == 0)))
    n_post = int(np.sum(served & (post == 1)))
    if n_pre < MIN_PRE_PERIODS:
        raise DataError(
            f"{where}: only {n_pre} period(s) of {time!r} before start={start:g}; at least "
            f"{MIN_PRE_PERIODS} are needed to estimate the trend before the service",
            hint="add earlier periods, or use a before/after comparison (ek.prepost)")
    if n_post < 1:
        raise DataError(f"{where}: no period of {time!r} at or after start={start:g}",
                        hint="check start: it must be the first period with the service")
    notes: list[str] = []
    if n_pre < MIN_PERIODS_ADVISED or n_post < MIN_PERIODS_ADVISED:
        msg = note("its.short_series", n_pre=n_pre, n_post=n_post,
                   advised=MIN_PERIODS_ADVISED)
        warnings.warn(msg, ITSWarning, stacklevel=2)
        notes.append(msg)

    base = [np.ones_like(y), k_rel, post, k_rel * post]
    if control is None:
        cols, names = base, ["intercept", "pre_trend", "level", "trend"]
    else:  # comparison series' segments, then the served-minus-comparison differences
        sv = 1.0 - cmp
        cols = base + [sv * c for c in base]
        names = ["comparison:intercept", "comparison:pre_trend", "comparison:level",
                 "comparison:trend", "difference:intercept", "difference:pre_trend", "level",
                 "trend"]
    if season is not None:
        S, s_names = _season_dummies(df, season, tt, ok, where)
        if not isinstance(season, int):
            S = S[order]
        cols += list(S.T)
        names += s_names
    X = np.column_stack(cols)
    n, k = X.shape
    if n <= k:
        raise EstimationError(f"{where}: {n} periods for {k} coefficients",
                              hint="use fewer seasonal terms or a longer series")
    if np.linalg.matrix_rank(X) < k:
        raise EstimationError(f"{where}: the segmented regression is not identified (collinear "
                              "terms, e.g. a season seen only once)",
                              hint="drop season= or add periods")
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ coef
    T = len(np.unique(tt))
    lags = hac_lags if hac_lags is not None else math.floor(4 * (T / 100) ** (2 / 9))
    groups = cmp.astype(np.intp) if control is not None else None
    V = newey_west(X, resid, lags, groups)
    se = np.sqrt(np.clip(np.diag(V), 0, None))
    df_resid = float(n - k)

    # served-minus-counterfactual (or served-minus-comparison change) averaged over post periods
    kbar = float(k_rel[served & (post == 1)].mean())
    a = np.zeros(k)
    a[names.index("level")], a[names.index("trend")] = 1.0, kbar
    est = float(a @ coef)
    est_se = float(math.sqrt(max(float(a @ V @ a), 0.0)))
    rows = [tidy_row("average post effect", est, est_se,
                     *t_inference(est, est_se, df_resid, alpha))]
    report = ["level", "trend", *[nm for nm in names if nm not in ("level", "trend")]]
    for nm in report:
        j = names.index(nm)
        b, s_ = float(coef[j]), float(se[j])
        rows.append(tidy_row(nm, b, s_, *t_inference(b, s_, df_resid, alpha)))

    lb_lags = max(1, min(10, int(np.sum(served)) // 5))
    q, q_p = ljung_box(resid[served], lb_lags)
    if math.isfinite(q_p) and q_p < 0.05:
        msg = note("its.autocorrelation", q=f"{q:.3g}", lb_lags=lb_lags, p=f"{q_p:.3g}",
                   lags=lags)
        warnings.warn(msg, ITSWarning, stacklevel=2)
        notes.append(msg)
    notes.insert(0, note("se.newey_west", lags=lags, df=n - k))
    notes.append(note("its.assumption_comparison" if control else "its.assumption"))
    fit_served = X[served] @ coef
    Xc = X[served].copy()
    for nm in ("level", "trend"):
        Xc[:, names.index(nm)] = 0.0
    series = pd.DataFrame({time: tt[served], "observed": y[served], "fitted": fit_served,
                           "counterfactual": Xc @ coef, "post": post[served].astype(bool)})
    design: Design = "comparative_its" if control else "its"
    head = rows[0]
    return EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=n,
        method="interrupted time series (segmented regression, Newey-West SEs" +
        (", comparison series)" if control else ")"),
        design=design, outcome=outcome, term="average post effect", table=tidy_frame(rows),
        statistic=head["statistic"], df=df_resid, alpha=alpha,
        n_dropped=sum(dropped.values()), dropped=dropped,
        evidence_level=evidence_level(design), notes=tuple(notes),
        spec={"outcome": outcome, "time": time, "start": start, "control": control,
              "season": season, "hac_lags": hac_lags, "alpha": alpha},
        extra={"series": series, "hac_lags": lags, "n_pre": n_pre, "n_post": n_post,
               "ljung_box": {"statistic": q, "lags": lb_lags, "p_value": q_p},
               "vcov": pd.DataFrame(V, index=names, columns=names), "coef_names": names,
               "mean_post_time": kbar},
    )
