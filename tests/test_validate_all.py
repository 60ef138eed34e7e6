"""`evalkit validate` lists every problem of every file in one run (issue 11, item 3)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import yaml

from evalkit.validate import validate_project


def _plant(example_copy):
    """Three planted data problems (two in one file, one in another) and an outcome problem."""
    panel = example_copy / "data" / "panel.csv"
    df = pd.read_csv(panel, dtype=str)
    df.loc[3, "disputes_per_100"] = "three"             # row 5
    df.loc[5:400, "workers"] = "many"                   # rows 7..402: capped with a count
    df.to_csv(panel, index=False)
    people = example_copy / "data" / "participants.csv"
    df = pd.read_csv(people, dtype=str)
    df.loc[10, "wb2"] = "7"                             # row 12
    df.to_csv(people, index=False)
    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["outcomes"][0]["pre"] = "baseline"             # not a wave in the data
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return spec_path


def test_every_problem_of_every_file_in_one_run(example_copy):
    problems = validate_project(_plant(example_copy))
    text = "\n".join(problems)
    assert "data/panel.csv: column 'disputes_per_100' must be numeric, found 'three' at row 5" \
        in text
    workers = next(p for p in problems if "'workers'" in p)
    assert "'many' at row 7, 'many' at row 8, 'many' at row 9 … and 393 more rows" in workers
    assert "(396 non-numeric value(s))" in workers
    assert "data/participants.csv: column 'wb2' must lie in [1, 5], found 7 at row 12" in text
    pre = next(p for p in problems if p.startswith("outcomes[0].pre"))
    assert "'baseline'" in pre and "column 'wave' of data/participants.csv" in pre
    assert "pre" in pre and "post" in pre.split("values there:")[1]
    assert len(problems) == 4, problems


def test_cli_prints_them_all_and_exits_1(example_copy):
    spec_path = _plant(example_copy)
    proc = subprocess.run([sys.executable, "-m", "evalkit.cli", "validate", str(spec_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "4 problem(s)" in proc.stderr
    for needle in ("'disputes_per_100'", "'workers'", "'wb2'", "outcomes[0].pre"):
        assert needle in proc.stderr


def test_evaluate_names_the_outcome_by_its_yaml_path(example_copy):
    import pytest

    import evalkit as ek

    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["outcomes"][0]["post"] = "after"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ek.DataError, match=r"outcomes\[0\]\.post: wave 'after' not found"):
        ek.evaluate(ek.load_project(spec_path))
