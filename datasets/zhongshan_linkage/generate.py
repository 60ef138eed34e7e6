"""Generate the Zhongshan "union + social worker + volunteer" linkage example (synthetic data).

Run from anywhere:  python datasets/zhongshan_linkage/generate.py
It rewrites the CSV files in data/ next to this script; the same seed gives the same files.
The structure (a city centre, 7 township stations, 18 contact points, three platforms, four
union functions, the service commitments) follows published case studies; every number is
synthetic. The true values are documented in README.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250713
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)

# ---- true values (README.md) ------------------------------------------------------------
STATIONS = [f"T{k}" for k in range(1, 8)]
POINTS_PER_STATION = {"T1": 3, "T2": 3, "T3": 3, "T4": 3, "T5": 2, "T6": 2, "T7": 2}  # 18
T7_THIN_WEEKS = range(10, 16)          # T7 makes one visit instead of two in these 6 weeks
NO_VOLUNTEER_PLATFORM = "T6"           # T6 runs no volunteer-development activity
LEGAL_PER_STATION = {"legal_aid": 24, "wage_arrears": 16}
ACTIVITY_CATEGORIES = ["leisure"] * 6 + ["skills"] * 4 + ["health"] * 2   # 12 a year
VOLUNTEER_ACTIVITIES = 6               # per station (except T6)
NEEDS = {"wage_arrears": 300, "legal_aid": 250, "childcare": 200, "skills": 150,
         "health": 60, "leisure": 40}
N_VOLUNTEERS, N_FROM_SERVED, N_SERVED = 400, 120, 1500
VOLUNTEER_MEAN_DAYS = 200.0            # exponential time to leaving: S(90) = exp(-90/200)
ENTERPRISES_PER_STATION, SERVED_PER_STATION = 10, 6
TRUE_DISPUTE_EFFECT = -0.60            # disputes per 100 workers per month, from period 13

KIND = {  # activity -> (platform, means, content)
    "enterprise_visit": ("union", "visit", "construction"),
    "legal_consultation": ("care", "consultation", "rights"),
    "worker_activity": ("care", "activity", "participation"),
    "labour_survey": ("union", "survey", "construction"),
    "needs_survey": ("care", "survey", "participation"),
    "volunteer_activity": ("volunteer", "activity", "education"),
}


def _points() -> pd.DataFrame:
    rows = [{"site": "ZS", "kind": "centre"}]
    for s in STATIONS:
        rows.append({"site": s, "kind": "station"})
        rows += [{"site": f"{s}P{j}", "kind": "contact_point"}
                 for j in range(1, POINTS_PER_STATION[s] + 1)]
    return pd.DataFrame(rows).loc[lambda d: d["kind"] != "centre"].reset_index(drop=True)


def _day(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    return lo + dt.timedelta(days=int(rng.integers(0, (hi - lo).days + 1)))


def _service_log(rng: np.random.Generator) -> pd.DataFrame:
    rows: list[dict[str, object]] = []

    def add(station: str, when: dt.date, kind: str, category: str | None, people: int) -> None:
        pts = [station] + [f"{station}P{j}" for j in range(1, POINTS_PER_STATION[station] + 1)]
        platform, means, content = KIND[kind]
        rows.append({"date": when.isoformat(), "site": pts[int(rng.integers(0, len(pts)))],
                     "activity_type": kind, "platform": platform, "means": means,
                     "content": content, "category": category, "participants": people})

    monday = START - dt.timedelta(days=START.weekday())
    weeks = []
    while monday <= END:
        weeks.append((max(monday, START), min(monday + dt.timedelta(days=6), END)))
        monday += dt.timedelta(days=7)
    for s in STATIONS:
        for w, (lo, hi) in enumerate(weeks, start=1):
            n = 1 if s == "T7" and w in T7_THIN_WEEKS else 2
            for _ in range(n):
                add(s, _day(rng, lo, hi), "enterprise_visit", None, int(rng.integers(2, 9)))
        for cat, k in LEGAL_PER_STATION.items():
            for _ in range(k):
                add(s, _day(rng, START, END), "legal_consultation", cat, 1)
        for m, cat in enumerate(ACTIVITY_CATEGORIES, start=1):
            lo = dt.date(2025, m, 1)
            hi = (dt.date(2025, m + 1, 1) if m < 12 else dt.date(2026, 1, 1)) - dt.timedelta(days=1)
            add(s, _day(rng, lo, hi), "worker_activity", cat, int(rng.integers(15, 60)))
        for q in range(4):
            lo = dt.date(2025, 3 * q + 1, 1)
            add(s, _day(rng, lo, lo + dt.timedelta(days=80)), "labour_survey", None,
                int(rng.integers(20, 50)))
        add(s, _day(rng, dt.date(2025, 2, 1), dt.date(2025, 3, 31)), "needs_survey", None,
            int(rng.integers(100, 180)))
        if s != NO_VOLUNTEER_PLATFORM:
            for _ in range(VOLUNTEER_ACTIVITIES):
                add(s, _day(rng, START, END), "volunteer_activity", None,
                    int(rng.integers(10, 30)))
    return pd.DataFrame(rows).sort_values(["date", "site", "activity_type"], kind="stable")


def _site_of(rng: np.random.Generator) -> str:
    s = STATIONS[int(rng.integers(0, 7))]
    j = int(rng.integers(0, POINTS_PER_STATION[s] + 1))
    return s if j == 0 else f"{s}P{j}"


def _needs(rng: np.random.Generator) -> pd.DataFrame:
    needs = [c for c, k in NEEDS.items() for _ in range(k)]
    order = rng.permutation(len(needs))
    return pd.DataFrame({"respondent_id": [f"R{i:04d}" for i in range(1, len(needs) + 1)],
                         "site": [_site_of(rng) for _ in needs],
                         "need": [needs[i] for i in order]})


def _workers(rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"worker_id": [f"W{i:04d}" for i in range(1, N_SERVED + 1)],
                         "site": [_site_of(rng) for _ in range(N_SERVED)]})


def _volunteers(rng: np.random.Generator) -> pd.DataFrame:
    served = rng.choice(N_SERVED, N_FROM_SERVED, replace=False) + 1
    rows = []
    for i in range(N_VOLUNTEERS):
        joined = _day(rng, START, dt.date(2025, 11, 30))
        stay = float(rng.exponential(VOLUNTEER_MEAN_DAYS))
        left = joined + dt.timedelta(days=int(stay))
        rows.append({"volunteer_id": f"V{i + 1:04d}",
                     "worker_id": f"W{served[i]:04d}" if i < N_FROM_SERVED else None,
                     "site": _site_of(rng), "joined": joined.isoformat(),
                     "left": left.isoformat() if left <= END else None})
    return pd.DataFrame(rows)


def _panel(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    e = 0
    for s in STATIONS:
        station_effect = rng.normal(0, 0.3)
        for k in range(ENTERPRISES_PER_STATION):
            e += 1
            served = k < SERVED_PER_STATION
            base = 2.6 + station_effect + rng.normal(0, 0.4) + (0.3 if served else 0.0)
            for m in range(1, 25):
                effect = TRUE_DISPUTE_EFFECT if served and m >= 13 else 0.0
                y = base - 0.01 * m + effect + rng.normal(0, 0.4)
                rows.append({"enterprise_id": f"E{e:03d}", "site": s, "period": m,
                             "served": int(served), "post": int(m >= 13),
                             "disputes_per_100": round(max(y, 0.0), 3)})
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    tables = {
        "points.csv": _points(),
        "service_log.csv": _service_log(rng),
        "needs.csv": _needs(rng),
        "workers.csv": _workers(rng),
        "volunteers.csv": _volunteers(rng),
        "panel.csv": _panel(rng),
    }
    for name, frame in tables.items():
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {OUT / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
