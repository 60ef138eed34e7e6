"""Checks that catch silent miscounts (issue 11): each case passed unnoticed before."""

from __future__ import annotations

import datetime as dt
import warnings

import pandas as pd
import pytest
from service_year import write

import evalkit as ek
from evalkit.assess.miscounts import intake_checks
from evalkit.errors import EvalkitWarning
from evalkit.validate import validate_project


def _validate(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EvalkitWarning)
        problems = validate_project(path)
    return problems, [str(w.message) for w in caught if issubclass(w.category, EvalkitWarning)]


def test_typo_in_filter_value_is_an_error_naming_the_closest_value(tmp_path):
    # every visit is recorded as 需求调研; the rule and indicator ask for 需求调查 (a typo)
    path = write(tmp_path, filter_value="需求调查", values=dict.fromkeys(range(127), "需求调研"))
    problems, _ = _validate(path)
    absent = [p for p in problems if "never occurs" in p]
    assert len(absent) == 2                                 # the indicator and the cadence rule
    assert absent[0].startswith("indicators[0].compute.filter.activity_type:")
    assert "'需求调查' never occurs in column 'activity_type' of service_log.csv" in absent[0]
    assert "closest values present: 需求调研" in absent[0]
    assert any(p.startswith("cadence[0].filter.activity_type:") for p in absent)
    ev = ek.evaluate(ek.load_project(path))                 # evaluation still runs and carries it
    errors = [c for c in ev.intake_checks if c.level == "error"]
    assert {c.key for c in errors} == {"filter_value_absent"}
    assert "需求调研" in errors[0].zh and "需求调查" in errors[0].zh


def test_trailing_space_is_counted_and_noted(tmp_path):
    # ten visits typed "走访 " (trailing space) and two "走访" with a full-width space
    values = {**dict.fromkeys(range(10), "走访 "), 10: "走访\u3000", 11: "\u3000走访"}
    path = write(tmp_path, values=values)
    problems, notes = _validate(path)
    assert problems == []
    assert any("12 rows of column 'activity_type' in service_log.csv have" in n
               and "'走访 ' → '走访' (10)" in n for n in notes)
    ev = ek.evaluate(ek.load_project(path))
    total = ev.indicators.loc[ev.indicators["period"] == "total", "actual"].iloc[0]
    assert total == 127                                     # all counted, none lost to a space
    assert ev.acceptance.verdict == "accepted"
    assert [c.key for c in ev.intake_checks] == ["value_variant"]


def test_zero_row_indicator_is_an_error_when_a_criterion_judges_it(tmp_path):
    # the year typed wrong: the log is dated 2025-26, the project says 2027
    path = write(tmp_path, start=dt.date(2027, 3, 1), end=dt.date(2028, 2, 29))
    problems, _ = _validate(path)
    zero = [p for p in problems if "counts 0 records" in p]
    assert [p.split(":")[0] for p in zero] == ["indicators[0].compute", "cadence[0]"]
    assert "a contract criterion or cadence rule is judged on it" in zero[0]


def test_unused_category_and_header_variants(tmp_path):
    project = ek.load_project(write(tmp_path))
    df = pd.DataFrame({"date": ["2025-03-01", "2025-03-02", "2025-03-03"],
                       "activity_type": ["走访", "需求调研", "ＡＢＣ"],
                       "enterprise_id": ["E1", "E2", "E3"], "备注 ": ["", "", ""]})
    checks = {c.key: c for c in intake_checks(project, {"service_log": df})}
    unused = checks["unused_category"]
    # one row each: below the disclosure threshold (5) the count is written <5
    assert unused.level == "warning" and "需求调研 (<5 rows)" in unused.en
    assert "ABC (<5 rows)" in unused.en
    # natural English and Chinese: number agreement, the column quoted, no space in zh
    assert unused.en.startswith("2 categories of column 'activity_type' in service_log.csv are "
                                "not used by any indicator or cadence rule: ")
    assert unused.zh.startswith("service_log.csv 的“activity_type”列中有 2 个类别未被任何指标或"
                                "服务频次规则使用：需求调研（<5 行）、ABC（<5 行）")
    assert "'ＡＢＣ' → 'ABC' (<5)" in checks["value_variant"].en
    header = checks["header_variant"]           # a header project.yaml does not name: a note
    assert header.level == "warning" and "'备注 '" in header.en


def test_unused_category_message_in_the_singular(tmp_path):
    """One category: "1 category … is not used", never "1 Category … no indicator uses"; a
    shown count of 1 is "1 row" (threshold 1), a hidden one stays "<k rows"."""
    from evalkit.assess.miscounts import _unused

    project = ek.load_project(write(tmp_path))
    df = pd.DataFrame({"date": ["2025-03-01"] * 3, "activity_type": ["走访", "走访", "需求调研"],
                       "enterprise_id": ["E1", "E2", "E3"]})
    one = _unused(df, project, "service_log", {"activity_type": {"走访"}}, threshold=1)[0]
    assert one.en == ("1 category of column 'activity_type' in service_log.csv is not used by "
                      "any indicator or cadence rule: 需求调研 (1 row)")
    assert one.zh == ("service_log.csv 的“activity_type”列中有 1 个类别未被任何指标或服务频次"
                      "规则使用：需求调研（1 行）")
    hidden = _unused(df, project, "service_log", {"activity_type": {"走访"}}, threshold=5)[0]
    assert hidden.en.endswith("需求调研 (<5 rows)") and "1 row" not in hidden.en


def test_decrease_indicator_absent_value_is_a_warning(tmp_path):
    project = ek.load_project(write(tmp_path))
    spec = project.model_dump(mode="python", exclude={"path", "sha256"})
    spec["indicators"][0]["direction"] = "decrease"
    spec["cadence"] = []
    spec["contract"] = None
    spec["renewal"] = None
    quiet = ek.Project.model_validate(spec)
    df = pd.DataFrame({"date": ["2025-03-01"], "activity_type": ["培训"],
                       "enterprise_id": ["E1"]})
    levels = {c.key: c.level for c in intake_checks(quiet, {"service_log": df})}
    assert levels["filter_value_absent"] == "warning"       # no complaints is the good outcome


def test_bundled_example_has_no_errors(example_evaluation):
    assert [c for c in example_evaluation.intake_checks if c.level == "error"] == []


def test_command_line_validate(tmp_path, capsys):
    from evalkit.cli import main

    typo = write(tmp_path / "typo", filter_value="需求调查",
                 values=dict.fromkeys(range(127), "需求调研"))
    with pytest.warns(EvalkitWarning, match="is not used by any indicator or cadence rule: 需求调研"):
        assert main(["validate", str(typo)]) == 1
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "closest values present: 需求调研" in err
    spaced = write(tmp_path / "spaced", values=dict.fromkeys(range(10), "走访 "))
    with pytest.warns(EvalkitWarning, match=r"activity_type: 10 rows of column .* have leading"):
        assert main(["validate", str(spaced)]) == 0            # counted: a note, not an error
    assert "is valid" in capsys.readouterr().out


def _with_complaints_indicator(tmp_path, *, filter_value: str, zero_is_valid: bool,
                               labels: bool = False):
    """The service-year project plus a judged count indicator of complaints (direction
    increase: e.g. 'complaints handled'), optionally declaring a true zero."""
    project = ek.load_project(write(tmp_path))
    spec = project.model_dump(mode="python", exclude={"path", "sha256"})
    extra = dict(spec["indicators"][0])
    extra.update(id="I9", compute={"filter": {"activity_type": filter_value}, "count": True},
                 zero_is_valid=zero_is_valid, period=None, targets={})
    spec["indicators"].append(extra)
    if labels:
        spec["data"]["service_log"]["columns"]["activity_type"] = {"labels": {"走访": 1}}
    return ek.Project.model_validate(spec)


def _log(kinds):
    return pd.DataFrame({"date": [f"2025-03-0{k + 1}" for k in range(len(kinds))],
                         "activity_type": kinds,
                         "enterprise_id": [f"E{k}" for k in range(len(kinds))]})


def test_true_zero_is_an_error_without_the_opt_out(tmp_path):
    project = _with_complaints_indicator(tmp_path, filter_value="投诉", zero_is_valid=False)
    found = [c for c in intake_checks(project, {"service_log": _log(["走访", "走访"])})
             if c.where.startswith("indicators[1]")]
    assert [(c.level, c.key) for c in found] == [("error", "filter_value_absent")]
    assert "indicators[1].zero_is_valid: true" in found[0].en      # the message names the fix
    assert "indicators[1].zero_is_valid: true" in found[0].zh


def test_zero_is_valid_accepts_a_true_zero(tmp_path):
    project = _with_complaints_indicator(tmp_path, filter_value="投诉", zero_is_valid=True)
    found = [c for c in intake_checks(project, {"service_log": _log(["走访", "需求调研"])})
             if c.where.startswith("indicators[1]")]
    assert found == []                          # neither filter_value_absent nor zero_rows


def test_zero_is_valid_does_not_silence_a_typo(tmp_path):
    # 需求调查 typed for 需求调研, which is in the data: still an error, and it says why
    project = _with_complaints_indicator(tmp_path, filter_value="需求调查", zero_is_valid=True)
    found = [c for c in intake_checks(project, {"service_log": _log(["走访", "需求调研"])})
             if c.where.startswith("indicators[1]")]
    assert [(c.level, c.key, c.where) for c in found] == [
        ("error", "filter_value_absent", "indicators[1].compute.filter.activity_type")]
    assert "close to '需求调研'" in found[0].en
    assert "indicators[1].zero_is_valid does not cover" in found[0].en
    assert "像是笔误" in found[0].zh


def test_zero_is_valid_does_not_cover_text_on_a_labelled_column(tmp_path):
    # a column read as numbers through labels never matches a text filter value
    project = _with_complaints_indicator(tmp_path, filter_value="投诉", zero_is_valid=True,
                                         labels=True)
    found = [c for c in intake_checks(project, {"service_log": _log([1, 1])})
             if c.where.startswith("indicators[1]")]
    assert [c.level for c in found] == ["error"]
    assert "read as numbers through its labels" in found[0].en


def test_zero_is_valid_from_project_yaml_through_validate(tmp_path):
    # the indicator and the cadence rule both filter a category with no record; only the
    # indicator declares the zero true (cadence rules have no opt-out: a rule must be met)
    plain = write(tmp_path / "plain", filter_value="投诉")
    problems, _ = _validate(plain)
    assert {p.split(".")[0] for p in problems if "never occurs" in p} == {
        "indicators[0]", "cadence[0]"}
    declared = write(tmp_path / "declared", filter_value="投诉")
    text = declared.read_text(encoding="utf-8").replace(
        "    target: 104\n", "    target: 104\n    zero_is_valid: true\n", 1)
    declared.write_text(text, encoding="utf-8")
    problems, _ = _validate(declared)
    assert not any(p.startswith("indicators[0]") for p in problems)
    assert any(p.startswith("cadence[0].filter.activity_type") for p in problems)
