"""Disclosure control for reports: suppress small cells, never show personal columns.

Two rules from the design hold in every report:

* no cell computed from fewer people than the project's ``privacy.disclosure_threshold``
  (default 5) is shown; it is replaced by the text ``"<5"`` (``"<k"`` for threshold ``k``);
* columns declared personal (``privacy.personal_columns`` or ``personal: true`` in the data
  documentation — names, phone numbers, ID numbers) are never rendered, and their values are
  masked if they appear inside free text.

The helpers take and return plain values or copies of DataFrames; inputs are never modified.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

# the spec's rule (which columns identify a person), re-exported for the report's ledger
from evalkit.model.privacy_rules import (
    PERSON_ID_COLUMNS,
    identifying_columns,
    person_id_columns,
)

if TYPE_CHECKING:
    import pandas as pd


__all__ = [
    "MASK",
    "PERSON_ID_COLUMNS",
    "drop_personal",
    "identifying_columns",
    "is_small",
    "mask_text",
    "person_id_columns",
    "personal_values",
    "redact_text",
    "small_cell",
    "suppress",
    "suppress_frame",
]

#: what replaces a personal value found inside free text
MASK = "***"

#: personal numbers typed into free text: mainland mobile numbers (with or without +86 and
#: separators), landlines with an area code, 18-digit resident ID numbers (15-digit old
#: ones too) and e-mail addresses
_NUMBER_SHAPES = (
    r"(?<![0-9A-Za-z])(?:"
    r"\d{17}[\dXx]|\d{15}"                                   # resident ID numbers
    r"|(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"              # mobile numbers
    r"|0\d{2,3}[- ]\d{7,8}"                                   # landlines 010-12345678
    r")(?![0-9A-Za-z])"
)
_PATTERNS = re.compile(
    _NUMBER_SHAPES
    + r"|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"       # e-mail addresses
)
#: ``_PATTERNS`` for a text without ``@`` (no e-mail address can match in it), and what
#: every match of it holds: four digits in a row (``\d`` as the patterns read one)
_NUMBER_PATTERNS = re.compile(_NUMBER_SHAPES)
_FOUR_DIGITS = re.compile(r"\d{4}")


def small_cell(threshold: int) -> str:
    """The text shown instead of a suppressed cell: ``"<5"`` for threshold 5."""
    return f"<{int(threshold)}"


def is_small(n: Any, threshold: int) -> bool:
    """True when a cell computed from ``n`` people must be suppressed (``0 < n < threshold``
    or ``n`` unknown but marked small). ``n == 0`` is an empty cell and has nothing to hide."""
    try:
        value = float(n)
    except (TypeError, ValueError):
        return False
    if not math.isfinite(value):
        return False
    return 0 < value < threshold


def suppress(value: Any, n: Any, threshold: int) -> Any:
    """``value`` unless it was computed from fewer than ``threshold`` people, else ``"<k"``.

    Examples
    --------
    >>> suppress(3.5, n=4, threshold=5)
    '<5'
    >>> suppress(3.5, n=12, threshold=5)
    3.5
    """
    return small_cell(threshold) if is_small(n, threshold) else value


def suppress_frame(
    frame: pd.DataFrame,
    *,
    n_column: str,
    value_columns: Sequence[str],
    threshold: int,
) -> pd.DataFrame:
    """Copy of ``frame`` with ``value_columns`` replaced by ``"<k"`` in rows where
    ``n_column`` is below ``threshold`` (the affected columns become object dtype).

    Parameters
    ----------
    frame
        A table with one count column (people behind each row).
    n_column
        Name of that count column.
    value_columns
        Columns computed from those people (means, rates, counts …).
    threshold
        The project's disclosure threshold.
    """
    out = frame.copy()
    if n_column not in out.columns:
        return out
    small = [is_small(n, threshold) for n in out[n_column].tolist()]
    for col in value_columns:
        if col not in out.columns:
            continue
        values = out[col].astype(object).tolist()
        out[col] = [small_cell(threshold) if s else v for v, s in zip(values, small, strict=True)]
        out[col] = out[col].astype(object)
    return out


def drop_personal(frame: pd.DataFrame, personal: Iterable[str]) -> pd.DataFrame:
    """Copy of ``frame`` without the personal columns."""
    hide = [c for c in frame.columns if c in set(personal)]
    return frame.drop(columns=hide)


def personal_values(tables: Mapping[str, pd.DataFrame], personal: Iterable[str]) -> set[str]:
    """Every distinct value (as text, at least 2 characters) of a personal column."""
    cols = set(personal)
    found: set[str] = set()
    for frame in tables.values():
        for col in cols & set(frame.columns):
            for value in frame[col].dropna().astype(str).unique().tolist():
                text = value.strip()
                if len(text) >= 2:
                    found.add(text)
    return found


def redact_text(text: str, values: Iterable[str]) -> str:
    """``text`` with any personal value (name, phone, ID number) replaced by ``***``.

    Longer values are replaced first so that an ID number is masked whole.
    """
    ordered = sorted({v for v in values if v}, key=len, reverse=True)
    if not ordered or not text:
        return text
    pattern = re.compile("|".join(re.escape(v) for v in ordered))
    return pattern.sub(MASK, text)


def masker(values: Iterable[str] = ()) -> Callable[[str], str]:
    """A function masking texts like :func:`mask_text`, with the values prepared once (a
    report masks thousands of texts against every personal value of the data)."""
    known = _literal_masker({v for v in values if v})

    def mask(text: str) -> str:
        if not text:
            return text
        if type(text) is not str:  # a str subclass (Markup) comes back as a plain str
            text = str.__str__(text)
        if known is not None:
            text = known(text)
        if "@" in text:
            return _PATTERNS.sub(MASK, text)
        # the same matches: without "@" only a number shape can match, and each has
        # four digits in a row
        return _NUMBER_PATTERNS.sub(MASK, text) if _FOUR_DIGITS.search(text) else text

    return mask


def _literal_masker(values: set[str]) -> Callable[[str], str] | None:
    """``text -> text`` replacing each of ``values`` found in it by ``***``, as the pattern
    ``value1|value2|…`` (longest values first) would with ``re.sub``: scanning from the left,
    the longest value starting at a position is replaced and the scan goes on after it.

    A set lookup per length at each position where some value could start, instead of a
    regular expression of every value: compiling that pattern took about 10 ms for the
    thousand-odd names, phone and ID numbers of a project, longer than the masking of all
    its report's texts, and it tries each value in turn at each position.
    """
    if not values:
        return None
    lengths = sorted({len(v) for v in values}, reverse=True)
    starts = re.compile("[" + "".join(re.escape(c) for c in sorted({v[0] for v in values}))
                        + "]")

    def replace(text: str) -> str:
        found = starts.search(text)
        if found is None:
            return text
        parts: list[str] = []
        done = 0  # text[:done] is written to parts
        while found is not None:
            at = found.start()
            end = at + 1
            for n in lengths:
                piece = text[at:at + n]
                if piece in values:
                    parts += (text[done:at], MASK)
                    done = end = at + len(piece)
                    break
            found = starts.search(text, end)
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    return replace


def mask_text(text: str, values: Iterable[str] = ()) -> str:
    """``text`` with personal values and personal-number patterns replaced by ``***``.

    Masks every value of a personal column found in ``values`` (see :func:`redact_text`)
    and, whatever the data, anything shaped like a mobile or landline phone number, a
    resident ID number or an e-mail address.

    Examples
    --------
    >>> mask_text("张三 13900001111, 110101199003071234", {"张三"})
    '*** ***, ***'
    """
    return masker(values)(text)
