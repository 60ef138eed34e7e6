"""Spreadsheets as Chinese offices save them (issue 11, item 4; issue 10: merged cells).

Each test builds the file the way Excel or a survey platform writes it and checks the values
evalkit reads against the values typed by hand.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import evalkit as ek
from evalkit.data.load import load_evidence
from evalkit.validate import validate_project


def labelled(source: dict[str, Any]) -> dict[str, Any]:
    """``source`` with the labels a report needs (issue 12): a description of the source and
    of every column that has none (these tests are about reading, not labelling)."""
    columns = {c: {"description": {"zh": c, "en": c}, **(spec or {})}
               for c, spec in (source.get("columns") or {}).items()}
    return {"description": {"zh": "台账", "en": "log"}, **source,
            **({"columns": columns} if columns else {})}


def project(tmp_path: Path, source: dict[str, Any], name: str = "log") -> ek.Project:
    spec = {
        "project": {"id": "t", "name": "t", "purchaser": "p", "provider": "q",
                    "period": {"start": "2025-03-01", "end": "2026-02-28"}},
        "data": {name: labelled(source)},
    }
    path = tmp_path / "project.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return ek.load_project(path)


LOG = "日期,活动类型,人数\n2025-03-03,走访,12\n2025-03-05,小组,8\n"
LOG_COLUMNS = {"日期": {"type": "date"}, "活动类型": {}, "人数": {"type": "integer"}}


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_chinese_excel_csv_is_detected(tmp_path, codec):
    (tmp_path / "log.csv").write_bytes(LOG.encode(codec))
    table = load_evidence(project(tmp_path, {"file": "log.csv", "columns": LOG_COLUMNS}))["log"]
    assert table["活动类型"].tolist() == ["走访", "小组"]
    assert table["人数"].tolist() == [12, 8]


def test_gb18030_four_byte_character(tmp_path):
    text = LOG.replace("走访", "走访㐀")          # U+3400: a 4-byte GB18030 sequence, not GBK
    (tmp_path / "log.csv").write_bytes(text.encode("gb18030"))
    p = project(tmp_path, {"file": "log.csv", "encoding": "gb18030", "columns": LOG_COLUMNS})
    assert load_evidence(p)["log"]["活动类型"].tolist() == ["走访㐀", "小组"]


def test_declared_encoding_that_does_not_fit(tmp_path):
    (tmp_path / "log.csv").write_bytes(LOG.encode("gbk"))
    p = project(tmp_path, {"file": "log.csv", "encoding": "utf-8", "columns": LOG_COLUMNS})
    with pytest.raises(ek.DataError, match=r"log\.csv: is not utf-8 text.*encoding:"):
        load_evidence(p)


def test_title_rows_and_skip_rows(tmp_path):
    text = ("某街道职工服务台账（2025年）\n制表：张三\n" + LOG.splitlines()[0] + "\n"
            "（日期）,（类型）,（人）\n" + "\n".join(LOG.splitlines()[1:]) + "\n合计,,20\n")
    (tmp_path / "log.csv").write_text(text, encoding="utf-8")
    p = project(tmp_path, {"file": "log.csv", "header_row": 3, "skip_rows": [4, 7],
                           "columns": LOG_COLUMNS})
    table = load_evidence(p)["log"]
    assert table["人数"].tolist() == [12, 8]
    assert table["日期"].tolist() == [pd.Timestamp("2025-03-03"), pd.Timestamp("2025-03-05")]


def test_title_row_without_header_row_is_a_clear_error(tmp_path):
    (tmp_path / "log.csv").write_text("服务台账\n" + LOG, encoding="utf-8")
    problems = validate_project(project(tmp_path, {"file": "log.csv",
                                                   "columns": LOG_COLUMNS}).path)
    assert len(problems) == 1, problems
    assert "declared in project.yaml (data.log) not found" in problems[0]
    assert all(f"'{c}'" in problems[0] for c in LOG_COLUMNS)
    assert "the titles are in row 2: add header_row: 2 to data.log" in problems[0]


def test_row_numbers_count_title_rows(tmp_path):
    text = "服务台账\n" + LOG + "2025-03-09,走访,十二\n"
    (tmp_path / "log.csv").write_text(text, encoding="utf-8")
    p = project(tmp_path, {"file": "log.csv", "header_row": 2, "columns": LOG_COLUMNS})
    with pytest.raises(ek.DataError, match=r"found '十二' at row 5"):
        load_evidence(p)


CASES = [  # (option, column type, cell as typed, value read)
    ("thousands", "number", "1,234", 1234.0),
    ("thousands", "number", "-12,345.5", -12345.5),
    ("percent", "number", "85%", 85.0),                # percentage points, as targets
    ("percent", "number", "12.5 %", 12.5),
    ("fullwidth", "integer", "１２", 12.0),
    ("strip", "string", " 走访 ", "走访"),
    ("cn_date", "date", "2025年3月1日", pd.Timestamp("2025-03-01")),
]


@pytest.mark.parametrize(("option", "kind", "cell", "expected"), CASES)
def test_each_normalisation(tmp_path, option, kind, cell, expected):
    frame = pd.DataFrame({"x": [cell, cell], "id": ["a", "b"]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    columns = {"x": {"type": kind, "normalize": [option]}, "id": {}}
    got = load_evidence(project(tmp_path, {"file": "t.csv", "columns": columns}))["log"]["x"]
    assert got.tolist() == [expected, expected]


@pytest.mark.parametrize(("option", "kind", "cell", "expected"),
                         [c for c in CASES if c[0] != "strip"])
def test_unnormalised_value_names_the_option(tmp_path, option, kind, cell, expected):
    pd.DataFrame({"x": [cell]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv", "columns": {"x": {"type": kind}}})
    with pytest.raises(ek.DataError) as info:
        load_evidence(p)
    msg = str(info.value)
    assert f"{cell!r} at row 2" in msg and "looks like" in msg
    assert f"normalize: [{option}]" in msg and "data.log.columns.x" in msg


def test_thousands_only_reads_real_groupings(tmp_path):
    pd.DataFrame({"x": ["1,23"]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv",
                           "columns": {"x": {"type": "number", "normalize": ["thousands"]}}})
    with pytest.raises(ek.DataError, match=r"'1,23' at row 2"):
        load_evidence(p)


def test_fullwidth_and_thousands_together(tmp_path):
    pd.DataFrame({"x": ["１，２３４"]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv", "normalize": ["fullwidth", "thousands"],
                           "columns": {"x": {"type": "number"}}})
    assert load_evidence(p)["log"]["x"].tolist() == [1234.0]


def test_header_with_trailing_space(tmp_path):
    (tmp_path / "t.csv").write_text("人数 ,类型\n3,走访\n", encoding="utf-8")
    columns = {"人数": {"type": "integer"}, "类型": {}}
    problems = validate_project(project(tmp_path, {"file": "t.csv", "columns": columns}).path)
    mine = [p for p in problems if "the file has '人数 '" in p]   # (others may add a note)
    assert len(mine) == 1 and "normalize: [strip" in mine[0]
    p = project(tmp_path, {"file": "t.csv", "normalize": ["strip"], "columns": columns})
    assert load_evidence(p)["log"]["人数"].tolist() == [3]


LIKERT = {"非常不同意": 1, "不同意": 2, "一般": 3, "同意": 4, "非常同意": 5}


def test_text_likert_answers_mapped_by_value_labels(tmp_path):
    answers = ["非常同意", "同意", "一般", "不同意", "非常不同意", None]
    frame = pd.DataFrame({"序号": range(1, 7), "3、您对本次活动的满意度": answers})
    frame.to_excel(tmp_path / "survey.xlsx", index=False)
    source = {"file": "survey.xlsx", "value_labels": {"agree5": LIKERT},
              "columns": {"q3": {"type": "integer", "range": [1, 5], "labels": "agree5",
                                 "header": "3、您对本次活动的满意度"}}}
    got = load_evidence(project(tmp_path, source))["log"]["q3"]
    assert got.iloc[:5].tolist() == [5, 4, 3, 2, 1] and pd.isna(got.iloc[5])


def test_text_likert_answer_without_a_label(tmp_path):
    pd.DataFrame({"q": ["同意", "很同意", "同意"]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv", "columns": {"q": {"type": "integer",
                                                                "labels": LIKERT}}})
    with pytest.raises(ek.DataError, match=r"not among its value labels.*'很同意' at row 3"):
        load_evidence(p)


def test_text_answers_without_labels_point_to_labels(tmp_path):
    pd.DataFrame({"q": ["同意", "一般"]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv", "columns": {"q": {"type": "integer"}}})
    with pytest.raises(ek.DataError, match=r"labels: under data\.log\.columns\.q"):
        load_evidence(p)


def test_unknown_value_label_set_is_a_spec_error(tmp_path):
    with pytest.raises(ek.SpecError, match=r"no value_labels set 'agree'"):
        project(tmp_path, {"file": "t.csv", "columns": {"q": {"labels": "agree"}}})


def _merged_workbook(path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["服务台账"])
    ws.merge_cells("A1:C1")                      # a title above the header: harmless
    ws.append(["日期", "活动类型", "人数"])
    ws.append([dt.datetime(2025, 3, 3), "走访", 12])
    ws.append([None, "小组", 8])
    ws.append([None, "走访", 5])
    ws.merge_cells("A3:A5")                      # one date typed once for three rows
    wb.save(path)


def test_merged_cells_in_data_rows_are_refused(tmp_path):
    _merged_workbook(tmp_path / "log.xlsx")
    p = project(tmp_path, {"file": "log.xlsx", "header_row": 2, "columns": LOG_COLUMNS})
    with pytest.raises(ek.DataError) as info:
        load_evidence(p)
    msg = str(info.value)
    assert "merged cells A3:A5" in msg and "A1:C1" not in msg and "merged_cells: fill" in msg


def test_merged_cells_filled_on_request(tmp_path):
    _merged_workbook(tmp_path / "log.xlsx")
    p = project(tmp_path, {"file": "log.xlsx", "header_row": 2, "merged_cells": "fill",
                           "columns": LOG_COLUMNS})
    table = load_evidence(p)["log"]
    assert table["日期"].tolist() == [pd.Timestamp("2025-03-03")] * 3
    assert table["人数"].tolist() == [12, 8, 5]


def test_number_in_a_date_column_is_not_read_as_1970(tmp_path):
    pd.DataFrame({"d": ["45716", "45717"]}).to_csv(tmp_path / "t.csv", index=False)
    p = project(tmp_path, {"file": "t.csv", "columns": {"d": {"type": "date"}}})
    with pytest.raises(ek.DataError, match=r"found the number\(s\) 45716 at row 2, 45717 at row 3"):
        load_evidence(p)


def test_repeated_titles(tmp_path):
    (tmp_path / "t.csv").write_text("a,b,b,c,c\n1,2,3,x,y\n", encoding="utf-8")
    p = project(tmp_path, {"file": "t.csv", "columns": {"a": {"type": "integer"}}})
    table = load_evidence(p)["log"]                     # undeclared repeats: renamed as pandas
    assert list(table.columns) == ["a", "b", "b.1", "c", "c.1"]
    assert table["b.1"].tolist() == [3]
    p = project(tmp_path, {"file": "t.csv", "columns": {"b": {"type": "integer"}}})
    with pytest.raises(ek.DataError, match=r"column 'b' appears 2 times in the header"):
        load_evidence(p)


def test_csv_row_with_an_unquoted_comma_is_refused(tmp_path):
    # pandas.read_csv refuses this file outright; evalkit names the row
    (tmp_path / "t.csv").write_text("日期,人数\n2025-03-03,12\n2025-03-04,1,200\n",
                                    encoding="utf-8")
    p = project(tmp_path, {"file": "t.csv", "columns": {"日期": {"type": "date"},
                                                        "人数": {"type": "integer"}}})
    with pytest.raises(ek.DataError, match=r"more fields than the header's 2: row 3 \(3 fields\)"):
        load_evidence(p)


# ---- fast paths of the type inference agree with infer() and pandas.to_numeric ---------------

TEXT_COLUMNS = [
    ["1", "2", "30"], ["007", "-0", "-12"], ["1", None, "3"], [None, None],
    ["440364533317919113", "13926483088"], ["9223372036854775807", "1"],
    ["9223372036854775808", "1"], ["-9223372036854775809"], ["1234567890123456", None],
    ["123456789012345", None, "-5"], ["+5", "6"], ["1,2", "3"], ["1_000"], [" 12"], [""],
    ["3.13", "2.844"], ["1e5", None], ["inf", "-inf"], ["１２", "3"], ["W0001", "1"],
    ["2025-01-15", None], ["True", "False"], ["a", None, "b"], [], ["1", float("nan")],
    ["a", float("nan")], ["a", pd.NA], ["1", pd.NaT],
]


@pytest.mark.parametrize("cells", TEXT_COLUMNS, ids=[repr(c)[:30] for c in TEXT_COLUMNS])
def test_text_column_typed_as_infer_types_it(cells):
    from evalkit.data.intake import _infer_text, _whole_numbers, infer

    raw = np.array(cells, dtype=object)
    missing = raw == None  # noqa: E711 (as _typed marks the empty cells)
    slow = infer(pd.Series(raw, dtype=object))
    fast = _infer_text(raw, missing)
    if fast is None:  # not all text: infer() is used as it is
        assert not all(isinstance(v, str) or v is None for v in cells) or all(
            v is None for v in cells)
        return
    fast = pd.Series(fast)
    assert fast.dtype == slow.dtype
    assert [(type(v), repr(v)) for v in fast.tolist()] == [(type(v), repr(v))
                                                          for v in slow.tolist()]
    whole = _whole_numbers(raw, missing)
    if whole is not None:  # the integer shortcut gives what pandas' parser gives
        expected = pd.to_numeric(raw)
        assert whole.dtype == expected.dtype
        assert whole.tobytes() == expected.tobytes()


def test_integer_shortcut_covers_plain_integers_only():
    from evalkit.data.intake import _whole_numbers

    def whole(cells):
        raw = np.array(cells, dtype=object)
        return _whole_numbers(raw, pd.isna(raw))

    assert whole(["1", "-2", "007"]).tolist() == [1, -2, 7]
    assert whole(["1", None]).dtype == np.float64
    for cells in (["1,2"], ["+1"], ["1.0"], ["1" * 19], ["1" * 16, None], [" 1"], ["１"]):
        assert whole(cells) is None, cells


@pytest.mark.parametrize("cells", [["1", "2"], ["1", "inf"], ["1", "1e16"], ["1e400", "1e16"],
                                   ["True", "1"], ["x", "1e16"]])
def test_numbers_read_and_checked_alike_from_text_or_numbers(cells):
    # a numeric column takes a short way when every value is finite and small: the values and
    # the problems must be those of the general way (text cells)
    from evalkit.data.load import _numbers

    numeric = pd.to_numeric(pd.Series(cells, index=[2, 3], dtype=object), errors="coerce")
    text = pd.Series(cells, index=[2, 3], dtype=object)
    found: dict[str, list[str]] = {"numeric": [], "text": []}
    got = {kind: _numbers(pd.DataFrame({"n": s}), "n", "t.csv", "log", found[kind])
           for kind, s in (("numeric", numeric), ("text", text))}
    for kind in got:
        assert got[kind].dtype == "float64"
    if all(c not in ("True", "x") for c in cells):
        assert got["numeric"].to_numpy().tobytes() == got["text"].to_numpy().tobytes()
        assert found["numeric"] == found["text"]
    if "1e16" in cells:
        assert any("too large to be real" in p for p in found["numeric"])


def test_checked_columns_replaced_alike_with_unique_or_repeated_titles():
    from evalkit.data.load import _replaced

    df = pd.DataFrame({"a": ["1", "2"], "b": ["x", None], "c": [1.5, 2.5]}, index=[2, 3])
    new = {"a": pd.Series([1.0, 2.0], index=df.index), "b": df["b"].astype(pd.StringDtype())}
    one_go = _replaced(df, new)
    one_by_one = df.copy()
    for col, values in new.items():
        one_by_one[col] = values
    pd.testing.assert_frame_equal(one_go, one_by_one, check_exact=True)
    assert one_go.columns.equals(df.columns) and one_go.columns.dtype == df.columns.dtype
    repeated = df.set_axis(["a", "b", "b"], axis=1)  # not unique: set one by one
    assert _replaced(repeated, {"a": new["a"]})["a"].tolist() == [1.0, 2.0]


def test_unquoted_csv_split_as_the_csv_module_reads_it():
    import csv
    import io
    import random

    from evalkit.data.intake import _split_unquoted

    rng = random.Random(7)
    texts = ["", "\n", "a", "a\n", "a,b\r\nc,d\r\n", "a\r\rb", "a,b\r\r\nc", "x\n\n", ",\n,,",
             "a, b ,\tc\n", "\ufeffa,b\n", '"a",b\n', "a\x00b\n"]
    texts += ["".join(rng.choice("ab ,\n\r\t") for _ in range(rng.randint(0, 40)))
              for _ in range(2000)]
    for text in texts:
        fast = _split_unquoted(text)
        if fast is None:
            assert '"' in text or "\x00" in text
            continue
        assert fast == list(csv.reader(io.StringIO(text, newline=""))), repr(text)


@pytest.mark.parametrize("values", [["a", None, "b"], [1, 2, 3], [1.5, None, 2.0], []])
def test_text_columns_converted_to_string_as_astype_does(values):
    from evalkit.data.load import _as_string

    for s in (pd.Series(values, dtype=object), pd.Series(values, dtype=object).astype("str")
              if all(isinstance(v, str) or v is None for v in values) else pd.Series(values)):
        expected = s.astype("string")
        got = pd.Series(_as_string(s), index=s.index)
        assert got.dtype == expected.dtype
        assert [repr(v) for v in got.tolist()] == [repr(v) for v in expected.tolist()]
