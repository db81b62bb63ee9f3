"""What-if runs: fast re-solve, comparisons, budget curve, staged modes and alternatives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import optimizer
from models.instance import Instance, instance_from_tables, load_instance
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from models.synthetic import generate_tables
from optimizer.analysis.alternatives import alternatives
from optimizer.analysis.sweep import parse_range, sweep
from optimizer.analysis.whatif import Case, compare, funded, run_cases
from optimizer.check.verify import check_plan
from optimizer.cli.app import app
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.live import LiveModel
from optimizer.solving.modes import worst_relative_shortfall

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
HAND_OPTIMUM = -3663.34


@pytest.fixture(scope="module")
def tiny() -> Instance:
    return load_instance(TINY)


@pytest.fixture(scope="module")
def small() -> Instance:
    """Two regions, 20 settlements, 30 projects: solves to optimality in about a second."""
    settings, tables = generate_tables(20, 30, 2)
    return instance_from_tables(settings, tables, source="generated 20/30 seed 2")


def changed(instance: Instance, *changes: dict[str, Any]) -> Instance:
    scenario = parse_scenario({"name": "t", "changes": list(changes)}, "t.yaml")
    return apply_scenarios(instance, [scenario])[0]


def exact(instance: Instance) -> Any:
    return optimizer.solve(instance, mip_rel_gap=0.0, price_envelope=False)


@pytest.fixture(scope="module")
def small_optimum(small: Instance) -> float:
    return exact(small).objective


@pytest.mark.parametrize("scale", [0.9, 0.6])
def test_a_cut_envelope_never_improves_the_objective(tiny: Instance, small: Instance,
                                                     small_optimum: float, scale: float) -> None:
    for instance, reference in ((tiny, HAND_OPTIMUM), (small, small_optimum)):
        cut = exact(changed(instance, {"envelope": {"scale": scale}}))
        assert cut.status in ("optimal", "infeasible")
        if cut.has_plan:
            assert cut.objective >= reference - 1e-9 * abs(reference)


NON_STRUCTURAL = [
    {"envelope": {"scale": 0.8}},
    {"envelope": {"set": {2027: 50}}},
    {"targets": {"rural": {2028: 0.8}}},
    {"objective": {"category_weights": {"health": 1.0}, "cost_weight": 0.05}},
    {"region": {"region": "south", "cofinancing_rate": 0.25, "fiscal_space_scale": 1.5}},
    {"region": {"region": "north", "max_envelope_share": 0.6}},
    {"capex_overrun": {"factor": 1.1, "region": "north"}},
    {"lock": {"project": "p3", "force": "in"}},
]


def test_resolved_and_rebuilt_models_agree(tiny: Instance) -> None:
    live = LiveModel(tiny, HighsOptions(mip_rel_gap=0.0, time_limit=20))
    assert live.solve().objective == pytest.approx(HAND_OPTIMUM, abs=1e-6)
    for change in NON_STRUCTURAL:
        instance = changed(tiny, change)
        assert live.switch_to(instance) is None, change
        assert sum(live.last_edits.values()) > 0
        resolved = live.solve(price_envelope=False)
        rebuilt = exact(instance)
        assert resolved.status == rebuilt.status
        assert resolved.objective == pytest.approx(rebuilt.objective, rel=1e-9, abs=1e-6), change


def test_resolved_lp_relaxation_agrees_and_keeps_its_basis(small: Instance) -> None:
    options = HighsOptions(time_limit=20, relax_integrality=True)
    live = LiveModel(small, options)
    live.relaxation()
    for change in ({"envelope": {"scale": 0.7}}, {"targets": {"urban": {2030: 0.99}}},
                   {"region": {"region": "all", "cofinancing_rate": 0.3}}):
        instance = changed(small, change)
        assert live.switch_to(instance) is None
        warm = live.relaxation()
        cold = LiveModel(instance, options).relaxation()
        assert warm.objective == pytest.approx(cold.objective, rel=1e-7)
        assert live.lp.getBasis().valid


@pytest.mark.parametrize(("change", "reason"), [
    ({"lock": {"project": "p3", "force": "out"}}, "project_start columns changed"),
    ({"lock": {"project": "p1", "start_year": 2026}}, "project_start columns changed"),
    ({"targets": {"urban": {2027: 0.8}}}, "shortfall columns changed"),
    ({"region": {"region": "north", "cofinancing_rate": 0.0}}, "nonzero pattern changed"),
    ({"objective": {"mode": "equity"}}, "solved in stages"),
])
def test_structural_changes_rebuild_and_say_why(tiny: Instance, change: dict[str, Any],
                                                reason: str) -> None:
    live = LiveModel(tiny, HighsOptions(mip_rel_gap=0.0))
    said = live.switch_to(changed(tiny, change), rebuild=False)
    assert said is not None and reason in said
    assert live.instance is tiny  # left as it was


def test_whatif_compares_and_writes(tiny: Instance, tmp_path: Path) -> None:
    from optimizer.outputs.whatif_files import write_comparison

    cases = [Case("base", tiny),
             Case("cut", changed(tiny, {"envelope": {"scale": 0.5}}), {"name": "cut"}),
             Case("out", changed(tiny, {"lock": {"project": "p2", "force": "out"}}),
                  {"name": "out"})]
    results = run_cases(cases, mip_rel_gap=0.0)
    assert results["cut"].metadata["resolve"]["model"] == "edited in place"
    assert "project_start" in results["out"].metadata["resolve"]["reason"]
    assert results["out"].metadata["scenario"] == {"name": "out"}
    comparison = compare(results)
    over = comparison.overview.set_index("scenario")
    assert over.loc["base", "objective_change"] == 0
    assert over.loc["out", "projects_dropped"] == 1 and over.loc["out", "projects_added"] == 0
    assert "p2" in set(comparison.projects["project_id"])
    assert set(comparison.national["scenario"]) == {"base", "cut", "out"}
    assert (comparison.money.groupby("scenario")["transfer"].sum()["cut"]
            <= 0.5 * 300 + 1e-6)
    write_comparison(comparison, tmp_path)
    for name in ("overview.csv", "national.csv", "money.csv", "regions.csv", "projects.csv",
                 "comparison.png", "comparison.xlsx"):
        assert (tmp_path / name).is_file(), name
    record = json.loads((tmp_path / "cases" / "out" / "scenario.json").read_text())
    assert record == {"name": "out"}


def test_cli_whatif_and_a_bad_scenario(tmp_path: Path) -> None:
    good = tmp_path / "cut.yaml"
    good.write_text("name: cut\ndescription: half the money\nchanges:\n"
                    "  - envelope: {scale: 0.5}\n")
    run = CliRunner().invoke(app, ["whatif", str(TINY), str(good), "--out", str(tmp_path / "o")])
    assert run.exit_code == 0, run.output
    assert "edited in place" in run.output and "cut" in run.output
    record = json.loads((tmp_path / "o" / "cases" / "cut" / "scenario.json").read_text())
    assert record["changes"][0]["effect"] == "envelope total 300 -> 150 million KZT"
    run = CliRunner().invoke(app, ["solve", str(TINY), "--scenario", str(good), "--out",
                                   str(tmp_path / "s")])
    assert run.exit_code == 0, run.output
    assert json.loads((tmp_path / "s" / "scenario.json").read_text())["name"] == "cut"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nchanges:\n  - lock: {project: p7, force: in}\n")
    run = CliRunner().invoke(app, ["whatif", str(TINY), str(bad), "--out", str(tmp_path / "b")])
    assert run.exit_code == 2
    assert "project 'p7' does not exist" in " ".join(run.output.split())
    run = CliRunner().invoke(app, ["solve", str(TINY), "--scenario", str(bad), "--out",
                                   str(tmp_path / "bad")])
    assert run.exit_code == 2 and f"{bad} line 3, change 1 (lock)" in " ".join(run.output.split())


def test_sweep_is_monotone_and_the_same_as_a_batch(tiny: Instance, tmp_path: Path) -> None:
    from optimizer.distributed.analyses import point_runner
    from optimizer.distributed.runner import InProcess
    from optimizer.outputs.sweep_files import write_curve

    scales = parse_range("0.4:1.6:4")
    curve = sweep(tiny, scales, mip_rel_gap=0.0, time_limit=20)
    points = curve.points
    assert (points["status"] == "optimal").all()
    assert points["shortfall"].is_monotonic_decreasing
    assert points["objective"].is_monotonic_decreasing
    assert points["marginal_persons_per_million"].iloc[1:].ge(0).all()
    # the points as tasks of a batch (here; on Dask workers in test_distributed.py)
    batch = sweep(tiny, scales, run_points=point_runner(InProcess()), mip_rel_gap=0.0,
                  time_limit=20)
    same = ["scale", "envelope", "objective", "shortfall", "served", "funded_projects"]
    assert batch.points[same].equals(points[same])
    assert batch.missing.empty and curve.missing.empty
    written = write_curve(curve, tmp_path)
    assert (tmp_path / "sweep.png") in written
    with pytest.raises(ValueError, match="START:STOP:POINTS"):
        parse_range("0.5-2")


def test_equity_mode_helps_the_worst_region(small: Instance, small_optimum: float) -> None:
    weighted = exact(small)
    assert weighted.objective == pytest.approx(small_optimum)
    equity = exact(changed(small, {"objective": {"mode": "equity"}}))
    assert equity.status == "optimal" and check_plan(
        changed(small, {"objective": {"mode": "equity"}}), equity) == []
    stage = equity.metadata["stages"][0]
    assert stage["stage"] == "worst_relative_shortfall"
    assert worst_relative_shortfall(equity) <= worst_relative_shortfall(weighted) + 1e-9
    assert worst_relative_shortfall(equity) == pytest.approx(stage["value"], rel=1e-3)
    # the weighted objective is what is reported, and equity pays for fairness in it
    assert equity.objective >= weighted.objective - 1e-9 * abs(weighted.objective)
    assert equity.mip_gap is None and "weighted objective" in equity.message


def test_lexicographic_mode_puts_shortfall_first() -> None:
    settings, tables = generate_tables(12, 16, 0)
    mini = instance_from_tables(settings, tables, source="generated 12/16 seed 0")
    weighted = exact(mini)
    lexi = optimizer.solve(changed(mini, {"objective": {"mode": "lexicographic"}}),
                           mip_rel_gap=1e-3)
    assert lexi.has_plan and lexi.objective >= weighted.objective - 1e-9 * abs(lexi.objective)
    stages = {s["stage"]: s for s in lexi.metadata["stages"]}
    assert list(stages) == ["shortfall", "access", "money"]
    terms = lexi.metadata["plan_terms"]
    tol = mini.settings.objective.lexicographic_tolerance
    assert terms["shortfall"] <= stages["shortfall"]["value"] * (1 + tol) + 1e-6
    assert terms["access"] >= -stages["access"]["value"] * (1 - tol) - 1e-6
    assert terms["money"] <= stages["money"]["value"] + 1e-6
    weights = mini.settings.objective.category_weights
    short = weighted.provision.dropna(subset=["shortfall"])
    weighted_short = float((short["category"].map(lambda g: weights.get(g, 1.0))
                            * short["shortfall"]).sum())
    # stage 1 is within its gap (1e-3) of the least shortfall, which the weighted plan cannot beat
    assert terms["shortfall"] <= weighted_short * (1 + 2e-3) + 1e-6


def test_alternatives_are_distinct_and_within_the_bound(small: Instance) -> None:
    found = alternatives(small, within=0.02, count=3, mip_rel_gap=1e-4, time_limit=20)
    z = found.optimum.objective
    assert found.bound == pytest.approx(z + 0.02 * abs(z))
    assert len(found.plans) >= 2
    sets = [frozenset(funded(r).index) for r in [found.optimum, *found.plans]]
    assert len(set(sets)) == len(sets)
    for plan in found.plans:
        assert plan.objective <= found.bound + 1e-6 * abs(z)
        assert check_plan(small, plan) == []
    assert list(found.overview["plan"]) == ["optimum"] + [
        f"alternative {k}" for k in range(1, len(found.plans) + 1)]
    assert (found.overview["differs_from_optimum"].iloc[1:] >= 1).all()
    assert len(found.differences) > 0


def test_alternative_starts_drop_one_project_and_stay_feasible(tiny: Instance) -> None:
    from optimizer.analysis.alternatives import drop_one, least_transfer_plan, start_shares
    from optimizer.formulation import build_formulation
    from optimizer.formulation.index import build_index

    index = build_index(tiny)
    form = build_formulation(index, tiny.settings.objective)
    optimum = exact(tiny)
    x = start_shares(index, optimum)
    # docs/tiny.md: the least-transfer split is the optimal one
    values = least_transfer_plan(index, form, x)
    assert form.columns.cost @ values + form.columns.offset == pytest.approx(HAND_OPTIMUM)
    seen = [frozenset(funded(optimum).index)]
    start = drop_one(index, form, x, seen, bound=0.0)
    assert start is not None
    kept = {str(p) for p in index.project_ids[index.start_project[start[: len(x)] > 0.5]]}
    assert len(seen[0] - kept) == 1 and "p5" in kept  # committed p5 is never dropped
    assert (form.matrix @ start >= form.row_lower - 1e-6).all()
    assert (form.matrix @ start <= form.row_upper + 1e-6).all()
    assert drop_one(index, form, x, seen, bound=HAND_OPTIMUM) is None  # nothing fits
