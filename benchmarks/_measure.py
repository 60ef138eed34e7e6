"""Shared by the benchmark scripts: time a call and measure its peak memory (Linux).

``MEASURE`` is source code prepended to each benchmark's child script (every library runs in
its own subprocess): ``measure(run, repeat)`` calls ``run()`` once to warm up (lazy imports,
JIT compilation), then ``repeat`` times, and returns the last output, the best time in seconds
and the peak resident memory in MB above the memory just before a call (the process's
``VmHWM`` after resetting it through ``/proc/self/clear_refs``).
"""

MEASURE = """
import time


def _status_kb(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def measure(run, repeat):
    out = run()  # warm-up: lazy imports, JIT compilation
    times, peaks = [], []
    for _ in range(repeat):
        with open("/proc/self/clear_refs", "w") as fh:  # reset the peak-RSS high-water mark
            fh.write("5")
        before = _status_kb("VmRSS:")
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
        peaks.append(_status_kb("VmHWM:") - before)
    return out, min(times), max(peaks) / 1024
"""


def version(lib: str) -> str:
    """Installed version of ``lib`` (for the results table), or "not installed"."""
    from importlib import metadata

    try:
        return metadata.version(lib)
    except metadata.PackageNotFoundError:
        return "not installed"
