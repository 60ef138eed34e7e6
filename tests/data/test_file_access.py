"""Data files resolve inside the project folder unless the user opts in (issue 10, File
access): ``file:`` accepted ``../..``, absolute paths and symlinks out of the folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

import evalkit as ek
from evalkit.cli import main


def _point(folder: Path, source: str, file: str) -> Path:
    spec = folder / "project.yaml"
    raw = yaml.safe_load(spec.read_text(encoding="utf-8"))
    raw["data"][source]["file"] = file
    spec.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return spec


@pytest.fixture()
def outside(tmp_path: Path, example_copy: Path) -> Path:
    """A readable CSV outside the project folder (a copy of the budget, so that a project
    allowed to read it still evaluates)."""
    secret = tmp_path / "elsewhere" / "budget.csv"
    secret.parent.mkdir()
    shutil.copy(example_copy / "data" / "budget.csv", secret)
    return secret


def _refused(spec: Path, fragment: str) -> None:
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(spec)
    text = str(info.value) + " ".join(info.value.problems)
    assert "data.budget.file" in text and fragment in text, text
    assert "allow_outside=True" in text and "--allow-outside-files" in text


def test_dotdot_is_refused(example_copy: Path, outside: Path) -> None:
    spec = _point(example_copy, "budget", "../elsewhere/budget.csv")
    _refused(spec, "climbing with '..' outside the project folder")


def test_deep_dotdot_is_refused(example_copy: Path) -> None:
    depth = len(example_copy.resolve().parts)
    spec = _point(example_copy, "budget", "../" * depth + "etc/hostname")
    _refused(spec, "outside the project folder")


def test_absolute_path_is_refused(example_copy: Path, outside: Path) -> None:
    spec = _point(example_copy, "budget", str(outside))
    _refused(spec, "is an absolute path")


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_symlink_out_is_refused(example_copy: Path, outside: Path) -> None:
    link = example_copy / "data" / "linked.csv"
    try:
        link.symlink_to(outside)
    except OSError:  # pragma: no cover - e.g. Windows without the privilege
        pytest.skip("cannot create symbolic links here")
    spec = _point(example_copy, "budget", "data/linked.csv")
    _refused(spec, "symbolic link pointing outside the project folder")


def test_symlink_inside_and_dotdot_inside_are_fine(example_copy: Path) -> None:
    link = example_copy / "data" / "budget_link.csv"
    link.symlink_to(example_copy / "data" / "budget.csv")
    spec = _point(example_copy, "budget", "data/../data/budget_link.csv")
    project = ek.load_project(spec)
    assert project.data_path("budget") == (example_copy / "data" / "budget.csv").resolve()


def test_opt_in_reads_the_file(example_copy: Path, outside: Path) -> None:
    spec = _point(example_copy, "budget", str(outside))
    project = ek.load_project(spec, allow_outside=True)
    assert project.data_path("budget") == outside.resolve()
    from evalkit.data.load import load_evidence

    assert len(load_evidence(project)["budget"]) == 5


def test_programmatic_project_is_checked_too(example_project: ek.Project, outside: Path) -> None:
    """A Project built in code (not via load_project) still refuses when a file is read."""
    data = dict(example_project.data)
    data["budget"] = data["budget"].model_copy(update={"file": str(outside)})
    project = example_project.model_copy(update={"data": data})
    with pytest.raises(ek.SpecError, match="absolute path"):
        project.data_path("budget")


def test_cli_refuses_and_opts_in(example_copy: Path, outside: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    spec = _point(example_copy, "budget", "../elsewhere/budget.csv")
    assert main(["validate", str(spec)]) == 1
    err = capsys.readouterr().err
    assert "outside the project folder" in err and "--allow-outside-files" in err
    assert main(["validate", str(spec), "--allow-outside-files"]) == 0


def test_resolved_data_path_is_the_checked_path(tmp_path):
    from evalkit.model.paths import outside_problem, resolve_inside

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("a\n1\n", encoding="utf-8")
    for file in ("data/x.csv", "data//x.csv", "./data/../data/x.csv", "data/missing.csv"):
        assert outside_problem(tmp_path, file, "w") is None
        assert resolve_inside(tmp_path, file, "w") == (tmp_path / file).resolve()
        assert resolve_inside(tmp_path, file, "w", allow_outside=True) == (tmp_path / file).resolve()
