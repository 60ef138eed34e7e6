"""Property tests (issue 10): whatever one value of project.yaml or one data cell is, only an
:class:`~evalkit.errors.EvalkitError` may escape ``ek.load_project`` + ``ek.evaluate``.

Each example replaces one leaf of the bundled example's YAML (or one cell of one of its CSV
files) with a hostile value — NaN, infinity, huge integers, booleans, text, None, lists,
mappings, far-away dates, control characters — and runs the whole evaluation. The examples
are derandomized (the same on every run) and few, so the file runs in well under a minute.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import evalkit as ek
from evalkit.errors import EvalkitError

EXAMPLE = ek.datasets.path("workers_home")
RAW: dict[str, Any] = yaml.safe_load((EXAMPLE / "project.yaml").read_text(encoding="utf-8"))


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for k, v in enumerate(node) for p in _leaves(v, (*path, k))]
    return [path]


LEAVES = _leaves(RAW)
SETTINGS = settings(max_examples=15, deadline=60_000, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

scalars = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0, -1, 10**20, -(10**400), 1e308, 5e-324,
                     True, False, None, "", "NaN", "=1+1", "\u202egnp.exe", "a\x00b",
                     "2025-02-30", "x" * 10_000]),
    st.integers(), st.floats(), st.booleans(), st.text(max_size=20),
    st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)),
)
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(st.text(max_size=5), scalars, max_size=2))


def _set(tree: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(tree)
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _run(folder: Path) -> None:
    try:
        ek.evaluate(ek.load_project(folder / "project.yaml"))
    except EvalkitError as exc:
        assert str(exc)  # a message, never empty


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(EXAMPLE, folder)
    return folder


def test_leaves_cover_the_spec() -> None:
    assert len(LEAVES) > 300  # every section of the example is in play


@SETTINGS
@given(path=st.sampled_from(LEAVES), value=values)
def test_any_value_at_any_yaml_path(workdir: Path, path: tuple[Any, ...], value: Any) -> None:
    text = yaml.safe_dump(_set(RAW, path, value), allow_unicode=True, sort_keys=False)
    (workdir / "project.yaml").write_text(text, encoding="utf-8")
    _run(workdir)


CSV_FILES = sorted(p.name for p in (EXAMPLE / "data").glob("*.csv"))
cells = st.one_of(
    st.sampled_from(["", "NaN", "nan", "inf", "-inf", "1e308", "-1e308", "1e-320", "-0",
                     "=1+1", "@SUM(A1)", "+1", "\u202e", "a\x00b", "true", "2025-02-30",
                     "2925-12-31", "0x10", "1_000", " 3 ", "３", "x" * 5000, '"', "\n"]),
    st.text(max_size=12), st.integers().map(str), st.floats().map(repr),
)


@SETTINGS
@given(file=st.sampled_from(CSV_FILES), row=st.integers(0, 10), column=st.integers(0, 20),
       cell=cells)
def test_any_cell_in_any_data_file(workdir: Path, file: str, row: int, column: int,
                                   cell: str) -> None:
    (workdir / "project.yaml").write_bytes((EXAMPLE / "project.yaml").read_bytes())
    original = (EXAMPLE / "data" / file).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(original)))
    body = rows[1:]
    r = body[row % len(body)]
    r[column % len(r)] = cell
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([rows[0], *body])
    target = workdir / "data" / file
    try:
        target.write_text(out.getvalue(), encoding="utf-8")
        _run(workdir)
    finally:
        target.write_text(original, encoding="utf-8")
