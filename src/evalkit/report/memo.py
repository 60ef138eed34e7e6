"""What one evaluation's reports share: computed once, reused by every format and language.

Rendering an evaluation as HTML and PDF, in Chinese and English, needs the same
language-neutral context and the same charts each time. :func:`memo` gives each
:class:`~evalkit.evaluation.Evaluation` its own store (kept beside it, dropped with it — the
evaluation itself is never changed); the report pipeline keeps the context there per report
type and template, the chart dispatch the drawn charts per language and image format.
Callers hand out copies, so a writer that adjusts its context never changes another's.
"""

from __future__ import annotations

import weakref
from typing import Any

__all__ = ["memo"]

#: id of a live evaluation -> its store (the entry is removed when the evaluation is freed)
_STORES: dict[int, dict[Any, Any]] = {}


def memo(evaluation: object) -> dict[Any, Any]:
    """The store of values computed from ``evaluation`` (created on first use; a fresh,
    unshared one for an object that cannot be weakly referenced)."""
    key = id(evaluation)
    store = _STORES.get(key)
    if store is None:
        try:
            weakref.finalize(evaluation, _STORES.pop, key, None)
        except TypeError:  # no weak references to it: nothing is kept
            return {}
        store = _STORES[key] = {}
    return store
