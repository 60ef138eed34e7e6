"""sites: the tree, its checks, roll-up sets and ancestors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from evalkit.model.sites import Sites

TREE = {"levels": ["centre", "station", "point"], "cluster_level": "station",
        "tree": [{"id": "C", "level": "centre", "children": [
            {"id": "S1", "level": "station", "children": [{"id": "P1", "level": "point"},
                                                         {"id": "P2", "level": "point"}]},
            {"id": "S2", "level": "station"}]}]}


def test_tree_rollup_and_ancestors():
    s = Sites.model_validate(TREE)
    assert s.ids() == ["C", "S1", "P1", "P2", "S2"]
    assert s.below("S1") == {"S1", "P1", "P2"} and s.below("C") == set(s.ids())
    assert s.ancestor_at("P2", "station") == "S1" and s.ancestor_at("S2", "point") is None
    assert s.at_level("station") == ["S1", "S2"]


def test_tree_errors():
    bad = {**TREE, "tree": [{"id": "C", "level": "station", "children": [
        {"id": "C", "level": "centre"}]}]}
    with pytest.raises(ValidationError) as info:
        Sites.model_validate(bad)
    text = str(info.value)
    assert "site id 'C' is used more than once" in text
    assert "a child must be at a lower level" in text
