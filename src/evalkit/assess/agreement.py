"""Agreement between a scorecard's rater roles: the intraclass correlation ICC(A,1).

When a scorecard is scored by several rater roles (the purchasing union, a third-party
evaluator, the community, the provider rating itself …), the combined score is only as good as
the roles' agreement. :func:`rater_agreement` computes the intraclass correlation between the
roles over the manually rated items every role scored, each item's points taken as a share of
its maximum points (so a 10-point and a 5-point item weigh alike).

Form: ICC(2,1) of Shrout & Fleiss (1979) = ICC(A,1) of McGraw & Wong (1996) — two-way model,
**absolute agreement**, single rater. Absolute agreement because a role that is systematically
more lenient (a provider rating itself higher) changes the score and is a disagreement, not
just a shift a consistency ICC would forgive; single rater because the question is whether one
role's rating can stand for another's. McGraw & Wong show the ICC(A,1) formula is the same
whether the roles are seen as a random sample of raters or as fixed, so the choice of model
does not change the number.

Interpretation bands of Koo & Li (2016): below 0.50 poor, 0.50–0.75 moderate, 0.75–0.90 good,
above 0.90 excellent. Koo & Li advise judging by the 95% confidence interval, which the
sentence and table always show.

Engine: pingouin ``intraclass_corr`` (ANOVA-based, validated by its authors against R
``psych::ICC``), imported only when this function runs.

References
----------
Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in assessing rater
reliability. *Psychological Bulletin*, 86(2), 420–428.
McGraw, K. O., & Wong, S. P. (1996). Forming inferences about some intraclass correlation
coefficients. *Psychological Methods*, 1(1), 30–46.
Koo, T. K., & Li, M. Y. (2016). A guideline of selecting and reporting intraclass correlation
coefficients for reliability research. *Journal of Chiropractic Medicine*, 15(2), 155–163.

R equivalent: ``psych::ICC(x)`` row "Single_random_raters" (ICC2), or
``irr::icc(x, model = "twoway", type = "agreement", unit = "single")``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from evalkit.errors import EstimationError, SpecError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.model.scorecard import ScorecardSpec

__all__ = ["MIN_ITEMS", "AgreementResult", "agreement_band", "agreement_for", "icc_table",
           "rater_agreement", "role_item_shares"]

#: fewest items every role rated for an ICC (with fewer, the F test has < 4 numerator df and
#: the interval spans almost the whole range)
MIN_ITEMS = 5

_BANDS = ((0.90, "excellent", "优秀"), (0.75, "good", "良好"), (0.50, "moderate", "中等"),
          (-math.inf, "poor", "较差"))


def agreement_band(icc: float, lang: str = "en") -> str:
    """Koo & Li (2016) word for ``icc``: poor < 0.5 ≤ moderate < 0.75 ≤ good < 0.9 ≤
    excellent (zh: 较差 / 中等 / 良好 / 优秀)."""
    for low, en, zh in _BANDS:
        if icc >= low:
            return zh if lang == "zh" else en
    return "较差" if lang == "zh" else "poor"  # pragma: no cover - NaN


@dataclass(frozen=True)
class AgreementResult:
    """Agreement between rater roles (immutable).

    Attributes
    ----------
    icc, ci, pvalue
        ICC(A,1), its 95% confidence interval (pingouin rounds it to 2 decimals) and the
        p-value of the F test of ICC = 0.
    form
        ``"ICC(A,1)"`` (= Shrout & Fleiss ICC(2,1)).
    roles, items
        The rater roles compared and the item ids every one of them rated.
    band
        Koo & Li (2016) word: ``"poor" | "moderate" | "good" | "excellent"``.
    ratings
        Item × role table of the shares of maximum points used (a copy on each access).
    icc_average
        ICC(A,k): the reliability of the average of the roles' ratings.
    """

    icc: float
    ci: tuple[float, float]
    pvalue: float
    form: str
    roles: tuple[str, ...]
    items: tuple[str, ...]
    icc_average: float
    _ratings: Any = field(repr=False, compare=False)

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def band(self) -> str:
        return agreement_band(self.icc)

    @property
    def ratings(self) -> pd.DataFrame:
        return self._ratings.copy()

    def to_dict(self) -> dict[str, Any]:
        """Plain values (the report context takes these)."""
        return {"icc": self.icc, "ci": list(self.ci), "pvalue": self.pvalue, "form": self.form,
                "roles": list(self.roles), "items": list(self.items), "n_items": self.n_items,
                "band": self.band, "band_zh": agreement_band(self.icc, "zh"),
                "icc_average": self.icc_average}

    def sentence(self, lang: str = "en", role_names: Mapping[str, str] | None = None) -> str:
        """Plain words, e.g. ``评分人之间一致性良好（ICC = 0.82，95%置信区间0.61–0.93，5项）。``"""
        from evalkit._checks import check_lang
        from evalkit.assess.scorecard import ROLE_ZH

        check_lang(lang)
        names = dict(ROLE_ZH) if lang == "zh" else {}
        names.update(role_names or {})
        who = [names.get(r, r) for r in self.roles]
        lo, hi = self.ci
        if lang == "zh":
            return (f"{'、'.join(who)}之间评分一致性{agreement_band(self.icc, 'zh')}"
                    f"（ICC = {self.icc:.2f}，95%置信区间{lo:.2f}至{hi:.2f}，"
                    f"共同评分{self.n_items}项）。")
        return (f"Agreement between {', '.join(who)} is {self.band} (ICC = {self.icc:.2f}, "
                f"95% CI {lo:.2f} to {hi:.2f}, {self.n_items} items rated by all).")


def icc_table(data: pd.DataFrame, *, targets: str, raters: str, ratings: str) -> pd.DataFrame:
    """pingouin's six-row ICC table with version-independent labels.

    Rows ``ICC(1,1), ICC(A,1), ICC(C,1), ICC(1,k), ICC(A,k), ICC(C,k)`` (pingouin < 0.7 names
    them ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k in the same order); columns ``ICC, F, df1, df2,
    pval, ci_low, ci_high``.
    """
    import warnings

    with warnings.catch_warnings():  # pingouin's own pandas deprecations are not the user's
        warnings.filterwarnings("ignore", module="pingouin")
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        import pingouin as pg

        table = pg.intraclass_corr(data=data, targets=targets, raters=raters, ratings=ratings)
    ci_col = "CI95" if "CI95" in table.columns else "CI95%"
    out = table.loc[:, ["ICC", "F", "df1", "df2", "pval"]].copy()
    out.index = ["ICC(1,1)", "ICC(A,1)", "ICC(C,1)", "ICC(1,k)", "ICC(A,k)", "ICC(C,k)"]
    out["ci_low"] = [float(c[0]) for c in table[ci_col]]
    out["ci_high"] = [float(c[1]) for c in table[ci_col]]
    return out


def role_item_shares(spec: ScorecardSpec,
                     ratings: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """Item × role table: each manual item's points from each role as a share of its maximum.

    Veto items and items worth 0 points are left out (they have no scale); a role that did
    not rate an item has NaN there.
    """
    import pandas as pd

    from evalkit.assess.scorecard import manual_marks, score_leaf

    ratings = spec.ratings if ratings is None else ratings
    roles = list(spec.raters)
    rows: dict[str, dict[str, float]] = {}
    for path, node, _, _ in spec.walk():
        if node.children or not node.manual or node.rule == "veto" or node.points <= 0:
            continue
        marks = manual_marks(node, ratings, roles, path)
        rows[node.id] = {r: score_leaf(node, m["value"],
                                       where=f"scorecard.ratings.{r}.{node.id}")[0] / node.points
                         for r, m in marks.items()}
    return pd.DataFrame.from_dict(rows, orient="index", columns=roles, dtype=float)


def rater_agreement(spec: ScorecardSpec, ratings: Mapping[str, Mapping[str, Any]] | None = None,
                    *, roles: Sequence[str] | None = None,
                    min_items: int = MIN_ITEMS) -> AgreementResult:
    """ICC(A,1) between the scorecard's rater roles over the items all of them rated.

    Parameters
    ----------
    spec
        The scorecard specification (``project.scorecard``).
    ratings
        Role -> {item id -> rating}; defaults to ``spec.ratings``.
    roles
        The roles to compare (default: every role that rated at least one item).
    min_items
        Fewest items rated by every compared role (default :data:`MIN_ITEMS`).

    Returns
    -------
    AgreementResult

    Raises
    ------
    EstimationError
        Fewer than 2 roles rated, fewer than ``min_items`` items rated by all of them, or the
        ratings do not vary at all (the ICC is undefined).

    Notes
    -----
    With ``n`` items, ``k`` roles and the two-way ANOVA mean squares MSR (items), MSC (roles)
    and MSE (residual): ICC(A,1) = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n).

    Examples
    --------
    >>> from evalkit.assess.agreement import rater_agreement
    >>> r = rater_agreement(project.scorecard)  # doctest: +SKIP
    >>> r.sentence("zh")                        # doctest: +SKIP
    '购买方、第三方之间评分一致性良好（ICC = 0.82，95%置信区间0.61至0.93，共同评分6项）。'
    """
    if isinstance(min_items, bool) or not isinstance(min_items, int) or min_items < 3:
        raise SpecError(f"rater_agreement: min_items must be an integer >= 3, got {min_items!r}")
    shares = role_item_shares(spec, ratings)
    filled = shares.notna().to_numpy(dtype=bool)
    rated = [r for j, r in enumerate(shares.columns) if bool(filled[:, j].any())]
    if roles is not None:
        unknown = [r for r in roles if r not in shares.columns]
        if unknown:
            raise SpecError(f"rater_agreement: unknown rater role(s) {', '.join(unknown)} "
                            f"(scorecard.raters: {', '.join(shares.columns)})")
        rated = [r for r in roles if r in rated]
    if len(rated) < 2:
        raise EstimationError(
            f"rater agreement needs at least 2 rater roles with ratings; found "
            f"{len(rated)} ({', '.join(rated) or 'none'})",
            hint="agreement is only measured when two or more roles rate the same items")
    by_all = filled[:, [shares.columns.get_loc(r) for r in rated]].all(axis=1)
    if int(by_all.sum()) < min_items:  # the items of shares.loc[:, rated].dropna(), unbuilt
        items = [str(i) for i, kept in zip(shares.index, by_all.tolist(), strict=True) if kept]
        raise EstimationError(
            f"rater agreement needs at least {min_items} items rated by every role "
            f"({', '.join(rated)}); found {len(items)}"
            + (f" ({', '.join(items)})" if items else ""),
            hint="have every role rate the same manual items, or compare fewer roles (roles=)")
    complete = shares.loc[:, rated].dropna()
    values = complete.to_numpy()
    if float(values.max() - values.min()) == 0.0:
        raise EstimationError(
            f"rater agreement: every role gave every one of the {len(complete)} items the same "
            f"share of points ({values.flat[0]:.0%}); the ICC is undefined without variation")
    long = complete.rename_axis("item").reset_index().melt(
        id_vars="item", var_name="role", value_name="share")
    table = icc_table(long, targets="item", raters="role", ratings="share")
    row = table.loc["ICC(A,1)"]
    if not math.isfinite(float(row["ICC"])):
        raise EstimationError("rater agreement: the ICC could not be computed (no variation "
                              "between items)")
    ci = (float(row["ci_low"]), float(row["ci_high"]))
    if bool((values == values[:, :1]).all()):
        # every role gave every item the same share: no residual variance, F = ∞, and the
        # interval's limits both tend to 1 (pingouin returns NaN for ∞/∞)
        ci = (1.0, 1.0)
    return AgreementResult(
        icc=float(row["ICC"]), ci=ci,
        pvalue=float(row["pval"]), form="ICC(A,1)", roles=tuple(rated),
        items=tuple(str(i) for i in complete.index),
        icc_average=float(table.loc["ICC(A,k)", "ICC"]), _ratings=complete.copy())


def agreement_for(spec: ScorecardSpec) -> tuple[AgreementResult | None, str]:
    """The evaluation's agreement step: ``(result, "")`` when two or more roles rated enough
    of the same items, ``(None, why)`` when roles rated but the ICC cannot be computed, and
    ``(None, "")`` when fewer than two roles rated anything (nothing to compare)."""
    rated = [r for r, marks in spec.ratings.items() if marks]
    if len(rated) < 2:
        return None, ""
    try:
        return rater_agreement(spec), ""
    except EstimationError as exc:
        return None, str(exc)
