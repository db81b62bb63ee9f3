"""``srsopt pareto``: growth against shortfall by the epsilon-constraint method (section 15).

Hand-solved: one region, 2026-2028, an envelope of 10 in 2026 only, no co-financing. A village
school (capex 10, 1,000 persons short without it, target 100% by 2028) and a plant (capex 10,
100 million KZT of output a year once operating) may start only in 2026 and take a year, so
the money buys one. Shortfall-optimal: the school (0 short, 0 output added); growth-optimal:
the plant (1,000 short, 2 x 100 = 200 added). Levels 0, 100, 200: the middle one forces the
plant when projects are whole; divisible, it buys half of each (500 short, exactly 100 added:
the row binds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from models.folder import write_folder
from models.instance import Instance, instance_from_tables
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.analysis.pareto import output_added, pareto, with_objective
from optimizer.check.verify import check_plan
from optimizer.cli.app import app

YEARS = [2026, 2027, 2028]
OPTIONS = {"mip_rel_gap": 0.0, "time_limit": 20.0}


def two_projects_tables(divisible: bool = False
                        ) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The case of the module doc as (settings, tables)."""
    settings: dict[str, Any] = {
        "name": "pareto", "years": YEARS, "targets": {"rural": {2028: 1.0}},
        "budget": {"envelope": {2026: 10.0, 2027: 0.0, 2028: 0.0}},
        "objective": {"access_weight": 0.0, "cost_weight": 0.0},
        "solver": {"time_limit": 20.0, "mip_rel_gap": 0.0}}
    project = {"capex": 10.0, "opex": 0.0, "duration": 1, "earliest_start": 2026,
               "latest_start": 2026, "status": "candidate", "divisible": divisible,
               "revenue_effect": 0.0}
    tables = {
        "regions": pd.DataFrame([{"region_id": "r1", "name": "R1", "kind": "oblast",
                                  "cofinancing_rate": 0.0, "grp": 1000.0}]),
        "region_years": pd.DataFrame({"region_id": "r1", "year": YEARS, "fiscal_space": 0.0,
                                      "own_revenue": 100.0, "general_transfer": 100.0}),
        "settlements": pd.DataFrame([
            {"settlement_id": "town", "region_id": "r1", "name": "Town",
             "type": "district_center", "area": "urban", "population": 5000},
            {"settlement_id": "village", "region_id": "r1", "name": "Village",
             "type": "rural_other", "area": "rural", "population": 1000}]),
        "standards": pd.DataFrame([{"standard_id": "school", "name": "School",
                                    "category": "education", "applies_to": "rural_other"}]),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame([
            {"project_id": "plant", "settlement_id": "town", "grp_effect": 100.0} | project,
            {"project_id": "school", "settlement_id": "village", "grp_effect": 0.0} | project,
        ]).astype({"earliest_start": "Int64", "latest_start": "Int64"}),
        "project_effects": pd.DataFrame([{"project_id": "school", "settlement_id": "village",
                                          "standard_id": "school", "level": 1.0}]),
    }
    return settings, tables


def two_projects(divisible: bool = False) -> Instance:
    """The case of the module doc."""
    return instance_from_tables(*two_projects_tables(divisible), source="pareto")


def _funded(result: Any) -> dict[str, float]:
    projects = result.table("projects")
    return dict(zip(projects["project_id"], projects["funded"].round(6), strict=True))


def test_the_curve_has_the_hand_solved_ends_and_the_middle_forces_the_plant() -> None:
    front = pareto(two_projects(), 3, **OPTIONS)
    p = front.points.set_index("point")
    assert p["level"].tolist() == pytest.approx([0.0, 100.0, 200.0])
    assert p["output_added"].tolist() == pytest.approx([0.0, 200.0, 200.0])
    assert p["shortfall"].tolist() == pytest.approx([0.0, 1000.0, 1000.0])
    assert p["objective"].tolist() == pytest.approx([0.0, 1000.0, 1000.0])
    assert p["status"].tolist() == ["optimal"] * 3
    assert (p["gap"] <= 1e-9).all()
    assert _funded(front.results[1]) == {"plant": 0.0, "school": 1.0}
    assert _funded(front.results[2]) == {"plant": 1.0, "school": 0.0}
    assert _funded(front.ends["growth"])["plant"] == 1.0


def test_divisible_projects_meet_the_level_exactly_and_the_verifier_checks_the_row() -> None:
    instance = two_projects(divisible=True)
    front = pareto(instance, 3, **OPTIONS)
    middle = front.points.set_index("point").loc[2]
    assert (middle["output_added"], middle["shortfall"]) == pytest.approx((100.0, 500.0))
    assert _funded(front.results[2]) == pytest.approx({"plant": 0.5, "school": 0.5})
    floored = with_objective(instance, growth_floor=100.0)
    assert check_plan(floored, front.results[2]) == []
    # the shortfall-optimal plan (the school alone) breaks the row the middle point has
    assert check_plan(floored, front.results[1]) == [
        "output added over the horizon 0.000 million KZT is below the growth floor "
        "100.000 million KZT"]


@pytest.mark.parametrize("backend", ["highs", "pyomo"])
def test_both_backends_solve_the_row(backend: str) -> None:
    instance = with_objective(two_projects(divisible=True), growth_floor=150.0)
    result = solve(instance, backend=backend, price_envelope=False, **OPTIONS)
    assert _funded(result) == pytest.approx({"plant": 0.75, "school": 0.25})
    assert result.objective == pytest.approx(750.0)


def _generated_with_growth() -> Instance:
    """A generated instance (2 regions) where every third project adds output: 0.3 x capex a
    year once operating."""
    settings, tables = generate_tables(30, 16, 7, years=range(2026, 2029))
    projects = tables["projects"].copy()
    projects["grp_effect"] = [0.3 * c if k % 3 == 0 else 0.0
                              for k, c in enumerate(projects["capex"])]
    return instance_from_tables(settings, tables | {"projects": projects}, source="generated")


def test_pyomo_agrees_with_the_array_build_on_the_row() -> None:
    instance = _generated_with_growth()
    front = pareto(instance, 3, **OPTIONS)
    low, middle, high = front.points["output_added"].tolist()
    assert low < middle <= high  # the row moves the plan: the middle point adds more
    floored = with_objective(instance,
                             growth_floor=float(front.points.at[1, "level"]))
    got = {b: solve(floored, backend=b, price_envelope=False, **OPTIONS)
           for b in ("highs", "pyomo")}
    assert got["highs"].objective == pytest.approx(got["pyomo"].objective, rel=1e-6)
    assert got["highs"].objective == pytest.approx(front.points.at[1, "objective"], rel=1e-6)
    for result in got.values():
        assert check_plan(floored, result) == []
        assert output_added(instance, result) >= front.points.at[1, "level"] - 1e-6


def test_cli_writes_the_curve_and_each_points_plan(tmp_path: Path) -> None:
    folder = write_folder(*two_projects_tables(), tmp_path / "instance")
    out = tmp_path / "pareto"
    run = CliRunner().invoke(app, ["pareto", str(folder), "--points", "3", "--out", str(out),
                                   "--quiet"])
    assert run.exit_code == 0, run.output
    curve = pd.read_csv(out / "pareto.csv")
    assert curve["shortfall"].tolist() == pytest.approx([0.0, 1000.0, 1000.0])
    assert (out / "pareto.png").stat().st_size > 1000
    assert "<svg" in (out / "pareto.html").read_text(encoding="utf-8")
    starts = pd.read_csv(out / "points" / "point_002" / "starts.csv")
    assert starts["project_id"].tolist() == ["plant"]


@pytest.mark.parametrize("points", ["1", "201", "many"])
def test_cli_refuses_a_bad_points_count_by_name(tmp_path: Path, points: str) -> None:
    folder = write_folder(*two_projects_tables(), tmp_path / "instance")
    run = CliRunner().invoke(app, ["pareto", str(folder), "--points", points, "--out",
                                   str(tmp_path / "out")])
    assert run.exit_code == 2
    assert "--points" in run.output and "Traceback" not in run.output
    assert not (tmp_path / "out").exists()
