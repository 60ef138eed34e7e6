"""Fair comparison of providers: shrinkage, league tables with uncertainty, funnel limits.

A federation comparing dozens of purchased services must not rank them by point estimates:
a small project's estimate is noisy, so the top and bottom of a raw ranking are filled with the
smallest projects by chance. Three tools guard against that.

* :func:`shrink` — empirical-Bayes estimates of each project's effect under the normal–normal
  random-effects model (the model of a random-effects meta-analysis).
* :func:`league_table` — estimates, shrunken estimates, their intervals and an interval for
  each project's *rank*, so a reader sees how little a rank means.
* :func:`funnel_limits` — control limits for a rate against its volume (Spiegelhalter 2005).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from evalkit.errors import EstimationError

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import ArrayLike, NDArray

__all__ = ["Shrinkage", "funnel_limits", "league_table", "shrink"]

Tau2Method = Literal["pm", "dl"]


@dataclass(frozen=True)
class Shrinkage:
    """Result of :func:`shrink` (arrays in the order of the input)."""

    mean: float            #: estimated portfolio mean effect mu
    mean_se: float         #: its standard error
    tau2: float            #: between-project variance of the true effects
    weights: NDArray[np.float64]        #: B_i = tau2 / (tau2 + s_i^2), the weight on the project's own estimate
    estimates: NDArray[np.float64]      #: the shrunken (posterior mean) effects
    std_errors: NDArray[np.float64]     #: their posterior standard deviations
    method: str


def _checked(estimates: ArrayLike, std_errors: ArrayLike) -> tuple[NDArray[np.float64],
                                                                    NDArray[np.float64]]:
    try:
        y = np.asarray(estimates, dtype=float)
        s = np.asarray(std_errors, dtype=float)
    except (TypeError, ValueError) as exc:
        raise EstimationError("shrink: estimates and standard errors must be numbers") from exc
    if y.ndim != 1 or s.shape != y.shape:
        raise EstimationError(f"shrink: {y.size} estimates but {s.size} standard errors",
                              hint="give one standard error per estimate")
    if y.size < 3:
        raise EstimationError(f"shrink: {y.size} projects; the between-project variance needs "
                              "at least 3", hint="compare at least 3 projects")
    if not (np.isfinite(y).all() and np.isfinite(s).all()) or (s <= 0).any():
        raise EstimationError("shrink: every estimate must be finite and every standard error "
                              "finite and positive",
                              hint="leave out projects whose effect could not be estimated")
    return y, s


def _tau2_dl(y: NDArray[np.float64], v: NDArray[np.float64]) -> float:
    w = 1.0 / v
    mu = float(np.sum(w * y) / np.sum(w))
    q = float(np.sum(w * (y - mu) ** 2))
    c = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max(0.0, (q - (y.size - 1)) / c)


def _tau2_pm(y: NDArray[np.float64], v: NDArray[np.float64]) -> float:
    from scipy.optimize import brentq

    def excess(t2: float) -> float:
        w = 1.0 / (v + t2)
        mu = np.sum(w * y) / np.sum(w)
        return float(np.sum(w * (y - mu) ** 2) - (y.size - 1))

    if excess(0.0) <= 0:
        return 0.0
    hi = max(float(np.var(y, ddof=1)), 1e-12)
    while excess(hi) > 0:
        hi *= 2
    return float(brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-14, maxiter=500))


def shrink(estimates: ArrayLike, std_errors: ArrayLike, *, method: Tau2Method = "pm") -> Shrinkage:
    r"""Empirical-Bayes shrinkage of project effects toward the portfolio mean.

    Parameters
    ----------
    estimates, std_errors
        Each project's estimated effect :math:`y_i` and its standard error :math:`s_i`.
    method
        Estimator of the between-project variance: ``"pm"`` Paule–Mandel (default; recommended
        by Veroniki et al. 2016) or ``"dl"`` DerSimonian–Laird (truncated at 0).

    Returns
    -------
    Shrinkage

    Notes
    -----
    The model is the normal–normal random-effects model

    .. math:: y_i \mid \theta_i \sim N(\theta_i, s_i^2), \qquad \theta_i \sim N(\mu, \tau^2).

    :math:`\tau^2` is estimated by the chosen method, :math:`\hat\mu = \sum w_i y_i / \sum w_i`
    with :math:`w_i = 1/(s_i^2 + \hat\tau^2)`, :math:`\operatorname{Var}\hat\mu = 1/\sum w_i`.
    Each project's effect is estimated by its posterior mean

    .. math:: \tilde\theta_i = \hat\mu + B_i (y_i - \hat\mu), \qquad B_i = \frac{\hat\tau^2}{\hat\tau^2 + s_i^2},

    with posterior variance :math:`B_i s_i^2 + (1 - B_i)^2 \operatorname{Var}\hat\mu` (the
    second term carries the uncertainty of :math:`\hat\mu`; Morris 1983). A noisy estimate
    (large :math:`s_i`) is pulled further toward the mean. When :math:`\hat\tau^2 = 0` every
    project is estimated by the common mean.

    The mean and :math:`\tau^2` equal ``statsmodels.stats.meta_analysis.combine_effects``
    (``method_re="pm"`` / ``"dl"``, with the DL estimate truncated at zero as in R
    ``metafor::rma(method="DL")``).

    References
    ----------
    Morris, C. N. (1983). Parametric empirical Bayes inference. JASA 78, 47–55.
    Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed., §5.5 (eight schools).
    Veroniki, A. A. et al. (2016). Methods to estimate the between-study variance. Res. Synth.
    Methods 7, 55–79.

    Examples
    --------
    >>> s = shrink([28, 8, -3, 7, -1, 1, 18, 12], [15, 10, 16, 11, 9, 11, 10, 18])
    >>> round(s.mean, 2), s.tau2
    (7.69, 0.0)
    """
    if method not in ("pm", "dl"):
        raise EstimationError(f"shrink: method: expected one of pm, dl, got {method!r}")
    y, s = _checked(estimates, std_errors)
    v = s**2
    tau2 = _tau2_pm(y, v) if method == "pm" else _tau2_dl(y, v)
    w = 1.0 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    var_mu = float(1.0 / np.sum(w))
    b = tau2 / (tau2 + v)
    post = mu + b * (y - mu)
    post_var = b * v + (1 - b) ** 2 * var_mu
    return Shrinkage(mean=mu, mean_se=math.sqrt(var_mu), tau2=float(tau2), weights=b,
                     estimates=post, std_errors=np.sqrt(post_var), method=method)


def league_table(
    names: ArrayLike,
    estimates: ArrayLike,
    std_errors: ArrayLike,
    *,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    method: Tau2Method = "pm",
    draws: int = 4000,
    seed: int = 20251201,
) -> pd.DataFrame:
    """League table with uncertainty: never a rank from a point estimate alone.

    Returns one row per project, sorted by the shrunken estimate, with columns ``project,
    estimate, conf_low, conf_high, shrunk, shrunk_low, shrunk_high, weight, rank_low,
    rank_high, versus_mean``. ``rank_low``–``rank_high`` is the central ``1 - alpha``
    interval of the project's rank over draws from the shrunken (posterior) distributions
    (rank 1 = best); ``versus_mean`` is ``"better"`` / ``"worse"`` when the shrunken interval
    excludes the portfolio mean (in the direction ``higher_is_better`` says is good), else
    ``"indistinguishable"``. ``table.attrs`` holds the portfolio ``mean``, ``mean_se``,
    ``tau2`` and the ``method``.
    """
    import pandas as pd

    from evalkit._dist import norm_ppf

    labels = [str(n) for n in np.asarray(names, dtype=object)]
    fit = shrink(estimates, std_errors, method=method)
    y, s = _checked(estimates, std_errors)
    if len(labels) != y.size:
        raise EstimationError(f"league_table: {len(labels)} names for {y.size} estimates")
    if not 0 < alpha < 1:
        raise EstimationError(f"league_table: alpha must be between 0 and 1, got {alpha!r}")
    z = norm_ppf(1 - alpha / 2)
    rng = np.random.default_rng(seed)
    sims = rng.standard_normal((draws, y.size))  # posterior draws, computed in place:
    sims *= fit.std_errors                        # estimates + std_errors * z
    sims += fit.estimates
    if higher_is_better:  # rank 1 = the largest draw
        np.negative(sims, out=sims)
    lo_rank, hi_rank = _rank_interval(sims.argsort(axis=1), alpha)
    shrunk_lo = fit.estimates - z * fit.std_errors
    shrunk_hi = fit.estimates + z * fit.std_errors
    above = shrunk_lo > fit.mean
    below = shrunk_hi < fit.mean
    better, worse = (above, below) if higher_is_better else (below, above)
    versus = np.where(better, "better", np.where(worse, "worse", "indistinguishable"))
    table = pd.DataFrame({
        "project": labels, "estimate": y, "conf_low": y - z * s, "conf_high": y + z * s,
        "shrunk": fit.estimates, "shrunk_low": shrunk_lo, "shrunk_high": shrunk_hi,
        "weight": fit.weights, "rank_low": lo_rank.astype(int), "rank_high": hi_rank.astype(int),
        "versus_mean": versus,
    })
    table = table.sort_values("shrunk", ascending=not higher_is_better, kind="mergesort")
    table = table.reset_index(drop=True)
    table.attrs.update(mean=fit.mean, mean_se=fit.mean_se, tau2=fit.tau2, method=method)
    return table


def _rank_interval(positions: NDArray[np.intp], alpha: float) -> tuple[NDArray[Any],
                                                                      NDArray[Any]]:
    """Central ``1 - alpha`` interval of each project's rank over the draws.

    ``positions[i, p]`` is the project ranked ``p + 1`` in draw ``i`` (a row-wise argsort).
    The result equals ``np.quantile(ranks, alpha / 2, axis=0, method="lower")`` and
    ``np.quantile(ranks, 1 - alpha / 2, axis=0, method="higher")`` of the rank matrix
    (draws x projects). Up to as many projects as draws it is read from a projects x ranks
    table of counts (how often each project took each rank) instead: no second argsort and no
    partition of every column, a few times faster for a round of a thousand projects.
    """
    draws, n = positions.shape
    index = np.arange(draws)  # the order statistics np.quantile takes for these methods
    k_lo = int(np.quantile(index, alpha / 2, method="lower"))
    k_hi = int(np.quantile(index, 1 - alpha / 2, method="higher"))
    if n > draws:  # the count table would be larger than the draws
        ranks = positions.argsort(axis=1) + 1
        return (np.quantile(ranks, alpha / 2, axis=0, method="lower"),
                np.quantile(ranks, 1 - alpha / 2, axis=0, method="higher"))
    cells = (positions * n + np.arange(n)).ravel()  # project * n + (rank - 1)
    at_most = np.bincount(cells, minlength=n * n).reshape(n, n)
    np.cumsum(at_most, axis=1, out=at_most)  # draws where the project ranks p + 1 or better
    # the k-th smallest rank (from 0) is 1 + the number of ranks reached by at most k draws
    return (at_most <= k_lo).sum(axis=1) + 1, (at_most <= k_hi).sum(axis=1) + 1


def funnel_limits(p0: float, n: ArrayLike, z: float = 1.959963984540054) -> tuple[
        NDArray[np.float64], NDArray[np.float64]]:
    r"""Control limits of a funnel plot for a rate (proportion) against volume.

    .. math:: p_0 \pm z \sqrt{p_0 (1 - p_0) / n}

    clipped to [0, 1] (Spiegelhalter 2005, normal approximation to the binomial). Use
    ``z = 1.96`` (95%) and ``z = 3.09`` (99.8%) for the usual two pairs of limits. A project
    outside the 99.8% limits differs from the portfolio by more than chance would explain at
    its volume; one inside them should not be singled out, whatever its rank.

    References
    ----------
    Spiegelhalter, D. J. (2005). Funnel plots for comparing institutional performance.
    Statistics in Medicine 24, 1185–1202.
    """
    if not 0 <= p0 <= 1:
        raise EstimationError(f"funnel_limits: p0 must be a proportion in [0, 1], got {p0!r}")
    sizes = np.asarray(n, dtype=float)
    if (sizes <= 0).any() or not np.isfinite(sizes).all():
        raise EstimationError("funnel_limits: every volume n must be a positive number")
    half = z * np.sqrt(p0 * (1 - p0) / sizes)
    return np.clip(p0 - half, 0.0, 1.0), np.clip(p0 + half, 0.0, 1.0)
