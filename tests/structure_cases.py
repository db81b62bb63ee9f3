"""Published capital-budgeting problems as srsopt instances, for the project-structure tests.

- OR-Library ``mknap1`` (Petersen's R&D capital budgeting, seven problems): ``max sum p_j x_j``
  s.t. ``sum_j r_ij x_j <= b_i``. Mapped as docs/formulation.md section 12 describes: one
  region, one rural settlement per project with ``10 * p_j`` persons, target 1.0 in the last
  year, year ``i``'s envelope ``b_i``, project ``j`` built over all ``m`` years from the first
  with ``project_spend`` shares ``r_ij / sum_i r_ij`` (so it spends ``r_ij`` in year ``i``), no
  co-financing, access and cost weights 0. The minimum shortfall is then
  ``10 * (sum_j p_j - optimum)`` persons.
- Hillier and Lieberman's California Manufacturing: four projects, capital 10, "at most one
  warehouse" (a ``group``) and "a warehouse only with the factory of its city"
  (``project_requires``); NPV as persons (x 1,000): optimum NPV 14 (both factories), while 15
  (the SF factory and both warehouses) is what the rules forbid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
"""Copies of ``shared/data/external/`` (each folder says where its file comes from)."""
MKNAP1 = DATA / "orlib_mknap1" / "mknap1.txt"
CALIFORNIA = DATA / "hillier_california_mfg" / "case.json"
Tables = tuple[dict[str, Any], dict[str, pd.DataFrame]]


@dataclass(frozen=True)
class Knapsack:
    """One multidimensional knapsack problem of OR-Library's mknapinfo format."""

    profit: list[float]
    weight: list[list[float]]
    """``r[i][j]``: row ``i`` (a budget), project ``j``."""
    capacity: list[float]
    optimum: float
    """The published optimum."""

    @property
    def shortfall(self) -> float:
        """The minimum shortfall of its srsopt instance: ``10 * (sum p - optimum)`` persons."""
        return 10.0 * (sum(self.profit) - self.optimum)


def read_mknap(path: Path = MKNAP1) -> list[Knapsack]:
    """Every problem of a mknapinfo file: K; then n m optimum; p; r (m rows); b."""
    tokens = iter(path.read_text().split())
    out = []
    for _ in range(int(next(tokens))):
        n, m, optimum = int(next(tokens)), int(next(tokens)), float(next(tokens))
        profit = [float(next(tokens)) for _ in range(n)]
        weight = [[float(next(tokens)) for _ in range(n)] for _ in range(m)]
        capacity = [float(next(tokens)) for _ in range(m)]
        out.append(Knapsack(profit, weight, capacity, optimum))
    return out


def _one_region(years: list[int], envelope: list[float], populations: list[float],
                ids: list[str]) -> Tables:
    """One region without co-financing, one rural settlement per project, target 1.0."""
    settings = {"name": "capital-budgeting", "years": years,
                "targets": {"rural": {years[-1]: 1.0}},
                "budget": {"envelope": dict(zip(years, envelope, strict=True))},
                "objective": {"access_weight": 0.0, "cost_weight": 0.0},
                "solver": {"time_limit": 30, "mip_rel_gap": 0.0}}
    tables = {
        "regions": pd.DataFrame([{"region_id": "r", "name": "Region", "kind": "oblast",
                                  "cofinancing_rate": 0.0}]),
        "region_years": pd.DataFrame([{"region_id": "r", "year": t, "fiscal_space": 0.0}
                                      for t in years]),
        "settlements": pd.DataFrame([{"settlement_id": f"s_{p}", "region_id": "r",
                                      "name": p, "type": "rural_other", "area": "rural",
                                      "population": pop} for p, pop in zip(ids, populations,
                                                                           strict=True)]),
        "standards": pd.DataFrame([{"standard_id": "value", "name": "Value",
                                    "category": "value", "applies_to": "all"}]),
        "coverage": pd.DataFrame(columns=["settlement_id", "standard_id", "level"]),
        "project_effects": pd.DataFrame([{"project_id": p, "settlement_id": f"s_{p}",
                                          "standard_id": "value", "level": 1.0} for p in ids]),
    }
    return settings, tables


def mknap_tables(problem: Knapsack) -> Tables:
    """The srsopt instance of one mknap1 problem (module doc)."""
    n, m = len(problem.profit), len(problem.capacity)
    years = list(range(2026, 2026 + m))
    ids = [f"p{j + 1}" for j in range(n)]
    total = [sum(problem.weight[i][j] for i in range(m)) for j in range(n)]
    settings, tables = _one_region(years, problem.capacity,
                                   [round(10 * p, 6) for p in problem.profit], ids)
    tables["projects"] = pd.DataFrame([
        {"project_id": ids[j], "settlement_id": f"s_{ids[j]}", "capex": total[j], "opex": 0.0,
         "duration": m, "earliest_start": years[0], "latest_start": years[0]}
        for j in range(n)])
    tables["project_spend"] = pd.DataFrame([
        {"project_id": ids[j], "construction_year": i + 1,
         "share": problem.weight[i][j] / total[j]}
        for j in range(n) for i in range(m) if problem.weight[i][j] > 0])
    return settings, tables


def california() -> dict[str, Any]:
    """The published case (``case.json``)."""
    data: dict[str, Any] = json.loads(CALIFORNIA.read_text())
    return data


def california_tables(rules: bool = True, capital: float | None = None,
                      years: int = 1) -> Tables:
    """California Manufacturing as an instance; ``rules=False`` drops the group and the
    requirements (the plan of NPV 15 is then the best). ``years``: a horizon from 2026 with
    the same capital each year (the golden LP file of ``prerequisite`` has several)."""
    case = california()
    projects = case["projects"]
    ids = [p["name"] for p in projects]
    settings, tables = _one_region(list(range(2026, 2026 + years)),
                                   [capital or case["capital_available"]] * years,
                                   [1000.0 * p["npv"] for p in projects], ids)
    tables["projects"] = pd.DataFrame([
        {"project_id": p["name"], "settlement_id": f"s_{p['name']}", "capex": p["capital"],
         "opex": 0.0, "duration": 1,
         "group": "warehouse" if rules and p["name"].startswith("warehouse") else ""}
        for p in projects])
    if rules:
        tables["project_requires"] = pd.DataFrame(
            {"project_id": ["warehouse_LA", "warehouse_SF"],
             "requires": ["factory_LA", "factory_SF"]})
    return settings, tables
