"""Load a project's data files into checked, tidy tables (the :class:`Evidence`).

Validation happens here, once: every file exists and parses; every column the spec documents
is present; typed columns hold what they claim (numbers are numbers, dates are dates, values lie
in their declared range); key columns are unique together. Nothing is coerced silently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from evalkit._checks import numeric_column, require_range
from evalkit.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from evalkit.project import DataSource, Project

__all__ = ["Evidence", "load_evidence", "read_table"]


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


def _check_source(name: str, source: DataSource, df: pd.DataFrame, file: Path) -> pd.DataFrame:
    import pandas as pd

    where = f"{file.name}"
    missing = [c for c in source.columns if c not in df.columns]
    missing += [c for c in source.key if c not in df.columns and c not in missing]
    if missing:
        raise DataError(
            f"{where}: column {', '.join(repr(c) for c in missing)} declared in project.yaml "
            f"(data.{name}) not found; the file has: {', '.join(map(str, df.columns))}",
            hint="rename the column in the file or fix data." + name + ".columns",
        )
    # row labels as a spreadsheet shows them (header = row 1), so messages point at the file
    df = df.set_axis(pd.RangeIndex(2, len(df) + 2))
    out = df.copy()
    for col, spec in source.columns.items():
        if spec.type in ("number", "integer"):
            values = numeric_column(df, col, where)
            if spec.type == "integer":
                frac = values.notna() & (values % 1 != 0)
                if bool(frac.any()):
                    row = frac.idxmax()
                    raise DataError(f"{where}: column {col!r} must hold whole numbers, found "
                                    f"{values[row]:g} at row {row}")
            if spec.range is not None:
                require_range(values, col, *spec.range, where)
            out[col] = values
        elif spec.type == "date":
            parsed = pd.to_datetime(df[col], errors="coerce", format="mixed")
            bad = parsed.isna() & df[col].notna()
            if bool(bad.any()):
                row = bad.idxmax()
                raise DataError(f"{where}: column {col!r} must hold dates like 2025-01-31, "
                                f"found {df.at[row, col]!r} at row {row}")
            out[col] = parsed
        elif spec.type == "string":
            out[col] = df[col].astype("string")
    if source.key:
        dup = out.duplicated(subset=source.key, keep=False)
        if bool(dup.any()):
            first = out.loc[dup, source.key].iloc[0].tolist()
            rows = out.index[dup].tolist()[:5]
            raise DataError(
                f"{where}: duplicated key ({', '.join(source.key)}) = {tuple(first)!r} in rows "
                f"{rows} ({int(dup.sum())} rows share a key)",
                hint="each row must be unique on " + ", ".join(source.key),
            )
    return out.reset_index(drop=True)


def load_evidence(project: Project) -> Evidence:
    """Read and validate every data source of ``project``.

    Row numbers in error messages are those a spreadsheet shows: the header is row 1, the
    first data row is row 2. The returned tables have a fresh 0-based index.

    Raises
    ------
    DataError
        Naming the file and column: a missing file, a declared column absent, a non-numeric
        value in a numeric column, a value outside its range, duplicated keys.
    """
    tables: dict[str, pd.DataFrame] = {}
    files: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    for name, source in project.data.items():
        file = project.data_path(name)
        content = read_bytes(file)
        raw = read_table(file, sheet=source.sheet, content=content)
        tables[name] = _check_source(name, source, raw, file)
        files[name] = file
        hashes[name] = hashlib.sha256(content).hexdigest()
    return Evidence(tables=tables, files=files, sha256=hashes)
