"""English reports name a Latin font before the CJK fonts (a CJK font draws “ ” · … ≥
full-width: in English text they looked like stray spaces); Chinese reports start with the
CJK font. The PDF is set from the same stylesheet."""

from __future__ import annotations

import re


def _stacks(html: str) -> list[str]:
    return re.findall(r"font-family:\s*([^;]+);", html)


def test_english_stylesheet_names_a_latin_font_first(texts):
    stacks = [s for s in _stacks(texts["evaluation_en.html"]) if "\"Noto Sans CJK SC\"" in s]
    assert stacks, "no body font stack found"
    for stack in stacks:
        assert stack.index('"Liberation Sans"') < stack.index('"Noto Sans CJK SC"'), stack


def test_chinese_stylesheet_starts_with_the_cjk_font(texts):
    stacks = [s for s in _stacks(texts["evaluation_zh.html"]) if "\"Noto Sans CJK SC\"" in s]
    assert stacks and all(s.lstrip().startswith('"Noto Sans CJK SC"') for s in stacks)
