"""Small seeded random instances for cross-checking the engine against brute force.

Each seed gives 2 regions, 6 settlements, 2 or 3 standards, at most 7 binary projects and 2 or
3 years. Money is scaled to the projects' cost so that budgets bind. The seed also switches
features on and off so that 15 seeds cover them all: carryover (odd seeds), a positive cost
weight (multiples of 3), a committed project that cannot be co-financed (seeds 3, 8, 13),
committed and excluded projects, start windows, concentration caps below 1, effects in two
settlements, and effect levels below the baseline.
"""

from __future__ import annotations

import random
from typing import Any

import pandas as pd

Row = dict[str, Any]

REGIONS = ("east", "west")
STANDARDS = (
    # standard_id, category, applies_to, min_population
    ("school", "education", "all", None),
    ("clinic", "health", "all", 2000),
    ("water", "engineering", "city_regional;town_district;district_center;rural_support", None),
)
SETTLEMENTS = (
    # suffix, type, area, population choices
    ("town", "town_district", "urban", (10000, 20000, 30000)),
    ("centre", "district_center", "rural", (2000, 3000, 4000)),
    ("village", "rural_other", "rural", (500, 1000, 1500)),
)
LEVELS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)
LATER = 0.5


def _applies(settlement: Row, standard: tuple[str, str, str, int | None]) -> bool:
    _, _, applies_to, min_population = standard
    kind_ok = applies_to == "all" or settlement["type"] in applies_to.split(";")
    return kind_ok and settlement["population"] >= (min_population or 0)


def _projects(rng: random.Random, years: list[int], pairs: list[tuple[Row, tuple]],
              coverage: dict[tuple[str, str], float], count: int) -> tuple[list[Row], list[Row]]:
    """``count`` projects, alternating between the regions, and their effects."""
    projects, effects = [], []
    for i in range(count):
        pid, region = f"p{i + 1}", REGIONS[i % 2]
        local = [(s, k) for s, k in pairs if s["region_id"] == region]
        chosen = rng.sample(local, rng.choice((1, 1, 2)))
        earliest = rng.choice([None, None, *years])
        latest = rng.choice([None, None, *[t for t in years if t >= (earliest or years[0])]])
        projects.append({
            "project_id": pid, "name": "", "settlement_id": chosen[0][0]["settlement_id"],
            "capex": rng.choice((10, 20, 30, 40, 60, 80)), "opex": rng.choice((0, 1, 2, 4)),
            "duration": rng.choice((1, 1, 2)) if len(years) > 1 else 1,
            "earliest_start": earliest, "latest_start": latest,
            "status": rng.choice(("candidate",) * 8 + ("committed", "excluded")),
            "divisible": False,
        })
        for s, k in chosen:
            c0 = coverage.get((s["settlement_id"], k[0]), 0.0)
            level = rng.choice([v for v in (0.6, 0.8, 0.9, 1.0) if v > c0])
            if rng.random() < 0.1:
                level = round(max(0.0, c0 - 0.1), 2)
            effects.append({"project_id": pid, "settlement_id": s["settlement_id"],
                            "standard_id": k[0], "level": level})
    return projects, effects


def build(seed: int) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The settings mapping and the seven tables of random instance ``seed``."""
    rng = random.Random(seed)
    years = list(range(2026, 2026 + rng.choice((2, 3))))
    standards = STANDARDS[: rng.choice((2, 3))]
    unfundable = seed % 5 == 3
    carryover = seed % 2 == 1
    settlements = [
        {"settlement_id": f"{r}_{suffix}", "region_id": r, "name": f"{r} {suffix}", "type": kind,
         "area": area, "population": rng.choice(pops)}
        for r in REGIONS for suffix, kind, area, pops in SETTLEMENTS
    ]
    pairs = [(s, k) for s in settlements for k in standards if _applies(s, k)]
    coverage = {(s["settlement_id"], k[0]): rng.choice(LEVELS) for s, k in pairs
                if rng.random() < 0.8}
    projects, effects = _projects(rng, years, pairs, coverage, rng.randint(4, 7))
    demand = {r: sum(p["capex"] for p in projects if p["settlement_id"].startswith(r)
                     and p["status"] != "excluded") for r in REGIONS}
    regions = [{"region_id": r, "name": r.title(), "kind": "oblast",
                "cofinancing_rate": rng.choice((0.0, 0.1, 0.2, 0.3)),
                "max_envelope_share": rng.choice((1.0, 1.0, 0.6, 0.8))} for r in REGIONS]
    region_years = [
        {"region_id": r, "year": t,
         "fiscal_space": max(5, 5 * round(demand[r] * rng.choice((0.2, 0.3, 0.5)) / len(years) / 5))}
        for r in REGIONS for t in years]
    shares = [rng.choice((0.3, 0.5, 0.7)) for _ in years]
    if carryover:  # most of the money comes first, so that saving it for later can pay
        shares = [max(shares), *(share * LATER for share in shares[1:])]
    envelope = [max(10, 10 * round(sum(demand.values()) * share / len(years) / 10))
                 for share in shares]
    if unfundable:
        # West must co-finance 30% of a committed 100 in one year but has at most 25 a year.
        regions[1]["cofinancing_rate"] = 0.3
        for row in region_years[len(years):]:
            row["fiscal_space"] = min(row["fiscal_space"], 25)
        projects.append({
            "project_id": "big", "name": "committed, too dear to co-finance",
            "settlement_id": "west_town", "capex": 100, "opex": 0, "duration": 1,
            "earliest_start": None, "latest_start": None, "status": "committed",
            "divisible": False})
        effects.append({"project_id": "big", "settlement_id": "west_town",
                        "standard_id": "school", "level": 1.0})
    settings = {
        "name": f"random-{seed}",
        "years": years,
        "targets": {"urban": {years[-1]: rng.choice((0.8, 0.9, 0.95))},
                    "rural": {t: rng.choice((0.5, 0.6, 0.7)) for t in years[-2:]}},
        "budget": {"envelope": dict(zip(years, envelope, strict=True)), "carryover": carryover},
        "objective": {"mode": "weighted",
                      "category_weights": {k[1]: rng.choice((1.0, 2.0)) for k in standards},
                      "access_weight": rng.choice((0.01, 0.03)),
                      "cost_weight": rng.choice((0.01, 0.1)) if seed % 3 == 0 else 0.0},
        "solver": {"time_limit": 30, "mip_rel_gap": 0.0},
    }
    tables = {
        "regions": pd.DataFrame(regions),
        "region_years": pd.DataFrame(region_years),
        "settlements": pd.DataFrame(settlements),
        "standards": pd.DataFrame(
            [{"standard_id": k, "name": k.title(), "category": g, "applies_to": a,
              "min_population": m} for k, g, a, m in standards]),
        "coverage": pd.DataFrame(
            [{"settlement_id": s, "standard_id": k, "level": v} for (s, k), v in coverage.items()],
            columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame(projects).astype(
            {"earliest_start": "Int64", "latest_start": "Int64"}),
        "project_effects": pd.DataFrame(effects),
    }
    return settings, tables
