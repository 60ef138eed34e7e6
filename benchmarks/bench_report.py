"""Time the reports of the bundled demo (run by hand; results go to benchmarks/RESULTS.md).

    python benchmarks/bench_report.py [--repeat 3] [--lang zh] [--formats html pdf docx md]

Each measurement runs in a fresh Python process, as ``evalkit demo`` does: it loads and
evaluates the Workers' Home example, then renders one report. It prints, per format, the best
over ``--repeat`` processes of

* ``render`` — the first ``evaluation.render(...)`` in the process (cold: fonts, templates,
  WeasyPrint start-up included) — the number the targets refer to (HTML <= 2 s, PDF <= 6 s);
* ``warm`` — a second render in the same process;
* ``evaluate`` — ``ek.evaluate`` before it, for reference;
* ``pages``/``size`` of the written file.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import evalkit as ek
ev = ek.evaluate(ek.load_project(ek.datasets.path("workers_home") / "project.yaml"))
t1 = time.perf_counter()
out = ev.render(sys.argv[1], lang=sys.argv[2], report=sys.argv[3])
t2 = time.perf_counter()
ev.render(sys.argv[1], lang=sys.argv[2], report=sys.argv[3])
t3 = time.perf_counter()
print(json.dumps({"evaluate": t1 - t0, "render": t2 - t1, "warm": t3 - t2,
                  "size": out.stat().st_size}))
"""

TARGETS = {"html": 2.0, "pdf": 6.0}


def pages(path: Path) -> str:
    if path.suffix != ".pdf":
        return "—"
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "?"
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages")),
                "?")


def measure(fmt: str, lang: str, report: str, repeat: int, folder: Path) -> dict[str, float]:
    target = folder / f"{report}.{lang}.{fmt}"
    runs = []
    for _ in range(repeat):
        proc = subprocess.run([sys.executable, "-c", CHILD, str(target), lang, report],
                              capture_output=True, text=True, check=True)
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    best = {key: min(r[key] for r in runs) for key in ("evaluate", "render", "warm")}
    best["size"] = runs[-1]["size"]
    best["pages"] = pages(target)  # type: ignore[assignment]
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--lang", default="zh", choices=("zh", "en"))
    parser.add_argument("--report", default="evaluation", choices=("evaluation", "acceptance"))
    parser.add_argument("--formats", nargs="+", default=["html", "pdf", "docx", "md"])
    args = parser.parse_args()
    import evalkit

    print(f"evalkit {evalkit.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}; best of {args.repeat} fresh processes; "
          f"{args.report} report, lang={args.lang}\n")
    print("| format | render (s) | target | warm render (s) | evaluate (s) | pages | size (KB) |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats:
            r = measure(fmt, args.lang, args.report, args.repeat, Path(tmp))
            target = f"<= {TARGETS[fmt]:g}" if fmt in TARGETS else "—"
            print(f"| {fmt} | {r['render']:.2f} | {target} | {r['warm']:.2f} | "
                  f"{r['evaluate']:.2f} | {r['pages']} | {r['size'] / 1024:.0f} |")


if __name__ == "__main__":
    main()
