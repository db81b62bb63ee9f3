"""The engineered solve's parts on small generated models, against HiGHS's exact optimum.

The national path (Lagrangian bound by region, then the crossover of the region plans with the
LP) only switches on at 50,000 columns; here it is forced on models HiGHS solves exactly, so the
bound can be checked to be a true lower bound and the plan a feasible, near-optimal one.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.instance import Instance, instance_from_tables
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.check.verify import check_plan
from optimizer.formulation import build_formulation, objective_of
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, make_highs, run
from optimizer.highs.claims import gap_target, tolerance, within_gap
from optimizer.solving import heuristic, recombine
from optimizer.solving import strategy as strategy_module
from optimizer.solving.decompose import column_regions, lagrangian, linking_prices, linking_rows
from optimizer.solving.heuristic import crossover, rens
from optimizer.solving.plans import index_plans
from optimizer.solving.solution import feasible_plan

OPTIONS = HighsOptions(time_limit=30.0, mip_rel_gap=1e-3)


def _solved(instance: Instance) -> dict:
    """The instance's model with its LP relaxation and HiGHS's MIP optimum."""
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    lp = run(make_highs(form, replace(OPTIONS, relax_integrality=True)))
    mip = run(make_highs(form, OPTIONS))
    assert mip.status.value == "optimal"
    return {"instance": instance, "index": index, "form": form, "lp": lp, "mip": mip}


@pytest.fixture(scope="module", params=[0, 1])
def model(request: pytest.FixtureRequest) -> dict:
    settings, tables = generate_tables(40, 90, request.param)
    settings["budget"]["carryover"] = request.param == 1
    instance = instance_from_tables(settings, tables, source=f"generated {request.param}")
    return _solved(instance)


def _objective(form: object, values: np.ndarray) -> float:
    return float(form.columns.cost @ values + form.columns.offset)


def _recorded_submips(monkeypatch: pytest.MonkeyPatch) -> list[np.ndarray]:
    """The starts each sub-MIP from now on leaves free (per start column), in order."""
    freed: list[np.ndarray] = []
    real = heuristic._fixed_submip

    def recorded(form: object, options: HighsOptions, fixed: np.ndarray, *rest: object
                 ) -> object:
        freed.append(~fixed)
        return real(form, options, fixed, *rest)

    monkeypatch.setattr(heuristic, "_fixed_submip", recorded)
    return freed


@pytest.mark.parametrize("workers", [1, 2])
def test_lagrangian_bound_lies_between_lp_and_optimum(model: dict, workers: int) -> None:
    form, lp, mip = model["form"], model["lp"], model["mip"]
    mu = linking_prices(form, lp.row_duals)
    # node-limited (reproducible mode): the regions' MIPs end on nodes, not on a loaded clock
    split = lagrangian(model["index"], form, replace(OPTIONS, node_limit=500), mu, 60.0,
                       workers)
    assert split is not None
    tol = 1e-6 * abs(mip.objective)
    assert lp.objective - tol <= split.bound <= mip.objective + tol
    assert split.bound > lp.objective + tol  # the regions' integrality gaps count
    # a bound at zero prices is still a bound (it ignores the envelope)
    free = lagrangian(model["index"], form, OPTIONS, np.zeros_like(mu), 2.0, 1)
    assert free.bound <= mip.objective + tol


def test_crossover_and_rens_plans_are_feasible_and_no_better_than_optimum(model: dict) -> None:
    index, form, lp, mip = model["index"], model["form"], model["lp"], model["mip"]
    mu = linking_prices(form, lp.row_duals)
    split = lagrangian(index, form, OPTIONS, mu, 3.0, 1)
    exact = replace(OPTIONS, mip_rel_gap=0.0)  # "at least as good" holds for exact sub-MIPs
    plans = [feasible_plan(index, form, plan) for plan in (
        crossover(form, exact, lp.values, split.values), rens(form, exact, lp.values))]
    for full in plans:
        assert full is not None, "the sub-MIP plan breaks a row of the full model"
        assert _objective(form, full) >= mip.bound - 1e-6 * abs(mip.objective)
    # the crossover frees at least what RENS frees, so it is at least as good
    crossed, renss = (_objective(form, full) for full in plans)
    assert crossed <= renss + 1e-6 * abs(mip.objective)


def test_finished_regions_settle_the_starts_the_lp_leaves_fractional(
        model: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    index, form, lp, mip = model["index"], model["form"], model["lp"], model["mip"]
    split = lagrangian(index, form, OPTIONS, linking_prices(form, lp.row_duals), 3.0, 1)
    freed = _recorded_submips(monkeypatch)
    n = form.layout.n_start
    col_region = column_regions(index, form)
    half = np.isin(col_region, np.arange(index.n_regions // 2))  # those regions finished
    exact = replace(OPTIONS, mip_rel_gap=0.0)
    plans = [feasible_plan(index, form, crossover(form, exact, lp.values, split.values,
                                                  settled=settled))
             for settled in (None, half)]
    x_lp, x_regions = lp.values[:n], split.values[:n]
    fractional = form.columns.integer[:n] & (np.abs(x_lp - np.round(x_lp)) > 1e-6)
    leaning = fractional & (np.round(x_lp) == np.round(x_regions))
    assert (leaning & half[:n]).any() and (leaning & ~half[:n]).any()
    assert freed[0][leaning].all()  # by default every fractional LP start is decided again
    # a finished region's plan settles those the LP leans its way; the others stay free
    np.testing.assert_array_equal(freed[1], freed[0] & ~(leaning & half[:n]))
    tol = 1e-6 * abs(mip.objective)
    for full in plans:
        assert full is not None and _objective(form, full) >= mip.bound - tol
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    calls: list[tuple[tuple, dict]] = []
    monkeypatch.setattr(recombine, "crossover",
                        lambda *a, **k: calls.append((a, k)) or crossover(*a, **k))
    monkeypatch.setattr(recombine, "RECROSS_SECONDS", 0.0)
    monkeypatch.setattr(recombine, "within_gap", lambda *_: False)  # the second runs
    result = solve(model["instance"], time_limit=10, mip_rel_gap=1e-3, price_envelope=False)
    steps = result.metadata["steps"]  # the second can only improve on the first
    assert steps["recross_objective"] <= steps["crossover_objective"]
    assert len(calls) == 2
    (_, first), (second_args, second) = calls
    assert "settled" not in first  # the solve frees every fractional LP start (measured)
    np.testing.assert_array_equal(second_args[2], second["start"])  # the plan's neighbourhood


def test_decomposed_solve_verifies_with_an_honest_gap(model: dict,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    instance, mip = model["instance"], model["mip"]
    result = solve(instance, time_limit=10, mip_rel_gap=1e-3, price_envelope=False)
    assert "lagrangian_bound" in result.metadata["steps"]
    assert check_plan(instance, result) == []
    tol = 1e-6 * abs(mip.objective)
    assert result.bound <= mip.objective + tol
    assert result.objective >= mip.bound - tol
    assert result.mip_gap == pytest.approx(
        (result.objective - result.bound) / abs(result.objective), abs=1e-9)


@pytest.mark.parametrize("model", [1], indirect=True)  # its Lagrangian bound is 0.2% short
def test_a_plan_searched_through_before_the_time_limit_is_not_called_a_time_limit(
        model: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    instance, mip = model["instance"], model["mip"]
    result = solve(instance, time_limit=30, mip_rel_gap=1e-3, price_envelope=False)
    assert result.mip_gap > 1e-3  # short of the gap: the bound is below the optimum
    assert result.bound <= mip.objective and result.objective >= mip.bound
    assert result.metadata["steps"]["searched_through"]
    assert result.status == "limit_reached" and "searched through" in result.message
    monkeypatch.setattr(recombine, "RECROSS_SECONDS", 1e9)  # as if too little time were left
    short = solve(instance, time_limit=30, mip_rel_gap=1e-3, price_envelope=False)
    assert not short.metadata["steps"]["searched_through"]
    assert short.status == "time_limit" and short.mip_gap > 1e-3


def test_deadline_interrupt_is_withdrawn_after_the_run(model: dict) -> None:
    """A live model run again (what-if, staged modes) must not inherit a fired deadline."""
    h = make_highs(model["form"], OPTIONS)
    first = run(h, deadline=1e-4)  # the interrupt subscribes almost at once
    assert not any(event.callbacks for event in (h.cbMipInterrupt, h.cbSimplexInterrupt,
                                                 h.cbIpmInterrupt))
    second = run(h)
    assert second.status.value == "optimal"
    assert second.objective <= (first.objective or np.inf) + 1e-6 * abs(second.objective)


def test_decomposed_solve_is_reproducible_in_node_limited_mode(
        model: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    runs = [solve(model["instance"], time_limit=60, mip_rel_gap=1e-4, node_limit=50,
                  price_envelope=False) for _ in range(2)]
    assert "lagrangian_bound" in runs[0].metadata["steps"]
    assert runs[0].objective == runs[1].objective
    assert runs[0].bound == runs[1].bound
    assert runs[0].starts.equals(runs[1].starts)
    assert runs[0].metadata["reproducible"] is True  # no stage, nor region, ended on time


@pytest.fixture(scope="module")
def fiscal_model() -> dict:
    """A generated model with the equalization pool (a linking equality) and an elastic floor."""
    settings, tables = generate_tables(40, 90, 2)
    envelope = settings["budget"]["envelope"]
    settings["fiscal_rules"] = {
        "equalization": {"pool": {y: 0.2 * b for y, b in envelope.items()}, "theta": 0.2},
        "critical_floors": {"water_rural": {"standard": "water", "area": "rural",
                                            "year": max(envelope), "level": 0.6,
                                            "penalty": 3.0}},
    }
    instance = instance_from_tables(settings, tables, source="generated with fiscal rules")
    return _solved(instance)


def test_pool_and_floor_slack_are_priced_not_split(fiscal_model: dict,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    form, lp, mip = fiscal_model["form"], fiscal_model["lp"], fiscal_model["mip"]
    mu = linking_prices(form, lp.row_duals)
    assert len(mu) == form.rows["envelope"].stop - form.rows["envelope"].start + (
        form.rows["equalization_pool"].stop - form.rows["equalization_pool"].start)
    split = lagrangian(fiscal_model["index"], form, OPTIONS, mu, 3.0, 1)
    assert split is not None
    tol = 1e-6 * abs(mip.objective)
    assert lp.objective - tol <= split.bound <= mip.objective + tol
    monkeypatch.setattr(strategy_module, "DECOMPOSITION_COLUMNS", 0)
    result = solve(fiscal_model["instance"], time_limit=10, mip_rel_gap=1e-3,
                   price_envelope=False)
    assert "lagrangian_bound" in result.metadata["steps"]
    assert check_plan(fiscal_model["instance"], result) == []
    assert result.bound <= mip.objective + tol
    assert result.objective >= mip.bound - tol


@pytest.mark.parametrize("bound", [1_000.0, -1_000.0, 3.2e6, -7.5e5])
@pytest.mark.parametrize("gap", [1e-3, 0.01])
def test_gap_target_is_the_largest_objective_within_the_gap(bound: float, gap: float) -> None:
    target = gap_target(bound, gap)
    assert target > bound
    assert within_gap(target, bound, gap)
    assert not within_gap(target + 10 * tolerance(target), bound, gap)


def _neighbourhood(model: dict) -> dict:
    """The Lagrangian split at the LP's prices, and the rounded LP: a plan far from optimal."""
    index, form, lp = model["index"], model["form"], model["lp"]
    split = lagrangian(index, form, OPTIONS, linking_prices(form, lp.row_duals), 10.0, 1)
    assert split is not None
    plans = index_plans(index, form)
    poor = plans.rounded(lp.values)
    assert poor is not None
    return {"split": split, "plans": plans, "poor": poor}


def test_a_neighbourhood_searches_on_until_a_plan_closes_the_models_gap(model: dict) -> None:
    form, mip = model["form"], model["mip"]
    hood = _neighbourhood(model)
    split, plans, poor = hood["split"], hood["plans"], hood["poor"]

    def searched(options: HighsOptions, target: float | None) -> float:
        found = plans.feasible(crossover(form, options, poor, split.values, start=poor,
                                         target=target))
        assert found is not None
        return objective_of(form, found)

    loose = replace(OPTIONS, mip_rel_gap=0.5)  # without a target, any plan within 50% stops it
    exact = searched(replace(OPTIONS, mip_rel_gap=0.0), None)
    assert exact >= mip.bound - tolerance(exact)
    # a target no plan reaches: the neighbourhood is searched to its optimum, whatever the gap
    assert searched(loose, mip.bound - 1e6) == pytest.approx(exact, rel=1e-6)
    # one the start already reaches: the first plan at or below it
    assert searched(loose, objective_of(form, poor)) <= objective_of(form, poor)


def test_slack_adds_up_to_the_plans_distance_from_the_lagrangian_bound(
        model: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    form, mip = model["form"], model["mip"]
    hood = _neighbourhood(model)
    split, plans, poor = hood["split"], hood["plans"], hood["poor"]
    col_region = plans.col_region
    priced = form.columns.cost + form.matrix.tocsr()[linking_rows(form)].T @ split.mu
    regions = np.arange(len(split.region_bounds))
    slack = np.array([priced[col_region == r] @ poor[col_region == r] for r in regions]
                     ) - split.region_bounds
    tol = 1e-6 * abs(mip.objective)
    assert (slack >= -tol).all()  # each region's part of a plan is a plan of its block
    rows = linking_rows(form)
    side = np.where(split.mu > 0, form.row_upper[rows],
                    np.where(split.mu < 0, form.row_lower[rows], 0.0))
    unused = float(split.mu @ (side - form.matrix.tocsr()[rows] @ poor))
    assert objective_of(form, poor) - split.bound == pytest.approx(slack.sum() + unused,
                                                                     abs=tol)
    starts = np.bincount(col_region[:form.layout.n_start], minlength=len(regions))
    first = int(np.argmax(slack))
    monkeypatch.setattr(recombine, "SLACK_STARTS", int(starts[first]))
    chosen = recombine.slack_regions(form, poor, split, col_region)
    assert chosen[0] == first  # the largest slack, then only regions without starts fit
    assert starts[chosen].sum() == starts[first]
    monkeypatch.setattr(recombine, "SLACK_STARTS", int(starts.sum()))
    assert sorted(recombine.slack_regions(form, poor, split, col_region)) == list(regions)

    freed = _recorded_submips(monkeypatch)
    monkeypatch.setattr(recombine, "SLACK_STARTS", int(starts[first]))
    steps: dict = {}
    better = recombine.by_slack(form, replace(OPTIONS, mip_rel_gap=0.0), poor, split,
                                split.bound, plans, lambda: 10.0, steps)
    n = form.layout.n_start
    np.testing.assert_array_equal(freed[0], ~form.columns.integer[:n] | (
        np.isin(col_region[:n], chosen)))
    assert steps["slack_objective"] == objective_of(form, better) <= objective_of(form, poor)
    # the rounds go on to the next regions until every one was freed (no gap closes at 0)
    assert steps["slack_regions"] == len(regions)
    assert len(freed) > 1 and not (freed[0] & freed[1] & form.columns.integer[:n]).any()


@pytest.mark.parametrize(("above", "share"), [(0.005, recombine.NEAR_SHARE), (0.05, 1.0)])
def test_the_second_crossover_shares_its_time_only_near_the_bound(
        model: dict, monkeypatch: pytest.MonkeyPatch, above: float, share: float) -> None:
    form = model["form"]
    hood = _neighbourhood(model)
    plan = hood["poor"]
    objective = objective_of(form, plan)
    bound = objective - above * abs(objective)  # the plan is this far above it
    given: list[float] = []
    monkeypatch.setattr(recombine, "recross", lambda *args: given.append(args[6]) or plan)
    monkeypatch.setattr(recombine, "by_slack", lambda *args: plan)
    recombine.improve(form, OPTIONS, plan, hood["split"], bound, hood["plans"], lambda: 20.0, {})
    assert given == [share * 20.0]
