"""Robustness of every public estimator and assess entry point against bad input.

Each case either gives the same, correct answer as the clean data or raises an
:class:`evalkit.EvalkitError` whose message names the offending column; in every case the
caller's DataFrame is left exactly as it was (compared with a deep copy).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.assess.cadence import check_cadence
from evalkit.assess.measure import compute_value
from evalkit.assess.value import budget_table
from evalkit.model.cadence import CadenceRule
from evalkit.model.indicators import Compute
from evalkit.model.value import BudgetSource

try:
    import pyarrow  # noqa: F401

    HAS_ARROW = True
except ImportError:  # pragma: no cover - pyarrow is optional
    HAS_ARROW = False

# ---------------------------------------------------------------------------------------------
# clean data for each estimator
# ---------------------------------------------------------------------------------------------


def _prepost_df() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 12
    pre = rng.normal(10, 2, n).round(2)
    post = (pre + rng.normal(1, 1, n)).round(2)
    return pd.DataFrame({"id": np.tile(np.arange(1, n + 1), 2),
                         "wave": ["pre"] * n + ["post"] * n,
                         "y": np.r_[pre, post]})


def _did_df() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 15  # units per group; each observed before and after
    ids = np.arange(2 * n)
    g = (ids >= n).astype(int)
    rows = []
    for p in (0, 1):
        y = 5 + 1.0 * g + 0.5 * p + 2.0 * g * p + rng.normal(0, 1, 2 * n)
        rows.append(pd.DataFrame({"id": ids, "g": g, "p": p, "y": y.round(3),
                                  "x": rng.normal(0, 1, 2 * n).round(3)}))
    return pd.concat(rows, ignore_index=True)


def _panel_df(cohorts: dict[int, int]) -> pd.DataFrame:
    """10 units x 6 periods (1..6); ``cohorts`` maps unit -> first treated period."""
    rng = np.random.default_rng(3)
    units, periods = np.arange(10), np.arange(1, 7)
    uu, tt = np.meshgrid(units, periods, indexing="ij")
    uu, tt = uu.ravel(), tt.ravel()
    cohort = np.array([cohorts.get(int(u), 0) for u in uu])
    d = ((cohort > 0) & (tt >= cohort)).astype(int)
    y = 0.3 * uu + 0.2 * tt + 1.5 * d + rng.normal(0, 1, len(uu))
    return pd.DataFrame({"id": uu, "t": tt, "cohort": cohort, "d": d, "y": y.round(3),
                         "site": uu // 2})


@dataclass(frozen=True)
class Case:
    """One estimator: its clean data, its column roles and how to call it."""

    name: str
    make: Callable[[], pd.DataFrame]
    roles: dict[str, str]
    call: Callable[..., Any]
    binary: tuple[str, ...] = ()  # roles that must be 0/1

    def run(self, df: Any, **roles: str) -> Any:
        return self.call(df, **{**self.roles, **roles})


CASES = [
    Case("prepost", _prepost_df, {"outcome": "y", "unit": "id", "time": "wave"},
         lambda df, outcome, unit, time: ek.prepost(df, outcome, unit, time, "pre", "post")),
    Case("did", _did_df, {"outcome": "y", "group": "g", "post": "p"},
         lambda df, outcome, group, post: ek.did(df, outcome, group, post),
         binary=("group", "post")),
    Case("did_panel", _did_df, {"outcome": "y", "group": "g", "post": "p", "unit": "id"},
         lambda df, outcome, group, post, unit: ek.did(df, outcome, group, post, unit=unit),
         binary=("group", "post")),
    Case("twfe", lambda: _panel_df({u: 4 for u in range(5)}),
         {"outcome": "y", "unit": "id", "time": "t", "treatment": "d"},
         lambda df, outcome, unit, time, treatment: ek.twfe(df, outcome, unit, time, treatment)),
    Case("event_study", lambda: _panel_df({u: 3 + u % 2 for u in range(6)}),
         {"outcome": "y", "unit": "id", "time": "t", "cohort": "cohort"},
         lambda df, outcome, unit, time, cohort: ek.event_study(df, outcome, unit, time,
                                                                cohort)),
    Case("staggered_did", lambda: _panel_df({u: 3 + u % 2 for u in range(6)}),
         {"outcome": "y", "unit": "id", "time": "t", "cohort": "cohort"},
         lambda df, outcome, unit, time, cohort: ek.staggered_did(df, outcome, unit, time,
                                                                  cohort)),
]
IDS = [c.name for c in CASES]


def run_checked(case: Case, df: Any, **roles: str) -> Any:
    """Run ``case`` on ``df`` and assert that ``df`` was not modified."""
    before = df.copy(deep=True) if isinstance(df, pd.DataFrame) else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        try:
            return case.run(df, **roles)
        finally:
            if before is not None:
                pd.testing.assert_frame_equal(df, before)


def expect_error(case: Case, df: Any, *names: str, **roles: str) -> ek.EvalkitError:
    """The call raises an EvalkitError naming every one of ``names`` (and nothing else)."""
    with pytest.raises(ek.EvalkitError) as info:
        run_checked(case, df, **roles)
    msg = str(info.value)
    for name in names:
        assert repr(name) in msg or f"column {name}" in msg, (name, msg)
    return info.value


def same_result(a: Any, b: Any) -> None:
    assert a.n == b.n
    np.testing.assert_allclose(a.estimate, b.estimate, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-10, atol=1e-12)


@pytest.fixture(scope="module")
def baseline() -> dict[str, Any]:
    return {c.name: run_checked(c, c.make()) for c in CASES}


# ---------------------------------------------------------------------------------------------
# inputs that are not usable: a clear error naming the column
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("case", "role"), [(c, r) for c in CASES for r in c.roles],
                         ids=[f"{c.name}-{r}" for c in CASES for r in c.roles])
def test_unknown_column_is_named(case: Case, role: str) -> None:
    expect_error(case, case.make(), "no_such_col", **{role: "no_such_col"})


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("bad", [{"a": [1, 2]}, [[1, 2]], np.zeros((4, 3)), None, "data.csv"],
                         ids=["dict", "list", "ndarray", "None", "str"])
def test_not_a_dataframe(case: Case, bad: Any) -> None:
    e = expect_error(case, bad)
    assert "DataFrame" in str(e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_empty_frame(case: Case) -> None:
    e = expect_error(case, case.make().iloc[:0])
    assert "no rows" in str(e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_text_in_numeric_outcome(case: Case) -> None:
    df = case.make()
    df["y"] = df["y"].astype(object)
    df.loc[3, "y"] = "n/a?"
    e = expect_error(case, df, "y")
    assert "n/a?" in str(e)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_all_missing_outcome(case: Case) -> None:
    df = case.make()
    df["y"] = np.nan
    expect_error(case, df, "y")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_infinite_outcome_is_an_error(case: Case) -> None:
    df = case.make()
    df.loc[5, "y"] = np.inf
    expect_error(case, df, "y")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_duplicate_column_names(case: Case) -> None:
    df = case.make()
    df = pd.concat([df, df[["y"]]], axis=1)
    expect_error(case, df, "y")


@pytest.mark.parametrize("case", [c for c in CASES if c.binary], ids=lambda c: c.name)
@pytest.mark.parametrize("role", ["group", "post"])
def test_binary_not_zero_one(case: Case, role: str) -> None:
    col = case.roles[role]
    df = case.make()
    df[col] = df[col] + 1  # coded 1/2
    e = expect_error(case, df, col)
    assert "0/1" in str(e)
    df = case.make()
    df[col] = np.where(df[col] == 1, "yes", "no")
    expect_error(case, df, col)


@pytest.mark.parametrize("case", [c for c in CASES if c.name != "prepost"],
                         ids=lambda c: c.name)
def test_single_cluster(case: Case) -> None:
    """One unit (or, for the 2x2 DiD, one cluster) cannot give clustered inference."""
    df = case.make()
    if case.name == "did":
        df["one"] = 1
        with pytest.raises(ek.EvalkitError, match="'one'"):
            ek.did(df, "y", "g", "p", cluster="one")
        return
    one = df[df["id"] == df["id"].iloc[0]]
    with pytest.raises(ek.EvalkitError):
        run_checked(case, one)


def test_prepost_single_unit() -> None:
    df = _prepost_df()
    with pytest.raises(ek.EstimationError, match="at least 2 pairs"):
        ek.prepost(df[df["id"] == 1], "y", "id", "wave", "pre", "post")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_constant_outcome(case: Case) -> None:
    """A constant outcome has no variation: an EstimationError, not a zero with SE 0."""
    df = case.make()
    df["y"] = 3.0
    with pytest.raises(ek.EstimationError, match="'y'"):
        run_checked(case, df)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("value", [None, ["y"], "", True], ids=["None", "list", "empty", "bool"])
def test_column_argument_not_a_name(case: Case, value: Any) -> None:
    with pytest.raises(ek.SpecError, match="outcome= must be the name of a column"):
        run_checked(case, case.make(), outcome=value)


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("kind", ["datetime", "timedelta", "complex"])
def test_outcome_that_is_not_real_numbers(case: Case, kind: str) -> None:
    """Dates would otherwise become nanoseconds and complex numbers lose their imaginary part."""
    df = case.make()
    if kind == "datetime":
        df["y"] = pd.Timestamp("2025-01-01") + pd.to_timedelta(np.arange(len(df)), "D")
    elif kind == "timedelta":
        df["y"] = pd.to_timedelta(np.arange(len(df)), "h")
    else:
        df["y"] = df["y"].astype(complex)
    e = expect_error(case, df, "y")
    assert "real numbers" in str(e)


@pytest.mark.parametrize(("name", "call"), [
    ("did", lambda df: ek.did(df, "y", "g", "p", covariates=["x"])),
    ("did_panel", lambda df: ek.did(df, "y", "g", "p", unit="id", covariates="x")),
])
@pytest.mark.parametrize("bad", ["all_missing", "infinite", "text", "nested_name"])
def test_bad_covariate_is_named(name: str, call: Callable[[pd.DataFrame], Any],
                                bad: str) -> None:
    df = _did_df()
    if bad == "all_missing":
        df["x"] = np.nan
    elif bad == "infinite":
        df.loc[2, "x"] = -np.inf
    elif bad == "text":
        df["x"] = df["x"].astype(object)
        df.loc[2, "x"] = "unknown"
    before = df.copy(deep=True)
    if bad == "nested_name":
        with pytest.raises(ek.SpecError, match=r"\['x'\] is not a column name"):
            ek.did(df, "y", "g", "p", covariates=[["x"]])  # type: ignore[list-item]
    else:
        with pytest.raises(ek.DataError, match="'x'"):
            call(df)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("call", [
    lambda df: ek.twfe(df, "y", "id", "t", "d", covariates=["z"]),
    lambda df: ek.staggered_did(df, "y", "id", "t", "cohort", covariates=["z"]),
], ids=["twfe", "staggered_did"])
def test_all_missing_covariate_is_named(call: Callable[[pd.DataFrame], Any]) -> None:
    df = _panel_df({u: 3 + u % 2 for u in range(6)}).assign(z=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        with pytest.raises(ek.DataError, match="'z'"):
            call(df)


@pytest.mark.parametrize("case", [c for c in CASES if not c.name.startswith("did")],
                         ids=lambda c: c.name)
def test_duplicated_rows(case: Case) -> None:
    """A unit measured twice in one period is refused, naming the unit column.

    (``ek.did`` is exempt: its ``unit`` may be a site with many people per period.)
    """
    df = case.make()
    df = pd.concat([df, df.iloc[[0]]], ignore_index=True)
    expect_error(case, df, "id")


def test_did_cross_section_allows_repeated_rows(baseline: dict[str, Any]) -> None:
    """Without ``unit`` rows are people, so identical rows are two people (no error)."""
    df = _did_df()
    res = run_checked(CASES[1], pd.concat([df, df], ignore_index=True))
    assert res.n == 2 * baseline["did"].n
    assert res.estimate == pytest.approx(baseline["did"].estimate)


# ---------------------------------------------------------------------------------------------
# inputs that must work and give the clean answer
# ---------------------------------------------------------------------------------------------


def _as_nullable(s: pd.Series) -> pd.Series:
    if pd.api.types.is_integer_dtype(s):
        return s.astype("Int64")
    if pd.api.types.is_float_dtype(s):
        return s.astype("Float64")
    return s.astype("string")


DTYPE_VARIANTS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "nullable": _as_nullable,
    "category": lambda s: s.astype("category"),
    "object": lambda s: s.astype(object),
}
if HAS_ARROW:
    DTYPE_VARIANTS["string_pyarrow_ids"] = lambda s: (
        s if pd.api.types.is_float_dtype(s) else s.astype(str).astype("string[pyarrow]"))


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("variant", list(DTYPE_VARIANTS))
def test_id_columns_of_any_dtype(case: Case, variant: str, baseline: dict[str, Any]) -> None:
    """Unit / wave / cluster identifiers work whatever their dtype."""
    df = case.make()
    for role in ("unit", "time"):
        col = case.roles.get(role)
        if col is None or (case.name not in ("prepost", "twfe") and role == "time"):
            continue  # event-study / staggered time must be numeric (tested below)
        df[col] = DTYPE_VARIANTS[variant](df[col])
    same_result(run_checked(case, df), baseline[case.name])


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("variant", ["Float64", "Int64-scaled", "object-numbers"])
def test_numeric_columns_of_any_dtype(case: Case, variant: str,
                                      baseline: dict[str, Any]) -> None:
    df = case.make()
    base = baseline[case.name]
    if variant == "Float64":
        df["y"] = df["y"].astype("Float64")
    elif variant == "Int64-scaled":  # outcome in thousandths, as integers
        df["y"] = (df["y"] * 1000).round().astype("Int64")
    else:
        df["y"] = df["y"].astype(object)
    for role in ("treatment", "cohort", "group", "post"):
        col = case.roles.get(role)
        if col is not None:
            df[col] = df[col].astype("Int64")
    res = run_checked(case, df)
    scale = 1000.0 if variant == "Int64-scaled" else 1.0
    assert res.n == base.n
    np.testing.assert_allclose(res.estimate, scale * base.estimate, rtol=1e-9)
    np.testing.assert_allclose(res.se, scale * base.se, rtol=1e-9)


@pytest.mark.parametrize("case", [c for c in CASES if c.binary], ids=lambda c: c.name)
@pytest.mark.parametrize("dtype", ["bool", "boolean", "Int64", "float64", "category"])
def test_binary_columns_bool_and_nullable(case: Case, dtype: str,
                                          baseline: dict[str, Any]) -> None:
    df = case.make()
    for role in case.binary:
        col = case.roles[role]
        df[col] = df[col].astype(bool).astype(dtype) if dtype in ("bool", "boolean") else \
            df[col].astype(dtype)
    same_result(run_checked(case, df), baseline[case.name])


@pytest.mark.parametrize("case", [c for c in CASES if c.binary], ids=lambda c: c.name)
def test_binary_with_missing_is_dropped(case: Case) -> None:
    df = case.make()
    col = case.roles["group"]
    df[col] = df[col].astype("boolean")
    df.loc[0, col] = pd.NA
    res = run_checked(case, df)
    assert res.n_dropped >= 1
    assert res.n == len(df) - res.n_dropped


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_index_is_irrelevant(case: Case, baseline: dict[str, Any]) -> None:
    """Shuffled, string or repeated index labels give the same answer."""
    df = case.make()
    shuffled = df.sample(frac=1.0, random_state=0)
    same_result(run_checked(case, shuffled), baseline[case.name])
    labelled = df.set_axis([f"r{i}" for i in range(len(df))])
    same_result(run_checked(case, labelled), baseline[case.name])
    repeated = df.set_axis([i % 3 for i in range(len(df))])
    same_result(run_checked(case, repeated), baseline[case.name])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_missing_unit_id_is_dropped_or_named(case: Case) -> None:
    """A row without a unit id (or without a period) is left out and counted — or refused by name."""
    for role in ("unit", "time"):
        col = case.roles.get(role)
        if col is None:
            continue
        df = case.make()
        df[col] = df[col].astype(object)
        df.loc[0, col] = None
        try:
            res = run_checked(case, df)
        except ek.EvalkitError as e:
            assert repr(col) in str(e), str(e)
        else:
            assert res.n_dropped >= 1


def test_numeric_strings_in_outcome_are_read(baseline: dict[str, Any]) -> None:
    """Numbers typed as text (a spreadsheet export) are numbers, blanks are missing."""
    df = _prepost_df()
    df["y"] = df["y"].map(lambda v: f" {v} ")
    same_result(run_checked(CASES[0], df), baseline["prepost"])
    df.loc[0, "y"] = "  "
    res = run_checked(CASES[0], df)
    assert res.n == baseline["prepost"].n - 1
    assert res.dropped == {"missing_outcome": 1}


def test_nullable_outcome_with_na(baseline: dict[str, Any]) -> None:
    df = _prepost_df()
    df["y"] = df["y"].astype("Float64")
    df.loc[0, "y"] = pd.NA
    res = run_checked(CASES[0], df)
    assert res.n == baseline["prepost"].n - 1


def test_event_study_text_time_is_named() -> None:
    df = _panel_df({u: 3 for u in range(5)})
    df["t"] = df["t"].map(lambda v: f"year {v}")
    expect_error(CASES[4], df, "t")


# ---------------------------------------------------------------------------------------------
# properties (hypothesis): the estimators equal the textbook formulas
# ---------------------------------------------------------------------------------------------

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(finite, finite), min_size=3, max_size=25))
def test_prepost_is_mean_of_differences(pairs: list[tuple[float, float]]) -> None:
    pre = np.array([p[0] for p in pairs])
    post = np.array([p[1] for p in pairs])
    d = post - pre
    n = len(pairs)
    df = pd.DataFrame({"id": np.r_[np.arange(n), np.arange(n)],
                       "wave": ["a"] * n + ["b"] * n, "y": np.r_[pre, post]})
    if not np.std(d, ddof=1) > 1e-9 * max(1.0, float(np.abs(d).max())):
        return  # zero variance: an EstimationError, tested elsewhere
    res = ek.prepost(df, "y", "id", "wave", "a", "b")
    assert res.n == n
    np.testing.assert_allclose(res.estimate, d.mean(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.se, d.std(ddof=1) / math.sqrt(n), rtol=1e-7, atol=1e-9)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(0, 1), finite), min_size=8,
                max_size=40),
       st.lists(finite, min_size=4, max_size=4))
def test_did_is_difference_of_four_means(rows: list[tuple[int, int, float]],
                                         anchors: list[float]) -> None:
    # one guaranteed row per cell, then the random rows
    cells = [(0, 0), (0, 1), (1, 0), (1, 1)]
    data = [(g, p, a) for (g, p), a in zip(cells, anchors, strict=True)] + rows
    df = pd.DataFrame(data, columns=["g", "p", "y"])
    if df["y"].nunique() == 1:
        with pytest.raises(ek.EstimationError, match="same value"):
            ek.did(df, "y", "g", "p", se="classical")
        return
    res = ek.did(df, "y", "g", "p", se="classical")
    m = df.groupby(["g", "p"])["y"].mean()
    expected = (m[(1, 1)] - m[(1, 0)]) - (m[(0, 1)] - m[(0, 0)])
    scale = max(1.0, float(df["y"].abs().max()))
    np.testing.assert_allclose(res.estimate, expected, rtol=0, atol=1e-8 * scale)
    assert res.n == len(df)


# ---------------------------------------------------------------------------------------------
# assess entry points
# ---------------------------------------------------------------------------------------------

RECORDS = pd.DataFrame({
    "date": ["2025-01-02", "2025-01-07", "2025-01-09", "2025-01-14", "2025-01-21"],
    "kind": ["visit", "visit", "call", "visit", "visit"],
    "hours": [1.5, 2.0, 0.5, 1.0, 2.5],
    "pid": ["p1", "p2", "p1", "p3", "p1"],
})


def _compute(**kw: Any) -> Compute:
    return Compute.model_validate(kw)


def test_compute_value_clean_and_unmutated() -> None:
    df = RECORDS.copy()
    before = df.copy(deep=True)
    assert compute_value(df, _compute(sum="hours", filter={"kind": "visit"})) == (7.0, 4)
    assert compute_value(df, _compute(distinct="pid")) == (3.0, 3)
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("spec", [{"sum": "nope"}, {"mean": "nope"}, {"distinct": "nope"},
                                  {"count": True, "filter": {"nope": "visit"}}])
def test_compute_value_unknown_column(spec: dict[str, Any]) -> None:
    with pytest.raises(ek.DataError, match="'nope'"):
        compute_value(RECORDS, _compute(**spec), "records.csv")


def test_compute_value_text_in_numbers() -> None:
    df = RECORDS.assign(hours=["1.5", "2", "half", "1", "2.5"])
    before = df.copy(deep=True)
    with pytest.raises(ek.DataError, match=r"'hours'.*'half'"):
        compute_value(df, _compute(sum="hours"), "records.csv")
    pd.testing.assert_frame_equal(df, before)


def test_compute_value_nullable_and_category() -> None:
    df = RECORDS.assign(hours=RECORDS["hours"].astype("Float64"),
                        kind=RECORDS["kind"].astype("category"),
                        pid=RECORDS["pid"].astype("string"))
    df.loc[0, "hours"] = pd.NA
    assert compute_value(df, _compute(sum="hours", filter={"kind": "visit"})) == (5.5, 3)
    assert compute_value(df, _compute(distinct="pid")) == (3.0, 3)


def _rule(**kw: Any) -> CadenceRule:
    base = {"id": "R", "name": "r", "source": "log", "date": "date", "per": "week", "min": 1}
    return CadenceRule.model_validate({**base, **kw})


def test_cadence_bad_dates_and_columns() -> None:
    start, end = dt.date(2025, 1, 1), dt.date(2025, 1, 26)
    good = check_cadence([_rule()], {"log": RECORDS}, start, end)
    # W01 (1-5 Jan, needs round(5/7) = 1) has 1 record, W02 2, W03 1, W04 1: all 4 met
    assert (good.rules.iloc[0]["periods"], good.rules.iloc[0]["met"]) == (4, 4)
    bad = RECORDS.assign(date=["2025-01-02", "soon", None, "2025-01-14", "2025-01-21"])
    before = bad.copy(deep=True)
    with pytest.raises(ek.DataError, match=r"'date'.*'soon'"):
        check_cadence([_rule()], {"log": bad}, start, end)
    pd.testing.assert_frame_equal(bad, before)
    with pytest.raises(ek.DataError, match="'when'"):
        check_cadence([_rule(date="when")], {"log": RECORDS}, start, end)
    with pytest.raises(ek.DataError, match="'nope'"):
        check_cadence([_rule(source="nope")], {"log": RECORDS}, start, end)


BUDGET = pd.DataFrame({"line_id": ["B1", "B2"], "budget": [100.0, 50.0], "spent": [90.0, 60.0],
                       "category": ["personnel", "activities"]})


def test_budget_table_bad_inputs() -> None:
    spec = BudgetSource.model_validate({"source": "budget"})
    ok = budget_table(BUDGET, spec)
    assert ok["spent"].tolist() == [90.0, 60.0]
    assert ok["flag"].tolist() == ["", "overspent"]
    with pytest.raises(ek.DataError, match="'spent'"):
        budget_table(BUDGET.drop(columns="spent"), spec, file="budget.xlsx")
    bad = BUDGET.assign(spent=["90", "sixty"])
    before = bad.copy(deep=True)
    with pytest.raises(ek.DataError, match=r"budget\.xlsx.*'spent'.*'sixty'"):
        budget_table(bad, spec, file="budget.xlsx")
    pd.testing.assert_frame_equal(bad, before)


def test_budget_table_index_labels_do_not_matter() -> None:
    spec = BudgetSource.model_validate({"source": "budget"})
    expected = budget_table(BUDGET, spec)
    for index in (["a", "b"], [7, 7]):
        frame = BUDGET.set_axis(index)
        before = frame.copy(deep=True)
        try:
            got = budget_table(frame, spec)
        except ek.EvalkitError as e:  # a repeated label may be refused, but by name
            assert "index" in str(e) or "row" in str(e), str(e)
        else:
            pd.testing.assert_frame_equal(got, expected)
        pd.testing.assert_frame_equal(frame, before)


def _indicators(**values: Any) -> pd.DataFrame:
    from evalkit.assess.achievement import INDICATOR_COLUMNS

    row = dict.fromkeys(INDICATOR_COLUMNS, math.nan)
    row.update(indicator_id="A", name_zh="A", name_en="A", period="total",
               direction="increase", target=24.0, actual=24.0, achievement=1.0, **values)
    return pd.DataFrame([row], columns=INDICATOR_COLUMNS)


def _contract() -> Any:
    from evalkit.model.contract import Contract

    return Contract.model_validate({"amount": 1000, "criteria": [
        {"id": "C1", "name": "c1", "indicator": "A"}]})


@pytest.mark.parametrize(("change", "column"), [
    ({"drop": "indicator_id"}, "indicator_id"), ({"drop": "period"}, "period"),
    ({"drop": "actual"}, "actual"), ({"drop": "target"}, "target"),
    ({"actual": "lots"}, "actual"), ({"target": "two dozen"}, "target"),
])
def test_acceptance_bad_indicator_table(change: dict[str, Any], column: str) -> None:
    """A missing or unreadable column is named — never a silent 'rejected'."""
    from evalkit.assess.acceptance import assess_acceptance

    table = _indicators()
    if "drop" in change:
        table = table.drop(columns=change["drop"])
    else:
        table = table.astype(object).assign(**change)
    before = table.copy(deep=True)
    with pytest.raises(ek.DataError, match=f"indicators: column '{column}'"):
        assess_acceptance(_contract(), table, as_of=dt.date(2025, 12, 31))
    pd.testing.assert_frame_equal(table, before)


def test_acceptance_nullable_and_text_numbers() -> None:
    from evalkit.assess.acceptance import assess_acceptance

    clean = assess_acceptance(_contract(), _indicators(), as_of=dt.date(2025, 12, 31))
    assert clean.verdict == "accepted"
    table = _indicators().astype({"actual": object, "target": "Float64",
                                  "indicator_id": "string", "period": "category"})
    table["actual"] = ["24"]
    res = assess_acceptance(_contract(), table, as_of=dt.date(2025, 12, 31))
    assert res.verdict == "accepted"
    assert res.criteria.iloc[0]["actual"] == 24.0
    with pytest.raises(ek.DataError, match="DataFrame"):
        assess_acceptance(_contract(), {"indicator_id": ["A"]},  # type: ignore[arg-type]
                          as_of=dt.date(2025, 12, 31))


def test_scorecard_bad_indicator_table() -> None:
    from evalkit.assess.scorecard import score_scorecard
    from evalkit.model.scorecard import ScorecardSpec

    spec = ScorecardSpec.model_validate({"grades": "shenzhen", "nodes": [
        {"id": "N1", "name": "n1", "points": 100, "indicator": "A", "rule": "proportional"}]})
    assert score_scorecard(spec, indicators=_indicators()).total == pytest.approx(100.0)
    with pytest.raises(ek.DataError, match="'indicator_id'"):
        score_scorecard(spec, indicators=_indicators().drop(columns="indicator_id"))
    with pytest.raises(ek.DataError, match="'achievement'"):
        score_scorecard(spec, indicators=_indicators().drop(columns="achievement"))
    bad = _indicators().astype(object).assign(achievement="most")
    before = bad.copy(deep=True)
    with pytest.raises(ek.DataError, match=r"'achievement'.*'most'"):
        score_scorecard(spec, indicators=bad)
    pd.testing.assert_frame_equal(bad, before)
    with pytest.raises(ek.DataError, match="DataFrame"):
        score_scorecard(spec, indicators=[1, 2])  # type: ignore[arg-type]


@pytest.mark.parametrize("dtype", [object, "string", "category"])
def test_twfe_periods_written_as_text_keep_time_order(dtype: Any) -> None:
    """Periods "7".."12" as text must not be ordered "10" < "11" < "12" < "7" (which would
    look like a treatment switching off)."""
    df = _panel_df({u: 4 for u in range(5)}).assign(t=lambda d: d["t"] + 6)
    base = run_checked(CASES[3], df)
    text = df.assign(t=df["t"].astype(str).astype(dtype))
    same_result(run_checked(CASES[3], text), base)


def test_twfe_text_period_order_is_explained() -> None:
    df = _panel_df({u: 4 for u in range(5)}).assign(t=lambda d: "P" + (d["t"] + 6).astype(str))
    with pytest.raises(ek.DataError, match=r"switches off.*text order \(P10, P11, P12, P7"):
        run_checked(CASES[3], df)


def test_compute_value_repeated_column_is_named() -> None:
    df = pd.concat([RECORDS, RECORDS[["hours"]]], axis=1)
    with pytest.raises(ek.DataError, match="'hours' appears more than once"):
        compute_value(df, _compute(sum="hours"), "records.csv")


def test_cadence_repeated_date_column_is_named() -> None:
    df = pd.concat([RECORDS, RECORDS[["date"]]], axis=1)
    with pytest.raises(ek.DataError, match="'date' appears more than once"):
        check_cadence([_rule()], {"log": df}, dt.date(2025, 1, 1), dt.date(2025, 1, 26))


def test_indicator_rows_bad_dates_are_named() -> None:
    """A date that is not a date is an error (as in cadence), not a silently undated record."""
    from evalkit.assess.achievement import indicator_rows
    from evalkit.model.indicators import Indicator

    spec = Indicator.model_validate({"id": "X", "name": "x", "level": "outputs", "target": 4,
                                     "compute": {"count": True}, "period": "quarter"})
    kw: dict[str, Any] = {"start": dt.date(2025, 1, 1), "end": dt.date(2025, 12, 31)}
    rows = indicator_rows(spec, RECORDS, date="date", **kw)
    assert rows[-1]["period"] == "total" and rows[-1]["actual"] == 5
    # mixed spellings of real dates are all read
    mixed = RECORDS.assign(date=["2025-01-02", "2025/01/07", "9 Jan 2025", "2025-01-14",
                                 "2025-01-21"])
    assert indicator_rows(spec, mixed, date="date", **kw)[-1]["actual"] == 5
    bad = RECORDS.assign(date=["2025-01-02", "someday", "2025-01-09", "2025-01-14", None])
    before = bad.copy(deep=True)
    with pytest.raises(ek.DataError, match=r"'date' must hold dates.*'someday' at row 1"):
        indicator_rows(spec, bad, date="date", **kw)
    pd.testing.assert_frame_equal(bad, before)
    with pytest.raises(ek.DataError, match="'when' not found"):
        indicator_rows(spec, RECORDS, date="when", **kw)
