"""evaluate_many: isolation of a broken project, identical results in every mode, the dashboard."""

from __future__ import annotations

import gc
import multiprocessing as mp
import os
import re
import shutil
import subprocess
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import evalkit as ek
from evalkit.cli import main
from evalkit.errors import SpecError

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def serial(portfolio_dir: Path) -> ek.Portfolio:
    return ek.evaluate_many(portfolio_dir, workers=1)


def _stable(table: pd.DataFrame) -> pd.DataFrame:
    return table.drop(columns=["report"]).reset_index(drop=True)


def test_broken_project_is_listed_and_others_complete(serial, portfolio_dir):
    assert len(serial.runs) == 4
    assert list(serial.table["project_id"]) == ["P0", "P1", "P2"]
    (failure,) = serial.failures.to_dict("records")
    assert failure["path"].endswith("provider_broken/project.yaml")
    assert failure["error_type"] == "DataError" and "participants.csv" in failure["error"]


def test_rows_hold_each_projects_own_evaluation(serial, portfolio_dir):
    direct = ek.evaluate(ek.load_project(portfolio_dir / "provider_2" / "project.yaml"))
    row = serial.table.set_index("project_id").loc["P2"]
    assert row["verdict"] == direct.acceptance.verdict
    assert row["renewal"] == direct.renewal.recommendation
    assert row["score"] == pytest.approx(direct.scorecard.total, rel=1e-12)
    effect = direct.effects["wellbeing"]
    assert row["outcome"] == "wellbeing" and row["outcome_en"] == "wellbeing"
    assert row["estimate"] == pytest.approx(effect.estimate, rel=1e-12)
    assert (row["conf_low"], row["conf_high"]) == pytest.approx(effect.ci, rel=1e-12)
    assert row["n"] == effect.n < 250  # fewer people kept in this copy
    assert row["amount"] == 300000 and row["cost_per_participant"] == pytest.approx(
        direct.value.cost_per_participant)


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_process_pool_equals_serial(serial, portfolio_dir, monkeypatch, method):
    if method not in mp.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    monkeypatch.setattr("evalkit.portfolio.run.start_method", lambda: method)
    pooled = ek.evaluate_many(portfolio_dir, workers=2)
    pd.testing.assert_frame_equal(_stable(pooled.table), _stable(serial.table))
    pd.testing.assert_frame_equal(pooled.failures, serial.failures)
    pd.testing.assert_frame_equal(pooled.effects(), serial.effects())
    pd.testing.assert_frame_equal(pooled.rates, serial.rates)
    for mine, theirs in zip(pooled.runs, serial.runs, strict=True):
        assert mine.labels == theirs.labels and list(mine.effects) == list(theirs.effects)
        for key, result in mine.effects.items():  # the packed results, unpickled on demand
            pd.testing.assert_frame_equal(result.table, theirs.effects[key].table)
            assert (result.estimate, result.se, result.ci, result.n) == (
                theirs.effects[key].estimate, theirs.effects[key].se, theirs.effects[key].ci,
                theirs.effects[key].n)


def test_workers_are_forked_only_from_a_single_thread():
    import sys
    import threading

    from evalkit.portfolio._worker import start_method

    if sys.platform == "win32":
        assert start_method() == "spawn"
        return
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "forkserver"  # never fork beside another thread
    finally:
        stop.set()
        other.join()
    if sys.platform.startswith("linux"):  # a fresh process, BLAS on its calling thread only
        code = "from evalkit.portfolio._worker import start_method; print(start_method())"
        env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env=env, check=True).stdout
        assert out.strip() == "fork"


@pytest.mark.skipif("fork" not in mp.get_all_start_methods(), reason="no fork here")
def test_dashboard_drawn_in_parallel_is_the_same(serial, tmp_path, monkeypatch):
    import math

    from evalkit.portfolio import dashboard

    alone = serial.render(tmp_path / "alone.html", lang="en").read_bytes()
    monkeypatch.setattr(dashboard, "PARALLEL_FROM", 0)
    monkeypatch.setattr("evalkit.portfolio._worker.start_method", lambda: "fork")
    assert serial.render(tmp_path / "parallel.html", lang="en").read_bytes() == alone
    tasks = [(os.getpid, ()), (os.getpid, ()), (abs, (-2,))]
    pids = dashboard._run_all(tasks, projects=1)
    assert pids[2] == 2 and os.getpid() not in pids[:2]  # drawn by other processes, in order
    with pytest.raises(ValueError, match="math domain error"):  # raised as if drawn here
        dashboard._run_all([(math.sqrt, (-1.0,)), (abs, (-2,))], projects=1)


def test_pickled_run_carries_its_effects_packed(serial):
    import pickle

    from evalkit.portfolio._effects import PackedEffects, effect_numbers

    run = next(r for r in serial.runs if r.effects)
    back = pickle.loads(pickle.dumps(run))
    effects = back.effects
    assert isinstance(effects, PackedEffects) and isinstance(run.effects, dict)
    assert list(effects) == list(run.effects) and len(effects) == len(run.effects)
    assert "wellbeing" in effects and "no_such_outcome" not in effects
    assert effects.numbers == {k: effect_numbers(r) for k, r in run.effects.items()}
    assert effects._results is None  # nothing unpickled yet
    one = effects["wellbeing"]
    pd.testing.assert_frame_equal(one.table, run.effects["wellbeing"].table)
    assert float(one.se) == float(run.effects["wellbeing"].se) and one.se().equals(
        run.effects["wellbeing"].se())
    assert repr(effects) == repr(dict(effects)) and dict(effects).keys() == run.effects.keys()
    again = pickle.loads(pickle.dumps(back))  # packed once, passed on as it is
    assert isinstance(again.effects, PackedEffects) and again.effects.numbers == effects.numbers
    assert again.row == run.row and again.rates == run.rates and again.path == run.path


def _worker_gc_after_one_project() -> tuple[tuple[int, int, int], bool]:
    from evalkit.portfolio._worker import settled, worker_start

    worker_start()
    settled()  # what the worker does after its first project
    return gc.get_threshold(), gc.get_freeze_count() > 0


def test_garbage_collection_changed_in_pool_workers_only(portfolio_dir):
    """The round's own workers collect rarely and freeze what outlives their first project;
    the caller's process (``workers=1``) keeps its settings."""
    before = gc.get_threshold(), gc.get_freeze_count()
    ek.evaluate_many(portfolio_dir, workers=1)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("fork")) as pool:
        threshold, frozen = pool.submit(_worker_gc_after_one_project).result()
    assert threshold == (10_000, 10, 10) and frozen


def test_league_uses_the_outcomes_direction(serial):
    well = serial.league("wellbeing")
    assert list(well.columns[:3]) == ["project", "estimate", "conf_low"]
    assert len(well) == 3 and (well["rank_low"] <= well["rank_high"]).all()
    disputes = serial.league("disputes")  # better: lower in project.yaml
    assert disputes["shrunk"].is_monotonic_increasing
    with pytest.raises(ek.EstimationError, match="at least 3"):
        serial.league("no_such_outcome")


def test_mixed_designs_warn(serial):
    runs = list(serial.runs)
    first = runs[0]
    swapped = dict(first.effects)
    swapped["wellbeing"] = first.effects["wellbeing_vs_comparison"]  # ANCOVA, not paired t
    runs[0] = type(first)(path=first.path, row=first.row, effects=swapped, rates=first.rates,
                          labels=first.labels)
    with pytest.warns(ek.EvalkitWarning, match="not on one footing"):
        ek.Portfolio(tuple(runs)).league("wellbeing")


def test_small_effects_are_not_shown(portfolio_dir, tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(portfolio_dir / "provider_0", folder)
    text = (folder / "project.yaml").read_text(encoding="utf-8")
    text = re.sub(r"disclosure_threshold: \d+", "disclosure_threshold: 1000", text)
    (folder / "project.yaml").write_text(text, encoding="utf-8")
    pf = ek.evaluate_many(folder, workers=1)
    row = pf.table.iloc[0]
    assert row["estimate"] is None or pd.isna(row["estimate"])
    assert pf.effects().empty and pf.rates.empty


def test_discover_errors(tmp_path):
    with pytest.raises(SpecError, match=r"no project\.yaml"):
        ek.evaluate_many(tmp_path)
    with pytest.raises(SpecError, match="not found"):
        ek.evaluate_many(tmp_path / "missing")
    with pytest.raises(SpecError, match="workers"):
        ek.evaluate_many(ek.datasets.path("workers_home"), workers=0)


def test_cli_writes_dashboard_and_reports(portfolio_dir, tmp_path, capsys):
    out = tmp_path / "round" / "index.html"
    code = main(["portfolio", str(portfolio_dir), "-o", str(out), "--workers", "1", "--lang",
                 "en"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "3 evaluated, 1 failed" in captured.out
    assert "participants.csv" in captured.err
    html = out.read_text(encoding="utf-8")
    for pid in ("P0", "P2"):
        link = f"projects/{pid}/report.en.html"
        assert f'href="{link}"' in html and (out.parent / link).is_file()
    assert "not distinguishable from the mean" in html and "<svg" in html
    # self-contained: nothing is fetched when the page opens
    assert not re.search(r'(src|href)="(https?:)?//', html) and "<link" not in html


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (CI installs it)")
def test_dashboard_loads_in_chromium_and_sorts(serial, tmp_path):
    page = serial.render(tmp_path / "index.html", lang="zh")
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
           "--enable-logging=stderr", "--v=0", "--dump-dom",
           page.resolve().as_uri() + "#sort=6-asc"]  # column 6: score, ascending
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "Uncaught" not in proc.stderr
    dom = proc.stdout
    assert 'aria-sort="ascending"' in dom
    body = dom[dom.index('id="ek-projects"'):]
    scores = [float(s) for s in re.findall(r'<td class="num" data-sort="([0-9.]+)">[0-9.]+ ·',
                                           body)]
    assert len(scores) == 3 and scores == sorted(scores)


@pytest.mark.slow
def test_dask_local_cluster_equals_local_run(serial, portfolio_dir):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        remote = ek.evaluate_many(portfolio_dir, client=client)
    pd.testing.assert_frame_equal(_stable(remote.table), _stable(serial.table))
    pd.testing.assert_frame_equal(remote.failures, serial.failures)
    pd.testing.assert_frame_equal(remote.effects(), serial.effects())


@pytest.mark.slow
def test_meeting_summary_in_pdf_and_word(serial, tmp_path):
    """The PDF and Word summaries hold the same projects and verdicts as the table."""
    docx = pytest.importorskip("docx")
    pytest.importorskip("weasyprint")
    word = serial.render(tmp_path / "round.docx", lang="zh")
    document = docx.Document(str(word))
    projects = document.tables[1]
    assert [c.text for c in projects.rows[0].cells][:4] == ["项目", "承接方", "合同金额（元）",
                                                             "验收结论"]
    assert len(projects.rows) == 1 + len(serial.table)
    assert {row.cells[3].text for row in projects.rows[1:]} == {"附条件通过验收"}
    assert "未能完成评估的项目" in [p.text for p in document.paragraphs]
    pdf = serial.render(tmp_path / "round.pdf", lang="en")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Portfolio of purchased services" in text and "accepted with conditions" in text
    assert "Click a column heading" not in text  # no controls in print
    with pytest.raises(ek.RenderError, match=r"\.html, \.pdf or \.docx"):
        serial.render(tmp_path / "round.xlsx")


def test_large_portfolio_charts_name_only_what_a_reader_must_find(serial):
    # above NAMED_IN_CHART projects the funnel names only its points outside the 95% limits
    # and the league chart has no names on its axis (the tables beside them name everyone)
    import dataclasses

    from evalkit.portfolio import dashboard
    from evalkit.portfolio.fair import funnel_limits

    good = [r for r in serial.runs if r.row]
    runs = []
    for i in range(dashboard.NAMED_IN_CHART + 10):
        base = good[i % len(good)]
        pid = f"Q{i:03d}"
        rates = [dict(r, project_id=pid) for r in base.rates]
        if i == 0:  # one clear outlier in every indicator
            rates = [dict(r, numerator=0, rate=0.0) for r in rates]
        runs.append(dataclasses.replace(base, path=f"/round/{pid}/project.yaml",
                                        row={**base.row, "project_id": pid}, rates=rates))
    ctx = dashboard.dashboard_context(ek.Portfolio(tuple(runs)), "en", Path("."))
    assert ctx["funnels"] and ctx["leagues"]
    for funnel in ctx["funnels"]:
        rates = pd.DataFrame(funnel["rows"])
        lo, hi = funnel_limits(funnel["p0"], rates["denominator"])
        outside = {p for p, r, a, b in zip(rates["project_id"], rates["rate"], lo, hi,
                                           strict=True) if not a <= r <= b}
        named = set(re.findall(r">(Q\d{3})<", str(funnel["chart"])))
        assert "Q000" in outside and named == outside
    for league in ctx["leagues"]:
        assert not re.findall(r">(Q\d{3})<", str(league["chart"]))
