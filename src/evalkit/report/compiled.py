"""Compiled report templates: kept in memory, and on disk in a per-user cache folder.

Jinja2 turns every template into Python code before it runs. Compiling evalkit's templates
takes about a third of a second — a large share of a one-report command — so the compiled
code is kept, the way matplotlib keeps its font list:

* in memory, shared by the Chinese and English environments of one kind (one compilation
  for both languages in a process);
* on disk, in ``<cache>/templates-<evalkit version>-jinja2-<version>-py<X.Y>/``, so the next
  process loads the code instead of compiling again. ``<cache>`` is ``$EVALKIT_CACHE_DIR``
  when set, else ``$XDG_CACHE_HOME/evalkit``, else ``~/.cache/evalkit`` (``%LOCALAPPDATA%``
  on Windows).

An edited template is always compiled again: Jinja2 stores the checksum of the source with
the code and ignores code whose checksum differs. Code compiled under other environment
settings is never reused either: the file names carry a fingerprint of the settings and of
the sandbox's source (:func:`fingerprint`), so a changed sandbox never runs old code.

The disk cache is a convenience, never a requirement: ``EVALKIT_CACHE_DIR=""`` (or ``off``)
turns it off; a folder that cannot be created or written, or that other users could write
to (a planted file would run as code), is not used, and templates are then compiled in
memory as before, without a message. Files are written atomically
(:mod:`evalkit._atomic`), so processes rendering at the same time never read half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from jinja2 import FileSystemBytecodeCache

from evalkit._atomic import atomic_path

if TYPE_CHECKING:
    from jinja2 import Environment
    from jinja2.bccache import Bucket

__all__ = ["CACHE_ENV", "CompiledTemplates", "cache_root", "compiled_store", "fingerprint",
           "template_cache_dir"]

#: environment variable naming the cache folder ("" or "off": no disk cache)
CACHE_ENV = "EVALKIT_CACHE_DIR"
_OFF = ("", "off")


def cache_root() -> Path | None:
    """evalkit's per-user cache folder (not created here), or None when turned off."""
    raw = os.environ.get(CACHE_ENV)
    if raw is not None:
        return None if raw.strip().lower() in _OFF else Path(raw).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if xdg and Path(xdg).is_absolute():  # the XDG spec: a relative value is ignored
        return Path(xdg) / "evalkit"
    local = os.environ.get("LOCALAPPDATA", "") if os.name == "nt" else ""
    if local:
        return Path(local) / "evalkit" / "Cache"
    return Path.home() / ".cache" / "evalkit"


def _folder_name() -> str:
    import jinja2

    from evalkit import __version__

    return (f"templates-{__version__}-jinja2-{jinja2.__version__}"
            f"-py{sys.version_info[0]}.{sys.version_info[1]}")


def _private_folder(folder: Path) -> bool:
    """Create ``folder`` (0700) and tell whether it is safe to load code from: a real folder,
    owned by this user, that no other user can write to."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except (OSError, RuntimeError):  # read-only home, a file in the way; no home at all
        return False
    if not stat.S_ISDIR(info.st_mode):
        return False
    if hasattr(os, "getuid") and (info.st_uid != os.getuid()
                                  or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)):
        return False
    return os.access(folder, os.W_OK | os.X_OK)


def template_cache_dir() -> Path | None:
    """The folder of compiled templates for this evalkit, Jinja2 and Python (created 0700),
    or None when the disk cache is off or the folder cannot be used."""
    root = cache_root()
    if root is None:
        return None
    folder = root / _folder_name()
    return folder if _private_folder(folder) else None


def fingerprint(env: Environment) -> str:
    """Short hash of everything besides the template source that shapes compiled code: the
    compiler settings and the source of evalkit's sandbox classes (which rewrite loops and
    ``~`` before compiling)."""
    digest = hashlib.sha256()
    settings = (env.autoescape if isinstance(env.autoescape, bool) else "function",
                env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline,
                env.newline_sequence, env.optimized, env.finalize is not None,
                env.block_start_string, env.block_end_string, env.variable_start_string,
                env.variable_end_string, env.comment_start_string, env.comment_end_string,
                env.line_statement_prefix, env.line_comment_prefix,
                sorted(env.extensions), sorted(getattr(env, "intercepted_binops", ())),
                sorted(getattr(env, "intercepted_unops", ())),
                [f"{c.__module__}.{c.__qualname__}" for c in type(env).__mro__])
    digest.update(repr(settings).encode())
    for cls in type(env).__mro__:
        if cls.__module__.split(".")[0] == "evalkit":
            file = getattr(sys.modules.get(cls.__module__), "__file__", None)
            with contextlib.suppress(OSError, TypeError):
                digest.update(Path(file).read_bytes())  # type: ignore[arg-type]
    return digest.hexdigest()[:16]


class CompiledTemplates(FileSystemBytecodeCache):
    """Jinja2's file-system bytecode cache with a memory layer in front of it.

    Parameters
    ----------
    directory
        Folder of the disk cache (see :func:`template_cache_dir`); None keeps the code in
        memory only.
    prefix
        Start of every file name (kind of environment and :func:`fingerprint`), so code
        compiled under other settings is never picked up.

    Notes
    -----
    Reading or writing the disk never fails a report: a file that cannot be read, or is
    not Jinja2 code for this Python, is compiled again; the first write that fails turns
    the disk layer off for the rest of the process.
    """

    def __init__(self, directory: Path | None, prefix: str) -> None:
        super().__init__(str(directory) if directory else "", f"{prefix}-%s.cache")
        self.disk = directory is not None
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        """Code from memory, else from the disk; nothing (compile) when neither has it or
        its checksum does not match the template's source."""
        code = self._code.get(bucket.key)
        if code is None and self.disk:
            try:
                code = Path(self._get_cache_filename(bucket)).read_bytes()
            except OSError:
                return
        if code is None:
            return
        try:
            bucket.bytecode_from_string(code)
        except Exception:  # a damaged file (bad pickle or marshal data): compile again
            bucket.reset()
            return
        if bucket.code is not None:
            self._code[bucket.key] = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep freshly compiled code in memory and, when possible, on the disk."""
        code = bucket.bytecode_to_string()
        self._code[bucket.key] = code
        if not self.disk:
            return
        try:
            with atomic_path(self._get_cache_filename(bucket)) as tmp:
                tmp.write_bytes(code)
        except OSError:  # full or read-only disk: memory only from now on
            self.disk = False

    def clear(self) -> None:
        """Forget the code in memory and delete this cache's files."""
        self._code.clear()
        if self.disk:
            super().clear()


#: (kind, fingerprint, folder) -> its store; zh and en of one kind share one
_STORES: dict[tuple[str, str, Path | None], CompiledTemplates] = {}


def compiled_store(kind: str, env: Environment) -> CompiledTemplates:
    """The compiled-template store for environments of ``kind`` set up like ``env``."""
    mark = fingerprint(env)
    folder = template_cache_dir()
    key = (kind, mark, folder)
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = CompiledTemplates(folder, f"{kind}-{mark}")
    return store
