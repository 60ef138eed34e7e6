"""Portfolio benchmark: N copies of the example, evaluated + one HTML report each + dashboard.

Run by hand (not in CI) on an idle machine:

    python benchmarks/bench_portfolio.py --copies 1000 --workers 2

Target (issue: portfolio): 1,000 copies in at most 60 s on 2 cores. Also times the single demo
(`evalkit demo` HTML and PDF, whole process) against `python -c "import pandas, scipy.stats,
matplotlib"` measured in the same run. Results go to benchmarks/RESULTS.md by hand.

On a shared machine wall times follow the load; each line therefore also gives CPU seconds
(user + system of the process and its children), which the load changes much less, and the
load average when it was measured. ``--cpu-sample K`` evaluates and reports K copies in this
process first (``workers=1``) and prints their CPU time per project: with W idle cores the
round takes about N x that / W.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

import evalkit as ek


def make_copies(root: Path, copies: int) -> Path:
    source = ek.datasets.path("workers_home")
    for i in range(copies):
        folder = root / f"p{i:04d}"
        shutil.copytree(source, folder)
        spec = yaml.safe_load((folder / "project.yaml").read_text(encoding="utf-8"))
        spec["project"]["id"] = f"p{i:04d}"
        (folder / "project.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True),
                                             encoding="utf-8")
    return root


def load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"


def _children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def wall(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process."""
    c0 = _children_cpu()
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0, _children_cpu() - c0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1000, help="0: the CPU sample only")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="repeats of the demo timings")
    parser.add_argument("--cpu-sample", type=int, default=0,
                        help="copies evaluated in this process first, for CPU s per project")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_copies(Path(tmp) / "round", max(args.copies, args.cpu_sample))
        out = Path(tmp) / "out"
        if args.cpu_sample:
            sample = sorted(root.iterdir())[: args.cpu_sample]
            ek.evaluate_many(sample[:1], workers=1, report_dir=out / "warm")  # imports
            c0, t0 = time.process_time(), time.perf_counter()
            ek.evaluate_many(sample, workers=1, report_dir=out / "sample")
            cpu = (time.process_time() - c0) / len(sample)
            print(f"one process, {len(sample)} projects: {cpu * 1000:.0f} ms CPU and "
                  f"{(time.perf_counter() - t0) / len(sample) * 1000:.0f} ms wall per project "
                  f"(evaluate + HTML report); load {load()}")
        if args.copies == 0:  # the CPU sample only
            return
        t0 = time.perf_counter()
        portfolio = ek.evaluate_many(root, workers=args.workers, report_dir=out / "projects")
        t_eval = time.perf_counter() - t0
        portfolio.render(out / "index.html")
        t_all = time.perf_counter() - t0
        print(f"portfolio: {args.copies} projects, {args.workers} workers: evaluate + report "
              f"{t_eval:.1f} s, with dashboard {t_all:.1f} s "
              f"({t_all / args.copies * 1000:.0f} ms per project); failures: "
              f"{len(portfolio.failures)}; load {load()}")
        if args.no_demo:
            return
        exe = [sys.executable, "-m", "evalkit"]
        env_note = f"PYTHONPATH={os.environ.get('PYTHONPATH', '')}"
        for _ in range(args.repeat):
            base = wall([sys.executable, "-c", "import pandas, scipy.stats, matplotlib"],
                        Path(tmp))
            for fmt in ("html", "pdf"):
                took = wall([*exe, "demo", "--format", fmt, "--out", "demo"], Path(tmp))
                print(f"evalkit demo --format {fmt}: {took[0]:.2f} s wall, {took[1]:.2f} s CPU "
                      f"(import pandas, scipy.stats, matplotlib: {base[0]:.2f} s wall, "
                      f"{base[1]:.2f} s CPU; ratio {took[0] / base[0]:.1f} wall, "
                      f"{took[1] / base[1]:.1f} CPU); load {load()}; {env_note}")


if __name__ == "__main__":
    main()
