"""The numpy screens in front of the per-column checks of ``_check_source`` (range, whole
numbers, Excel serial dates) must let through exactly the cells the pandas checks catch:
NaN never counts as outside a range or as a fraction, one bad cell among blanks is found."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalkit.data.intake import _blank, _filled, read_source
from evalkit.data.load import _check_source
from evalkit.project import DataSource


def _problems(tmp_path: Path, text: str, columns: dict[str, object]) -> list[str]:
    file = tmp_path / "t.csv"
    file.write_text(text, encoding="utf-8")
    source = DataSource.model_validate({"file": "t.csv", "columns": columns})
    raw, problems = read_source(file, source, content=file.read_bytes(), where="t.csv",
                                name="t")
    assert problems == []
    _check_source("t", source, raw, "t.csv", problems)
    return problems


def test_range_with_blanks(tmp_path: Path) -> None:
    ok = _problems(tmp_path, "x,y\n1,a\n,b\n5,c\n", {"x": {"type": "number", "range": [0, 5]}})
    assert ok == []
    bad = _problems(tmp_path, "x,y\n1,a\n,b\n7,c\n-1,d\n",
                    {"x": {"type": "number", "range": [0, 5]}})
    assert bad == ["t.csv: column 'x' must lie in [0, 5], found 7 at row 4 "
                   "(2 value(s) outside) — correct the value or the declared range"]


@pytest.mark.parametrize(("cells", "found"), [
    ("1,a\n,b\n3,c", None),
    ("1,a\n,b\n2.5,c", "t.csv: column 'x' must hold whole numbers, found '2.5' at row 4"),
    ("-0.5,a\n,b\n2,c", "t.csv: column 'x' must hold whole numbers, found '-0.5' at row 2"),
])
def test_whole_numbers_with_blanks(tmp_path: Path, cells: str, found: str | None) -> None:
    problems = _problems(tmp_path, "x,y\n" + cells + "\n", {"x": {"type": "integer"}})
    assert problems == ([] if found is None else [found])


def test_dates_text_and_serial(tmp_path: Path) -> None:
    ok = _problems(tmp_path, "d,y\n2025-01-31,a\n,b\n2025-02-01,c\n", {"d": {"type": "date"}})
    assert ok == []
    serial = _problems(tmp_path, "d,y\n45717,a\n,b\n45718,c\n", {"d": {"type": "date"}})
    assert len(serial) == 1 and "an Excel serial date?" in serial[0]
    assert "found the number(s) 45717.0 at row 2, 45718.0 at row 4 —" in serial[0]


@pytest.mark.parametrize("row", [[], [None], [None, float("nan")], ["", None], [None, 0],
                                 [float("nan"), "x"], [0.0], [False]])
def test_filled_is_any_not_blank(row: list[object]) -> None:
    assert _filled(row) == any(not _blank(v) for v in row)
