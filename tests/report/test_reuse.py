"""One evaluation, several reports: charts drawn and the context built once, outputs unchanged.

Rendering the same evaluation again, in another format or another language, must give the
same bytes as rendering it on its own (the reuse is an optimisation, never a difference).
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from typing import Any


def _fresh(ev: Any) -> Any:
    """An equal evaluation that shares nothing computed for ``ev`` by the report stage."""
    return dataclasses.replace(ev)


def test_charts_are_drawn_once_per_language_and_format(demo_ev, tmp_path, monkeypatch):
    from evalkit.report import charts

    ev = _fresh(demo_ev)
    drawn: list[tuple[str, str]] = []
    real = charts._draw_charts

    def counting(evaluation, context, *, lang, fmt):
        drawn.append((lang, fmt))
        return real(evaluation, context, lang=lang, fmt=fmt)

    monkeypatch.setattr(charts, "_draw_charts", counting)
    first = ev.render(tmp_path / "a.html", lang="zh").read_bytes()
    again = ev.render(tmp_path / "b.html", lang="zh").read_bytes()
    english = ev.render(tmp_path / "c.html", lang="en").read_bytes()
    ev.render(tmp_path / "d.md", lang="zh")                 # Markdown has no charts
    assert drawn == [("zh", "svg"), ("en", "svg")]
    assert again == first and b"<svg" in first and b"<svg" in english
    # the same bytes as a fresh evaluation rendered on its own
    monkeypatch.setattr(charts, "_draw_charts", real)
    assert _fresh(demo_ev).render(tmp_path / "e.html", lang="en").read_bytes() == english


def test_context_is_built_once_and_never_shared_between_writers(demo_ev, tmp_path,
                                                                 monkeypatch):
    from evalkit.report import pipeline

    ev = _fresh(demo_ev)
    built: list[str] = []
    real = pipeline.build_context

    def counting(evaluation, **kw):
        built.append(kw["report"])
        return real(evaluation, **kw)

    monkeypatch.setattr(pipeline, "build_context", counting)
    zh = ev.render(tmp_path / "a.md", lang="zh").read_text(encoding="utf-8")
    en = ev.render(tmp_path / "b.md", lang="en").read_text(encoding="utf-8")
    ev.render(tmp_path / "c.md", lang="zh", report="acceptance")
    assert built == ["evaluation", "acceptance"]
    # each language localised its own copy: equal to rendering a fresh evaluation
    monkeypatch.setattr(pipeline, "build_context", real)
    assert _fresh(demo_ev).render(tmp_path / "d.md", lang="en").read_text(
        encoding="utf-8") == en
    assert _fresh(demo_ev).render(tmp_path / "e.md", lang="zh").read_text(
        encoding="utf-8") == zh


def test_an_edited_template_is_used_at_once(demo_ev, tmp_path):
    # compiled templates are shared between environments, keyed on the source's checksum
    from evalkit.report.environment import shipped_templates

    folder = tmp_path / "tpl"
    folder.mkdir()
    main = folder / "evaluation.md.j2"
    main.write_text((shipped_templates() / "evaluation.md.j2").read_text(encoding="utf-8"),
                    encoding="utf-8")
    ev = _fresh(demo_ev)
    before = ev.render(tmp_path / "a.md", template_dir=folder).read_text(encoding="utf-8")
    main.write_text("EDITED {{ report }}\n", encoding="utf-8")
    after = ev.render(tmp_path / "b.md", template_dir=folder).read_text(encoding="utf-8")
    assert "EDITED" not in before and after == "EDITED evaluation\n"


def test_reports_never_import_the_3d_toolkit(tmp_path):
    # matplotlib registers its 3-D projection by importing mpl_toolkits.mplot3d; reports draw
    # 2-D charts only, so it stays out, and a 3-D axes still works when someone asks for one.
    # An HTML report writes its charts as SVG text (no matplotlib at all); the Word report's
    # PNG charts are drawn with matplotlib (build_charts(fmt="png"), as the Word writer does).
    code = f"""
import sys
import evalkit as ek
from evalkit.report.charts import build_charts
from evalkit.report.pipeline import prepare
ev = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
ev.render({str(tmp_path / "r.html")!r})
assert "matplotlib" not in sys.modules
_, _, ctx = prepare(ev, lang="zh", report="evaluation", kind="docx", template_dir=None,
                    suffix=None)
assert isinstance(build_charts(ev, ctx, lang="zh", fmt="png")["indicators"], bytes)
assert "matplotlib" in sys.modules
print(sorted(m for m in sys.modules if m.startswith("mpl_toolkits")))
from matplotlib.figure import Figure
ax = Figure().add_subplot(projection="3d")
from mpl_toolkits.mplot3d import Axes3D
print(type(ax).__name__, isinstance(ax, Axes3D))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "Axes3D True"], out.stderr


def test_memo_is_dropped_with_the_evaluation(demo_ev, tmp_path):
    import gc

    from evalkit.report import memo

    ev = _fresh(demo_ev)
    ev.render(Path(tmp_path) / "r.md")
    key = id(ev)
    assert memo._STORES[key]
    del ev
    gc.collect()
    assert key not in memo._STORES
