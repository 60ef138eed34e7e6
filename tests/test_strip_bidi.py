"""strip_bidi_deep: its fast paths for plain str, dict and list give what the general
checks give, for every kind of value a context can hold."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from typing import Any

from markupsafe import Markup

from evalkit._text import strip_bidi, strip_bidi_deep

RLO = "\u202e"


def _general(value: Any) -> Any:
    """strip_bidi_deep with the general checks only (as before its fast paths)."""
    if isinstance(value, str):
        return strip_bidi(value)
    if isinstance(value, dict):
        return {_general(k): _general(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_general(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_general(v) for v in value)
    return value


def _same(a: Any, b: Any) -> None:
    assert type(a) is type(b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, list | tuple) and not hasattr(a, "_fields"):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    else:
        assert a == b or (a != a and b != b)


def test_fast_paths_as_the_general_checks() -> None:
    import numpy as np

    pair = namedtuple("pair", "a b")
    context = {
        "plain": "ascii only", "zh": f"职工{RLO}幸福感", f"k{RLO}ey": [f"a{RLO}b", 1, 2.5, None,
                                                                      True, ("x", f"y{RLO}")],
        "markup": Markup(f"<b>{RLO}x</b>"), "clean_markup": Markup("<i>ok</i>"),
        "nested": OrderedDict([(f"o{RLO}", {"deep": [f"{RLO}", {"n": np.float64("nan")}]})]),
        "named": pair(f"a{RLO}", "b"), 3: "int key", None: float("nan"),
        "numpy": np.int64(4), "bytes": b"\xe2\x80\xae",
        "collide": {f"a{RLO}": 1, "a": 2},
    }
    out = strip_bidi_deep(context)
    _same(out, _general(context))
    assert out["zh"] == "职工幸福感" and out["key"][0] == "ab"
    assert type(out["markup"]) is Markup and out["markup"] == Markup("<b>x</b>")
    assert out["collide"] == {"a": 2}
    assert context["zh"] == f"职工{RLO}幸福感"  # the input is not modified


def test_copies_every_container() -> None:
    context = {"a": {"b": ["c"]}}
    out = strip_bidi_deep(context)
    assert out == context and out is not context
    assert out["a"] is not context["a"] and out["a"]["b"] is not context["a"]["b"]
