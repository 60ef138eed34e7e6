"""The command line: one line on error, exit status 1, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if not line.startswith("evalkit: warning")]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("evalkit: error: ")
    for needle in needles:
        assert needle in lines[0]


def test_wrong_type_in_project_yaml(example_copy):
    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["indicators"][3]["target"] = "about 90%"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    proc = run("report", str(spec_path), "-o", str(example_copy / "r.html"))
    assert_one_line_error(proc, "indicators[3].target", "about 90%")


def test_missing_data_file(example_copy):
    (example_copy / "data" / "budget.csv").unlink()
    proc = run("report", str(example_copy / "project.yaml"), "-o", str(example_copy / "r.html"))
    assert_one_line_error(proc, "budget.csv", "not found")
    assert not (example_copy / "r.html").exists()


def test_missing_column(example_copy):
    path = example_copy / "data" / "panel.csv"
    pd.read_csv(path).drop(columns=["workers"]).to_csv(path, index=False)
    proc = run("report", str(example_copy / "project.yaml"), "-o", str(example_copy / "r.html"))
    assert_one_line_error(proc, "panel.csv", "'workers'")


def test_non_numeric_outcome(example_copy):
    path = example_copy / "data" / "panel.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[3, "disputes_per_100"] = "three"
    df.to_csv(path, index=False)
    proc = run("report", str(example_copy / "project.yaml"), "-o", str(example_copy / "r.html"))
    assert_one_line_error(proc, "disputes_per_100", "'three'")


def test_duplicated_ids_within_wave(example_copy):
    path = example_copy / "data" / "participants.csv"
    df = pd.read_csv(path, dtype=str)
    pd.concat([df, df.iloc[[0]]], ignore_index=True).to_csv(path, index=False)
    proc = run("report", str(example_copy / "project.yaml"), "-o", str(example_copy / "r.html"))
    assert_one_line_error(proc, "participants.csv", "duplicated", "W0001")


def test_missing_project_file(tmp_path):
    assert_one_line_error(run("validate", str(tmp_path / "none.yaml")), "not found")


def test_validate_lists_every_problem(example_copy):
    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["indicators"][0]["target"] = "many"
    spec["indicators"][2]["direction"] = "up"
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    proc = run("validate", str(spec_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "indicators[0].target" in proc.stderr and "indicators[2].direction" in proc.stderr


def test_validate_ok(example_dir):
    proc = run("validate", str(example_dir / "project.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert "is valid" in proc.stdout


@pytest.mark.parametrize("argv", [["report"], ["demo", "--format", "xls"], ["frobnicate"]])
def test_usage_errors_exit_nonzero(argv):
    proc = run(*argv)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_validate_reports_data_and_logic_model_problems_together(example_copy):
    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["logic_model"]["links"].append(["impact", "in_staff"])  # runs backwards, makes a cycle
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    path = example_copy / "data" / "panel.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[3, "disputes_per_100"] = "three"
    df.to_csv(path, index=False)
    proc = run("validate", str(spec_path))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "'three'" in proc.stderr and "impact" in proc.stderr
