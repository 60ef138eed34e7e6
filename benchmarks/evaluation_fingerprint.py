"""Dump every evaluation of the bundled examples exactly, to compare two versions bit for bit.

    PYTHONPATH=src python benchmarks/evaluation_fingerprint.py dump OLD.txt
    PYTHONPATH=other/src python benchmarks/evaluation_fingerprint.py dump NEW.txt
    python benchmarks/evaluation_fingerprint.py diff OLD.txt NEW.txt

Each example of ``ek.datasets`` is loaded and evaluated; the whole ``Evaluation`` (effects,
indicators, details, scorecard, acceptance, value, renewal, intake checks, analytics, and the
validated evidence tables with their dtypes) is walked recursively and written as text, floats
as ``float.hex`` so that a change in the last bit shows. The creation time stamp is left out.
Run with ``OPENBLAS_NUM_THREADS=1`` for both versions (results are computed at one BLAS
thread inside ``ek.evaluate`` anyway).
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def _float(x: float) -> str:
    return "nan" if math.isnan(x) else float(x).hex()


def walk(obj: Any, path: str, seen: set[int]) -> Iterator[str]:
    import numpy as np
    import pandas as pd

    if obj is None or isinstance(obj, (bool, str, int, enum.Enum)):
        yield f"{path} = {type(obj).__name__}:{obj!r}"
        return
    if isinstance(obj, (float, np.floating)):
        yield f"{path} = {type(obj).__name__}:{_float(float(obj))}"
        return
    if isinstance(obj, np.integer | np.bool_):
        yield f"{path} = {type(obj).__name__}:{obj!r}"
        return
    if isinstance(obj, (pd.Timestamp, pd.Timedelta, pd.Period)) or type(obj).__module__ in (
            "datetime",):
        yield f"{path} = {type(obj).__name__}:{obj!r}"
        return
    if obj is pd.NA or obj is pd.NaT:
        yield f"{path} = {obj!r}"
        return
    if id(obj) in seen:  # an ancestor: a cycle
        yield f"{path} = <cycle {type(obj).__name__}>"
        return
    seen.add(id(obj))
    try:
        yield from _walk_container(obj, path, seen)
    finally:
        seen.discard(id(obj))


def _walk_container(obj: Any, path: str, seen: set[int]) -> Iterator[str]:
    import numpy as np
    import pandas as pd
    import pydantic

    if isinstance(obj, pd.DataFrame):
        yield f"{path} : DataFrame {obj.shape} columns={list(map(repr, obj.columns))}"
        yield f"{path}.index : {obj.index.dtype} {list(map(repr, obj.index))}"
        for col in obj.columns:
            yield from walk(obj[col], f"{path}[{col!r}]", seen)
        yield from walk(dict(obj.attrs), f"{path}.attrs", seen)
        return
    if isinstance(obj, pd.Series):
        vals = [_float(v) if isinstance(v, float) else repr(v) for v in obj.tolist()]
        yield f"{path} : Series {obj.dtype} name={obj.name!r} index={list(map(repr, obj.index))}"
        yield f"{path}.values = {vals}"
        return
    if isinstance(obj, pd.Index):
        yield f"{path} : Index {obj.dtype} {list(map(repr, obj))}"
        return
    if isinstance(obj, np.ndarray):
        flat = [_float(v) if isinstance(v, float) else repr(v) for v in obj.ravel().tolist()]
        yield f"{path} : ndarray {obj.dtype} {obj.shape} {flat}"
        return
    if isinstance(obj, pydantic.BaseModel):
        yield f"{path} : {type(obj).__name__}"
        for name in type(obj).model_fields:
            yield from walk(getattr(obj, name), f"{path}.{name}", seen)
        return
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        yield f"{path} : {type(obj).__name__}"
        for f in dataclasses.fields(obj):
            if f.name == "created":
                continue
            yield from walk(getattr(obj, f.name), f"{path}.{f.name}", seen)
        return
    if isinstance(obj, Mapping):
        yield f"{path} : {type(obj).__name__} keys={list(map(repr, obj.keys()))}"
        for k, v in obj.items():
            yield from walk(v, f"{path}[{k!r}]", seen)
        return
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        yield f"{path} : {type(obj).__name__} len={len(items)}"
        for i, v in enumerate(items):
            yield from walk(v, f"{path}[{i}]", seen)
        return
    if isinstance(obj, Path):
        yield f"{path} = Path:{obj}"
        return
    if hasattr(obj, "__dict__"):
        yield f"{path} : {type(obj).__name__}"
        for k, v in sorted(vars(obj).items()):
            yield from walk(v, f"{path}.{k}", seen)
        return
    if hasattr(obj, "__slots__"):
        yield f"{path} : {type(obj).__name__}"
        for k in obj.__slots__:
            yield from walk(getattr(obj, k, None), f"{path}.{k}", seen)
        return
    yield f"{path} = {type(obj).__name__}:{obj!r}"


def dump(out: Path) -> None:
    import evalkit as ek

    lines: list[str] = []
    for name in ek.datasets.list():
        ev = ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
        lines.extend(walk(ev, name, set()))
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} lines -> {out}")


def diff(old: Path, new: Path) -> int:
    a = old.read_text(encoding="utf-8").splitlines()
    b = new.read_text(encoding="utf-8").splitlines()
    if a == b:
        print(f"identical ({len(a)} lines)")
        return 0
    sys.stdout.writelines(line + "\n" for line in
                          list(difflib.unified_diff(a, b, "old", "new", lineterm="", n=1))[:200])
    return 1


if __name__ == "__main__":
    if sys.argv[1] == "dump":
        dump(Path(sys.argv[2]))
    else:
        sys.exit(diff(Path(sys.argv[2]), Path(sys.argv[3])))
