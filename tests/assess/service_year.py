"""A service year that does not follow the calendar: 2025-03-01 (a Saturday) to 2026-02-28.

Two enterprise visits a week are promised (104 in the year); 26 a quarter is a contract
criterion (``period: each``). The log below has 127 visits; 50 of the 52 full contract weeks
have at least two (96 %). Visits fall on days 0, 2 and 4 of each seven-day contract week
(Saturday, Monday, Wednesday). Counted by hand:

* calendar March 2025: weeks 1-4 (1-28 March) hold 3 + 2 + 2 + 1 = 8 visits and week 5 has
  visits on 29 and 31 March: 10 visits;
* contract quarters (1 Mar-31 May, 1 Jun-31 Aug, 1 Sep-30 Nov, 1 Dec-28 Feb) are built from
  weeks 1-13 (+ 31 May, day 0 of week 14), … — see :func:`quarter_counts`, which recounts them
  from the dates with plain Python, independently of evalkit.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

START, END = dt.date(2025, 3, 1), dt.date(2026, 2, 28)

# visits in each of the 52 full contract weeks: two weeks with one visit (4 and 30),
# 25 weeks with three, 25 with two -> 2 + 75 + 50 = 127
WEEKS = [3, 2, 2, 1] + [3, 2] * 12 + [3, 1] + [2, 3] * 11


def visit_dates() -> list[dt.date]:
    """Dates of the 127 visits."""
    out = []
    for week, n in enumerate(WEEKS):
        first = START + dt.timedelta(days=7 * week)
        out.extend(first + dt.timedelta(days=d) for d in (0, 2, 4)[:n])
    return out


def quarter_counts(bounds: list[tuple[dt.date, dt.date]]) -> list[int]:
    """Visits between each (first, last) day, counted without evalkit."""
    days = visit_dates()
    return [sum(lo <= d <= hi for d in days) for lo, hi in bounds]


PROJECT = """\
project:
  id: service_year
  name: {{zh: 企业走访服务, en: Enterprise visits}}
  purchaser: 某区总工会
  provider: 某社工机构
  period: {{start: {start}, end: {end}}}
{extra}
data:
  service_log:
    file: service_log.csv
    description: {{zh: 服务台账, en: Service log}}
    columns:
      date: {{type: date, description: {{zh: 活动日期, en: Date}}}}
      activity_type: {{type: string, description: {{zh: 活动类型, en: Activity type}}}}
      enterprise_id: {{type: string, description: {{zh: 服务企业, en: Enterprise}}}}

indicators:
  - id: V
    name: {{zh: 企业走访次数, en: Enterprise visits}}
    level: outputs
    measure: count
    source: service_log
    compute: {{filter: {{activity_type: {filter}}}, count: true}}
    period: quarter
    target: 104

contract:
  amount: 100000
  criteria:
    - id: C1
      name: {{zh: 每季度走访企业不少于 26 次, en: At least 26 enterprise visits a quarter}}
      indicator: V
      period: each
      target: 26
      mandatory: true

cadence:
  - id: R1
    name: {{zh: 每周至少走访企业 2 次, en: At least 2 enterprise visits a week}}
    source: service_log
    filter: {{activity_type: {filter}}}
    per: week
    min: 2

renewal: {{}}
"""


def write(folder: Path, *, extra: str = "", start: dt.date = START, end: dt.date = END,
          filter_value: str = "走访", values: dict[int, str] | None = None,
          rows: list[tuple[str, str, str]] | None = None) -> Path:
    """Write project.yaml and service_log.csv into ``folder``; returns the project.yaml path.

    ``values`` replaces the activity type of some visits (row number -> text); ``rows`` adds
    other records (date, activity_type, enterprise_id).
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["date,activity_type,enterprise_id"]
    for k, day in enumerate(visit_dates()):
        kind = (values or {}).get(k, "走访")
        lines.append(f"{day.isoformat()},{kind},E{k % 16 + 1:02d}")
    lines.extend(",".join(r) for r in rows or [])
    (folder / "service_log.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "project.yaml"
    path.write_text(PROJECT.format(start=start, end=end, extra=extra, filter=filter_value),
                    encoding="utf-8")
    return path
