"""Warm-started re-solves (``optimizer.solving.warm``): the same optimum as a cold solve.

A scenario that the live model reaches by edits starts from the base's plan: kept when it still
meets every rule, repaired by the greedy rounding when it does not. The tests check that the
start never changes the answer (solved to a zero gap, warm and cold agree on the objective and
the plan passes the independent verifier), that the metadata says how each case began, and
that a plan of another structure is refused rather than misread.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import optimizer
from models.instance import Instance, instance_from_tables
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from models.synthetic import generate_tables
from optimizer.analysis.whatif import Case, run_cases
from optimizer.check.verify import check_plan
from optimizer.cli.app import app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.live import LiveModel
from optimizer.solving.warm import (
    WARM_KEPT,
    WARM_REPAIRED,
    WARM_UNUSABLE,
    BasePlan,
    WarmStart,
    incumbent,
    warm_start,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"

CHANGES = [
    {"envelope": {"scale": 0.7}},
    {"targets": {"rural": {2028: 0.8}}},
    {"objective": {"category_weights": {"health": 2.0}}},
    {"region": {"region": "r01", "cofinancing_rate": 0.3}},
]


@pytest.fixture(scope="module")
def small() -> Instance:
    """Two regions, 20 settlements, 30 projects: solves to a zero gap in about a second."""
    settings, tables = generate_tables(20, 30, 2)
    return instance_from_tables(settings, tables, source="generated 20/30 seed 2")


def changed(instance: Instance, change: dict[str, Any]) -> Instance:
    scenario = parse_scenario({"name": "t", "changes": [change]}, "t.yaml")
    return apply_scenarios(instance, [scenario])[0]


def test_a_warm_start_reaches_the_cold_optimum(small: Instance) -> None:
    live = LiveModel(small, HighsOptions(mip_rel_gap=0.0, time_limit=30))
    base = live.solve(price_envelope=False)
    assert base.status == "optimal"
    plan = live.last_plan
    assert plan is not None
    seen = set()
    for change in CHANGES:
        instance = changed(small, change)
        assert live.switch_to(instance, rebuild=False) is None, change
        warm = live.solve(price_envelope=False, warm=WarmStart(plan))
        cold = optimizer.solve(instance, mip_rel_gap=0.0, price_envelope=False)
        assert warm.status == cold.status == "optimal", change
        assert warm.objective == pytest.approx(cold.objective, rel=1e-9, abs=1e-6), change
        assert check_plan(instance, warm) == [], change
        seen.add(warm.metadata["steps"]["warm"])
    assert {WARM_KEPT, WARM_REPAIRED} <= seen  # both ways of starting were exercised


def test_a_plan_read_by_ids_is_the_plan(small: Instance) -> None:
    """``BasePlan`` -> column vector -> the same objective as the result it came from."""
    result = optimizer.solve(small, mip_rel_gap=0.0, price_envelope=False)
    plan = BasePlan.of(result)
    assert plan is not None
    index = build_index(small)
    form = build_formulation(index, small.settings.objective)
    found = incumbent(index, form, warm_start(index, form, plan))
    assert found.how == WARM_KEPT
    assert found.objective == pytest.approx(result.objective, rel=1e-9)


def test_the_base_plan_is_kept_refused_or_repaired(small: Instance) -> None:
    index = build_index(small)
    form = build_formulation(index, small.settings.objective)
    live = LiveModel(small, HighsOptions(mip_rel_gap=0.0, time_limit=30))
    base = live.solve(price_envelope=False)
    plan = live.last_plan
    assert plan is not None
    kept = incumbent(index, form, WarmStart(plan))
    assert kept.how == WARM_KEPT
    assert kept.objective == pytest.approx(base.objective, rel=1e-9)
    other = incumbent(index, form, WarmStart(np.zeros(form.shape[1] + 1)))
    assert other.values is None and other.how.startswith(WARM_UNUSABLE)
    cut = changed(small, {"envelope": {"scale": 0.5}})
    cut_index = build_index(cut)
    cut_form = build_formulation(cut_index, cut.settings.objective)
    repaired = incumbent(cut_index, cut_form, WarmStart(plan))
    assert repaired.how == WARM_REPAIRED and repaired.values is not None
    envelope = cut_form.rows["envelope"]
    assert np.all(cut_form.matrix.tocsr()[envelope] @ repaired.values
                  <= cut_form.row_upper[envelope] + 1e-6)


def test_run_cases_says_how_each_case_began(small: Instance) -> None:
    cases = [Case(name="base", instance=small),
             Case(name="cut", instance=changed(small, {"envelope": {"scale": 0.8}})),
             Case(name="window", instance=changed(small, {"lock": {"project": "P00001",
                                                                     "force": "out"}}))]
    results = run_cases(cases, mip_rel_gap=0.0, time_limit=20, scenario_time_limit=7)
    starts = {name: r.metadata["resolve"] for name, r in results.items()}
    assert starts["base"]["start"] == "cold"
    assert starts["cut"]["start"] == "warm"
    assert starts["cut"]["warm"] in (WARM_KEPT, WARM_REPAIRED)
    assert results["cut"].metadata["time_limit"] == 7
    # a lock changes the columns: built from scratch, warm from the base's plan read by ids
    assert starts["window"]["model"] == "built from scratch"
    assert starts["window"]["start"] == "warm"
    cold = run_cases(cases, mip_rel_gap=0.0, time_limit=20, warm=False)
    for name in ("cut", "window"):
        assert cold[name].metadata["resolve"]["start"] == "cold"
        assert cold[name].metadata["resolve"]["cold_because"] == "warm starts off"
        assert cold[name].objective == pytest.approx(results[name].objective, rel=1e-9)


def test_cli_whatif_reports_warm_and_cold(tmp_path: Path) -> None:
    scenario = tmp_path / "cut.yaml"
    scenario.write_text("name: cut\nchanges:\n  - envelope: {scale: 0.8}\n")
    runner = CliRunner()
    for flag, expected in (([], "warm"), (["--cold"], "cold")):
        out = tmp_path / f"out{len(flag)}"
        done = runner.invoke(app, ["whatif", str(TINY), str(scenario), "--gap", "0",
                                   "--out", str(out), "--quiet", *flag])
        assert done.exit_code == 0, done.output
        rows = {r["scenario"]: r for r in csv.DictReader((out / "overview.csv").open())}
        assert rows["cut"]["start"].startswith(expected)
        assert rows["base"]["start"] == "cold (the base)"
