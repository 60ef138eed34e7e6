"""Generate the Workers' Home example data (seeded; the true effects are in README.md).

Run from anywhere:  python datasets/workers_home/generate.py
It rewrites the CSV files in data/ next to this script; the same seed gives the same files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20250101
HERE = Path(__file__).resolve().parent
OUT = HERE / "data"

# ---- true data-generating values (documented in README.md) -----------------------------
N_SERVED, N_COMPARISON = 300, 120
TRUE_WELLBEING_CHANGE_SERVED = 0.40  # scale points (1-5), post - pre, served workers
TRUE_WELLBEING_CHANGE_COMPARISON = 0.05  # secular change among comparison workers
ATTRITION_SERVED, ATTRITION_COMPARISON = 0.12, 0.18
ITEM_MISSING_RATE = 0.03
N_ENTERPRISES, N_SERVED_ENTERPRISES, N_MONTHS, START_MONTH = 40, 16, 24, 13
TRUE_DISPUTE_EFFECT = -0.80  # disputes per 100 workers per month, served after start
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高")
GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚")


def _participants(rng: np.random.Generator) -> pd.DataFrame:
    n = N_SERVED + N_COMPARISON
    group = np.array(["service"] * N_SERVED + ["comparison"] * N_COMPARISON)
    ids = [f"W{i:04d}" for i in range(1, n + 1)]
    enterprise = np.where(
        group == "service",
        rng.integers(1, N_SERVED_ENTERPRISES + 1, n),
        rng.integers(N_SERVED_ENTERPRISES + 1, N_ENTERPRISES + 1, n),
    )
    gender = rng.choice(["female", "male"], n, p=[0.45, 0.55])
    age = rng.integers(19, 58, n)
    trait = rng.normal(3.0, 0.55, n)  # each worker's latent wellbeing at baseline
    change = np.where(group == "service", TRUE_WELLBEING_CHANGE_SERVED,
                      TRUE_WELLBEING_CHANGE_COMPARISON) + rng.normal(0, 0.35, n)
    names = [rng.choice(SURNAMES) + "".join(rng.choice(GIVEN, 2)) for _ in range(n)]
    phones = [f"13{rng.integers(0, 10**9):09d}" for _ in range(n)]
    id_numbers = [f"4403{rng.integers(10**13, 10**14):014d}" for _ in range(n)]
    attr = np.where(group == "service", ATTRITION_SERVED, ATTRITION_COMPARISON)
    stays = rng.random(n) > attr
    rows = []
    for wave, latent in (("pre", trait), ("post", trait + change)):
        for i in range(n):
            if wave == "post" and not stays[i]:
                continue
            items = {}
            for k in range(1, 7):
                x = latent[i] + rng.normal(0, 0.6)
                score = int(np.clip(np.rint(x), 1, 5))
                if k in (3, 5):  # reverse-coded items
                    score = 6 - score
                items[f"wb{k}"] = score if rng.random() > ITEM_MISSING_RATE else np.nan
            rows.append({
                "worker_id": ids[i], "wave": wave, "group": group[i],
                "enterprise_id": f"E{enterprise[i]:02d}", "name": names[i], "phone": phones[i],
                "id_number": id_numbers[i], "gender": gender[i], "age": int(age[i]),
                "survey_date": "2025-01-15" if wave == "pre" else "2025-12-10", **items,
            })
    df = pd.DataFrame(rows)
    for k in range(1, 7):
        df[f"wb{k}"] = df[f"wb{k}"].astype("Int64")
    return df


ACTIVITIES = {
    # type: (how many in the year, mean participants, mean volunteers)
    "group_session": (26, 14, 2),
    "enterprise_visit": (110, 6, 0),
    "worker_activity": (14, 45, 6),
    "legal_consultation": (60, 3, 0),
    "labour_survey": (4, 30, 1),
    "needs_survey": (1, 120, 4),
    "volunteer_training": (6, 12, 12),
}


def _service_log(rng: np.random.Generator) -> pd.DataFrame:
    def _visit_days(count: int) -> np.ndarray:
        """Enterprise visits on Tuesdays and Thursdays (days since 2025-01-01); none in the Spring
        Festival week (ISO week 5) and one in the National Day week (week 40); extra Friday visits
        in the weeks after until ``count`` visits."""
        start = dt.date(2025, 1, 1)
        days = []
        for offset in range(365):
            day = start + dt.timedelta(days=offset)
            week = day.isocalendar()[1]
            if week == 5 or (week == 40 and day.weekday() == 3):
                continue
            if day.weekday() in (1, 3):
                days.append(offset)
        extra_weeks = (6, 7, 8, 9, 10, 11, 41, 42, 43, 44)
        fridays = [o for o in range(365) if (start + dt.timedelta(days=o)).weekday() == 4
                   and (start + dt.timedelta(days=o)).isocalendar()[1] in extra_weeks]
        days.extend(fridays[: max(0, count - len(days))])
        return np.array(sorted(days[:count]))

    start = dt.date(2025, 1, 1)
    rows = []
    for kind, (count, mean_p, mean_v) in ACTIVITIES.items():
        days = np.sort(rng.choice(365, count, replace=count > 365))
        if kind in ("labour_survey",):
            days = np.array([40, 130, 220, 310])
        if kind == "needs_survey":
            days = np.array([20])
        if kind == "enterprise_visit":  # the random draw above is kept so later data stay
            days = _visit_days(count)   # the same; visits follow a weekly schedule instead
        for d in days:
            rows.append({
                "date": (start + dt.timedelta(days=int(d))).isoformat(),
                "activity_type": kind,
                "enterprise_id": f"E{rng.integers(1, N_SERVED_ENTERPRISES + 1):02d}",
                "participants": int(max(1, rng.poisson(mean_p))),
                "volunteers": int(rng.poisson(mean_v)),
                "hours": float(rng.choice([1.5, 2.0, 3.0])),
            })
    return pd.DataFrame(rows).sort_values(["date", "activity_type"]).reset_index(drop=True)


COMMENTS = [
    "活动很实用，希望多办几次", "法律咨询帮了大忙", "时间安排在下班后更方便",
    "志愿者很热情", "场地有点小", "", "", "希望增加亲子活动", "讲座内容太多了", "",
]


def _satisfaction(rng: np.random.Generator, participants: pd.DataFrame) -> pd.DataFrame:
    served = participants.loc[(participants["group"] == "service")
                              & (participants["wave"] == "post"), "worker_id"].to_numpy()
    respondents = rng.choice(served, 220, replace=False)
    overall = np.clip(np.rint(rng.normal(4.3, 0.7, respondents.size)), 1, 5).astype(int)
    return pd.DataFrame({
        "respondent_id": respondents,
        "date": "2025-12-12",
        "overall": overall,
        "would_recommend": (rng.random(respondents.size) < 0.88).astype(int),
        "comment": rng.choice(COMMENTS, respondents.size),
    })


def _panel(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for e in range(1, N_ENTERPRISES + 1):
        served = e <= N_SERVED_ENTERPRISES
        base = rng.normal(3.0, 0.6) + (0.4 if served else 0.0)  # served firms start worse
        workers = int(rng.integers(80, 600))
        for m in range(1, N_MONTHS + 1):
            year, month = 2024 + (m - 1) // 12, (m - 1) % 12 + 1
            trend = -0.01 * m
            effect = TRUE_DISPUTE_EFFECT if served and m >= START_MONTH else 0.0
            y = base + trend + effect + rng.normal(0, 0.5)
            rows.append({
                "enterprise_id": f"E{e:02d}", "month": f"{year}-{month:02d}", "period": m,
                "served": int(served), "service_start": START_MONTH if served else 0,
                "post": int(m >= START_MONTH), "workers": workers,
                "disputes_per_100": round(max(y, 0.0), 3),
            })
    return pd.DataFrame(rows)


def _budget() -> pd.DataFrame:
    return pd.DataFrame([
        ("B1", "人员经费", "Staff", "personnel", 168000, 165200),
        ("B2", "活动经费", "Activities", "activities", 62000, 58740),
        ("B3", "物资与宣传", "Materials and publicity", "materials", 18000, 17350),
        ("B4", "志愿者补贴", "Volunteer allowances", "volunteers", 12000, 9800),
        ("B5", "管理费", "Management fee", "management_fee", 40000, 40000),
    ], columns=["line_id", "name_zh", "name_en", "category", "budget", "spent"])


# partnership ledger (deterministic): quarter -> (union→provider, provider→union) transfers as
# (resource, amount, value or None); staff hours valued at LEDGER_RATES, funds at face value
LEDGER_RATES = {"staff_hours": 80.0, "volunteers": 30.0, "referrals": 200.0}
LEDGER = {
    "2025Q1": ([("funds", 75000, None), ("venues", 1, 6000.0)],
               [("staff_hours", 250, None), ("referrals", 10, None)]),
    "2025Q2": ([("funds", 75000, None), ("venues", 1, 6000.0), ("information", 4, 2000.0)],
               [("staff_hours", 400, None), ("volunteers", 300, None), ("referrals", 20, None)]),
    "2025Q3": ([("funds", 75000, None), ("venues", 1, 6000.0), ("information", 4, 2000.0)],
               [("staff_hours", 520, None), ("volunteers", 500, None), ("referrals", 30, None),
                ("information", 3, 3000.0)]),
    "2025Q4": ([("funds", 75000, None), ("venues", 1, 6000.0), ("referrals", 10, None)],
               [("staff_hours", 600, None), ("volunteers", 700, None), ("referrals", 40, None),
                ("information", 4, 4000.0)]),
}


def _ledger() -> pd.DataFrame:
    rows = []
    for quarter, (given, received) in LEDGER.items():
        for src, dst, items in (("union", "provider", given), ("provider", "union", received)):
            for resource, amount, value in items:
                rows.append({"period": quarter, "from_party": src, "to_party": dst,
                             "resource": resource, "amount": amount, "value": value})
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    participants = _participants(rng)
    tables = {
        "participants.csv": participants,
        "service_log.csv": _service_log(rng),
        "satisfaction.csv": _satisfaction(rng, participants),
        "panel.csv": _panel(rng),
        "budget.csv": _budget(),
        "ledger.csv": _ledger(),
    }
    for name, frame in tables.items():
        frame.to_csv(OUT / name, index=False, lineterminator="\n")
        print(f"wrote {OUT / name} ({len(frame)} rows)")


if __name__ == "__main__":
    main()
