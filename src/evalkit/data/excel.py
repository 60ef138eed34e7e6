"""Scorecards in funders' Excel layout: read a 评分表 into a :class:`ScorecardSpec` (the
scores are written back by :func:`evalkit.report.scorecard_xlsx.write_scorecard_xlsx`).

The sheet has a header row with 一级指标, 二级指标, 三级指标, 分值, 评分标准, 需提供材料 (the
last two optional; 分数 / 权重 are accepted for 分值, 评分细则 for 评分标准, 佐证材料 for
需提供材料), then one row per leaf. Upper-level cells are usually merged over their rows or
left blank below the first row; both are read as the value above. A level's own points may be
written in its name, "项目管理（20分）"; otherwise they are the sum of its children's.

Node ids follow the position: "1", "1.2", "1.2.3". Every leaf is a ``direct`` rule scored by
raters (``ratings``) unless you edit the spec.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    from evalkit.model.scorecard import ScorecardSpec

__all__ = ["HEADERS", "OUTPUT_HEADERS", "ScorecardSheet", "cell_grid", "cell_text",
           "open_sheet", "read_scorecard_xlsx"]

HEADERS: dict[str, tuple[str, ...]] = {
    "level1": ("一级指标",), "level2": ("二级指标",), "level3": ("三级指标",),
    "points": ("分值", "分数", "权重"), "criteria": ("评分标准", "评分细则"),
    "evidence": ("需提供材料", "佐证材料"),
    "score": ("得分",), "reason": ("扣分原因",), "evidence_status": ("材料情况",),
}
OUTPUT_HEADERS = ("得分", "扣分原因", "材料情况")
_POINTS_IN_NAME = re.compile(r"^(.*?)[（(]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）]\s*$")


@dataclass(frozen=True)
class ScorecardSheet:
    """A scorecard read from a sheet: the ``spec``, the ``sheet`` name, the ``header_row``,
    ``columns`` (field -> 1-based column), ``rows`` (leaf id -> 1-based row) and ``ratings``
    (leaf id -> ``{value, reason, evidence}`` from a filled-in 得分 column, for one rater:
    ``score_scorecard(sheet.spec, ratings={"third_party": sheet.ratings})``)."""

    spec: ScorecardSpec
    sheet: str
    header_row: int
    columns: dict[str, int] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    ratings: dict[str, dict[str, Any]] = field(default_factory=dict)


def _letter(col: int) -> str:
    from openpyxl.utils import get_column_letter

    return str(get_column_letter(col))


def cell_grid(ws: Any) -> dict[tuple[int, int], Any]:
    """Cell values with merged ranges filled by their top-left value."""
    values = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row}
    for rng in ws.merged_cells.ranges:
        top = values.get((rng.min_row, rng.min_col))
        for r in range(rng.min_row, rng.max_row + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                values[(r, c)] = top
    return values


def open_sheet(path: Path, sheet: str | None) -> tuple[Any, Any]:
    """``(workbook, worksheet)`` of ``sheet`` (the active one when None); DataError naming the
    file when it is missing, unreadable or has no such sheet."""
    import openpyxl

    if not path.is_file():
        raise DataError(f"{path}: workbook not found", hint="check the path of the .xlsx file")
    try:
        wb = openpyxl.load_workbook(path)
    except Exception as exc:
        raise DataError(f"{path}: cannot be read as .xlsx ({exc})",
                        hint="save the file as an Excel workbook (.xlsx)") from exc
    if sheet is not None and sheet not in wb.sheetnames:
        raise DataError(f"{path.name}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})")
    return wb, wb[sheet] if sheet is not None else wb.active


def _find_header(ws: Any, grid: dict[tuple[int, int], Any], where: str) -> tuple[int, dict]:
    for r in range(1, min(ws.max_row, 15) + 1):
        texts = {c: str(grid.get((r, c)) or "").strip() for c in range(1, ws.max_column + 1)}
        cols = {key: c for key, names in HEADERS.items() for c, t in texts.items() if t in names}
        if "level1" in cols and "points" in cols:
            return r, cols
    raise DataError(f"{where}: no header row with 一级指标 and 分值 in the first 15 rows",
                    hint="name the columns 一级指标, 二级指标, 三级指标, 分值, 评分标准, 需提供材料")


def cell_text(value: Any) -> str:
    """A cell's value as stripped text ("" for an empty cell)."""
    return "" if value is None else str(value).strip()


def read_scorecard_xlsx(path: str | Path, sheet: str | None = None, *,
                        grades: str = "mof") -> ScorecardSheet:
    """Read a scorecard laid out as funders do.

    Parameters
    ----------
    path
        The .xlsx workbook (not modified).
    sheet
        Sheet name; the active sheet by default.
    grades
        Grade preset of the returned spec ("mof" or "shenzhen").

    Raises
    ------
    DataError
        One error listing every bad cell by sheet, row and column, e.g.
        ``sheet '评分表' row 7 column D (分值): expected a number, got '五分'``.
    SpecError
        The points do not add up (every node listed, as :meth:`ScorecardSpec.problems`).
    """
    from evalkit.model.scorecard import ScorecardSpec

    file = Path(path)
    _wb, ws = open_sheet(file, sheet)
    where = f"{file.name}, sheet {ws.title!r}"
    grid = cell_grid(ws)
    header, cols = _find_header(ws, grid, where)
    levels = [cols[k] for k in ("level1", "level2", "level3") if k in cols]
    problems: list[str] = []
    tree: list[dict[str, Any]] = []
    rows: dict[str, int] = {}
    ratings: dict[str, dict[str, Any]] = {}
    last: list[str] = [""] * len(levels)
    for r in range(header + 1, ws.max_row + 1):
        names = [cell_text(grid.get((r, c))) for c in levels]
        raw_points = grid.get((r, cols["points"]))
        if not any(names) and raw_points in (None, ""):
            continue
        depth = max(k for k, n in enumerate(names) if n) + 1 if any(names) else 0
        cell = f"sheet {ws.title!r} row {r} column {_letter(cols['points'])} (分值)"
        if depth == 0:
            problems.append(f"sheet {ws.title!r} row {r} column {_letter(levels[0])} "
                            f"(一级指标): a score without an indicator name")
            continue
        filled: list[str] = []
        for k in range(depth - 1):  # blank upper cells continue the group above
            filled.append(names[k] or (last[k] if filled == last[:k] else ""))
        filled.append(names[depth - 1])
        blank = [k for k, n in enumerate(filled) if not n]
        if blank:
            k = blank[0]
            problems.append(f"sheet {ws.title!r} row {r} column {_letter(levels[k])} "
                            f"({HEADERS[('level1', 'level2', 'level3')[k]][0]}): blank, and "
                            "the row above belongs to another group")
            continue
        names = filled + [""] * (len(levels) - depth)
        last = names
        try:
            points = float(str(raw_points).strip().rstrip("分"))
        except (TypeError, ValueError):
            problems.append(f"{cell}: expected a number, got {raw_points!r}")
            continue
        if not math.isfinite(points) or points > 1e6:  # "nan", "inf" cells parse as floats
            problems.append(f"{cell}: expected a finite number of points, got {raw_points!r}")
            continue
        if points < 0:
            problems.append(f"{cell}: points must be >= 0, got {points:g}")
            continue
        siblings = tree
        path_ids: list[str] = []
        node: dict[str, Any] = {}
        for k in range(depth):
            name, own = _split_points(names[k])
            found = next((n for n in siblings if n["key"] == names[k]), None)
            node = found if found is not None else {
                "key": names[k], "name": name, "own": own, "children": [],
                "id": ".".join([*path_ids, str(len(siblings) + 1)])}
            if found is None:
                siblings.append(node)
            path_ids = node["id"].split(".")
            siblings = node["children"]
        node["points"] = points
        node["criteria"] = cell_text(grid.get((r, cols["criteria"]))) if "criteria" in cols else ""
        node["evidence"] = cell_text(grid.get((r, cols["evidence"]))) if "evidence" in cols else ""
        rows[node["id"]] = r
        mark = _mark(grid, r, cols, ws.title, problems, points)
        if mark is not None:
            ratings[node["id"]] = mark
    if problems:
        raise DataError(f"{where}: {len(problems)} problem(s)", problems=problems,
                        hint="correct the cells named above")
    if not tree:
        raise DataError(f"{where}: no indicator rows below the header (row {header})")
    nodes = [_node(n) for n in tree]
    spec = ScorecardSpec.model_validate({"grades": grades, "nodes": nodes,
                                         "total": sum(n["points"] for n in nodes)})
    wrong = spec.problems()
    if wrong:
        raise SpecError(f"{where}: {len(wrong)} problem(s)", problems=wrong,
                        hint="make each level's points equal the sum of the rows below it")
    return ScorecardSheet(spec=spec, sheet=ws.title, header_row=header, columns=cols, rows=rows,
                          ratings=ratings)


def _mark(grid: dict[tuple[int, int], Any], r: int, cols: dict[str, int], sheet: str,
          problems: list[str], points: float) -> dict[str, Any] | None:
    """A rater's mark from the 得分 / 扣分原因 / 材料情况 cells of row ``r`` (None if blank)."""
    if "score" not in cols:
        return None
    raw = grid.get((r, cols["score"]))
    if raw is None or cell_text(raw) == "":
        return None
    try:
        value = float(str(raw).strip().rstrip("分"))
    except ValueError:
        problems.append(f"sheet {sheet!r} row {r} column {_letter(cols['score'])} (得分): "
                        f"expected a number, got {raw!r}")
        return None
    if not 0 <= value <= points:  # also NaN and infinity
        problems.append(f"sheet {sheet!r} row {r} column {_letter(cols['score'])} (得分): "
                        f"expected points from 0 to {points:g} (the item's 分值), got {raw!r}")
        return None
    mark: dict[str, Any] = {"value": value}
    for key, field_name in (("reason", "reason"), ("evidence_status", "evidence")):
        if key in cols and cell_text(grid.get((r, cols[key]))):
            mark[field_name] = cell_text(grid.get((r, cols[key])))
    return mark


def _split_points(text: str) -> tuple[str, float | None]:
    m = _POINTS_IN_NAME.match(text)
    return (m.group(1).strip(), float(m.group(2))) if m else (text, None)


def _node(n: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": n["id"], "name": n["name"]}
    if n["children"]:
        kids = [_node(c) for c in n["children"]]
        out["children"] = kids
        out["points"] = n["own"] if n["own"] is not None else sum(k["points"] for k in kids)
        return out
    out.update(points=n.get("points", n["own"] or 0.0), rule="direct", manual=True)
    if n.get("criteria"):
        out["criteria"] = n["criteria"]
    if n.get("evidence"):
        out["evidence"] = n["evidence"]
    return out
