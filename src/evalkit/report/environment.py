"""The Jinja2 environments report templates run in, their filters and labels.

An organization's templates (``template_dir``), the Word templates and anything rendered
through :func:`make_environment`'s default run in Jinja2's
:class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` with :class:`~jinja2.StrictUndefined`:
a template can read the plain context (see :mod:`evalkit.report.context`) and call the
filters and functions below, nothing else. Attribute tricks such as
``{{ ''.__class__.__mro__ }}`` raise :class:`~evalkit.errors.RenderError`.

evalkit's own HTML and Markdown templates, when no ``template_dir`` is given, are evalkit's
code, not input: they run in :class:`ReportEnvironment` (``make_environment(trusted=True)``),
the same environment without the sandbox's check of every attribute and call (about a third of
a report's template time), with the same autoescaping, finalize, filters, globals and
limits on loops, time and output size (:mod:`evalkit.report.limits`). The data they print is
escaped exactly as before: the sandbox guards against a hostile template, not hostile data.

Language enters only here: ``t("key")`` looks a label up in ``i18n/<lang>.yaml`` and
``label(x)`` picks the ``zh``/``en`` half of a two-language name.
"""

from __future__ import annotations

import math
import operator
import string
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import safe_range
from markupsafe import escape

from evalkit._text import strip_bidi
from evalkit.errors import RenderError
from evalkit.report.limits import LIMITED_FILTERS, LimitedEnvironment, LimitedSandbox

__all__ = [
    "LANGS",
    "Kind",
    "ReportEnvironment",
    "ReportSandbox",
    "fmt_ci",
    "fmt_num",
    "fmt_pct",
    "fmt_pvalue",
    "label_functions",
    "load_labels",
    "make_environment",
    "shipped_templates",
]

LANGS = ("zh", "en")
Kind = Literal["html", "markdown", "docx"]
MISSING = "—"
_MAX_REPEAT = 100_000
_HUGE = 1e15  # numbers at least this large are printed in scientific notation


def shipped_templates() -> Path:
    """Folder of the templates shipped with evalkit."""
    from evalkit.datasets import resource_dir

    return resource_dir("templates")


class ReportSandbox(LimitedSandbox):
    """Immutable sandbox that also refuses huge ``*``/``**`` results (memory bombs), with
    limits on loop iterations, time and output size (:mod:`evalkit.report.limits`)."""

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Attributes of plain data and of Jinja2's own objects only.

        The context is plain data; the few objects evalkit adds for Word (images, tables)
        are printed, never explored — ``{{ charts.indicators.tpl.save(...) }}`` is refused.
        """
        if not super().is_safe_attribute(obj, attr, value):
            return False
        module = (type(obj).__module__ or "").split(".")[0]
        return module in ("builtins", "jinja2", "markupsafe") or isinstance(obj, dict)

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        """``*`` and ``**`` with limits on the size of the result."""
        if operator_ not in ("*", "**"):
            return super().call_binop(context, operator_, left, right)
        if operator_ == "**":
            if isinstance(right, int | float) and abs(right) > 1000:
                raise SecurityError("exponent too large in template")
            return operator.pow(left, right)
        for seq, count in ((left, right), (right, left)):
            if (isinstance(seq, str | list | tuple) and isinstance(count, int)
                    and len(seq) * count > _MAX_REPEAT):
                raise SecurityError("repetition too large in template")
        return operator.mul(left, right)


class ReportEnvironment(LimitedEnvironment):
    """evalkit's own templates: not sandboxed, with the limits of
    :class:`~evalkit.report.limits.LimitedEnvironment` and the sandbox's ``range`` (at most
    100,000 items), so a template behaves exactly as in :class:`ReportSandbox`."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.globals["range"] = safe_range


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` output: bidi controls removed from text (see :mod:`evalkit._text`)."""
    return strip_bidi(value) if isinstance(value, str) else value


# -- number formatting (filters) ---------------------------------------------------------
def _finite(x: Any) -> float | None:
    if x is None or isinstance(x, bool | str):
        return None
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def fmt_num(x: Any, digits: int | None = None) -> str:
    """Number for a table: thousands separators, ``digits`` decimals (auto when None).

    Text (such as a suppressed cell ``"<5"``) is returned unchanged; missing is ``—``.
    """
    if isinstance(x, str):
        return x
    if isinstance(x, bool):
        return "✓" if x else "✗"
    value = _finite(x)
    if value is None:
        return MISSING
    if abs(value) >= _HUGE:  # never a 300-digit number (1e308 in a data file)
        return f"{value:.3g}"
    if digits is None:
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        a = abs(value)
        if a < 0.001:
            return f"{value:.2g}"
        digits = 1 if a >= 100 else 2 if a >= 0.01 else 3
    return f"{value:,.{digits}f}"


def fmt_pct(x: Any, digits: int = 0) -> str:
    """A share (1.0 = 100%) as a percentage: ``fmt_pct(0.934) == '93%'``."""
    if isinstance(x, str):
        return x
    value = _finite(x)
    if value is not None and abs(100 * value) >= _HUGE:
        return f"{100 * value:.3g}%"
    return MISSING if value is None else f"{100 * value:.{digits}f}%"


def fmt_signed(x: Any, digits: int = 2) -> str:
    """Number with an explicit sign: ``+0.42``, ``-1.30``."""
    if isinstance(x, str):
        return x
    value = _finite(x)
    if value is not None and abs(value) >= _HUGE:
        return f"{value:+.3g}"
    return MISSING if value is None else f"{value:+,.{digits}f}"


def fmt_ci(pair: Any, digits: int = 2) -> str:
    """Confidence interval ``[low, high]``."""
    if isinstance(pair, str):
        return pair
    if not isinstance(pair, list | tuple) or len(pair) != 2:
        return MISSING
    return f"[{fmt_num(pair[0], digits)}, {fmt_num(pair[1], digits)}]"


def fmt_pvalue(p: Any) -> str:
    """p-value: ``<0.001`` or three decimals."""
    if isinstance(p, str):
        return p
    value = _finite(p)
    if value is None:
        return MISSING
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _md_cell(value: Any) -> str:
    """Make text safe inside a Markdown table cell (pipes and line breaks)."""
    return str(value).replace("|", "\\|").replace("\n", " ").replace("\r", " ")


# -- labels ---------------------------------------------------------------------------------
def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= _flatten(value, name + ".")
        else:
            out[name] = "" if value is None else str(value)
    return out


@lru_cache(maxsize=16)
def _read_catalogue(path: Path, mtime: float) -> dict[str, str]:
    import yaml

    from evalkit._yaml import safe_load

    try:  # yaml.safe_load's rules, on libyaml's C parser when it is there
        raw = safe_load(path.read_text(encoding="utf-8"), strict=False) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RenderError(f"{path}: label catalogue cannot be read ({exc})",
                          hint="fix the YAML of the catalogue") from exc
    if not isinstance(raw, Mapping):
        raise RenderError(f"{path}: expected a mapping of labels")
    return _flatten(raw)


def load_labels(lang: str, template_dir: str | Path | None = None) -> dict[str, str]:
    """Labels for ``lang``: the shipped ``i18n/<lang>.yaml`` overlaid with the one in
    ``template_dir`` (when it has one)."""
    if lang not in LANGS:
        raise RenderError(f"lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    labels: dict[str, str] = {}
    folders = [shipped_templates()] + ([Path(template_dir)] if template_dir else [])
    for folder in folders:
        # <lang>.yaml, then the part catalogues <lang>.<part>.yaml (e.g. zh.document.yaml)
        paths = [folder / "i18n" / f"{lang}.yaml",
                 *sorted((folder / "i18n").glob(f"{lang}.*.yaml"))]
        for path in paths:
            if path.is_file():
                labels |= _read_catalogue(path.resolve(), path.stat().st_mtime)
    return labels


def _check_fields(key: str, text: str) -> None:
    """Labels may only name plain fields (``{name}``): ``{x.__class__}`` or ``{x[0]}`` in a
    catalogue would reach around the sandbox."""
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
    except ValueError as exc:
        raise RenderError(f"label {key!r}: {exc}", hint="fix the braces in the label") from exc
    for field in fields:
        if not field.isidentifier():
            raise RenderError(f"label {key!r}: placeholder {{{field}}} is not allowed",
                              hint="labels may only use simple placeholders like {name}")


def _translator(labels: Mapping[str, str], lang: str) -> Callable[..., str]:
    def t(key: str, default: str | None = None, **values: Any) -> str:
        """Label ``key`` in the report language, formatted with ``values``; ``default`` (when
        given) is returned for an unknown key instead of raising."""
        if key not in labels:
            if default is not None:
                return default
            raise RenderError(f"label {key!r} not found in i18n/{lang}.yaml",
                              hint="add it to the label catalogue of your template folder")
        text = labels[key]
        if values:
            _check_fields(key, text)
            try:
                text = text.format(**values)
            except (KeyError, IndexError, ValueError) as exc:
                raise RenderError(f"label {key!r}: cannot fill in {exc}") from exc
        return text

    return t


def _labeller(lang: str) -> Callable[[Any], Any]:
    def label(value: Any) -> Any:
        """The ``lang`` half of a two-language name ``{"zh": …, "en": …}``."""
        if isinstance(value, Mapping):
            if lang in value:
                return value[lang]
            if f"name_{lang}" in value:
                return value[f"name_{lang}"]
            return MISSING
        return MISSING if value is None else value

    return label


def _design_lister(t: Callable[..., str]) -> Callable[[Any], str]:
    def design_names(designs: Any) -> str:
        """The plain names of the evaluation's designs, joined (研究设计 of the basis section)."""
        other = t("doc.basis.other_design")
        names = list(dict.fromkeys(t(f"designs.name.{d}", other) for d in designs or ()))
        if len(names) < 2:
            return "".join(names)
        if len(names) == 2:
            return t("doc.basis.pair_sep").join(names)
        return t("doc.basis.sep").join(names[:-1]) + t("doc.basis.last_sep") + names[-1]

    return design_names


def label_functions(env: Environment) -> tuple[Callable[..., str], Callable[[Any], Any]]:
    """The ``t`` and ``label`` functions of an environment (for writers in Python)."""
    return env.globals["t"], env.globals["label"]  # type: ignore[return-value]


def _catalogue_stamp(template_dir: str | Path | None) -> tuple[float, ...]:
    folders = [shipped_templates()] + ([Path(template_dir)] if template_dir else [])
    return tuple(p.stat().st_mtime for f in folders for p in sorted((f / "i18n").glob("*.yaml")))


def make_environment(
    lang: str,
    *,
    kind: Kind = "html",
    template_dir: str | Path | None = None,
    trusted: bool = False,
) -> LimitedEnvironment:
    """The environment for one report: sandboxed unless ``trusted``.

    Parameters
    ----------
    lang
        "zh" or "en": chooses the label catalogue used by ``t()`` and ``label()``.
    kind
        "html" (autoescaped HTML, also used for PDF), "markdown" (no autoescaping: the
        Markdown writer escapes the context itself) or "docx" (autoescaped XML, for docxtpl).
    template_dir
        An organization's template folder, searched before evalkit's own templates.
    trusted
        Only for rendering evalkit's own templates (``template_dir`` must be None): a
        :class:`ReportEnvironment`, which skips the sandbox's checks of every attribute and
        call but keeps the limits on loops, time and output size. Never give it a template
        from anyone else (``from_string`` included); with a ``template_dir`` it raises
        :class:`~evalkit.errors.RenderError`.

    Returns
    -------
    LimitedEnvironment
        A :class:`ReportSandbox` (a :class:`ReportEnvironment` when ``trusted``). Filters: ``num``, ``pct``, ``signed``, ``ci``, ``pvalue``, ``md``;
        globals: ``t``, ``label``, ``lang``, ``design_names``.

    Notes
    -----
    Environments are cached per language, kind, folder and label-catalogue timestamps, so
    compiled templates are reused; Jinja2 still reloads a template whose file changed. The
    environments of one kind share their compiled code (one compilation for zh and en), which
    is also kept on disk for the next process (:mod:`evalkit.report.compiled`); trusted and
    sandboxed environments compile to different code and never share it.
    """
    from evalkit.report.compiled import cache_root

    if trusted and template_dir:
        raise RenderError(
            f"make_environment: trusted=True with template_dir={str(template_dir)!r}; a "
            "trusted environment renders evalkit's own templates only",
            hint="leave trusted=False (the default) for an organization's templates: they "
                 "run sandboxed")
    folder = str(Path(template_dir).resolve()) if template_dir else None
    return _environment(lang, kind, folder, _catalogue_stamp(template_dir), cache_root(),
                        trusted)


@lru_cache(maxsize=32)
def _environment(lang: str, kind: Kind, template_dir: str | None,
                 stamp: tuple[float, ...], cache: Path | None,
                 trusted: bool = False) -> LimitedEnvironment:
    """One environment per language, kind, folder, catalogue stamp, cache folder and trust."""
    from evalkit.report.compiled import compiled_store

    labels = load_labels(lang, template_dir)
    folders = ([str(Path(template_dir))] if template_dir else []) + [str(shipped_templates())]
    env = (ReportEnvironment if trusted else ReportSandbox)(
        loader=ChoiceLoader([FileSystemLoader(f) for f in folders]),
        undefined=StrictUndefined,
        autoescape=kind != "markdown",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.bytecode_cache = compiled_store(kind, env)
    env.filters.update(
        num=fmt_num,
        pct=fmt_pct,
        signed=fmt_signed,
        ci=fmt_ci,
        pvalue=fmt_pvalue,
        md=_md_cell,
        esc=escape,
    )
    env.filters.update(LIMITED_FILTERS)
    t = _translator(labels, lang)
    env.globals.update(t=t, label=_labeller(lang), lang=lang, design_names=_design_lister(t))
    return env
