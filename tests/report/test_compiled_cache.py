"""Compiled templates kept on disk between processes (evalkit.report.compiled)."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from evalkit.report import compiled
from evalkit.report.compiled import CACHE_ENV, cache_root, template_cache_dir
from evalkit.report.environment import _environment, make_environment

#: loads every shipped template of two kinds and renders an organization's template,
#: counting Jinja2 compilations; prints JSON
_PROBE = """
import json, sys
import jinja2.environment as je
compiled = []
real = je.Environment.compile
def spy(self, source, name=None, *args, **kwargs):
    compiled.append(name)
    return real(self, source, name, *args, **kwargs)
je.Environment.compile = spy
from evalkit.report.environment import make_environment
for lang in ("zh", "en"):
    for kind, suffix in (("html", ".html.j2"), ("markdown", ".md.j2")):
        env = make_environment(lang, kind=kind)
        for name in env.list_templates(filter_func=lambda n: n.endswith(suffix)):
            env.get_template(name)
org = make_environment("zh", template_dir=sys.argv[1])
text = org.get_template("mine.html.j2").render(n=3)
print(json.dumps({"compiled": compiled, "text": text}))
"""


def _probe(cache: Path | str, org: Path) -> dict[str, object]:
    env = {**os.environ, CACHE_ENV: str(cache), "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", _PROBE, str(org)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_tests_never_use_the_real_home():
    root = cache_root()
    assert root is not None
    assert Path(tempfile.gettempdir()).resolve() in root.resolve().parents


def test_a_second_process_loads_compiled_code_and_an_edit_is_compiled_again(tmp_path):
    cache, org = tmp_path / "cache", tmp_path / "org"
    org.mkdir()
    mine = org / "mine.html.j2"
    mine.write_text("{% for i in range(n) %}{{ i * 2 }}{% endfor %}", encoding="utf-8")

    first = _probe(cache, org)
    names = first["compiled"]
    assert isinstance(names, list) and "evaluation.html.j2" in names and "mine.html.j2" in names
    assert first["text"] == "024"
    (folder,) = cache.iterdir()  # templates-<evalkit>-jinja2-<version>-py<X.Y>
    assert folder.name.startswith("templates-") and "jinja2-" in folder.name
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    files = sorted(p.name for p in folder.iterdir())
    # html and markdown differ in escaping: separate files; zh and en share them
    assert len(files) == len(names)
    assert {f.split("-")[0] for f in files} == {"html", "markdown"}

    second = _probe(cache, org)
    assert second == {"compiled": [], "text": "024"}  # nothing compiled: all from the disk

    mine.write_text("{% for i in range(n) %}[{{ i + 1 }}]{% endfor %}", encoding="utf-8")
    third = _probe(cache, org)
    assert third == {"compiled": ["mine.html.j2"], "text": "[1][2][3]"}
    assert _probe(cache, org) == {"compiled": [], "text": "[1][2][3]"}


def _render(org: Path) -> str:
    return make_environment("en", template_dir=org).get_template("mine.html.j2").render(n=2)


@pytest.fixture()
def org(tmp_path: Path) -> Path:
    folder = tmp_path / "org"
    folder.mkdir()
    (folder / "mine.html.j2").write_text("{% for i in range(n) %}<{{ i }}>{% endfor %}",
                                         encoding="utf-8")
    return folder


@pytest.mark.parametrize("value", ["", "off", "OFF"])
def test_the_disk_cache_can_be_turned_off(monkeypatch, org, value):
    monkeypatch.setenv(CACHE_ENV, value)
    assert cache_root() is None and template_cache_dir() is None
    assert _render(org) == "<0><1>"


def test_a_folder_that_cannot_be_made_falls_back_to_memory(monkeypatch, tmp_path, org):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))  # read-only homes fail like this
    assert template_cache_dir() is None
    assert _render(org) == "<0><1>"
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_failing_write_turns_the_disk_off_and_the_report_is_still_made(monkeypatch,
                                                                           tmp_path, org):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))

    def full_disk(path: object) -> object:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(compiled, "atomic_path", full_disk)
    env = make_environment("en", template_dir=org)
    assert _render(org) == "<0><1>"
    store = env.bytecode_cache
    assert isinstance(store, compiled.CompiledTemplates) and not store.disk
    assert not any((tmp_path / "cache").rglob("*.cache"))


def test_a_folder_others_can_write_to_is_not_used(monkeypatch, tmp_path, org):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    folder = template_cache_dir()
    assert folder is not None
    folder.chmod(0o777)  # a planted file would run as code
    assert template_cache_dir() is None
    assert _render(org) == "<0><1>"
    assert not any(folder.iterdir())


def test_a_damaged_file_is_compiled_again(monkeypatch, tmp_path, org):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    assert _render(org) == "<0><1>"
    (file,) = (tmp_path / "cache").rglob("html-*.cache")
    good = file.read_bytes()
    _environment.cache_clear()  # as in a new process: nothing in memory
    compiled._STORES.clear()
    file.write_bytes(good[:20] + b"\x00garbage")
    assert _render(org) == "<0><1>"
    assert file.read_bytes() == good  # written again


def test_code_compiled_under_other_settings_is_never_reused():
    html, markdown = make_environment("zh"), make_environment("zh", kind="markdown")
    assert compiled.fingerprint(html) != compiled.fingerprint(markdown)
    assert compiled.fingerprint(html) == compiled.fingerprint(make_environment("en"))
    html.trim_blocks = False
    try:
        assert compiled.fingerprint(html) != compiled.fingerprint(make_environment("en"))
    finally:
        html.trim_blocks = True
