"""Generate the "three-society linkage" example (community + social organization + social worker).

Run from anywhere:  python datasets/three_society_linkage/generate.py
It rewrites the CSV files in data/ next to this script; the same seed gives the same files.
The project cycle (needs assessment → design → supervision → evaluation → acceptance) follows
published case studies of urban communities; every number is synthetic (truths in README.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250318
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"

# ---- the stage gates (also in project.yaml) and the true deviations (README.md) ----------
GATES = {  # stage -> (due date, required outputs)
    "needs_assessment": (dt.date(2025, 2, 28), ["needs_report"]),
    "design": (dt.date(2025, 3, 31), ["project_plan", "budget"]),
    "supervision": (dt.date(2025, 7, 31), ["supervision_record"]),
    "evaluation": (dt.date(2025, 11, 30), ["evaluation_report"]),
    "acceptance": (dt.date(2025, 12, 31), ["acceptance_form"]),
}
N_PROJECTS = 12
DAYS_EARLY = 10                      # a stage passed on time is signed off 10 days before due
LATE = {("P03", "design"): 12, ("P08", "evaluation"): 5, ("P10", "acceptance"): 20}
SKIPPED = {("P05", "supervision"), ("P11", "evaluation"), ("P11", "acceptance")}
MISSING_OUTPUT = {("P07", "evaluation"): "evaluation_report", ("P02", "design"): "budget"}
N_RESIDENTS = 150
TRUE_BELONGING_CHANGE = 0.30         # 1-5 scale, post - pre
# ---- monthly neighbourhood-dispute requests to the community (no comparison community) ----
HOTLINE_SEED = SEED + 1              # its own stream: the files above stay as they were
HOTLINE_MONTHS = 36                  # 2023-01 … 2025-12; the micro-projects start in 2025-01
HOTLINE_START = 25                   # first month with the service (month index)
HOTLINE_LEVEL = 40.0                 # requests a month at the start, had nothing changed
HOTLINE_TREND = 0.25                 # rise a month before the service (and after, without it)
TRUE_HOTLINE_LEVEL = -6.0            # drop at the start
TRUE_HOTLINE_TREND = -0.30           # change in the monthly trend after the start
HOTLINE_NOISE = 1.5                  # sd of the monthly noise (AR(1), rho 0.3)
# average effect over the 12 service months: level + trend * mean(0..11) = -6 - 0.3 * 5.5
TRUE_HOTLINE_EFFECT = TRUE_HOTLINE_LEVEL + TRUE_HOTLINE_TREND * 5.5


def _cycle() -> pd.DataFrame:
    rows = []
    for k in range(1, N_PROJECTS + 1):
        pid = f"P{k:02d}"
        for stage, (due, outputs) in GATES.items():
            if (pid, stage) in SKIPPED:
                continue
            when = due + dt.timedelta(days=LATE.get((pid, stage), -DAYS_EARLY))
            delivered = [o for o in outputs if o != MISSING_OUTPUT.get((pid, stage))]
            rows.append({"project_id": pid, "stage": stage, "date": when.isoformat(),
                         "outputs": ";".join(delivered)})
    return pd.DataFrame(rows)


def _residents(rng: np.random.Generator) -> pd.DataFrame:
    trait = rng.normal(3.1, 0.5, N_RESIDENTS)
    change = TRUE_BELONGING_CHANGE + rng.normal(0, 0.4, N_RESIDENTS)
    rows = []
    for wave, level in (("pre", trait), ("post", trait + change)):
        for i in range(N_RESIDENTS):
            rows.append({"resident_id": f"H{i + 1:03d}", "wave": wave,
                         "belonging": round(float(np.clip(level[i] + rng.normal(0, 0.2), 1, 5)),
                                            2)})
    return pd.DataFrame(rows)


def _hotline() -> pd.DataFrame:
    """Monthly requests about neighbourhood disputes: a segmented trend with AR(1) noise."""
    rng = np.random.default_rng(HOTLINE_SEED)
    e = np.empty(HOTLINE_MONTHS)
    e[0] = rng.normal(0, HOTLINE_NOISE)
    for t in range(1, HOTLINE_MONTHS):
        e[t] = 0.3 * e[t - 1] + rng.normal(0, HOTLINE_NOISE * np.sqrt(1 - 0.3 ** 2))
    rows = []
    for t in range(1, HOTLINE_MONTHS + 1):
        k = t - HOTLINE_START
        served = t >= HOTLINE_START
        mean = (HOTLINE_LEVEL + HOTLINE_TREND * k
                + (TRUE_HOTLINE_LEVEL + TRUE_HOTLINE_TREND * k if served else 0.0))
        year, month = 2023 + (t - 1) // 12, (t - 1) % 12 + 1
        rows.append({"month": f"{year}-{month:02d}", "month_index": t,
                     "requests": round(float(mean + e[t - 1]), 1)})
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in {"cycle.csv": _cycle(), "residents.csv": _residents(rng),
                        "hotline.csv": _hotline()}.items():
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {OUT / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
