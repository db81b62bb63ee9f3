"""A warm re-solve reuses the base's decomposition (``optimizer.solving.lagrange_memory``).

On a generated two-region model whose envelope binds (both multipliers of the envelope rows
positive), solved in reproducible mode so a block solved twice gives the same bound: a block a
change left as it was keeps its bound (the same as solving it again), a cut envelope keeps every
block, a raised one none, and the bound of a warm solve stays below the changed model's optimum.
"""

from __future__ import annotations

import subprocess
import threading
import time
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

import optimizer
from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from models.synthetic import generate_tables
from optimizer.formulation import Formulation, build_formulation, objective_of
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs, run
from optimizer.highs.mip_start import Checked
from optimizer.highs.on_time import note_time_stop, time_stops
from optimizer.solving import side_by_side
from optimizer.solving import strategy as strategy_module
from optimizer.solving.decompose import (
    Decomposition,
    lagrangian,
    linking_prices,
    priced,
    region_models,
)
from optimizer.solving.plans import index_plans
from optimizer.solving.region_worker import Handoff, JoinedLater, LocalRegions, dealt
from optimizer.solving.regions import RegionModel, RegionsSolved
from optimizer.solving.warm import BasePlan, warm_start

OPTIONS = HighsOptions(time_limit=60.0, mip_rel_gap=1e-3, node_limit=500)


def changed(instance: Instance, change: dict[str, Any]) -> Instance:
    scenario = parse_scenario({"name": "t", "changes": [change]}, "t.yaml")
    return apply_scenarios(instance, [scenario])[0]


def built(instance: Instance) -> tuple[IndexSets, Formulation]:
    index = build_index(instance)
    return index, build_formulation(index, instance.settings.objective)


def optimum(form: Formulation) -> float:
    """HiGHS's optimum of the model, to 0.01%: no proven lower bound may lie above it."""
    mip = run(make_highs(form, replace(OPTIONS, node_limit=None, mip_rel_gap=1e-4)))
    assert mip.status.value == "optimal" and mip.objective is not None
    return mip.objective


@pytest.fixture(scope="module")
def base() -> Instance:
    """Two regions, 40 settlements, 90 projects, half the envelope: money is short every year."""
    settings, tables = generate_tables(40, 90, 0)
    return changed(instance_from_tables(settings, tables, source="generated 40/90 seed 0"),
                   {"envelope": {"scale": 0.5}})


@pytest.fixture(scope="module")
def cut(base: Instance) -> tuple[Instance, float]:
    """The base with its envelope cut by 10%, and its optimum."""
    instance = changed(base, {"envelope": {"scale": 0.9}})
    return instance, optimum(built(instance)[1])


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
    index, form = built(changed(base, {"region": {"region": "r01", "fiscal_space_scale": 1.2}}))
    blocks = priced(index, form, mu, split.memory)
    assert blocks is not None
    assert [m.name for m in blocks.todo] == ["r01"] and blocks.todo[0].start is not None
    warm = lagrangian(index, form, OPTIONS, blocks, 60.0, 1)
    scratch = lagrangian(index, form, OPTIONS, mu, 60.0, 1)
    assert warm is not None and scratch is not None and warm.memory and scratch.memory
    assert warm.reused == 1
    assert warm.memory.regions["r02"].bound == pytest.approx(
        scratch.memory.regions["r02"].bound, rel=0, abs=1e-9)
    assert warm.bound <= optimum(form)


def test_a_cut_envelope_keeps_every_block_and_its_bound_stays_valid(
        base: Instance, cut: tuple[Instance, float],
        decomposed: tuple[np.ndarray, Decomposition]) -> None:
    mu, split = decomposed
    assert split.memory is not None
    index, form = built(cut[0])
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
    assert warm.bound <= cut[1]
    # a raised envelope widens every region's cap: no remembered bound holds there
    index, form = built(changed(base, {"envelope": {"scale": 1.2}}))
    raised = priced(index, form, mu, split.memory)
    assert raised is not None and raised.kept == [] and len(raised.todo) == 2


@pytest.fixture(scope="module")
def base_plan(base: Instance) -> BasePlan:
    """The base solved with the decomposition on (any size): its plan and its memory."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
        plan = BasePlan.of(optimizer.solve(base, mip_rel_gap=1e-3, node_limit=500,
                                           price_envelope=False))
    assert plan is not None and plan.memory is not None
    return plan


def warm_solve(instance: Instance, plan: BasePlan, monkeypatch: pytest.MonkeyPatch) -> Result:
    """``instance`` solved from ``plan``, the decomposition on (any size)."""
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    return optimizer.solve(instance, mip_rel_gap=1e-3, node_limit=500, price_envelope=False,
                           start_from=plan)


def test_a_warm_solve_reuses_the_base_decomposition_and_its_bound_holds(
        cut: tuple[Instance, float], base_plan: BasePlan,
        monkeypatch: pytest.MonkeyPatch) -> None:
    warm = warm_solve(cut[0], base_plan, monkeypatch)
    steps = warm.metadata["steps"]
    assert steps["blocks_reused"] >= 2 and "lagrangian_base_mu_bound" in steps
    assert warm.bound is not None and warm.objective is not None
    assert steps["lagrangian_base_mu_bound"] <= warm.bound <= cut[1]
    assert warm.bound <= warm.objective


def test_without_the_lp_the_base_prices_still_give_a_proven_bound(
        cut: tuple[Instance, float], base_plan: BasePlan,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An LP that did not finish (a loaded machine) leaves no bound; the base's prices do."""
    unfinished = HighsOutcome(status=SolveStatus.TIME_LIMIT, model_status="time limit",
                              values=None, row_duals=None, objective=None, bound=None, gap=None,
                              seconds=1.0, nodes=0)
    monkeypatch.setattr(strategy_module, "_relaxation", lambda *_: Checked(unfinished))
    warm = warm_solve(cut[0], base_plan, monkeypatch)
    steps = warm.metadata["steps"]
    assert steps["lp_bound"] is None and steps["blocks_reused"] == 2
    assert warm.bound == pytest.approx(steps["lagrangian_base_mu_bound"], rel=1e-12)
    assert warm.bound is not None and warm.objective is not None
    assert warm.bound <= cut[1] <= warm.objective


def test_a_warm_solve_searches_its_plan_beside_its_bound_and_both_hold(
        cut: tuple[Instance, float], base_plan: BasePlan,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The plan's neighbourhood here, the blocks in a worker process, at once."""
    ran: list[str] = []
    real = side_by_side.split

    def split(*args: Any) -> Any:
        ran.append(args[7].description)  # the runner of the blocks: a worker beside this one
        return real(*args)

    monkeypatch.setattr(side_by_side, "split", split)
    warm = warm_solve(cut[0], base_plan, monkeypatch)
    steps = warm.metadata["steps"]
    assert ran == [JoinedLater.description]
    assert steps["warm_crossover_objective"] <= steps["warm_objective"]
    assert warm.bound == pytest.approx(max(steps["lp_bound"], steps["lagrangian_bound"]))
    assert warm.bound is not None and warm.objective is not None
    assert warm.bound <= cut[1] <= warm.objective


def test_the_second_worker_takes_its_blocks_once_the_plan_search_is_done(
        base: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    index, form = built(base)
    lp = run(make_highs(form, replace(OPTIONS, relax_integrality=True)))
    models = region_models(index, form, linking_prices(form, lp.row_duals))
    assert models is not None and [len(g) for g in dealt(models, [0.5, 0.5])] == [1, 1]
    assert [len(g) for g in dealt(models, [1.0, 0.0])] == [2, 0]
    started: list[float] = []
    real = subprocess.Popen

    def popen(*args: Any, **kwargs: Any) -> subprocess.Popen:
        started.append(time.monotonic())
        return real(*args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    handoff = Handoff()
    threading.Timer(1.0, handoff.give, [None]).start()
    clock = time.monotonic()
    ran = JoinedLater(handoff, 0.5)(models, OPTIONS, time.time() + 30.0)
    assert sorted(row[0] for row in ran.rows) == [0, 1]
    assert len(started) == 2 and started[0] - clock < 0.5 and started[1] - clock >= 1.0


def test_time_stops_in_the_threads_beside_the_plan_search_reach_the_solves_tally(
        base: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    """``verdict.ended`` says ``time_limit`` only if it hears of every block cut short."""
    monkeypatch.setattr(LocalRegions, "__call__", lambda self, models, options, deadline: (
        note_time_stop("MIP of a region") or RegionsSolved([])))
    index, form = built(base)
    lp = run(make_highs(form, replace(OPTIONS, relax_integrality=True)))
    models = region_models(index, form, linking_prices(form, lp.row_duals))
    assert models is not None
    handoff = Handoff()
    handoff.give(None)
    with time_stops() as tally:  # one group in a thread of its own, one in this one
        JoinedLater(handoff, 0.5)(models, OPTIONS, time.time() + 5.0)
    assert tally == ["MIP of a region"] * 2

    def split(*args: Any) -> None:
        note_time_stop("MIP of a region")

    monkeypatch.setattr(side_by_side, "split", split)  # the blocks' step, in a thread beside
    monkeypatch.setattr(side_by_side, "crossover_with_lp", lambda *args: args[4])
    plans = index_plans(index, form)
    start = plans.rounded(lp.values)
    assert start is not None
    with time_stops() as tally:
        side_by_side.plan_and_bound(index, form, OPTIONS, lp, start, None, 5.0, {}, plans)
    assert tally == ["MIP of a region"]


def test_a_block_starts_from_the_better_of_its_start_and_a_plan_at_its_prices(
        base: Instance, base_plan: BasePlan,
        decomposed: tuple[np.ndarray, Decomposition]) -> None:
    mu, _ = decomposed
    index, form = built(base)
    lp = run(make_highs(form, replace(OPTIONS, relax_integrality=True)))
    good = warm_start(index, form, base_plan).values  # the base's plan, near its optimum
    rounded = index_plans(index, form).rounded(lp.values)  # greedy: worse
    assert rounded is not None and objective_of(form, good) < objective_of(form, rounded)
    models = region_models(index, form, mu)
    assert models is not None
    for model in models:
        def cost(x: np.ndarray, block: RegionModel = model) -> float:
            return float(block.model.cost @ block.model.start(x[block.cols]))

        chosen = replace(model, start=rounded[model.cols]).started_from(good)
        assert chosen.start is not None
        assert float(model.model.cost @ model.model.start(chosen.start)) == min(
            cost(rounded), cost(good))
        kept = replace(model, start=good[model.cols])
        assert kept.started_from(rounded).start is kept.start or cost(rounded) < cost(good)
