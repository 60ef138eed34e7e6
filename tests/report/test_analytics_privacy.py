"""Mechanism sections keep the disclosure threshold: small counts of people become "<k"."""

from __future__ import annotations

from evalkit.assess.needs_match import needs_match
from evalkit.report.analytics import _needs, _retention
from evalkit.report.plain import Disclosure


def test_small_need_categories_are_suppressed():
    r = needs_match({"legal": 40, "childcare": 3}, {"legal": 10, "childcare": 2})
    rec = _needs(r, Disclosure(threshold=5))
    rows = {x["category"]: x for x in rec["table"]["records"]}
    assert rows["childcare"]["n"] == "<5" and rows["childcare"]["need_share"] == "<5"
    assert rows["legal"]["n"] == 40


def test_small_volunteer_counts_are_suppressed():
    import pandas as pd

    from evalkit.estimate.retention import volunteer_retention

    v = pd.DataFrame({"joined": ["2025-01-01"] * 3, "left": ["2025-02-01", None, None]})
    r = volunteer_retention(v, as_of="2025-12-31")
    rec = _retention(r, {"share": 0.01, "converted": 2, "served": 200}, Disclosure(threshold=5))
    assert rec["retention"] == "<5" and rec["n"] == "<5" and rec["ci"] == ["<5", "<5"]
    assert rec["conversion"]["converted"] == "<5" and rec["conversion"]["share"] == "<5"


def test_few_served_workers_are_hidden_with_the_conversion() -> None:
    """The served workers are people: fewer than k are "<k" (they were printed as "of 3")."""
    import pandas as pd

    from evalkit.estimate.retention import volunteer_retention

    v = pd.DataFrame({"joined": ["2025-01-01"] * 6, "left": [None] * 6})
    r = volunteer_retention(v, as_of="2025-12-31")
    small = _retention(r, {"share": 0.5, "converted": 6, "served": 3}, Disclosure(threshold=5))
    assert small["conversion"]["served"] == "<5"
    large = _retention(r, {"share": 0.5, "converted": 6, "served": 12}, Disclosure(threshold=5))
    assert large["conversion"]["served"] == 12
