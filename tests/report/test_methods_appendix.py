"""The methods appendix lists the formulas and assumptions of the designs the evaluation
used, and no others (an ITS-only project shows no DiD, event-study or cluster formula)."""

from __future__ import annotations

from typing import Any

import pytest

import evalkit as ek
from evalkit.report.designs import methods_used
from evalkit.report.environment import load_labels

DID = ("methods.did", "methods.event_study", "methods.cluster", "methods.assumption_did")


def _record(design: str, keys: tuple[str, ...] = (), study: bool = False) -> dict[str, Any]:
    return {"design": design, "note_data": [{"key": k} for k in keys],
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
     ["methods.did", "methods.staggered"], ["methods.assumption_did"]),
])
def test_methods_used(effects: list[dict[str, Any]], formulas: list[str],
                      assumptions: list[str]) -> None:
    assert methods_used(effects) == {"formulas": formulas, "assumptions": assumptions}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_method_key_is_in_the_catalogue(lang: str) -> None:
    labels = load_labels(lang)
    everything = [_record(d, ("se.cluster",), study=True) for d in
                  ("pre_post", "did", "twfe", "event_study", "staggered_did")]
    used = methods_used(everything)
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
    for key in ("methods.prepost", "methods.assumption_prepost", "designs.methods.its"):
        assert labels[key] in appendix, key


@pytest.mark.filterwarnings("ignore")
def test_did_without_event_study(tmp_path: Any) -> None:
    """A DiD with clustered errors and no event study: DiD and cluster lines, no event study."""
    labels = load_labels("en")
    appendix = _appendix("zhongshan_linkage", "en", tmp_path)
    assert labels["methods.did"] in appendix and labels["methods.assumption_did"] in appendix
    assert labels["methods.event_study"] not in appendix
    assert labels["methods.prepost"] not in appendix


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
