"""Compare versions/environments of ``ek.evaluate`` on one example, interleaved (CPU time).

    python benchmarks/bench_evaluate_compare.py --rounds 5 \\
        old=/usr/bin/python3:/path/old/src new=/usr/bin/python3:/path/new/src \\
        old-nopa=/tmp/venv/bin/python:/path/old/src ...

Each ``label=PYTHON:SRC`` runs with ``PYTHONPATH=SRC`` and ``OPENBLAS_NUM_THREADS=1``. Per
round and configuration, in turn: one fresh process that imports evalkit, loads and evaluates
the example and computes the report's minimum-detectable-effect line (``mde_record``), timed
as wall and CPU seconds; and one process that measures the best CPU time of ``--warm`` warm
``evaluate(load_project(...))`` calls. Prints the best and median per configuration, the
string storage pandas uses there and whether scipy.stats / statsmodels / pyarrow were imported.
CPU time is what to compare on a shared machine; wall time follows the load.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess

FRESH = """
import time, warnings
t0 = time.perf_counter(); c0 = time.process_time()
warnings.simplefilter("ignore")
import evalkit as ek
from evalkit.estimate.power import mde_record
ev = ek.evaluate(ek.load_project(ek.datasets.path({name!r}) / "project.yaml"))
[mde_record(r) for r in ev.effects.values()]
import sys, pandas as pd
print(time.perf_counter() - t0, time.process_time() - c0, pd.StringDtype().storage,
      int("scipy.stats" in sys.modules), int("statsmodels" in sys.modules),
      int("pyarrow" in sys.modules))
"""

WARM = """
import time, warnings
warnings.simplefilter("ignore")
import evalkit as ek
path = ek.datasets.path({name!r}) / "project.yaml"
ek.evaluate(ek.load_project(path))
cpu = []
for _ in range({n}):
    c0 = time.process_time()
    ek.evaluate(ek.load_project(path))
    cpu.append(time.process_time() - c0)
print(min(cpu), sorted(cpu)[len(cpu) // 2])
"""


def _run(python: str, src: str, code: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=src, OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True,
                         env=env)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="+", help="label=PYTHON:SRC")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warm", type=int, default=15)
    parser.add_argument("--example", default="workers_home")
    args = parser.parse_args()
    configs = [(c.split("=", 1)[0], *c.split("=", 1)[1].split(":", 1)) for c in args.configs]
    res: dict[str, dict[str, list[float]]] = {c[0]: {"wall": [], "cpu": [], "warm": []}
                                              for c in configs}
    info: dict[str, str] = {}
    print(f"load average at start: {os.getloadavg()}")
    for _ in range(args.rounds):
        for label, python, src in configs:
            wall, cpu, storage, st, sm, pa = _run(python, src, FRESH.format(name=args.example))
            res[label]["wall"].append(float(wall))
            res[label]["cpu"].append(float(cpu))
            info[label] = f"strings={storage} scipy.stats={st} statsmodels={sm} pyarrow={pa}"
            best, _median = _run(python, src, WARM.format(name=args.example, n=args.warm))
            res[label]["warm"].append(float(best))
    print(f"load average at end: {os.getloadavg()}")
    for label, *_ in configs:
        r = res[label]
        print(f"{label:12s} warm evaluate CPU best {min(r['warm']):.3f} s "
              f"(median of rounds {statistics.median(r['warm']):.3f}) | fresh import+evaluate+"
              f"mde: CPU best {min(r['cpu']):.2f} s median {statistics.median(r['cpu']):.2f} s, "
              f"wall best {min(r['wall']):.2f} s median {statistics.median(r['wall']):.2f} s | "
              f"{info[label]}")


if __name__ == "__main__":
    main()
