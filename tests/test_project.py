"""project.yaml is read with pydantic; every problem names its YAML path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import evalkit as ek


def _write(folder: Path, spec: dict) -> Path:
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _spec(example_dir: Path) -> dict:
    return yaml.safe_load((example_dir / "project.yaml").read_text(encoding="utf-8"))


def test_example_loads(example_project):
    assert example_project.project.id == "workers_home"
    assert len(example_project.indicators) >= 6
    assert {"name", "phone", "id_number"} <= example_project.personal_columns()
    levels = {e.level for e in example_project.logic_model.elements}
    assert levels == {"inputs", "activities", "outputs", "short_outcomes",
                      "intermediate_outcomes", "long_outcomes", "impact"}


def test_wrong_type_names_yaml_path(tmp_path, example_dir):
    spec = _spec(example_dir)
    spec["indicators"][3]["target"] = "about 90%"
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(_write(tmp_path, spec))
    assert "indicators[3].target: expected a number, got 'about 90%'" in str(info.value)


def test_every_problem_reported_at_once(tmp_path, example_dir):
    spec = _spec(example_dir)
    spec["indicators"][0]["target"] = "lots"
    spec["indicators"][1]["measure"] = "average"
    spec["project"]["period"]["end"] = "not a date"
    spec["privacy"]["disclosure_treshold"] = 5  # typo
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(_write(tmp_path, spec))
    err = info.value
    paths = [p.split(":")[0] for p in err.problems]
    assert "indicators[0].target" in paths
    assert "indicators[1].measure" in paths
    assert "project.period.end" in paths
    assert "privacy.disclosure_treshold" in paths
    assert len(err.problems) == 4


def test_cross_references_checked(tmp_path, example_dir):
    spec = _spec(example_dir)
    spec["indicators"][0]["source"] = "attendance"
    spec["contract"]["criteria"][0]["indicator"] = "I99"
    with pytest.raises(ek.SpecError) as info:
        ek.load_project(_write(tmp_path, spec))
    text = str(info.value)
    assert "indicators[0].source: unknown data source 'attendance'" in text
    assert "contract.criteria[0].indicator: unknown indicator 'I99'" in text


def test_folder_is_read_as_its_project_yaml(tmp_path):
    folder = ek.datasets.path("workers_home")
    by_folder = ek.load_project(folder)
    by_file = ek.load_project(folder / "project.yaml")
    assert by_folder.path == by_file.path and by_folder.sha256 == by_file.sha256
    with pytest.raises(ek.SpecError, match=r"folder has no project\.yaml") as info:
        ek.load_project(tmp_path)
    assert str(tmp_path) in str(info.value)


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ek.SpecError, match="project file not found"):
        ek.load_project(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: [unclosed\n", encoding="utf-8")
    with pytest.raises(ek.SpecError, match="line"):
        ek.load_project(bad)


def test_text_accepts_plain_string(tmp_path, example_dir):
    spec = _spec(example_dir)
    spec["project"]["name"] = "只有中文名"
    project = ek.load_project(_write(tmp_path, spec))
    assert project.project.name.zh == project.project.name.en == "只有中文名"


def test_import_is_light():
    import subprocess
    import sys

    code = "import sys, evalkit; print(sorted(m for m in ('pandas','scipy','matplotlib','jinja2') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_spec_hash_is_taken_from_the_bytes_read(tmp_path, example_dir):
    import hashlib

    spec = tmp_path / "project.yaml"
    spec.write_bytes(b"\xef\xbb\xbf" + (example_dir / "project.yaml").read_bytes())  # BOM
    project = ek.load_project(spec)
    assert project.sha256 == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert "sha256" not in project.model_dump()


@pytest.mark.parametrize("name", ["workers_home", "zhongshan_linkage", "guangdong_workforce",
                                  "shenyang_sanlian", "three_society_linkage"])
def test_fast_yaml_parser_reads_every_example_as_the_python_parser(name):
    import yaml

    from evalkit import _yaml

    if _yaml._CStrictLoader is None:
        pytest.skip("PyYAML without libyaml")
    text = (ek.datasets.path(name) / "project.yaml").read_text(encoding="utf-8")
    assert _yaml._nesting_bound(text) <= _yaml.C_PARSER_MAX_DEPTH  # the C parser is used
    fast = yaml.load(text, Loader=_yaml._CStrictLoader)
    assert fast == yaml.load(text, Loader=_yaml._StrictLoader)
    assert repr(fast) == repr(_yaml.safe_load(text))


def test_yaml_errors_are_the_python_parsers_own():
    import yaml

    from evalkit import _yaml

    for bad in ("a: 1\nb: [1, 2\n", "a:\n  - b: 1\n   c: 2\n", "k: 1\nk: 2\n"):
        with pytest.raises(yaml.YAMLError) as fast:
            _yaml.safe_load(bad)
        with pytest.raises(yaml.YAMLError) as slow:
            yaml.load(bad, Loader=_yaml._StrictLoader)
        assert str(fast.value) == str(slow.value)
    deep = "[" * 6000 + "]" * 6000  # beyond the C parser's bound: the Python parser's error
    with pytest.raises(RecursionError):
        _yaml.safe_load(deep)


def test_label_catalogues_read_fast_as_yaml_safe_load_reads_them():
    # strict=False (the report's label catalogues): yaml.safe_load's values and errors
    import yaml

    from evalkit import _yaml
    from evalkit.report.environment import shipped_templates

    files = sorted((shipped_templates() / "i18n").glob("*.yaml"))
    assert len(files) >= 2
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert repr(_yaml.safe_load(text, strict=False)) == repr(yaml.safe_load(text))
    assert _yaml.safe_load("k: 1\nk: 2\n", strict=False) == {"k": 2}  # as PyYAML: last wins
    for bad in ("a: 1\nb: [1, 2\n", "a:\n  - b: 1\n   c: 2\n"):
        with pytest.raises(yaml.YAMLError) as fast:
            _yaml.safe_load(bad, strict=False)
        with pytest.raises(yaml.YAMLError) as slow:
            yaml.safe_load(bad)
        assert str(fast.value) == str(slow.value)


UNUSUAL_YAML = ["a: &x {b: [1, 2]}\nc: *x\n", "a: &x [1, *x]\n", "<<: {a: 1}\nb: 2\n",
                "a:\n  - &m {x: 1}\n  - <<: *m\n    y: 2\n", "x: !!set {a, b}\n", "1: a\n1.0: b\n",
                "k: [1, 2]\n[1]: 2\n", "? {a: 1}\n: 2\n", "a: !foo 1\n", "d: 2025-02-30\n",
                "a: 0x1F\nb: 1_000\nc: .NaN\nd: ~\ne: 2025-01-01T10:00:00Z\nf: !!binary aGk=\n",
                "", "- a\n- {b: [.inf, -1e3, null, true]}\n", "a: {b: 1}\na: {c: 2}\n"]


@pytest.mark.parametrize("text", UNUSUAL_YAML)
@pytest.mark.parametrize("strict", [True, False])
def test_direct_yaml_construction_gives_pyyamls_values_and_errors(text, strict):
    # plain documents are built directly; anything else is left to PyYAML's construction
    import yaml

    from evalkit import _yaml

    if _yaml._CStrictLoader is None:
        pytest.skip("PyYAML without libyaml")
    slow_loader = _yaml._StrictLoader if strict else yaml.SafeLoader

    def outcome(load):
        try:
            value = load()
        except Exception as exc:  # the same error, in the same words
            return type(exc), str(exc)
        if isinstance(value, dict) and "c" in value and "a" in value:  # an alias: one object
            assert (value["a"] is value["c"]) == (text.startswith("a: &x {"))
        return repr(value)

    assert outcome(lambda: _yaml.safe_load(text, strict=strict)) == outcome(
        lambda: yaml.load(text, Loader=slow_loader))


def test_examples_are_built_directly():
    import yaml

    from evalkit import _yaml

    if _yaml._CStrictLoader is None:
        pytest.skip("PyYAML without libyaml")
    text = (ek.datasets.path("workers_home") / "project.yaml").read_text(encoding="utf-8")
    # from the parser's events, without composing nodes
    assert repr(_yaml._load_events(text, _yaml._CStrictLoader)) == repr(
        yaml.load(text, Loader=_yaml._StrictLoader))
    for unusual in UNUSUAL_YAML:
        if "&" in unusual or "!" in unusual or "<<" in unusual or "[1]:" in unusual:
            with pytest.raises(_yaml._Unusual):
                _yaml._load_events(unusual, _yaml._CStrictLoader)
