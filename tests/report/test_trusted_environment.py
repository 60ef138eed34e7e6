"""evalkit's own HTML and Markdown templates run unsandboxed (ReportEnvironment), everything
else sandboxed (ReportSandbox); both write the same report and keep the same limits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from jinja2.exceptions import SecurityError

from evalkit.errors import RenderError
from evalkit.report import limits
from evalkit.report.environment import ReportEnvironment, ReportSandbox, make_environment
from evalkit.report.pipeline import prepare


@pytest.mark.parametrize(("report", "lang", "suffix"),
                         [("evaluation", "zh", "html"), ("evaluation", "en", "html"),
                          ("acceptance", "zh", "html"), ("evaluation", "zh", "md"),
                          ("acceptance", "en", "md")])
def test_trusted_and_sandboxed_reports_are_identical(demo_ev: Any, tmp_path: Path,
                                                     report: str, lang: str, suffix: str
                                                     ) -> None:
    empty = tmp_path / "empty"  # a template_dir without templates: the shipped ones, sandboxed
    empty.mkdir()
    fast = demo_ev.render(tmp_path / f"fast.{suffix}", lang=lang, report=report)
    safe = demo_ev.render(tmp_path / f"safe.{suffix}", lang=lang, report=report,
                          template_dir=empty)
    assert fast.read_bytes() == safe.read_bytes()


def test_only_the_shipped_html_and_markdown_templates_run_unsandboxed(demo_ev: Any,
                                                                    tmp_path: Path) -> None:
    def env_of(kind: Any, template_dir: Any = None) -> Any:
        suffix = {"html": ".html.j2", "markdown": ".md.j2", "docx": None}[kind]
        return prepare(demo_ev, lang="zh", report="evaluation", kind=kind,
                       template_dir=template_dir, suffix=suffix)[0]

    assert type(env_of("html")) is ReportEnvironment
    assert type(env_of("markdown")) is ReportEnvironment
    assert type(env_of("docx")) is ReportSandbox  # a docx_template may be anyone's
    assert type(env_of("html", tmp_path)) is ReportSandbox
    assert type(make_environment("zh")) is ReportSandbox  # the default stays sandboxed
    with pytest.raises(RenderError, match=r"trusted=True with template_dir=.*own templates only"):
        make_environment("zh", template_dir=tmp_path, trusted=True)


def test_trusted_environment_keeps_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_environment("en", trusted=True)
    assert env.from_string("{{ range(3) | join(',') }}").render() == "0,1,2"
    with pytest.raises(OverflowError):  # the sandbox's range, as in ReportSandbox
        env.from_string("{{ range(10 ** 6) | length }}").render()
    monkeypatch.setattr(limits, "MAX_ITERATIONS", 5)
    with pytest.raises(SecurityError, match="iterations"):
        env.from_string("{% for i in range(10) %}{{ i }}{% endfor %}").render()
    monkeypatch.setattr(limits, "MAX_ITERATIONS", 1_000_000)
    monkeypatch.setattr(limits, "MAX_OUTPUT", 50)
    with pytest.raises(SecurityError, match="rendered text"):
        env.from_string("{% for i in range(20) %}{{ 'abcdef' }}{% endfor %}").render()
    with pytest.raises(SecurityError, match="concatenation"):
        env.from_string("{{ 'x' * 40 ~ 'y' * 40 }}").render()
    with pytest.raises(SecurityError, match="join"):
        env.from_string("{{ range(30) | join('ab') }}").render()
    monkeypatch.setattr(limits, "MAX_SECONDS", 0.0)
    with pytest.raises(SecurityError, match="longer than"):
        env.from_string("{% for i in range(10) %}{{ i }}{% endfor %}").render()


def test_trusted_environment_escapes_and_finalizes_as_the_sandbox() -> None:
    source = ("{{ x }}|{{ x ~ '<' }}|{{ n | num }}|{{ t('toc') }}|{{ label(name) }}|"
              "{{ '%s-%d' % ('a', 3) }}|{{ '{}!'.format(x) }}|{{ [x, 2] | join(',') }}")
    values = {"x": "<b>\u202e", "n": 1234.5, "name": {"zh": "甲", "en": "A"}}
    for lang in ("zh", "en"):
        trusted = make_environment(lang, trusted=True).from_string(source).render(values)
        sandboxed = make_environment(lang).from_string(source).render(values)
        assert trusted == sandboxed
        assert "&lt;b&gt;|" in trusted and "\u202e" not in trusted


def test_data_table_cells_are_what_cell_writes() -> None:
    # data_table writes numbers and text itself (no macro call per cell): as cell() does
    import re

    values = [3, 2.5, True, 1e20, "reliable", "<b>&", "\u202ex", None, {"zh": "甲", "en": "A"},
              [1, "a"], {"n": 3, "share": None}, float("nan")]
    tbl = {"columns": [f"c{k}" for k in range(len(values))],
           "records": [{f"c{k}": v for k, v in enumerate(values)}]}
    source = ('{% import "partials/macros.html.j2" as m %}{{ m.data_table(tbl) }}|'
              '{% for v in values %}<td>{{ m.cell(v) }}</td>{% endfor %}')
    for trusted in (True, False):
        page = make_environment("en", trusted=trusted).from_string(source).render(
            tbl=tbl, values=values)
        table, cells = page.split("|")
        written = re.findall(r"<td(?: class=\"num\")?>(.*?)</td>", table)
        assert written == re.findall(r"<td>(.*?)</td>", cells)
        assert len(written) == len(values)
