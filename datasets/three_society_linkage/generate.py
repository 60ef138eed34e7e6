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


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    for name, frame in {"cycle.csv": _cycle(), "residents.csv": _residents(rng)}.items():
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {OUT / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
