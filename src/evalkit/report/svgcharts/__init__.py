"""The report's charts written directly as SVG (HTML and PDF reports; no matplotlib).

:mod:`.core` holds the building blocks (text measuring and wrapping, ticks, scales, an
escaping SVG writer, axes, legends); one module per chart draws it from the same inputs, in
the same words (the ``_TEXT`` tables of :mod:`evalkit.plot`), as its matplotlib version,
which the Word report (PNG) and the public ``.plot()`` functions keep using.
"""
