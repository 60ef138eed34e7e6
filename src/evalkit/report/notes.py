"""Estimator notes in the report's language, from the one label catalogue.

Estimators emit notes as :class:`evalkit.estimate.notes.Note`: a key and parameters (plain
data). The context keeps each note as ``{"key", "params", "text"}`` (``note_data``); rendering
looks ``notes.<key>`` up in ``templates/i18n/<lang>.yaml`` — for English as for Chinese — and
fills in the parameters. Parameters naming a data column (``cluster``, ``unit``, ``column``,
``treatment``) are replaced by the column's description in the project's data dictionary, so
that no raw column id reaches a report. A note without a key (a user's own text) is printed
as written.

To add a note, see :mod:`evalkit.estimate.notes` (key + English text there, ``notes.<key>`` in
both catalogues here).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["COLUMN_PARAMS", "VALUE_PARAMS", "localise_notes", "note_record", "render_note"]

#: note parameters that hold a data column's name (shown as its description)
COLUMN_PARAMS = frozenset({"cluster", "unit", "treatment", "column"})
#: note parameters that hold an option's value (``weights="rademacher"``, ``method="dr"``):
#: shown by ``note_params.<param>.<value>`` of the catalogue, never as the raw value
VALUE_PARAMS = frozenset({"weights", "method"})


def note_record(note: Any) -> dict[str, Any]:
    """A note as plain data: ``{"key": str | None, "params": {..}, "text": str}``."""
    params = getattr(note, "params", None)
    return {"key": getattr(note, "key", None),
            "params": {str(k): v for k, v in dict(params or {}).items()},
            "text": str(note)}


def render_note(rec: Mapping[str, Any], t: Callable[..., str], label: Callable[[Any], Any],
                columns: Mapping[str, Any]) -> str:
    """``rec`` (see :func:`note_record`) in the language of ``t``; a key without a catalogue
    entry, or a note without a key, prints its text."""
    key = rec.get("key")
    if not key:
        return str(rec.get("text", ""))
    params = {k: (label(columns[v]) if k in COLUMN_PARAMS and isinstance(v, str)
                  and v in columns
                  else t(f"note_params.{k}.{v}", default=str(v)) if k in VALUE_PARAMS
                  else v)
              for k, v in dict(rec.get("params") or {}).items()}
    return t(f"notes.{key}", default=str(rec.get("text", "")), **params)


def _render_all(records: Iterable[Mapping[str, Any]], t: Callable[..., str],
                label: Callable[[Any], Any], columns: Mapping[str, Any]) -> list[str]:
    return list(dict.fromkeys(render_note(r, t, label, columns) for r in records))


def _plain_words(effect: dict[str, Any], t: Callable[..., str]) -> None:
    """The method in plain words (``method.<key>``; the estimator's name goes to the methods
    appendix) and what the effect's n counts (``n_counts.<design>``)."""
    key = effect.get("method_key")
    if key:
        effect["method"] = t(f"method.{key}", default=str(effect.get("method", "")))
    effect["n_what"] = t(f"n_counts.{effect.get('design')}", default="")


def localise_notes(context: dict[str, Any], t: Callable[..., str],
                   label: Callable[[Any], Any]) -> None:
    """Render the notes a report context holds (per effect, its event study, the methods
    appendix) through the catalogue, in place: ``notes`` and ``method_notes`` become text in
    the report's language, ``method`` the method in plain words and ``n_what`` says what each
    effect's n counts."""
    columns = context.get("column_labels") or {}
    for effect in context.get("effects", []):
        _plain_words(effect, t)
        for other in [effect.get("event_study"), *effect.get("supporting", [])]:
            if isinstance(other, dict):
                _plain_words(other, t)
        if "note_data" in effect:
            effect["notes"] = _render_all(effect["note_data"], t, label, columns)
        study = effect.get("event_study")
        if isinstance(study, dict) and "note_data" in study:
            study["notes"] = _render_all(study["note_data"], t, label, columns)
    if "method_note_data" in context:
        context["method_notes"] = _render_all(context["method_note_data"], t, label, columns)
