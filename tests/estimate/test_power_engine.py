"""evalkit's power engine against statsmodels' power classes (statsmodels 0.14–0.15).

``evalkit.estimate.power_engine`` replaces ``statsmodels.stats.power`` (``TTestPower``,
``TTestIndPower``, ``NormalIndPower``) so that a report does not import statsmodels. Over grids
of designs, alternatives, α, n, effects and ratios: the power, the solved n and the solved
minimum detectable effect equal statsmodels' to rtol 1e-8 (in practice bit for bit: the same
special functions and the same root-finders with the same brackets), including the cases where
statsmodels' bracket search fails and it falls back to ``fsolve``.
"""

from __future__ import annotations

import itertools
import math
import warnings

import pytest
from numpy.testing import assert_allclose
from statsmodels.stats import power as smp

import evalkit as ek
from evalkit.estimate.power_engine import design_power, solve

SM_ALT = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}
DESIGNS = ("paired", "two_group", "proportions")


def _engine(design: str) -> tuple[object, str]:
    if design == "paired":
        return smp.TTestPower(), "nobs"
    if design == "proportions":
        return smp.NormalIndPower(), "nobs1"
    return smp.TTestIndPower(), "nobs1"


def _sm(design: str, **kw: object) -> float:
    engine, n_key = _engine(design)
    alt = SM_ALT[str(kw.pop("alternative"))]
    ratio = kw.pop("ratio")
    if design != "paired":
        kw["ratio"] = ratio
    if "n" in kw:
        kw[n_key] = kw.pop("n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if kw.get("power") is None:
            kw.pop("power", None)
            return float(engine.power(alternative=alt, **kw))  # type: ignore[attr-defined]
        value = engine.solve_power(alternative=alt, **kw)  # type: ignore[attr-defined]
    return float(value.ravel()[0]) if hasattr(value, "ravel") else float(value)


def _signed(effect: float, alternative: str) -> float:
    return -effect if alternative == "less" else effect


@pytest.mark.parametrize("design", DESIGNS)
def test_power_equals_statsmodels(design: str) -> None:
    for alt, alpha, n, effect, ratio in itertools.product(
            SM_ALT, (0.01, 0.05, 0.1), (3, 7.5, 30, 250, 4000), (0.05, 0.3, 0.8, 1.6),
            (0.5, 1.0, 2.5)):
        if design == "paired" and ratio != 1.0:
            continue
        d = _signed(effect, alt)
        got = design_power(design, d, n, alpha, ratio, alt)
        ref = _sm(design, effect_size=d, n=n, alpha=alpha, alternative=alt, ratio=ratio)
        assert_allclose(got, ref, rtol=1e-8, atol=0, err_msg=f"{design} {alt} {alpha} {n}")


@pytest.mark.parametrize("design", DESIGNS)
def test_solved_n_and_effect_equal_statsmodels(design: str) -> None:
    checked = 0
    for alt, alpha, pw, ratio in itertools.product(SM_ALT, (0.05, 0.1), (0.5, 0.8, 0.95),
                                                   (1.0, 2.0)):
        if design == "paired" and ratio != 1.0:
            continue
        kw = {"alpha": alpha, "power": pw, "ratio": ratio, "alternative": alt}
        for effect in (0.1, 0.35, 0.9):
            d = _signed(effect, alt)
            got = _outcome(solve, design, "n", effect=d, n=None, **kw)
            ref = _outcome(_sm, design, effect_size=d, n=None, **kw)
            _same(got, ref, f"n {design} {kw} {d}")
            checked += 1
        for n in (5, 12, 40, 73, 250, 1000):
            got = _outcome(solve, design, "effect", effect=None, n=float(n), **kw)
            ref = _outcome(_sm, design, effect_size=None, n=float(n), **kw)
            _same(got, ref, f"effect {design} {kw} {n}")
            checked += 1
    assert checked >= 54


def _outcome(fn: object, *args: object, **kw: object) -> float | str:
    """The value, or the error raised (statsmodels raises when no bracket has a sign change)."""
    try:
        return fn(*args, **kw)  # type: ignore[operator,no-any-return]
    except ValueError as exc:
        return f"ValueError: {exc}"


def _same(got: float | str, ref: float | str, msg: str) -> None:
    if isinstance(ref, str) or isinstance(got, str):
        assert got == ref, msg
    else:
        assert_allclose(got, ref, rtol=1e-8, atol=0, equal_nan=True, err_msg=msg)


def test_fsolve_fallback_case_equals_statsmodels() -> None:
    """statsmodels' bracket search fails here and fsolve returns -0.33 (a negative root)."""
    got = solve("paired", "effect", effect=None, n=73.0, power=0.8, alpha=0.05, ratio=1.0,
                alternative="two-sided")
    ref = _sm("paired", effect_size=None, n=73.0, power=0.8, alpha=0.05, ratio=1.0,
              alternative="two-sided")
    assert got < 0 and got == ref


def test_power_result_names_its_engine_and_matches_statsmodels() -> None:
    r = ek.power("did", effect=0.4, power=0.9, ratio=1.5, alternative="greater")
    assert r.engine == ("evalkit.estimate.power_engine "
                        "(as statsmodels.stats.power.TTestIndPower)")
    ref = smp.TTestIndPower().solve_power(effect_size=0.4, power=0.9, ratio=1.5, alpha=0.05,
                                          alternative="larger")
    assert_allclose(r.n_exact, ref, rtol=1e-8)
    assert r.n == math.ceil(ref)
