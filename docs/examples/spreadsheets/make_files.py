"""Write the two sample files of docs/spreadsheets.md (run once; the files are committed).

* ``wjx_export.xlsx`` — a 问卷星 (wjx.cn) "按选项文本下载" Excel export of a pre/post
  questionnaire: platform columns first, then one column per question titled "N、question",
  answers as option text (非常不同意 … 非常同意).
* ``service_log_gbk.csv`` — a service log saved by Chinese Excel as "CSV (逗号分隔)": GBK bytes, a
  title row above the header, a header with a trailing space, dates as 2025年3月3日, numbers
  with thousands separators and full-width digits, percentages, and a 合计 row at the bottom.

The answers follow a fixed rule (no randomness) so the numbers in the walk-through can be
checked by hand: person k answers item j at level ``answer(k, j, after)`` below (1 = 非常不同意
… 5 = 非常同意): a personal level 1 + k % 4, one higher on one item, and after the activities one
higher again for even k (capped at 5).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
LEVELS = ["非常不同意", "不同意", "一般", "同意", "非常同意"]
ITEMS = ["3、我对目前的生活感到满意", "4、遇到困难时我知道向谁求助", "5、我在工作中感到安心",
         "6、我在社区里有归属感"]


def answer(k: int, j: int, after: bool) -> int:
    """Level (1-5) person k gives item j, before or after."""
    return min(5, 1 + k % 4 + (1 if (k + j) % 4 == 0 else 0) + (1 if after and k % 2 == 0 else 0))


def survey() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["序号", "提交答卷时间", "所用时间", "来源", "1、您的职工编号", "2、本次填答是",
               *ITEMS])
    row = 0
    for wave, day in (("活动开始前", 3), ("活动结束后", 28)):
        for k in range(20):
            row += 1
            answers = [LEVELS[answer(k, j, wave == "活动结束后") - 1] for j in range(len(ITEMS))]
            when = dt.datetime(2025, 3 if day == 3 else 11, day, 9, 0) + dt.timedelta(minutes=7 * k)
            ws.append([row, when.strftime("%Y/%m/%d %H:%M:%S"), f"{90 + k}秒", "微信",
                       f"W{k + 1:03d}", wave, *answers])
    wb.save(HERE / "wjx_export.xlsx")


def service_log() -> None:
    lines = ["同心社工服务中心 职工服务台账（2025年3月—2026年2月）,,,,",
             "日期,活动类型 ,参与人次,费用（元）,出勤率"]
    total = 0
    for k in range(24):
        month, day = 3 + k // 2, 5 + 14 * (k % 2)
        year = 2025 + (month - 1) // 12
        month = (month - 1) % 12 + 1
        kind = "小组活动" if k % 3 else "企业走访"
        people = 12 + k % 5
        total += people
        shown = str(people).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}) \
            if k % 4 == 1 else str(people)
        cost = f'"{1000 + 37 * k:,}.50"'
        lines.append(f"{year}年{month}月{day}日,{kind},{shown},{cost},{80 + k % 20}%")
    lines.append(f"合计,,{total},,")
    (HERE / "service_log_gbk.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))


if __name__ == "__main__":
    survey()
    service_log()
