"""Estimator notes as data: a catalogue key and its parameters.

An estimator states its conventions and caveats (the standard-error convention, what the
estimate means, a test it could not run) with :func:`note`::

    notes.append(note("se.cluster", cluster="site", G=7))

The result is a :class:`Note`: a ``str`` holding plain English (so ``result.summary()``, logs
and ``"G/(G-1)" in note`` keep working) that also carries ``key`` and ``params``. Reports never
print that English: they render ``notes.<key>`` from the one label catalogue,
``templates/i18n/zh.yaml`` and ``en.yaml``, filling in the parameters (column names are replaced
by their description from the project's data dictionary). A test checks that every key below
has both catalogue entries. :func:`in_language` gives a note in zh or en from the shipped
catalogue outside a report (``ek.honest_did``'s plain sentence is rendered this way).

Adding a note
-------------
1. Add the key and its English text (``str.format`` fields) to :data:`TEXT` below.
2. Add ``notes.<key>`` to ``templates/i18n/en.yaml`` and ``zh.yaml`` with the same fields.
3. Emit it with ``note("<key>", field=value, ...)``; parameters are plain values (str, int,
   float); pre-format a p-value as text (``p=f"{p:.4g}"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from types import MappingProxyType
from typing import Any

__all__ = ["TEXT", "Note", "in_language", "note"]

#: English text of every note evalkit's estimators emit (``str.format`` fields)
TEXT: dict[str, str] = {
    "prepost.post_minus_pre": "estimate is post − pre (pingouin reports pre − post: opposite "
                              "sign)",
    "prepost.wilcoxon": "p-value from the Wilcoxon signed-rank test (zero differences dropped); "
                        "the interval is the t interval for the mean change; the Hodges–Lehmann "
                        "pseudo-median and its interval are in the table",
    "prepost.proportion": "estimate is the proportion at post minus the proportion at pre",
    "prepost.mcnemar_no_change": "no pair changed state: the test has nothing to test (p = 1)",
    "prepost.mcnemar_exact": "exact binomial McNemar test ({m} discordant pairs)",
    "ancova.estimate": "estimate: difference in post scores between the groups, holding the pre "
                       "score constant",
    "se.classical": "standard errors: classical (homoskedastic), sigma^2 = e'e/(N-K), t(N-K) "
                    "inference",
    "se.robust": "standard errors: heteroskedasticity-robust HC1, factor N/(N-K), t(N-K) "
                 "inference",
    "se.cluster": "standard errors: clustered by '{cluster}' ({G} clusters), CR1 factor "
                  "G/(G-1)·(N-1)/(N-K); t(G-1) inference",
    "se.cluster_fe_nested": "standard errors: clustered by '{cluster}' ({G} clusters), CR1 "
                            "factor G/(G-1)·(N-1)/(N-K); absorbed fixed effects nested in the "
                            "clusters are not counted in K (fixest/pyfixest default); t(G-1) "
                            "inference",
    "se.cluster_fe_all": "standard errors: clustered by '{cluster}' ({G} clusters), CR1 factor "
                         "G/(G-1)·(N-1)/(N-K); all absorbed fixed effects counted in K (Stata "
                         "areg convention); t(G-1) inference",
    "se.multiplier_bootstrap": "standard errors: multiplier bootstrap ({draws} draws, seed "
                               "{seed}); simultaneous bands in the ATT(g,t) and component tables",
    "se.influence_function": "standard errors: analytic (influence function), normal inference",
    "did.unit_fe": "panel: unit fixed effects for '{unit}' absorb the group main effect",
    "did.parallel": "the DiD is the effect of the service only if both groups would have "
                    "changed in parallel without it",
    "event.no_never_treated": "no never-treated units: relative period {period} also set to 0 "
                              "for identification",
    "event.not_identified": "not identified without never-treated units, set to 0: relative "
                            "period(s) {periods}",
    "event.headline": "headline = equally weighted average of the post-treatment coefficients "
                      "(relative time >= 0)",
    "event.pretrend": "pre-trend test (joint Wald, {k} pre-period coefficients = 0): p = {p}",
    "twfe.staggered_timing": "treatment '{treatment}' starts in {n} different periods: with "
                             "staggered timing the TWFE coefficient can be a badly weighted "
                             "average (even of the wrong sign) when effects change over time — "
                             "use ek.staggered_did(...) (Callaway & Sant'Anna) or "
                             "ek.event_study(...)",
    "twfe.absorbed": "unit and period fixed effects absorbed exactly; {singletons} singleton "
                     "row(s) dropped",
    "twfe.no_se": "standard error not available",
    "inference.wild_enumerated": "p-value and interval of the headline: restricted wild cluster "
                                 "bootstrap (WCR, {G} clusters, all 2^{G} = {reps} sign vectors: "
                                 "full enumeration, exact), interval by test inversion; the "
                                 "standard error shown is CR1",
    "inference.wild_draws": "p-value and interval of the headline: restricted wild cluster "
                            "bootstrap (WCR, {G} clusters, {reps} draws of {weights} weights, "
                            "seed {seed}), interval by test inversion; the standard error shown "
                            "is CR1",
    "staggered.no_comparison": "ATT({g},{t}) not estimated: no comparison units",
    "staggered.empty_cell": "ATT({g},{t}) not estimated: an empty group × period cell",
    "staggered.late": "{n} unit(s) first treated after the last period are treated as never "
                      "treated",
    "staggered.unbalanced": "{n} unit(s) missing some period dropped to balance the panel (use "
                            "panel=False to keep them)",
    "staggered.never": "comparison group: never-treated units; method {method}; varying base "
                       "period",
    "staggered.notyet": "comparison group: not-yet-treated units; method {method}; varying base "
                        "period",
    "staggered.pretrend": "pre-trend test (Wald, {k} pre-treatment ATT(g,t) = 0): p = {p}",
    "weights.rows": "weighted estimate: rows weighted by column '{column}' (sampling/analytic "
                    "weights); rows of weight 0 left out",
    "se.survey_linearisation": "standard error: survey linearisation, factor n/(n-1), t({df}) "
                               "inference (Stata mean [pweight=]); effect sizes use weighted "
                               "means and SDs, no intervals",
    "se.newey_west": "standard errors: Newey-West (Bartlett kernel, {lags} lag(s), no "
                     "small-sample factor), t({df}) inference",
    "its.short_series": "short series: {n_pre} period(s) before and {n_post} after the start; at "
                        "least {advised} on each side are advised for a trend and its change",
    "its.autocorrelation": "autocorrelation left in the residuals (Ljung-Box Q = {q} at {lb_lags} "
                           "lags, p = {p}); the Newey-West errors allow for {lags} lag(s) — "
                           "consider more lags (hac_lags=), seasonal terms (season=) or a model "
                           "of the serial correlation",
    "its.assumption": "the effect is the service's only if nothing else changed at the start and "
                      "the earlier trend would have continued",
    "its.assumption_comparison": "the effect is the service's only if nothing else changed at the "
                                 "start and the earlier trend would have continued, or, with the "
                                 "comparison series, if both series would have kept moving in "
                                 "parallel",
    "synth.se_placebo": "standard error: placebo (Algorithm 4 of Arkhangelsky et al. 2021, "
                        "{reps} replications, seed {seed}); normal interval",
    "synth.se_bootstrap": "standard error: bootstrap (Algorithm 2 of Arkhangelsky et al. 2021, "
                          "{reps} replications, seed {seed}); normal interval",
    "synth.se_jackknife": "standard error: jackknife (Algorithm 3 of Arkhangelsky et al. 2021); "
                          "normal interval",
    "synth.units": "{n_treated} treated unit(s) against {n_donors} donor unit(s), {n_pre} "
                   "period(s) before and {n_post} after the start",
    "synth.assumption": "the effect is the service's only if, without it, the treated unit(s) "
                        "would have followed the synthetic comparison",
    "heterogeneity.wild": "subgroup intervals: wild cluster bootstrap",
    "heterogeneity.few_clusters": "only {G} clusters: clustered intervals are too narrow; use "
                                  "inference='wild' (wild cluster bootstrap)",
    # ---- ek.honest_did's plain sentence (evalkit.estimate.honest.honest_note) ----
    "honest.fragile": "Even if the trend difference after the start continued the earlier one "
                      "exactly, the robust interval includes zero: the finding rests on "
                      "parallel trends.",
    "honest.not_significant": "The effect is not significant even under parallel trends.",
    "honest.robust_all": "The finding holds for every size of violation tried.",
    "honest.rm": "The finding holds unless the trend violation after the start is more than "
                 "{breakdown} times the largest before it.",
    "honest.smoothness": "The finding holds unless the slope of the trend difference changes by "
                         "more than {breakdown} (outcome units) per period after the start.",
}


class Note(str):
    """A note: English text (the ``str`` value) with its catalogue ``key`` and ``params``."""

    key: str
    params: Mapping[str, Any]

    def __new__(cls, key: str, /, **params: Any) -> Note:
        if key not in TEXT:
            raise KeyError(f"unknown note key {key!r}; add it to evalkit.estimate.notes.TEXT")
        obj = super().__new__(cls, TEXT[key].format(**params))
        obj.key = key
        obj.params = MappingProxyType(dict(params))
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.key, dict(self.params)))


def _rebuild(key: str, params: dict[str, Any]) -> Note:
    return Note(key, **params)


@lru_cache(maxsize=4)
def _catalogue_notes(lang: str) -> Mapping[str, str]:
    """``notes.*`` of the shipped label catalogue for ``lang`` (``i18n/<lang>.yaml``, then
    the part catalogues ``i18n/<lang>.<part>.yaml``, as the report reads them)."""
    import yaml

    from evalkit.datasets import resource_dir

    folder = resource_dir("templates") / "i18n"
    out: dict[str, str] = {}
    for path in [folder / f"{lang}.yaml", *sorted(folder.glob(f"{lang}.*.yaml"))]:
        if path.is_file():
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            out |= {str(k): str(v) for k, v in dict(raw.get("notes") or {}).items()}
    return MappingProxyType(out)


def in_language(n: Note, lang: str) -> str:
    """``n`` in ``lang`` (``"zh"`` or ``"en"``) from the shipped label catalogue
    (``notes.<key>``), as a report prints it; its English text when the catalogue has no entry.

    >>> in_language(note("honest.rm", breakdown="1.5"), "zh")
    '除非服务开始后的趋势偏离超过开始前最大偏离的 1.5 倍，否则结论成立。'
    """
    from evalkit._checks import check_lang

    check_lang(lang)
    text = _catalogue_notes(lang).get(n.key)
    return str(n) if text is None else text.format(**n.params)


def note(key: str, /, **params: Any) -> Note:
    """A :class:`Note` for ``key`` (a key of :data:`TEXT`) with ``params``.

    >>> n = note("se.cluster", cluster="site", G=7)
    >>> n.key, dict(n.params)
    ('se.cluster', {'cluster': 'site', 'G': 7})
    >>> "G/(G-1)" in n
    True
    """
    return Note(key, **params)
