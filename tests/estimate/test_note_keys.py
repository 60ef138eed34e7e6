"""Issue 12: every note an estimator can emit is a catalogue key with parameters (rendered in
zh and en through templates/i18n), never English prose — a zh report never shows an English
note. Checked two ways: statically (no estimator puts a string literal, f-string or string sum
into its notes, and every key it names is in the catalogues) and by running the estimators
whose notes were plain strings (weights=, ek.its, ek.synth, subgroup DiD)."""

from __future__ import annotations

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.estimate.notes import TEXT, Note
from evalkit.report.environment import load_labels
from evalkit.report.notes import note_record, render_note

ESTIMATE = Path(ek.__file__).parent / "estimate"
_STRINGS = (ast.JoinedStr, ast.BinOp)


def _is_text(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or \
        isinstance(node, _STRINGS)


def _notes_target(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id.endswith("notes")


def _plain_notes(tree: ast.AST) -> list[int]:
    """Line numbers where a string (not a note) goes into a ``*notes`` list."""
    bad: list[int] = []
    for func in ast.walk(tree):
        if not isinstance(func, ast.FunctionDef):
            continue
        text_names = {t.id for n in ast.walk(func) if isinstance(n, ast.Assign)
                      and _is_text(n.value) for t in n.targets if isinstance(t, ast.Name)}
        for n in ast.walk(func):
            items: list[ast.AST] = []
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) \
                    and _notes_target(n.func.value) and n.func.attr in ("append", "insert"):
                items = [n.args[-1]]
            elif isinstance(n, ast.Assign | ast.AnnAssign):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                if any(_notes_target(t) for t in targets) and isinstance(n.value, ast.List):
                    items = list(n.value.elts)
            bad += [n.lineno for x in items if _is_text(x)
                    or (isinstance(x, ast.Name) and x.id in text_names)]
    return bad


def _keys(tree: ast.AST) -> list[str]:
    """Keys of ``note("...")`` calls; an f-string key gives a regular expression."""
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "note" \
                and n.args:
            arg = n.args[0]
            if isinstance(arg, ast.Constant):
                out.append(re.escape(str(arg.value)))
            elif isinstance(arg, ast.JoinedStr):
                out.append("".join(re.escape(str(v.value)) if isinstance(v, ast.Constant)
                                   else r"\w+" for v in arg.values))
    return out


def test_static_no_estimator_notes_plain_english() -> None:
    found = {}
    for path in sorted(ESTIMATE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if bad := _plain_notes(tree):
            found[path.name] = bad
    assert not found, f"plain-string notes (use note(key, ...)): {found}"


def test_scan_finds_a_plain_note() -> None:
    src = ("def f(x):\n    notes = ['a']\n    msg = f'b {x}'\n    notes.append(msg)\n"
           "    notes.insert(0, 'c' + x)\n    notes.append(note('k'))\n")
    assert _plain_notes(ast.parse(src)) == [2, 4, 5]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_key_an_estimator_names_is_in_both_catalogues(lang: str) -> None:
    labels = load_labels(lang)
    for path in sorted(ESTIMATE.glob("*.py")):
        for key in _keys(ast.parse(path.read_text(encoding="utf-8"))):
            matches = [k for k in TEXT if re.fullmatch(key, k)]
            assert matches, (path.name, key)
            for k in matches:
                assert f"notes.{k}" in labels, (path.name, k, lang)


def _zh(notes: tuple[str, ...], columns: dict[str, dict[str, str]] | None = None) -> list[str]:
    labels = load_labels("zh")

    def t(key: str, default: str | None = None, **values: object) -> str:
        return labels[key].format(**values) if key in labels else str(default)

    out = []
    for n in notes:
        assert isinstance(n, Note) and n.key in TEXT, n
        out.append(render_note(note_record(n), t, lambda v: v["zh"], columns or {}))
    return out


def _no_english(texts: list[str]) -> None:
    for text in texts:
        words = re.findall(r"[A-Za-z]{4,}", text)
        allowed = {"Newey", "West", "Bartlett", "Ljung", "Arkhangelsky", "Stata", "mean",
                   "pweight", "Wald"}
        assert not set(words) - allowed, text


def test_weighted_estimates_notes_render_in_chinese() -> None:
    rng = np.random.default_rng(1)
    n = 40
    df = pd.DataFrame({"id": np.repeat(np.arange(n), 2), "wave": ["pre", "post"] * n,
                       "y": rng.normal(3, 1, 2 * n), "w": np.repeat(rng.uniform(0.5, 2, n), 2)})
    r = ek.prepost(df, "y", unit="id", time="wave", pre="pre", post="post", weights="w")
    zh = _zh(r.notes, {"w": {"zh": "抽样权重", "en": "sampling weight"}})
    assert any("“抽样权重”列加权" in z for z in zh), zh
    assert any("t(39)" in z for z in zh), zh
    _no_english(zh)


def test_its_and_synth_notes_render_in_chinese() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(1, 9)
    series = pd.DataFrame({"m": t, "v": 10 + 0.5 * t + 3 * (t >= 5) + rng.normal(0, 0.3, 8)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ek.its(series, "v", "m", start=5)
    zh = _zh(r.notes)
    assert any("前 4 期、开始后 4 期" in z for z in zh), zh  # short series
    assert any("Newey-West" in z and "t(4)" in z for z in zh), zh
    _no_english(zh)

    units, years = 6, 8
    panel = pd.DataFrame([(u, y, float(u + y + (2 if u == 0 and y >= 6 else 0))
                           + rng.normal(0, 0.1), int(u == 0 and y >= 6))
                          for u in range(units) for y in range(years)],
                         columns=["unit", "t", "y", "d"])
    s = ek.synth(panel, "y", "unit", "t", "d", se="placebo", reps=5, seed=1,
                 placebo_in_space=False)
    zh = _zh(s.notes)
    assert any("服务单位 1 个，对照（供体）单位 5 个" in z for z in zh), zh
    assert any("安慰剂法" in z and "重复 5 次" in z for z in zh), zh
    _no_english(zh)
