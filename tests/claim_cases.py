"""Small instances whose optimum is known, for the claim checks (``test_claims``,
``test_mip_start``).

``textbook_tables``: Hillier and Lieberman's "California Manufacturing" (Introduction to
Operations Research, 9th ed., §12.1) without its two rules: four indivisible projects of capex
6, 3, 5 and 2 under an envelope of 10, serving 9,000, 5,000, 6,000 and 4,000 persons; the
optimum funds the last three (shortfall 9,000). HiGHS 1.16 returned the heuristic's start
(15,000) as "optimal" with a bound of 9,000 (docs/performance.md, "HiGHS 1.16 and MIP starts").

``explain_tables``: an infeasible instance whose elastic start HiGHS 1.16 returned as the
smallest relaxation (27.006 for 3.003) even with the zero cost singleton rule off: the
explanation named the 2026 envelope instead of 3.0 million KZT of fiscal space in 2027.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

CAPEX = (6.0, 3.0, 5.0, 2.0)
PERSONS = (9000, 5000, 6000, 4000)
OPTIMUM, FUNDED = 9000.0, ["p2", "p3", "p4"]
WRONG_START = [0.0, 1.0, 0.0, 1.0, 5.0, 0.0, 15.0]
"""Projects 2 and 4 (capex 5, 9,000 persons served): the plan HiGHS 1.16 returned."""

Tables = tuple[dict[str, Any], dict[str, pd.DataFrame]]


def textbook_tables(mode: str = "weighted") -> Tables:
    """The textbook case: one rural region, co-financing 0, fiscal space 0, one year."""
    ids = [f"p{k}" for k in range(1, 5)]
    places = [f"s{k}" for k in range(1, 5)]
    settings = {
        "name": "california", "years": [2026], "targets": {"rural": {2026: 1.0}},
        "budget": {"envelope": {2026: 10.0}, "carryover": False},
        "objective": {"mode": mode, "category_weights": {"education": 1.0},
                      "access_weight": 0.0, "cost_weight": 0.0},
        "solver": {"time_limit": 10.0, "mip_rel_gap": 0.0},
    }
    tables = {
        "regions": pd.DataFrame({"region_id": ["r"], "name": ["R"], "kind": ["oblast"],
                                 "cofinancing_rate": [0.0], "max_envelope_share": [1.0]}),
        "region_years": pd.DataFrame({"region_id": ["r"], "year": [2026],
                                      "fiscal_space": [0.0]}),
        "settlements": pd.DataFrame({"settlement_id": places, "region_id": "r", "name": places,
                                     "type": "rural_other", "area": "rural",
                                     "population": list(PERSONS)}),
        "standards": pd.DataFrame({"standard_id": ["school"], "name": ["School"],
                                   "category": ["education"], "applies_to": ["all"],
                                   "min_population": [0]}),
        "coverage": pd.DataFrame({"settlement_id": places, "standard_id": "school",
                                  "level": 0.0}),
        "projects": pd.DataFrame({
            "project_id": ids, "name": ["factory LA", "factory SF", "warehouse LA",
                                        "warehouse SF"],
            "settlement_id": places, "capex": list(CAPEX), "opex": 0.0, "duration": 1,
            "earliest_start": pd.array([None] * 4, dtype="Int64"),
            "latest_start": pd.array([None] * 4, dtype="Int64"),
            "status": "candidate", "divisible": False}),
        "project_effects": pd.DataFrame({"project_id": ids, "settlement_id": places,
                                         "standard_id": "school", "level": 1.0}),
    }
    return settings, tables


def explain_tables() -> Tables:
    """East (a city, co-financing 30%, fiscal space 0) must build committed p1 (capex 20)."""
    years = [2026, 2027]
    settings = {
        "name": "explain-case", "years": years,
        "targets": {"urban": {2027: 0.5}, "rural": {2027: 0.9}},
        "budget": {"envelope": {2026: 0.0, 2027: 40.0}, "carryover": True},
        "objective": {"mode": "weighted", "category_weights": {"education": 1.0, "health": 2.0},
                      "access_weight": 0.0, "cost_weight": 0.01},
        "solver": {"time_limit": 20, "mip_rel_gap": 0.0},
    }
    places = ["east_town", "east_centre"]
    tables = {
        "regions": pd.DataFrame({"region_id": ["east"], "name": ["East"], "kind": ["city"],
                                 "cofinancing_rate": [0.3], "max_envelope_share": [0.5]}),
        "region_years": pd.DataFrame({"region_id": "east", "year": years,
                                      "fiscal_space": 0.0}),
        "settlements": pd.DataFrame({"settlement_id": places, "region_id": "east",
                                     "name": ["town", "centre"],
                                     "type": ["town_district", "district_center"],
                                     "area": ["urban", "rural"], "population": [10000, 4000]}),
        "standards": pd.DataFrame({"standard_id": ["school", "clinic"],
                                   "name": ["School", "Clinic"],
                                   "category": ["education", "health"], "applies_to": "all",
                                   "min_population": [None, 2000]}),
        "coverage": pd.DataFrame({"settlement_id": [p for p in places for _ in range(2)],
                                  "standard_id": ["school", "clinic"] * 2,
                                  "level": [0.0, 0.6, 0.0, 0.6]}),
        "projects": pd.DataFrame({
            "project_id": ["p1", "p2"], "name": "", "settlement_id": "east_town",
            "capex": [20.0, 5.0], "opex": 0.0, "duration": [2, 1],
            "earliest_start": pd.array([None, None], dtype="Int64"),
            "latest_start": pd.array([None, None], dtype="Int64"),
            "status": ["committed", "candidate"], "divisible": [True, False]}),
        "project_effects": pd.DataFrame({"project_id": ["p1", "p2"],
                                         "settlement_id": "east_town",
                                         "standard_id": ["school", "clinic"],
                                         "level": 0.8}),
    }
    return settings, tables


def unfinishable_tables() -> Tables:
    """Committed p1 cannot be paid (co-financing 100%, no fiscal space for it or its opex) and
    the last project, p2, cannot finish within the horizon: it has no start column at all."""
    settings, tables = textbook_tables()
    settings = settings | {"name": "unfinishable", "years": [2026, 2027],
                           "targets": {"rural": {2027: 1.0}},
                           "budget": {"envelope": {2026: 10.0, 2027: 10.0}, "carryover": False}}
    tables["regions"]["cofinancing_rate"] = 1.0
    tables["region_years"] = pd.DataFrame({"region_id": "r", "year": [2026, 2027],
                                           "fiscal_space": [40.0, 0.0]})
    projects = tables["projects"].iloc[:2].copy()
    projects["status"] = ["committed", "candidate"]
    projects["opex"] = [1.0, 0.0]
    projects["duration"] = [1, 2]
    projects["earliest_start"] = pd.array([None, 2027], dtype="Int64")
    tables["projects"] = projects
    tables["project_effects"] = tables["project_effects"].iloc[:2].copy()
    return settings, tables
