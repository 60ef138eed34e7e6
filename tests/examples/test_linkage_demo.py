"""Every linkage example runs end to end: demo command, both languages, every format."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import warnings

import pytest

import evalkit as ek
from evalkit.cli import main

EXAMPLES = ("zhongshan_linkage", "three_society_linkage", "shenyang_sanlian",
            "guangdong_workforce")
SECTION = {"zhongshan_linkage": "sec-retention", "three_society_linkage": "sec-cycle",
           "shenyang_sanlian": "sec-heterogeneity", "guangdong_workforce": "sec-workforce"}


def test_datasets_list_has_the_examples():
    assert set(EXAMPLES) | {"workers_home"} <= set(ek.datasets.list())


@pytest.fixture(scope="module")
def evaluations():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        return {name: ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
                for name in EXAMPLES}


@pytest.mark.parametrize("name", EXAMPLES)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_report(tmp_path, evaluations, name, lang):
    path = evaluations[name].render(tmp_path / f"r.{lang}.html", lang=lang)
    html = path.read_text(encoding="utf-8")
    assert f'id="{SECTION[name]}"' in html
    assert ('id="sec-sites"' in html) == (name != "three_society_linkage")
    assert not re.search(r"\{\{|\{%|mech\.", html)  # no unrendered template text or label keys


def test_transfer_warning_and_few_clusters_are_printed(tmp_path, evaluations):
    html = evaluations["shenyang_sanlian"].render(tmp_path / "r.html", lang="en").read_text(
        encoding="utf-8")
    assert "Transferability warning" in html and "only 24 clusters" in html
    zs = evaluations["zhongshan_linkage"].render(tmp_path / "z.html", lang="zh").read_text(
        encoding="utf-8")
    assert "只有 7 个聚类" in zs


def test_demo_command_markdown(tmp_path, capsys):
    code = main(["demo", "--example", "three_society_linkage", "--out", str(tmp_path),
                 "--lang", "en", "--format", "md"])
    assert code == 0
    text = (tmp_path / "report.en.md").read_text(encoding="utf-8")
    # a numbered sub-section of the linkage-mechanism chapter (section plan)
    assert re.search(r"^### \d+\.\d+ Project cycle and stage gates$", text, flags=re.M)
    assert "| P03 | Project design |" in text


def test_demo_command_docx(tmp_path):
    pytest.importorskip("docxtpl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        code = main(["demo", "--example", "guangdong_workforce", "--out", str(tmp_path),
                     "--lang", "zh", "--format", "docx"])
    assert code == 0 and (tmp_path / "report.zh.docx").stat().st_size > 0


def test_demo_command_pdf(tmp_path):
    pytest.importorskip("weasyprint")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ek.EvalkitWarning)
        code = main(["demo", "--example", "zhongshan_linkage", "--out", str(tmp_path),
                     "--lang", "en", "--format", "pdf"])
    assert code == 0 and (tmp_path / "report.en.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("name", EXAMPLES)
def test_generator_is_reproducible(tmp_path, name):
    """generate.py rebuilds the committed data byte for byte."""
    src = ek.datasets.path(name)
    copy = tmp_path / name
    shutil.copytree(src, copy)
    for f in (copy / "data").glob("*.csv"):
        f.unlink()
    subprocess.run([sys.executable, str(copy / "generate.py")], check=True, capture_output=True)
    for f in (src / "data").glob("*.csv"):
        assert (copy / "data" / f.name).read_bytes() == f.read_bytes(), f.name
