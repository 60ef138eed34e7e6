"""Disclosure control: one pass over the finished report context, before any template sees it.

:func:`build_context` converts the evaluation into plain data; :func:`disclose` is its last
step. It knows, for every section, how many people each number comes from (the
:class:`Ledger`, built from the evaluation itself, never guessed from the text):

* an indicator computed from a data source whose rows are people (it holds a personal or
  person-id column) has the ``n`` of its row; an indicator counting activities (a service
  log) counts no people and is never suppressed;
* an effect estimate has its ``n``; its data-quality details (attrition, baseline balance,
  reliability, reliable change, group means), its supporting analyses and everything derived
  from it elsewhere (renewal, value for money, SROI, scorecard points) inherit it;
* the value-for-money participant count is its own ``n``;
* the missing-data table of a people source has the rows of that source.

Rules, applied in this order:

1. **Small cells.** A number computed from ``0 < n < k`` people (``k`` =
   ``privacy.disclosure_threshold``) becomes ``"<k"`` wherever it appears: its own record,
   any record elsewhere that names it (``indicator_id``, ``indicator``, ``outcome_id``,
   ``source: "effect:<id>"`` …), and sentences (every rendering of the hidden number in a
   generated sentence is replaced). A suppressed effect loses its details, supporting
   analyses and event study; counts inside a shown effect (reliable-change categories,
   attrition by group, baseline groups, missing answers) are suppressed cell by cell.
2. **Complementary suppression.** Where the hidden cell could be worked out from a shown
   total — one category of a disaggregation or one period of an indicator, one
   reliable-change category, one of two attrition groups — the next-smallest cell of the
   same group is suppressed too, so that at least two cells are hidden. Totals derived from
   a hidden part (the scorecard total and the subtotals above a hidden node, the SROI ratio
   built from a hidden effect) are hidden with it. Verdicts, grades and recommendations stay.
3. **Personal values.** Every text in the context is masked: values of personal columns
   found in the data, and anything shaped like a phone number, resident ID number or e-mail
   address become ``***``. A breakdown by a personal or person-id column is removed.

The pass returns a new context; the input is not modified. See ``docs/privacy.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

from evalkit.report.ledger import (
    INDICATOR_KEYS,
    SPEC_KEYS,
    Ledger,
    collect,
    is_number,
    ledger,
    renderings,
)

if TYPE_CHECKING:
    from evalkit.evaluation import Evaluation

__all__ = ["Ledger", "disclose", "ledger"]

#: top-level sections whose texts come from the specification only
_SPEC_SECTIONS = frozenset({"project", "logic_model", "stamp", "privacy", "report", "designs"})
#: text fields that name things (never generated sentences with numbers)
_NAME_KEYS = frozenset({"id", "name", "name_zh", "name_en", "indicator_id", "outcome_id",
                        "node_id", "criterion_id", "parent_id", "source", "file", "files",
                        "method", "unit", "unit_zh", "unit_en", "period", "period_start",
                        "period_end", "created", "sha256"})
#: values the last walk returns as they are (numbers, flags, None)
_ATOMS = frozenset({int, float, bool, type(None)})
#: a number in a sentence (not part of a word, a date, a time or an id such as C2 or 3/5)
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.\-/:])[+\-−]?\d[\d,]*(?:\.\d+)?(?![A-Za-z0-9_\-/:])")


def _blank(rec: dict[str, Any], book: Ledger, keys: Any = None) -> dict[str, Any]:
    """Copy of ``rec`` with its numbers (all but specification fields, or ``keys``)
    replaced by ``"<k"``; lists of numbers (a confidence interval) too. An SROI factor
    record keeps its assumptions: only its quantity comes from the data."""
    out = dict(rec)
    if "factor" in rec and rec.get("factor") != "quantity":
        return out
    for key, value in rec.items():
        if keys is not None and key not in keys:
            continue
        if keys is None and key in SPEC_KEYS:
            continue
        if is_number(value) or (isinstance(value, list) and value and all(is_number(v) or v is None for v in value)):
            out[key] = book.hidden
    out["suppressed"] = True
    return out


def _reference(rec: Mapping[str, Any], book: Ledger) -> bool:
    """Does this record report a figure the ledger hides?"""
    source = rec.get("source")
    if isinstance(source, str) and ":" in source:
        kind, _, ident = source.partition(":")
        if kind == "effect" and ident in book.effects:
            return True
        if kind == "indicator" and "total" in book.indicators.get(ident, set()):
            return True
    for key in ("outcome_id", "effect"):
        if isinstance(rec.get(key), str) and rec[key] in book.effects:
            return True
    for key in ("indicator_id", "indicator"):
        found = rec.get(key)
        if isinstance(found, str) and found in book.indicators:
            periods = book.indicators[found]
            if "total" in periods or str(rec.get("period")) in periods:
                return True
    return False


def _hide_smallest(cells: list[dict[str, Any]], book: Ledger,
                   keys: tuple[str, ...] = INDICATOR_KEYS) -> None:
    """Complementary suppression: when exactly one cell of a group is hidden, hide the
    shown cell with the smallest ``n`` as well (in place, on copies made by the caller)."""
    hidden = [c for c in cells if c.get("suppressed")]
    shown = [c for c in cells if not c.get("suppressed") and is_number(c.get("n"))]
    if len(hidden) == 1 and shown:
        victim = min(shown, key=lambda c: float(c["n"]))
        victim.update(_blank(victim, book, keys))


def _indicator(rec: dict[str, Any], book: Ledger) -> dict[str, Any]:
    rec = dict(rec)
    breakdown = [dict(b) for b in rec.get("breakdown") or []
                 if str(b.get("disaggregation")) not in book.identifying]
    groups: dict[str, list[dict[str, Any]]] = {}
    for cell in breakdown:
        groups.setdefault(f"{cell.get('disaggregation')}|{cell.get('period')}", []).append(cell)
    for cells in groups.values():
        _hide_smallest(cells, book)
    periods = [dict(p) for p in rec.get("periods") or []]
    if not rec.get("suppressed"):
        _hide_smallest(periods, book)
    rec["breakdown"], rec["periods"] = breakdown, periods
    rec["by_period"] = {str(p.get("period")): p for p in periods}
    return rec


def _counts(counts: Mapping[str, Any], shares: Mapping[str, Any] | None,
            book: Ledger) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Category counts that add up to a shown total: small ones hidden, plus the next
    smallest when only one would be hidden."""
    counts = dict(counts)
    small = [k for k, v in counts.items() if is_number(v) and book.small(v)]
    rest = sorted((k for k, v in counts.items() if is_number(v) and k not in small and v > 0),
                  key=lambda k: float(counts[k]))
    if len(small) == 1 and rest:
        small.append(rest[0])
    shares = dict(shares) if shares is not None else None
    for k in small:
        counts[k] = book.hidden
        if shares is not None and k in shares:
            shares[k] = book.hidden
    return counts, shares


def _is_table(value: Any) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping) and isinstance(value.get("records"), list)


def _hide(value: Any, book: Ledger) -> Any:
    """``"<k"`` for a number or a printed share/interval; the number is remembered so that no
    sentence repeats it."""
    if is_number(value):
        book.keep(value)
        return book.hidden
    if isinstance(value, str) and any(ch.isdigit() for ch in value):
        return book.hidden
    return value


def _readable_details(out: dict[str, Any], book: Ledger) -> dict[str, Any]:
    """The disclosure rules on the readable tables of the data-quality block
    (:func:`evalkit.report.quality.readable_details`): ``{columns, records}``."""
    rci = out.get("rci")
    if _is_table(rci):
        rows = [dict(r) for r in rci["records"]]
        cells = {str(r["category"]): r.get("people") for r in rows if r.get("category") != "total"}
        counts, _ = _counts(cells, None, book)
        for r in rows:
            key = str(r.get("category"))
            if key in counts and counts[key] == book.hidden:
                book.keep(r.get("people"))
                r["people"] = book.hidden
                r["people_share"] = _hide(r.get("people_share"), book)
        out["rci"] = {**rci, "records": rows}
    sample = out.get("sample")
    if _is_table(sample):
        rows = [dict(r) for r in sample["records"]]
        counted = ("registered", "valid_pre", "valid_post", "analysed")
        groups = [c for c in sample.get("columns", []) if c != "stage"]
        small = [g for g in groups if any(r.get("stage") in counted and book.small(r.get(g))
                                          for r in rows)]
        for r in rows:
            for g in groups:
                if g in small or (small and r.get("stage") in ("overall_attrition",
                                                                "differential_attrition")):
                    r[g] = _hide(r.get(g), book)
        out["sample"] = {**sample, "records": rows}
    for key, n_items in (("baseline", ("n_treated", "n_control")), ("reliability", ("n_people",))):
        block = out.get(key)
        if _is_table(block) and any(r.get("item") in n_items and book.small(r.get("value"))
                                    for r in block["records"]):
            out[key] = {**block, "records": [{**r, "value": _hide(r.get("value"), book)}
                                             for r in block["records"]]}
            if key == "reliability":
                out.pop("reliability_items", None)
    means = out.get("means")
    if _is_table(means) and "n_valid" in means.get("columns", []):
        rows = []
        for r in means["records"]:
            if book.small(r.get("n_valid")):
                r = {k: (_hide(v, book) if k not in ("wave", "group") else v)
                     for k, v in r.items()}
            rows.append(r)
        out["means"] = {**means, "records": rows}
    return out


def _details(details: Mapping[str, Any], book: Ledger) -> dict[str, Any]:
    out = _readable_details(dict(details), book)
    rci = out.get("rci")
    if isinstance(rci, Mapping) and isinstance(rci.get("counts"), Mapping):
        counts, shares = _counts(rci["counts"], rci.get("shares"), book)
        out["rci"] = {**rci, "counts": counts, "shares": shares}
    attrition = out.get("attrition")
    if isinstance(attrition, Mapping) and isinstance(attrition.get("by_group"), Mapping):
        groups = attrition["by_group"]
        if any(isinstance(g, Mapping) and (book.small(g.get("n_start")) or
                                           book.small(g.get("n_end")))
               for g in groups.values()):
            out["attrition"] = {**_blank(dict(attrition), book, ("differential",)),
                                "by_group": {k: _blank(dict(g), book)
                                             for k, g in groups.items()}}
    baseline = out.get("baseline")
    if isinstance(baseline, Mapping) and (book.small(baseline.get("n_treated")) or
                                          book.small(baseline.get("n_control"))):
        out["baseline"] = _blank(dict(baseline), book)
    reliability = out.get("reliability")
    if isinstance(reliability, Mapping) and book.small(reliability.get("n")):
        out["reliability"] = {**_blank(dict(reliability), book), "item_total": None}
    return out


def _effect(rec: dict[str, Any], book: Ledger) -> dict[str, Any]:
    rec = dict(rec)
    if rec.get("suppressed") or rec.get("id") in book.effects:
        collect(rec.get("details"), book)
        for key in ("estimate", "se", "ci", "pvalue", "statistic", "effect_size", "n"):
            if key in rec:
                rec[key] = book.hidden
        rec.update(details={}, supporting=[], suppressed=True, significant=False, mde=None,
                   sentence={"zh": "", "en": ""}, table={"columns": [], "records": []})
        if rec.get("event_study") is not None:
            rec["event_study"] = {**rec["event_study"], "suppressed": True}
        return rec
    rec["details"] = _details(rec.get("details") or {}, book)
    if book.small(rec.get("n_dropped")):
        rec["n_dropped"] = book.hidden
        rec["dropped"] = {}
    return rec


def _missing(rows: list[dict[str, Any]], book: Ledger) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        row = dict(row)
        if row.get("source") in book.people_sources:
            if book.small(row.get("rows")):
                row = _blank(row, book, ("rows",))
                row["columns"] = [_blank(dict(c), book) for c in row.get("columns") or []]
            else:
                row["columns"] = [_blank(dict(c), book) if book.small(c.get("missing"))
                                  else c for c in row.get("columns") or []]
        out.append(row)
    return out


def _nodes(records: list[Any], book: Ledger) -> tuple[list[Any], bool]:
    """Scorecard nodes: those scored from a hidden figure and every node above them."""
    nodes = [dict(n) if isinstance(n, Mapping) else n for n in records]
    by_id = {n.get("id") or n.get("node_id"): n for n in nodes if isinstance(n, dict)}
    chain: set[Any] = set()
    for node in (n for n in nodes if isinstance(n, dict) and _reference(n, book)):
        current: Any = node
        while current is not None and (current.get("id") or current.get("node_id")) not in chain:
            chain.add(current.get("id") or current.get("node_id"))
            current = by_id.get(current.get("parent_id"))
    out = [_blank(n, book) if isinstance(n, dict) and (n.get("id") or n.get("node_id")) in chain
           else n for n in nodes]
    return out, bool(chain)


def _scorecard(card: dict[str, Any], book: Ledger) -> dict[str, Any]:
    """Nodes scored from a hidden figure lose their points, and so do the nodes above them
    and the total (which would reveal them); the grade stays."""
    out = dict(card)
    hidden = False
    for holder in (out, out.get("raw"), out.get("table")):
        if not isinstance(holder, dict):
            continue
        for key in ("nodes", "records"):
            nodes = holder.get(key)
            if isinstance(nodes, Mapping) and isinstance(nodes.get("records"), list):
                records, found = _nodes(nodes["records"], book)
                holder[key] = {**nodes, "records": records}
                hidden |= found
            elif isinstance(nodes, list):
                holder[key], found = _nodes(nodes, book)
                hidden |= found
    if hidden:
        for holder in (out, out.get("raw")):
            if isinstance(holder, dict):
                holder["total"] = book.hidden
                if isinstance(holder.get("roles"), Mapping):
                    holder["roles"] = {k: book.hidden for k in holder["roles"]}
                if "grade_uncapped" in holder:
                    holder["grade_uncapped"] = None
    return out


_SROI_TOTALS = ("ratio", "net", "pv", "payback_years", "payback_months_simple")


def _value(value: dict[str, Any], book: Ledger, alternative: str | None) -> dict[str, Any]:
    """Participant counts and everything built on a hidden effect (SROI totals and their
    sensitivity analysis, the cost-effectiveness comparison)."""
    value = dict(value)
    for holder in (value, value.get("raw")):
        if not isinstance(holder, dict):
            continue
        if book.small(holder.get("participants")):
            holder.update(participants=book.hidden, cost_per_participant=book.hidden)
        sroi = holder.get("sroi")
        if isinstance(sroi, Mapping):
            factors = sroi.get("factors") or []
            if isinstance(factors, Mapping):
                factors = factors.get("records") or []
            if any(isinstance(f, Mapping) and f.get("outcome_id") in book.effects
                   for f in factors):
                hidden = _blank(dict(sroi), book, _SROI_TOTALS)
                for key in ("sensitivity", "scenarios"):
                    if key in hidden:
                        hidden[key] = None
                holder["sroi"] = hidden
        if alternative in book.effects and isinstance(holder.get("icer"), Mapping):
            holder["icer"] = _blank(dict(holder["icer"]), book)
    return value


def _unreferenced(rec: dict[str, Any], book: Ledger) -> dict[str, Any]:
    """``rec``, or a blanked copy of it (numbers and sentence cleared) when it names a hidden
    figure and is not suppressed already."""
    if _reference(rec, book) and not rec.get("suppressed"):
        rec = _blank(rec, book)
        if "sentence" in rec:
            rec["sentence"] = {"zh": "", "en": ""}
    return rec


class _Final:
    """The last walk of the pass, over the whole context: every record naming a hidden
    figure (``indicator_id``, ``outcome_id``, ``source: "effect:<id>"`` …) loses its numbers,
    then every text (keys included) is masked (personal values, phone / ID numbers) and,
    outside the specification's own texts and the naming fields, cleared of every rendering
    of a hidden number.

    Why one walk applies exactly the rules of the two walks it replaces (the first blanking
    records over the whole context, the second masking and scrubbing the texts of its
    result):

    * at each record the blanking rule is applied first and the record's own items are then
      walked, so every text is masked and scrubbed as it stands after blanking (a ``"<k"``
      written by the blanking included), as the second walk saw it;
    * the blanking rule of a record reads only that record and the ledger's hidden
      indicators and effects, and the text rule only the text, the field it is under and the
      ledger's renderings; the walk changes none of these (blanking replaces numbers by
      ``"<k"`` without adding to the ledger's numbers), so the renderings can be computed
      before it and no record depends on the order in which others were visited;
    * a text's result depends only on the text and on whether it is scrubbed (the masking
      and the renderings are fixed for the walk), so it is computed once per distinct text
      (``str`` only: a ``Markup`` keeps its own type, as before) and reused;
    * types are handled as before: mappings become dicts, lists and tuples lists, anything
      else is returned unchanged.
    """

    def __init__(self, book: Ledger) -> None:
        self.book = book
        self.mask = book.mask
        #: masked key of each key seen, masked (and scrubbed) result of each text seen
        self.keys: dict[Any, str] = {}
        self.masked: dict[str, str] = {}
        self.scrubbed: dict[str, str] = {}

    def value(self, obj: Any, scrub: bool, key: str) -> Any:
        """``obj`` (found under field ``key``) with the rules applied."""
        kind = type(obj)
        if kind is str:
            return self.text(obj, scrub and key not in _NAME_KEYS)
        if kind is dict:
            return self.record(obj, scrub, key)
        if kind is list:
            return [self.value(v, scrub, key) for v in obj]
        if isinstance(obj, str):  # a str subclass (Markup): not cached, its own type kept
            text = self.mask(obj)
            return _scrub(text, self.book) if scrub and key not in _NAME_KEYS else text
        if isinstance(obj, Mapping):
            return self.record(dict(obj), scrub, key)
        if isinstance(obj, list | tuple):
            return [self.value(v, scrub, key) for v in obj]
        return obj

    def text(self, text: str, scrub: bool) -> str:
        cache = self.scrubbed if scrub else self.masked
        out = cache.get(text)
        if out is None:
            out = self.mask(text)
            if scrub:
                out = _scrub(out, self.book)
            cache[text] = out
        return out

    def record(self, rec: dict[str, Any], scrub: bool, key: str) -> dict[str, Any]:
        """A record: blanked when it names a hidden figure, then its keys masked and its
        values walked (under their own key, or the naming field ``key`` they belong to)."""
        rec = _unreferenced(rec, self.book)
        keys, done_masked, done_scrubbed = self.keys, self.masked, self.scrubbed
        named = key in _NAME_KEYS
        out = {}
        for k, v in rec.items():
            if type(k) is str:
                masked = keys.get(k)
                if masked is None:
                    masked = keys[k] = self.mask(k)
                field = key if named else k
            else:
                masked = self.mask(str(k))
                field = key if named else str(k)
            kind = type(v)
            if kind is str:  # the most common values: a text seen before is looked up here
                scrubbed = scrub and field not in _NAME_KEYS
                found = (done_scrubbed if scrubbed else done_masked).get(v)
                out[masked] = found if found is not None else self.text(v, scrubbed)
            elif kind in _ATOMS:
                out[masked] = v
            else:
                out[masked] = self.value(v, scrub, field)
        return out


#: a digit as ``_NUMBER`` reads one (it finds nothing in a text without one)
_DIGIT = re.compile(r"\d")


def _scrub(text: str, book: Ledger) -> str:
    found = book.renderings
    if not found or not _DIGIT.search(text):
        return text

    def swap(m: re.Match[str]) -> str:
        token = m.group(0).lstrip("+-−")
        return book.hidden if token in found else m.group(0)

    return _NUMBER.sub(swap, text)


def disclose(context: Mapping[str, Any], evaluation: Evaluation) -> dict[str, Any]:
    """The context with every disclosure rule applied (see the module docstring).

    Parameters
    ----------
    context
        The context built by :func:`evalkit.report.context.build_context` (not modified).
    evaluation
        The evaluation it was built from (the ledger of who is behind each number).

    Returns
    -------
    dict
        A new context; every later step (summary, charts, templates, writers) reads it.
    """
    book = ledger(evaluation)
    ctx = dict(context)
    ctx["indicators"] = [_indicator(r, book) for r in ctx.get("indicators") or []]
    ctx["effects"] = [_effect(e, book) for e in ctx.get("effects") or []]
    book.effects |= {str(e.get("id")) for e in ctx["effects"] if e.get("suppressed")}
    ctx["missing"] = _missing(list(ctx.get("missing") or []), book)
    if isinstance(ctx.get("scorecard"), Mapping):
        ctx["scorecard"] = _scorecard(dict(ctx["scorecard"]), book)
    if isinstance(ctx.get("value"), Mapping):
        spec = getattr(evaluation.project, "value", None)
        alternative = getattr(getattr(spec, "alternative", None), "outcome", None)
        ctx["value"] = _value(dict(ctx["value"]), book, alternative)
    charts = ctx.pop("charts", {})
    book.renderings = frozenset(renderings(book))  # the walk adds no number: see _Final
    walk = _Final(book)
    # the sections: their names are not masked, their texts scrubbed unless the
    # specification's own (and, as a section is under no field, under field "")
    out: dict[str, Any] = {key: walk.value(value, key not in _SPEC_SECTIONS, "")
                           for key, value in _unreferenced(ctx, book).items()}
    out["charts"] = charts
    return out
