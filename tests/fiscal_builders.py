"""Small instances for the fiscal-rule and explanation tests, each readable by hand.

One standard ``school`` (or a second, ``water``, that applies to ``rural_other`` settlements
only), settlements of 1,000 persons unless given, projects of duration 1 with effect level 1 on
a pair with baseline 0, and no targets: a project's value is then the access term alone,
``access_weight * persons * years complete / |T|`` (docs/formulation.md section 5).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from models.instance import Instance, instance_from_tables

STANDARDS = pd.DataFrame({
    "standard_id": ["school", "water"], "name": ["School", "Water"],
    "category": ["education", "engineering"], "applies_to": ["all", "rural_other"],
    "min_population": [0, 0]})


def small(projects: list[dict[str, Any]], *, years: tuple[int, ...] = (2026,),
          regions: dict[str, dict[str, Any]] | None = None,
          settlements: dict[str, dict[str, Any]] | None = None,
          envelope: float | dict[int, float] = 1000.0, rules: dict[str, Any] | None = None,
          access_weight: float = 1.0, carryover: bool = False) -> Instance:
    """A validated instance; ``regions`` maps an id to overrides of its region-year data.

    Region defaults: co-financing rate 0.1, envelope share 1, fiscal space 100, own revenue
    100, general transfer 50 (a number, or a per-year dict). Settlement defaults: region ``r1``,
    rural district centre of 1,000 persons. Project defaults: capex 10, opex 0, duration 1,
    candidate, one effect of level 1 on ``school`` in its settlement.
    """
    regions = regions or {"r1": {}}
    settlements = settlements or {"s1": {}}

    def by_year(value: Any, year: int) -> float:
        return value[year] if isinstance(value, dict) else value

    region_rows, year_rows = [], []
    for rid, spec in regions.items():
        region_rows.append({"region_id": rid, "name": rid.upper(), "kind": "oblast",
                            "cofinancing_rate": spec.get("alpha", 0.1),
                            "max_envelope_share": spec.get("sigma", 1.0),
                            "dependency_cap": spec.get("dependency_cap")})
        year_rows += [{"region_id": rid, "year": y,
                       "fiscal_space": by_year(spec.get("fiscal", 100.0), y),
                       "own_revenue": by_year(spec.get("own", 100.0), y),
                       "general_transfer": by_year(spec.get("general", 50.0), y)}
                      for y in years]
    places = [{"settlement_id": sid, "region_id": "r1", "name": sid, "type": "district_center",
               "area": "rural", "population": 1000} | spec for sid, spec in settlements.items()]
    rows, effects = [], []
    for p in projects:
        p = {"settlement_id": "s1", "capex": 10.0, "opex": 0.0, "duration": 1,
             "earliest_start": None, "latest_start": None, "status": "candidate",
             "divisible": False, "standard": "school"} | p
        effects.append({"project_id": p["project_id"], "settlement_id": p["settlement_id"],
                        "standard_id": p.pop("standard"), "level": 1.0})
        rows.append(p | {"name": p["project_id"]})
    settings = {"name": "fiscal-test", "years": list(years),
                "budget": {"envelope": envelope if isinstance(envelope, dict)
                           else dict.fromkeys(years, envelope), "carryover": carryover},
                "objective": {"access_weight": access_weight, "cost_weight": 0.0},
                "solver": {"time_limit": 20.0, "mip_rel_gap": 0.0},
                "fiscal_rules": rules or {}}
    tables = {
        "regions": pd.DataFrame(region_rows), "region_years": pd.DataFrame(year_rows),
        "settlements": pd.DataFrame(places), "standards": STANDARDS.copy(),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame(rows).astype({"earliest_start": "Int64",
                                               "latest_start": "Int64"}),
        "project_effects": pd.DataFrame(effects),
    }
    return instance_from_tables(settings, tables, source="fiscal-test")


def funded(result: Any) -> set[str]:
    """Ids of the projects a plan funds."""
    projects = result.projects
    return set(projects.loc[projects["funded"] > 0.5, "project_id"])


def starts(result: Any) -> dict[str, int]:
    """Start year of each funded project."""
    return dict(zip(result.starts["project_id"], result.starts["start_year"].astype(int),
                    strict=True))
