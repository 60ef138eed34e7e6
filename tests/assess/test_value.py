"""Money figures: budget execution, management fee, cost per participant / output / outcome,
ICER — each computed by hand beside the code's result."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import evalkit as ek
from evalkit.assess.achievement import INDICATOR_COLUMNS, indicator_table
from evalkit.assess.value import assess_project, assess_value, budget_table
from evalkit.data.load import load_evidence
from evalkit.errors import DataError, SpecError
from evalkit.estimate.results import EffectResult, tidy_frame, tidy_row
from evalkit.model.contract import BudgetLine
from evalkit.model.value import BudgetSource, ValueSpec


def effect(est: float, lo: float, hi: float, design: str = "did", level: int = 3) -> EffectResult:
    return EffectResult(estimate=est, se=(hi - lo) / 3.92, ci=(lo, hi), pvalue=0.01, n=100,
                        method="hand-made", design=design, outcome="y", term="y",  # type: ignore[arg-type]
                        table=tidy_frame([tidy_row("y", est, 0.1, 1.0, 0.01, lo, hi)]),
                        evidence_level=level)


BUDGET = pd.DataFrame({
    "line_id": ["B1", "B2", "B3"],
    "name_zh": ["人员", "活动", "管理费"], "name_en": ["staff", "activities", "fee"],
    "category": ["personnel", "activities", "management_fee"],
    "budget": [100.0, 50.0, 20.0],
    "spent": [90.0, 50.0, 15.0],
})


def ind_table(**actual: float) -> pd.DataFrame:
    rows = []
    for ident, value in actual.items():
        row = dict.fromkeys(INDICATOR_COLUMNS, math.nan)
        row.update(indicator_id=ident, period="total", actual=value, target=1.0)
        rows.append(row)
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def spec(**kw: object) -> ValueSpec:
    return ValueSpec.model_validate({"budget": {"source": "budget"}, **kw})


def test_budget_execution_and_fee():
    before = BUDGET.copy()
    res = assess_value(spec(), budget=BUDGET)
    pd.testing.assert_frame_equal(BUDGET, before)           # input never mutated
    assert res.budget == 170.0                               # 100 + 50 + 20
    assert res.spent == 155.0                                # 90 + 50 + 15
    assert res.execution_rate == pytest.approx(155 / 170)   # 0.9118
    assert res.unspent == 15.0
    assert res.management_fee == 15.0
    assert res.management_fee_share == pytest.approx(15 / 155)   # 9.68% < 10%
    assert res.fee_flag == "below_band"
    assert [f.key for f in res.flags] == ["fee_below_band", "underspent"]  # B3 at 75% < 80%
    lines = res.lines.set_index("line_id")
    assert lines.loc["B1", "variance"] == -10.0
    assert lines.loc["B1", "execution"] == pytest.approx(0.9)
    assert lines.loc["B3", "flag"] == "underspent"


def test_fee_on_budget_basis_and_band():
    res = assess_value(spec(fee_basis="budget", fee_band=[0.05, 0.10]), budget=BUDGET)
    assert res.management_fee_share == pytest.approx(20 / 170)   # 11.8% > 10%
    assert res.fee_flag == "above_band"


def test_overspent_line_flagged():
    b = BUDGET.assign(spent=[120.0, 50.0, 20.0])
    res = assess_value(spec(), budget=b)
    assert res.lines.set_index("line_id").loc["B1", "flag"] == "overspent"
    assert res.unspent == -20.0                                 # 170 - 190


def test_costs_per_participant_output_outcome():
    s = spec(participants={"value": 50},
             outputs=[{"indicator": "I1"}, {"indicator": "I1", "lines": ["B2"]}],
             outcomes=[{"effect": "wb", "scale": 50},
                       {"effect": "disp", "direction": "decrease", "scale": 10}])
    effects = {"wb": effect(0.31, 0.1, 0.5, design="pre_post", level=2),
               "disp": effect(-0.5, -0.8, -0.2, design="did", level=3)}
    res = assess_value(s, budget=BUDGET, indicators=ind_table(I1=31.0), effects=effects)
    assert res.cost == 155.0
    assert res.cost_per_participant == pytest.approx(155 / 50)     # 3.1
    out = res.cost_per_output
    assert out["cost_per_unit"].tolist() == pytest.approx([155 / 31, 50 / 31])
    oc = res.cost_per_outcome.set_index("outcome_id")
    assert oc.loc["wb", "net_units"] == pytest.approx(0.31 * 50)      # 15.5
    assert oc.loc["wb", "cost_per_unit"] == pytest.approx(155 / 15.5)  # 10
    assert "gross change" in oc.loc["wb", "basis_en"]                 # pre/post is not net
    assert oc.loc["disp", "net_units"] == pytest.approx(5.0)          # -(-0.5) * 10
    assert oc.loc["disp", "cost_per_unit"] == pytest.approx(31.0)
    assert "difference-in-differences" in oc.loc["disp", "basis_en"]
    assert bool(oc.loc["disp", "ci_excludes_zero"])


def test_no_net_improvement_gives_no_cost_per_outcome():
    s = spec(outcomes=[{"effect": "wb"}])
    res = assess_value(s, budget=BUDGET, effects={"wb": effect(-0.1, -0.3, 0.1)})
    assert math.isnan(res.cost_per_outcome.iloc[0]["cost_per_unit"])


@pytest.mark.parametrize(("alt_cost", "alt_units", "ratio", "dominance"), [
    (100.0, 5.5, (155 - 100) / (15.5 - 5.5), "trade_off"),   # 5.5 per extra unit
    (200.0, 10.0, (155 - 200) / (15.5 - 10.0), "dominant"),  # cheaper and better
    (100.0, 20.0, (155 - 100) / (15.5 - 20.0), "dominated"),
])
def test_icer(alt_cost, alt_units, ratio, dominance):
    s = spec(outcomes=[{"effect": "wb", "scale": 50}],
             alternative={"name": "hotline", "cost": alt_cost, "outcome": "wb",
                          "units": alt_units})
    res = assess_value(s, budget=BUDGET, effects={"wb": effect(0.31, 0.1, 0.5)})
    assert res.icer is not None
    assert res.icer.ratio == pytest.approx(ratio)
    assert res.icer.dominance == dominance


def test_budget_problems_all_listed():
    bad = pd.DataFrame({"line_id": ["B1", "B2", "B9", "B1"], "budget": [-5.0, 50.0, None, 1.0],
                        "spent": [10.0, -3.0, 7.0, 0.0], "category": ["a", "b", "c", "a"]})
    with pytest.raises(DataError) as info:
        budget_table(bad, BudgetSource(source="budget"), file="budget.csv")
    problems = info.value.problems
    assert len(problems) == 4
    assert problems[0].startswith("budget.csv row 0, column budget: budget of line 'B1' is negative")
    assert problems[1].startswith("budget.csv row 1, column spent")
    assert problems[2].startswith("budget.csv row 2, column line_id: 7 spent on 'B9'")
    assert "appears more than once" in problems[3]


def test_spend_against_contract_lines():
    lines = [BudgetLine(id="B1", name="staff", amount=100), BudgetLine(id="B2", name="act",
                                                                      amount=60)]
    b = BUDGET.loc[:, ["line_id", "category", "budget", "spent"]]
    with pytest.raises(DataError) as info:
        budget_table(b, BudgetSource(source="budget"), contract_lines=lines)
    problems = info.value.problems
    assert any("row 1, column budget: budget 50 of 'B2' differs" in p for p in problems)
    assert any("'B3', which has no budget line in contract.budget_lines" in p for p in problems)


def test_negative_contract_budget_and_bad_band_from_yaml(example_copy):
    path = example_copy / "project.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("amount: 168000", "amount: -168000", 1)
    text = text.replace("fee_band: [0.10, 0.20]", "fee_band: [0.30, 0.20]", 1)
    text = text.replace("- {indicator: I1}", "- {indicator: I42}", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(path)
    problems = info.value.problems
    assert "contract.budget_lines[0].amount: a budget is an amount >= 0, got -168000" in problems
    assert ("value.fee_band: expected [low, high] with 0 <= low <= high <= 1 (0.1 = 10%), "
            "got [0.3, 0.2]") in problems


def test_unknown_references_listed(example_copy):
    path = example_copy / "project.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("- {indicator: I1}", "- {indicator: I42}", 1)
    text = text.replace("- {effect: wellbeing, scale: 300,", "- {effect: happiness, scale: 300,", 1)
    text = text.replace("budget: {source: budget,", "budget: {source: money,", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(path)
    lines = info.value.problems
    assert any(p.startswith("value.outputs[0].indicator: unknown indicator 'I42'") for p in lines)
    assert any(p.startswith("value.outcomes[0].effect: unknown outcome 'happiness'")
               for p in lines)
    assert any(p.startswith("value.budget.source: unknown data source 'money'") for p in lines)


def test_example_project_money(example_project):
    evidence = load_evidence(example_project)
    stages = {"indicators": indicator_table(example_project, evidence),
              "effects": {"wellbeing": effect(0.40, 0.30, 0.50, "pre_post_comparison", 3),
                          "disputes": effect(-0.80, -1.00, -0.60, "did", 3)}}
    res = assess_project(example_project, evidence, **stages)
    # budget.csv: budget 168000 + 62000 + 18000 + 12000 + 40000 = 300000
    #             spent  165200 + 58740 + 17350 +  9800 + 40000 = 291090
    assert res.budget == 300_000 and res.spent == 291_090
    assert res.execution_rate == pytest.approx(0.9703)
    assert res.unspent == 8_910
    assert res.management_fee_share == pytest.approx(40_000 / 291_090)   # 13.7%, in band
    assert res.fee_flag is None
    assert res.participants == 300                      # distinct served workers at pre
    assert res.cost_per_participant == pytest.approx(970.3)
    oc = res.cost_per_outcome.set_index("outcome_id")
    assert oc.loc["disputes", "net_units"] == pytest.approx(0.8 * 706.92)
    assert res.sroi is not None and res.sroi.inputs == 291_090


@pytest.mark.parametrize("values", [
    [0.1, 0.2, 0.3],
    [0.1, math.nan, 1e-3, 3.3, 7.7, 0.7, 1e9, 2.2, math.nan, 0.1, 0.3, 11.1, 5e-7],
    [],
    [math.nan],
])
def test_money_sums_equal_pandas_sums_to_the_bit(values):
    """_sum: missing values as 0, numpy.sum in order -- what Series.sum() gives (with a mask
    and without; more than eight values so that numpy's pairwise blocks are used)."""
    import numpy as np

    from evalkit.assess.value import _sum

    s = pd.Series(values, dtype="float64")
    keep = np.array([k % 3 != 1 for k in range(len(values))], dtype=bool)
    assert _sum(s).hex() == float(s.sum()).hex()
    assert _sum(s, keep).hex() == float(s.loc[keep].sum()).hex()
    ints = pd.Series([3, 4, 5][:len(values)], dtype="int64")
    assert _sum(ints) == float(ints.sum())
    assert _sum(s) == _sum(s)  # the table is not changed
    assert s.isna().sum() == sum(math.isnan(v) for v in values)


def test_line_choice_equals_isin():
    from evalkit.assess.value import _among

    text = pd.Series(["B1", None, "B3", "fee"], dtype="string")
    for wanted in (["B1", "fee"], [], ["B3", "B3"]):
        assert _among(text, wanted).tolist() == text.isin(wanted).fillna(False).tolist()
    other = pd.Series(["B1", 2, None], dtype=object)
    assert _among(other, ["B1"]).tolist() == [True, False, False]


def test_line_table_equals_the_frame_built_column_by_column():
    """_line_frame gives the table the pandas construction gave: same dtypes, same bits."""
    import numpy as np

    from evalkit.assess.value import LINE_COLUMNS, _line_frame

    rows = [{"line_id": "B1", "name_zh": "人员", "name_en": "Staff", "category": "personnel",
             "budget": 100.0, "spent": 130.5},
            {"line_id": "B2", "name_zh": "活动", "name_en": "Activities", "category": "x",
             "budget": 3.0, "spent": 0.1},
            {"line_id": "B3", "name_zh": "B3", "name_en": "B3", "category": "other",
             "budget": 0.0, "spent": 0.0},
            {"line_id": "B4", "name_zh": "B4", "name_en": "B4", "category": "other",
             "budget": math.nan, "spent": 0.0},
            {"line_id": "B5", "name_zh": "管理", "name_en": "Fee", "category": "management_fee",
             "budget": 7.0, "spent": 6.3}]
    old = pd.DataFrame(rows, columns=LINE_COLUMNS[:6])
    old["variance"] = old["spent"] - old["budget"]
    old["execution"] = (old["spent"] / old["budget"]).where(old["budget"] > 0)
    old["flag"] = ["overspent" if v > 0 else "underspent" if e < 0.8 else ""
                   for v, e in zip(old["variance"], old["execution"].fillna(1.0), strict=True)]
    new = _line_frame(rows, 0.8)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    assert list(new["flag"]) == ["overspent", "underspent", "", "", ""]
    for col in ("variance", "execution"):
        assert np.array_equal(new[col].to_numpy(), old[col].to_numpy(), equal_nan=True)


def test_repeated_lines_in_order():
    from evalkit.assess.value import _repeats

    ids = pd.Series(["B1", "B2", "B1", "B3", "B2", "B1"], dtype="string")
    assert _repeats(ids.tolist()) == ids[ids.duplicated()].tolist() == ["B1", "B2", "B1"]
