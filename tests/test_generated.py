"""Seeded generated instances: every plan verifies and its objective is recomputed exactly."""

from __future__ import annotations

import pandas as pd
import pytest

from models.instance import Instance, instance_from_tables
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.check.verify import check_plan, recompute_objective

SEEDS = range(6)


def _instance(seed: int, settlements: int = 40, projects: int = 70) -> Instance:
    settings, tables = generate_tables(settlements, projects, seed)
    settings["budget"]["carryover"] = seed % 2 == 1
    settings["objective"]["cost_weight"] = 0.001 * (seed % 3)
    return instance_from_tables(settings, tables, source=f"generated seed {seed}")


@pytest.fixture(scope="module", params=SEEDS)
def solved(request: pytest.FixtureRequest) -> tuple[Instance, object]:
    instance = _instance(request.param)
    return instance, solve(instance, time_limit=20, mip_rel_gap=1e-2)


def test_plan_verifies_and_objective_recomputes(solved: tuple) -> None:
    instance, result = solved
    assert result.has_plan
    assert check_plan(instance, result) == []
    recomputed = recompute_objective(instance, result.starts,
                                     float(result.region_years["transfer"].sum()))
    assert result.objective == pytest.approx(recomputed, rel=1e-6, abs=1e-6)
    # polishing never makes the solver's own incumbent look better than it is
    assert result.metadata["highs_objective"] >= result.objective - 1e-6 * abs(result.objective)
    assert result.bound <= result.objective + 1e-6 * abs(result.objective)


def test_every_generated_feature_is_exercised() -> None:
    """The seeds above cover divisible, committed, excluded projects and start windows."""
    projects = pd.concat([_instance(seed).projects for seed in SEEDS])
    assert projects["divisible"].any()
    assert set(projects["status"]) == {"candidate", "committed", "excluded"}
    assert projects["latest_start"].notna().any()


def test_verifier_rejects_a_broken_plan(solved: tuple) -> None:
    instance, result = solved
    money = result.region_years.copy()
    money.loc[0, "transfer"] += 1_000.0  # transfer no longer matches capex spend
    broken = result.model_copy(update={"region_years": money})
    assert any("differs from capex spend" in v for v in check_plan(instance, broken))


def test_same_input_same_plan() -> None:
    instance = _instance(3)
    first = solve(instance, time_limit=20, mip_rel_gap=1e-2, price_envelope=False)
    second = solve(instance, time_limit=20, mip_rel_gap=1e-2, price_envelope=False)
    pd.testing.assert_frame_equal(first.starts, second.starts)
    assert first.objective == second.objective


def test_node_limited_mode_is_reproducible() -> None:
    """``node_limit`` stops every MIP stage by nodes, so plans repeat exactly."""
    instance = _instance(4, settlements=30, projects=60)
    runs = [solve(instance, time_limit=60, mip_rel_gap=1e-6, node_limit=20,
                  price_envelope=False) for _ in range(2)]
    pd.testing.assert_frame_equal(runs[0].starts, runs[1].starts)
    assert runs[0].objective == runs[1].objective
    assert runs[0].status in ("optimal", "limit_reached")
    assert runs[0].metadata["reproducible"] is True and runs[0].metadata["time_stops"] == []


def test_reproducible_mode_says_when_time_stopped_a_stage() -> None:
    """With a node limit no stage reaches in 0.5 s, time ends the LP: the plan is flagged."""
    instance = _instance(5, settlements=3000, projects=7500)
    result = solve(instance, time_limit=0.5, mip_rel_gap=0.0, node_limit=10**6,
                   price_envelope=False)
    assert result.metadata["reproducible"] is False
    assert result.metadata["time_stops"]
    assert "NOT REPRODUCIBLE: the time safety net stopped" in result.message
    assert result.status != "limit_reached"  # it did not end on its node limit


def test_reproducible_mode_sizes_its_safety_net() -> None:
    """Without a time limit of the caller's, node-limited mode waits at least 900 s; a given
    limit is kept (and a run it cuts is reported, as above)."""
    from optimizer.solving.pipeline import REPRODUCIBLE_SAFETY_NET, solve_options

    instance = _instance(1)
    assert instance.settings.solver.time_limit < REPRODUCIBLE_SAFETY_NET
    assert solve_options(instance, None, None, None, node_limit=50).time_limit == (
        REPRODUCIBLE_SAFETY_NET)
    assert solve_options(instance, 30.0, None, None, node_limit=50).time_limit == 30.0
    assert solve_options(instance, None, None, None).time_limit == (
        instance.settings.solver.time_limit)
