"""Growth projects: a revenue effect adds to fiscal space, output added is valued (section 14).

Hand-solved: one region, 2026-2028, co-financing 50%, fiscal space 5 in 2026 and 0 after, an
envelope of 5 a year. A plant (capex 10, built in 2026) earns 6 of own revenue a year from
2027 and adds 100 of output a year; a village school (capex 10, 1,000 persons, target 100% by
2028) may start no earlier than 2027 and needs 5 of co-financing in its start year. Only the
plant's revenue pays that co-financing: with it both are built and no one is short; without
it the school cannot be afforded and 1,000 persons stay short. ``growth_weight`` 0.01 values
the plant's 2 x 100 of output at 2 objective units.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer import solve
from optimizer.check.verify import check_plan
from optimizer.outputs import people_tables as people

BACKENDS = ("highs", "pyomo")
OPTIONS = {"mip_rel_gap": 0.0, "time_limit": 20.0, "price_envelope": False}
YEARS = [2026, 2027, 2028]


def _instance(revenue: float = 6.0, growth_weight: float = 0.0,
              school: str = "candidate", cap: float | None = None) -> Instance:
    """The case of the module doc; ``cap``: a transfer-dependency cap on the region (own
    revenue and general transfer 100 each), with fiscal space 10 in 2026."""
    settings: dict[str, Any] = {
        "name": "growth", "years": YEARS, "targets": {"rural": {2028: 1.0}},
        "budget": {"envelope": dict.fromkeys(YEARS, 5.0)},
        "objective": {"access_weight": 0.0, "cost_weight": 0.0,
                      "growth_weight": growth_weight},
        "solver": {"time_limit": 20.0, "mip_rel_gap": 0.0}}
    tables = {
        "regions": pd.DataFrame([{"region_id": "r1", "name": "R1", "kind": "oblast",
                                  "cofinancing_rate": 0.5, "grp": 1000.0,
                                  "dependency_cap": cap}]),
        "region_years": pd.DataFrame({"region_id": "r1", "year": YEARS,
                                      "fiscal_space": [5.0 if cap is None else 10.0, 0.0, 0.0],
                                      "own_revenue": 100.0, "general_transfer": 100.0}),
        "settlements": pd.DataFrame([
            {"settlement_id": "town", "region_id": "r1", "name": "Town", "type": "district_center",
             "area": "urban", "population": 5000},
            {"settlement_id": "village", "region_id": "r1", "name": "Village",
             "type": "rural_other", "area": "rural", "population": 1000}]),
        "standards": pd.DataFrame([{"standard_id": "school", "name": "School",
                                    "category": "education", "applies_to": "rural_other"}]),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame([
            {"project_id": "plant", "settlement_id": "town", "capex": 10.0, "opex": 0.0,
             "duration": 1, "earliest_start": 2026, "latest_start": 2026, "status": "candidate",
             "grp_effect": 100.0, "revenue_effect": revenue},
            {"project_id": "school", "settlement_id": "village", "capex": 10.0, "opex": 0.0,
             "duration": 1, "earliest_start": 2027, "latest_start": None, "status": school,
             "grp_effect": 0.0, "revenue_effect": 0.0}]).astype(
            {"earliest_start": "Int64", "latest_start": "Int64"}),
        "project_effects": pd.DataFrame([{"project_id": "school", "settlement_id": "village",
                                          "standard_id": "school", "level": 1.0}]),
    }
    return instance_from_tables(settings, tables, source="growth")


def _funded(result: Result) -> list[str]:
    projects = result.table("projects")
    return sorted(projects.loc[projects["funded"] > 0.5, "project_id"])


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_plants_revenue_pays_for_the_later_school(backend: str) -> None:
    instance = _instance(growth_weight=0.01)
    result = solve(instance, backend=backend, **OPTIONS)
    assert result.status == SolveStatus.OPTIMAL
    assert _funded(result) == ["plant", "school"]
    assert result.objective == pytest.approx(-0.01 * 2 * 100.0)  # none short, 200 of output
    assert check_plan(instance, result) == []
    money = result.table("region_years").set_index("year")
    assert money["revenue_added"].tolist() == pytest.approx([0.0, 6.0, 6.0])
    assert money["grp_added"].tolist() == pytest.approx([0.0, 100.0, 100.0])
    assert money["grp_added_share"].tolist() == pytest.approx([0.0, 0.1, 0.1])  # of 1,000
    region = people.per_region(result, people.Names()).set_index("region_id").loc["r1"]
    assert (region["grp_added"], region["grp_added_share"]) == pytest.approx((200.0, 0.1))
    school_year = int(result.table("starts").set_index("project_id").at["school",
                                                                         "start_year"])
    # its co-financing (at least 5) is paid from the revenue (6): the fiscal space there is 0
    assert 5.0 - 1e-9 <= money.at[school_year, "cofinancing"] <= 6.0 + 1e-9
    # the same plan breaks fiscal space once the revenue effect is gone
    assert f"fiscal space exceeded in r1 {school_year}" in check_plan(_instance(revenue=0.0),
                                                                      result)


@pytest.mark.parametrize("backend", BACKENDS)
def test_without_the_revenue_effect_the_school_is_not_affordable(backend: str) -> None:
    result = solve(_instance(revenue=0.0, growth_weight=0.01), backend=backend, **OPTIONS)
    assert _funded(result) == ["plant"]  # built for its output alone
    assert result.objective == pytest.approx(1000.0 - 2.0)


def test_without_a_growth_weight_output_is_worth_nothing() -> None:
    result = solve(_instance(revenue=0.0), **OPTIONS)
    assert "school" not in _funded(result)
    assert result.objective == pytest.approx(1000.0)


def test_a_committed_school_the_revenue_pays_for_is_not_refused_before_the_solve() -> None:
    """The pre-solve checks count the most revenue growth projects can add to fiscal space:
    with it the committed school is feasible (the plant is then built); without it, not."""
    result = solve(_instance(school="committed"), **OPTIONS)
    assert result.status == SolveStatus.OPTIMAL and _funded(result) == ["plant", "school"]
    refused = solve(_instance(revenue=0.0, school="committed"), **OPTIONS)
    assert refused.status == SolveStatus.INFEASIBLE


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_revenue_added_lowers_transfer_dependency_under_the_cap(backend: str) -> None:
    """Cap 50% with own revenue and general transfer 100 each: no targeted transfer is allowed
    (0.5 x 200 - 100 = 0) unless own revenue grows. The plant (fully co-financed from fiscal
    space 10) adds 6 from 2027, which allows 6 of transfer; the school needs at least 4."""
    instance = _instance(cap=0.5)
    result = solve(instance, backend=backend, **OPTIONS)
    assert _funded(result) == ["plant", "school"]
    assert check_plan(instance, result) == []
    money = result.table("region_years").set_index("year")
    assert money.at[2026, "transfer"] == pytest.approx(0.0)
    tau = money["transfer"].max()
    assert 4.0 - 1e-9 <= tau <= 6.0 + 1e-9
    after = money.loc[money["transfer"] > 0, "dependency_after"].iloc[0]
    assert after == pytest.approx((100.0 + tau) / (100.0 + 6.0 + 100.0 + tau)) and after <= 0.5
    year = int(money.index[money["transfer"] > 0][0])
    assert money.at[year, "slack_dependency_cap"] == pytest.approx(6.0 - tau)  # 0.5 x 6 / 0.5
    assert money.at[year, "slack_fiscal_space"] >= -1e-9
    # without the revenue, no transfer is allowed and the school is not built
    assert "school" not in _funded(solve(_instance(cap=0.5, revenue=0.0), backend=backend,
                                         **OPTIONS))


def test_a_committed_school_under_the_cap_is_not_refused_before_the_solve() -> None:
    """The pre-solve checks' largest transfer under the cap counts the revenue that can be
    added (6 here): the committed school's transfer of at least 4 then fits."""
    result = solve(_instance(cap=0.5, school="committed"), **OPTIONS)
    assert result.status == SolveStatus.OPTIMAL and _funded(result) == ["plant", "school"]
