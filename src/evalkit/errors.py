"""One exception hierarchy for evalkit.

Every message says where the problem is (file, column, YAML path), what was expected, what was
found and how to fix it. Catch :class:`EvalkitError` to catch everything evalkit raises on
purpose; the command line prints ``str(error)`` as one line and exits 1.

Hierarchy::

    EvalkitError
    ├── SpecError         project.yaml / rule / scorecard specifications
    ├── DataError         data files and DataFrames (missing columns, wrong types, duplicates)
    ├── EstimationError   a model cannot be estimated (no variance, no pairs, collinearity …)
    └── RenderError       reports and templates (missing font, unsafe template, bad format,
                          a language other than zh or en)

    EvalkitWarning        every warning evalkit emits (weak design, few clusters, low alpha …)
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DataError",
    "EstimationError",
    "EvalkitError",
    "EvalkitWarning",
    "RenderError",
    "SpecError",
]


class EvalkitError(Exception):
    """Root of every error evalkit raises on purpose.

    Parameters
    ----------
    message
        One sentence: where, what was found, what was expected.
    hint
        How to fix it (appended after " — ").
    problems
        When several problems are reported at once (``validate()``), each as one line.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        problems: Iterable[str] | None = None,
    ) -> None:
        self.message = message
        self.hint = hint
        self.problems: tuple[str, ...] = tuple(problems or ())
        super().__init__(self._compose())

    def _compose(self) -> str:
        text = self.message
        if self.problems:
            text += ": " + "; ".join(self.problems)
        if self.hint:
            text += f" — {self.hint}"
        return text

    def one_line(self) -> str:
        """The message on a single line, as the command line prints it."""
        return " ".join(str(self).split())


class SpecError(EvalkitError):
    """A project specification (project.yaml, a rule, a scorecard) is invalid."""


class DataError(EvalkitError):
    """Data cannot be used as given: missing file or column, wrong type, duplicates …"""


class EstimationError(EvalkitError):
    """A model cannot be estimated on the data it was given."""


class RenderError(EvalkitError):
    """A report cannot be rendered (missing font or package, unsafe template, bad format)."""


class EvalkitWarning(UserWarning):
    """Every warning evalkit emits derives from this class."""
