"""The ``evalkit`` command.

::

    evalkit demo [--example NAME] [--out DIR] [--lang zh|en] [--format html|pdf|docx|md]
    evalkit validate PROJECT.yaml
    evalkit report PROJECT.yaml -o FILE [--lang zh|en] [--report evaluation|acceptance]
                   [--template-dir DIR] [--docx-template FILE]

``--allow-outside-files`` (demo, validate, report) lets project.yaml name data files outside
its folder; without it such a file is an error (docs/privacy.md).

Errors print one line (``evalkit: error: …``) and exit with status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from evalkit.errors import EvalkitError, EvalkitWarning
from evalkit.report import FORMATS, LANGS, REPORTS

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    from evalkit import __version__

    parser = argparse.ArgumentParser(
        prog="evalkit",
        description="Evaluate a purchased social-service project and write its report.",
    )
    parser.add_argument("--version", action="version", version=f"evalkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="evaluate a bundled example project end to end")
    demo.add_argument("--example", default="workers_home", help="example name (default: %(default)s)")
    demo.add_argument("--out", default="evalkit-demo", help="output folder (default: %(default)s)")
    demo.add_argument("--lang", choices=LANGS, default="zh")
    demo.add_argument("--format", choices=list(FORMATS), default="html")
    demo.add_argument("--report", choices=REPORTS, default="evaluation")

    val = sub.add_parser("validate", help="list every problem in a project's spec and data")
    val.add_argument("project", help="path of project.yaml")

    rep = sub.add_parser("report", help="evaluate a project and write its report")
    rep.add_argument("project", help="path of project.yaml")
    rep.add_argument("-o", "--output", required=True,
                     help="report file; the format follows the suffix (.html .md .pdf .docx)")
    rep.add_argument("--lang", choices=LANGS, default="zh")
    rep.add_argument("--report", choices=REPORTS, default="evaluation")
    rep.add_argument("--template-dir", default=None, help="folder of your own Jinja2 templates")
    rep.add_argument("--docx-template", default=None, help="your organization's .docx template")
    for command in (demo, val, rep):
        command.add_argument(
            "--allow-outside-files", action="store_true",
            help="let project.yaml read data files outside its folder (absolute paths, '..', "
                 "symbolic links out); only for a project folder you trust")
    return parser


def _render(project_path: Path, output: Path, args: argparse.Namespace) -> Path:
    from evalkit.evaluation import evaluate
    from evalkit.project import load_project

    evaluation = evaluate(load_project(
        project_path, allow_outside=bool(getattr(args, "allow_outside_files", False))))
    return evaluation.render(
        output,
        lang=args.lang,
        report=args.report,
        template_dir=getattr(args, "template_dir", None),
        docx_template=getattr(args, "docx_template", None),
    )


def _demo(args: argparse.Namespace) -> int:
    from evalkit import datasets

    folder = datasets.path(args.example)
    out = Path(args.out)
    name = "report" if args.report == "evaluation" else "acceptance"
    target = out / f"{name}.{args.lang}{FORMATS[args.format]}"
    written = _render(folder / "project.yaml", target, args)
    print(f"evalkit: wrote {written}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from evalkit.validate import validate_project

    problems = validate_project(Path(args.project),
                                allow_outside=bool(args.allow_outside_files))
    if len(problems) == 1:
        print(f"evalkit: error: {problems[0]}", file=sys.stderr)
        return 1
    if problems:
        print(f"evalkit: {len(problems)} problem(s) in {args.project}:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"evalkit: {args.project} is valid")
    return 0


def _report(args: argparse.Namespace) -> int:
    written = _render(Path(args.project), Path(args.output), args)
    print(f"evalkit: wrote {written}")
    return 0


def _format_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> str:
    return f"evalkit: warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evalkit`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"demo": _demo, "validate": _validate, "report": _report}
    with warnings.catch_warnings():
        warnings.simplefilter("default", EvalkitWarning)
        previous = warnings.formatwarning
        warnings.formatwarning = _format_warning  # type: ignore[assignment]
        try:
            return handlers[args.command](args)
        except EvalkitError as exc:
            print(f"evalkit: error: {exc.one_line()}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("evalkit: interrupted", file=sys.stderr)
            return 130
        finally:
            warnings.formatwarning = previous


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
