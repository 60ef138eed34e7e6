"""The shared pieces: error hierarchy, validation helpers, the result type, datasets."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import evalkit as ek
from evalkit._checks import check_choice, check_frame, numeric_column, require_columns
from evalkit.estimate.evidence import evidence_level, size_word
from evalkit.estimate.results import TIDY_COLUMNS, EffectResult, tidy_frame, tidy_row


def test_error_hierarchy_and_one_line():
    for cls in (ek.SpecError, ek.DataError, ek.EstimationError, ek.RenderError):
        assert issubclass(cls, ek.EvalkitError)
    assert issubclass(ek.EvalkitWarning, UserWarning)
    err = ek.SpecError("project.yaml: 2 problem(s)", problems=["a: x", "b: y"], hint="fix them")
    assert str(err) == "project.yaml: 2 problem(s): a: x; b: y — fix them"
    assert "\n" not in ek.DataError("multi\nline").one_line()


def test_check_choice():
    assert check_choice("se", "robust", ("classical", "robust")) == "robust"
    with pytest.raises(ek.SpecError, match="se: expected one of 'classical', 'robust', got 'hc3'"):
        check_choice("se", "hc3", ("classical", "robust"))


def test_numeric_column_never_coerces_silently():
    df = pd.DataFrame({"x": ["1", "2.5", None, "", "abc"]})
    with pytest.raises(ek.DataError, match=r"'x' must be numeric, found 'abc' at row 4"):
        numeric_column(df, "x", "t.csv")
    ok = numeric_column(df.iloc[:4], "x")
    assert ok.iloc[:2].tolist() == [1.0, 2.5] and ok.iloc[2:].isna().all()
    assert numeric_column(pd.DataFrame({"b": [True, False]}), "b").tolist() == [1.0, 0.0]


def test_frame_and_column_checks():
    with pytest.raises(ek.DataError, match="expected a pandas DataFrame"):
        check_frame([1, 2])
    with pytest.raises(ek.DataError, match="no rows"):
        check_frame(pd.DataFrame({"a": []}))
    with pytest.raises(ek.DataError, match="column 'zz' not found"):
        require_columns(pd.DataFrame({"a": [1]}), ["a", "zz"], "my.csv")


def _result(**kw):
    table = tidy_frame([tidy_row("effect", 0.5, 0.1, 5.0, 1e-6, 0.3, 0.7)])
    base = dict(estimate=0.5, se=0.1, ci=(0.3, 0.7), pvalue=1e-6, n=50, method="test",
                design="pre_post", outcome="score", term="effect", table=table,
                extra={"standardised": 0.42, "label": "wellbeing"})
    base.update(kw)
    return EffectResult(**base)


def test_result_is_frozen_and_tidy():
    res = _result()
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 1.0  # type: ignore[misc]
    with pytest.raises(TypeError):
        res.extra["x"] = 1  # type: ignore[index]
    frame = res.to_frame()
    assert tuple(frame.columns) == TIDY_COLUMNS
    frame.loc[0, "estimate"] = 99.0
    assert res.to_frame().loc[0, "estimate"] == 0.5  # a copy
    assert "n used: 50" in res.summary() and "Maryland SMS level 2/5" in res.summary()
    assert "0.5" in repr(res)


def test_sentences_follow_design_and_size():
    res = _result()
    en = res.sentence("en")
    assert en.startswith("Wellbeing rose by 0.50 points (95% CI 0.30 to 0.70)")
    assert "small-to-medium change" in en and "cannot be attributed" in en
    zh = res.sentence("zh")
    assert "上升了0.50分" in zh and "95% 置信区间 0.30 至 0.70" in zh and "不能" in zh
    ns = _result(estimate=-0.1, ci=(-0.3, 0.1), design="did", evidence_level=3,
                 extra={"label": "disputes"})
    assert "fell by 0.10" in ns.sentence("en") and "cannot rule out chance" in ns.sentence("en")
    with pytest.raises(ek.RenderError):
        res.sentence("fr")


def test_evidence_levels_and_size_words():
    assert evidence_level("pre_post") == 2
    assert evidence_level("did") == 3 and evidence_level("did", covariates=True) == 4
    assert evidence_level("randomised") == 5 and evidence_level("post_only") == 1
    assert [size_word(d) for d in (0.1, 0.3, 0.4, 0.6, 1.2, -0.9)] == [
        "negligible", "small", "small-to-medium", "medium", "large", "large"]


def test_datasets():
    assert "workers_home" in ek.datasets.list()
    assert (ek.datasets.path("workers_home") / "project.yaml").is_file()
    with pytest.raises(ek.SpecError, match="example 'nope' not found"):
        ek.datasets.path("nope")


def test_generator_is_reproducible(tmp_path, example_dir):
    """generate.py rebuilds the committed data byte for byte."""
    import shutil
    import subprocess
    import sys

    copy = tmp_path / "wh"
    shutil.copytree(example_dir, copy)
    for f in (copy / "data").glob("*.csv"):
        if f.name != "evidence.csv":
            f.unlink()
    subprocess.run([sys.executable, str(copy / "generate.py")], check=True, capture_output=True)
    for f in (example_dir / "data").glob("*.csv"):
        if f.name == "evidence.csv":
            continue
        assert (copy / "data" / f.name).read_bytes() == f.read_bytes(), f.name


def test_unknown_attribute():
    with pytest.raises(AttributeError):
        ek.nonexistent  # noqa: B018


def test_heavy_packages_are_imported_where_used():
    """``import evalkit`` imports no heavy package; ``ek.evaluate`` (no report) imports
    neither matplotlib nor the report machinery (Jinja2, WeasyPrint, Word)."""
    import subprocess
    import sys

    heavy = ("pandas", "numpy", "scipy", "scipy.stats", "matplotlib", "mpl_toolkits",
             "statsmodels", "jinja2", "weasyprint", "docx", "docxtpl", "pydantic", "yaml",
             "evalkit.report", "evalkit.estimate", "evalkit.assess")
    rendering = ("matplotlib", "mpl_toolkits", "statsmodels", "jinja2", "weasyprint", "docx",
                 "docxtpl", "evalkit.report")
    code = f"""
import sys
import evalkit as ek
print(sorted(m for m in {heavy!r} if m in sys.modules))
ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
print(sorted(m for m in {rendering!r} if m in sys.modules))
print("pandas" in sys.modules, "evalkit.estimate" in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split("\n")[:3] == ["[]", "[]", "True True"], out.stderr
