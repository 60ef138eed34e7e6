"""Data files are validated at load time; errors name the file and column."""

from __future__ import annotations

import pandas as pd
import pytest

import evalkit as ek
from evalkit.data.load import load_evidence


def test_example_loads_typed(example_project):
    ev = load_evidence(example_project)
    p = ev["participants"]
    assert p["wb1"].dtype == "float64"
    assert str(p["worker_id"].dtype) == "string"
    assert pd.api.types.is_datetime64_any_dtype(ev["service_log"]["date"])
    assert set(ev.sha256) == set(example_project.data)


def test_missing_data_file(example_copy):
    (example_copy / "data" / "panel.csv").unlink()
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(ek.DataError, match=r"panel\.csv: data file not found"):
        ek.evaluate(project)


def test_declared_column_absent(example_copy):
    path = example_copy / "data" / "service_log.csv"
    df = pd.read_csv(path).rename(columns={"volunteers": "vols"})
    df.to_csv(path, index=False)
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(ek.DataError) as info:
        ek.evaluate(project)
    assert "service_log.csv" in str(info.value) and "'volunteers'" in str(info.value)


def test_non_numeric_outcome_value(example_copy):
    path = example_copy / "data" / "panel.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[7, "disputes_per_100"] = "n/a?"
    df.to_csv(path, index=False)
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(ek.DataError) as info:
        ek.evaluate(project)
    msg = str(info.value)
    assert "panel.csv" in msg and "'disputes_per_100'" in msg and "'n/a?'" in msg and "row 9" in msg


def test_duplicated_participant_in_wave(example_copy):
    path = example_copy / "data" / "participants.csv"
    df = pd.read_csv(path, dtype=str)
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    df.to_csv(path, index=False)
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(ek.DataError) as info:
        ek.evaluate(project)
    msg = str(info.value)
    assert "participants.csv" in msg and "worker_id, wave" in msg and df.iloc[3]["worker_id"] in msg


def test_value_outside_declared_range(example_copy):
    path = example_copy / "data" / "participants.csv"
    df = pd.read_csv(path, dtype=str)
    df.loc[10, "wb2"] = "7"
    df.to_csv(path, index=False)
    project = ek.load_project(example_copy / "project.yaml")
    with pytest.raises(ek.DataError, match=r"'wb2' must lie in \[1, 5\], found 7 at row 12"):
        ek.evaluate(project)


def test_indicator_names_missing_column(example_copy):
    import yaml

    spec_path = example_copy / "project.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["indicators"][4]["compute"] = {"sum": "helpers"}
    spec_path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    project = ek.load_project(spec_path)
    with pytest.raises(ek.DataError) as info:
        ek.evaluate(project)
    assert "I5" in str(info.value) and "'helpers'" in str(info.value)


def test_parquet_without_engine_is_a_data_error(tmp_path, monkeypatch):
    import sys

    from evalkit.data.load import read_table

    path = tmp_path / "t.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "fastparquet", None)
    with pytest.raises(ek.DataError, match=r"t\.parquet.*pip install pyarrow"):
        read_table(path)
