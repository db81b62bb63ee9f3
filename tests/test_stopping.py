"""Stopping, worker processes and internal errors, with real processes and real signals.

A solve stopped by SIGINT or SIGTERM ends within seconds, keeps its best plan (status
``interrupted``, verified, written) or, with no plan yet, leaves the results folder alone, and
exits 130 or 143; no worker process outlives srsopt, none runs code from the current folder;
internal errors are tested in ``test_crash.py``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from dask_cluster import alive, descendants
from srsopt_process import Srsopt

from models.folder import write_folder
from models.instance import instance_from_tables, load_instance
from models.result import Result, SolveStatus
from models.safe_output import write_output
from models.synthetic import generate_tables
from optimizer.analysis.whatif import Case, run_cases
from optimizer.check.verify import check_plan
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import FloatArray, IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.outputs.report import load_results
from optimizer.runtime import isolated, stopping
from optimizer.solving.decompose import lagrangian, linking_prices
from optimizer.solving.region_worker import started_early

TINY = Path(__file__).resolve().parent.parent / "instances" / "tiny"
UNCERTAINTY = TINY.parent.parent / "scenarios" / "uncertainty-example.yaml"
SECONDS_AFTER_SIGNAL = 6.0
"""A stopped solve ends within this (HiGHS reacts within ~1 s; a loaded 2-core machine)."""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1,500 settlements: its solve runs far past the tests' signals at a 60 s limit."""
    settings, tables = generate_tables(1500, 3000, 1)
    return write_folder(settings, tables, tmp_path_factory.mktemp("gen") / "g1500")


@pytest.fixture(autouse=True)
def _unstopped() -> Iterator[None]:
    stopping.reset()
    yield
    stopping.reset()


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_until(condition: object, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_sigterm_before_any_plan_ends_at_once_and_leaves_the_results_alone(
        generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    write_output(out, "results", lambda folder: (folder / "summary.json").write_text(
        '{"status": "optimal"}\n'), plan=True)  # an earlier good result, written by srsopt
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    solve = Srsopt("solve", generated, "--out", out, "--time-limit", 60, "--log", cwd=tmp_path)
    solve.wait_for("HiGHS: LP of")  # the LP relaxation: no plan exists yet
    code, seconds = solve.signal_and_wait(signal.SIGTERM)
    assert code == 143, solve.text
    assert seconds < SECONDS_AFTER_SIGNAL
    assert "status interrupted" in solve.text
    assert "before any plan was found" in solve.text and "nothing written" in solve.text
    assert "Traceback" not in solve.text
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_sigint_during_the_mip_writes_the_best_plan_verified_and_interrupted(
        generated: Path, tmp_path: Path) -> None:
    out = tmp_path / "results"
    # RENS's plan is 1.8% above the LP bound: HiGHS's MIP runs (0.16% at 60 s unloaded)
    solve = Srsopt("solve", generated, "--out", out, "--time-limit", 60, "--log", "--excel",
                   cwd=tmp_path)
    solve.wait_for("HiGHS: MIP of", count=2)  # RENS found the start; HiGHS's MIP runs from it
    # more signals while it stops and writes (the workbook takes ~1 s) change nothing
    code, seconds = solve.signal_and_wait(signal.SIGINT, again=(signal.SIGINT, signal.SIGTERM))
    assert code == 130, solve.text
    assert seconds < SECONDS_AFTER_SIGNAL
    assert "SIGINT received: stopping" in solve.text and "Traceback" not in solve.text
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["mip_gap"] == pytest.approx(
        (summary["objective"] - summary["bound"]) / summary["objective"], rel=1e-9)
    assert 0 <= summary["mip_gap"] < 0.1
    result = load_results(out)
    assert result.has_plan
    assert check_plan(load_instance(generated), result) == []
    workbook = openpyxl.load_workbook(out / "results.xlsx")
    assert workbook["projects"].max_row == len(result.projects) + 1
    assert not list(tmp_path.glob(".*.srsopt-new-*"))  # no staging copy left behind


def test_sweep_workers_end_with_srsopt(generated: Path, tmp_path: Path) -> None:
    """``--jobs 2``: a local Dask cluster of two isolated workers (``optimizer.distributed``)."""
    # --cold: the points start at once (no base solve first), so the workers are stopped mid-solve
    sweep = Srsopt("sweep", generated, "--envelope", "0.8:1.2:3", "--jobs", 2, "--time-limit",
                   60, "--gap", 0, "--cold", "--out", tmp_path / "curve", cwd=tmp_path)
    sweep.wait_for("sweep: 0/3 done, 2 running")  # the cluster is up, both workers solve
    workers = children(sweep.proc.pid)
    assert len(workers) == 2
    for pid in workers:  # isolated, in their own process group
        assert os.getpgid(pid) == pid != os.getpgid(sweep.proc.pid)
        assert b"-I" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    below = descendants(sweep.proc.pid)  # each worker's Dask nanny, worker and tracker
    assert len(below) >= 4
    code, seconds = sweep.signal_and_wait(signal.SIGTERM)
    assert code == 143, sweep.text
    assert seconds < SECONDS_AFTER_SIGNAL
    assert wait_until(lambda: not any(alive(pid) for pid in below), 2.0)
    assert "Traceback" not in sweep.text
    # the points being solved end interrupted (with their plans unless the stop came before
    # HiGHS started, which a loaded machine allows), the third never started; none is lost
    assert sweep.text.count(": not started: a stop was requested") >= 1
    curve = tmp_path / "curve"
    points = (curve / "sweep.csv").read_text().splitlines()[1:]
    missing = (curve / "missing.csv").read_text().splitlines()[1:]
    assert points and all(",interrupted," in line for line in points)
    assert len(points) + len(missing) == 3


PLANTED = "import pathlib; pathlib.Path({marker!r}).write_text('ran')\n"


def test_workers_never_import_from_the_current_folder(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted ``optimizer/``, ``models/``, ``numpy.py``, ``highspy.py`` run nowhere."""
    planted = tmp_path / "planted"
    markers = []
    for name in ("optimizer/__init__.py", "models/__init__.py", "numpy.py", "highspy.py",
                 "pickle.py"):
        path = planted / name
        path.parent.mkdir(parents=True, exist_ok=True)
        markers.append(tmp_path / f"ran-{path.parent.name}-{path.stem}")
        path.write_text(PLANTED.format(marker=str(markers[-1])))
    index, form, options, mu = small_split()
    monkeypatch.chdir(planted)
    monkeypatch.setenv("PYTHONPATH", str(planted))
    started = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen:
        started.append(kwargs.get("cwd"))
        return real_popen(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(subprocess, "Popen", popen)
    failed = []
    monkeypatch.setattr("optimizer.solving.region_worker.log.warning", lambda *a: failed.append(a))
    split = lagrangian(index, form, options, mu, 3.0, workers=2)
    assert len(started) == 2 and failed == []  # both regions' groups solved by the workers
    assert split is not None
    assert [m for m in markers if m.exists()] == []
    assert all(Path(cwd) == isolated.ROOT for cwd in started)


def small_split() -> tuple[IndexSets, Formulation, HighsOptions, FloatArray]:
    """A generated model of several regions and its LP's linking prices."""
    settings, tables = generate_tables(40, 90, 0)
    instance = instance_from_tables(settings, tables, source="generated")
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    options = HighsOptions(time_limit=30.0)
    lp = run(make_highs(form, replace(options, relax_integrality=True)))
    return index, form, options, linking_prices(form, lp.row_duals)


def test_region_workers_started_early_are_the_ones_used_and_the_rest_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    index, form, options, mu = small_split()
    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen:
        started.append(real_popen(*args, **kwargs))  # type: ignore[call-overload]
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", popen)
    with started_early(3):
        assert len(started) == 3
        split = lagrangian(index, form, options, mu, 3.0, workers=2)
        assert len(started) == 3  # the two groups of regions went to workers started early
        assert [proc.poll() is None for proc in started].count(True) == 1  # one left waiting
    assert split is not None  # every region came back (else None)
    assert all(proc.poll() is not None for proc in started)  # the unused one ended too


def test_a_worker_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    parent = subprocess.Popen([sys.executable, "-c", "from optimizer.runtime.isolated import call; "
                               "call('time:sleep', 60)"], cwd=tmp_path)
    try:
        assert wait_until(lambda: children(parent.pid), 20)
        worker = children(parent.pid)[0]
        parent.kill()
        parent.wait()
        # a worker still starting (its imports) takes longer on a loaded machine
        assert wait_until(lambda: not alive(worker), 10.0)
    finally:
        parent.kill()


def test_a_stop_request_kills_a_worker_that_does_not_answer(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isolated, "GRACE_SECONDS", 0.5)
    workers: list[int] = []
    real_popen = subprocess.Popen

    def popen(*args: object, **kwargs: object) -> subprocess.Popen:
        proc = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        workers.append(proc.pid)
        return proc

    monkeypatch.setattr(subprocess, "Popen", popen)
    threading.Timer(1.5, stopping.request).start()
    started = time.monotonic()
    with pytest.raises(isolated.WorkerError, match="no answer"):
        isolated.call("time:sleep", 60)  # takes SIGTERM as a stop request, and sleeps on
    assert time.monotonic() - started < 5.0
    assert not alive(workers[0])


def test_a_worker_passes_its_exception_back() -> None:
    with pytest.raises(ValueError, match="invalid literal") as caught:
        isolated.call("builtins:int", "not a number")
    assert any("in the worker process" in note for note in caught.value.__notes__)


def test_a_stopped_run_starts_nothing_and_a_result_without_plan_has_none() -> None:
    instance = load_instance(TINY)
    stopping.request()
    result = run_cases([Case("base", instance), Case("again", instance)])
    assert list(result) == ["base"]  # the cases not started are skipped
    base = result["base"]
    assert base.status == SolveStatus.INTERRUPTED and not base.has_plan
    assert "before any plan was found" in base.message
    assert not Result(status=SolveStatus.INTERRUPTED, message="").has_plan


def test_a_stopped_monte_carlo_writes_the_draws_it_has(tmp_path: Path) -> None:
    """SIGINT mid-batch: exit 130, every draw either in draws.csv or named in missing.csv."""
    draws = 400
    run = Srsopt("montecarlo", TINY, "--uncertainty", UNCERTAINTY, "--draws", draws, "--seed", 1,
                 "--out", tmp_path / "mc", cwd=tmp_path)
    run.wait_for("montecarlo: 3/")  # a few draws are in
    code, seconds = run.signal_and_wait(signal.SIGINT)
    assert code == 130, run.text
    assert seconds < SECONDS_AFTER_SIGNAL
    assert "Traceback" not in run.text
    done = len((tmp_path / "mc" / "draws.csv").read_text().splitlines()) - 1
    missing = len((tmp_path / "mc" / "missing.csv").read_text().splitlines()) - 1
    assert done >= 3 and missing >= 1 and done + missing == draws
