"""Acceptance stage. Filled in by the acceptance/value work."""

from __future__ import annotations

from typing import Any

__all__ = ["assess_project"]


def assess_project(project: Any, evidence: Any, **stages: Any) -> Any:
    """Result of this stage for the project; None when the project does not configure it."""
    return None
