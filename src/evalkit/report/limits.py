"""Limits on what a report template may consume: loop iterations, time and output size.

Jinja2's sandbox keeps a template away from Python's internals but not from the machine's
time and memory: two nested ``range(100000)`` loops run for hours and
``range(100000)|join("x" * 100000)`` asks for 10 GB. :class:`LimitedSandbox` (the base of
evalkit's :class:`~evalkit.report.environment.ReportSandbox`) refuses both with a
:class:`jinja2.exceptions.SecurityError`, which the writers turn into a
:class:`~evalkit.errors.RenderError` naming the template and line. :class:`LimitedEnvironment`
(not sandboxed, for evalkit's own templates, see
:class:`~evalkit.report.environment.ReportEnvironment`) keeps the limits on loops, time and
rendered text, which guard against huge data rather than a hostile template:

* every ``{% for %}`` iteration counts against :data:`MAX_ITERATIONS` per rendering
  (all loops, nested or not, in the template and everything it includes);
* a rendering stops after :data:`MAX_SECONDS` seconds (checked at every loop iteration,
  function call and output chunk);
* no rendered text — the report, a block, a macro's output, ``~`` / ``+`` concatenation, a
  ``join``, ``replace``, ``center``, ``indent``, ``format`` or a ``%`` / ``.format`` width —
  may exceed :data:`MAX_OUTPUT` characters.

In :class:`LimitedEnvironment` the time is checked at every loop iteration and output chunk
(not at calls), and ``+``, ``%`` and str methods are not intercepted (only the sandbox routes
them through the environment).

The limits are far above anything a report needs (evalkit's own templates use a few thousand
iterations and well under a megabyte); they are module constants, so a test or an unusual
deployment can change them.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

from jinja2 import Environment, Template, nodes, pass_eval_context
from jinja2 import filters as _filters
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

__all__ = ["MAX_ITERATIONS", "MAX_OUTPUT", "MAX_SECONDS", "LimitedEnvironment", "LimitedSandbox",
           "LimitedTemplate"]

#: loop iterations allowed in one rendering (all loops together)
MAX_ITERATIONS = 1_000_000
#: seconds one rendering may run
MAX_SECONDS = 120.0
#: characters of any text a template builds (the report itself included)
MAX_OUTPUT = 50_000_000

_WIDE = re.compile(r"\d{7,}")  # a width or precision of a million or more in a format spec


@dataclass
class _Budget:
    deadline: float
    iterations: int = 0

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise SecurityError(f"template ran longer than {MAX_SECONDS:g} seconds")

    def tick(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise SecurityError(f"template loops ran more than {MAX_ITERATIONS:,} iterations")
        self.check_time()


_BUDGET: ContextVar[_Budget | None] = ContextVar("evalkit_template_budget", default=None)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    if budget is None:  # rendered without LimitedTemplate.render (e.g. generate())
        budget = _Budget(time.monotonic() + MAX_SECONDS)
        _BUDGET.set(budget)
    return budget


def _too_long(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"{what} would be {size:,} characters, more than the limit of "
                            f"{MAX_OUTPUT:,}")


class LimitedTemplate(Template):
    """A template whose :meth:`render` runs with a fresh budget (iterations, deadline)."""

    def render(self, *args: Any, **kwargs: Any) -> str:
        token = _BUDGET.set(_Budget(time.monotonic() + MAX_SECONDS))
        try:
            return super().render(*args, **kwargs)
        finally:
            _BUDGET.reset(token)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str) else len(str(value))


def _joined_size(items: list[Any], sep: Any) -> int:
    return sum(_size(x) for x in items) + _size(sep) * max(len(items) - 1, 0)


def _replaced_size(text: str, old: Any, new: Any, count: Any = -1) -> int:
    old_s, new_s = str(old), str(new)
    hits = text.count(old_s) if old_s else len(text) + 1
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new_s) - len(old_s))


def _check_str_method(text: str, method: str, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> None:
    if method in ("format", "format_map") and _WIDE.search(text):
        raise SecurityError("format width too large in template")
    if method == "replace" and len(args) >= 2:
        _too_long(_replaced_size(text, *args[:3]), "replace() result")
    elif method == "join" and args:
        _too_long(_joined_size(list(args[0]), text), "join() result")
    elif method in ("ljust", "rjust", "center", "zfill", "expandtabs"):
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and not isinstance(value, bool):
                _too_long(value * (len(text) + 1 if method == "expandtabs" else 1),
                          f"{method}() result")


@pass_eval_context
def _join(eval_ctx: EvalContext, value: Iterable[Any], d: str = "",
          attribute: str | int | None = None) -> str:
    items = list(value)
    shown = items if attribute is None else [_filters.make_attrgetter(
        eval_ctx.environment, attribute)(x) for x in items]
    _too_long(_joined_size(shown, d), "join result")
    return cast(str, _filters.do_join(eval_ctx, shown, d))


def _replace(eval_ctx: EvalContext, s: str, old: str, new: str, count: int | None = None) -> str:
    _too_long(_replaced_size(str(s), old, new, -1 if count is None else count),
              "replace result")
    return _filters.do_replace(eval_ctx, s, old, new, count)


def _center(value: str, width: int = 80) -> str:
    _too_long(int(width), "center result")
    return _filters.do_center(value, width)


def _indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = width if isinstance(width, int) else len(str(width))
    _too_long(len(str(s)) + pad * (str(s).count("\n") + 1), "indent result")
    return _filters.do_indent(s, width, first, blank)


def _format(value: str, *args: Any, **kwargs: Any) -> str:
    if _WIDE.search(str(value)):
        raise SecurityError("format width too large in template")
    return _filters.do_format(value, *args, **kwargs)


#: filters that can build large text, replaced by checked versions
LIMITED_FILTERS = {"join": _join, "replace": pass_eval_context(_replace), "center": _center,
                   "indent": _indent, "format": _format}


class _Guards(NodeTransformer):
    """Routes every loop's items and every ``~`` through the budget checks, as filters (a
    filter is called directly by the compiled code, without ``Context.call``)."""

    def visit_For(self, node: nodes.For) -> nodes.For:
        self.generic_visit(node)  # in place
        node.iter = nodes.Filter(node.iter, _LOOP_GUARD, [], [], None, None,
                                 lineno=node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        self.generic_visit(node)
        first, *rest = node.nodes
        return nodes.Filter(first, _CONCAT_GUARD, rest, [], None, None, lineno=node.lineno)


_LOOP_GUARD, _CONCAT_GUARD = "_ek_loop_guard", "_ek_concat_guard"


class LimitedEnvironment(Environment):
    """Environment with limits on loop iterations, time and the size of rendered text."""

    template_class = LimitedTemplate

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters[_LOOP_GUARD] = self.loop_guard
        self.filters[_CONCAT_GUARD] = self.concat_guard

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Parse, then route every loop and every ``~`` through the budget checks."""
        tree: nodes.Template = _Guards().visit(super()._parse(source, name, filename))
        return tree

    def loop_guard(self, iterable: Iterable[Any]) -> Iterator[Any]:
        """Yield from ``iterable``, counting each item against the rendering's budget."""
        budget = _budget()
        for item in iterable:
            budget.tick()
            yield item

    @pass_eval_context
    def concat_guard(self, eval_ctx: EvalContext, *parts: Any) -> str:
        """``a ~ b ~ …`` with a limit on the length of the result."""
        _too_long(sum(_size(p) for p in parts), "concatenation")
        return markup_join(parts) if eval_ctx.autoescape else str_join(parts)

    def concat(self, parts: Iterable[str]) -> str:  # type: ignore[override]
        """Join rendered chunks (the report, blocks, macros), refusing oversized output.

        The size and the deadline are checked at every chunk, inline: a report has thousands.
        """
        budget, total, out = _budget(), 0, []
        limit, deadline, clock = MAX_OUTPUT, budget.deadline, time.monotonic
        for part in parts:
            total += len(part)
            if total > limit:
                _too_long(total, "rendered text")
            out.append(part)
            if clock() > deadline:
                budget.check_time()
        return "".join(out)


class LimitedSandbox(LimitedEnvironment, ImmutableSandboxedEnvironment):
    """Immutable sandbox with limits on loop iterations, time and the size of any text."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        """Calls, with the deadline checked and size checks on text-building str methods."""
        _budget().check_time()
        method = getattr(__obj, "__wrapped__", __obj)  # str.format comes wrapped by Jinja2
        owner = getattr(method, "__self__", None)
        if isinstance(owner, str):
            _check_str_method(owner, getattr(method, "__name__", ""), args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        """``+`` and ``%`` with limits on the result; ``*`` and ``**`` are left to
        subclasses (see :class:`~evalkit.report.environment.ReportSandbox`)."""
        if operator_ == "+" and isinstance(left, str | list | tuple) and isinstance(
                right, str | list | tuple):
            _too_long(len(left) + len(right), "concatenation")
        if operator_ == "%" and isinstance(left, str) and _WIDE.search(left):
            raise SecurityError("format width too large in template")
        return super().call_binop(context, operator_, left, right)
