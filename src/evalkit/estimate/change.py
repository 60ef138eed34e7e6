"""Reliable and clinically significant change per person (Jacobson & Truax 1991).

A group's mean can rise while few people really changed. The reliable change index (RCI)
asks, person by person, whether a change is bigger than measurement error would produce;
the clinical cut-off asks whether the person moved from the range typical of people who need
help into the range typical of people who do not. Together they classify each person as
recovered, improved, unchanged or deteriorated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from evalkit._checks import check_choice
from evalkit.errors import SpecError
from evalkit.estimate._paired import make_pairs

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CATEGORIES", "Norms", "ReliableChange", "clinical_cutoff", "reliable_change"]

CATEGORIES = ("recovered", "improved", "unchanged", "deteriorated")
Criterion = Literal["a", "b", "c"]


@dataclass(frozen=True)
class Norms:
    """Population norms of the measure.

    ``dysfunctional_*``: people who need the service (a clinical or at-risk sample);
    ``functional_*``: the general population. ``cutoff`` overrides both when given.
    """

    dysfunctional_mean: float | None = None
    dysfunctional_sd: float | None = None
    functional_mean: float | None = None
    functional_sd: float | None = None
    cutoff: float | None = None

    @classmethod
    def from_any(cls, norms: Norms | Mapping[str, float] | float | None) -> Norms | None:
        """Accept a Norms, a mapping of its fields, or a bare cut-off number."""
        if norms is None or isinstance(norms, Norms):
            return norms
        if isinstance(norms, int | float):
            return cls(cutoff=float(norms))
        unknown = set(norms) - set(cls.__dataclass_fields__)
        if unknown:
            raise SpecError(f"norms: unknown key(s) {sorted(unknown)!r}; expected "
                            f"{sorted(cls.__dataclass_fields__)!r}")
        return cls(**{k: float(v) for k, v in norms.items()})


def clinical_cutoff(
    norms: Norms, *, criterion: Criterion | None = None, higher_is_better: bool = True
) -> tuple[float, str]:
    """Cut-off between the dysfunctional and functional ranges and the criterion used.

    Notes
    -----
    With dysfunctional mean/SD :math:`m_0, s_0` and functional :math:`m_1, s_1`
    (Jacobson & Truax 1991, p. 13), for a measure where higher is better:

    * a: :math:`m_0 + 2 s_0` (beyond the dysfunctional range);
    * b: :math:`m_1 - 2 s_1` (inside the functional range);
    * c: :math:`(s_0 m_1 + s_1 m_0)/(s_0 + s_1)` (closer to the functional mean).

    When lower is better the signs of ``2 s`` flip. Default criterion: c when both norms are
    given, a with only the dysfunctional norms, b with only the functional ones; an explicit
    ``cutoff`` in the norms wins.
    """
    if norms.cutoff is not None:
        return float(norms.cutoff), "given"
    dys = norms.dysfunctional_mean is not None and norms.dysfunctional_sd is not None
    fun = norms.functional_mean is not None and norms.functional_sd is not None
    if criterion is None:
        criterion = "c" if dys and fun else "a" if dys else "b" if fun else None
    if criterion is None:
        raise SpecError("norms: give cutoff, or the mean and SD of the dysfunctional and/or "
                        "functional population")
    check_choice("criterion", criterion, ("a", "b", "c"))
    need = {"a": dys, "b": fun, "c": dys and fun}[criterion]
    if not need:
        raise SpecError(f"norms: criterion {criterion!r} needs the "
                        + {"a": "dysfunctional", "b": "functional", "c": "dysfunctional and "
                           "functional"}[criterion] + " mean and SD")
    sign = 1.0 if higher_is_better else -1.0
    if criterion == "a":
        return float(norms.dysfunctional_mean + sign * 2 * norms.dysfunctional_sd), "a"  # type: ignore[operator]
    if criterion == "b":
        return float(norms.functional_mean - sign * 2 * norms.functional_sd), "b"  # type: ignore[operator]
    m0, s0 = float(norms.dysfunctional_mean), float(norms.dysfunctional_sd)  # type: ignore[arg-type]
    m1, s1 = float(norms.functional_mean), float(norms.functional_sd)  # type: ignore[arg-type]
    return (s0 * m1 + s1 * m0) / (s0 + s1), "c"


@dataclass(frozen=True)
class ReliableChange:
    """Person-level reliable and clinically significant change (immutable).

    Attributes
    ----------
    people
        One row per matched person: ``unit, pre, post, change, rci, category``.
    counts, shares
        Number and share of people in each of :data:`CATEGORIES`.
    se_diff, threshold, z
        Standard error of a difference score, the smallest reliable change
        (``z · se_diff``) and z.
    reliability, sd
        The reliability and the SD used in ``se_diff``.
    cutoff, criterion
        Clinical cut-off and how it was obtained (``None`` without norms: nobody is
        classed "recovered").
    n, higher_is_better
        Matched people; direction of improvement.
    """

    people: pd.DataFrame
    counts: Mapping[str, int]
    shares: Mapping[str, float]
    se_diff: float
    threshold: float
    z: float
    reliability: float
    sd: float
    cutoff: float | None
    criterion: str | None
    n: int
    higher_is_better: bool


def reliable_change(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    pre: Any,
    post: Any,
    *,
    reliability: float,
    sd: float | None = None,
    norms: Norms | Mapping[str, float] | float | None = None,
    criterion: Criterion | None = None,
    higher_is_better: bool = True,
    alpha: float = 0.05,
) -> ReliableChange:
    """Classify each person as recovered, improved, unchanged or deteriorated.

    Parameters
    ----------
    df, outcome, unit, time, pre, post
        Long table as in :func:`evalkit.prepost` (not modified).
    reliability
        Reliability :math:`r_{xx}` of the measure, 0 < r < 1 (Cronbach's alpha or test–retest).
    sd
        SD :math:`s_1` in the standard error; default the SD of the pre scores (Jacobson &
        Truax use the pre-test or a normative SD).
    norms
        :class:`Norms`, a mapping of its fields, or a cut-off number; None: no "recovered".
    criterion
        ``"a" | "b" | "c"`` (see :func:`clinical_cutoff`).
    higher_is_better
        Whether a higher score is an improvement.
    alpha
        Two-sided level of the reliability test (z = 1.96 for 0.05).

    Returns
    -------
    ReliableChange

    Notes
    -----
    :math:`SE_{diff} = s_1\\sqrt 2\\sqrt{1 - r_{xx}}`, :math:`RCI = (x_{post} - x_{pre})/
    SE_{diff}`; a change is reliable when :math:`|RCI| > z_{1-\\alpha/2}`. Categories
    (improvement = reliable change in the better direction):

    * recovered — reliable improvement, pre score on the dysfunctional side of the cut-off and
      post score on the functional side;
    * improved — reliable improvement, not recovered;
    * unchanged — no reliable change;
    * deteriorated — reliable change in the worse direction.

    A score exactly at the cut-off counts as functional. R: ``JTRCI`` package
    (``JTRCI(data, ID, InstrumentPre, InstrumentPost, ...)``) or by hand; Stata by hand
    (``gen rci = (post - pre) / sediff``).

    References
    ----------
    Jacobson, N. S. & Truax, P. (1991). Clinical significance: a statistical approach to
    defining meaningful change in psychotherapy research. *Journal of Consulting and Clinical
    Psychology* 59(1), 12–19.

    Examples
    --------
    >>> import pandas as pd
    >>> from evalkit.estimate.change import reliable_change
    >>> df = pd.DataFrame({"id": [1, 2, 3] * 2, "t": ["pre"] * 3 + ["post"] * 3,
    ...                    "y": [10.0, 12, 15, 20, 12, 8]})
    >>> rc = reliable_change(df, "y", "id", "t", "pre", "post", reliability=0.8, sd=5,
    ...                      norms=16)
    >>> dict(rc.counts)
    {'recovered': 1, 'improved': 0, 'unchanged': 1, 'deteriorated': 1}
    """
    import numpy as np
    import pandas as pd

    from evalkit._dist import norm_ppf

    if not (isinstance(reliability, int | float) and 0.0 < float(reliability) < 1.0):
        raise SpecError(f"reliability: expected a number strictly between 0 and 1, got "
                        f"{reliability!r}", hint="pass Cronbach's alpha or a test-retest r")
    if not 0.0 < float(alpha) < 1.0:
        raise SpecError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    pairs = make_pairs(df, outcome, unit, time, pre, post, f"reliable_change({outcome!r})")
    x, y = pairs.pre, pairs.post
    s1 = float(np.std(x, ddof=1)) if sd is None and pairs.n > 1 else float(sd or math.nan)
    if not (math.isfinite(s1) and s1 > 0):
        raise SpecError(f"reliable_change({outcome!r}): the SD for the standard error must be "
                        f"positive, got {s1!r}", hint="pass sd= (e.g. a normative SD)")
    se_diff = s1 * math.sqrt(2.0) * math.sqrt(1.0 - float(reliability))
    z = norm_ppf(1 - alpha / 2)
    change = y - x
    rci = change / se_diff
    better = rci if higher_is_better else -rci
    cut_norms = Norms.from_any(norms)
    cutoff: float | None = None
    crit: str | None = None
    if cut_norms is not None:
        cutoff, crit = clinical_cutoff(cut_norms, criterion=criterion,
                                       higher_is_better=higher_is_better)
    category = np.where(better > z, "improved", np.where(better < -z, "deteriorated",
                                                          "unchanged")).astype(object)
    if cutoff is not None:
        functional_post = y >= cutoff if higher_is_better else y <= cutoff
        functional_pre = x >= cutoff if higher_is_better else x <= cutoff
        category[(better > z) & functional_post & ~functional_pre] = "recovered"
    people = pd.DataFrame({unit: pairs.units, "pre": x, "post": y, "change": change,
                           "rci": rci, "category": pd.array(category, dtype="string")})
    counts = {c: int(np.sum(category == c)) for c in CATEGORIES}
    return ReliableChange(
        people=people, counts=counts, shares={c: counts[c] / pairs.n for c in CATEGORIES},
        se_diff=se_diff, threshold=z * se_diff, z=z, reliability=float(reliability), sd=s1,
        cutoff=cutoff, criterion=crit, n=pairs.n, higher_is_better=higher_is_better,
    )
