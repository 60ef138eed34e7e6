"""A project's effects on their way from a portfolio worker to the caller.

A worker's :class:`~evalkit.portfolio.ProjectRun` is pickled in the worker and unpickled by
the caller while the other workers are still evaluating. Unpickling an
:class:`~evalkit.estimate.results.EffectResult` rebuilds its tables (about 0.2 ms each, 0.7 ms
for a project of the example), so a round of 1,000 projects took about a second of the
caller's CPU from the workers — for results a portfolio only reads a few numbers of. A run
therefore travels with its effects packed (:class:`PackedEffects`): the numbers the portfolio
reads (:func:`effect_numbers`) as plain values, the results themselves as pickled bytes,
unpickled on first use.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalkit.estimate.results import EffectResult

__all__ = ["PackedEffects", "effect_numbers", "numbers_of", "packed"]


def effect_numbers(result: EffectResult) -> dict[str, Any]:
    """What a portfolio reads of one effect (the columns of ``Portfolio.effects()``)."""
    return {"estimate": result.estimate, "std_error": float(result.se),
            "conf_low": result.ci[0], "conf_high": result.ci[1], "n": result.n,
            "design": result.design, "evidence_level": result.evidence_level,
            "method": result.method}


class PackedEffects(Mapping[str, "EffectResult"]):
    """A project's effects by key, as a worker sent them: their :func:`effect_numbers` at
    hand, the :class:`EffectResult` objects unpickled when one is first asked for."""

    __slots__ = ("_blob", "_numbers", "_results")

    def __init__(self, blob: bytes, numbers: dict[str, dict[str, Any]]) -> None:
        self._blob = blob
        self._numbers = numbers
        self._results: dict[str, EffectResult] | None = None

    @property
    def numbers(self) -> dict[str, dict[str, Any]]:
        """:func:`effect_numbers` of every effect, in the order of the effects."""
        return self._numbers

    def _loaded(self) -> dict[str, EffectResult]:
        if self._results is None:
            self._results = pickle.loads(self._blob)  # bytes from the round's own worker
        return self._results

    def __getitem__(self, key: str) -> EffectResult:
        return self._loaded()[key]

    def __contains__(self, key: object) -> bool:
        return key in self._numbers

    def __iter__(self) -> Iterator[str]:
        return iter(self._numbers)

    def __len__(self) -> int:
        return len(self._numbers)

    def __repr__(self) -> str:
        return repr(self._loaded())

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedEffects, (self._blob, self._numbers))


def packed(effects: Mapping[str, EffectResult]) -> PackedEffects:
    """``effects`` packed for the way to the caller (as they are, when already packed)."""
    if isinstance(effects, PackedEffects):
        return effects
    results = dict(effects)
    return PackedEffects(pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL),
                         {key: effect_numbers(r) for key, r in results.items()})


def numbers_of(effects: Mapping[str, EffectResult]) -> dict[str, dict[str, Any]]:
    """:func:`effect_numbers` of every effect, without unpickling packed ones."""
    if isinstance(effects, PackedEffects):
        return effects.numbers
    return {key: effect_numbers(r) for key, r in effects.items()}
