"""The methods appendix lists the formulas and assumptions of the designs the evaluation
used, and no others (an ITS-only project shows no DiD, event-study or cluster formula)."""

from __future__ import annotations

from typing import Any

import pytest

import evalkit as ek
from evalkit.report.designs import methods_used
from evalkit.report.environment import load_labels

DID = ("methods.did", "methods.event_study", "methods.cluster", "methods.assumption_did")


def _record(design: str, keys: tuple[str, ...] = (), study: bool = False,
            method: str = "") -> dict[str, Any]:
    return {"design": design, "note_data": [{"key": k} for k in keys], "method": method,
            "event_study": {"note_data": [{"key": "se.cluster"}]} if study else None}


@pytest.mark.parametrize(("effects", "formulas", "assumptions"), [
    ([_record("its")], [], []),
    ([_record("synthetic_did"), _record("comparative_its")], [], []),
    ([_record("its"), _record("pre_post")], ["methods.prepost", "methods.wilcoxon"],
     ["methods.assumption_prepost"]),
    ([_record("did", ("se.robust",))], ["methods.did"], ["methods.assumption_did"]),
    ([_record("did", ("se.cluster",))], ["methods.did", "methods.cluster"],
     ["methods.assumption_did"]),
    ([_record("did", ("se.classical",), study=True)],
     ["methods.did", "methods.event_study", "methods.cluster"], ["methods.assumption_did"]),
    ([_record("event_study", ("inference.wild_draws",))],
     ["methods.event_study", "methods.cluster"], ["methods.assumption_did"]),
    ([_record("staggered_did", ("se.multiplier_bootstrap",))],
     ["methods.staggered"], ["methods.assumption_did"]),
    ([_record("twfe", ("se.cluster",))], ["methods.twfe", "methods.cluster"],
     ["methods.assumption_did"]),
    # the comparison-group pre/post is an ANCOVA, not a DiD: its own formula and assumption
    ([_record("pre_post_comparison", method="ANCOVA (OLS, classical SE)")],
     ["methods.ancova"], ["methods.assumption_ancova"]),
    ([_record("pre_post_comparison", method="ANCOVA (OLS, robust SE)")],
     ["methods.ancova_hc1"], ["methods.assumption_ancova"]),
    ([_record("pre_post"), _record("pre_post_comparison", method="ANCOVA (OLS, classical SE)"),
      _record("did", ("se.cluster",))],
     ["methods.prepost", "methods.wilcoxon", "methods.ancova", "methods.did", "methods.cluster"],
     ["methods.assumption_prepost", "methods.assumption_did", "methods.assumption_ancova"]),
])
def test_methods_used(effects: list[dict[str, Any]], formulas: list[str],
                      assumptions: list[str]) -> None:
    assert methods_used(effects) == {"formulas": formulas, "assumptions": assumptions}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_method_key_is_in_the_catalogue(lang: str) -> None:
    labels = load_labels(lang)
    everything = [_record(d, ("se.cluster",), study=True) for d in
                  ("pre_post", "did", "twfe", "event_study", "staggered_did")]
    everything += [_record("pre_post_comparison", method=f"ANCOVA (OLS, {se} SE)")
                   for se in ("classical", "robust")]
    used = methods_used(everything)
    assert {"methods.ancova", "methods.ancova_hc1", "methods.assumption_ancova"} <= {
        *used["formulas"], *used["assumptions"]}
    for key in used["formulas"] + used["assumptions"]:
        assert labels.get(key), key


def _appendix(name: str, lang: str, tmp_path: Any) -> str:
    ev = ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
    path = tmp_path / f"{name}.{lang}.md"
    ev.render(path, lang=lang)
    return path.read_text(encoding="utf-8").split("## 附录A" if lang == "zh" else "## Appendix A")[1]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_its_project_lists_no_did_formulas(lang: str, tmp_path: Any) -> None:
    labels = load_labels(lang)
    appendix = _appendix("three_society_linkage", lang, tmp_path)  # ITS and pre/post
    for key in DID:
        assert labels[key] not in appendix, key
    for key in ("methods.prepost", "methods.assumption_prepost", "designs.methods.its",
                "methods.limitation_1", "methods.limitation_2"):
        assert labels[key] in appendix, key
    assert labels["methods.limitation_3"] not in appendix  # nothing is clustered


@pytest.mark.filterwarnings("ignore")
def test_did_without_event_study(tmp_path: Any) -> None:
    """A DiD with clustered errors and no event study: DiD and cluster lines, no event study."""
    labels = load_labels("en")
    appendix = _appendix("zhongshan_linkage", "en", tmp_path)
    assert labels["methods.did"] in appendix and labels["methods.assumption_did"] in appendix
    assert labels["methods.event_study"] not in appendix
    assert labels["methods.prepost"] not in appendix


@pytest.mark.parametrize(("designs", "cluster", "expected"), [
    (["its"], False, []),
    (["synthetic_did"], False, []),
    (["pre_post"], False, ["methods.limitation_1", "methods.limitation_2"]),
    (["did"], True, ["methods.limitation_3"]),
    (["pre_post_comparison", "did"], True,
     ["methods.limitation_1", "methods.limitation_2", "methods.limitation_3"]),
])
def test_limitations_follow_the_designs_used(designs: list[str], cluster: bool,
                                              expected: list[str]) -> None:
    """"Few clusters" only when errors are clustered, survey limitations only for surveys."""
    from evalkit.report.designs import limitations_used

    effects = [_record(d, ("se.cluster",) if cluster else ()) for d in designs]
    assert limitations_used(effects, methods_used(effects)) == expected


def test_word_methods_lines_follow_the_designs_used() -> None:
    from evalkit.report.docx import methods_lines

    labels = load_labels("en")

    def t(key: str, default: str | None = None, **values: Any) -> str:
        return labels[key].format(**values)

    effects = [_record("its"), _record("pre_post")]
    ctx = {"designs": ["its", "pre_post"], "methods_used": methods_used(effects),
           "method_notes": [], "effects": effects}
    lines = methods_lines(ctx, t)
    assert labels["methods.prepost"] in lines
    assert not {labels[k] for k in DID} & set(lines)


@pytest.mark.filterwarnings("ignore")
def test_ancova_formula_states_the_standard_error_evalkit_computes() -> None:
    """The appendix says the comparison-group pre/post is an OLS of post on group and pre with
    classical standard errors and n − 3 df: the pipeline's result equals statsmodels' OLS
    (non-robust covariance) fitted independently on the same pairs."""
    import numpy as np
    import pandas as pd
    import statsmodels.api as sm

    from evalkit.estimate.diagnostics import ancova

    ev = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
    result = ev.effects["wellbeing_vs_comparison"]
    assert result.design == "pre_post_comparison"
    assert result.spec["se"] == "classical" and not result.spec["covariates"]
    rng = np.random.default_rng(16)
    n = 60
    pre = rng.normal(3, 0.6, n)
    treated = np.r_[np.ones(n // 2), np.zeros(n // 2)]
    post = 0.5 + 0.4 * treated + 0.7 * pre + rng.normal(0, 0.4 * (1 + treated), n)
    long = pd.DataFrame({"id": np.r_[np.arange(n), np.arange(n)], "t": [0] * n + [1] * n,
                         "y": np.r_[pre, post], "g": np.r_[treated, treated]})
    X = sm.add_constant(pd.DataFrame({"treated": treated, "pre": pre}))
    for se, cov in (("classical", "nonrobust"), ("robust", "HC1")):
        fit = sm.OLS(post, X).fit(cov_type=cov)
        r = ancova(long, "y", "id", "t", 0, 1, group="g", treated=1.0, control=0.0, se=se)
        assert r.df == n - 3 == fit.df_resid
        np.testing.assert_allclose(r.estimate, fit.params["treated"], rtol=1e-10)
        np.testing.assert_allclose(r.se, fit.bse["treated"], rtol=1e-10)


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_comparison_group_prepost_gets_the_ancova_formula_in_every_format(
        lang: str, tmp_path: Any) -> None:
    """workers_home has a comparison-group pre/post (ANCOVA) and a DiD: the appendix gives the
    ANCOVA formula and assumption in HTML (and so PDF), Markdown and Word."""
    from evalkit.report.context import build_context
    from evalkit.report.docx import methods_lines

    labels = load_labels(lang)
    ev = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    ev.render(md, lang=lang)
    ev.render(html, lang=lang)
    ctx = build_context(ev)

    def t(key: str, default: str | None = None, **values: Any) -> str:
        return labels[key].format(**values)

    lines = methods_lines(ctx, t)
    for key in ("methods.ancova", "methods.assumption_ancova"):
        assert labels[key] in md.read_text(encoding="utf-8"), key
        assert labels[key] in html.read_text(encoding="utf-8"), key
        assert labels[key] in lines, key
    assert labels["methods.ancova_hc1"] not in lines
