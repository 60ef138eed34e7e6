"""Estimator notes: keys with parameters, rendered through the one zh/en label catalogue."""

from __future__ import annotations

import string

import pytest

from evalkit.estimate.did import se_note
from evalkit.estimate.notes import TEXT, note
from evalkit.report.environment import load_labels
from evalkit.report.notes import note_record, render_note


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_has_a_catalogue_entry_with_the_same_fields(lang: str) -> None:
    labels = load_labels(lang)
    for key, english in TEXT.items():
        assert f"notes.{key}" in labels, f"notes.{key} missing from i18n/{lang}.yaml"
        assert _fields(labels[f"notes.{key}"]) == _fields(english), key


def _t(lang: str):  # the report's translator, without a template environment
    labels = load_labels(lang)

    def t(key: str, default: str | None = None, **values: object) -> str:
        return labels[key].format(**values) if key in labels else str(default)
    return t


def _label(lang: str):
    return lambda v: v[lang] if isinstance(v, dict) else v


def test_every_note_of_the_example_has_a_key(example_evaluation) -> None:
    notes = [n for r in example_evaluation.effects.values() for n in r.notes]
    notes += list(example_evaluation.details["disputes"]["event_study"].notes)
    assert len(notes) >= 6
    for n in notes:
        assert n.key in TEXT and str(n) == TEXT[n.key].format(**n.params)


@pytest.mark.parametrize(("kind", "fe_dof", "absorbed", "zh_part"), [
    ("classical", "nested", False, "经典（同方差）标准误"),
    ("robust", "nested", False, "异方差稳健标准误（HC1"),
    ("cluster", "all", True, "全部固定效应计入 K"),
    ("cluster", "nested", True, "嵌套于聚类内的固定效应不计入 K"),
])
def test_se_notes_render_in_chinese(kind, fe_dof, absorbed, zh_part) -> None:
    # issue 12: HC1, classical and fe_dof="all" notes stayed English in zh reports
    rec = note_record(se_note(kind, "firm", 37, fe_dof, absorbed))
    zh = render_note(rec, _t("zh"), _label("zh"), {"firm": {"zh": "企业编号", "en": "firm id"}})
    assert zh_part in zh and "standard errors" not in zh
    if kind == "cluster":
        assert "“企业编号”" in zh and "37 个聚类" in zh and "t(G−1)" in zh


def test_parameters_and_column_labels() -> None:
    rec = note_record(note("event.pretrend", k=11, p="0.5043"))
    assert render_note(rec, _t("zh"), _label("zh"), {}) == \
        "事前趋势检验（联合 Wald 检验，11 个事前系数均为 0）：p = 0.5043。"
    rec = note_record(note("did.unit_fe", unit="enterprise_id"))
    en = render_note(rec, _t("en"), _label("en"), {"enterprise_id": {"zh": "企业编号",
                                                                     "en": "Enterprise id"}})
    assert "“Enterprise id”" in en and "enterprise_id" not in en


def test_unknown_notes_are_printed_as_written() -> None:
    rec = note_record("a note of the user's own")
    assert rec["key"] is None
    assert render_note(rec, _t("zh"), _label("zh"), {}) == "a note of the user's own"
    with pytest.raises(KeyError):
        note("no.such.key")


def test_zh_report_has_no_english_estimator_notes(example_evaluation, tmp_path) -> None:
    html = example_evaluation.render(tmp_path / "r.html", lang="zh").read_text(encoding="utf-8")
    assert "standard errors" not in html and "enterprise_id" not in html
    assert "事前趋势检验" in html and "聚类" in html
    en = example_evaluation.render(tmp_path / "e.html", lang="en").read_text(encoding="utf-8")
    assert "Standard errors: clustered by “Enterprise id”" in en
