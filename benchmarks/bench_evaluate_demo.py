"""Time ``ek.evaluate`` of the Workers' Home example: warm, and as a whole fresh process.

    PYTHONPATH=src python benchmarks/bench_evaluate_demo.py [--repeat 5] [--warm 10]

Prints the load average, the best and median warm ``evaluate(load_project(...))`` time (all
imports done, one warm-up call), the best and median of ``--repeat`` fresh processes that
import evalkit, load and evaluate the example, ``python -c "import pandas, scipy.stats"`` in
the same run for scale, and whether ``scipy.stats`` / ``statsmodels`` are imported on that path.
Compare two versions by running it with each on ``PYTHONPATH``, interleaved.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

FRESH = """
import time
t0 = time.perf_counter()
import evalkit as ek
ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
import sys
print(time.perf_counter() - t0, time.process_time(), "scipy.stats" in sys.modules,
      "statsmodels" in sys.modules)
"""

WARM = """
import statistics, sys, time
import evalkit as ek
path = ek.datasets.path("workers_home") / "project.yaml"
ek.evaluate(ek.load_project(path))
times, cpu = [], []
for _ in range({n}):
    t0, c0 = time.perf_counter(), time.process_time()
    ek.evaluate(ek.load_project(path))
    times.append(time.perf_counter() - t0)
    cpu.append(time.process_time() - c0)
print(min(times), statistics.median(times), min(cpu))
"""

IMPORTS = """
import time
t0 = time.perf_counter()
import pandas, scipy.stats
print(time.perf_counter() - t0)
"""


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh processes")
    parser.add_argument("--warm", type=int, default=10, help="warm evaluations")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()}")
    best, median, cpu = (float(v) for v in _run(WARM.format(n=args.warm)))
    print(f"warm evaluate: best {best:.3f} s, median {median:.3f} s, best CPU {cpu:.3f} s "
          f"({args.warm} runs)")
    fresh, fresh_cpu, imports, flags = [], [], [], set()
    for _ in range(args.repeat):  # interleaved with the import line
        seconds, cpu_s, stats_in, sm_in = _run(FRESH)
        fresh.append(float(seconds))
        fresh_cpu.append(float(cpu_s))
        flags.add((stats_in, sm_in))
        imports.append(float(_run(IMPORTS)[0]))
        time.sleep(0.2)
    print(f"fresh process (import evalkit, load, evaluate): best {min(fresh):.3f} s, "
          f"median {statistics.median(fresh):.3f} s, best CPU {min(fresh_cpu):.3f} s "
          f"({args.repeat} runs)")
    print(f"import pandas, scipy.stats: best {min(imports):.3f} s, "
          f"median {statistics.median(imports):.3f} s")
    print(f"scipy.stats / statsmodels imported on the path: {sorted(flags)}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
