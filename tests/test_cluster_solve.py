"""One large solve on a Dask cluster: the decomposition's region MIPs as tasks (issue 20, item 4).

``srsopt solve --scheduler`` through a real ``dask scheduler`` and two ``dask worker``
processes gives the plan and bound of the local decomposition in reproducible mode; region
tasks that do not answer by the deadline, or fail, are solved here and the result says so; a
model too small to split says the cluster was not used.
The decomposition starts at 50,000 columns: the tests lower that (and the local processes'
threshold) so that a small generated model takes the same path as a national one.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("distributed", reason="Dask distributed is not installed, so the cluster "
                    "solve cannot be tested: pip install 'dask[distributed]'")

from dask_cluster import Cluster

from models.folder import write_folder
from models.instance import instance_from_tables, load_instance
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.cli.app import app
from optimizer.distributed import open_runner
from optimizer.distributed import regions as cluster_regions
from optimizer.distributed.regions import ClusterRegions
from optimizer.distributed.runner import InProcess
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.runtime import stopping
from optimizer.solving import strategy
from optimizer.solving.decompose import linking_prices, region_models
from optimizer.solving.regions import solve_regions

NODES = ["--node-limit", "5"]
"""Reproducible mode: every region MIP and the crossover stop on nodes, the same anywhere."""


@pytest.fixture(scope="module")
def tables() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """50 settlements in 5 regions: more region tasks than workers."""
    regions = pd.DataFrame({"region_id": [f"r{k}" for k in range(1, 6)],
                            "name": [f"Region {k}" for k in range(1, 6)], "kind": "oblast",
                            "n_city_regional": 1, "n_town": 1, "n_village": 8})
    return generate_tables(50, 110, 5, regions=regions)


@pytest.fixture
def decomposed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The national path on a small model: the decomposition, its regions in 2 processes."""
    monkeypatch.setattr(strategy, "DECOMPOSITION_COLUMNS", 0)
    monkeypatch.setattr(strategy, "PARALLEL_COLUMNS", 0)
    stopping.reset()


def summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


def test_a_solve_on_a_dask_cluster_equals_the_local_decomposition(
        cluster: Cluster, tables: tuple, decomposed: None, tmp_path: Path) -> None:
    generated = write_folder(*tables, tmp_path / "g40")
    here = CliRunner().invoke(app, ["solve", str(generated), *NODES, "--out",
                                    str(tmp_path / "here")])
    assert here.exit_code == 0, here.output
    there = CliRunner().invoke(app, ["solve", str(generated), *NODES, "--scheduler",
                                     cluster.address, "--out", str(tmp_path / "there")])
    assert there.exit_code == 0, there.output
    assert "solving on a Dask cluster: scheduler tcp://" in there.output
    local, remote = summary(tmp_path / "here"), summary(tmp_path / "there")
    steps = remote["steps"]
    assert steps["regions_on"].startswith("Dask cluster: scheduler tcp://127.0.0.1")
    assert "regions_on" not in local["steps"]  # the local processes
    assert "solved here" not in remote["message"]  # every region came from its task
    for key in ("objective", "bound"):
        assert remote[key] == local[key]
    assert steps["lagrangian_bound"] == local["steps"]["lagrangian_bound"]
    assert remote["reproducible"] is True
    projects = [pd.read_csv(tmp_path / side / "projects.csv") for side in ("here", "there")]
    pd.testing.assert_frame_equal(*projects, check_exact=True)


@pytest.fixture(scope="module")
def blocks(tables: tuple) -> tuple[list, HighsOptions]:
    """The generated model's priced region blocks, and reproducible options."""
    instance = instance_from_tables(*tables, source="generated")
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    options = HighsOptions(time_limit=60.0, node_limit=5, threads=1)
    lp = run(make_highs(form, replace(options, relax_integrality=True)))
    models = region_models(index, form, linking_prices(form, lp.row_duals))
    assert models is not None and len(models) == 5
    return models, options


def test_region_tasks_not_answered_by_the_deadline_are_solved_here_and_said(
        cluster: Cluster, blocks: tuple) -> None:
    models, options = blocks
    expected = {r: (bound, status) for r, bound, _, status in
                solve_regions(models, options, time.time() + 60)}
    with open_runner(cluster.address) as runner:
        started = time.monotonic()
        ran = ClusterRegions(runner, grace=0.0)(models, options, time.time() - 1.0)
        waited = time.monotonic() - started
    assert waited < 20  # no wait for the tasks: only each late block's own solve here
    assert sorted(r for r, *_ in ran.rows) == list(range(len(models)))
    assert {r: (bound, status) for r, bound, _, status in ran.rows} == expected
    late = [n for n in ran.notes if "no answer by the deadline; solved here" in n]
    assert late and all(n.startswith("region ") for n in late)


def test_a_failed_region_task_is_solved_here_and_the_solve_says_so(
        tables: tuple, decomposed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    instance = instance_from_tables(*tables, source="generated")
    local = solve(instance, node_limit=5, price_envelope=False)
    real = cluster_regions.solve_region
    calls: list[str] = []

    def first_fails(model: Any, *args: Any) -> Any:
        calls.append(model.name)
        if len(calls) == 1:
            raise RuntimeError("worker ran out of memory")
        return real(model, *args)

    monkeypatch.setattr(cluster_regions, "solve_region", first_fails)
    result = solve(instance, node_limit=5, price_envelope=False,
                   regions=ClusterRegions(InProcess()))
    assert result.has_plan and len(calls) == len(set(calls)) > 2
    assert (f"region {calls[0]}: RuntimeError: worker ran out of memory; solved here (its LP "
            "bound and a short MIP)") in result.message
    assert result.objective == local.objective and result.bound == local.bound


def test_a_model_too_small_to_split_is_solved_here_and_the_summary_says_so() -> None:
    result = solve(load_instance(Path(__file__).resolve().parents[1] / "instances" / "tiny"),
                   regions=ClusterRegions(InProcess()), price_envelope=False)
    assert result.has_plan and "lagrangian_bound" not in result.metadata["steps"]
    assert ("in this process: not used, the model (" in result.message
            and "columns) is solved here whole (it is split by region from 50,000 columns"
            in result.message)
