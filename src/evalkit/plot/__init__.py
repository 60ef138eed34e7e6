"""Drawing: matplotlib figures from plain values (arrays, frames, result objects' tables).

This package sits below :mod:`evalkit.estimate` in the layers (docs/architecture.md), so a
result's ``.plot()`` and the report's charts (:mod:`evalkit.report.charts`) draw with the
same functions. It imports only matplotlib, numpy and :mod:`evalkit.errors`; matplotlib is
imported when a figure is drawn, never by ``import evalkit``.
"""
