"""Participant text is printed literally; user templates run sandboxed."""

from __future__ import annotations

import html as html_lib
from pathlib import Path
from typing import Any

import pytest
import report_helpers as rh

import evalkit as ek
from evalkit.errors import RenderError


def test_html_prints_free_text_literally(hostile_rendered: dict[str, Path]) -> None:
    page = hostile_rendered["html"].read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "{{ 7*7 }}" in page and "{% raw %}" in page
    assert html_lib.escape(rh.HOSTILE) in page


def test_docx_prints_free_text_literally(hostile_rendered: dict[str, Path]) -> None:
    pytest.importorskip("docxtpl")
    text = rh.docx_text(hostile_rendered["docx"])
    assert rh.HOSTILE in text


def _user_template(folder: Path, body: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evaluation.html.j2").write_text(body, encoding="utf-8")
    return folder


PAYLOADS = [
    "{{ ''.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
    "{{ t.__globals__ }}",
    "{{ label.__code__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ config.items() }}",
    "{{ request }}",
    "{{ project.update({'id': 'x'}) }}",
    "{{ 'a' * 100000000 }}",
    "{{ 2 ** 10000000 }}",
    "{{ range(10 ** 8) | list | length }}",
    "{{ no_such_variable }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../etc/passwd' %}",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_template_injection_raises_render_error(demo_ev: Any, tmp_path: Path, payload: str
                                                ) -> None:
    folder = _user_template(tmp_path / "tpl", payload)
    out = tmp_path / "out.html"
    with pytest.raises(RenderError):
        demo_ev.render(out, lang="zh", template_dir=folder)
    assert not out.exists()


def test_user_template_with_own_labels(demo_ev: Any, tmp_path: Path) -> None:
    folder = _user_template(
        tmp_path / "tpl",
        "{% extends 'partials/layout.html.j2' %}{% block content %}"
        "<p id='x'>{{ t('ours.greeting', name=label(project.purchaser)) }}</p>"
        "{{ indicators | length }}{% endblock %}")
    (folder / "i18n").mkdir()
    (folder / "i18n" / "zh.yaml").write_text("ours:\n  greeting: 致{name}\n", encoding="utf-8")
    out = demo_ev.render(tmp_path / "out.html", lang="zh", template_dir=folder)
    page = out.read_text(encoding="utf-8")
    assert "<p id='x'>致某街道总工会</p>" in page
    assert "项目评估报告" in page  # shipped layout and labels still available


def test_unknown_label_names_the_catalogue(demo_ev: Any, tmp_path: Path) -> None:
    folder = _user_template(tmp_path / "tpl", "{{ t('no.such.label') }}")
    with pytest.raises(RenderError, match=r"no\.such\.label"):
        demo_ev.render(tmp_path / "out.html", lang="en", template_dir=folder)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"path": "out.txt"}, "unknown report format"),
    ({"path": "out.html", "lang": "fr"}, "lang"),
    ({"path": "out.html", "report": "audit"}, "report"),
    ({"path": "out.html", "template_dir": "no/such/folder"}, "template folder"),
    ({"path": "out.docx", "docx_template": "no/such.docx"}, "Word template"),
    ({"path": "folder.html"}, "is a folder"),
])
def test_bad_arguments(demo_ev: Any, tmp_path: Path, kwargs: dict[str, Any], match: str
                       ) -> None:
    kwargs = dict(kwargs)
    path = tmp_path / kwargs.pop("path")
    if path.name == "folder.html":
        path.mkdir()
    with pytest.raises(RenderError, match=match):
        ek.report.render(demo_ev, path, **kwargs)


def test_label_catalogue_cannot_reach_attributes(demo_ev: Any, tmp_path: Path) -> None:
    folder = _user_template(tmp_path / "tpl", "{{ t('ours.x', name='a') }}")
    (folder / "i18n").mkdir()
    (folder / "i18n" / "en.yaml").write_text(
        "ours:\n  x: '{name.__class__.__mro__}'\n", encoding="utf-8")
    with pytest.raises(RenderError, match="not allowed"):
        demo_ev.render(tmp_path / "out.html", lang="en", template_dir=folder)
