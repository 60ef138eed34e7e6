"""The ``evalkit`` command.

::

    evalkit demo [--example NAME] [--out DIR] [--lang zh|en] [--format html|pdf|docx|md]
                 [--report evaluation|acceptance]
    evalkit validate PROJECT.yaml|DIR
    evalkit report PROJECT.yaml -o FILE [--lang zh|en] [--report evaluation|acceptance]
                   [--template-dir DIR] [--docx-template FILE]
    evalkit report PROJECT.yaml -o DIR --format html,pdf,docx --lang zh,en
    evalkit init DIR

``--lang`` and ``--format`` take one value or several separated by commas; the project is
evaluated once and every report written from that evaluation. A progress bar (tqdm) shows on
a terminal for work that takes more than two seconds.

    evalkit portfolio DIR... -o FILE [--workers N] [--scheduler ADDRESS] [--lang zh|en]
                      [--also pdf,docx]

``--allow-outside-files`` (demo, validate, report) lets project.yaml name data files outside
its folder; without it such a file is an error (docs/privacy.md).

Errors print one line (``evalkit: error: …``) and exit with status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

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
    demo.add_argument("--lang", type=_langs, default=["zh"], help="zh, en or zh,en")
    demo.add_argument("--format", type=_formats, default=["html"],
                      help="html, md, pdf, docx or several, e.g. html,pdf")
    demo.add_argument("--report", choices=REPORTS, default="evaluation")

    val = sub.add_parser("validate", help="list every problem in a project's spec and data")
    val.add_argument("project", help="path of project.yaml (or its folder)")

    rep = sub.add_parser("report", help="evaluate a project and write its report(s)")
    rep.add_argument("project", help="path of project.yaml (or its folder)")
    rep.add_argument("-o", "--output", required=True,
                     help="report file (the format follows the suffix: .html .md .pdf .docx); "
                          "a folder when --format is given")
    rep.add_argument("--lang", type=_langs, default=["zh"], help="zh, en or zh,en")
    rep.add_argument("--format", type=_formats, default=None,
                     help="html, md, pdf, docx or several, e.g. html,pdf,docx (-o is a folder)")
    rep.add_argument("--report", choices=REPORTS, default="evaluation")
    rep.add_argument("--template-dir", default=None, help="folder of your own Jinja2 templates")
    rep.add_argument("--docx-template", default=None, help="your organization's .docx template")

    ini = sub.add_parser("init", help="write a commented project.yaml and .xlsx data templates")
    ini.add_argument("folder", help="folder of the new project (created when missing)")

    for command in (demo, val, rep):
        command.add_argument(
            "--allow-outside-files", action="store_true",
            help="let project.yaml read data files outside its folder (absolute paths, '..', "
                 "symbolic links out); only for a project folder you trust")

    pf = sub.add_parser("portfolio", help="evaluate many projects and write a dashboard")
    pf.add_argument("projects", nargs="+",
                    help="project folders, project.yaml files, or folders of project folders")
    pf.add_argument("-o", "--output", required=True,
                    help="dashboard file (.html); each project's report goes beside it")
    pf.add_argument("--workers", type=int, default=None,
                    help="worker processes (default: one per core)")
    pf.add_argument("--scheduler", default=None,
                    help="address of a Dask scheduler (tcp://host:8786) to run on instead")
    pf.add_argument("--lang", choices=LANGS, default="zh")
    pf.add_argument("--also", type=lambda v: _choices(v, ["pdf", "docx"], "format"), default=[],
                    help="also write the summary for the decision meeting: pdf, docx or "
                         "pdf,docx (beside the dashboard, same name)")
    pf.add_argument("--no-reports", action="store_true",
                    help="write only the dashboard, not each project's own report")
    return parser


def _choices(text: str, allowed: Sequence[str], what: str) -> list[str]:
    values = [v.strip() for v in text.split(",") if v.strip()]
    wrong = [v for v in values if v not in allowed]
    if wrong or not values:
        raise argparse.ArgumentTypeError(
            f"invalid {what} {', '.join(wrong) or text!r} (choose from {', '.join(allowed)}; "
            "several separated by commas)")
    return list(dict.fromkeys(values))


def _langs(text: str) -> list[str]:
    return _choices(text, LANGS, "language")


def _formats(text: str) -> list[str]:
    return _choices(text, list(FORMATS), "format")


def _project_file(path: str) -> Path:
    file = Path(path)
    return file / "project.yaml" if file.is_dir() else file


def _targets(args: argparse.Namespace, output: Path, formats: list[str] | None) -> list[tuple[Path, str]]:
    """(file, lang) of every report asked for; ``output`` is a folder when formats are given."""
    name = "report" if args.report == "evaluation" else "acceptance"
    if formats is not None:
        return [(output / f"{name}.{lang}{FORMATS[fmt]}", lang)
                for fmt in formats for lang in args.lang]
    if len(args.lang) == 1:
        return [(output, args.lang[0])]
    return [(output.with_name(f"{output.stem}.{lang}{output.suffix}"), lang)
            for lang in args.lang]


class _NoBar:
    """Stands in for a tqdm bar when none is shown (tqdm is then never imported)."""

    def __enter__(self) -> _NoBar:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def set_postfix_str(self, text: str) -> None:
        return None

    def update(self) -> None:
        return None


def _progress(steps: int) -> Any:
    """A tqdm bar of ``steps`` on a terminal (after 2 s), else a bar that shows nothing."""
    if not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=steps, desc="evalkit", unit="step", delay=2.0, leave=False,
                file=sys.stderr)


@contextlib.contextmanager
def _one_command_gc() -> Iterator[Callable[[], None]]:
    """Python's cyclic garbage collector, set for one command that ends the process.

    A full collection walks every tracked object; with pandas, scipy, matplotlib and an
    evaluation in memory each walk costs tens of milliseconds, and with Python's defaults
    (700 / 10 / 10) a report command ran about ten of them, plus a thousand young ones —
    0.4 s of an HTML and over 1 s of a PDF command on this machine. For the command's
    duration:

    * the thresholds are 10,000 / 50 / 1,000: young collections 14 times rarer, full ones
      practically none (measured: peak memory unchanged for one report, +100 MB for the
      four reports of ``--format html,pdf --lang zh,en``);
    * the ``keep()`` it yields (:func:`gc.freeze`) marks what is alive now — modules, the
      project, the evaluation — as living until exit, so any collection skips it. Reference
      counting still frees what is released; only cycles already garbage stay until exit.

    Afterwards the thresholds are restored and the frozen objects handed back to the
    collector (:func:`gc.unfreeze`), so a caller of :func:`main` in a long-lived process (a
    notebook, the tests) keeps normal collection. Used by the one-shot commands only, never
    by the library or by portfolio workers.
    """
    import gc

    previous = gc.get_threshold()
    gc.set_threshold(10_000, 50, 1_000)
    try:
        yield gc.freeze
    finally:
        gc.unfreeze()
        gc.set_threshold(*previous)


def _render_all(project_path: Path, targets: list[tuple[Path, str]],
                args: argparse.Namespace) -> list[Path]:
    """Evaluate once, then write every target; a progress bar on a terminal."""
    from evalkit.evaluation import evaluate
    from evalkit.project import load_project

    written: list[Path] = []
    with _progress(1 + len(targets)) as bar, _one_command_gc() as keep:
        bar.set_postfix_str("evaluating")
        keep()
        project = load_project(
            project_path, allow_outside=bool(getattr(args, "allow_outside_files", False)))
        keep()
        evaluation = evaluate(project)
        keep()
        bar.update()
        for target, lang in targets:
            bar.set_postfix_str(target.name)
            written.append(evaluation.render(
                target, lang=lang, report=args.report,
                template_dir=getattr(args, "template_dir", None),
                docx_template=getattr(args, "docx_template", None)))
            bar.update()
    return written


def _demo(args: argparse.Namespace) -> int:
    from evalkit import datasets

    folder = datasets.path(args.example)
    targets = _targets(args, Path(args.out), args.format)
    for written in _render_all(folder / "project.yaml", targets, args):
        print(f"evalkit: wrote {written}")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from evalkit.validate import validate_project

    path = _project_file(args.project)
    problems = validate_project(path, allow_outside=bool(args.allow_outside_files))
    if len(problems) == 1:
        print(f"evalkit: error: {problems[0]}", file=sys.stderr)
        return 1
    if problems:
        print(f"evalkit: {len(problems)} problem(s) in {path}:", file=sys.stderr)
        for line in problems:
            print(f"  - {line}", file=sys.stderr)
        return 1
    print(f"evalkit: {path} is valid")
    return 0


def _report(args: argparse.Namespace) -> int:
    targets = _targets(args, Path(args.output), args.format)
    for written in _render_all(_project_file(args.project), targets, args):
        print(f"evalkit: wrote {written}")
    return 0


def _init(args: argparse.Namespace) -> int:
    from evalkit.scaffold import init_project

    written = init_project(args.folder)
    for path in written:
        print(f"evalkit: wrote {path}")
    print(f"evalkit: fill in the data files, then run: evalkit validate {written[0]}")
    return 0


def _portfolio(args: argparse.Namespace) -> int:
    from evalkit.portfolio import evaluate_many

    output = Path(args.output)
    client = None
    if args.scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise EvalkitError("--scheduler needs Dask",
                               hint='pip install "evalkit[dask]"') from exc
        try:
            client = Client(args.scheduler, timeout=30)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise EvalkitError(f"--scheduler {args.scheduler}: cannot connect ({exc})",
                               hint="check the address and that the scheduler is running") from exc
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int, path: str) -> None:
        if interactive:
            width = 30
            filled = int(width * done / total)
            print(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}", end="",
                  file=sys.stderr, flush=True)
            if done == total:
                print(file=sys.stderr)

    try:
        portfolio = evaluate_many(
            args.projects, workers=args.workers, client=client,
            report_dir=None if args.no_reports else output.parent / "projects",
            langs=(args.lang,), progress=progress)
    finally:
        if client is not None:
            client.close()  # type: ignore[no-untyped-call]
    written = portfolio.render(output, lang=args.lang)
    for fmt in args.also:
        print(f"evalkit: wrote {portfolio.render(output.with_suffix('.' + fmt), lang=args.lang)}")
    failures = portfolio.failures
    for rec in failures.to_dict("records"):
        where = "" if str(rec["error"]).startswith(str(rec["path"])) else f"{rec['path']}: "
        print(f"evalkit: warning: {where}{rec['error']}", file=sys.stderr)
    print(f"evalkit: wrote {written} ({len(portfolio.runs) - len(failures)} evaluated, "
          f"{len(failures)} failed)")
    return 0 if len(failures) < len(portfolio.runs) else 1


def _format_warning(message: Warning | str, category: type[Warning], *_: object, **__: object) -> str:
    return f"evalkit: warning: {message}\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``evalkit`` command; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"demo": _demo, "validate": _validate, "report": _report, "init": _init,
                "portfolio": _portfolio}
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
