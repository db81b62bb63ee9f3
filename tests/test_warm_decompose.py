"""A warm re-solve reuses the base's decomposition (``optimizer.solving.lagrange_memory``).

On a generated two-region model whose envelope binds (both multipliers of the envelope rows
positive), solved in reproducible mode so a block solved twice gives the same bound: a block a
change left as it was keeps its bound (the same as solving it again), a cut envelope keeps every
block, a raised one none, and the bound of a warm solve stays below the changed model's optimum.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import optimizer
from models.instance import Instance, instance_from_tables
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from models.synthetic import generate_tables
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.solving import strategy as strategy_module
from optimizer.solving.decompose import Decomposition, lagrangian, linking_prices, priced
from optimizer.solving.warm import BasePlan

OPTIONS = HighsOptions(time_limit=60.0, mip_rel_gap=1e-3, node_limit=500)


def changed(instance: Instance, change: dict[str, Any]) -> Instance:
    scenario = parse_scenario({"name": "t", "changes": [change]}, "t.yaml")
    return apply_scenarios(instance, [scenario])[0]


def built(instance: Instance) -> tuple[IndexSets, Formulation]:
    index = build_index(instance)
    return index, build_formulation(index, instance.settings.objective)


def optimum(form: Formulation) -> float:
    """HiGHS's exact optimum of the model."""
    mip = run(make_highs(form, replace(OPTIONS, node_limit=None, mip_rel_gap=0.0)))
    assert mip.status.value == "optimal" and mip.objective is not None
    return mip.objective


@pytest.fixture(scope="module")
def base() -> Instance:
    """Two regions, 40 settlements, 90 projects, half the envelope: money is short every year."""
    settings, tables = generate_tables(40, 90, 0)
    return changed(instance_from_tables(settings, tables, source="generated 40/90 seed 0"),
                   {"envelope": {"scale": 0.5}})


@pytest.fixture(scope="module")
def decomposed(base: Instance) -> tuple[np.ndarray, Decomposition]:
    """The base's multipliers (from its LP) and its decomposition at them."""
    index, form = built(base)
    lp = run(make_highs(form, replace(OPTIONS, relax_integrality=True)))
    mu = linking_prices(form, lp.row_duals)
    assert len(mu) == 5 and (mu > 0).all()  # the envelope's five years, each binding
    split = lagrangian(index, form, OPTIONS, mu, 60.0, 1)
    assert split is not None and split.memory is not None and split.reused == 0
    return mu, split


def test_an_unchanged_block_keeps_its_bound_and_the_changed_one_starts_from_its_plan(
        base: Instance, decomposed: tuple[np.ndarray, Decomposition]) -> None:
    mu, split = decomposed
    index, form = built(changed(base, {"region": {"region": "r01", "cofinancing_rate": 0.3}}))
    blocks = priced(index, form, mu, split.memory)
    assert blocks is not None
    assert [m.name for m in blocks.todo] == ["r01"] and blocks.todo[0].start is not None
    warm = lagrangian(index, form, OPTIONS, blocks, 60.0, 1)
    scratch = lagrangian(index, form, OPTIONS, mu, 60.0, 1)
    assert warm is not None and scratch is not None and warm.memory and scratch.memory
    assert warm.reused == 1
    assert warm.memory.regions["r02"].bound == pytest.approx(
        scratch.memory.regions["r02"].bound, rel=0, abs=1e-9)
    assert warm.bound <= optimum(form) + 1e-6


def test_a_cut_envelope_keeps_every_block_and_its_bound_stays_valid(
        base: Instance, decomposed: tuple[np.ndarray, Decomposition]) -> None:
    mu, split = decomposed
    assert split.memory is not None
    index, form = built(changed(base, {"envelope": {"scale": 0.9}}))
    warm = lagrangian(index, form, OPTIONS, mu, 60.0, 1, memory=split.memory)
    assert warm is not None and warm.reused == 2
    # the blocks' bounds as remembered; only the envelope's sides moved: -mu'b is the change
    envelope = form.row_upper[form.rows["envelope"]]
    remembered = sum(m.bound for m in split.memory.regions.values())
    assert warm.bound == pytest.approx(remembered + form.columns.offset - mu @ envelope,
                                       rel=1e-12)
    scratch = lagrangian(index, form, OPTIONS, mu, 60.0, 1)
    assert scratch is not None
    assert warm.bound <= scratch.bound + 1e-6 * abs(scratch.bound)  # caps only narrowed
    assert warm.bound <= optimum(form) + 1e-6
    # a raised envelope widens every region's cap: no remembered bound holds there
    index, form = built(changed(base, {"envelope": {"scale": 1.2}}))
    raised = priced(index, form, mu, split.memory)
    assert raised is not None and raised.kept == [] and len(raised.todo) == 2


def test_a_warm_solve_reuses_the_base_decomposition_and_its_bound_holds(
        base: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    first = optimizer.solve(base, mip_rel_gap=1e-3, node_limit=500, price_envelope=False)
    plan = BasePlan.of(first)
    assert plan is not None and plan.memory is not None
    cut = changed(base, {"envelope": {"scale": 0.9}})
    warm = optimizer.solve(cut, mip_rel_gap=1e-3, node_limit=500, price_envelope=False,
                           start_from=plan)
    steps = warm.metadata["steps"]
    assert steps["blocks_reused"] >= 2 and "lagrangian_base_mu_bound" in steps
    best = optimum(built(cut)[1])
    assert warm.bound is not None and warm.objective is not None
    assert steps["lagrangian_base_mu_bound"] <= warm.bound <= best + 1e-6
    assert warm.objective >= best - 1e-6
