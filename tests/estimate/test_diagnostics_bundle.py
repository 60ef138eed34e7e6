"""Design diagnostics (attrition from a panel, baseline equivalence, ANCOVA errors) and the
scale-outcome bundle used by the pipeline."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from evalkit.data.scales import Reliability
from evalkit.errors import DataError, EstimationError, EvalkitWarning
from evalkit.estimate.change import ReliableChange
from evalkit.estimate.diagnostics import (
    Attrition,
    BaselineEquivalence,
    ancova,
    attrition_from_panel,
    baseline_equivalence,
)
from evalkit.estimate.prepost_bundle import analyse_scale_outcome
from evalkit.estimate.results import EffectResult

ITEMS = ["w1", "w2", "w3", "w4"]


def survey(n_t: int = 60, n_c: int = 40, seed: int = 0) -> pd.DataFrame:
    """Long survey: served and comparison people, 4 items (w4 reverse-coded), two waves,
    some people lost at follow-up and some items unanswered."""
    rng = np.random.default_rng(seed)
    n = n_t + n_c
    group = np.array(["served"] * n_t + ["comparison"] * n_c)
    trait = rng.normal(3, 0.7, n)
    rows = []
    for wave, shift in (("pre", 0.0), ("post", 1.0)):
        latent = trait + shift * np.where(group == "served", 0.5, 0.05) + rng.normal(0, 0.3, n)
        for i in range(n):
            if wave == "post" and i % 9 == 0:
                continue  # lost at follow-up
            items = {c: float(np.clip(round(latent[i] + rng.normal(0, 0.5)), 1, 5))
                     for c in ITEMS}
            items["w4"] = 6 - items["w4"]
            if i % 13 == 0:
                items["w2"] = math.nan
            rows.append({"id": f"u{i}", "wave": wave, "grp": group[i], **items})
    return pd.DataFrame(rows)


def test_bundle_one_group() -> None:
    df = survey().query("grp == 'served'").reset_index(drop=True)
    before = df.copy(deep=True)
    out = analyse_scale_outcome(df, items=ITEMS, unit="id", time="wave", pre="pre",
                                post="post", reverse=["w4"], label="wellbeing")
    pd.testing.assert_frame_equal(df, before)
    assert set(out) == {"result", "comparison", "wilcoxon", "reliability", "rci", "attrition",
                        "baseline", "means"}
    assert out["comparison"] is None
    res = out["result"]
    assert isinstance(res, EffectResult) and res.design == "pre_post"
    assert res.extra["label"] == "wellbeing" and res.estimate > 0.2
    assert out["wilcoxon"].method.startswith("Wilcoxon")
    assert isinstance(out["reliability"], Reliability) and out["reliability"].alpha > 0.7
    assert isinstance(out["rci"], ReliableChange) and out["rci"].n == res.n
    assert isinstance(out["attrition"], Attrition) and out["attrition"].differential is None
    assert out["baseline"] is None
    assert res.sentence("en").startswith("Wellbeing rose by")


def test_bundle_with_comparison_group() -> None:
    df = survey()
    before = df.copy(deep=True)
    out = analyse_scale_outcome(df, items=ITEMS, unit="id", time="wave", pre="pre",
                                post="post", reverse=["w4"], min_answered=3,
                                group={"column": "grp", "treated": "served",
                                       "control": "comparison"},
                                norms={"cutoff": 3.5})
    pd.testing.assert_frame_equal(df, before)
    res = out["comparison"]
    assert res.design == "pre_post_comparison" and res.evidence_level == 3
    assert out["result"].design == "pre_post" and out["result"].evidence_level == 2
    assert out["result"].n == out["rci"].n == out["wilcoxon"].n
    assert isinstance(out["baseline"], BaselineEquivalence)
    assert out["attrition"].rating["optimistic"] in ("low", "high")
    assert set(out["means"]["group"]) == {"served", "comparison"}
    assert res.sentence("en").startswith("Relative to the comparison group, ")
    assert "与对照组相比" in res.sentence("zh")


def test_bundle_item_out_of_range_names_column() -> None:
    df = survey()
    df.loc[5, "w3"] = 9.0
    with pytest.raises(DataError, match=r"column 'w3' must lie in \[1, 5\], found 9 at row 5"):
        analyse_scale_outcome(df, items=ITEMS, unit="id", time="wave", pre="pre", post="post")


def test_bundle_warns_on_low_alpha() -> None:
    df = survey()
    with pytest.warns(EvalkitWarning, match="Cronbach"):
        analyse_scale_outcome(df, items=ITEMS, unit="id", time="wave", pre="pre", post="post")


def test_attrition_from_panel_counts() -> None:
    df = survey()
    a = attrition_from_panel(df, "w1", "id", "wave", "pre", "post", group="grp",
                             treated="served", control="comparison")
    lost_t = sum(1 for i in range(60) if i % 9 == 0)
    lost_c = sum(1 for i in range(60, 100) if i % 9 == 0)
    assert a.by_group["treated"]["n_start"] == 60 and a.by_group["treated"]["n_end"] == 60 - lost_t
    assert a.by_group["control"]["n_end"] == 40 - lost_c
    assert_allclose(a.overall, 100 * (lost_t + lost_c) / 100, rtol=1e-12)


def test_baseline_equivalence_errors() -> None:
    df = pd.DataFrame({"y": [1.0, 2, 3], "g": ["t", "t", "c"]})
    with pytest.raises(EstimationError, match=r"'y'.*'g'"):
        baseline_equivalence(df, "y", "g", "t", "c")
    with pytest.raises(DataError, match="'x' not found in column 'g'"):
        baseline_equivalence(df, "y", "g", "x", "c")


def test_ancova_errors() -> None:
    df = survey()
    with pytest.raises(DataError, match="column 'age' not found"):
        ancova(df, "w1", "id", "wave", "pre", "post", group="grp", treated="served",
               control="comparison", covariates=["age"])
    bad = df.copy()
    bad.loc[(bad["id"] == "u1") & (bad["wave"] == "post"), "grp"] = "comparison"
    with pytest.raises(DataError, match=r"unit 'u1' is in both.*'grp'"):
        ancova(bad, "w1", "id", "wave", "pre", "post", group="grp", treated="served",
               control="comparison")


def test_example_project_wellbeing() -> None:
    """The bundled example: the served change is near the documented +0.40."""
    import evalkit as ek

    project = ek.load_project(ek.datasets.path("workers_home") / "project.yaml")
    path = ek.datasets.path("workers_home") / "data" / "participants.csv"
    if not path.exists():
        pytest.skip("example data not generated")
    df = pd.read_csv(path)
    oc = next(o for o in project.outcomes if o.id == "wellbeing")
    assert oc.scale is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EvalkitWarning)
        out = analyse_scale_outcome(df, items=oc.scale.items, unit="worker_id", time="wave",
                                    pre="pre", post="post", reverse=oc.scale.reverse,
                                    min_answered=oc.scale.min_answered,
                                    group={"column": "group", "treated": "service",
                                           "control": "comparison"})
    served = out["result"]
    lo, hi = served.ci
    assert lo < 0.40 < hi


@pytest.mark.parametrize("group", [None, {"column": "grp", "treated": "served",
                                          "control": "comparison"}])
def test_bundle_pairs_each_table_once_with_the_same_results(monkeypatch, group) -> None:
    # up to five analyses pair the waves (t, Wilcoxon, reliable change, ANCOVA, attrition); the
    # bundle pairs the served table once (and the whole table once with a comparison group)
    # and gets exactly what pairing each time gave
    import dataclasses

    from evalkit.estimate import _paired

    df = survey() if group else survey().query("grp == 'served'").reset_index(drop=True)
    kw = dict(items=ITEMS, unit="id", time="wave", pre="pre", post="post", reverse=["w4"],
              group=group, norms={"cutoff": 3.5})
    calls: list[str] = []
    real = _paired._make_pairs

    def counting(*args, **kwargs):
        calls.append(args[-1])
        return real(*args, **kwargs)

    monkeypatch.setattr(_paired, "_make_pairs", counting)
    once = analyse_scale_outcome(df, **kw)
    assert len(calls) == (2 if group else 1)
    calls.clear()
    monkeypatch.setattr("evalkit.estimate.prepost_bundle.paired_once", _never_shared)
    each = analyse_scale_outcome(df, **kw)
    assert len(calls) == (5 if group else 4)  # ANCOVA only with a comparison group
    for key in ("result", "wilcoxon", "comparison"):
        if once[key] is None:
            assert each[key] is None
            continue
        a, b = ({f.name: getattr(r, f.name) for f in dataclasses.fields(r)}
                for r in (once[key], each[key]))
        pd.testing.assert_frame_equal(a.pop("table"), b.pop("table"))
        a["extra"], b["extra"] = dict(a["extra"]), dict(b["extra"])
        assert repr(a) == repr(b)
    pd.testing.assert_frame_equal(once["rci"].people, each["rci"].people)
    assert once["rci"].counts == each["rci"].counts
    assert once["attrition"] == each["attrition"]


def _never_shared():
    import contextlib

    return contextlib.nullcontext()


def test_shared_pairs_are_read_only_and_errors_name_their_caller() -> None:
    from evalkit.estimate._paired import make_pairs, paired_once

    df = survey().query("grp == 'served'").reset_index(drop=True)
    with paired_once():
        first = make_pairs(df, "w1", "id", "wave", "pre", "post", "a")
        assert make_pairs(df, "w1", "id", "wave", "pre", "post", "b") is first
        assert make_pairs(df.copy(), "w1", "id", "wave", "pre", "post", "c") is not first
        assert make_pairs(df, "w2", "id", "wave", "pre", "post", "d") is not first
        with pytest.raises(ValueError, match="read-only"):
            first.pre[0] = 99.0
        with pytest.raises(DataError, match=r"^second: pre wave 'x' not found"):
            make_pairs(df, "w1", "id", "wave", "x", "post", "second")
    assert make_pairs(df, "w1", "id", "wave", "pre", "post", "e") is not first


def test_shared_wave_masks_and_groups_are_new_objects_and_errors_name_their_caller() -> None:
    from evalkit.estimate._paired import once_per_frame, paired_once, wave_mask

    df = survey()
    with paired_once():
        first = wave_mask(df, "wave", "pre", "pre", "a")
        again = wave_mask(df, "wave", "pre", "pre", "b")
        assert again is not first  # a caller may change its mask without touching another's
        pd.testing.assert_series_equal(again, first)
        again.iloc[:] = False
        pd.testing.assert_series_equal(wave_mask(df, "wave", "pre", "pre", "c"),
                                       (df["wave"] == "pre").astype(bool), check_names=False)
        with pytest.raises(DataError, match=r"^second: pre wave 'x' not found"):
            wave_mask(df, "wave", "x", "pre", "second")
        with pytest.raises(DataError, match=r"^third: pre wave 'x' not found"):
            wave_mask(df, "wave", "x", "pre", "third")
        calls: list[int] = []
        assert once_per_frame(df, ("k",), lambda: calls.append(1) or 7) == 7
        assert once_per_frame(df, ("k",), lambda: calls.append(1) or 8) == 7
        assert once_per_frame(df.copy(), ("k",), lambda: calls.append(1) or 9) == 9
        assert len(calls) == 2
    assert once_per_frame(df, ("k",), lambda: 10) == 10  # nothing kept outside the block
