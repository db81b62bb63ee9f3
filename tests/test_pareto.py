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

from typing import Any

import pandas as pd
import pytest

from models.instance import Instance, instance_from_tables
from optimizer import solve
from optimizer.analysis.pareto import pareto, with_objective
from optimizer.check.verify import check_plan

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
