"""Issue 12: a count prints as an integer — the workforce headcount change is "+400", never
"+400.00" (the example's change from 2024 to 2025), in every writer."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
import report_helpers as rh

import evalkit as ek


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headcount_change_prints_as_an_integer(tmp_path: Path, fmt: str, lang: str) -> None:
    rh.skip_without_writer(fmt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev = ek.evaluate(ek.load_project(ek.datasets.path("guangdong_workforce")
                                         / "project.yaml"))
    checks = ev.analytics.workforce.checks.set_index("indicator")
    change = float(checks.loc["headcount", "trend"])
    assert change.is_integer() and change != 0
    path = Path(ev.render(tmp_path / f"r.{fmt}", lang=lang))
    text = rh.docx_text(path) if fmt == "docx" else path.read_text(encoding="utf-8")
    sign = "+" if change > 0 else "−"
    whole = f"{sign}{abs(change):,.0f}"
    assert whole in text
    assert f"{whole}.00" not in text and f"{whole}.0" not in text
