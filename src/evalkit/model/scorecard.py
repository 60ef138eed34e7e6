"""Weighted scorecard specification (绩效评价指标体系). Filled in by the scorecard work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from evalkit.model.common import Spec

if TYPE_CHECKING:
    from evalkit.project import Project

__all__ = ["ScorecardSpec", "cross_check"]


class ScorecardSpec(Spec):
    """Placeholder: a tree of weighted nodes scored out of 100."""


def cross_check(project: Project) -> list[str]:
    """Problems that need the whole project (unknown indicators …)."""
    return []
