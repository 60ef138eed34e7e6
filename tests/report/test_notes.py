"""Estimator notes appear in the report's language."""

from __future__ import annotations

from evalkit.report.notes import translate_note


def test_every_note_of_the_example_is_translated(example_evaluation):
    notes = [n for r in example_evaluation.effects.values() for n in r.notes]
    notes += list(example_evaluation.details["disputes"]["event_study"].notes)
    assert len(notes) >= 6
    for note in notes:
        zh = translate_note(note, "zh")
        assert zh != note, f"no Chinese for: {note}"
        assert translate_note(note, "en") == note


def test_translation_keeps_the_numbers():
    note = ("standard errors: clustered by 'firm' (37 clusters), CR1 factor G/(G-1)·(N-1)/(N-K); "
            "absorbed fixed effects nested in the clusters are not counted in K "
            "(fixest/pyfixest default); t(G-1) inference")
    zh = translate_note(note, "zh")
    assert "“firm”" in zh and "37 个聚类" in zh and "t(G-1)" in zh
    pre = translate_note("pre-trend test (joint Wald, 11 pre-period coefficients = 0): p = 0.5043",
                         "zh")
    assert pre == "事前趋势检验（联合 Wald 检验，11 个事前系数均为 0）：p = 0.5043"


def test_unknown_notes_are_printed_as_written():
    assert translate_note("a note of the user's own", "zh") == "a note of the user's own"


def test_zh_report_has_no_english_estimator_notes(example_evaluation, tmp_path):
    html = example_evaluation.render(tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    assert "standard errors: clustered" not in html
    assert "事前趋势检验" in html and "聚类" in html
    en = example_evaluation.render(tmp_path / "e.html", lang="en").read_text(encoding="utf-8")
    assert "standard errors: clustered" in en
