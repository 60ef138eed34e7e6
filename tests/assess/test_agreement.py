"""Rater agreement (ICC) between scorecard roles.

References:

* Shrout & Fleiss (1979), Table 1 data (6 targets × 4 judges) and Table 2 values:
  ICC(1,1) = .17, ICC(2,1) = .29, ICC(3,1) = .71, ICC(2,4) = .62, ICC(3,4) = .91.
* pingouin's documented example (wine data, 8 wines × 4 judges), printed in
  ``pingouin.intraclass_corr``'s docstring: ICC(A,1) 0.728, F 11.787, df 7/21, CI [0.43, 0.93];
  ICC(A,k) 0.914, CI [0.75, 0.98].
* An independent computation from the two-way ANOVA mean squares (McGraw & Wong 1996, Table 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evalkit.assess.agreement import (
    agreement_band,
    icc_table,
    rater_agreement,
    role_item_shares,
)
from evalkit.errors import EstimationError, SpecError
from evalkit.model.scorecard import ScorecardSpec

SHROUT_FLEISS = np.array([[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6],
                          [10, 5, 6, 9], [6, 2, 4, 7]], dtype=float)


def long_frame(x: np.ndarray) -> pd.DataFrame:
    n, k = x.shape
    return pd.DataFrame([(i, j, x[i, j]) for i in range(n) for j in range(k)],
                        columns=["item", "role", "score"])


def icc_a1_by_hand(x: np.ndarray) -> float:
    """ICC(A,1) from the two-way ANOVA mean squares (McGraw & Wong 1996, case 2A/3A)."""
    n, k = x.shape
    grand = x.mean()
    msr = k * ((x.mean(axis=1) - grand) ** 2).sum() / (n - 1)
    msc = n * ((x.mean(axis=0) - grand) ** 2).sum() / (k - 1)
    resid = x - x.mean(axis=1, keepdims=True) - x.mean(axis=0, keepdims=True) + grand
    mse = (resid ** 2).sum() / ((n - 1) * (k - 1))
    return float((msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n))


def test_shrout_fleiss_table_2() -> None:
    t = icc_table(long_frame(SHROUT_FLEISS), targets="item", raters="role", ratings="score")
    published = {"ICC(1,1)": 0.17, "ICC(A,1)": 0.29, "ICC(C,1)": 0.71, "ICC(A,k)": 0.62,
                 "ICC(C,k)": 0.91}
    for form, value in published.items():
        np.testing.assert_allclose(t.loc[form, "ICC"], value, atol=0.005, err_msg=form)
    np.testing.assert_allclose(t.loc["ICC(A,1)", "ICC"], icc_a1_by_hand(SHROUT_FLEISS),
                               rtol=1e-12)


def test_pingouin_documented_wine_example() -> None:
    pg = pytest.importorskip("pingouin")
    data = pg.read_dataset("icc")
    t = icc_table(data, targets="Wine", raters="Judge", ratings="Scores")
    np.testing.assert_allclose(t.loc["ICC(A,1)", "ICC"], 0.728, atol=5e-4)
    np.testing.assert_allclose(t.loc["ICC(A,1)", "F"], 11.787, atol=5e-4)
    assert (t.loc["ICC(A,1)", "df1"], t.loc["ICC(A,1)", "df2"]) == (7, 21)
    assert (t.loc["ICC(A,1)", "ci_low"], t.loc["ICC(A,1)", "ci_high"]) == (0.43, 0.93)
    np.testing.assert_allclose(t.loc["ICC(A,k)", "ICC"], 0.914, atol=5e-4)
    wide = data.pivot(index="Wine", columns="Judge", values="Scores").to_numpy(dtype=float)
    np.testing.assert_allclose(t.loc["ICC(A,1)", "ICC"], icc_a1_by_hand(wide), rtol=1e-12)


def test_koo_li_bands() -> None:
    assert [agreement_band(v) for v in (0.3, 0.5, 0.74, 0.75, 0.9, 0.95)] == [
        "poor", "moderate", "moderate", "good", "excellent", "excellent"]
    assert agreement_band(0.82, "zh") == "良好"


def card(ratings: dict, raters: dict | None = None) -> ScorecardSpec:
    leaves = [{"id": f"M{i}", "name": f"m{i}", "points": 10, "rule": "direct", "manual": True}
              for i in range(1, 7)]
    leaves.append({"id": "BAND", "name": "b", "points": 20, "rule": "banded", "manual": True,
                   "bands": [{"grade": "好", "points": 20}, {"grade": "中", "points": 12},
                             {"grade": "差", "points": 0}]})
    leaves.append({"id": "V", "name": "safe", "points": 0, "rule": "veto", "manual": True})
    return ScorecardSpec.model_validate({
        "raters": raters or {"purchaser": 0.5, "third_party": 0.3, "provider": 0.2},
        "nodes": [{"id": "A", "name": "A", "points": 80, "children": leaves},
                  {"id": "B", "name": "B", "points": 20, "children": [
                      {"id": "B1", "name": "data", "points": 20, "rule": "proportional",
                       "indicator": "I1"}]}],
        "ratings": ratings})


# purchaser, third party: 6 direct items (points of 10) and one banded item (of 20)
P = {"M1": 9, "M2": 6, "M3": 8, "M4": 7, "M5": 10, "M6": 6, "BAND": "好", "V": True}
T = {"M1": 2, "M2": 1, "M3": 4, "M4": 1, "M5": 5, "M6": 2, "BAND": "差"}


def test_scorecard_roles_against_hand_computation() -> None:
    spec = card({"purchaser": P, "third_party": T, "provider": {"M1": 8}})
    shares = role_item_shares(spec)
    assert list(shares.index) == ["M1", "M2", "M3", "M4", "M5", "M6", "BAND"]  # no veto
    assert shares.loc["BAND", "purchaser"] == 1.0 and shares.loc["M1", "third_party"] == 0.2
    # provider rated one item only: compared roles are those with ratings, items all rated
    r = rater_agreement(spec, roles=["purchaser", "third_party"])
    x = np.column_stack([[9, 6, 8, 7, 10, 6, 10], [2, 1, 4, 1, 5, 2, 0]]) / 10
    np.testing.assert_allclose(r.icc, icc_a1_by_hand(x), rtol=1e-12)
    assert r.form == "ICC(A,1)" and r.n_items == 7 and r.roles == ("purchaser", "third_party")
    assert r.ci[0] <= r.icc <= r.ci[1]
    assert r.band == "poor"
    zh = r.sentence("zh", {"purchaser": "采购方", "third_party": "第三方"})
    assert zh.startswith("采购方、第三方之间评分一致性较差（ICC = ")
    assert "共同评分7项" in zh
    frame = r.ratings
    frame.iloc[0, 0] = 99.0
    assert r.ratings.iloc[0, 0] == 0.9


def test_good_agreement_sentence() -> None:
    close = {k: (v - 1 if isinstance(v, int) and v > 5 else v) for k, v in P.items()}
    close["BAND"] = "中"
    r = rater_agreement(card({"purchaser": P, "third_party": close}))
    x = np.column_stack([[9, 6, 8, 7, 10, 6, 10], [8, 5, 7, 6, 9, 5, 6]]) / 10
    np.testing.assert_allclose(r.icc, icc_a1_by_hand(x), rtol=1e-12)
    assert r.band in {"good", "excellent", "moderate"}
    assert "ICC = " in r.sentence("en")


def test_refuses_fewer_than_two_roles() -> None:
    with pytest.raises(EstimationError, match=r"at least 2 rater roles.*found 1 \(purchaser\)"):
        rater_agreement(card({"purchaser": P}))


def test_refuses_too_few_common_items() -> None:
    spec = card({"purchaser": P, "third_party": {"M1": 2, "M2": 1, "M3": 4}})
    with pytest.raises(EstimationError, match=r"at least 5 items rated by every role "
                                              r"\(purchaser, third_party\); found 3 \(M1, M2, M3\)"):
        rater_agreement(spec)
    assert rater_agreement(spec, min_items=3).n_items == 3
    apart = card({"purchaser": {"M1": 2, "M2": 1}, "third_party": {"M3": 4}})
    with pytest.raises(EstimationError, match=r"\(purchaser, third_party\); found 0 — "):
        rater_agreement(apart)


def test_refuses_no_variation_and_bad_options() -> None:
    same = {f"M{i}": 10 for i in range(1, 7)}
    with pytest.raises(EstimationError, match="undefined without variation"):
        rater_agreement(card({"purchaser": same, "third_party": same}))
    with pytest.raises(SpecError, match="unknown rater role"):
        rater_agreement(card({"purchaser": P, "third_party": T}), roles=["expert"])
    with pytest.raises(SpecError, match="min_items"):
        rater_agreement(card({"purchaser": P, "third_party": T}), min_items=1)


def test_identical_ratings_are_perfect_agreement() -> None:
    r = rater_agreement(card({"purchaser": P, "third_party": dict(P)}))
    assert r.icc == pytest.approx(1.0) and r.ci == (1.0, 1.0) and r.band == "excellent"
