"""Atomic file output: write next to the target, then ``os.replace``.

A report is either written completely or not at all: the bytes go to a temporary file in the
same folder (so the final rename never crosses a file system), which replaces the target only
after it has been flushed and closed. If anything fails on the way, the temporary file is
removed and an earlier report at the same path is left untouched.

That includes being stopped: while a file is being written in the main thread, SIGTERM and
SIGHUP (whose default action would end the process without any clean-up) raise
``SystemExit(128 + signal)`` instead, so the temporary file is removed before the process
exits; Ctrl-C (SIGINT) raises KeyboardInterrupt as usual. Handlers a program installed itself
are left alone. Only SIGKILL (``kill -9``) cannot be caught.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

__all__ = ["atomic_path", "atomic_write"]


def _mode_for(target: Path) -> int:
    """Permissions of the finished file: those of the file it replaces, else what a plain
    ``open()`` would give under the current umask (mkstemp's temporary files are 0600)."""
    try:
        return target.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


#: signals whose default action ends the process without clean-up
_FATAL = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def _catch_fatal_signals() -> dict[int, Any]:
    """Make SIGTERM/SIGHUP raise SystemExit while a file is written (main thread only,
    and only where no handler of the program's own is installed); return what to restore."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    saved: dict[int, Any] = {}
    for sig in _FATAL:
        with contextlib.suppress(OSError, ValueError):
            if signal.getsignal(sig) is signal.SIG_DFL:
                saved[sig] = signal.signal(sig, _exit_on_signal)
    return saved


def _restore(saved: dict[int, Any]) -> None:
    for sig, handler in saved.items():
        with contextlib.suppress(OSError, ValueError):
            signal.signal(sig, handler)


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` on success.

    Parameters
    ----------
    path
        Final destination. Its folder is created when missing.

    Yields
    ------
    pathlib.Path
        Where the caller writes the complete file (e.g. ``weasyprint.write_pdf(tmp)``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report.txt"
    >>> with atomic_path(out) as tmp:
    ...     _ = tmp.write_text("done", encoding="utf-8")
    >>> out.read_text(encoding="utf-8")
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    saved = _catch_fatal_signals()
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                    dir=target.parent)
        os.close(fd)
        tmp = Path(name)
        try:
            yield tmp
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, _mode_for(target))
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    finally:
        _restore(saved)


def atomic_write(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` atomically; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return Path(path)
