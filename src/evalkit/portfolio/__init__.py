"""A federation's portfolio: many purchased services evaluated and compared fairly.

>>> import evalkit as ek
>>> portfolio = ek.evaluate_many("providers/")          # doctest: +SKIP
>>> portfolio.table; portfolio.failures                  # doctest: +SKIP
>>> portfolio.league("wellbeing")                        # doctest: +SKIP
>>> portfolio.render("round-2026.html")                  # doctest: +SKIP
"""

from __future__ import annotations

from evalkit.portfolio.fair import Shrinkage, funnel_limits, league_table, shrink
from evalkit.portfolio.run import Portfolio, ProjectRun, discover, evaluate_many

__all__ = ["Portfolio", "ProjectRun", "Shrinkage", "discover", "evaluate_many", "funnel_limits",
           "league_table", "shrink"]
