"""Needs–service match: do the services delivered follow the needs workers reported?

A needs survey gives counts ``n_c`` of workers naming need category ``c``; the service log gives
counts ``s_c`` of services delivered in the same categories. With need shares ``p_c = n_c / Σn``
and service shares ``q_c = s_c / Σs`` over the union of categories:

* mismatch index = total-variation distance ``TV = ½ Σ_c |p_c − q_c|`` in [0, 1]: the share of
  service volume that would have to move to another category for services to follow needs
  exactly (0 = perfect match, 1 = services only where nobody asked);
* top-k needs served = (number of the k most-named needs with at least one service) / k; ties in
  the ranking are broken by category name;
* top-k service share = ``Σ_{c in top k} q_c``: share of service volume going to the top needs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evalkit.errors import DataError, SpecError

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

__all__ = ["NeedsMatchResult", "needs_match"]


@dataclass(frozen=True)
class NeedsMatchResult:
    """How well services follow needs (immutable).

    Attributes
    ----------
    table
        One row per category: ``category``, ``needs``, ``need_share``, ``services``,
        ``service_share``, ``gap`` (service_share − need_share), ``need_rank`` (1 = most named),
        ``top`` (in the top k).
    top_k, top_served, top_service_share, mismatch
        k, share of the top-k needs with any service, share of services going to them, TV.
    unserved_top
        Top-k categories with no service.
    """

    table: pd.DataFrame
    top_k: int
    top_served: float
    top_service_share: float
    mismatch: float
    unserved_top: tuple[str, ...]

    def to_frame(self) -> pd.DataFrame:
        """The per-category table (a copy)."""
        return self.table.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain data."""
        return {"top_k": self.top_k, "top_served": self.top_served,
                "top_service_share": self.top_service_share, "mismatch": self.mismatch,
                "unserved_top": list(self.unserved_top),
                "table": self.table.to_dict(orient="records")}


def _counts(obj: Mapping[str, float] | pd.Series, what: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, val in dict(obj).items():
        try:
            v = float(val)
        except (TypeError, ValueError) as exc:
            raise DataError(f"{what}: count for {key!r} is not a number ({val!r})") from exc
        if not math.isfinite(v) or v < 0:
            raise DataError(f"{what}: count for {key!r} must be a non-negative number, got {val!r}",
                            hint="counts are numbers of workers or of services")
        out[str(key)] = out.get(str(key), 0.0) + v
    if sum(out.values()) <= 0:
        raise DataError(f"{what}: no counts (total is 0)",
                        hint="the needs survey and the service log must each have records")
    return out


def needs_match(
    needs: Mapping[str, float] | pd.Series,
    services: Mapping[str, float] | pd.Series,
    *,
    top_k: int = 3,
) -> NeedsMatchResult:
    """Compare the distribution of needs with the distribution of services.

    Parameters
    ----------
    needs
        Category -> number of respondents naming it (e.g. ``survey["need"].value_counts()``).
    services
        Category -> number of services delivered in it.
    top_k
        How many of the most-named needs count as "top needs".

    Returns
    -------
    NeedsMatchResult

    Raises
    ------
    DataError
        A negative or non-numeric count, or no counts at all.

    Notes
    -----
    ``TV = ½ Σ_c |p_c − q_c|``; top-k served = #{c in top k: s_c > 0} / k.

    Examples
    --------
    >>> r = needs_match({"legal": 6, "health": 3, "family": 1}, {"legal": 2, "leisure": 2},
    ...                 top_k=2)
    >>> r.mismatch, r.top_served
    (0.5, 0.5)
    """
    import pandas as pd

    if not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1:
        raise SpecError(f"needs_match: top_k must be a whole number ≥ 1, got {top_k!r}")
    n = _counts(needs, "needs")
    s = _counts(services, "services")
    cats = sorted(set(n) | set(s))
    n_tot, s_tot = sum(n.values()), sum(s.values())
    ranked = sorted((c for c in n if n[c] > 0), key=lambda c: (-n[c], c))
    k = min(top_k, len(ranked))
    top = ranked[:k]
    rank = {c: i + 1 for i, c in enumerate(ranked)}
    rows = []
    for c in cats:
        p, q = n.get(c, 0.0) / n_tot, s.get(c, 0.0) / s_tot
        rows.append({"category": c, "needs": n.get(c, 0.0), "need_share": p,
                     "services": s.get(c, 0.0), "service_share": q, "gap": q - p,
                     "need_rank": rank.get(c), "top": c in top})
    table = pd.DataFrame(rows).sort_values(["need_rank", "category"], na_position="last",
                                           kind="stable").reset_index(drop=True)
    tv = 0.5 * sum(abs(n.get(c, 0.0) / n_tot - s.get(c, 0.0) / s_tot) for c in cats)
    unserved = tuple(c for c in top if s.get(c, 0.0) <= 0)
    return NeedsMatchResult(table=table, top_k=k, top_served=(k - len(unserved)) / k,
                            top_service_share=sum(s.get(c, 0.0) for c in top) / s_tot,
                            mismatch=tv, unserved_top=unserved)
