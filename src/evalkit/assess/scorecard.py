"""Weighted scorecard scoring. Filled in by the scorecard work."""

from __future__ import annotations

from typing import Any

__all__ = ["score_project"]


def score_project(project: Any, evidence: Any, **stages: Any) -> Any:
    """Score the project's scorecard; None when the project has none."""
    return None
