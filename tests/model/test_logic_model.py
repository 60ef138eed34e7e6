"""Logic model validation (every message), logframe and SVG diagram."""

from __future__ import annotations

import pytest

from evalkit.errors import SpecError
from evalkit.model.diagram import logic_model_svg, wrap_text, write_svg
from evalkit.model.indicators import Indicator
from evalkit.model.logic_model import LogicModel, logframe, validate_project_logic_model


def model(elements: list[tuple[str, str]], links: list[list[str]], **kw: object) -> LogicModel:
    return LogicModel.model_validate({
        "elements": [{"id": i, "level": lvl, "text": {"zh": f"{i}中文", "en": f"{i} text"}}
                     for i, lvl in elements], "links": links, **kw})


CHAIN = [("in", "inputs"), ("act", "activities"), ("out", "outputs"),
         ("oc", "short_outcomes"), ("imp", "impact")]
LINKS = [["in", "act"], ["act", "out"], ["out", "oc"], ["oc", "imp"]]
INDS = [Indicator.model_validate({"id": "I1", "name": "n", "level": "outputs", "element": "out",
                                  "compute": {"count": True}, "target": 5,
                                  "means_of_verification": {"zh": "签到表", "en": "sign-in"}})]


def test_sound_chain_has_no_problems():
    lm = model(CHAIN, LINKS, assumptions=["企业配合"])
    oc = Indicator.model_validate({"id": "I2", "name": "m", "level": "short_outcomes",
                                   "element": "oc", "compute": {"count": True}, "target": 1})
    assert lm.problems([*INDS, oc]) == []
    lm.validate([*INDS, oc])
    assert "(oc): short_outcomes element has no indicator" in "".join(lm.problems(INDS))


def test_every_problem_reported_at_once():
    lm = model([*CHAIN, ("out", "outputs"), ("lonely", "activities")],
               [["in", "act"], ["act", "out"], ["out", "oc"], ["oc", "imp"],
                ["imp", "act"], ["act", "ghost"], ["oc", "oc"]])
    problems = lm.problems(INDS)
    text = "\n".join(problems)
    assert "logic_model.elements: id 'out' is used more than once" in text
    assert "logic_model.links[5]: unknown element 'ghost'" in text
    assert "logic_model.links[6]: 'oc' links to itself" in text
    assert "logic_model.links[4]: runs backwards, from 'imp' (impact) to 'act' (activities)" \
        in text
    assert "logic_model.links: cycle act → out → oc → imp → act" in text
    assert "logic_model.elements[6] (lonely): no link forward" in text
    assert "logic_model.elements[6] (lonely): no link back" in text
    assert "logic_model.elements[3] (oc): short_outcomes element has no indicator" in text
    with pytest.raises(SpecError) as info:
        lm.validate(INDS)
    assert f"{len(problems)} problem(s)" in str(info.value)


def test_inputs_need_only_forward_impact_only_back():
    lm = model(CHAIN, LINKS)
    text = "\n".join(lm.problems())
    assert "(in): no link back" not in text and "(imp): no link forward" not in text


def test_measured_by_unknown():
    lm = LogicModel.model_validate({"elements": [
        {"id": "o", "level": "outputs", "text": "o", "measured_by": ["nope"]}]})
    assert any("measured_by: unknown indicator or outcome 'nope'" in p
               for p in lm.problems(INDS))


def test_logframe_columns():
    lm = model(CHAIN, LINKS, assumptions=["企业配合"], external_factors=["经济形势"])
    frame = logframe(lm, INDS, lang="zh")
    assert list(frame.columns) == ["level", "element_id", "narrative", "indicators",
                                   "means_of_verification", "assumptions"]
    out = frame.set_index("element_id")
    assert out.loc["out", "indicators"] == "n ≥ 5"
    assert out.loc["out", "means_of_verification"] == "签到表"
    assert out.loc["imp", "assumptions"] == "企业配合; 经济形势"
    assert list(frame["level"]) == ["inputs", "activities", "outputs", "short_outcomes",
                                    "impact"]


def test_svg_deterministic_and_escaped(tmp_path):
    lm = model([*CHAIN, ("x", "outputs")], [*LINKS, ["act", "x"], ["x", "oc"]])
    lm2 = LogicModel.model_validate({**lm.model_dump(by_alias=True), "elements": [
        *lm.model_dump()["elements"][:-1],
        {"id": "x", "level": "outputs", "text": {"zh": "A & <B> 很长的中文文字需要换行显示出来",
                                                 "en": "x"}}]})
    svg = logic_model_svg(lm2, lang="zh", title="职工之家")
    assert svg == logic_model_svg(lm2, lang="zh", title="职工之家")
    assert svg.startswith("<svg") and "A &amp; &lt;B&gt;" in svg
    assert svg.count("<rect") == 6 and svg.count('class="lm-link"') == 6
    assert "投入" in svg and "影响" in svg
    assert "Inputs" in logic_model_svg(lm2, lang="en")
    path = write_svg(lm2, tmp_path / "lm.svg")
    assert path.read_text(encoding="utf-8") == logic_model_svg(lm2, lang="zh")


def test_wrap_text():
    assert wrap_text("职工幸福感提升", 6) == ["职工幸", "福感提", "升"]
    assert wrap_text("workers know where to get help", 12) == ["workers know", "where to get",
                                                               "help"]


def test_example_logic_model_is_sound(example_project):
    assert validate_project_logic_model(example_project) == []
