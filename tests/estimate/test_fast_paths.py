"""The array fast paths of the estimate stage agree with the pandas paths they stand in for."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from evalkit.errors import DataError, SpecError
from evalkit.estimate import diagnostics, honest
from evalkit.estimate._paired import equal_mask, make_pairs, paired_once
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row, with_extra

ID_DTYPES = ["str", "string", object, "int64", "Int64", "float64"]


def _long(id_dtype: object) -> pd.DataFrame:
    ids = [1, 2, 3, 4, 5, 6, 2, 3, 4, 5, 7, 8]
    waves = ["pre"] * 6 + ["post"] * 6
    score = [3.0, 2.5, np.nan, 4.0, 1.0, 2.0, 3.5, 3.0, 4.5, np.nan, 2.0, 1.5]
    group = ["s", "s", "c", "c", "s", "c", "s", "c", "c", "s", "s", "c"]
    df = pd.DataFrame({"id": ids, "wave": waves, "y": score, "g": group})
    df["id"] = df["id"].astype(str) if id_dtype in ("str", "string", object) else df["id"]
    return df.astype({"id": id_dtype})


@pytest.mark.parametrize("id_dtype", ID_DTYPES)
def test_pairs_of_every_id_dtype(id_dtype: object) -> None:
    """Text, object and numpy ids take the array path, Int64 the pandas path: same pairs."""
    pairs = make_pairs(_long(id_dtype), "y", "id", "wave", "pre", "post")
    assert [int(float(u)) for u in pairs.units] == [2, 4]
    assert pairs.pre.tolist() == [2.5, 4.0] and pairs.post.tolist() == [3.5, 4.5]
    assert pairs.dropped == {"only_pre": 2, "only_post": 2, "missing_outcome": 2}


def test_pairs_missing_ids_and_repeated_ids() -> None:
    df = _long("str")
    df.loc[0, "id"] = None
    pairs = make_pairs(df, "y", "id", "wave", "pre", "post")
    assert pairs.dropped["missing_unit"] == 1
    df.loc[7, "id"] = "2"  # a repeated id in the post wave: the pandas path's error
    with pytest.raises(DataError, match=r"unit id '2' appears more than once in wave 'post'"):
        make_pairs(df, "y", "id", "wave", "pre", "post")


@pytest.mark.parametrize("dtype", ["str", "string", object, "category"])
def test_equal_mask_is_the_series_comparison(dtype: object) -> None:
    col = pd.Series(["pre", None, "post", "pre"], dtype=dtype, name="w", index=[3, 5, 7, 9])
    for label in ("pre", "post", "x", 1):
        expected = (col == label).fillna(False).astype(bool)
        pd.testing.assert_series_equal(equal_mask(col, label), expected)


@pytest.mark.parametrize("id_dtype", [*ID_DTYPES, "category"])
def test_group_of_units_array_and_pandas_paths(id_dtype: object) -> None:
    df = _long(id_dtype)
    t_mask = (df["g"] == "s").to_numpy()
    c_mask = (df["g"] == "c").to_numpy()
    fast = diagnostics._group_of_units_now(df, "id", "g", "s", "c", "here")
    slow = diagnostics._group_of_units_pandas(df, "id", "g", t_mask, c_mask, "here")
    pd.testing.assert_series_equal(fast, slow)
    assert fast.tolist() == ["treated", "treated", "control", "control", "treated",
                             "control", "treated", "control"]


def test_group_of_units_unit_in_both_groups() -> None:
    df = _long("str")
    df.loc[6, "g"] = "c"  # unit 2: served before, comparison after
    with pytest.raises(DataError, match=r"unit '2' is in both the treated and the control"):
        diagnostics._group_of_units_now(df, "id", "g", "s", "c", "here")


def test_group_counts_as_reindex() -> None:
    groups = pd.Series(["treated", "control", "treated"], index=pd.Index(["a", "b", "c"]))
    units = np.array(["c", "x", "b", "a"], dtype=object)
    counts = groups.reindex(units).value_counts()
    assert diagnostics._group_counts(groups, units) == (counts["treated"], counts["control"])


def test_scale_outcome_inside_paired_once_unchanged() -> None:
    """ANCOVA and attrition of a frame: the same inside and outside paired_once."""
    df = _long("str").assign(y2=lambda d: d["y"] * 2)
    args = ("y", "id", "wave", "pre", "post")
    kw = {"group": "g", "treated": "s", "control": "c"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        outside = diagnostics.attrition_from_panel(df, *args, **kw)
        with paired_once():
            inside = diagnostics.attrition_from_panel(df, *args, **kw)
    assert outside == inside


def _event_result(order: list[int]) -> EffectResult:
    times = [-3.0, -2.0, -1.0, 0.0, 1.0]
    rows = pd.DataFrame({"event_time": times, "term": [f"e={t:g}" for t in times],
                         "estimate": [0.1, -0.2, 0.0, 0.5, 0.7],
                         "std_error": [0.1, 0.1, 0.0, 0.2, 0.2],
                         "conf_low": 0.0, "conf_high": 0.0,
                         "reference": [False, False, True, False, False]}).iloc[order]
    terms = [f"e={t:g}" for t in times if t != -1.0]
    vcov = pd.DataFrame(np.diag([0.01, 0.01, 0.04, 0.04]) + 0.001, index=terms, columns=terms)
    table = tidy_frame([tidy_row("average post", 0.6, 0.2, 3.0, 0.01, 0.2, 1.0)])
    return EffectResult(estimate=0.6, se=0.2, ci=(0.2, 1.0), pvalue=0.01, n=10, method="m",
                        design="event_study", outcome="y", term="average post", table=table,
                        extra={"event_times": rows.reset_index(drop=True), "vcov": vcov})


def test_honest_inputs_any_row_order() -> None:
    beta, sigma, pre, post = honest._from_result(_event_result([0, 1, 2, 3, 4]))
    for order in ([4, 2, 0, 3, 1], [1, 0, 3, 4, 2]):
        b2, s2, pre2, post2 = honest._from_result(_event_result(order))
        assert (pre2, post2) == (pre, post) == (2, 2)
        assert b2.tolist() == beta.tolist() == [0.1, -0.2, 0.5, 0.7]
        assert s2.tobytes() == sigma.tobytes() and s2.flags.f_contiguous


def test_honest_inputs_missing_term() -> None:
    r = _event_result([0, 1, 2, 3, 4])
    vcov = r.extra["vcov"].drop(index="e=1")
    bad = with_extra(r, {**r.extra, "vcov": vcov})
    with pytest.raises(SpecError, match=r"terms \['e=1'\] have no row"):
        honest._from_result(bad)


def test_lazy_se_series_and_unusual_tables() -> None:
    table = tidy_frame([tidy_row("a", 1.0, 0.5, 2.0, 0.05, 0.0, 2.0),
                        tidy_row("b", 2.0, 0.25, 8.0, 0.0, 1.5, 2.5)])
    r = EffectResult(estimate=1.0, se=0.5, ci=(0.0, 2.0), pvalue=0.05, n=3, method="m",
                     design="pre_post", outcome="y", term="a", table=table)
    pd.testing.assert_series_equal(r.se(), pd.Series([0.5, 0.25], index=pd.Index(
        ["a", "b"], name="term"), name="std_error"))
    labelled = with_extra(r, {"label": "x"})
    assert labelled.extra == {"label": "x"} and r.extra == {}
    assert labelled.to_frame().equals(r.to_frame()) and float(labelled.se) == 0.5
    with pytest.raises(KeyError):  # no std_error column: refused when built, as before
        EffectResult(estimate=1.0, se=0.5, ci=(0.0, 2.0), pvalue=0.05, n=3, method="m",
                     design="pre_post", outcome="y", term="a",
                     table=table.drop(columns="std_error"))
    assert math.isfinite(r.se)


def _item_total_pandas(data: pd.DataFrame) -> pd.DataFrame:
    """The pandas formulation evalkit.data.scales._item_total stands in for."""
    from evalkit.data.scales import _alpha_from_cov

    complete = data.dropna(how="any")
    rows = []
    for col in data.columns:
        rest = complete.drop(columns=[col])
        total = rest.sum(axis=1)
        ok = complete[col].std() > 0 and total.std() > 0
        r = float(np.corrcoef(complete[col], total)[0, 1]) if ok else math.nan
        a = _alpha_from_cov(data.drop(columns=[col]).cov()) if rest.shape[1] > 1 else math.nan
        rows.append({"item": col, "r_corrected": r, "alpha_if_deleted": a})
    return pd.DataFrame(rows).astype({"item": "string"})


@pytest.mark.parametrize("seed", range(40))
def test_item_total_bit_for_bit(seed: int) -> None:
    from evalkit.data.scales import _item_total

    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(3, 300)), int(rng.integers(2, 8))
    x = rng.normal(size=(n, k)) * rng.uniform(0.1, 10) + rng.uniform(-5, 5)
    if seed % 3 == 0:  # Likert-like answers
        x = np.round(x)
    if seed % 2 == 0:  # missing answers: pairwise covariances
        x[rng.random((n, k)) < 0.05] = np.nan
    data = pd.DataFrame({f"q{i}": x[:, i] for i in range(k)}, index=rng.permutation(n))
    if seed % 4 == 1:
        data = data.loc[rng.random(n) < 0.7]
    ours, theirs = _item_total(data), _item_total_pandas(data)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
    for col in ("r_corrected", "alpha_if_deleted"):
        assert ours[col].to_numpy().tobytes() == theirs[col].to_numpy().tobytes()


@pytest.mark.parametrize("bad", [None, 6.0, np.inf, 1e16])
def test_check_items_float_path(bad: float | None) -> None:
    """Float items: checked on their array, as the per-column checks (Float64 items take
    those); a bad value: the per-column checks name it."""
    from evalkit.data.scales import check_items

    rng = np.random.default_rng(1)
    data = pd.DataFrame({f"q{i}": rng.integers(1, 6, 50).astype(float) for i in range(4)},
                        index=rng.permutation(50) + 100)
    data.iloc[3, 1] = np.nan
    if bad is not None:
        data.iloc[7, 2] = bad
    slow = data.astype("Float64")
    kw = {"reverse": ["q1", "q3"], "item_range": (1, 5)}
    if bad is None:
        pd.testing.assert_frame_equal(check_items(data, list(data), **kw),
                                      check_items(slow, list(data), **kw), check_exact=True)
        return
    with pytest.raises(DataError) as fast_err:
        check_items(data, list(data), **kw)
    with pytest.raises(DataError) as slow_err:
        check_items(data.astype(object), list(data), **kw)
    assert str(fast_err.value) == str(slow_err.value)


@pytest.mark.parametrize("labels", [["pre", "post"], [2024, "2025"], ["pre", 2024]])
def test_seeded_wave_masks_are_computed_ones(labels: list[object]) -> None:
    """A child table's mask taken from its parent's is the one wave_mask computes on it;
    none is taken when it has no row (the child then computes it: a text match or the
    error)."""
    from evalkit.estimate._paired import seed_wave_mask, wave_mask

    time = pd.Series(labels * 3 + ["2024", "x"], dtype=object)
    parent = pd.DataFrame({"t": time, "g": ["a", "b"] * 4}, index=np.arange(8) * 3)
    rows = np.array([True, False, True, True, False, False, True, True])
    child = parent.loc[rows]
    for label in (*labels, 2024, "2024", "x"):
        try:
            expected = wave_mask(child, "t", label, "pre", "here")
        except DataError as exc:
            expected = exc
        try:
            parent_mask = wave_mask(parent, "t", label, "pre", "here")
        except DataError:
            continue
        with paired_once():
            seed_wave_mask(child, "t", label, parent_mask, rows)
            try:
                got = wave_mask(child, "t", label, "pre", "here")
            except DataError as exc:
                got = exc
        if isinstance(expected, DataError):
            assert isinstance(got, DataError) and str(got) == str(expected)
        else:
            assert isinstance(got, pd.Series)
            pd.testing.assert_series_equal(got, expected)
