"""The masker of personal values replaces exactly what one regular expression of every value
(longest first) replaced with ``re.sub``, as it did before it scanned with a set lookup."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable

from markupsafe import Markup

from evalkit.data.privacy import _PATTERNS, MASK, mask_text, masker


def _reference(values: Iterable[str]) -> Callable[[str], str]:
    """The former masker: one pattern ``value1|value2|…``, longest values first."""
    ordered = sorted({v for v in values if v}, key=len, reverse=True)
    known = re.compile("|".join(re.escape(v) for v in ordered)) if ordered else None

    def mask(text: str) -> str:
        if not text:
            return text
        if known is not None:
            text = known.sub(MASK, text)
        return _PATTERNS.sub(MASK, text)

    return mask


def test_longest_value_at_the_leftmost_position_wins() -> None:
    mask = masker({"张三", "张三丰", "三丰收", "13900001111"})
    assert mask("张三丰收了") == "***收了"
    assert mask("王张三说") == "王***说"
    assert mask("电话13900001111。") == "电话***。"
    assert mask_text("张三 13900001111, 110101199003071234", {"张三"}) == "*** ***, ***"


def test_markup_and_empty_texts_as_before() -> None:
    mask = masker({"ab"})
    assert mask("") == ""
    out = mask(Markup("xab<"))
    assert type(out) is str and out == "x***<"
    assert type(masker()(Markup("plain"))) is str


def test_same_as_one_pattern_of_every_value() -> None:
    rnd = random.Random(0)
    tail = " 13812345678 a.b@c.cn 110101199003071234"
    for trial in range(3000):
        # regex specials, wide and Arabic-Indic digits; every other trial mostly digits,
        # separators and "@" (phone, ID and e-mail shapes)
        alphabet = ("ab[]^-\\.*1２3@x张三李 ١" if trial % 2 else "0113456789-- +@.aX١２")
        values = {"".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 4)))
                  for _ in range(rnd.randint(0, 8))} | {""}
        ours, before = masker(values), _reference(values)
        chosen = sorted(values - {""})
        for _ in range(20):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40)))
            if chosen and rnd.random() < 0.3:
                text = rnd.choice(chosen) + text + rnd.choice(chosen)
            if rnd.random() < 0.1:
                text += tail
            for value in (text, Markup(text)):
                got, want = ours(value), before(value)
                assert got == want and type(got) is type(want), (values, value)


def test_number_and_email_shapes_as_one_pattern() -> None:
    """Texts built from pieces of phone, ID and e-mail shapes (Arabic-Indic and wide digits
    too) are masked as by the one pattern of every shape."""
    rnd = random.Random(7)
    pieces = ["138", "1234", "5678", "-", " ", "+86", "86", "0", "010", "12345678",
              "1101011990030712", "34", "X", "x", "a", "@", "b.cn", ".", "٣٤٥٦", "１２３４", "中"]
    mask, masked = masker(), 0
    for _ in range(20_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 10)))
        want = _PATTERNS.sub(MASK, text)
        assert mask(text) == want, text
        masked += want != text
    assert masked > 1000  # the shapes were found often
