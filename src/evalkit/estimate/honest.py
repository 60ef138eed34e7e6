"""Sensitivity of an event study to violations of parallel trends (Rambachan & Roth 2023).

``ek.honest_did`` takes the event-study coefficients ``β̂ = (β̂_pre, β̂_post)`` and their
covariance ``Σ`` and returns, for each bound ``M``, a confidence interval for the target
``θ = l'τ_post`` that stays valid when the post-period violation of parallel trends ``δ_post``
is only restricted to a set ``Δ(M)`` tied to the pre-period violations, plus the breakdown
value: the largest ``M`` at which the interval still excludes zero.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import optimize

from evalkit._checks import check_lang
from evalkit._dist import norm_ppf
from evalkit.errors import EvalkitWarning, SpecError
from evalkit.estimate._threads import one_blas_thread
from evalkit.estimate.honest_arp import rm_interval
from evalkit.estimate.honest_flci import FlciProblem
from evalkit.estimate.notes import Note, in_language, note

__all__ = ["honest_did", "honest_note", "honest_sentence"]

Method = Literal["relative_magnitude", "smoothness"]
Test = Literal["hybrid", "conditional"]
_METHODS = ("relative_magnitude", "smoothness")
FloatArray = NDArray[np.float64]


def _from_result(result: Any) -> tuple[FloatArray, FloatArray, int, int]:
    events = getattr(result, "event_times", None)
    vcov = result.extra.get("vcov") if hasattr(result, "extra") else None
    if not isinstance(events, pd.DataFrame):
        raise SpecError("result_or_betahat: the result has no event-time coefficients "
                        f"(design {getattr(result, 'design', '?')!r})",
                        hint="pass a result of ek.event_study(...), or betahat, sigma, num_pre "
                             "and num_post directly")
    if not isinstance(vcov, pd.DataFrame):
        raise SpecError("result_or_betahat: the result carries no covariance matrix of its "
                        "event-time coefficients (extra['vcov'])",
                        hint="use ek.event_study(...), or pass betahat and sigma directly")
    design = getattr(result, "design", None)
    sorted_rows = None if design == "staggered_did" else _event_rows(events)
    if sorted_rows is None:
        ev = events[~events["reference"].astype(bool)].sort_values("event_time")
        if design == "staggered_did":
            ev = _staggered_event_times(ev)
        sorted_rows = list(ev["term"]), ev["event_time"], ev["estimate"].to_numpy(dtype=float)
    terms, times, beta = sorted_rows
    rows, cols = _vcov_positions(vcov, terms)
    if rows is None or cols is None:
        missing = [t for t in terms if t not in vcov.index]
        if missing:
            raise SpecError(f"result_or_betahat: terms {missing} have no row in extra['vcov']",
                            hint="pass betahat and sigma directly")
    pre = int((times < 0).sum())
    post = int((times >= 0).sum())
    if pre == 0:
        raise SpecError("result_or_betahat: the event study has no pre-period coefficients; "
                        "the sensitivity analysis bounds post-period violations by the "
                        "pre-period ones",
                        hint="estimate the event study on a panel with periods before the "
                             "start (at least one besides the reference period)")
    if rows is None or cols is None:
        sigma = vcov.loc[terms, terms].to_numpy(dtype=float)
    else:  # as .loc[terms, terms].to_numpy(): the same values, in Fortran order
        sigma = np.asfortranarray(vcov.to_numpy(dtype=float)[np.ix_(rows, cols)])
    return beta, sigma, pre, post


def _event_rows(events: pd.DataFrame) -> tuple[list[Any], Any, FloatArray] | None:
    """Terms, event times and estimates of the non-reference rows, by event time (as
    ``sort_values("event_time")``); None for event times that are not plain numbers."""
    reference = events["reference"].astype(bool).to_numpy()
    times = events["event_time"].to_numpy()[~reference]
    if times.dtype.kind not in "if" or np.isnan(times).any():
        return None
    order = times.argsort(kind="quicksort")  # the sort of sort_values (no NaN here)
    terms = events["term"].to_numpy()[~reference][order]
    beta = events["estimate"].to_numpy(dtype=float)[~reference][order]
    return list(terms), times[order], beta


def _vcov_positions(vcov: pd.DataFrame, terms: list[Any]) -> tuple[Any, Any]:
    """Row and column positions of ``terms`` in ``vcov``; None when a term is missing or
    the labels repeat (``.loc`` decides then)."""
    if not (vcov.index.is_unique and vcov.columns.is_unique):
        return None, None
    rows = vcov.index.get_indexer(terms)
    cols = vcov.columns.get_indexer(terms)
    if (rows < 0).any() or (cols < 0).any():
        return None, None
    return rows, cols


def _staggered_event_times(ev: pd.DataFrame) -> pd.DataFrame:
    """A dynamic ``ek.staggered_did`` result: drop e = -1, as R HonestDiD and moderndid do.

    Its ATT(g,t) use a varying base period, so e = -1 is an estimate (period g-1 against
    g-2), not a zero, and each pre-period estimate is a one-period change. R's
    ``honest_did.AGGTEobj`` drops e = -1 and asks for a universal base period; moderndid's
    ``honest_did`` drops it and goes on. evalkit follows moderndid and says so.
    """
    times = ev["event_time"].to_numpy(dtype=float)
    for part, sel in (("pre", times < -1), ("post", times >= 0)):
        if sel.sum() > 1 and not np.all(np.diff(times[sel]) == 1):
            raise SpecError(f"result_or_betahat: the {part}-period event times "
                            f"{times[sel].tolist()} are not consecutive",
                            hint="honest_did needs one coefficient per period (as R "
                                 "HonestDiD); pass betahat and sigma of consecutive periods")
    warnings.warn("honest_did: the staggered DiD uses a varying base period, so its "
                  "pre-period estimates are one-period changes; e=-1 is dropped as the "
                  "reference (as moderndid's honest_did; R HonestDiD asks for a universal "
                  "base period). Read the bounds as approximate.", EvalkitWarning, stacklevel=5)
    return ev[ev["event_time"] != -1]


def _inputs(result_or_betahat: Any, sigma: Any, num_pre: int | None, num_post: int | None
            ) -> tuple[FloatArray, FloatArray, int, int]:
    if hasattr(result_or_betahat, "extra"):
        return _from_result(result_or_betahat)
    try:
        beta = np.asarray(result_or_betahat, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise SpecError("result_or_betahat: expected an event-study result or a vector of "
                        f"coefficients, got {type(result_or_betahat).__name__}") from exc
    if sigma is None or num_pre is None or num_post is None:
        raise SpecError("sigma, num_pre, num_post: all three are required when betahat is "
                        "given directly", hint="or pass a result of ek.event_study(...)")
    try:
        sig = np.asarray(sigma, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"sigma: expected a square numeric matrix, got "
                        f"{type(sigma).__name__}") from exc
    if num_pre < 1:
        raise SpecError(f"num_pre: expected at least 1 pre-period coefficient, got {num_pre}",
                        hint="the sensitivity analysis needs pre-periods")
    if num_post < 1:
        raise SpecError(f"num_post: expected at least 1 post-period coefficient, got {num_post}")
    if beta.size != num_pre + num_post:
        raise SpecError(f"betahat: has {beta.size} entries but num_pre + num_post = "
                        f"{num_pre + num_post}", hint="betahat holds the pre- then the "
                        "post-period coefficients, without the reference period")
    if sig.shape != (beta.size, beta.size):
        raise SpecError(f"sigma: expected a {beta.size} x {beta.size} matrix (one row per "
                        f"coefficient in betahat), got shape {sig.shape}")
    return beta, sig, int(num_pre), int(num_post)


def _check_sigma(beta: FloatArray, sigma: FloatArray) -> None:
    if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(sigma))):
        raise SpecError("betahat/sigma: contain missing or infinite values")
    if not np.allclose(sigma, sigma.T, rtol=1e-8, atol=1e-14 * float(np.abs(sigma).max())):
        raise SpecError("sigma: the covariance matrix is not symmetric")
    eig = np.linalg.eigvalsh(sigma)
    if eig.min() <= 1e-12 * max(float(eig.max()), 0.0) or eig.max() <= 0:
        raise SpecError(f"sigma: the covariance matrix is not positive definite (smallest "
                        f"eigenvalue {eig.min():.3g})",
                        hint="pass the full covariance of the event-study coefficients; drop "
                             "coefficients that were not estimated")


def _m_values(m: Sequence[float] | float | None, method: str, se: float) -> FloatArray:
    if m is None:
        if method == "relative_magnitude":
            return np.linspace(0.0, 2.0, 5)
        return np.linspace(0.0, se, 6)
    vals = np.atleast_1d(np.asarray(m, dtype=float))
    if vals.size == 0 or not np.all(np.isfinite(vals)):
        raise SpecError(f"m: expected finite values, got {list(vals)}")
    if np.any(vals < 0):
        raise SpecError(f"m: the bounds must be >= 0, got {sorted(vals[vals < 0].tolist())}",
                        hint="M (smoothness) and Mbar (relative magnitudes) are sizes of the "
                             "allowed violation")
    return vals


def honest_did(result_or_betahat: Any, sigma: Any = None, num_pre: int | None = None,
               num_post: int | None = None, *, method: Method = "relative_magnitude",
               m: Sequence[float] | float | None = None, alpha: float = 0.05,
               l_vec: Sequence[float] | None = None, test: Test = "hybrid",
               grid_points: int = 1000, grid: tuple[float, float] | None = None
               ) -> pd.DataFrame:
    r"""Robust confidence intervals when parallel trends may fail (Rambachan & Roth 2023).

    Parameters
    ----------
    result_or_betahat
        A result of :func:`ek.event_study <evalkit.estimate.event_study.event_study>` or of
        ``ek.staggered_did(..., aggregate="dynamic")`` (its event-time coefficients and
        ``extra["vcov"]`` are used; for the staggered result e = -1 is dropped as the
        reference, as moderndid does, with a warning about its varying base period), or the
        vector
        ``β̂ = (β̂_pre, β̂_post)`` of event-study coefficients without the reference period,
        earliest first.
    sigma, num_pre, num_post
        The covariance of ``β̂`` and the numbers of pre- and post-period coefficients (only when
        ``β̂`` is given directly).
    method
        ``"smoothness"``: Δ^SD(M), the slope of the trend difference changes by at most ``M``
        between consecutive periods (``M = 0``: the pre-trend continues linearly); the interval
        is the optimal fixed-length confidence interval (FLCI). ``"relative_magnitude"``
        (default): Δ^RM(M̄), each post-period change in the trend difference is at most M̄
        times the largest pre-period change; the interval inverts the ARP conditional (hybrid)
        test on a grid of θ; with one post-period coefficient there is no nuisance
        parameter and every moment enters the test (R's ``numPostPeriods = 1``).
    m
        The bounds ``M`` (or ``M̄``) to try, each ``>= 0``. Default for smoothness: 0 to the
        standard error of the target in 5 steps.
    alpha
        1 − confidence level.
    l_vec
        Weights on the post-period effects defining ``θ = l'τ_post``; default the first post
        period (``(1, 0, …)``); ``(0.5, 0.5)`` is the average of two.
    test
        Relative magnitudes only: ``"hybrid"`` (R's default ``method = "C-LF"``, the
        conditional test combined with a least-favourable first stage of size α/10) or
        ``"conditional"`` (R's ``method = "Conditional"``).
    grid_points, grid
        Relative magnitudes only: the values of θ tested (``grid_points`` equally spaced over
        ``grid``, default ``±20`` standard errors of ``l'β̂_post`` around 0, as in R).

    Returns
    -------
    pandas.DataFrame
        Columns ``m, lb, ub`` (one row per bound). ``.attrs``: ``"breakdown"`` (the largest
        ``M`` at which the robust interval excludes 0, found by root-finding, ``nan`` if it
        includes 0 already at ``M = 0``, ``inf`` if it never does), ``"original"`` (the
        usual interval ``(lb, ub)`` assuming parallel trends), ``"estimate"`` (``l'β̂_post``),
        ``"method"``, ``"alpha"``, ``"l_vec"``, ``"num_pre"``, ``"num_post"``.

    Raises
    ------
    SpecError
        An event study without pre-period coefficients, betahat and sigma of different sizes,
        a covariance matrix that is not positive definite, a negative ``m``.

    Notes
    -----
    With ``δ`` the difference in trends, ``β = τ + δ`` where ``τ_pre = 0``. Under Δ^SD(M),
    ``|(δ_{t+1} − δ_t) − (δ_t − δ_{t−1})| ≤ M`` for all t (with ``δ_0 = 0``). The FLCI is
    ``a'β̂_pre + l'β̂_post ± χ`` with ``χ = cv_α(b̄/σ)·σ`` where ``b̄`` is the worst-case
    bias of the affine estimator over Δ^SD(M), ``σ`` its standard deviation and ``cv_α(t)``
    the ``1 − α`` quantile of ``|N(t, 1)|``; ``a`` minimises ``χ`` (Armstrong & Kolesár
    2018). R HonestDiD solves the same problem on a grid of ``σ`` with a simulated
    ``cv_α``; evalkit minimises the convex half-length directly with the exact quantile, so
    the two agree to about 1e-4 (the simulation error of R's quantile).

    Under Δ^RM(M̄), ``|δ_{t+1} − δ_t| ≤ M̄ · max_{s<0} |δ_{s+1} − δ_s|`` for post periods.
    Δ^RM is the union over the position and sign of the largest pre-period change of
    polyhedra ``{δ : Aδ ≤ 0}``; θ is in the interval if, for one of them, the moment
    inequalities ``A(β̂ − (0, τ_post)) ≤ 0`` are not rejected by the Andrews–Roth–Pakes
    conditional test (the post-period effects other than θ are nuisance parameters,
    profiled out by a linear programme). The hybrid version first rejects when the LP
    statistic exceeds a least-favourable critical value at level α/10, simulated from 1,000
    normal draws generated exactly as R's ``set.seed(0); mvtnorm::rmvnorm`` so the
    interval equals R's on the same grid. The interval is the smallest and largest accepted
    grid point, so its ends move in steps of the grid (40 standard errors / 999 by
    default); the breakdown M̄ is found by bisection to 0.01.

    References
    ----------
    Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
    Economic Studies* 90(5), 2555–2591. Armstrong, T. & Kolesár, M. (2018). Optimal inference in
    a class of regression models. *Econometrica* 86(2), 655–683.

    R: ``HonestDiD::createSensitivityResults(betahat, sigma, numPrePeriods, numPostPeriods,
    Mvec = m, l_vec = l_vec, alpha = alpha)`` (smoothness, FLCI);
    ``HonestDiD::createSensitivityResults_relativeMagnitudes(betahat, sigma, numPrePeriods,
    numPostPeriods, Mbarvec = m, l_vec = l_vec, alpha = alpha)`` (relative magnitudes, C-LF);
    ``constructOriginalCS(...)`` (``attrs["original"]``). Andrews, I., Roth, J. & Pakes, A.
    (2023). Inference for linear conditional moment inequalities. *Review of Economic
    Studies* 90(6), 2763–2791.

    Examples
    --------
    >>> import evalkit as ek
    >>> r = ek.event_study(df, "y", "unit", "year", "cohort")  # doctest: +SKIP
    >>> out = ek.honest_did(r, method="smoothness", m=[0, 0.01, 0.02])  # doctest: +SKIP
    >>> out.attrs["breakdown"]  # doctest: +SKIP
    """
    if method not in _METHODS:
        raise SpecError(f"method: expected one of {', '.join(_METHODS)}, got {method!r}")
    if test not in ("hybrid", "conditional"):
        raise SpecError(f"test: expected 'hybrid' or 'conditional', got {test!r}")
    if grid_points < 2:
        raise SpecError(f"grid_points: expected at least 2, got {grid_points}")
    if not 0.0 < alpha < 1.0:
        raise SpecError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    beta, sig, pre, post = _inputs(result_or_betahat, sigma, num_pre, num_post)
    _check_sigma(beta, sig)
    if l_vec is None:
        lv = np.zeros(post)
        lv[0] = 1.0
    else:
        lv = np.asarray(l_vec, dtype=float).reshape(-1)
        if lv.size != post or not np.all(np.isfinite(lv)):
            raise SpecError(f"l_vec: expected {post} finite weights (one per post-period "
                            f"coefficient), got {lv.size}")
        if not np.any(lv != 0):
            raise SpecError("l_vec: all weights are 0, so there is no effect to bound",
                            hint="e.g. l_vec=[1, 0] for the first post period")
    est = float(lv @ beta[pre:])
    se = float(np.sqrt(lv @ sig[pre:, pre:] @ lv))
    z = norm_ppf(1.0 - alpha / 2.0)
    mv = _m_values(m, method, se)

    cache: dict[float, tuple[float, float]] = {}
    smooth = FlciProblem(beta, sig, pre, lv, alpha) if method == "smoothness" else None

    def interval(mm: float) -> tuple[float, float]:
        key = float(mm)
        if key not in cache:
            cache[key] = (smooth(key) if smooth is not None else
                          rm_interval(beta, sig, pre, lv, key, alpha, hybrid=test == "hybrid",
                                      grid_points=grid_points, grid=grid))
        return cache[key]

    with one_blas_thread():  # SLSQP / LP steps on tiny matrices (estimate/_threads.py)
        rows = [(float(mm), *interval(mm)) for mm in mv]
        breakdown = _breakdown(interval, se if method == "smoothness" else 1.0,
                               1e-6 * se if method == "smoothness" else 1e-2, cache)
    out = pd.DataFrame(rows, columns=["m", "lb", "ub"])
    out.attrs.update({
        "breakdown": breakdown,
        "original": (est - z * se, est + z * se),
        "estimate": est, "method": method, "alpha": alpha, "l_vec": lv.tolist(),
        "num_pre": pre, "num_post": post,
    })
    return out


def _excludes_zero(ci: tuple[float, float]) -> bool:
    return ci[0] > 0.0 or ci[1] < 0.0


def _breakdown(interval: Any, step: float, xtol: float,
               known: dict[float, tuple[float, float]]) -> float:
    """Largest M at which the interval excludes 0 (the interval widens with M)."""
    if not _excludes_zero(interval(0.0)):
        return math.nan
    tried = sorted(known)
    inside = [mm for mm in tried if _excludes_zero(known[mm])]
    lo = max(inside)
    outside = [mm for mm in tried if mm > lo and not _excludes_zero(known[mm])]
    if outside:
        hi = min(outside)
    else:
        hi = max(lo, step)
        for _ in range(12):
            if not _excludes_zero(interval(hi)):
                break
            lo, hi = hi, hi * 4.0
        else:
            return math.inf

    sign = 1.0 if interval(0.0)[0] > 0 else -1.0

    def gap(mm: float) -> float:
        lb, ub = interval(mm)
        value = lb if sign > 0 else -ub
        return value if np.isfinite(value) else -1.0

    if xtol >= 1e-3:  # grid-based intervals (relative magnitudes): plain bisection
        while hi - lo > xtol:
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if gap(mid) > 0 else (lo, mid)
        return lo
    return float(optimize.brentq(gap, lo, hi, xtol=xtol, rtol=1e-6))


def honest_note(frame: pd.DataFrame) -> Note:
    """The plain sentence on :func:`honest_did`'s output as a note: its catalogue key
    (``honest.<case>``) and the breakdown value, pre-formatted.

    Cases: ``not_significant`` (the conventional interval already includes 0),
    ``fragile`` (it excludes 0 but the robust interval at M = 0 does not), ``robust_all``
    (the interval excludes 0 at every bound tried), else ``rm`` / ``smoothness`` with the
    breakdown value (2 significant digits for M̄, 3 for M).
    """
    bd = float(frame.attrs.get("breakdown", math.nan))
    orig = frame.attrs.get("original", (math.nan, math.nan))
    if math.isnan(bd):
        return note("honest.fragile" if _excludes_zero(orig) else "honest.not_significant")
    if math.isinf(bd):
        return note("honest.robust_all")
    if frame.attrs.get("method") == "relative_magnitude":
        return note("honest.rm", breakdown=f"{bd:.2g}")
    return note("honest.smoothness", breakdown=f"{bd:.3g}")


def honest_sentence(frame: pd.DataFrame, lang: str = "en") -> str:
    """One plain sentence on the breakdown value of :func:`honest_did`'s output (zh/en), from
    the label catalogue (``notes.honest.*`` in ``templates/i18n/<lang>.designs.yaml``).

    >>> honest_sentence(out, "en")  # doctest: +SKIP
    'The finding holds unless the trend violation after the start is more than 1.5 times the
    largest before it.'
    """
    check_lang(lang)
    return in_language(honest_note(frame), lang)
