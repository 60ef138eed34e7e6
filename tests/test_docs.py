"""Docs are part of done: every project.yaml field is in the reference; every page linked."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

from pydantic import BaseModel

from evalkit.project import Project

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _models(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    out: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        out += _models(arg)
    if isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            out += _models(arg)
    return out


def _all_fields() -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    todo: list[type[BaseModel]] = [Project]
    while todo:
        model = todo.pop()
        if model.__name__ in seen:
            continue
        seen[model.__name__] = set()
        for name, info in model.model_fields.items():
            if info.exclude:
                continue
            seen[model.__name__].add(info.alias or name)
            todo += _models(info.annotation)
    return seen


def test_every_project_yaml_field_is_documented():
    text = (DOCS / "project-yaml.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)", text))
    missing = {f"{model}.{field}" for model, fields in _all_fields().items()
               for field in fields if field not in documented and field not in ("zh", "en")}
    assert not missing, f"fields not in docs/project-yaml.md: {sorted(missing)}"


def test_index_links_resolve():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)#]+\.md)\)", text):
        assert (DOCS / target).is_file(), target


def _readme_block_after(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(marker):]
    return re.search(r"```bash\n(.+?)\n```", after, re.S).group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    """CI must run what a new user runs: the README's test line, verbatim, in a fresh venv."""
    command = _readme_block_after("Run the tests")
    assert "python3 -m venv" in command and "python -m pytest" in command
    ci_lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command in ci_lines, f".ci/run does not run the README's test command {command!r}"
    # the venv is created fresh in every CI run, so a missing test dependency fails there
    assert ci_lines.index("rm -rf .venv") < ci_lines.index(command)


def test_every_test_import_is_declared_in_the_test_extra():
    """A package the tests import but no extra declares passes here and fails on a new machine."""
    import ast
    import importlib.metadata as md
    import sys
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()  # noqa: E731
    declared = {norm(re.split(r"[<>=!~\[ ;]", r, maxsplit=1)[0]) for r in reqs}
    dists = md.packages_distributions()
    missing = set()
    for path in [*ROOT.joinpath("tests").rglob("*.py"), *ROOT.joinpath("src").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in {"evalkit", "tests", "conftest", "report_helpers"}:
                    continue
                if top in sys.stdlib_module_names:
                    continue
                found = dists.get(top)
                if found and not any(norm(d) in declared for d in found):
                    missing.add(f"{top} ({path.relative_to(ROOT)})")
    assert not missing, f"imported but declared in no dependency or extra: {sorted(missing)}"
