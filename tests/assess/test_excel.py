"""Scorecard Excel round trip on a workbook made by the test (merged cells included)."""

from __future__ import annotations

import openpyxl
import pytest

from evalkit.assess.scorecard import score_scorecard
from evalkit.data.excel import read_scorecard_xlsx
from evalkit.errors import DataError, SpecError
from evalkit.report.scorecard_xlsx import write_scorecard_xlsx

HEADER = ["一级指标", "二级指标", "三级指标", "分值", "评分标准", "需提供材料"]
ROWS = [
    ["项目管理（20分）", "档案管理", "个案档案完整", 10, "齐全 10 分，缺 1 份扣 1 分", "个案档案"],
    [None, None, "财务规范", 10, "专账管理", "账册、发票"],
    ["项目成效", "满意度", "服务满意率", 50, "≥90% 得满分", "满意度问卷"],
    [None, "成效", "幸福感提升", 30, "前后测显著提升", "前后测问卷"],
]


def workbook(path, rows=ROWS, *, title="评分表", merge=True):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    ws.append(["某街道总工会购买服务项目绩效评价表"])      # a title row above the header
    ws.append(HEADER)
    for r in rows:
        ws.append(list(r))
    if merge:
        ws.merge_cells("A3:A4")
        ws.merge_cells("B3:B4")
        ws.merge_cells("A5:A6")
    wb.save(path)
    return path


def test_read_merged_layout(tmp_path):
    sheet = read_scorecard_xlsx(workbook(tmp_path / "card.xlsx"))
    assert sheet.sheet == "评分表" and sheet.header_row == 2
    assert sheet.rows == {"1.1.1": 3, "1.1.2": 4, "2.1.1": 5, "2.2.1": 6}
    spec = sheet.spec
    assert [(n.id, n.name.zh, n.points) for n in spec.nodes] == [("1", "项目管理", 20),
                                                               ("2", "项目成效", 80)]
    leaf = spec.node("1.1.2")
    assert leaf.rule == "direct" and leaf.manual and leaf.evidence.zh == "账册、发票"
    assert spec.node("1.1.1").criteria.zh.startswith("齐全 10 分")


def test_blank_cells_instead_of_merges(tmp_path):
    sheet = read_scorecard_xlsx(workbook(tmp_path / "card.xlsx", merge=False))
    assert sheet.spec.node("1.1.2").points == 10 and sheet.spec.node("2.2").points == 30


def test_round_trip_writes_scores(tmp_path):
    src = workbook(tmp_path / "card.xlsx")
    before = src.read_bytes()
    sheet = read_scorecard_xlsx(src)
    ratings = {"third_party": {
        "1.1.1": {"value": 8, "reason": "缺 2 份个案档案", "evidence": "个案档案 18/20 份"},
        "1.1.2": 10, "2.1.1": 45, "2.2.1": 30}}
    result = score_scorecard(sheet.spec, ratings=ratings)
    assert result.total == 93 and result.grade == "优"
    out = write_scorecard_xlsx(result, src, tmp_path / "scored.xlsx")
    assert src.read_bytes() == before                      # the funder's file is untouched
    ws = openpyxl.load_workbook(out)["评分表"]
    assert [ws.cell(2, c).value for c in (7, 8, 9)] == ["得分", "扣分原因", "材料情况"]
    assert ws.cell(3, 7).value == 8
    assert ws.cell(3, 8).value == "第三方：缺 2 份个案档案"
    assert ws.cell(3, 9).value == "个案档案 18/20 份"
    assert ws.cell(4, 7).value == 10
    assert ws.cell(7, 7).value == 93 and ws.cell(7, 8).value == "优"
    assert ws.merged_cells.ranges                          # merges kept
    assert not list(tmp_path.glob(".*.xlsx"))              # no temp file left behind
    # writing again reuses the output columns
    again = write_scorecard_xlsx(result, out, out)
    ws2 = openpyxl.load_workbook(again)["评分表"]
    assert ws2.cell(2, 10).value is None


def test_bad_cells_named_by_sheet_row_column(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[1][3] = "五分"
    rows[2][3] = -3
    with pytest.raises(DataError) as info:
        read_scorecard_xlsx(workbook(tmp_path / "bad.xlsx", rows))
    assert info.value.problems == (
        "sheet '评分表' row 4 column D (分值): expected a number, got '五分'",
        "sheet '评分表' row 5 column D (分值): points must be >= 0, got -3")


def test_level_points_must_add_up(tmp_path):
    rows = [list(r) for r in ROWS]
    rows[0][0] = "项目管理（25分）"
    with pytest.raises(SpecError) as info:
        read_scorecard_xlsx(workbook(tmp_path / "sum.xlsx", rows))
    assert "scorecard.nodes[0]: children's points sum to 20, expected 25" in info.value.problems


def test_missing_header_and_sheet(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["名称", "分"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(DataError, match="no header row with 一级指标 and 分值"):
        read_scorecard_xlsx(tmp_path / "x.xlsx")
    with pytest.raises(DataError, match="no sheet 'nope'"):
        read_scorecard_xlsx(workbook(tmp_path / "card.xlsx"), "nope")
    with pytest.raises(DataError, match="workbook not found"):
        read_scorecard_xlsx(tmp_path / "none.xlsx")


def test_scores_filled_in_by_a_rater_are_read_back(tmp_path):
    rows = [[*r, None, None, None] for r in ROWS]
    rows[0][6:9] = [7, "缺 3 份档案", "个案档案 17/20"]
    rows[2][6] = "40分"
    wb = tmp_path / "filled.xlsx"
    workbook(wb, rows)
    ws_book = openpyxl.load_workbook(wb)
    ws_book.active["G2"], ws_book.active["H2"], ws_book.active["I2"] = "得分", "扣分原因", "材料情况"
    ws_book.save(wb)
    sheet = read_scorecard_xlsx(wb)
    assert sheet.ratings == {"1.1.1": {"value": 7, "reason": "缺 3 份档案",
                                       "evidence": "个案档案 17/20"},
                             "2.1.1": {"value": 40}}
    result = score_scorecard(sheet.spec, ratings={"third_party": sheet.ratings})
    assert result.total == 47
    bad = openpyxl.load_workbook(wb)
    bad.active["G5"] = "很好"
    bad.save(wb)
    with pytest.raises(DataError, match=r"row 5 column G \(得分\): expected a number, got '很好'"):
        read_scorecard_xlsx(wb)
