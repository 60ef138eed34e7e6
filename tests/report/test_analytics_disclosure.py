"""The mechanism sections obey the disclosure threshold like the main tables.

Found after merging the linkage examples: at a threshold above every sample size the main
effect of shenyang_sanlian was suppressed while its subgroup effects (the same data split in
two) were printed, with the interaction test.
"""

from __future__ import annotations

import warnings

import pytest
from report_helpers import with_threshold

import evalkit as ek
from evalkit.report.context import build_context


@pytest.fixture(scope="module")
def shenyang() -> ek.Evaluation:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ek.evaluate(ek.load_project(ek.datasets.path("shenyang_sanlian") / "project.yaml"))


def test_subgroup_effects_shown_at_the_default_threshold(shenyang):
    het = build_context(shenyang, report="evaluation")["analytics"]["heterogeneity"][0]
    assert not het["suppressed"]
    estimates = [r["estimate"] for r in het["table"]["records"]]
    assert all(isinstance(e, float) for e in estimates)
    assert "n" not in het["table"]["columns"]


def test_subgroup_effects_hidden_with_the_main_effect(shenyang):
    ctx = build_context(with_threshold(shenyang, 100_000), report="evaluation")
    assert all(e["suppressed"] for e in ctx["effects"])
    het = ctx["analytics"]["heterogeneity"][0]
    assert het["suppressed"] and het["difference"] == "<100000" and het["p_value"] == "<100000"
    for rec in het["table"]["records"]:
        assert rec["estimate"] == "<100000" and rec["conf_low"] == "<100000"
