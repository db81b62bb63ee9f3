"""Hand-solvable instances with territorial designations (docs/formulation.md, section 13).

One region, one year, school targets of 100% for rural residents; no co-financing, no access
or cost weight, so the objective is the weighted shortfall alone. A district town of 3,000
persons and a border village of 2,000 (also a monotown when asked), no school in either; a
school for each costs 10 and the envelope is 10: one of them is built.

By hand: unweighted, one group of 5,000 persons; the town's school leaves 2,000 short, the
village's 3,000, so the town's is built (objective 2,000). With ``border`` weighted ``w`` the
village's 2,000 residents form a group of their own weighing ``w``: the town's school leaves
``2,000 w``, the village's ``3,000``; ``w = 2`` builds the village's (3,000), ``w = 1.4`` still
the town's (2,800).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

Tables = tuple[dict[str, Any], dict[str, pd.DataFrame]]


def designation_tables(weights: dict[str, float] | None = None,
                       floors: dict[str, dict[str, Any]] | None = None,
                       envelope: float = 10.0, monotown: bool = False,
                       astana_town: bool = False) -> Tables:
    """The case above; ``astana_town`` adds a town of the Astana agglomeration no project
    serves (3,000 persons)."""
    settlements = [
        {"settlement_id": "town", "type": "district_center", "population": 3000,
         "monotown": False, "border": False, "agglomeration": ""},
        {"settlement_id": "village", "type": "rural_other", "population": 2000,
         "monotown": monotown, "border": True, "agglomeration": ""}]
    if astana_town:
        settlements.append({"settlement_id": "kosshy", "type": "district_center",
                            "population": 3000, "monotown": False, "border": False,
                            "agglomeration": "astana"})
    settings = {
        "name": "designations", "years": [2026], "targets": {"rural": {2026: 1.0}},
        "budget": {"envelope": {2026: envelope}},
        "objective": {"access_weight": 0.0, "cost_weight": 0.0,
                      "designation_weights": weights or {}},
        "solver": {"time_limit": 20.0, "mip_rel_gap": 0.0},
        "fiscal_rules": {"critical_floors": floors or {}},
    }
    tables = {
        "regions": pd.DataFrame([{"region_id": "r1", "name": "R1", "kind": "oblast",
                                  "cofinancing_rate": 0.0}]),
        "region_years": pd.DataFrame([{"region_id": "r1", "year": 2026, "fiscal_space": 0.0}]),
        "settlements": pd.DataFrame([s | {"region_id": "r1", "name": s["settlement_id"],
                                          "area": "rural"} for s in settlements]),
        "standards": pd.DataFrame([{"standard_id": "school", "name": "School",
                                    "category": "education", "applies_to": "all"}]),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame([
            {"project_id": f"school_{s}", "settlement_id": s, "capex": 10.0, "opex": 0.0,
             "duration": 1} for s in ("town", "village")]),
        "project_effects": pd.DataFrame([
            {"project_id": f"school_{s}", "settlement_id": s, "standard_id": "school",
             "level": 1.0} for s in ("town", "village")]),
    }
    return settings, tables
