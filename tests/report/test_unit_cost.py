"""Cost per output unit: zh writes "元/节" (the usual form); English units are written in the
plural ("26 sessions"), so "CNY/sessions" read wrong — the English cell gives the amount only
and the quantity column beside it names the unit."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("name", ["evaluation_en.html", "evaluation_en.md"])
def test_english_cost_per_unit_has_no_plural_unit(texts, name):
    text = texts[name]
    assert "11,195.8 CNY" in text  # I1: 291,090 CNY over 26 sessions
    assert not re.search(r"CNY/[A-Za-z]", text), re.search(r"CNY/\S+", text)


@pytest.mark.parametrize("name", ["evaluation_zh.html", "evaluation_zh.md"])
def test_chinese_cost_per_unit_names_the_unit(texts, name):
    assert "11,195.8 元/节" in texts[name]
    assert "1,548.4 元/人次" in texts[name]
