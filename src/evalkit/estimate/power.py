"""Power analysis for the designs evaluators plan: sample size, power or the smallest effect.

``ek.power`` answers the three planning questions of a purchased-service evaluation before the
data exist (or, after them, what the sample *could* have detected):

* how many participants does the survey need (solve for ``n``)?
* with the sample we have, how likely are we to detect a given change (solve for ``power``)?
* with the sample we have, what is the smallest change we could detect (solve for ``effect``:
  the minimum detectable effect, MDE)?

Exactly one of ``effect``, ``n`` and ``power`` is left as ``None``; it is solved from the others.

Designs and engines (:mod:`evalkit.estimate.power_engine`: the power functions and the solver
of statsmodels' classes named here, computed by evalkit with the same results bit for bit,
without importing statsmodels):

=============== ================================== ============================================
design          test                               engine (as statsmodels), effect size
=============== ================================== ============================================
``paired``      paired t-test on post − pre         ``TTestPower``; d_z = mean change / SD of
                                                   the changes
``two_group``   two-sample t-test                  ``TTestIndPower``; d = difference / pooled SD
``did``         two-sample t-test on change scores ``TTestIndPower``; d = difference in mean
                (served vs comparison)             change / SD of the change scores
``proportions`` two-sample z-test of proportions   ``NormalIndPower``; Cohen's h =
                                                   2·asin√p₂ − 2·asin√p₁
=============== ================================== ============================================

Clustered services (participants nested in sites, groups or workplaces) inflate the variance
by the design effect ``deff = 1 + (m − 1)·ICC`` (Kish 1965; Donner & Klar 2000), ``m`` the
average cluster size: a clustered sample of ``n`` carries the information of ``n / deff``
independent people. Solving for ``n`` multiplies the independent-sample answer by ``deff``.

References
----------
Cohen, J. (1988). *Statistical Power Analysis for the Behavioral Sciences* (2nd ed.), ch. 2
(t-tests, Table 2.4.1) and ch. 6 (proportions, effect size h).
Donner, A., & Klar, N. (2000). *Design and Analysis of Cluster Randomization Trials in Health
Research*. Arnold, ch. 5.
Bloom, H. S. (1995). Minimum detectable effects: a simple way to report the statistical power
of experimental designs. *Evaluation Review*, 19(5), 547–556.

R equivalent: ``pwr::pwr.t.test(type = "paired" | "two.sample")``, ``pwr::pwr.t2n.test`` (unequal
groups), ``pwr::pwr.2p2n.test`` with ``pwr::ES.h``. Stata: ``power pairedmeans``,
``power twomeans``, ``power twoproportions``.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from evalkit._checks import check_choice
from evalkit.errors import EstimationError, EvalkitError, SpecError
from evalkit.estimate.power_result import PowerDesign, PowerResult

__all__ = ["PowerResult", "cohens_h", "design_effect", "mde_record", "minimum_detectable",
           "power"]

_DESIGNS: tuple[PowerDesign, ...] = ("paired", "two_group", "did", "proportions")
_ALTERNATIVES = ("two-sided", "greater", "less")
#: ``PowerResult.engine``: evalkit's engine and the statsmodels class it reproduces
_ENGINES = {design: f"evalkit.estimate.power_engine (as statsmodels.stats.power.{cls})"
            for design, cls in (("paired", "TTestPower"), ("two_group", "TTestIndPower"),
                                ("did", "TTestIndPower"), ("proportions", "NormalIndPower"))}


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's effect size h between two proportions: ``2·asin(√p2) − 2·asin(√p1)``.

    Same as R ``pwr::ES.h(p2, p1)`` and statsmodels ``proportion_effectsize(p2, p1)``.

    >>> round(cohens_h(0.5, 0.65), 4)
    0.3047
    """
    for name, p in (("baseline", p1), ("target", p2)):
        _check_number(name, p, low=0.0, high=1.0)
    return 2.0 * math.asin(math.sqrt(p2)) - 2.0 * math.asin(math.sqrt(p1))


def design_effect(cluster_size: float, icc: float) -> float:
    """Variance inflation of a clustered sample: ``1 + (m − 1)·ICC`` (Kish 1965).

    >>> round(design_effect(20, 0.05), 6)
    1.95
    """
    _check_number("cluster_size", cluster_size, low=1.0)
    _check_number("icc", icc, low=0.0, high=1.0)
    return 1.0 + (float(cluster_size) - 1.0) * float(icc)


def power(
    design: PowerDesign,
    *,
    effect: float | None = None,
    n: float | None = None,
    power: float | None = None,
    alpha: float = 0.05,
    alternative: Literal["two-sided", "greater", "less"] = "two-sided",
    ratio: float = 1.0,
    sd: float | None = None,
    delta: float | None = None,
    baseline: float | None = None,
    target: float | None = None,
    cluster_size: float | None = None,
    icc: float | None = None,
) -> PowerResult:
    """Sample size, power or minimum detectable effect for a planned evaluation.

    Parameters
    ----------
    design
        ``"paired"`` (pre/post on the same people), ``"two_group"`` (served vs comparison at one
        time), ``"did"`` (served vs comparison on change scores), ``"proportions"`` (share of
        people with an outcome, served vs comparison).
    effect
        Standardised effect: d_z for ``paired``, Cohen's d for ``two_group``/``did``, Cohen's h
        for ``proportions``. Instead, give ``delta`` and ``sd`` (means) or ``baseline`` and
        ``target`` (proportions). Leave all of them out to solve for the minimum detectable
        effect.
    n
        Pairs (``paired``) or people in the served group (the other designs; the comparison
        group has ``ratio · n``). Counts people, not clusters; leave out to solve for it.
    power
        Probability of detecting the effect (e.g. 0.8); leave out to solve for it.
    alpha, alternative
        Significance level and the alternative of the planned test.
    ratio
        Comparison-group size over served-group size (not used by ``paired``).
    sd
        SD of the outcome in its own units (for ``paired`` and ``did``: the SD of the change
        scores). With it, the effect is also given in the outcome's units (``result.delta``).
    delta
        The change in the outcome's units (needs ``sd``): ``effect = delta / sd``.
    baseline, target
        Proportions (``design="proportions"``): the comparison group's share and the share hoped
        for; ``effect = cohens_h(baseline, target)``. With ``baseline`` alone, a solved minimum
        detectable effect is also given as a share (``result.target``).
    cluster_size, icc
        Average number of people per site/group and the intraclass correlation of the outcome;
        both or neither. The design effect ``1 + (m − 1)·ICC`` divides the information in ``n``.

    Returns
    -------
    PowerResult
        Frozen; ``n`` is rounded up when solved (``n_exact`` keeps the fractional answer).

    Notes
    -----
    Power of the t designs is the noncentral-t power (both rejection regions when two-sided),
    with ``df = n − 1`` (paired) or ``n₁ + n₂ − 2`` and noncentrality ``d·√n`` or
    ``d·√(n₁n₂/(n₁+n₂))``; proportions use the normal approximation with ``h·√(n₁n₂/(n₁+n₂))``.
    With clustering, ``n`` is replaced by ``n / deff`` (effective sample size).

    References
    ----------
    Cohen (1988), chapters 2 and 6; Donner & Klar (2000); Bloom (1995). See the module docstring.

    Examples
    --------
    >>> import evalkit as ek
    >>> ek.power("two_group", effect=0.5, power=0.8).n           # Cohen (1988) Table 2.4.1
    64
    >>> ek.power("paired", effect=0.5, power=0.8).n
    34
    >>> r = ek.power("paired", n=250, power=0.8, sd=1.0)           # what 250 pairs can detect
    >>> round(r.delta, 3)
    0.178
    """
    check_choice("design", design, _DESIGNS)
    check_choice("alternative", alternative, _ALTERNATIVES)
    _check_number("alpha", alpha, low=0.0, high=1.0, open_low=True, open_high=True)
    _check_number("ratio", ratio, low=0.0, open_low=True)
    effect = _effect_from_inputs(design, effect, sd, delta, baseline, target)
    missing = [name for name, v in (("effect", effect), ("n", n), ("power", power)) if v is None]
    if len(missing) != 1:
        given = "none" if len(missing) == 3 else "all three"
        if len(missing) == 2:
            given = "only " + ({"effect", "n", "power"} - set(missing)).pop()
        raise SpecError(
            f"power: leave exactly one of effect, n, power out to solve for it; got {given}",
            hint="e.g. ek.power('paired', effect=0.5, power=0.8) gives the sample size")
    if power is not None:
        _check_number("power", power, low=alpha, high=1.0, open_low=True, open_high=True)
    if effect is not None:
        _check_number("effect", effect)
        if effect == 0:
            raise SpecError("power: effect is 0; no sample detects a zero effect",
                            hint="give the smallest change that would matter")
    deff = 1.0
    if (cluster_size is None) != (icc is None):
        raise SpecError("power: give cluster_size and icc together (the design effect needs "
                        f"both); got cluster_size={cluster_size!r}, icc={icc!r}")
    if cluster_size is not None and icc is not None:
        deff = design_effect(cluster_size, icc)
    minimum = 2.0 if design == "paired" else 1.0
    if n is not None:
        _check_number("n", n, low=0.0, open_low=True)
        if n / deff <= minimum:
            raise SpecError(f"power: n = {n:g} is too small (effective n = n / design effect = "
                            f"{n / deff:.3g}; the test needs more than {minimum:g})")

    from evalkit.estimate.power_engine import design_power, solve

    name = _ENGINES[design]
    kw: dict[str, Any] = {"alpha": alpha, "ratio": ratio, "alternative": alternative}
    sign = -1.0 if alternative == "less" else 1.0
    if effect is not None and alternative != "two-sided" and effect * sign < 0:
        raise SpecError(f"power: effect {effect:g} points the other way from "
                        f"alternative={alternative!r}")
    solved = missing[0]
    n_out: float
    try:
        if solved == "n":
            value = solve(design, "n", effect=effect, n=None, power=float(power or 0), **kw)
            n_exact = value * deff
            n_out = float(math.ceil(n_exact - 1e-9))
            achieved = design_power(design, float(effect or 0), n_out / deff, **kw)
        elif solved == "power":
            achieved = design_power(design, float(effect or 0), float(n or 0) / deff, **kw)
            n_exact = n_out = float(n or 0)
        else:
            value = solve(design, "effect", effect=None, n=float(n or 0) / deff,
                          power=float(power or 0), **kw)
            effect = sign * abs(value)  # the root-finder may return -d (two-sided)
            n_exact = n_out = float(n or 0)
            achieved = design_power(design, effect, n_out / deff, **kw)
    except (ValueError, RuntimeError, ZeroDivisionError) as exc:  # pragma: no cover - defensive
        raise EstimationError(f"power: the root-finder could not solve for {solved} ({exc})",
                              hint="check that the inputs describe a feasible design") from exc
    if effect is None or not math.isfinite(effect) or not math.isfinite(achieved):
        raise EstimationError(f"power: no finite solution for {solved}",
                              hint="check that the inputs describe a feasible design")
    if solved != "power" and power is not None and abs(achieved - power) > 1e-4 and (
            solved == "effect" or achieved < power):
        raise EstimationError(  # the root-finder did not converge
            f"power: the solution for {solved} gives power {achieved:.4g}, not {power:g}",
            hint="check that the inputs describe a feasible design")
    n_other: float | None = None
    if design != "paired":  # a solved comparison group is rounded up like the served one
        n_other = (float(math.ceil(n_out * ratio - 1e-9)) if solved == "n"
                   else _whole(n_out * ratio))
    return PowerResult(
        design=design,
        solved=solved,  # type: ignore[arg-type]
        effect=float(effect),
        n=_whole(n_out),
        n_exact=n_exact,
        n_other=None if n_other is None else _whole(n_other),
        power=float(power) if power is not None else achieved,
        achieved_power=achieved,
        alpha=float(alpha),
        alternative=alternative,
        ratio=float(ratio),
        sd=None if sd is None else float(sd),
        baseline=None if baseline is None else float(baseline),
        cluster_size=None if cluster_size is None else float(cluster_size),
        icc=None if icc is None else float(icc),
        design_effect=deff,
        engine=name,
    )


_power_analysis = power


def minimum_detectable(result: Any, *, power: float = 0.8) -> PowerResult | None:
    """The smallest change a paired pre/post result's sample could detect (Bloom 1995).

    For an :class:`~evalkit.estimate.results.EffectResult` of a pre/post design on a measured
    outcome (paired t-test or Wilcoxon; ``extra["sd_diff"]`` holds the SD of the changes):
    ``ek.power("paired", n=result.n, power=power, sd=sd_diff, alpha=result.alpha,
    alternative=result.alternative)``. ``None`` for any other result (a proportion, a DiD …),
    or when the sample has fewer than 3 pairs or the changes do not vary, or for a weighted
    estimate (its information is not that of ``n`` equally weighted pairs).

    This is the minimum detectable effect of the design the evaluation used — what it *could*
    have found — not "observed power" computed from the estimate, which adds nothing to the
    p-value (Hoenig & Heisey 2001).

    Examples
    --------
    >>> import evalkit as ek, numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> pre = rng.normal(3, 1, 250); post = pre + rng.normal(0.4, 1, 250)
    >>> df = pd.DataFrame({"id": [*range(250)] * 2, "wave": ["pre"] * 250 + ["post"] * 250,
    ...                    "y": np.r_[pre, post]})
    >>> r = ek.prepost(df, "y", "id", "wave", "pre", "post")
    >>> minimum_detectable(r).n
    250
    """
    extra = getattr(result, "extra", None) or {}
    sd = extra.get("sd_diff") if hasattr(extra, "get") else None
    n = getattr(result, "n", 0)
    spec = getattr(result, "spec", None) or {}
    if hasattr(spec, "get") and spec.get("weights"):
        return None
    if (getattr(result, "design", None) != "pre_post" or not isinstance(sd, int | float)
            or not math.isfinite(sd) or sd <= 0 or not isinstance(n, int) or n < 3):
        return None
    given = getattr(result, "alternative", "two-sided")
    alternative: Literal["two-sided", "greater", "less"] = "two-sided"
    if given == "greater":
        alternative = "greater"
    elif given == "less":
        alternative = "less"
    return _power_analysis("paired", n=n, power=power, sd=float(sd),
                           alpha=float(getattr(result, "alpha", 0.05)),
                           alternative=alternative)


def mde_record(result: Any, *, power: float = 0.8) -> dict[str, Any] | None:
    """:func:`minimum_detectable` as plain values for a report context: ``n, delta (outcome
    units), effect (d_z), power, alpha, alternative``; ``None`` when there is none."""
    try:
        r = minimum_detectable(result, power=power)
    except EvalkitError:  # a report line never stops a report
        return None
    if r is None or r.delta is None:
        return None
    return {"n": int(r.n), "delta": abs(float(r.delta)), "effect": abs(float(r.effect)),
            "power": float(r.power), "alpha": float(r.alpha), "alternative": r.alternative}


def _whole(x: float) -> float:
    """``x`` as an ``int`` when it is a whole number (so ``r.n`` prints as 64, not 64.0)."""
    return int(x) if float(x).is_integer() else float(x)


def _effect_from_inputs(design: PowerDesign, effect: float | None, sd: float | None,
                        delta: float | None, baseline: float | None,
                        target: float | None) -> float | None:
    """The standardised effect from ``effect``, ``delta``/``sd`` or ``baseline``/``target``."""
    if sd is not None:
        _check_number("sd", sd, low=0.0, open_low=True)
    if design == "proportions":
        if sd is not None or delta is not None:
            raise SpecError("power: design='proportions' takes baseline/target (shares), not "
                            "sd/delta", hint="e.g. baseline=0.5, target=0.65")
        if baseline is not None:
            _check_number("baseline", baseline, low=0.0, high=1.0)
        if target is not None:
            if baseline is None:
                raise SpecError("power: target needs baseline (the comparison group's share)")
            if effect is not None:
                raise SpecError("power: give effect or target, not both")
            return cohens_h(baseline, target)
        return effect
    if baseline is not None or target is not None:
        raise SpecError(f"power: baseline/target are for design='proportions', not {design!r}",
                        hint="for means give effect, or delta with sd")
    if delta is not None:
        if sd is None:
            raise SpecError("power: delta (a change in the outcome's units) needs sd",
                            hint="e.g. delta=0.3, sd=0.8, or give the standardised effect")
        if effect is not None:
            raise SpecError("power: give effect or delta, not both")
        _check_number("delta", delta)
        return float(delta) / float(sd)
    return effect


def _check_number(name: str, value: Any, *, low: float | None = None,
                  high: float | None = None, open_low: bool = False,
                  open_high: bool = False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SpecError(f"power: {name} must be a finite number, got {value!r}")
    if low is not None and (value < low or (open_low and value == low)):
        bound = f"> {low:g}" if open_low else f">= {low:g}"
        raise SpecError(f"power: {name} must be {bound}, got {value!r}")
    if high is not None and (value > high or (open_high and value == high)):
        bound = f"< {high:g}" if open_high else f"<= {high:g}"
        raise SpecError(f"power: {name} must be {bound}, got {value!r}")
