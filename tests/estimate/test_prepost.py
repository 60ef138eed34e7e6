"""ek.prepost: pairing, dropped units, errors, immutability, sentences, coverage."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import evalkit as ek
from evalkit.errors import DataError, EstimationError, SpecError


def long(pre: list[float], post: list[float], ids: list[object] | None = None) -> pd.DataFrame:
    n = len(pre)
    ids = ids if ids is not None else list(range(n))
    return pd.DataFrame(
        {"id": ids * 2, "wave": ["pre"] * n + ["post"] * n, "y": list(pre) + list(post)}
    )


@pytest.fixture()
def messy() -> pd.DataFrame:
    """Units 1-6 in both waves; 7 only pre; 8 only post; 6 missing at post; 9 no id."""
    return pd.DataFrame({
        "pid": ["1", "2", "3", "4", "5", "6", "7", None,
                "1", "2", "3", "4", "5", "6", "8"],
        "wave": ["T0"] * 8 + ["T1"] * 7,
        "score": [3.0, 2.5, 4.0, 3.5, 2.0, 3.0, 1.0, 2.0,
                  3.5, 3.0, 4.5, 3.5, 3.0, None, 5.0],
        "site": ["a"] * 15,
    })


def test_dropped_reasons(messy: pd.DataFrame) -> None:
    r = ek.prepost(messy, "score", "pid", "wave", "T0", "T1")
    assert r.n == 5
    assert dict(r.dropped) == {"only_pre": 1, "only_post": 1, "missing_outcome": 1,
                               "missing_unit": 1}
    assert r.n_dropped == 4
    assert_allclose(r.estimate, np.mean([0.5, 0.5, 0.5, 0.0, 1.0]), rtol=1e-12)
    assert r.design == "pre_post" and r.evidence_level == 2


@pytest.mark.parametrize("test", ["t", "wilcoxon", "mcnemar"])
def test_input_not_modified(messy: pd.DataFrame, test: str) -> None:
    df = messy.copy(deep=True)
    if test == "mcnemar":
        df["score"] = (df["score"] > 3).astype("float").where(df["score"].notna())
    before = df.copy(deep=True)
    ek.prepost(df, "score", "pid", "wave", "T0", "T1", test=test)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(df, before)


def test_label_and_sentence() -> None:
    r = ek.prepost(long([1, 2, 3, 4, 5.0], [1.5, 2.2, 3.9, 4.1, 6.0]), "y", "id", "wave",
                   "pre", "post", label="wellbeing")
    assert r.extra["label"] == "wellbeing"
    assert r.extra["standardised"] == r.extra["cohens_d_av"]
    text = r.sentence("en")
    assert text.startswith("Wellbeing rose by")
    assert "cannot be attributed to the service alone" in text
    assert "不能" in r.sentence("zh")


def test_time_labels_compared_as_text() -> None:
    df = pd.DataFrame({"id": [1, 2, 3] * 2, "wave": [2023] * 3 + [2024] * 3,
                       "y": [1.0, 2, 3, 2, 2.5, 4]})
    r = ek.prepost(df, "y", "id", "wave", "2023", "2024")
    assert r.n == 3


def test_effect_size_intervals_scale_with_the_standardiser() -> None:
    """d_av's interval is d_z's rescaled by s_D / s_av and g_av's is d_av's times J
    (published reference values: tests/reference/test_effect_size_reference.py)."""
    rng = np.random.default_rng(3)
    x = rng.normal(3, 1, 40)
    y = x + rng.normal(0.3, 0.8, 40)
    r = ek.prepost(long(list(x), list(y)), "y", "id", "wave", "pre", "post")
    s_av = math.sqrt((np.var(x, ddof=1) + np.var(y, ddof=1)) / 2)
    scale = np.std(y - x, ddof=1) / s_av
    assert_allclose(r.extra["cohens_d_av_ci"], np.array(r.extra["cohens_dz_ci"]) * scale,
                    rtol=1e-12)
    j = 1 - 3 / (4 * (2 * 40 - 2) - 1)
    assert_allclose(r.extra["hedges_g_av"], j * r.extra["cohens_d_av"], rtol=1e-12)
    assert_allclose(r.extra["hedges_g_av_ci"], np.array(r.extra["cohens_d_av_ci"]) * j,
                    rtol=1e-12)


def test_mcnemar_no_discordant_pairs() -> None:
    r = ek.prepost(long([0, 1, 1, 0], [0, 1, 1, 0]), "y", "id", "wave", "pre", "post",
                   test="mcnemar")
    assert r.pvalue == 1.0 and r.estimate == 0.0


# -- errors: class and a message naming the column -----------------------------------------

def test_error_outcome_not_numeric(messy: pd.DataFrame) -> None:
    df = messy.copy()
    df["score"] = df["score"].astype("string").fillna("")
    df.loc[2, "score"] = "four"
    with pytest.raises(DataError, match=r"'score'.*'four'"):
        ek.prepost(df, "score", "pid", "wave", "T0", "T1")


def test_error_all_unmatched() -> None:
    df = pd.DataFrame({"id": [1, 2, 3, 4], "wave": ["pre", "pre", "post", "post"],
                       "y": [1.0, 2, 3, 4]})
    with pytest.raises(EstimationError, match=r"'y'.*'wave'.*only_pre: 2, only_post: 2") as e:
        ek.prepost(df, "y", "id", "wave", "pre", "post")
    assert "'id'" in str(e.value)


def test_error_zero_variance() -> None:
    with pytest.raises(EstimationError, match=r"'y'.*zero variance"):
        ek.prepost(long([1, 2, 3.0], [2, 3, 4.0]), "y", "id", "wave", "pre", "post")


def test_error_single_pair() -> None:
    with pytest.raises(EstimationError, match="'y'"):
        ek.prepost(long([1.0], [2.0]), "y", "id", "wave", "pre", "post")


def test_error_binary_not_01() -> None:
    with pytest.raises(DataError, match=r"'y'.*0/1.*2") as e:
        ek.prepost(long([0, 1, 2.0], [1, 1, 0.0]), "y", "id", "wave", "pre", "post",
                   test="mcnemar")
    assert "recode" in str(e.value)


def test_error_duplicated_unit(messy: pd.DataFrame) -> None:
    df = pd.concat([messy, messy.iloc[[9]]], ignore_index=True)  # "2" twice at T1
    with pytest.raises(DataError, match=r"unit id '2'.*wave 'T1'.*'pid'"):
        ek.prepost(df, "score", "pid", "wave", "T0", "T1")


@pytest.mark.parametrize("missing", ["score", "pid", "wave"])
def test_error_missing_column(messy: pd.DataFrame, missing: str) -> None:
    df = messy.drop(columns=[missing])
    with pytest.raises(DataError, match=f"column '{missing}' not found"):
        ek.prepost(df, "score", "pid", "wave", "T0", "T1")


@pytest.mark.parametrize(("pre", "post", "bad"), [("T9", "T1", "T9"), ("T0", "after", "after")])
def test_error_wave_label_absent(messy: pd.DataFrame, pre: str, post: str, bad: str) -> None:
    with pytest.raises(DataError, match=f"'{bad}' not found in column 'wave'.*T0, T1"):
        ek.prepost(messy, "score", "pid", "wave", pre, post)


def test_error_bad_options(messy: pd.DataFrame) -> None:
    with pytest.raises(SpecError, match="test: expected one of"):
        ek.prepost(messy, "score", "pid", "wave", "T0", "T1", test="anova")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="alternative"):
        ek.prepost(messy, "score", "pid", "wave", "T0", "T1",
                   alternative="bigger")  # type: ignore[arg-type]
    with pytest.raises(SpecError, match="alpha"):
        ek.prepost(messy, "score", "pid", "wave", "T0", "T1", alpha=5)


def test_error_not_a_frame() -> None:
    with pytest.raises(DataError, match="DataFrame"):
        ek.prepost([1, 2], "y", "id", "wave", "pre", "post")  # type: ignore[arg-type]


# -- coverage of the 95% interval ------------------------------------------------------------

@pytest.mark.slow
def test_monte_carlo_coverage() -> None:
    """95% CI of the mean change covers the true change in 93.5-96.5% of 2,000 datasets.

    Every dataset goes through ek.prepost itself (long DataFrame in, EffectResult out), with
    correlated pre/post scores and some attrition (3 of 60 rows dropped at random). Seeded.
    With 2,000 replications the SE of a 95% coverage is 0.0049, so the band is about ±3 SE.
    """
    rng = np.random.default_rng(20240611)
    true_change, n, reps = 0.4, 30, 2000
    ids = np.concatenate([np.arange(n), np.arange(n)])
    waves = ["pre"] * n + ["post"] * n
    hits = 0
    for _ in range(reps):
        x = rng.normal(3.0, 1.0, n)
        y = 0.6 * x + 1.2 + true_change + rng.normal(0, 0.8, n)
        df = pd.DataFrame({"id": ids, "wave": waves, "y": np.concatenate([x, y])})
        df = df.drop(index=rng.choice(2 * n, 3, replace=False))
        r = ek.prepost(df, "y", "id", "wave", "pre", "post")
        hits += int(r.ci[0] <= true_change <= r.ci[1])
    coverage = hits / reps
    assert 0.935 <= coverage <= 0.965, coverage


@pytest.mark.slow
def test_effect_size_interval_coverage() -> None:
    """The d_z (exact noncentral t) and d_av (rescaled) intervals cover the true values in
    about 95% of 800 bivariate-normal datasets (n = 25, r = 0.6, true d_av = 0.4)."""
    from evalkit.estimate._effsize import paired_effect_sizes

    rng = np.random.default_rng(77)
    n, rho, reps = 25, 0.6, 800
    cov = np.array([[1.0, rho], [rho, 1.0]])
    true = {"cohens_dz": 0.4 / math.sqrt(2 - 2 * rho), "cohens_d_av": 0.4}
    hits = dict.fromkeys(true, 0)
    for _ in range(reps):
        z = rng.multivariate_normal([0.0, 0.4], cov, n)
        es = paired_effect_sizes(z[:, 0], z[:, 1], 0.95)
        for key, value in true.items():
            lo, hi = es[key + "_ci"]
            hits[key] += int(lo <= value <= hi)
    for key in true:
        assert 0.93 <= hits[key] / reps <= 0.97, (key, hits[key] / reps)
