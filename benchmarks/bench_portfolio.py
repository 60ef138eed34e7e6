"""Portfolio benchmark: N copies of the example, evaluated + one HTML report each + dashboard.

Run by hand (not in CI) on an idle machine:

    python benchmarks/bench_portfolio.py --copies 1000 --workers 2

Target (issue: portfolio): 1,000 copies in at most 60 s on 2 cores. Also times the single demo
(`evalkit demo` HTML and PDF, whole process) against `python -c "import pandas, scipy.stats,
matplotlib"` measured in the same run. Results go to benchmarks/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
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


def wall(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="repeats of the demo timings")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = make_copies(Path(tmp) / "round", args.copies)
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        portfolio = ek.evaluate_many(root, workers=args.workers, report_dir=out / "projects")
        t_eval = time.perf_counter() - t0
        portfolio.render(out / "index.html")
        t_all = time.perf_counter() - t0
        print(f"portfolio: {args.copies} projects, {args.workers} workers: evaluate + report "
              f"{t_eval:.1f} s, with dashboard {t_all:.1f} s "
              f"({t_all / args.copies * 1000:.0f} ms per project); failures: "
              f"{len(portfolio.failures)}")
        exe = Path(sys.executable).with_name("evalkit")
        base = min(wall([sys.executable, "-c", "import pandas, scipy.stats, matplotlib"],
                        Path(tmp)) for _ in range(args.repeat))
        for fmt in ("html", "pdf"):
            best = min(wall([str(exe), "demo", "--format", fmt, "--out", "demo"], Path(tmp))
                       for _ in range(args.repeat))
            print(f"evalkit demo --format {fmt}: {best:.2f} s whole process "
                  f"(import pandas, scipy.stats, matplotlib: {base:.2f} s; ratio "
                  f"{best / base:.1f})")


if __name__ == "__main__":
    main()
