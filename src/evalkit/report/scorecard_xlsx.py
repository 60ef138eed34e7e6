"""Write an assessed scorecard back into the funder's 评分表: 得分, 扣分原因 and 材料情况.

The sheet is read by :func:`evalkit.data.excel.read_scorecard_xlsx`; the scores come from
:func:`evalkit.assess.scorecard.score_scorecard`. Writing them is output, so it lives here
with the other writers (atomic, rater text neutralised against formula injection).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from evalkit._atomic import atomic_path
from evalkit._text import spreadsheet_text
from evalkit.data.excel import (
    OUTPUT_HEADERS,
    cell_grid,
    cell_text,
    open_sheet,
    read_scorecard_xlsx,
)
from evalkit.errors import SpecError

if TYPE_CHECKING:
    from evalkit.assess.scorecard import ScorecardResult

__all__ = ["write_scorecard_xlsx"]


def write_scorecard_xlsx(result: ScorecardResult, source: str | Path,
                         out: str | Path | None = None, *, sheet: str | None = None) -> Path:
    """Copy the funder's sheet with 得分, 扣分原因 and 材料情况 filled in for every leaf.

    Parameters
    ----------
    result
        The scored scorecard (node ids as :func:`read_scorecard_xlsx` gives them).
    source
        The workbook the scorecard was read from (not modified unless ``out`` is it).
    out
        Where to write; default: ``source`` with "_scored" before the suffix. Written
        atomically (temp file in the same folder, then :func:`os.replace`).
    sheet
        Sheet name; the active sheet by default.
    """
    src = Path(source)
    layout = read_scorecard_xlsx(src, sheet)
    wb, ws = open_sheet(src, layout.sheet)
    grid = cell_grid(ws)
    target = Path(out) if out is not None else src.with_name(f"{src.stem}_scored{src.suffix}")
    first = max(c for c in range(1, ws.max_column + 1)
                if cell_text(grid.get((layout.header_row, c)))) + 1
    placed: dict[str, int] = {}
    for title in OUTPUT_HEADERS:
        existing = [c for c in range(1, ws.max_column + 1)
                    if cell_text(grid.get((layout.header_row, c))) == title]
        if existing:
            placed[title] = existing[0]
        else:
            placed[title] = first
            first += 1
        ws.cell(row=layout.header_row, column=placed[title], value=title)
    by_id = {str(r["node_id"]): r for r in result.nodes.to_dict(orient="records")}
    missing = [i for i in layout.rows if i not in by_id]
    if missing:
        raise SpecError(f"{src.name}: the result has no score for row(s) "
                        f"{', '.join(str(layout.rows[i]) for i in missing)}",
                        hint="score the scorecard read from this same sheet")
    # rater text is neutralized: "=…", "+…", "-…", "@…" would run as formulas (OWASP)
    for node_id, r in layout.rows.items():
        rec = by_id[node_id]
        ws.cell(row=r, column=placed["得分"], value=round(float(rec["points"]), 2))
        ws.cell(row=r, column=placed["扣分原因"],
                value=spreadsheet_text(rec.get("reason_zh") or ""))
        ws.cell(row=r, column=placed["材料情况"],
                value=spreadsheet_text(rec.get("evidence_status") or ""))
    end = max(layout.rows.values()) + 1
    ws.cell(row=end, column=placed["得分"] - 1, value="合计 / 等级")
    ws.cell(row=end, column=placed["得分"], value=round(result.total, 2))
    ws.cell(row=end, column=placed["扣分原因"], value=spreadsheet_text(result.grade))
    with atomic_path(target) as tmp:
        wb.save(tmp)
    return target
