"""``evalkit validate`` prints what it finds under the project's own disclosure rules: never
a count of people below ``privacy.disclosure_threshold`` and never a personal value, while
row numbers, column names and the rules ("at least 2") stay so the problem can be fixed."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import evalkit as ek
from evalkit.cli import main
from evalkit.validate import guarded, validate_project

PHONE = "139-2648-3088"


def _copy(tmp_path: Path, threshold: int = 5, phone_type: str = "string") -> Path:
    folder = tmp_path / "wh"
    shutil.copytree(ek.datasets.path("workers_home"), folder)
    spec = folder / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    text = text.replace("  disclosure_threshold: 5", f"  disclosure_threshold: {threshold}")
    text = text.replace("phone: {type: string, personal: true",
                        f"phone: {{type: {phone_type}, personal: true")
    spec.write_text(text, encoding="utf-8")
    return folder


def _edit(folder: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = folder / "data" / "participants.csv"
    df = pd.read_csv(path, dtype=str)
    change(df).to_csv(path, index=False)


def _one_comparison_person(df: pd.DataFrame) -> pd.DataFrame:
    comparison = df.loc[df["group"] == "comparison", "worker_id"].unique()
    return df.loc[~df["worker_id"].isin(set(comparison[1:]))]


def test_a_small_group_count_is_not_printed(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """One comparison person left: the ANCOVA error names the groups, not that count."""
    folder = _copy(tmp_path)
    _edit(folder, _one_comparison_person)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = validate_project(folder / "project.yaml")
        assert main(["validate", str(folder / "project.yaml")]) == 1
    err = capsys.readouterr().err
    assert len(problems) == 1
    for text in (problems[0], err):
        assert "got treated 250, control <5" in text
        assert "control 1" not in text
        assert "at least 2 paired units" in text  # the rule stays


def test_a_personal_value_is_not_printed(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """A phone number typed into a personal column declared numeric: the problem names the
    column and the row, never the number."""
    folder = _copy(tmp_path, phone_type="integer")

    def bad(df: pd.DataFrame) -> pd.DataFrame:
        df.loc[3, "phone"] = PHONE
        return df

    _edit(folder, bad)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["validate", str(folder / "project.yaml")]) == 1
    err = capsys.readouterr().err
    assert "column 'phone' must be numeric, found '***' at row 5" in err
    assert PHONE not in err and "2648" not in err


def test_warnings_follow_the_projects_threshold(tmp_path: Path) -> None:
    """The unused-category note counts rows of a people table: under a threshold of 400 the 6
    volunteer-training rows are written <400, in the warning validate issues."""
    folder = _copy(tmp_path, threshold=400)
    with pytest.warns(ek.EvalkitWarning, match=r"Volunteer training \(<400 rows\)"):
        assert validate_project(folder / "project.yaml") == []


def test_guard_keeps_what_is_needed_to_fix_a_problem() -> None:
    g = guarded(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
    assert g("only 1 unit has values") == "only <5 unit has values"
    assert g("a change needs at least 2 units") == "a change needs at least 2 units"
    assert g("rows 2, 503 (2 rows share a key)") == "rows 2, 503 (<5 rows share a key)"
    assert g("outcomes[0] (wellbeing): wb1 at row 3") == "outcomes[0] (wellbeing): wb1 at row 3"
    assert g("至少 2 人，实际 3 人") == "至少 2 人，实际 <5 人"
    assert g("treated 12, control 5") == "treated 12, control 5"  # at the threshold: shown
    assert g("call 13926483088 or a@b.com") == "call *** or ***"
    assert g("column 'phone': found 'x1', 'age' ok") == "column 'phone': found '***', 'age' ok"
