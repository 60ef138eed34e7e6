"""Command line for real work: init, several reports in one call, README matches the CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

import evalkit as ek
from evalkit import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "evalkit.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_init_writes_a_loadable_project_and_templates(tmp_path):
    proc = run("init", str(tmp_path / "proj"))
    assert proc.returncode == 0, proc.stderr
    spec = tmp_path / "proj" / "project.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count("#") > 20                                 # commented
    project = ek.load_project(spec)
    for source in project.data.values():
        ws = openpyxl.load_workbook(tmp_path / "proj" / source.file).active
        headers = [c.value for c in ws[source.header_row]]
        assert headers == [c.header or name for name, c in source.columns.items()]
        assert ws.max_row == source.header_row                   # empty below the header


def test_init_never_overwrites(tmp_path):
    assert run("init", str(tmp_path)).returncode == 0
    proc = run("init", str(tmp_path))
    assert proc.returncode == 1 and "already exists" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_on_a_fresh_template_is_helpful(tmp_path):
    run("init", str(tmp_path / "p"))
    proc = run("validate", str(tmp_path / "p" / "project.yaml"))
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "data/survey.xlsx: no data rows below the header" in proc.stderr
    assert "data/service_log.xlsx: no data rows below the header" in proc.stderr
    assert run("validate", str(tmp_path / "p")).stderr == proc.stderr   # the folder works too


def test_filled_template_validates(tmp_path):
    """The template is a working project: filled with a little data, it validates clean."""
    run("init", str(tmp_path / "p"))
    survey = openpyxl.load_workbook(tmp_path / "p" / "data" / "survey.xlsx")
    ws = survey.active
    answers = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
    for k in range(12):
        for wave, shift in (("前测", 0), ("后测", 1 + k % 2)):
            ws.append([f"P{k:02d}", f"某{k}", wave,
                       *(answers[min(4, (k + j) % 3 + shift)] for j in range(3))])
    survey.save(tmp_path / "p" / "data" / "survey.xlsx")
    log = openpyxl.load_workbook(tmp_path / "p" / "data" / "service_log.xlsx")
    start = ek.load_project(tmp_path / "p" / "project.yaml").project.period.start
    for k in range(30):
        log.active.append([f"{start.year}年{start.month}月{1 + k % 28}日",
                           "小组活动" if k % 2 else "个案", f"{1000 + k:,}"])
    log.save(tmp_path / "p" / "data" / "service_log.xlsx")
    proc = run("validate", str(tmp_path / "p" / "project.yaml"))
    assert proc.returncode == 0, proc.stderr


def test_report_several_formats_and_languages_evaluates_once(tmp_path, monkeypatch,
                                                             example_dir):
    import evalkit.evaluation as evaluation_module

    calls = []
    real = evaluation_module.evaluate
    monkeypatch.setattr(evaluation_module, "evaluate",
                        lambda p: calls.append(p) or real(p))
    status = cli.main(["report", str(example_dir / "project.yaml"), "-o", str(tmp_path),
                       "--format", "html,md", "--lang", "zh,en"])
    assert status == 0 and len(calls) == 1
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["report.en.html", "report.en.md", "report.zh.html", "report.zh.md"]
    assert "职工之家" in (tmp_path / "report.zh.md").read_text(encoding="utf-8")
    assert "Workers' Home" in (tmp_path / "report.en.md").read_text(encoding="utf-8")


def test_report_to_one_file_with_two_languages(tmp_path, example_dir):
    status = cli.main(["report", str(example_dir / "project.yaml"), "-o",
                       str(tmp_path / "r.md"), "--lang", "zh,en"])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.en.md", "r.zh.md"]


def test_unknown_format_is_a_usage_error(tmp_path):
    proc = run("report", "p.yaml", "-o", str(tmp_path), "--format", "html,xls")
    assert proc.returncode == 2 and "invalid format 'xls'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_no_progress_bar_when_not_a_terminal(tmp_path, example_dir):
    proc = run("report", str(example_dir / "project.yaml"), "-o", str(tmp_path / "r.md"))
    assert proc.returncode == 0
    assert "\r" not in proc.stderr and "step" not in proc.stderr   # no tqdm bar in a pipe


def test_tqdm_is_imported_only_to_show_a_bar(monkeypatch, tmp_path, example_dir):
    import io

    monkeypatch.setitem(sys.modules, "tqdm", None)  # importing it now raises ImportError
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal
    status = cli.main(["report", str(example_dir / "project.yaml"), "-o", str(tmp_path / "r.md")])
    assert status == 0 and (tmp_path / "r.md").is_file()
    monkeypatch.delitem(sys.modules, "tqdm")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with cli._progress(2) as bar:
        from tqdm import tqdm

        assert isinstance(bar, tqdm) and bar.total == 2


def test_one_shot_commands_tune_the_garbage_collector(monkeypatch, tmp_path, example_dir):
    # demo/report collect garbage rarely and move long-lived objects out of the collector's
    # reach (gc.freeze); the library itself never does
    import gc

    frozen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(gc.get_threshold()))
    before = gc.get_threshold()
    ek.evaluate(ek.load_project(example_dir / "project.yaml"))
    assert frozen == []
    assert cli.main(["report", str(example_dir / "project.yaml"), "-o",
                     str(tmp_path / "r.md")]) == 0
    assert (tmp_path / "r.md").is_file()
    assert frozen == [(10_000, 50, 1_000)] * 3  # rarer collections during the command
    assert gc.get_threshold() == before  # and the caller's settings afterwards


def test_one_shot_commands_unfreeze_for_a_long_lived_caller(tmp_path, example_dir):
    # a notebook or a test calling cli.main keeps normal collection afterwards
    import gc

    gc.unfreeze()
    assert cli.main(["report", str(example_dir / "project.yaml"), "-o",
                     str(tmp_path / "r.md")]) == 0
    assert gc.get_freeze_count() == 0


def _usage_lines(text: str) -> list[str]:
    """Lines of code blocks (README) or the docstring's literal block that run evalkit."""
    lines, fenced = [], False
    for line in text.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        elif (fenced or line.startswith("    ")) and line.strip().startswith("evalkit "):
            lines.append(line.strip())
    return lines


@pytest.mark.parametrize("doc", ["README.md", "src/evalkit/cli.py"])
def test_documented_usage_matches_the_parser(doc):
    """Every command and --option shown in the README (and the module docstring) exists."""
    parser = cli._parser()
    sub = next(a for a in parser._actions if hasattr(a, "choices") and a.choices
               and "demo" in a.choices)
    lines = _usage_lines((ROOT / doc).read_text(encoding="utf-8"))
    assert {line.split()[1] for line in lines} >= {"demo", "validate", "report", "init"}
    for line in lines:
        command = sub.choices[line.split()[1]]
        known = {s for a in command._actions for s in a.option_strings}
        for option in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", line.split("#")[0]):
            assert option in known, (doc, line, option)
