"""Money in sentences: every amount a report prints carries its unit (issue 12).

One formatter for every sentence builder (acceptance, value for money, renewal) and the one
unit the report templates print after table amounts (``value.money``):

* zh: ``291,090 元``; en: ``291,090 CNY`` (the English reports' convention, as in
  ``meta.currency``); a project whose ``project.currency`` is another code prints that code in
  both languages (``1,200 HKD``).

Numbers follow :func:`plain_number`: thousands separated, at most two decimals.
"""

from __future__ import annotations

import math

__all__ = ["fmt_money", "money_unit", "plain_number"]

#: currency codes printed as 元 in Chinese and CNY in English
_YUAN = frozenset({"CNY", "RMB", ""})


def plain_number(x: float) -> str:
    """A number for a sentence: thousands separated, at most two decimals.

    >>> plain_number(291090.0), plain_number(1548.387), plain_number(float("nan"))
    ('291,090', '1,548.39', 'n/a')
    """
    if not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1e15:  # never a 300-digit number
        return f"{x:.3g}"
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def money_unit(currency: str | None, lang: str) -> str:
    """The unit after an amount: 元 / CNY, or the project's own currency code.

    >>> money_unit("CNY", "zh"), money_unit("CNY", "en"), money_unit("HKD", "zh")
    ('元', 'CNY', 'HKD')
    """
    code = (currency or "").upper()
    if code in _YUAN:
        return "元" if lang == "zh" else "CNY"
    return code


def fmt_money(x: float, lang: str, currency: str | None = "CNY", *,
              digits: int | None = None) -> str:
    """An amount with its unit, for a sentence: ``480 元`` / ``480 CNY``.

    ``digits`` rounds first (``digits=0``: whole yuan); without it :func:`plain_number`'s two
    decimals at most.

    >>> fmt_money(480.4, "zh", digits=0), fmt_money(11195.77, "en")
    ('480 元', '11,195.77 CNY')
    """
    value = round(x, digits) if digits is not None and math.isfinite(x) else x
    return f"{plain_number(value)} {money_unit(currency, lang)}"
