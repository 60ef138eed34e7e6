"""Value-for-money, SROI and renewal rules. Filled in by the acceptance/value work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.model.common import Spec

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["RenewalSpec", "ValueSpec", "cross_check"]


class ValueSpec(Spec):
    """Placeholder: budget source, fee band, SROI outcomes."""


class RenewalSpec(Spec):
    """Placeholder: renewal rules and consequence presets."""


def cross_check(project: Project) -> list[str]:
    """Problems that need the whole project (unknown indicators, budget lines …)."""
    return []
