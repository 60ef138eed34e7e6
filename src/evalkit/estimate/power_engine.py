"""Power of the t- and z-tests and the solver of ``ek.power``, without statsmodels (issue 16).

statsmodels' ``TTestPower``, ``TTestIndPower`` and ``NormalIndPower`` (0.14–0.15) were
evalkit's engine; importing ``statsmodels.stats.power`` costs 0.12–0.5 s of a report. This
module computes the same numbers with the noncentral t and the normal distribution of
:mod:`evalkit._dist` (the same ``scipy.special`` functions statsmodels and scipy.stats call)
and solves for ``n`` or the effect with statsmodels' own search, written out here:
``brentq_expanding`` (a bracket grown by factors of 10 from [2, 50] for ``n`` or [−1, 1] for the
effect, then ``scipy.optimize.brentq`` with ``xtol = 1e-5``), and when that fails
``scipy.optimize.fsolve`` from statsmodels' start value, then for the effect ``brentq`` on
(1e-8, 1 − 1e-8). The results are statsmodels' bit for bit (tests/estimate/test_power_engine.py
compares grids of designs, alternatives, α, n, effects and ratios at rtol 1e-8; they are equal).

Power (Cohen 1988, ch. 2 and 6), with ``a = α/2`` two-sided and ``α`` one-sided:

* t designs: ``P(T > t_{1−a, df}) + P(T < t_{a, df})`` (each side only for its alternative)
  for ``T ~ t(df, λ)``, ``λ = d·√n_e``; paired ``n_e = n``, ``df = n − 1``; two groups
  ``n_e = 1/(1/n₁ + 1/n₂)``, ``df = n₁ + n₂ − 2``;
* proportions: ``Φ(h·√n_e − z_{1−a}) + Φ(−h·√n_e − z_{1−a})``.

R: ``pwr::pwr.t.test``, ``pwr::pwr.t2n.test``, ``pwr::pwr.2p2n.test``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special as sc

from evalkit._dist import norm_cdf, norm_isf, norm_ppf, norm_sf, t_isf, t_ppf

__all__ = ["design_power", "normal_power", "solve", "ttest_power"]

#: statsmodels' ``Power.start_ttp`` (fsolve's start) and ``start_bqexp`` (bracket) per unknown
_START = {"effect": 0.01, "n": 10.0}
_BRACKET: dict[str, dict[str, float]] = {"effect": {}, "n": {"low": 2.0, "start_upp": 50.0}}


def ttest_power(effect: float, nobs: float, alpha: float, df: float, alternative: str) -> float:
    """Power of a t-test: noncentral t with ``df`` and noncentrality ``effect·√nobs``.

    statsmodels ``stats.power.ttest_power`` (``alternative`` in evalkit's words:
    ``"two-sided"``, ``"greater"``, ``"less"``); nan when the critical value is.
    """
    alpha_ = alpha / 2.0 if alternative == "two-sided" else alpha
    nc = effect * np.sqrt(nobs)
    pow_: Any = 0
    if alternative in ("two-sided", "greater"):
        crit_upp = t_isf(alpha_, df)
        pow_ = math.nan if math.isnan(crit_upp) else 1 - sc.nctdtr(df, nc, crit_upp)
    if alternative in ("two-sided", "less"):
        crit_low = t_ppf(alpha_, df)
        if math.isnan(crit_low):
            pow_ = math.nan
        else:
            pow_ += sc.nctdtr(df, nc, crit_low)
    return float(pow_)


def normal_power(effect: float, nobs: float, alpha: float, alternative: str) -> float:
    """Power of a z-test with noncentrality ``effect·√nobs`` (statsmodels ``normal_power``)."""
    alpha_ = alpha / 2.0 if alternative == "two-sided" else alpha
    shift = effect * np.sqrt(nobs) / 1.0
    pow_: Any = 0
    if alternative in ("two-sided", "greater"):
        pow_ = norm_sf(norm_isf(alpha_) - shift)
    if alternative in ("two-sided", "less"):
        pow_ += norm_cdf(norm_ppf(alpha_) - shift)
    return float(pow_)


def design_power(design: str, effect: float, n: float, alpha: float, ratio: float,
                 alternative: str) -> float:
    """Power of ``design`` with ``n`` pairs / served people (``ratio·n`` in comparison).

    ``paired``: statsmodels ``TTestPower().power(effect, n, alpha)``; ``two_group`` and
    ``did``: ``TTestIndPower().power(effect, n, alpha, ratio)``; ``proportions``:
    ``NormalIndPower().power(effect, n, alpha, ratio)``.
    """
    if design == "paired":
        return ttest_power(effect, n, alpha, n - 1, alternative)
    nobs2 = n * ratio
    if design == "proportions":
        return normal_power(effect, 1.0 / (1.0 / (n - 0) + 1.0 / (nobs2 - 0)), alpha,
                            alternative)
    return ttest_power(effect, 1.0 / (1.0 / n + 1.0 / nobs2), alpha, n - 1 + nobs2 - 1,
                       alternative)


def solve(design: str, unknown: str, *, effect: float | None, n: float | None, power: float,
          alpha: float, ratio: float, alternative: str) -> float:
    """The ``effect`` or ``n`` (``unknown``) at which ``design`` has ``power``.

    statsmodels' ``Power.solve_power`` step for step (see the module docstring): nan when
    none of its three root-finders succeeds; ``ValueError`` / ``RuntimeError`` as it raises
    them (no sign change on the last bracket; 500 evaluations giving nan).
    """
    from scipy import optimize

    calls = 0

    def func(x: Any) -> float:  # fsolve passes a one-element array
        nonlocal calls
        x = float(np.ravel(x)[0])
        if unknown == "effect":
            value = design_power(design, x, float(n or 0), alpha, ratio, alternative) - power
        else:
            value = design_power(design, float(effect or 0), x, alpha, ratio, alternative) - power
        calls += 1
        if calls > 500:
            raise RuntimeError("possible endless loop (500 NaNs)")
        return math.inf if math.isnan(value) else value

    try:
        val, converged = _brentq_expanding(func, **_BRACKET[unknown])
    except ValueError:
        converged = False
    if converged:
        return val
    root, info, ier, _ = optimize.fsolve(func, _START[unknown], full_output=True)
    if ier == 1 and bool(np.all(np.abs(info["fvec"]) < 1e-4)):
        return float(np.ravel(root)[0])
    if unknown == "effect":
        val, res = optimize.brentq(func, 1e-8, 1 - 1e-8, full_output=True)
        if res.converged:
            return float(val)
    return math.nan


def _brentq_expanding(func: Callable[[float], float], low: float | None = None,
                      start_upp: float | None = None) -> tuple[float, bool]:
    """statsmodels ``tools.rootfinding.brentq_expanding`` for the two brackets used here.

    Grows the bracket by factors of 10 (at most 100 times) until ``func`` changes sign, then
    ``scipy.optimize.brentq(xtol=1e-5, maxiter=100)``. Returns ``(root, converged)``.
    """
    from scipy import optimize

    factor, max_it = 10, 100
    left: float | None = low
    right: float | None = None
    su = start_upp if start_upp is not None else 1.0
    sl = low if low is not None else min(-1.0, su - 1.0)
    su = max(su, sl + 1.0)
    f_low, f_upp = func(sl), func(su)  # never nan: func gives inf for nan
    if abs(f_upp - f_low) < 1e-15 and sl == -1 and su == 1:  # symmetric: two-sided effect
        sl = 1e-8
        f_low = func(sl)
    increasing = f_low < f_upp
    if not increasing:
        sl, su = su, sl
        left, right = right, left
    n_it = 0
    if left is None and sl != 0:
        left = sl
        while func(left) > 0:
            right = left
            left *= factor
            if n_it >= max_it:
                break
            n_it += 1
    if right is None and su != 0:
        right = su
        while func(right) < 0:
            left = right
            right *= factor
            if n_it >= max_it:
                break
            n_it += 1
    root, res = optimize.brentq(func, left, right, xtol=1e-5, maxiter=100, full_output=True)
    return float(root), bool(res.converged)
