"""``evalkit init DIR``: a commented project.yaml and empty .xlsx data templates.

The project file is a working starting point (it loads as written); the data templates carry
the headers the project file expects, so a provider fills rows in Excel and runs
``evalkit validate DIR/project.yaml``. Nothing is overwritten: an existing project.yaml is an
error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from evalkit.errors import SpecError

__all__ = ["PROJECT_TEMPLATE", "init_project"]

PROJECT_TEMPLATE = """\
# project.yaml — written by `evalkit init`. Every field is explained in docs/project-yaml.md;
# docs/spreadsheets.md shows how to read survey-platform exports and GBK service logs.
# Fill the two .xlsx files under data/, then run:  evalkit validate {folder}/project.yaml

project:
  id: {project_id}                       # short name, letters/digits/underscore
  name: {{zh: 职工服务项目, en: Worker service project}}
  purchaser: {{zh: 某区总工会, en: District Federation of Trade Unions}}
  provider: {{zh: 某社会工作服务中心, en: Social Work Service Centre}}
  period: {{start: {start}, end: {end}}}   # the contract's service year
  currency: CNY

privacy:
  disclosure_threshold: 5                # no report cell from fewer than 5 people
  personal_columns: [name]               # never printed

data:
  survey:                                # pre/post questionnaire, one row per person per wave
    file: data/survey.xlsx
    description: {{zh: 服务对象前后测问卷, en: Pre/post survey of service users}}   # reports name every source and column by its label
    key: [person_id, wave]
    # header_row: 3                      # if your export has title rows above the header
    # encoding: gb18030                  # CSV only; detected when left out (UTF-8, then GB18030)
    normalize: [strip]                   # trim spaces around cells and headers
    value_labels:                        # answers written as text -> numbers
      agree5: {{非常不同意: 1, 不同意: 2, 一般: 3, 同意: 4, 非常同意: 5}}
    columns:
      person_id: {{type: string, description: 服务对象编号}}
      name: {{type: string, personal: true, description: 姓名}}
      wave: {{type: string, description: "测量时点：前测 / 后测"}}
      q1: {{type: integer, range: [1, 5], labels: agree5, header: "1、我对目前的生活感到满意",
            description: {{zh: 我对目前的生活感到满意, en: I am satisfied with my life}}}}
      q2: {{type: integer, range: [1, 5], labels: agree5, header: "2、遇到困难时我知道向谁求助",
            description: {{zh: 遇到困难时我知道向谁求助, en: I know whom to ask for help}}}}
      q3: {{type: integer, range: [1, 5], labels: agree5, header: "3、我在社区里有归属感",
            description: {{zh: 我在社区里有归属感, en: I belong to this community}}}}
  service_log:                           # service ledger, one row per activity
    file: data/service_log.xlsx
    description: {{zh: 服务台账, en: Service log}}
    normalize: [strip]
    columns:
      date: {{type: date, header: 日期, normalize: [cn_date], description: {{zh: 活动日期, en: Date}}}}
      activity: {{type: string, header: 活动类型, description: {{zh: 活动类型, en: Activity type}}}}
      participants: {{type: integer, header: 参与人次, normalize: [thousands],
                     description: {{zh: 参与人次, en: Participants (person-times)}}}}

indicators:                              # what the contract counts (docs/indicators.md)
  - id: I1
    name: {{zh: 小组活动节数, en: Group sessions held}}
    level: outputs                       # a logic-model level
    unit: {{zh: 节, en: sessions}}
    source: service_log
    compute: {{filter: {{activity: 小组活动}}, count: true}}   # rows whose 活动类型 is 小组活动
    period: quarter                      # counted by contract quarter from period.start
    baseline: 0
    target: 24                           # for the whole contract
  - id: I2
    name: {{zh: 参与人次, en: Participations}}
    level: outputs
    unit: {{zh: 人次, en: person-times}}
    source: service_log
    compute: {{sum: participants}}          # the sum of the 参与人次 column
    baseline: 0
    target: 600

outcomes:                                # changes for the people served (docs/prepost.md)
  - id: wellbeing
    name: {{zh: 服务对象幸福感, en: wellbeing}}
    design: prepost                      # the same people before and after the service
    source: survey
    scale: {{items: [q1, q2, q3], range: [1, 5]}}
    unit: person_id
    time: wave
    pre: 前测                            # values of the wave column
    post: 后测

contract:                                # acceptance criteria (docs/purchasers.md)
  amount: 200000                         # contract value in CNY
  criteria:
    - id: C1
      name: {{zh: 完成小组活动 24 节, en: 24 group sessions held}}
      indicator: I1
      mandatory: true                    # not met -> not accepted
    - id: C2
      name: {{zh: 参与 600 人次, en: 600 participations}}
      indicator: I2
      mandatory: false
      weight: 1                          # share in the weighted criteria
"""


def init_project(folder: str | Path, *, start: dt.date | None = None) -> list[Path]:
    """Write ``folder/project.yaml`` and its empty data templates; return the written paths.

    Parameters
    ----------
    folder
        Created when missing. Must not hold a project.yaml already.
    start
        First day of the contract (default: the first day of the current month); the
        period runs one year.

    Raises
    ------
    SpecError
        ``folder/project.yaml`` exists (it is never overwritten).
    """
    from evalkit._atomic import atomic_path, atomic_write
    from evalkit.project import load_project

    root = Path(folder)
    spec = root / "project.yaml"
    if spec.exists():
        raise SpecError(f"{spec}: already exists; evalkit init never overwrites a project",
                        hint="choose a new folder, or edit the existing project.yaml")
    if root.exists() and not root.is_dir():
        raise SpecError(f"{root}: is a file, not a folder", hint="give a folder name")
    first = start or dt.date.today().replace(day=1)
    end = first.replace(year=first.year + 1) - dt.timedelta(days=1)
    slug = "".join(c if c.isalnum() and c.isascii() else "_" for c in root.resolve().name)
    text = PROJECT_TEMPLATE.format(folder=" ".join(root.as_posix().split()),
                                   project_id=slug or "my_project",
                                   start=first.isoformat(), end=end.isoformat())
    written = [atomic_write(spec, text)]
    project = load_project(spec)
    import openpyxl
    from openpyxl.styles import Font

    for name, source in project.data.items():
        target = root / source.file
        if target.exists():
            continue
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = name
        for k, (col, c) in enumerate(source.columns.items(), start=1):
            cell = ws.cell(row=source.header_row, column=k, value=c.header or col)
            cell.font = Font(bold=True)
            ws.column_dimensions[cell.column_letter].width = max(12, 2 * len(cell.value) + 2)
        ws.freeze_panes = ws.cell(row=source.header_row + 1, column=1)
        with atomic_path(target) as tmp:
            wb.save(tmp)
        written.append(target)
    return written
