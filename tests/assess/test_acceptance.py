"""Acceptance verdict: hand-computed cases for each path (tests build indicator tables by hand)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

import evalkit as ek
from evalkit.assess.acceptance import assess_acceptance, check_evidence, judge
from evalkit.assess.achievement import INDICATOR_COLUMNS, indicator_table
from evalkit.data.load import load_evidence
from evalkit.errors import DataError, SpecError
from evalkit.model.contract import Contract, EvidenceRequirement

AS_OF = dt.date(2025, 12, 31)


def indicators(**actual: tuple[float, float, str]) -> pd.DataFrame:
    """id=(actual, target, direction) -> an indicator table like indicator_table() makes."""
    rows = []
    for ident, (value, target, direction) in actual.items():
        row = dict.fromkeys(INDICATOR_COLUMNS, math.nan)
        row.update(indicator_id=ident, name_zh=ident, name_en=ident, period="total",
                   direction=direction, target=target, actual=value)
        rows.append(row)
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def contract(*criteria: dict, **extra: object) -> Contract:
    return Contract.model_validate({"amount": 1000, "criteria": list(criteria), **extra})


def crit(ident: str, indicator: str, **kw: object) -> dict:
    return {"id": ident, "name": ident, "indicator": indicator, **kw}


# -- one figure --------------------------------------------------------------------------
@pytest.mark.parametrize(("actual", "target", "op", "status", "ratio"), [
    (24, 24, ">=", "met", 1.0),
    (20, 24, ">=", "partly_met", 20 / 24),        # 0.833 >= 0.8
    (19, 24, ">=", "not_met", 19 / 24),           # 0.792 < 0.8
    (2.5, 2.8, "<=", "met", 2.8 / 2.5),
    (3.2, 2.8, "<=", "partly_met", 2.8 / 3.2),    # 0.875
    (4.0, 2.8, "<=", "not_met", 2.8 / 4.0),       # 0.7
    (10, 10, "==", "met", 1.0),
    (9, 10, "==", "partly_met", 0.9),             # 1 - |9 - 10| / 10
    (math.nan, 10, ">=", "not_met", math.nan),
])
def test_judge(actual, target, op, status, ratio):
    got_status, got_ratio = judge(actual, target, op, 0.8)
    assert got_status == status
    if math.isnan(ratio):
        assert math.isnan(got_ratio)
    else:
        assert got_ratio == pytest.approx(ratio)


def test_judge_without_partial_band():
    assert judge(23, 24, ">=", 1.0)[0] == "not_met"


def test_operator_follows_indicator_direction():
    ind = indicators(D=(3.0, 2.8, "decrease"))
    res = assess_acceptance(contract(crit("C1", "D")), ind, as_of=AS_OF)
    row = res.criteria.iloc[0]
    assert row["operator"] == "<="
    assert row["status"] == "partly_met"         # 2.8 / 3.0 = 0.933


# -- verdict paths -----------------------------------------------------------------------
def test_accepted():
    ind = indicators(A=(26, 24, "increase"), B=(92, 90, "increase"))
    res = assess_acceptance(contract(crit("C1", "A"), crit("C2", "B", mandatory=False)), ind,
                            as_of=AS_OF)
    assert res.verdict == "accepted"
    assert res.conditions == () and res.deadline is None
    assert list(res.criteria["status"]) == ["met", "met"]
    assert res.weighted_share == 1.0


def test_accepted_with_conditions_weighted_partly_met():
    # weighted: W1 (w=2) met, W2 (w=1) partly met (85/100), W3 (w=1) met
    # share = (2*1 + 1*0.5 + 1*1) / 4 = 0.875 >= 0.8; one partly met <= 2 allowed
    ind = indicators(M=(24, 24, "increase"), A=(10, 10, "increase"), B=(85, 100, "increase"),
                     C=(5, 5, "increase"))
    c = contract(crit("C1", "M"), crit("W1", "A", mandatory=False, weight=2),
                 crit("W2", "B", mandatory=False), crit("W3", "C", mandatory=False))
    res = assess_acceptance(c, ind, as_of=AS_OF)
    assert res.verdict == "accepted_with_conditions"
    assert res.weighted_share == pytest.approx(0.875)
    assert [s.key for s in res.conditions] == ["rectify"]
    assert "W2" in res.conditions[0].en and "W2" in res.conditions[0].zh
    assert res.deadline == dt.date(2026, 1, 30)   # 2025-12-31 + 30 days
    assert res.reasons[0] == res.conditions[0]     # the deciding fact comes first


def test_fixed_deadline_wins():
    ind = indicators(A=(20, 24, "increase"))
    res = assess_acceptance(contract(crit("C1", "A"), rules={"deadline": "2026-03-31"}), ind,
                            as_of=AS_OF)
    assert res.verdict == "accepted_with_conditions"   # mandatory partly met -> condition
    assert res.deadline == dt.date(2026, 3, 31)


def test_mandatory_partly_met_can_reject_by_rule():
    ind = indicators(A=(20, 24, "increase"))
    res = assess_acceptance(contract(crit("C1", "A"), rules={"mandatory_partly_met": "reject"}),
                            ind, as_of=AS_OF)
    assert res.verdict == "rejected"
    assert res.reasons[0].key == "mandatory"


def test_rejected_mandatory_not_met():
    ind = indicators(A=(10, 24, "increase"), B=(5, 5, "increase"))
    res = assess_acceptance(contract(crit("C1", "A"), crit("C2", "B")), ind, as_of=AS_OF)
    assert res.verdict == "rejected"
    assert res.reasons[0].key == "mandatory" and "C1" in res.reasons[0].en
    assert res.conditions == () and res.deadline is None


def test_rejected_veto_even_when_partly_met():
    ind = indicators(A=(23, 24, "increase"))
    res = assess_acceptance(contract(crit("C1", "A", veto=True)), ind, as_of=AS_OF)
    assert res.verdict == "rejected"
    assert res.reasons[0].key == "veto"


def test_rejected_weighted_share_below_threshold():
    # W1 (w=1) met, W2 (w=3) not met: share = 1/4 = 0.25 < 0.8
    ind = indicators(A=(10, 10, "increase"), B=(1, 10, "increase"))
    c = contract(crit("W1", "A", mandatory=False), crit("W2", "B", mandatory=False, weight=3),
                 rules={"max_not_met": 5})
    res = assess_acceptance(c, ind, as_of=AS_OF)
    assert res.weighted_share == pytest.approx(0.25)
    assert res.verdict == "rejected"
    assert res.reasons[0].key == "weighted_share"


def test_rejected_too_many_partly_met():
    # two weighted criteria partly met: share (0.5 + 0.5 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1)/10 = 0.9
    ind = indicators(**{f"I{k}": ((9 if k < 2 else 10), 10, "increase") for k in range(10)})
    crits = [crit(f"W{k}", f"I{k}", mandatory=False) for k in range(10)]
    ok = assess_acceptance(contract(*crits), ind, as_of=AS_OF)
    assert ok.weighted_share == pytest.approx(0.9)
    assert ok.verdict == "accepted_with_conditions"
    strict = assess_acceptance(contract(*crits, rules={"max_partly_met": 1}), ind, as_of=AS_OF)
    assert strict.verdict == "rejected"
    assert [r.key for r in strict.reasons][:1] == ["too_many_partly"]


def test_weighted_not_met_within_allowance_is_a_condition():
    ind = indicators(**{f"I{k}": ((1 if k == 0 else 10), 10, "increase") for k in range(5)})
    crits = [crit(f"W{k}", f"I{k}", mandatory=False) for k in range(5)]
    # share = 4/5 = 0.8, exactly the threshold
    assert assess_acceptance(contract(*crits), ind, as_of=AS_OF).verdict == "rejected"
    res = assess_acceptance(contract(*crits, rules={"max_not_met": 1}), ind, as_of=AS_OF)
    assert res.verdict == "accepted_with_conditions"


# -- evidence ----------------------------------------------------------------------------
def evidence_rows(*rows: tuple) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["item", "evidence_type", "count", "file", "verified"])


def test_missing_evidence_downgrades_met():
    ind = indicators(A=(26, 24, "increase"))
    c = contract(crit("C1", "A", evidence=[{"type": "sign_in_sheet", "name": "签到表",
                                            "min_count": 24}]), evidence_source="evidence")
    ev = evidence_rows(("C1", "sign_in_sheet", 20, "a.pdf", "yes"),
                       ("C1", "sign_in_sheet", 6, "b.pdf", "no"))
    res = assess_acceptance(c, ind, ev, as_of=AS_OF)
    row = res.criteria.iloc[0]
    assert (row["figure_status"], row["evidence_status"], row["status"]) == (
        "met", "incomplete", "partly_met")
    assert res.evidence.iloc[0][["submitted", "verified", "status"]].tolist() == [
        26.0, 20.0, "unverified"]
    assert res.verdict == "accepted_with_conditions"
    c2 = contract(crit("C1", "A", evidence=[{"type": "sign_in_sheet", "name": "签到表"}]),
                  rules={"missing_evidence": "ignore"})
    assert assess_acceptance(c2, ind, evidence_rows(), as_of=AS_OF).verdict == "accepted"


def test_evidence_criterion_and_budget_receipts():
    c = Contract.model_validate({
        "amount": 100, "evidence_source": "evidence",
        "evidence_criteria": [{"id": "Q1", "name": "case files", "mandatory": False,
                               "evidence": [{"type": "case_file", "name": "个案档案",
                                             "min_count": 20}]}],
        "budget_lines": [{"id": "B1", "name": "staff", "amount": 100,
                          "evidence": [{"type": "receipt", "name": "发票"}]}],
        "rules": {"min_weighted_share": 0.5}})   # the only weighted criterion earns 0.5
    # 17 of 20 case files verified -> 0.85 >= 0.8 -> partly met; B1 receipts missing
    ev = evidence_rows(("Q1", "case_file", 17, "", "yes"), ("Q1", "case_file", 3, "", "no"))
    res = assess_acceptance(c, indicators(), ev, as_of=AS_OF)
    row = res.criteria.iloc[0]
    assert row["status"] == "partly_met" and row["ratio"] == pytest.approx(0.85)
    assert res.verdict == "accepted_with_conditions"
    assert [s.key for s in res.conditions] == ["rectify", "evidence"]
    assert "B1" in res.conditions[1].en


def test_old_style_evidence_text_still_parses():
    req = EvidenceRequirement.model_validate({"zh": "签到表", "en": "sign-in sheets"})
    assert (req.type, req.min_count, req.name.zh) == ("sign_in_sheets", 1, "签到表")
    assert (req.zh, req.en, str(req)) == ("签到表", "sign-in sheets", "sign-in sheets")  # reads as Text


def test_evidence_list_problems_are_all_listed():
    wanted = {"C1": [EvidenceRequirement(type="x", name="x")]}
    ev = evidence_rows(("C9", "x", 1, "", "yes"), ("C1", "x", -2, "", "maybe"),
                       ("C1", "x", None, None, "yes"))
    with pytest.raises(DataError) as info:
        check_evidence(wanted, ev, "evidence.csv")
    problems = info.value.problems
    assert len(problems) == 4
    assert "row 0, column item: 'C9'" in problems[0]
    assert "row 1, column count" in problems[1] and "row 1, column verified" in problems[2]
    assert "row 2, column count" in problems[3]


def test_blank_count_with_file_counts_one():
    wanted = {"C1": [EvidenceRequirement(type="x", name="x")]}
    out = check_evidence(wanted, evidence_rows(("C1", "x", None, "reg.xlsx", "yes")))
    assert out.iloc[0]["verified"] == 1.0 and out.iloc[0]["status"] == "complete"



def test_evidence_problems_name_row_labels_of_any_unique_index():
    """Rows are read in order (fast path): the messages name each row's own label."""
    wanted = {"C1": [EvidenceRequirement(type="x", name="x")]}
    ev = evidence_rows(("C1", "x", 1, "", "yes"), ("C9", "x", 1, "", "yes"),
                       ("C1", "x", -1, "", "maybe"))
    ev.index = [10, 3, "r7"]
    with pytest.raises(DataError) as info:
        check_evidence(wanted, ev, "evidence.csv")
    assert [p.split(",")[0] for p in info.value.problems] == [
        "evidence.csv row 3", "evidence.csv row r7", "evidence.csv row r7"]
    assert "got np.int64(-1)" in info.value.problems[1] and "got 'maybe'" in info.value.problems[2]


def test_evidence_sums_files_and_blank_types():
    """Submitted and verified sums, file names and statuses per item and evidence type."""
    wanted = {"C1": [EvidenceRequirement(type="x", name="x", min_count=3),
                     EvidenceRequirement(type="y", name="y", min_count=1)],
              "C2": [EvidenceRequirement(type="x", name="x", min_count=2)]}
    ev = evidence_rows(("C1", "x", 1, "a.pdf", "yes"), ("C1", "x", 2, " ", "no"),
                       ("C1", None, 5, "b.pdf", "yes"), ("C2", "x", 1, "c.pdf", "no"),
                       (" C1 ", " x ", 0.5, "d.pdf", "是"))
    out = check_evidence(wanted, ev)
    assert out[["item", "type", "submitted", "verified", "files", "status"]].values.tolist() == [
        ["C1", "x", 3.5, 1.5, "a.pdf; d.pdf", "unverified"],
        ["C1", "y", 0.0, 0.0, "", "missing"],
        ["C2", "x", 1.0, 0.0, "c.pdf", "short"]]
    assert out.dtypes.astype(str).tolist() == [
        "str", "str", "str", "str", "float64", "float64", "float64", "str", "str"]


# -- bad input ---------------------------------------------------------------------------
def test_unknown_indicators_all_listed_in_code():
    c = contract(crit("C1", "X1"), crit("C2", "A"), crit("C3", "X2"))
    with pytest.raises(SpecError) as info:
        assess_acceptance(c, indicators(A=(1, 1, "increase")), as_of=AS_OF)
    assert [p.split(":")[0] for p in info.value.problems] == [
        "contract.criteria[0].indicator", "contract.criteria[2].indicator"]


def test_unknown_indicators_and_duplicates_listed_from_yaml(example_copy):
    path = example_copy / "project.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("      indicator: I1\n", "      indicator: I99\n", 1)
    text = text.replace("      indicator: I5\n", "      indicator: I77\n", 1)
    text = text.replace("    - id: Q1\n", "    - id: C2\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SpecError) as info:
        ek.load_project(path)
    text = " | ".join(info.value.problems)
    assert "contract.criteria[0].indicator: unknown indicator 'I99'" in text
    assert "contract.criteria[6].indicator: unknown indicator 'I77'" in text
    assert "contract.evidence_criteria[0].id: id 'C2' is already used" in text


# -- fast paths equal the pandas ones ---------------------------------------------------
def _example_tables(example_project):
    from evalkit.assess.acceptance_criteria import _checked_indicators

    evidence = load_evidence(example_project)
    ind = _checked_indicators(example_project.contract, indicator_table(example_project, evidence))
    return evidence, ind


def test_period_records_equal_to_dict_records(example_project):
    """The criteria's indicator rows, read column by column, equal the records of the
    groupby path (here forced by object ids), also with "string" (pd.NA) text, a missing
    label and a disaggregated row."""
    from evalkit.assess.acceptance_criteria import _READ, _period_rows

    contract = example_project.contract
    _, ind = _example_tables(example_project)
    odd = ind.astype({"label_en": "string", "measure": "string"})
    i2 = odd.index[(odd["indicator_id"] == "I2") & (odd["period"] != "total")][1]
    odd.loc[i2, "label_en"] = pd.NA
    extra = odd.iloc[[0]].assign(disaggregation="gender=f", actual=-1.0)
    odd = pd.concat([odd, extra], ignore_index=True)
    for table in (ind, odd):
        fast = _period_rows(table, contract)
        slow = _period_rows(table.astype({"indicator_id": object}), contract)
        slow = {k: [{c: r[c] for c in _READ} for r in rows] for k, rows in slow.items()}
        assert repr(fast) == repr(slow)  # NaN equal to NaN
        for k, rows in fast.items():
            for a, b in zip(rows, slow[k], strict=True):
                assert [type(v) for v in a.values()] == [type(v) for v in b.values()]
    assert _period_rows(odd, contract)[2][1]["label_en"] is None      # pd.NA boxed as None


def test_verdict_rows_and_sums_equal_the_pandas_filters(example_project):
    """_weighted / _criteria_rows / _evidence_rows give what the pandas filters, sums and
    itertuples gave (object columns take those paths)."""
    from evalkit.assess.acceptance import _criteria_rows, _evidence_rows, _weighted
    from evalkit.assess.acceptance_criteria import _criteria_table

    contract = example_project.contract
    evidence, ind = _example_tables(example_project)
    wanted = {c.id: c.evidence for c in contract.items()}
    wanted |= {b.id: b.evidence for b in contract.budget_lines}
    ev = check_evidence(wanted, evidence["evidence"])
    table = _criteria_table(contract, ind, ev)
    table.loc[table.index[1], "weight"] = math.nan
    share, counts = _weighted(table)
    old_share, old_counts = _weighted(table.astype({"weight": object}))
    assert share.hex() == old_share.hex()
    assert {k: v for k, v in counts.items() if k != "met"} == {
        k: v for k, v in old_counts.items() if v and k != "met"}
    for fast, slow in zip(_criteria_rows(table), table.itertuples(), strict=True):
        assert repr(tuple(fast)) == repr(tuple(slow)[1:])  # NaN equal to NaN
    ids = set(table["criterion_id"])
    fast = _evidence_rows(ev.assign(status=["short"] * len(ev)), ids)
    slow = _evidence_rows(ev.assign(status=["short"] * len(ev)).astype({"item": object}), ids)
    def fields(rows):
        return repr([(r.item, r.name_zh, r.name_en, r.verified, r.required) for r in rows])

    assert fields(fast) == fields(slow) and len(fast) == 5      # the budget lines' evidence


# -- example project ---------------------------------------------------------------------
def test_example_project_verdict(example_project):
    evidence = load_evidence(example_project)
    ind = indicator_table(example_project, evidence)
    before = ind.copy()
    evlist = evidence["evidence"].copy()
    from evalkit.assess.acceptance import assess_project

    res = assess_project(example_project, evidence, indicators=ind)
    pd.testing.assert_frame_equal(ind, before)                 # inputs never mutated
    pd.testing.assert_frame_equal(evidence["evidence"], evlist)
    assert res.verdict == "accepted_with_conditions"
    assert res.deadline == dt.date(2026, 1, 30)
    status = dict(zip(res.criteria["criterion_id"], res.criteria["status"], strict=True))
    assert status["C6"] == "partly_met"          # 84.09% would recommend, target 85%
    assert status["Q1"] == "partly_met"          # 18 of 20 case files verified
    assert status["Q2"] == "met"
    # weighted: C3 2, C4 1, C5 2, C7 1 met; C6 1, Q1 1 partly -> (6 + 0.5 + 0.5) / 8
    assert res.weighted_share == pytest.approx(7 / 8)


def test_each_period_must_meet_and_the_worst_counts():
    # 12 enterprise visits a quarter: Q1 14, Q2 12, Q3 10 (83% -> partly), Q4 13; total 49
    rows = []
    for period, value in [("2025-Q1", 14), ("2025-Q2", 12), ("2025-Q3", 10), ("2025-Q4", 13),
                          ("total", 49)]:
        row = dict.fromkeys(INDICATOR_COLUMNS, math.nan)
        row.update(indicator_id="V", period=period, direction="increase", target=48.0,
                   actual=float(value))
        rows.append(row)
    ind = pd.DataFrame(rows, columns=INDICATOR_COLUMNS)
    each = assess_acceptance(contract(crit("C1", "V", period="each", target=12)), ind, as_of=AS_OF)
    row = each.criteria.iloc[0]
    assert (row["period"], row["actual"], row["status"]) == ("2025-Q3", 10.0, "partly_met")
    assert "actual 10 (2025-Q3) against a target of at least 12" in each.conditions[0].en
    total = assess_acceptance(contract(crit("C1", "V")), ind, as_of=AS_OF)
    assert total.criteria.iloc[0]["status"] == "met"              # 49 >= 48
    one = assess_acceptance(contract(crit("C1", "V", period="2025-Q4", target=12)), ind,
                            as_of=AS_OF)
    assert one.criteria.iloc[0]["actual"] == 13.0
    with pytest.raises(SpecError, match=r"contract.criteria\[0\].period: indicator 'V' has no "
                                        r"period '2026-Q1'"):
        assess_acceptance(contract(crit("C1", "V", period="2026-Q1")), ind, as_of=AS_OF)


def test_evidence_totals_are_the_sums_pandas_gives():
    # check_evidence reads the list as Python lists; the totals must be the Series sums
    import random

    rng = random.Random(3)
    wanted = {i: [EvidenceRequirement(type=t, name=t, min_count=2) for t in ("a", "b")]
              for i in ("C1", "C2")}
    for _ in range(30):
        rows = [(rng.choice(["C1", "C2", " C1 "]), rng.choice(["a", "b", "c", None]),
                 rng.choice([0.1, 0.7, 1, 2.5, 1e-3, None]), rng.choice(["f.pdf", "", None]),
                 rng.choice(["yes", "no", "是"])) for _ in range(rng.randint(0, 12))]
        rows = [r for r in rows if r[2] is not None or r[3]]  # a count, or a file (counts 1)
        ev = evidence_rows(*rows)
        out = check_evidence(wanted, ev)
        items = ev["item"].astype("string").str.strip()
        types = ev["evidence_type"].astype("string").str.strip()
        count = pd.to_numeric(ev["count"]).astype("float64")
        count = count.where(count.notna(), 1.0)
        ok = ev["verified"].isin(["yes", "是"])
        for _, row in out.iterrows():
            hit = (items == row["item"]) & (types == row["type"])
            assert row["submitted"] == float(count[hit].sum())
            assert row["verified"] == float(count[hit & ok].sum())
            files = [f for f in ev.loc[hit.fillna(False), "file"] if isinstance(f, str) and f]
            assert row["files"] == "; ".join(files)
