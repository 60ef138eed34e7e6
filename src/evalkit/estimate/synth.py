"""Synthetic control, synthetic difference-in-differences and DiD for one or a few treated units."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from evalkit._checks import (
    check_choice,
    check_column_args,
    check_frame,
    numeric_column,
    require_columns,
    require_values,
    require_variation,
)
from evalkit.errors import DataError, EstimationError, SpecError
from evalkit.estimate.did import binary_column, check_alpha
from evalkit.estimate.evidence import evidence_level, synthetic_level
from evalkit.estimate.notes import note
from evalkit.estimate.results import Design, EffectResult, tidy_frame, tidy_row
from evalkit.estimate.synth_weights import (
    SynthOptions,
    estimate_tau,
    fit_weights,
    fit_weights_batch,
    initial_weights,
    options_for,
    sum_normalize,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["synth"]

FloatArray = npt.NDArray[np.float64]
Method = Literal["sdid", "sc", "did"]
SEMethod = Literal["placebo", "jackknife", "bootstrap"]

_NAMES = {"sdid": "synthetic difference-in-differences", "sc": "synthetic control",
          "did": "difference-in-differences (synthdid form)"}


@dataclass(frozen=True)
class _Panel:
    Y: FloatArray  # units x periods, controls first (sorted), treated last (sorted)
    N0: int
    T0: int
    units: list[Any]
    periods: list[Any]


def _block_panel(df: pd.DataFrame, outcome: str, unit: str, time: str, treatment: str,
                 where: str) -> _Panel:
    """Validate a balanced panel with block (simultaneous) treatment and order it."""
    import pandas as pd

    y = numeric_column(df, outcome, where).to_numpy(dtype=np.float64)
    d = binary_column(df, treatment, where)
    require_values({outcome: y}, where)
    if np.isnan(y).any() or np.isnan(d).any() or df[unit].isna().any() or df[time].isna().any():
        raise DataError(f"{where}: missing values in {outcome!r}, {treatment!r}, {unit!r} or "
                        f"{time!r}", hint="synthetic control needs every unit in every period; "
                        "fill in or drop the incomplete units first")
    require_variation(y, outcome, where)
    frame = pd.DataFrame({"u": df[unit].to_numpy(), "t": df[time].to_numpy(), "y": y, "d": d})
    if frame.duplicated(["u", "t"]).any():
        raise DataError(f"{where}: some ({unit!r}, {time!r}) pairs appear more than once",
                        hint="keep one row per unit and period")
    Y = frame.pivot(index="u", columns="t", values="y").sort_index().sort_index(axis=1)
    D = frame.pivot(index="u", columns="t", values="d").reindex_like(Y)
    if Y.isna().to_numpy().any():
        n_missing = int(Y.isna().to_numpy().sum())
        raise DataError(f"{where}: the panel is not balanced ({n_missing} unit-period cells "
                        "missing)", hint="synthetic control needs every unit in every period; "
                        "drop units with gaps or fill them in")
    Dv = D.to_numpy(dtype=np.float64)
    treated = Dv.max(axis=1) > 0
    if not treated.any():
        raise DataError(f"{where}: no unit is ever treated ({treatment!r} is 0 everywhere)",
                        hint=f"set {treatment!r} to 1 for the treated unit(s) from the start")
    if treated.all():
        raise DataError(f"{where}: every unit is treated; there are no donor (control) units",
                        hint="keep untreated units in the data as the donor pool")
    first = np.argmax(Dv[treated] > 0, axis=1)
    periods = list(Y.columns)
    if (first == 0).any():
        bad = [str(u) for u in Y.index[treated][first == 0]][:5]
        raise DataError(f"{where}: treated unit(s) {', '.join(bad)} are treated in the first "
                        f"period ({periods[0]}), so there is no pre-period to match on",
                        hint="add earlier periods or drop these units")
    if len(set(first.tolist())) > 1:
        starts = sorted({str(periods[k]) for k in first})
        raise DataError(f"{where}: treatment is not in one block: treated units start in "
                        f"different periods ({', '.join(starts)})",
                        hint="ek.synth needs all treated units to start together; estimate each "
                        "start date separately or use ek.staggered_did")
    T0 = int(first[0])
    if not (Dv[treated][:, T0:] == 1).all():
        raise DataError(f"{where}: treatment {treatment!r} switches off after it starts",
                        hint="code the treatment as 1 in every period from its start on")
    order = list(Y.index[~treated]) + list(Y.index[treated])
    return _Panel(Y=Y.loc[order].to_numpy(dtype=np.float64), N0=int((~treated).sum()), T0=T0,
                  units=order, periods=periods)


def _fit(Y: FloatArray, N0: int, T0: int, opts: SynthOptions, omega: FloatArray | None,
         lam: FloatArray | None) -> float:
    om, la = fit_weights(Y, N0, T0, opts, omega, lam)
    return estimate_tau(Y, N0, T0, om, la)


_BATCH_CELLS = 20_000_000  # replications solved together: B x N^2 Gram entries at most


def _fit_many(Ys: list[FloatArray], N0s: list[int], T0: int, opts: SynthOptions,
              omegas: list[FloatArray], lam: FloatArray) -> list[float]:
    """Refit many panels; those of one shape (N, N0) are solved together in batches."""
    out = [math.nan] * len(Ys)
    groups: dict[tuple[int, int], list[int]] = {}
    for k, (Yk, n0) in enumerate(zip(Ys, N0s, strict=True)):
        groups.setdefault((Yk.shape[0], n0), []).append(k)
    for (n, n0), idx in groups.items():
        batch = max(1, _BATCH_CELLS // (n * n))
        for lo in range(0, len(idx), batch):
            chunk = idx[lo:lo + batch]
            Ystack = np.stack([Ys[k] for k in chunk])
            om0 = np.stack([omegas[k] for k in chunk])
            om, la = fit_weights_batch(Ystack, n0, T0, opts, om0, lam)
            for j, k in enumerate(chunk):
                out[k] = estimate_tau(Ys[k], n0, T0, om[j], la[j])
    return out


def _placebo_se(Y: FloatArray, N0: int, T0: int, opts: SynthOptions, omega: FloatArray,
                lam: FloatArray, reps: int, rng: np.random.Generator) -> float:
    """Algorithm 4: reassign treatment at random among the controls (N1 pseudo-treated)."""
    N1 = Y.shape[0] - N0
    if N0 <= N1:
        raise EstimationError("se='placebo' needs more control units than treated units",
                              hint="use se='bootstrap' or 'jackknife'")
    n0 = N0 - N1
    inds = [rng.permutation(N0) for _ in range(reps)]
    draws = _fit_many([Y[ind] for ind in inds], [n0] * reps, T0, opts,
                      [sum_normalize(omega[ind[:n0]]) for ind in inds], lam)
    return float(np.std(draws, ddof=0))


def _bootstrap_se(Y: FloatArray, N0: int, T0: int, opts: SynthOptions, omega: FloatArray,
                  lam: FloatArray, reps: int, rng: np.random.Generator) -> float:
    """Algorithm 2: resample units with replacement (draws without both groups are redrawn)."""
    N = Y.shape[0]
    inds: list[npt.NDArray[np.int64]] = []
    while len(inds) < reps:
        ind = np.sort(rng.integers(0, N, size=N))
        n0 = int(np.sum(ind < N0))
        if 0 < n0 < N:
            inds.append(ind)
    n0s = [int(np.sum(ind < N0)) for ind in inds]
    draws = _fit_many([Y[ind] for ind in inds], n0s, T0, opts,
                      [sum_normalize(omega[ind[:k]]) for ind, k in zip(inds, n0s, strict=True)],
                      lam)
    return float(np.std(draws, ddof=0))


def _jackknife_se(Y: FloatArray, N0: int, T0: int, omega: FloatArray,
                  lam: FloatArray) -> float:
    """Algorithm 3: leave one unit out, weights fixed (renormalised)."""
    N = Y.shape[0]
    u = np.empty(N)
    for i in range(N):
        keep = np.delete(np.arange(N), i)
        n0 = N0 - (i < N0)
        u[i] = estimate_tau(Y[keep], n0, T0, sum_normalize(omega[keep[:n0]]), lam)
    return float(math.sqrt((N - 1) / N * (N - 1) * np.var(u, ddof=1)))


def synth(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    *,
    method: Method = "sdid",
    se: SEMethod | None = "placebo",
    reps: int = 200,
    seed: int | None = None,
    alpha: float = 0.05,
    placebo_in_space: bool = True,
) -> EffectResult:
    """Synthetic DiD, synthetic control or DiD for units treated together (a pilot community).

    Parameters
    ----------
    df
        Balanced long panel: one row per unit and period. Never modified.
    outcome, unit, time
        Column names; ``time`` sortable (years, month numbers, dates).
    treatment
        0/1 column: 1 for the treated unit(s) from the first treated period on. All treated
        units must start in the same period (block treatment).
    method
        ``"sdid"`` (default; Arkhangelsky et al. 2021), ``"sc"`` (synthetic control: unit
        weights, no intercept, no time weights) or ``"did"`` (uniform weights).
    se
        ``"placebo"`` (default; Algorithm 4, the only one that works with one treated unit),
        ``"bootstrap"`` (Algorithm 2) or ``"jackknife"`` (Algorithm 3; needs two or more
        treated units), or ``None`` (no standard error).
    reps, seed
        Replications of the placebo/bootstrap and the seed (``None``: fixed default 0, so
        reports reproduce).
    alpha
        1 - confidence level; the interval is estimate ± z(1 - alpha/2)·SE, as synthdid.
    placebo_in_space
        Also estimate the effect for every control unit as if it had been treated (the
        treated units left out): ``extra["placebo_in_space"]`` and the rank p-value
        ``extra["placebo_rank_p"]`` (Abadie et al. 2010).

    Returns
    -------
    EffectResult
        Headline ``"ATT"``. ``extra``: ``unit_weights`` (control unit -> omega) and
        ``time_weights`` (pre period -> lambda) as Series, ``trajectories`` (period,
        treated mean, synthetic control), ``n_treated``, ``n_pre``, ``noise_level``,
        ``zeta_omega``, ``rating_checks`` (the checks behind the evidence level, see
        below). ``result.plot()`` draws treated vs synthetic with the weights.

        ``evidence_level`` (Maryland scale) is rated by
        :func:`evalkit.estimate.evidence.synthetic_level`, the same rule the evaluation
        report uses: 3 (a comparison group before and after), 4 when there are at least 5
        periods before the start, at least 5 donor units and a close pre-period fit (root
        mean squared gap before the start at most a quarter of the standard deviation of the
        donors' pre-period outcomes). ``extra["rating_checks"]`` holds ``n_pre``,
        ``n_donors``, ``n_weighted``, ``rmse``, ``fit_ratio`` and ``close_fit``
        (empty for ``method="did"``, which stays at level 3).

    Raises
    ------
    DataError
        Unbalanced panel; a treated unit with no pre-period; treatment not in one block
        (different start periods) or switching off; no treated or no control units.

    Notes
    -----
    :math:`\\hat\\tau = (\\bar Y_{tr,post} - \\sum_t \\lambda_t \\bar Y_{tr,t}) -
    \\sum_i \\omega_i (\\bar Y_{i,post} - \\sum_t \\lambda_t Y_{it})`: unit weights
    :math:`\\omega` make the weighted controls' pre-period path parallel to the treated
    units' (up to a constant for SDID, exactly for SC), time weights :math:`\\lambda` make
    the weighted pre-periods predictive of the post period (SDID only; SC uses none, DiD
    uniform). The weights are computed as in the R package synthdid (see
    :mod:`evalkit.estimate.synth_weights`): same regularisation, Frank–Wolfe solver,
    stopping rule and sparsification, so the estimates agree with it. Standard errors
    follow synthdid's ``vcov(method=...)``; the placebo draws use ``numpy``'s
    ``default_rng(seed).permutation`` and the bootstrap ``integers``.

    The effect is the service's if, without it, the treated units would have followed the
    synthetic comparison. With one treated unit the placebo SE assumes the treated unit's
    noise is like the controls'.

    R: ``synthdid::synthdid_estimate(Y, N0, T0)`` (``sc_estimate``, ``did_estimate``) with
    ``vcov(est, method = "placebo")``; Stata: ``sdid y unit time d, vce(placebo)``.

    References
    ----------
    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W., & Wager, S. (2021).
    Synthetic difference-in-differences. *American Economic Review*, 111(12), 4088–4118.
    Abadie, A., Diamond, A., & Hainmueller, J. (2010). Synthetic control methods for
    comparative case studies. *JASA*, 105(490), 493–505.

    Examples
    --------
    >>> r = ek.synth(prop99, "PacksPerCapita", "State", "Year", "treated")  # doctest: +SKIP
    >>> round(r.estimate, 2)  # doctest: +SKIP
    -15.6
    """
    import pandas as pd

    from evalkit._dist import norm_ppf, norm_sf

    where = "synth"
    check_frame(df, where)
    check_column_args(where, outcome=outcome, unit=unit, time=time, treatment=treatment)
    require_columns(df, [outcome, unit, time, treatment], where)
    check_choice("method", method, ("sdid", "sc", "did"))
    check_choice("se", se, ("placebo", "jackknife", "bootstrap", None))
    alpha = check_alpha(alpha)
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 2:
        raise SpecError(f"reps: expected a whole number of at least 2, got {reps!r}",
                        hint="e.g. reps=200 (synthdid's default)")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer)):
        raise SpecError(f"seed: expected a whole number or None, got {seed!r}", hint="e.g. seed=1")
    p = _block_panel(df, outcome, unit, time, treatment, where)
    Y, N0, T0 = p.Y, p.N0, p.T0
    N1, T1 = Y.shape[0] - N0, Y.shape[1] - T0
    opts = options_for(method, Y, N0, T0)
    om0, la0 = initial_weights(method, N0, T0)
    omega, lam = fit_weights(Y, N0, T0, opts, om0, la0)
    tau = estimate_tau(Y, N0, T0, omega, lam)

    rng = np.random.default_rng(0 if seed is None else seed)
    se_val = math.nan
    notes: list[str] = []
    if se == "placebo":
        se_val = _placebo_se(Y, N0, T0, opts, omega, lam, reps, rng)
    elif se == "bootstrap":
        if N1 < 2:
            raise EstimationError("se='bootstrap' needs at least 2 treated units",
                                  hint="with one treated unit use se='placebo'")
        se_val = _bootstrap_se(Y, N0, T0, opts, omega, lam, reps, rng)
    elif se == "jackknife":
        if N1 < 2 or int(np.sum(omega != 0)) < 2:
            raise EstimationError("se='jackknife' needs at least 2 treated units and 2 controls "
                                  "with positive weight", hint="use se='placebo'")
        se_val = _jackknife_se(Y, N0, T0, omega, lam)
    z = norm_ppf(1 - alpha / 2)
    if math.isfinite(se_val) and se_val > 0:
        stat = tau / se_val
        pval = 2 * norm_sf(abs(stat))
        ci = (tau - z * se_val, tau + z * se_val)
    else:
        stat, pval, ci = math.nan, math.nan, (math.nan, math.nan)
    rows = [tidy_row("ATT", tau, se_val, stat, pval, *ci)]
    extra: dict[str, Any] = {
        "unit_weights": pd.Series(omega, index=pd.Index(p.units[:N0], name=unit),
                                  name="omega"),
        "time_weights": pd.Series(lam, index=pd.Index(p.periods[:T0], name=time),
                                  name="lambda"),
        "n_treated": N1, "n_controls": N0, "n_pre": T0, "n_post": T1,
        "treated_units": p.units[N0:], "noise_level": opts.zeta_lambda / 1e-6,
        "zeta_omega": opts.zeta_omega, "se_method": se, "reps": reps, "seed": seed,
        "trajectories": _trajectories(p, omega, lam, method, time),
    }
    if placebo_in_space and N0 >= 2:
        extra |= _in_space(p, method, tau, unit)
    if se is not None:
        notes.append(note("synth.se_jackknife") if se == "jackknife" else
                     note(f"synth.se_{se}", reps=reps, seed=0 if seed is None else seed))
    notes.append(note("synth.units", n_treated=N1, n_donors=N0, n_pre=T0, n_post=T1))
    notes.append(note("synth.assumption"))
    design: Design = ("synthetic_control" if method == "sc" else
                      "synthetic_did" if method == "sdid" else "did")
    head = rows[0]
    result = EffectResult(
        estimate=head["estimate"], se=head["std_error"], ci=(head["conf_low"], head["conf_high"]),
        pvalue=head["p_value"], n=int(Y.size), method=_NAMES[method], design=design,
        outcome=outcome, term="ATT", table=tidy_frame(rows), statistic=head["statistic"],
        df=None, alpha=alpha, evidence_level=evidence_level(design), notes=tuple(notes),
        spec={"outcome": outcome, "unit": unit, "time": time, "treatment": treatment,
              "method": method, "se": se, "reps": reps, "seed": seed, "alpha": alpha},
        extra=extra,
    )
    return _rated(result, Y[:N0, :T0])


def _rated(result: EffectResult, donors_pre: FloatArray) -> EffectResult:
    """The result with its Maryland level from :func:`synthetic_level` (3, or 4 when the
    pre-period is long, the donor pool large and the fit close; a ``"did"`` result keeps 3)
    and the checks made in ``extra["rating_checks"]``. The fit is judged against the spread
    of the donors' pre-period outcomes (standard deviation over donor units and pre periods,
    ``ddof=1``)."""
    from dataclasses import replace

    spread = float(np.std(donors_pre, ddof=1)) if donors_pre.size > 1 else math.nan
    level, checks = synthetic_level(result, spread)
    return replace(result, evidence_level=level,
                   extra={**result.extra, "rating_checks": checks})


def _trajectories(p: _Panel, omega: FloatArray, lam: FloatArray, method: str,
                  time: str) -> pd.DataFrame:
    """Treated mean and synthetic control by period; for SDID/DiD the synthetic path is
    shifted by the lambda-weighted pre-period gap (as synthdid's plot)."""
    import pandas as pd

    Y, N0, T0 = p.Y, p.N0, p.T0
    treated = Y[N0:].mean(axis=0)
    synthetic = omega @ Y[:N0]
    offset = 0.0 if method == "sc" else float((treated[:T0] - synthetic[:T0]) @ lam)
    return pd.DataFrame({time: p.periods, "treated": treated, "synthetic": synthetic + offset,
                         "post": [k >= T0 for k in range(len(p.periods))]})


def _in_space(p: _Panel, method: str, tau: float, unit: str) -> dict[str, Any]:
    """Each control in turn as the treated unit (the real treated units left out)."""
    import pandas as pd

    Y0 = p.Y[:p.N0]
    Ys = np.stack([Y0[[k for k in range(p.N0) if k != j] + [j]] for j in range(p.N0)])
    opts = [options_for(method, Yj, p.N0 - 1, p.T0) for Yj in Ys]
    om0, la0 = initial_weights(method, p.N0 - 1, p.T0)
    est = np.empty(p.N0)
    batch = max(1, _BATCH_CELLS // (p.N0 * p.N0))
    for lo in range(0, p.N0, batch):
        hi = min(p.N0, lo + batch)
        om, la = fit_weights_batch(Ys[lo:hi], p.N0 - 1, p.T0, opts[lo:hi], om0, la0)
        for j in range(lo, hi):
            est[j] = estimate_tau(Ys[j], p.N0 - 1, p.T0, om[j - lo], la[j - lo])
    dist = pd.DataFrame({unit: p.units[:p.N0], "estimate": est})
    rank_p = (1 + int(np.sum(np.abs(est) >= abs(tau)))) / (1 + p.N0)
    return {"placebo_in_space": dist, "placebo_rank_p": rank_p}
