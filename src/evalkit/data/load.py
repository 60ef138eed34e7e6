"""Load a project's data files into checked, tidy tables (the :class:`Evidence`).

Validation happens here, once: every file exists and parses (reading as offices save files —
encodings, title rows, merged cells, opt-in normalisation, value labels — is
:mod:`evalkit.data.intake`); every column the spec documents is present; typed columns hold
what they claim (numbers are numbers, dates are dates, values lie in their declared range); key
columns are unique together. Nothing is coerced silently. Every problem of every file is
collected (at most three cells per column, then a count), so one run lists them all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from evalkit._checks import MAX_VALUE, require_range
from evalkit.data.intake import _cells, read_source
from evalkit.data.normalize import looks_like, normalize_text
from evalkit.errors import DataError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from evalkit.project import DataSource, Project

__all__ = ["Evidence", "load_evidence", "load_source", "read_table"]


@dataclass(frozen=True)
class Evidence:
    """The project's data, loaded and validated: ``tables[name]`` is a DataFrame."""

    tables: Mapping[str, pd.DataFrame]
    files: Mapping[str, Path] = field(default_factory=dict)
    sha256: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tables", MappingProxyType(dict(self.tables)))
        object.__setattr__(self, "files", MappingProxyType(dict(self.files)))
        object.__setattr__(self, "sha256", MappingProxyType(dict(self.sha256)))

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise DataError(f"data source {name!r} is not declared",
                            hint=f"declared sources: {', '.join(self.tables) or 'none'}")
        return self.tables[name]


def sha256_file(path: str | Path | None) -> str | None:
    """Hex SHA-256 of a file's bytes, or None when there is no such file."""
    if path is None or not Path(path).is_file():
        return None
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a DataError naming the file when it is missing."""
    if not path.is_file():
        raise DataError(f"{path}: data file not found",
                        hint="check the 'file' entry under data: in project.yaml")
    return path.read_bytes()


def read_table(path: Path, *, sheet: str | None = None,
               content: bytes | None = None) -> pd.DataFrame:
    """Read .csv, .xlsx or .parquet into a DataFrame; errors name the file.

    ``content`` is the file's bytes when the caller has already read them (to hash them).
    """
    import io

    import pandas as pd

    data = io.BytesIO(read_bytes(path) if content is None else content)
    suffix = path.suffix.lower()
    try:
        if suffix in (".csv", ".txt"):
            return pd.read_csv(data, encoding="utf-8-sig")
        if suffix in (".xlsx", ".xlsm"):
            return pd.read_excel(data, sheet_name=sheet or 0)
        if suffix == ".parquet":
            return pd.read_parquet(data)
    except ImportError as exc:  # optional readers: pyarrow for .parquet
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: reading {suffix} files needs a package that is not installed "
                        f"({first})", hint="pip install pyarrow, or save the file as CSV") from exc
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataError(f"{path}: cannot be read ({exc})",
                        hint="save it as UTF-8 CSV, .xlsx or .parquet") from exc
    raise DataError(f"{path}: unsupported file type {suffix!r}",
                    hint="use .csv, .xlsx or .parquet")


def _numbers(df: pd.DataFrame, col: str, where: str, data_key: str,
             problems: list[str]) -> pd.Series:
    """``df[col]`` as float64; every unreadable cell reported (capped), read as missing."""
    import numpy as np
    import pandas as pd

    s = df[col]
    if isinstance(s.dtype, np.dtype) and s.dtype.kind in "biuf":  # numpy bool or numbers
        values = pd.Series(s.to_numpy().astype("float64"), index=s.index, name=s.name)
        if _finite_and_small(values.to_numpy()):
            return values
    elif pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        values = s.astype("float64")
    else:
        values = pd.to_numeric(s.map(lambda v: v.strip() if isinstance(v, str) else v),
                               errors="coerce").astype("float64")
        bad = values.isna() & s.notna()
        bad &= s.map(lambda v: not (isinstance(v, str) and v.strip() == ""))
        if bool(bad.any()):
            cells = [(int(r), s[r]) for r in s.index[bad]]
            problems.append(f"{where}: column {col!r} must be numeric, found {_cells(cells)} "
                            f"({len(cells)} non-numeric value(s))"
                            + _suggest(cells, "number", data_key, col))
    inf = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
    if bool(inf.any()):
        cells = [(int(r), float(values[r])) for r in values.index[inf]]
        problems.append(f"{where}: column {col!r} must hold finite numbers, found "
                        f"{_cells(cells)} — correct the value or blank it out")
        values = values.where(~inf)
    huge = np.abs(values.to_numpy(dtype="float64", na_value=np.nan)) > MAX_VALUE
    if bool(huge.any()):
        cells = [(int(r), float(values[r])) for r in values.index[huge]]
        problems.append(f"{where}: column {col!r} holds numbers too large to be real "
                        f"(above {MAX_VALUE:.0e}): {_cells(cells)} — correct the value")
        values = values.where(~huge)
    return values


def _finite_and_small(values: np.ndarray) -> bool:
    """No infinity and nothing beyond MAX_VALUE in a float64 array (NaN is allowed)."""
    import numpy as np

    with np.errstate(invalid="ignore"):
        return not bool(np.any(np.abs(values) > MAX_VALUE))


def _suggest(cells: list[tuple[int, Any]], kind: str, data_key: str, col: str) -> str:
    """`` — '1,234' looks like a number with thousands separators: add normalize: [...]``."""
    for _row, value in cells:
        seen = looks_like(value, kind)
        if seen is not None:
            what, options = seen
            return (f" — {value!r} looks like {what}: add normalize: [{', '.join(options)}] to "
                    f"data.{data_key}.columns.{col} (or to data.{data_key} for every column)")
    texts = [v for _r, v in cells if isinstance(v, str)]
    if kind == "number" and texts:
        return (" — if these are answers written as text (e.g. 非常同意), map them to numbers "
                f"with labels: under data.{data_key}.columns.{col}; otherwise correct or blank "
                "out the cells (evalkit never guesses)")
    return " — correct or blank out the cells (evalkit never guesses)"


def _title_key(text: object) -> str:
    return normalize_text(str(text), ("strip", "fullwidth"))


def _missing_columns(name: str, source: DataSource, df: pd.DataFrame, missing: list[str],
                     where: str) -> str:
    """One line for the declared columns absent from the header, with the likely fix."""
    titles = {col: (source.columns[col].header if col in source.columns
                    and source.columns[col].header else col) for col in missing}
    wanted = {_title_key(t) for t in titles.values()}
    hint = f"rename the column in the file or fix data.{name}.columns"
    for row, values in df.head(10).iterrows():  # the titles further down: title rows above
        found = wanted & {_title_key(v) for v in values if isinstance(v, str)}
        if len(found) >= max(1, len(wanted) // 2):
            hint = (f"the titles are in row {row}: add header_row: {row} to data.{name} "
                    "(rows above it are then ignored)")
            break
    else:
        near = [str(t) for t in df.columns if _title_key(t) in wanted and str(t) not in
                titles.values()]
        if near:
            hint = (f"the file has {', '.join(repr(t) for t in near)}: add normalize: [strip] "
                    f"(or [strip, fullwidth]) to data.{name} so titles are trimmed, or fix the "
                    "header")
    shown = ", ".join(repr(c) if titles[c] == c else f"{c!r} (header {titles[c]!r})"
                      for c in missing)
    have = ", ".join(map(str, list(df.columns)[:15])) + (" …" if len(df.columns) > 15 else "")
    return (f"{where}: column {shown} declared in project.yaml (data.{name}) not found; the "
            f"file has: {have} — {hint}")


def _check_source(name: str, source: DataSource, df: pd.DataFrame, where: str,
                  problems: list[str]) -> pd.DataFrame:
    """Typed, checked copy of ``df`` (indexed by spreadsheet row); problems are appended."""
    import numpy as np
    import pandas as pd

    missing = [c for c in source.columns if c not in df.columns]
    missing += [c for c in source.key if c not in df.columns and c not in missing]
    if missing:
        problems.append(_missing_columns(name, source, df, missing, where))
    repeated = (set() if df.columns.is_unique
                else {c for c, n in df.columns.value_counts().items() if n > 1})
    if df.empty and not missing:
        problems.append(f"{where}: no data rows below the header (row {source.header_row}) — "
                        "fill in the file (a new template is empty) or fix header_row:")
    typed: dict[str, Any] = {}  # Series, or extension arrays (kept as they are)
    for col, spec in source.columns.items():
        if col in missing or col in repeated:
            continue
        if spec.type in ("number", "integer"):
            values = _numbers(df, col, where, name, problems)
            arr = values.to_numpy()  # float64 (missing is NaN): a view
            if spec.type == "integer" and bool(np.any((np.mod(arr, 1) != 0) & ~np.isnan(arr))):
                frac = values.notna() & (values % 1 != 0)
                if bool(frac.any()):
                    cells = [(int(r), f"{values[r]:g}") for r in values.index[frac]]
                    problems.append(f"{where}: column {col!r} must hold whole numbers, found "
                                    f"{_cells(cells)}")
            if spec.range is not None and bool(np.any((arr < spec.range[0])
                                                      | (arr > spec.range[1]))):
                try:  # NaN compares false: the same cells as require_range's test
                    require_range(values, col, *spec.range, where)
                except DataError as exc:
                    problems.append(exc.one_line())
            typed[col] = values
        elif spec.type == "date":
            raw = df[col]
            numbers = (None if isinstance(raw.dtype, pd.StringDtype)  # text only: no number
                       else raw.map(lambda v: isinstance(v, int | float)
                                    and not isinstance(v, bool)))
            # pandas would read 45717 as 1970-01-01
            if numbers is not None and bool((numbers & raw.notna()).any()):
                cells = [(int(r), raw[r]) for r in raw.index[numbers & raw.notna()]]
                problems.append(f"{where}: column {col!r} must hold dates like 2025-01-31, "
                                f"found the number(s) {_cells(cells)} — an Excel serial date? "
                                "format the cells as dates in Excel, or type 2025-03-01")
                raw = raw.where(~numbers)
            parsed = pd.to_datetime(raw, errors="coerce", format="mixed")
            bad = parsed.isna() & raw.notna()
            if bool(bad.any()):
                cells = [(int(r), raw[r]) for r in raw.index[bad]]
                problems.append(f"{where}: column {col!r} must hold dates like 2025-01-31, "
                                f"found {_cells(cells)}" + _suggest(cells, "date", name, col))
            typed[col] = parsed
        elif spec.type == "string":
            typed[col] = _as_string(df[col])
    out = _replaced(df, typed)
    keys_ok = source.key and not any(c in missing for c in source.key)
    if keys_ok:
        dup = out.duplicated(subset=source.key, keep=False)
        if bool(dup.any()):
            first = out.loc[dup, source.key].iloc[0].tolist()
            rows = out.index[dup].tolist()[:5]
            problems.append(
                f"{where}: duplicated key ({', '.join(source.key)}) = {tuple(first)!r} in rows "
                f"{rows} ({int(dup.sum())} rows share a key) — each row must be unique on "
                + ", ".join(source.key))
    return out


def _as_string(values: pd.Series) -> Any:
    """``values.astype("string")``; text (every CSV column) converted as an array, which is
    what ``Series.astype`` does for it after some checks of its own."""
    import pandas as pd

    string = pd.StringDtype()  # the dtype "string" names
    if isinstance(values.dtype, pd.StringDtype):
        return values.array.astype(string)
    return values.astype(string)


def _replaced(df: pd.DataFrame, columns: dict[str, Any]) -> pd.DataFrame:
    """A copy of ``df`` with ``columns`` (by name: Series on df's index, or arrays as long)
    in place of its own.

    Built in one go when the titles are unique: setting the columns one by one costs more
    than the checks themselves. (The values, dtypes and order are the same either way; only
    pandas' grouping of same-typed columns in memory differs.)"""
    import pandas as pd

    if not df.columns.is_unique:
        out = df.copy()
        for col, values in columns.items():
            out[col] = values
        return out
    # titles as keys give the columns df has (unique text titles, inferred the same way)
    return pd.DataFrame({c: columns[c] if c in columns else df[c] for c in df.columns},
                        index=df.index, copy=False)  # copy-on-write protects df's columns


def relative_name(project: Project, name: str, file: Path | None = None) -> str:
    """The data file of source ``name`` as messages show it: relative to the project folder.

    ``file``: ``project.data_path(name)`` when already resolved."""
    file = project.data_path(name) if file is None else file
    return _relative(file, project.root.resolve())


def _relative(file: Path, folder: Path) -> str:
    """``file`` relative to the resolved project ``folder``, as messages show it."""
    try:
        return file.relative_to(folder).as_posix()
    except ValueError:
        return str(file)


def load_source(project: Project, name: str) -> tuple[pd.DataFrame | None, list[str], bytes]:
    """Read and check data source ``name``: ``(table or None, problems, file bytes)``.

    The table has a fresh 0-based index; it is None when the file cannot be read at all.
    """
    return _load_source(project, name, project.data_path(name))


def _load_source(project: Project, name: str, file: Path,
                 folder: Path | None = None) -> tuple[pd.DataFrame | None, list[str], bytes]:
    """:func:`load_source` with ``file`` resolved; ``folder``: the project folder resolved."""
    source = project.data[name]
    where = _relative(file, project.root.resolve() if folder is None else folder)
    try:
        if not file.is_file():
            raise DataError(f"{where}: data file not found",
                            hint=f"check the file: entry of data.{name} in project.yaml")
        content = file.read_bytes()
        raw, problems = read_source(file, source, content=content, where=where, name=name)
    except DataError as exc:
        return None, [exc.one_line()], b""
    if problems:
        return None, problems, content
    table = _check_source(name, source, raw, where, problems)
    return table.reset_index(drop=True), problems, content


def load_evidence(project: Project) -> Evidence:
    """Read and validate every data source of ``project``.

    Row numbers in error messages are those a spreadsheet shows: the header is row 1, the
    first data row is row 2. The returned tables have a fresh 0-based index.

    Raises
    ------
    DataError
        Naming the file (relative to the project folder) and column: a missing file, a
        declared column absent, a non-numeric value in a numeric column, a value outside its
        range, duplicated keys. Every problem of every file is in one error (``.problems``).
    """
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    problems: list[str] = []
    folder = project.root.resolve()
    for name in project.data:
        file = project.data_path(name)
        table, found, content = _load_source(project, name, file, folder)
        problems.extend(found)
        if table is not None:
            tables[name] = table
            files[name] = file
            hashes[name] = hashlib.sha256(content).hexdigest()
    if len(problems) == 1:
        raise DataError(problems[0])
    if problems:
        raise DataError(f"{len(problems)} problems in the data files", problems=problems,
                        hint="correct the cells named above (evalkit validate lists them all)")
    return Evidence(tables=tables, files=files, sha256=hashes)
