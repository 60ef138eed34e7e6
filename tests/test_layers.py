"""The data path as import layers (pyproject.toml ``[tool.importlinter]``, docs/architecture.md).

spec -> data -> estimate -> assess -> report, with the orchestration above and the
foundations below: a module may import only from the layers below its own. import-linter
checks every import, including those inside functions; imports under ``if TYPE_CHECKING:``
(type hints, never run) are not counted. ``exhaustive`` makes a new top-level module or
package fail until it is given a layer.

The contract is run on the real package, then on copies with a planted backward import, a
planted undeclared module and a planted type-hint import, so the test is seen to fail for the
reason it exists.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import evalkit

pytest.importorskip("importlinter")

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "pyproject.toml"
PACKAGE = Path(evalkit.__file__).resolve().parent

_RUN = ("import sys\n"
        "from importlinter.cli import lint_imports\n"
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))\n")


def _lint(src: Path) -> tuple[int, str]:
    """Run the project's contract on the package ``src/evalkit`` in a fresh interpreter."""
    proc = subprocess.run([sys.executable, "-c", _RUN, str(CONFIG)], capture_output=True,
                          text=True, env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"},
                          cwd=src, timeout=300, check=False)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def copy_of_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pristine copy of the package to plant imports in (one per test via copytree)."""
    base = tmp_path_factory.mktemp("pristine") / "evalkit"
    shutil.copytree(PACKAGE, base, ignore=shutil.ignore_patterns("__pycache__"))
    return base


def _planted(copy_of_package: Path, tmp_path: Path) -> Path:
    pkg = tmp_path / "src" / "evalkit"
    shutil.copytree(copy_of_package, pkg)
    return pkg


def test_layers_contract_is_kept() -> None:
    code, out = _lint(PACKAGE.parent)
    assert code == 0, out
    assert "1 kept, 0 broken" in out


def test_every_top_level_module_has_a_layer() -> None:
    """The layer list names every module and package directly under evalkit/ (and nothing
    else), so the contract's ``exhaustive`` check has no gap to fall through."""
    settings = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = settings["contracts"]
    assert contract["containers"] == ["evalkit"] and contract["exhaustive"] is True
    declared = {name.strip() for layer in contract["layers"]
                for name in layer.replace(":", "|").split("|")}
    present = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    present |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    assert declared == present


def test_contract_catches_a_backward_import_inside_a_function(copy_of_package: Path,
                                                              tmp_path: Path) -> None:
    pkg = _planted(copy_of_package, tmp_path)
    with (pkg / "model" / "contract.py").open("a", encoding="utf-8") as fh:
        fh.write("\n\ndef _planted() -> object:\n"
                 "    from evalkit.assess import acceptance\n\n"
                 "    return acceptance\n")
    code, out = _lint(pkg.parent)
    assert code == 1, out
    assert "evalkit.model is not allowed to import evalkit.assess" in out
    assert "evalkit.model.contract -> evalkit.assess.acceptance" in out


def test_contract_catches_an_estimator_drawing_a_report_chart(copy_of_package: Path,
                                                              tmp_path: Path) -> None:
    pkg = _planted(copy_of_package, tmp_path)
    with (pkg / "estimate" / "did.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom evalkit.report import charts as _charts  # noqa\n")
    code, out = _lint(pkg.parent)
    assert code == 1, out
    assert "evalkit.estimate is not allowed to import evalkit.report" in out


def test_contract_catches_a_module_without_a_layer(copy_of_package: Path,
                                                   tmp_path: Path) -> None:
    pkg = _planted(copy_of_package, tmp_path)
    (pkg / "newstage.py").write_text('"""Not given a layer."""\n', encoding="utf-8")
    code, out = _lint(pkg.parent)
    assert code == 1, out
    assert "evalkit.newstage" in out


def test_type_hint_imports_are_not_counted(copy_of_package: Path, tmp_path: Path) -> None:
    """The documented exception: ``if TYPE_CHECKING:`` imports (never run) may name a type
    from a higher layer, e.g. report modules annotating ``evaluation: Evaluation``."""
    pkg = _planted(copy_of_package, tmp_path)
    with (pkg / "model" / "contract.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom typing import TYPE_CHECKING\n\n"
                 "if TYPE_CHECKING:\n    from evalkit.evaluation import Evaluation  # noqa\n")
    code, out = _lint(pkg.parent)
    assert code == 0, out


def test_no_private_name_crosses_a_stage() -> None:
    """A name starting with ``_`` is a module's own business: no module imports one from
    another top-level stage (validate.py once took ``_load_source`` from data/load.py)."""
    import ast

    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        here = rel.parts[1] if len(rel.parts) > 1 else ""
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                continue
            parts = node.module.split(".")
            if parts[0] != "evalkit" or len(parts) < 2 or parts[1] == here:
                continue
            found += [f"{'/'.join(rel.parts)}: {a.name} from {node.module}" for a in node.names
                      if a.name.startswith("_") and not a.name.startswith("__")]
    assert found == []
