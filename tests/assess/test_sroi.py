"""SROI: a worked example computed by hand (drop-off and discounting over 3 years), bad
factors, the deadweight warning, sensitivity and the tornado chart."""

from __future__ import annotations

import math
import warnings

import pytest

import evalkit as ek
from evalkit.assess.sroi import AssumedDeadweightWarning, GrossChangeWarning, sroi
from evalkit.errors import EvalkitWarning, SpecError
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row


def effect(est: float, design: str) -> EffectResult:
    return EffectResult(estimate=est, se=0.1, ci=(est - 0.2, est + 0.2), pvalue=0.01, n=50,
                        method="hand-made", design=design, outcome="y", term="y",  # type: ignore[arg-type]
                        table=tidy_frame([tidy_row("y", est, 0.1, 1.0, 0.01, est - .2, est + .2)]))


#: outcome A: Q 100, proxy 50, deadweight 20%, displacement 10%, attribution 25%,
#:            drop-off 50%, 3 years
#: outcome B: Q 10, proxy 300, attribution 50%, no drop-off, 2 years
OUTCOMES = [
    {"id": "A", "name": "A", "quantity": {"value": 100}, "proxy": 50,
     "deadweight": {"value": 0.2, "provenance": "survey"}, "displacement": 0.1,
     "attribution": 0.25, "drop_off": 0.5, "duration": 3},
    {"id": "B", "name": "B", "quantity": {"value": 10, "provenance": "data"},
     "proxy": {"value": 300, "provenance": "published", "source": "unit cost database"},
     "attribution": 0.5, "duration": 2},
]


def test_worked_example_by_hand():
    # Impact_A = 100 × 50 × (1 − 0.2) × (1 − 0.1) × (1 − 0.25) = 5000 × 0.8 × 0.9 × 0.75 = 2700
    #   year 1: 2700; year 2: 2700 × 0.5 = 1350; year 3: 2700 × 0.5² = 675
    # Impact_B = 10 × 300 × (1 − 0.5) = 1500; year 1: 1500; year 2: 1500
    # totals: year 1 4200, year 2 2850, year 3 675
    # PV at r = 5%: 4200 / 1.05 + 2850 / 1.05² + 675 / 1.05³
    #             = 4000 + 2585.0340136 + 583.0903790 = 7168.1243926
    pv = 4200 / 1.05 + 2850 / 1.05**2 + 675 / 1.05**3
    assert pv == pytest.approx(7168.1243926)
    res = sroi(OUTCOMES, 5000, discount_rate=0.05)
    assert res.pv == pytest.approx(pv, rel=1e-12)
    assert res.ratio == pytest.approx(pv / 5000)                 # 1.43362
    assert res.net == pytest.approx((pv - 5000) / 5000)          # 0.43362
    # discounted payback: 4000 after year 1, 1000 more needed of year 2's 2585.03
    assert res.payback_years == pytest.approx(1 + 1000 / (2850 / 1.05**2))   # 1.3868
    # simple payback (guide): 5000 / (4200 / 12) = 14.2857 months
    assert res.payback_months_simple == pytest.approx(5000 / (4200 / 12))
    out = res.outcomes.set_index("outcome_id")
    assert out.loc["A", "impact"] == pytest.approx(2700)
    assert out.loc["B", "impact"] == pytest.approx(1500)
    assert out.loc["B", "pv"] == pytest.approx(1500 / 1.05 + 1500 / 1.05**2)
    flows = res.flows.set_index(["outcome_id", "year"])["value"]
    assert flows.loc[("A", 3)] == pytest.approx(675)
    assert flows.loc[("B", 2)] == pytest.approx(1500)


def test_no_discount_and_payback_not_reached():
    res = sroi(OUTCOMES, 100_000, discount_rate=0.0)
    assert res.pv == pytest.approx(2700 + 1350 + 675 + 1500 + 1500)   # 7725
    assert math.isnan(res.payback_years)


def test_provenance_recorded_and_printed():
    res = sroi(OUTCOMES, 5000, discount_rate=0.05)
    prov = res.factors.set_index(["outcome_id", "factor"])["provenance"]
    assert prov.loc[("A", "deadweight")] == "survey"
    assert prov.loc[("A", "quantity")] == "assumed"       # a plain value is assumed
    assert prov.loc[("B", "quantity")] == "data"
    assert prov.loc[("B", "proxy")] == "published"
    assert prov.loc[("A", "attribution")] == "assumed"    # a bare number is assumed
    text = res.summary("en")
    assert "B — financial proxy: 300 CNY (published source; unit cost database)" in text
    assert "由数据估计" in res.summary("zh")


def test_summary_amounts_carry_their_unit():
    """Issue 12: money in the summary has its unit (元 / CNY, or the project's currency)."""
    res = sroi(OUTCOMES, 5000, discount_rate=0.05)   # PV 7168.12 (worked example above)
    assert "现值 7,168 元，投入 5,000 元" in res.summary("zh")
    assert "present value 7,168 CNY on inputs of 5,000 CNY" in res.summary("en")
    assert "财务代理值: 300 元" in res.summary("zh")
    assert "on inputs of 5,000 HKD" in res.summary("en", currency="HKD")
    assert "deadweight: 0.2 (" in res.summary("en")    # a share is not money


def test_factors_outside_unit_interval_all_listed():
    bad = [{**OUTCOMES[0], "deadweight": 1.2, "attribution": -0.1},
           {**OUTCOMES[1], "drop_off": {"value": 0.3, "range": [0.1, 1.5]}, "duration": 0}]
    with pytest.raises(SpecError) as info:
        sroi(bad, 5000)
    where = [p.split(":")[0] for p in info.value.problems]
    assert where == ["outcomes[0].deadweight", "outcomes[0].attribution",
                     "outcomes[1].drop_off", "outcomes[1].duration"]
    assert "got 1.2" in info.value.problems[0]


def test_inputs_and_rate_checked():
    with pytest.raises(SpecError) as info:
        sroi(OUTCOMES, -1, discount_rate=2)
    assert len(info.value.problems) == 2


def test_bad_factors_from_yaml(example_copy):
    path = example_copy / "project.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("attribution: {value: 0.2,", "attribution: {value: 1.2,", 1)
    text = text.replace("drop_off: {value: 0.5, provenance: assumed}\n        duration: {value: 3",
                        "drop_off: {value: -0.5, provenance: assumed}\n        duration: {value: 3",
                        1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(path)
    where = [p.split(":")[0] for p in info.value.problems]
    assert "value.sroi.outcomes[0].attribution" in where
    assert "value.sroi.outcomes[1].drop_off" in where


def test_assumed_deadweight_with_did_warns():
    oc = [{**OUTCOMES[0], "quantity": {"effect": "disputes", "direction": "decrease"},
           "deadweight": 0.3}]
    with pytest.warns(AssumedDeadweightWarning, match="already nets out"):
        res = sroi(oc, 5000, effects={"disputes": effect(-2.0, "did")})
    assert issubclass(AssumedDeadweightWarning, EvalkitWarning)
    assert res.warnings and "deadweight 0.3 is assumed" in res.warnings[0]
    assert res.outcomes.iloc[0]["quantity"] == pytest.approx(2.0)   # a decrease counts +


def test_zero_deadweight_on_gross_change_warns():
    oc = [{**OUTCOMES[0], "quantity": {"effect": "wb"}, "deadweight": 0}]
    with pytest.warns(GrossChangeWarning, match="without a comparison group"):
        sroi(oc, 5000, effects={"wb": effect(0.4, "pre_post")})


@pytest.mark.parametrize(("design", "provenance"), [("pre_post", "assumed"), ("did", "data")])
def test_no_warning_otherwise(design, provenance):
    oc = [{**OUTCOMES[0], "quantity": {"effect": "wb"},
           "deadweight": {"value": 0.1, "provenance": provenance}}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sroi(oc, 5000, effects={"wb": effect(0.4, design)})


def test_sensitivity_by_hand():
    res = sroi(OUTCOMES, 5000, discount_rate=0.05)
    sens = res.sensitivity.set_index(["outcome_id", "factor"])
    # quantity of A ×0.8 / ×1.2 scales A's PV: PV_A = 2700/1.05 + 1350/1.05² + 675/1.05³
    pv_a = 2700 / 1.05 + 1350 / 1.05**2 + 675 / 1.05**3
    pv = res.pv
    assert sens.loc[("A", "quantity"), "ratio_low"] == pytest.approx((pv - 0.2 * pv_a) / 5000)
    assert sens.loc[("A", "quantity"), "ratio_high"] == pytest.approx((pv + 0.2 * pv_a) / 5000)
    # B's attribution 0.5 ± 0.1: B's PV scales by 0.6/0.5 and 0.4/0.5
    pv_b = pv - pv_a
    assert sens.loc[("B", "attribution"), "ratio_low"] == pytest.approx(
        (pv_a + pv_b * 0.6 / 0.5) / 5000)
    # duration of B 2 -> 3 adds 1500 / 1.05³
    assert sens.loc[("B", "duration"), "ratio_high"] == pytest.approx(
        (pv + 1500 / 1.05**3) / 5000)
    assert sens.loc[("", "discount_rate"), "ratio_low"] == pytest.approx(7725 / 5000)
    assert list(res.sensitivity["swing"]) == sorted(res.sensitivity["swing"], reverse=True)
    assert len(res.sensitivity) == 2 * 7 + 1


def test_factor_range_overrides_default():
    oc = [{**OUTCOMES[1], "proxy": {"value": 300, "range": [100, 400]}}]
    sens = sroi(oc, 1000, discount_rate=0.0).sensitivity.set_index("factor")
    assert sens.loc["proxy", ["low_value", "high_value"]].tolist() == [100, 400]
    assert sens.loc["proxy", "ratio_low"] == pytest.approx(2 * 10 * 100 * 0.5 / 1000)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_tornado_chart(lang):
    from matplotlib.figure import Figure

    res = sroi(OUTCOMES, 5000, discount_rate=0.05)
    fig = res.tornado(lang=lang)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 12                               # top 12 of 15
    assert labels[-1] == res.sensitivity.iloc[0][f"label_{lang}"]   # largest swing on top
    assert ("SROI 比率" if lang == "zh" else "SROI ratio") in ax.get_xlabel()


def test_plot_draws_the_sensitivity_ratios():
    """``SroiResult.plot()``: each bar runs from the base ratio to the ratio at the factor's
    low (first series) or high value (second), for the 12 largest swings, largest on top."""
    from matplotlib.figure import Figure

    res = sroi(OUTCOMES, 5000, discount_rate=0.05)
    fig = Figure()
    ax = fig.add_subplot()
    assert res.plot(lang="en", ax=ax) is fig
    top = res.sensitivity.head(12).iloc[::-1]
    low, high = ax.containers[0], ax.containers[1]
    assert [p.get_x() for p in low] == pytest.approx([res.ratio] * 12)
    assert [p.get_x() + p.get_width() for p in low] == pytest.approx(top["ratio_low"].tolist())
    assert [p.get_x() + p.get_width() for p in high] == pytest.approx(top["ratio_high"].tolist())


def test_indicator_quantity_rows_equal_the_filter():
    """The row read for an indicator (last total row, else last row), found by one walk over
    text ids/periods, is the one the pandas filter (object ids) finds."""
    import pandas as pd

    from evalkit.assess.sroi import indicator_rows, resolve_quantity
    from evalkit.errors import DataError
    from evalkit.model.value import Quantity

    text = pd.DataFrame({"indicator_id": ["A", "A", "B", "A", "B", "C"],
                         "period": ["Q1", "total", "Q1", "total", "Q2", "Q1"],
                         "actual": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}).astype(
        {"indicator_id": "string", "period": "string"})
    objects = text.astype({"indicator_id": object})
    assert indicator_rows(text) == {"A": 3, "B": 4, "C": 5} and indicator_rows(objects) is None
    for ident, want in (("A", 4.0), ("B", 5.0), ("C", 6.0)):
        q = Quantity(indicator=ident, scale=2.0)
        got = [resolve_quantity(q, indicators=t) for t in (text, objects)]
        got.append(resolve_quantity(q, indicators=text, rows=indicator_rows(text)))
        assert got == [2 * want] * 3
    for table in (text, objects, text[["indicator_id", "actual"]]):
        with pytest.raises(DataError, match="no value for indicator 'Z'"):
            resolve_quantity(Quantity(indicator="Z"), indicators=table)
