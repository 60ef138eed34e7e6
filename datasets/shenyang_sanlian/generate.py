"""Generate the Shenyang "three links" (三联) example: community joint unions, piloted first in
the strongest communities, with weak-community comparison data.

Run from anywhere:  python datasets/shenyang_sanlian/generate.py
It rewrites the CSV files in data/ next to this script; the same seed gives the same files.
The mechanism (organization co-building, resource union, service linkage; pilots in strong
communities) follows published case studies; every number is synthetic (truths in README.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20240901
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"

# ---- true values (README.md) ------------------------------------------------------------
DISTRICTS = {"HP": 8, "SH": 8, "DD": 8}          # 24 communities
# community index (0-23) -> (strength, treated): strong = first 4 of each district
TREATED_STRONG = 8                               # of 12 strong communities
TREATED_WEAK = 2                                 # of 12 weak communities
TRUE_EFFECT = {"strong": 6.0, "weak": 2.0}       # points on the 0-100 service index
QUARTERS = [f"{y}Q{q}" for y in (2024, 2025) for q in range(1, 5)]
NOISE_SD, COMMUNITY_SD = 1.5, 3.0
LINKS = ["organization", "resource", "service"]


def _communities() -> list[dict[str, object]]:
    out = []
    k = 0
    strong_seen = weak_seen = 0
    for d, n in DISTRICTS.items():
        for j in range(1, n + 1):
            strong = j <= 4
            if strong:
                strong_seen += 1
                treated = strong_seen <= TREATED_STRONG
            else:
                weak_seen += 1
                treated = weak_seen <= TREATED_WEAK
            out.append({"site": f"{d}{j:02d}", "district": d,
                        "strength": "strong" if strong else "weak", "treated": int(treated)})
            k += 1
    return out


def _panel(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for c in _communities():
        base = (62.0 if c["strength"] == "strong" else 48.0) + rng.normal(0, COMMUNITY_SD)
        for t, quarter in enumerate(QUARTERS):
            post = int(t >= 4)
            effect = TRUE_EFFECT[str(c["strength"])] * int(c["treated"]) * post
            y = base + 0.4 * t + effect + rng.normal(0, NOISE_SD)
            rows.append({"site": c["site"], "quarter": quarter, "period": t + 1,
                         "strength": c["strength"], "pilot": c["treated"], "post": post,
                         "service_index": round(y, 2)})
    return pd.DataFrame(rows)


def _activities(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for c in _communities():
        if not c["treated"]:
            continue
        for m in range(1, 13):  # one activity per link per month in pilot communities, 2025
            for link in LINKS:
                day = dt.date(2025, m, int(rng.integers(1, 28)))
                rows.append({"date": day.isoformat(), "site": c["site"], "link": link,
                             "participants": int(rng.integers(8, 40))})
    return pd.DataFrame(rows).sort_values(["date", "site", "link"], kind="stable")


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in {"panel.csv": _panel(rng), "activities.csv": _activities(rng)}.items():
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {OUT / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
