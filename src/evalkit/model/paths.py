"""Where evalkit may read: data files resolve inside the project folder.

A project folder handed over by a provider must not be able to read the evaluator's
machine: a ``file:`` entry that is absolute, climbs out with ``..`` or is a symbolic link
pointing outside the folder is refused, unless the user opts in explicitly
(``ek.load_project(path, allow_outside=True)``, ``--allow-outside-files`` on the command
line). See ``docs/privacy.md``.
"""

from __future__ import annotations

from pathlib import Path

from evalkit.errors import SpecError

__all__ = ["OPT_IN", "outside_problem", "resolve_inside"]

#: how the user says "I trust this project folder"
OPT_IN = ("pass allow_outside=True to ek.load_project, or --allow-outside-files to evalkit "
          "validate / report / demo, only if you trust this project folder")


def outside_problem(root: Path, file: str, where: str) -> str | None:
    """Why ``file`` (as written in project.yaml at ``where``) may not be read from
    ``root``, or None when it resolves inside the folder."""
    return _inside(root, file, where)[0]


def _inside(root: Path, file: str, where: str) -> tuple[str | None, Path | None]:
    """``(outside_problem(...), the resolved path when there is no problem)``."""
    try:
        raw = Path(file)
        if raw.is_absolute() or raw.drive or raw.anchor:
            return (f"{where}: {file!r} is an absolute path; evalkit reads only files inside "
                    f"the project folder {root} (write the path relative to it, or {OPT_IN})"
                    ), None
        folder = root.resolve()
        target = (root / raw).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        return f"{where}: {file!r} is not a usable file path ({exc})", None
    if not target.is_relative_to(folder):
        how = "a path climbing with '..'" if ".." in raw.parts else "a symbolic link pointing"
        return (f"{where}: {file!r} is {how} outside the project folder {root} "
                f"(it resolves to {target}); evalkit reads only files inside the project "
                f"folder: move the file into it, or {OPT_IN}"), None
    return None, target


def resolve_inside(root: Path, file: str, where: str, *, allow_outside: bool = False) -> Path:
    """Absolute path of ``file`` relative to ``root``.

    Raises
    ------
    SpecError
        When the path leaves ``root`` (absolute, ``..``, or a symbolic link out of it) and
        ``allow_outside`` is False; the message names the YAML path and the opt-in.
    """
    if not allow_outside:
        problem, target = _inside(root, file, where)
        if problem is not None:
            raise SpecError(problem, hint="see docs/privacy.md (files evalkit reads)")
        if target is not None:  # resolved already: (root / file) is the path checked
            return target
    try:
        return (root / file).resolve()
    except (OSError, ValueError, RuntimeError) as exc:
        raise SpecError(f"{where}: {file!r} is not a usable file path ({exc})") from exc
