"""Evaluating a bundled example imports neither ``scipy.stats`` nor ``statsmodels`` (issue 16).

The report's minimum-detectable-effect line (``mde_record``) does not import statsmodels either:
``estimate/power_engine.py`` reproduces its power classes.

``import scipy.stats`` costs about 0.3 s of a fresh process; evalkit computes the Wilcoxon
test, ranks, the exact binomial test and Kaplan–Meier itself (each compared with scipy.stats
in its own test). Only the far-tail fallback of the truncated-normal quantile in
``estimate/honest_arp.py`` still imports scipy.stats, inside that function.
"""

from __future__ import annotations

import subprocess
import sys

import evalkit as ek


def test_evaluating_every_example_leaves_scipy_stats_unimported() -> None:
    names = ek.datasets.list()
    code = f"""
import sys, warnings
warnings.simplefilter("ignore")
import evalkit as ek
from evalkit.estimate.power import mde_record
for name in {names!r}:
    ev = ek.evaluate(ek.load_project(ek.datasets.path(name) / "project.yaml"))
    for result in ev.effects.values():
        mde_record(result)
    print(name, sorted(m for m in ("scipy.stats", "statsmodels") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.splitlines() == [f"{name} []" for name in names], out.stderr
