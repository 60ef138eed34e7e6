"""docs/spreadsheets.md works as written: the same files, project.yaml, messages and numbers."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import evalkit as ek
from evalkit.validate import validate_project

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "spreadsheets.md"
EXAMPLE = ROOT / "docs" / "examples" / "spreadsheets"


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def _first_try(tmp_path: Path, extra: str = "") -> Path:
    final = (EXAMPLE / "project.yaml").read_text(encoding="utf-8")
    data = _blocks("yaml")[0]
    text = final[:final.index("data:")] + data + final[final.index("indicators:"):]
    for name in ("wjx_export.xlsx", "service_log_gbk.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    if extra:
        text = text.replace("GBK\n", "GBK\n" + extra, 1)
    (tmp_path / "project.yaml").write_text(text, encoding="utf-8")
    return tmp_path / "project.yaml"


def _shown(block: str) -> list[str]:
    return [line[2:] for line in block.splitlines() if line.startswith("- ")]


def test_finished_project_is_the_shipped_file():
    assert _blocks("yaml")[1] == (EXAMPLE / "project.yaml").read_text(encoding="utf-8")


def test_the_file_really_is_gbk_with_a_title_row():
    raw = (EXAMPLE / "service_log_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert raw.decode("gbk").splitlines()[1].startswith("日期,活动类型 ,")


def test_first_try_messages_are_as_shown(tmp_path):
    problems = validate_project(_first_try(tmp_path))
    shown = _shown(_blocks("text")[1])
    assert len(shown) == 2
    for line in shown:
        assert line in problems


def test_second_try_messages_are_as_shown(tmp_path):
    problems = validate_project(_first_try(tmp_path, "    header_row: 2\n"))
    shown = _shown(_blocks("text")[2])
    assert len(shown) == 5
    for line in shown:
        assert line in problems


def test_finished_project_validates_and_gives_the_numbers_in_the_text(tmp_path):
    from evalkit import cli

    spec = EXAMPLE / "project.yaml"
    assert validate_project(spec) == []
    evaluation = ek.evaluate(ek.load_project(spec))
    actual = evaluation.indicators.groupby("indicator_id")["actual"].last()
    # by hand from the files: rows k = 0..23 of make_files.py, 小组活动 when k % 3 != 0,
    # participants 12 + k % 5; the 合计 row skipped
    assert actual["I1"] == sum(1 for k in range(24) if k % 3)
    assert actual["I2"] == sum(12 + k % 5 for k in range(24)) == 334
    assert actual["I3"] == sum(1 for k in range(24) if k % 3 == 0) == 8
    assert evaluation.effects["wellbeing"].estimate == pytest.approx(0.5, abs=1e-12)
    log = evaluation.evidence["service_log"]
    assert log["attendance"].tolist() == [80 + k % 20 for k in range(24)]     # "80%" -> 80
    assert log["cost"].tolist() == [1000.5 + 37 * k for k in range(24)]       # "1,000.50"
    assert log["date"].iloc[1] == pd.Timestamp("2025-03-19")                  # 2025年3月19日
    assert log["activity"].iloc[1] == "小组活动"
    assert cli.main(["report", str(spec), "-o", str(tmp_path), "--format", "html",
                     "--lang", "zh,en"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.en.html", "report.zh.html"]
