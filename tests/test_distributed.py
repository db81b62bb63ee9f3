"""Dask as the execution layer, with real processes: a scheduler and workers on 127.0.0.1.

A sweep through ``--scheduler`` equals the sweep solved here, point for point (reproducible mode
``--node-limit``); a worker killed mid-batch is survived and said; a failing task is retried,
then reported, and the batch keeps the others; a local cluster's workers import nothing from
the current folder or ``PYTHONPATH`` and end with the run. That SIGTERM to ``sweep --jobs 2``
leaves no process behind is ``test_stopping.py::test_sweep_workers_end_with_srsopt``.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from dask_cluster import Cluster, descendants, kill_tree
from rich.console import Console
from srsopt_process import Srsopt
from typer.testing import CliRunner

pytest.importorskip("distributed", reason="Dask distributed is not installed, so the Dask "
                    "layer cannot be tested: pip install 'dask[distributed]'")

from models.folder import write_folder
from models.instance import instance_from_tables
from models.synthetic import generate_tables
from optimizer.cli.app import app
from optimizer.cli.batches import Display
from optimizer.distributed import Progress, Task, gather, open_runner
from optimizer.distributed.batch import InProcessBatch
from optimizer.runtime import stopping

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
SWEEP = ["--envelope", "0.5:1.5:6", "--node-limit", "5", "--gap", "0.02"]
"""Six points in reproducible mode: each stops after 5 nodes (or within 2%, which a one-thread
HiGHS decides the same way every time), the same on any machine; 0.4-2 s each."""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    settings, tables = generate_tables(40, 90, 5)
    return write_folder(settings, tables, tmp_path_factory.mktemp("gen") / "g40")


@pytest.fixture(scope="module")
def local_curve(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The six points solved here, one after another."""
    out = tmp_path_factory.mktemp("local") / "curve"
    run = CliRunner().invoke(app, ["sweep", str(generated), *SWEEP, "--out", str(out)])
    assert run.exit_code == 0, run.output
    return out


@pytest.fixture(autouse=True)
def _unstopped() -> Iterator[None]:
    stopping.reset()
    yield
    stopping.reset()


def same_curves(a: Path, b: Path) -> None:
    """Equal files but for the seconds each point took."""
    for name in ("sweep.csv", "sweep_national.csv"):
        left, right = pd.read_csv(a / name), pd.read_csv(b / name)
        left, right = (f.drop(columns=["solve_seconds"], errors="ignore") for f in (left, right))
        pd.testing.assert_frame_equal(left, right, check_exact=True)


def test_a_sweep_on_a_dask_cluster_equals_the_sweep_solved_here(
        cluster: Cluster, generated: Path, local_curve: Path, tmp_path: Path) -> None:
    out = tmp_path / "curve"
    run = CliRunner().invoke(app, ["sweep", str(generated), *SWEEP, "--scheduler",
                                   cluster.address, "--out", str(out)])
    assert run.exit_code == 0, run.output
    assert "solving on a Dask cluster: scheduler tcp://" in run.output
    assert "sweep: 6/6 done, 0 running, 0 failed" in run.output  # plain lines: no terminal
    same_curves(local_curve, out)
    assert len(pd.read_csv(out / "sweep.csv")) == 6 and not (out / "missing.csv").exists()


def worker_process(nanny: subprocess.Popen[bytes]) -> int:
    """The process a ``dask worker`` (its nanny) spawned to run the tasks."""
    for pid in descendants(nanny.pid):
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        if b"multiprocessing" in cmdline and b"resource_tracker" not in cmdline:
            return pid
    raise AssertionError("no worker process")


def test_a_worker_killed_mid_batch_is_survived_and_said(
        cluster: Cluster, generated: Path, local_curve: Path, tmp_path: Path) -> None:
    out = tmp_path / "curve"
    sweep = Srsopt("sweep", generated, *SWEEP, "--scheduler", cluster.address, "--out", out,
                   cwd=tmp_path)
    try:
        sweep.wait_for("sweep: 1/6 done")  # the first result is in: both workers solve
        time.sleep(0.2)
        os.kill(worker_process(cluster.workers[0]), signal.SIGKILL)  # its nanny starts another
        code = sweep.finish()
    finally:
        kill_tree(sweep.proc)
    assert code == 0, sweep.text
    assert "left the cluster" in sweep.text and "6/6 done" in sweep.text
    assert "Traceback" not in sweep.text
    same_curves(local_curve, out)  # a point lost with its worker was solved again, the same


def test_a_failing_task_is_retried_then_reported_and_the_others_are_kept(
        cluster: Cluster) -> None:
    from optimizer.analysis.sweep import solve_point

    settings, tables = generate_tables(20, 30, 2)
    instance = instance_from_tables(settings, tables, source="generated")
    options = {"node_limit": 5, "threads": 1}
    tasks = [Task("good", solve_point, (1.0, options)), Task("bad", solve_point, (-1.0, options))]
    with open_runner(cluster.address, retries=1) as runner:
        seen: list[Progress] = []
        good, bad = gather(runner.submit(instance, tasks), seen.append)
    assert good.ok and good.value[0]["scale"] == 1.0 and good.worker.startswith("tcp://")
    assert not bad.ok and "failed after 2 attempts" in str(bad.error)
    assert "factor" in str(bad.error) or "scale" in str(bad.error)  # the worker's own error
    assert "solve_point" in bad.trace and bad.attempts == 2  # its traceback, from the worker
    last = seen[-1]
    assert (last.done, last.failed, last.running, last.total) == (1, 1, 0, 2)


PLANTED = "import pathlib; pathlib.Path({marker!r}).write_text('ran')\n"


def test_a_local_cluster_runs_only_srsopts_code_and_ends_with_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatif with ``--jobs 2`` from a folder planting ``optimizer/``, ``pickle.py``, ...

    (``pickle.py`` and ``socket.py`` in the current folder ran in Dask's own local workers.)
    """
    planted = tmp_path / "planted"
    markers = []
    for name in ("optimizer/__init__.py", "models/__init__.py", "numpy.py", "highspy.py",
                 "pickle.py", "socket.py", "distributed/__init__.py"):
        path = planted / name
        path.parent.mkdir(parents=True, exist_ok=True)
        markers.append(tmp_path / f"ran-{path.parent.name}-{path.stem}")
        path.write_text(PLANTED.format(marker=str(markers[-1])))
    cut = tmp_path / "cut.yaml"
    cut.write_text("name: cut\nchanges:\n  - envelope: {scale: 0.6}\n")
    here = CliRunner().invoke(app, ["whatif", str(TINY), str(cut), "--gap", "0", "--out",
                                    str(tmp_path / "here")])
    assert here.exit_code == 0, here.output
    before = set(descendants(os.getpid()))
    monkeypatch.chdir(planted)
    monkeypatch.setenv("PYTHONPATH", str(planted))
    run = CliRunner().invoke(app, ["whatif", str(TINY), str(cut), "--gap", "0", "--jobs", "2",
                                   "--out", str(tmp_path / "tasks")])
    assert run.exit_code == 0, run.output
    assert [m for m in markers if m.exists()] == []
    assert set(descendants(os.getpid())) <= before  # every worker process has ended
    here_overview = pd.read_csv(tmp_path / "here" / "overview.csv")
    tasks_overview = pd.read_csv(tmp_path / "tasks" / "overview.csv")
    same = ["scenario", "status", "objective", "funded_projects", "transfer"]
    pd.testing.assert_frame_equal(here_overview[same], tasks_overview[same], check_exact=True)
    assert list(tasks_overview["model"]) == ["built", "built from scratch"]
    # the base first, then the scenario started from its plan (read by ids in the worker)
    assert tasks_overview["start"][0] == "cold (the base)"
    assert tasks_overview["start"][1].startswith("warm (base plan")


def test_a_batch_here_reports_every_task_and_a_task_names_srsopt_code() -> None:
    from optimizer.analysis.sweep import parse_range

    with pytest.raises(ValueError, match="module-level function of srsopt"):
        Task("lambda", lambda shared: shared)
    with pytest.raises(ValueError, match="module-level function of srsopt"):
        Task("stdlib", len)
    tasks = [Task("ok", parse_range, ()), Task("bad", parse_range, ("1:2:3:4",))]
    batch = InProcessBatch("0.5:1:2", tasks)
    ok, bad = gather(batch)
    assert ok.ok and list(ok.value) == [0.5, 1.0] and ok.worker == "here"
    assert not bad.ok and "takes 1 positional argument" in str(bad.error)
    assert "TypeError" in bad.trace
    stopping.request()
    assert [o.error for o in gather(InProcessBatch("0.5:1:2", tasks))] == [
        "not started: a stop was requested"] * 2


def test_the_progress_is_a_bar_on_a_terminal_and_lines_otherwise() -> None:
    states = [Progress(total=4, done=0, failed=0, running=2, workers=2, elapsed=1, left=None),
              Progress(total=4, done=0, failed=0, running=2, workers=2, elapsed=2, left=None),
              Progress(total=4, done=1, failed=0, running=2, workers=2, elapsed=30, left=45,
                       notes=("worker tcp://x:1 left the cluster",)),
              Progress(total=4, done=3, failed=1, running=0, workers=1, elapsed=200, left=0)]
    plain = io.StringIO()
    with Display("sweep", Console(file=plain, width=200)) as display:
        for p in states:
            display.update(p)
    assert plain.getvalue().splitlines() == [
        "sweep: 0/4 done, 2 running, 0 failed, 1 s elapsed, time left unknown",
        "sweep: worker tcp://x:1 left the cluster",
        "sweep: 1/4 done, 2 running, 0 failed, 30 s elapsed, about 45 s left",
        "sweep: 3/4 done, 0 running, 1 failed, 3 min elapsed"]
    terminal = io.StringIO()
    with Display("sweep", Console(file=terminal, width=200, force_terminal=True)) as display:
        display.update(states[2])
    shown = terminal.getvalue()
    assert "1/4" in shown and "2 running, 0 failed" in shown and "about 45 s left" in shown


def test_a_montecarlo_on_a_dask_cluster_equals_the_run_here(cluster: Cluster,
                                                           tmp_path: Path) -> None:
    """20 draws, each a task: the scheduler's two workers give the files made here, exactly."""
    example = TINY.parents[1] / "scenarios" / "uncertainty-example.yaml"
    common = ["montecarlo", str(TINY), "--uncertainty", str(example), "--draws", "20",
              "--seed", "11"]
    for where, extra in (("here", []), ("there", ["--scheduler", cluster.address])):
        run = CliRunner().invoke(app, [*common, *extra, "--out", str(tmp_path / where)])
        assert run.exit_code == 0, run.output
    assert "montecarlo: 20/20 done, 0 running, 0 failed" in run.output
    for name in ("draws.csv", "targets.csv", "shortfall_quantiles.csv", "money_quantiles.csv",
                 "provision_quantiles.csv", "projects.csv", "changes.csv"):
        here, there = (pd.read_csv(tmp_path / w / name) for w in ("here", "there"))
        pd.testing.assert_frame_equal(here, there, check_exact=True)
    assert len(pd.read_csv(tmp_path / "here" / "draws.csv")) == 20
