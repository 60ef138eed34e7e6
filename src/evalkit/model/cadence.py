"""Cadence rules ("at least 2 enterprise visits a week"). Filled in by the cadence work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.model.common import Spec

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["CadenceRule", "cross_check"]


class CadenceRule(Spec):
    """Placeholder: a minimum count of an activity per period."""


def cross_check(project: Project) -> list[str]:
    """Problems that need the whole project (unknown data source …)."""
    return []
