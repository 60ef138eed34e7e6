"""A bad ``lang`` is one error everywhere in the public API: :class:`evalkit.RenderError`
(a language is a choice of how output is written, like a report format; DESIGN.md's
hierarchy puts "bad format" under RenderError), whose message names the argument, what was
given and the choices ``'zh', 'en'`` (evalkit._checks.check_lang)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import evalkit as ek
from evalkit.estimate.honest import honest_sentence
from evalkit.model.diagram import logic_model_svg

MESSAGE = re.escape("lang: expected one of 'zh', 'en', got 'xx'")


@pytest.fixture(scope="module")
def evaluation() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))


@pytest.fixture(scope="module")
def result() -> ek.EffectResult:
    rng = np.random.default_rng(3)
    pre = rng.normal(3, 1, 30)
    df = pd.DataFrame({"id": np.r_[np.arange(30), np.arange(30)], "t": [0] * 30 + [1] * 30,
                       "y": np.r_[pre, pre + 0.3 + rng.normal(0, 0.5, 30)]})
    return ek.prepost(df, "y", "id", "t", 0, 1)


def _calls(ev: Any, r: ek.EffectResult, tmp: Any) -> dict[str, Callable[[], Any]]:
    frame = pd.DataFrame({"m": [0.0, 1.0], "lb": [0.1, -0.2], "ub": [0.5, 0.8]})
    frame.attrs.update({"breakdown": 0.5, "method": "relative_magnitude",
                        "original": (0.1, 0.5)})
    return {
        "EffectResult.sentence": lambda: r.sentence(lang="xx"),
        "EffectResult.plot": lambda: r.plot(lang="xx"),
        "EffectResult.design_label": lambda: r.design_label(lang="xx"),
        "PowerResult.sentence": lambda: ek.power("paired", effect=0.3,
                                                 power=0.8).sentence(lang="xx"),
        "compare": lambda: ek.compare([r], lang="xx"),
        "honest_sentence": lambda: honest_sentence(frame, "xx"),
        "Evaluation.render": lambda: ev.render(tmp / "r.html", lang="xx"),
        "RenewalResult.summary": lambda: ev.renewal.summary(lang="xx"),
        "SroiResult.plot": lambda: ev.value.sroi.plot(lang="xx"),
        "logic_model_svg": lambda: logic_model_svg(ev.project.logic_model, lang="xx"),
    }


CALLS = ["EffectResult.sentence", "EffectResult.plot", "EffectResult.design_label",
         "PowerResult.sentence", "compare", "honest_sentence", "Evaluation.render",
         "RenewalResult.summary", "SroiResult.plot", "logic_model_svg"]


@pytest.mark.parametrize("name", CALLS)
def test_bad_lang_is_a_render_error_naming_the_choices(name: str, evaluation: Any,
                                                        result: ek.EffectResult,
                                                        tmp_path: Any) -> None:
    call = _calls(evaluation, result, tmp_path)[name]
    with pytest.raises(ek.RenderError, match=MESSAGE) as info:
        call()
    assert not isinstance(info.value, ek.SpecError | ek.EstimationError)
    assert "'zh' for Chinese" in str(info.value)


def test_portfolio_langs_is_a_render_error(tmp_path: Any) -> None:
    with pytest.raises(ek.RenderError, match=re.escape("langs: expected one of 'zh', 'en', "
                                                       "got 'xx'")):
        ek.evaluate_many([ek.datasets.path("workers_home")], report_dir=tmp_path,
                         langs=("xx",))
