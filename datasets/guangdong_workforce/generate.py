"""Generate the Guangdong provincial union social-worker workforce example (synthetic data).

Run from anywhere:  python datasets/guangdong_workforce/generate.py
It rewrites the CSV files in data/ next to this script; the same seed gives the same files.
The scale (about 3,400 union social workers placed in towns, about 600 with the professional
certificate) follows published case studies; every number is synthetic. The yearly totals
are exact by construction (README.md); the seed only decides which worker is where.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20230601
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"

CITIES = {"GZ": "Guangzhou", "SZ": "Shenzhen", "FS": "Foshan", "DG": "Dongguan"}
TOWNS_PER_CITY = 5
YEARS = ["2023", "2024", "2025"]
# ---- true values (README.md): headcount, certified, leavers, mean training hours, mean cases
HEADCOUNT = {"2023": 3000, "2024": 3200, "2025": 3400}
CERTIFIED = {"2023": 420, "2024": 510, "2025": 600}
LEAVERS = {"2023": 330, "2024": 320, "2025": 306}
TRAINING_HOURS = {"2023": 32, "2024": 40, "2025": 48}
CASELOAD = {"2023": 62, "2024": 58, "2025": 55}


def _towns() -> list[str]:
    return [f"{c}{k:02d}" for c in CITIES for k in range(1, TOWNS_PER_CITY + 1)]


def _roster(rng: np.random.Generator) -> pd.DataFrame:
    towns = _towns()
    weights = rng.uniform(0.5, 1.5, len(towns))
    weights /= weights.sum()
    next_id = 1
    current: list[int] = []
    town: dict[int, str] = {}
    certified: set[int] = set()
    rows = []
    for year in YEARS:
        while len(current) < HEADCOUNT[year]:
            current.append(next_id)
            town[next_id] = str(rng.choice(towns, p=weights))
            next_id += 1
        order = [int(x) for x in rng.permutation(current)]
        have = [w for w in order if w in certified]
        for w in order:
            if len(have) >= CERTIFIED[year]:
                break
            if w not in certified:
                certified.add(w)
                have.append(w)
        leavers = set(int(x) for x in rng.choice(current, LEAVERS[year], replace=False))
        for i, w in enumerate(sorted(current)):
            rows.append({
                "worker_id": f"SW{w:05d}", "site": town[w], "period": year,
                "certified": int(w in certified),
                "training_hours": TRAINING_HOURS[year] - 18 + 12 * (i % 4),
                "cases": CASELOAD[year] - 2 + (i % 5),
                "left": int(w in leavers),
            })
        current = [w for w in current if w not in leavers]
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    frame = _roster(rng)
    frame.to_csv(OUT / "roster.csv", index=False, lineterminator="\n")
    print(f"wrote {OUT / 'roster.csv'} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
