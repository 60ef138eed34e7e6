"""A non-editable install works from any directory: templates and datasets ship in the wheel."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_install_runs_demo_from_another_directory(tmp_path):
    pytest.importorskip("hatchling")
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=300,
    )
    (wheel,) = wheels.glob("evalkit-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "evalkit/datasets/workers_home/project.yaml" in names
    assert "evalkit/datasets/workers_home/data/participants.csv" in names
    assert any(n.startswith("evalkit/templates/") for n in names)
    assert "evalkit/py.typed" in names

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    # The new venv sees the dependencies of the environment running the tests (which may itself
    # be a venv: --system-site-packages would show the base interpreter's packages instead), but
    # not this source tree: only site-packages folders are listed, and .pth files inside them
    # (the editable install of evalkit) are not processed from a path added this way.
    parents = [p for p in sys.path if p.rstrip("/").endswith("site-packages") and Path(p).is_dir()]
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "_evalkit_test_parent_env.pth").write_text("\n".join(parents) + "\n")
    subprocess.run([str(py), "-m", "pip", "install", "--no-deps", "--no-index", "-q",
                    "--disable-pip-version-check", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([str(py), "-c", "import evalkit; print(evalkit.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, check=True)
    assert str(venv) in where.stdout, "the installed wheel, not the source tree, is imported"
    proc = subprocess.run([str(venv / "bin" / "evalkit"), "demo", "--out", "out"], cwd=elsewhere,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert (elsewhere / "out" / "report.zh.html").stat().st_size > 10_000
