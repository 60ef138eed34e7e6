"""Cadence compliance from a service log. Filled in by the cadence work."""

from __future__ import annotations

from typing import Any

__all__ = ["check_project"]


def check_project(project: Any, evidence: Any, **stages: Any) -> Any:
    """Compliance with the project's cadence rules; None when it has none."""
    return None
