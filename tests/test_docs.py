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
