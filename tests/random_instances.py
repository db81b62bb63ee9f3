"""Small seeded random instances for cross-checking the engine against brute force.

Each seed gives 2 regions, 6 settlements, 2 or 3 standards, at most 7 binary projects and 2 or
3 years. The seed switches features on so that seeds 0-14 cover them all:

- carryover (odd seeds), with a large first-year envelope and half the projects held back a year;
- two rival projects that compete for the second year's envelope (odd seeds and multiples of 4);
- a positive cost weight (multiples of 3);
- a committed project that cannot be co-financed (seeds 3, 8, 13), so no plan is feasible.

Random draws add committed and excluded projects, start windows, concentration caps below 1,
effects in two settlements or on one pair from two projects, and effect levels below baseline.
Mutating ``reference_bruteforce`` (dropping the envelope, carryover, co-financing, opex, the
clip at baseline, the cap at 1, ...) changes the optimum of at least one of these instances.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
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
ENVELOPES = (40, 60, 80, 100)
FISCAL_SPACES = (10, 20, 30)
COFINANCING_RATES = (0.0, 0.1, 0.2, 0.3)
WINDOW = 0.3
CLIPPED = 0.2
STATUSES = ("candidate",) * 6 + ("committed", "excluded", "excluded")


def _applies(settlement: Row, standard: tuple[str, str, str, int | None]) -> bool:
    _, _, applies_to, min_population = standard
    kind_ok = applies_to == "all" or settlement["type"] in applies_to.split(";")
    return kind_ok and settlement["population"] >= (min_population or 0)


def _projects(rng: random.Random, years: list[int], pairs: list[tuple[Row, tuple]],
              coverage: dict[tuple[str, str], float], count: int, late: float
              ) -> tuple[list[Row], list[Row]]:
    """``count`` projects, alternating between the regions, and their effects.

    A share ``late`` of them cannot start in the first year.
    """
    projects, effects = [], []
    for i in range(count):
        pid, region = f"p{i + 1}", REGIONS[i % 2]
        local = [(s, k) for s, k in pairs if s["region_id"] == region]
        chosen = rng.sample(local, rng.choice((1, 1, 2)))
        earliest = years[1] if rng.random() < late else None
        if rng.random() < WINDOW:
            earliest = rng.choice(years)
        latest = rng.choice([t for t in years if t >= (earliest or years[0])])
        latest = latest if rng.random() < WINDOW else None
        projects.append({
            "project_id": pid, "name": "", "settlement_id": chosen[0][0]["settlement_id"],
            "capex": rng.choice((10, 20, 30, 40, 60, 80)), "opex": rng.choice((0, 1, 2, 4)),
            "duration": rng.choice((1, 1, 2)) if len(years) > 1 else 1,
            "earliest_start": earliest, "latest_start": latest,
            "status": rng.choice(STATUSES),
            "divisible": False,
        })
        for s, k in chosen:
            c0 = coverage.get((s["settlement_id"], k[0]), 0.0)
            level = rng.choice([v for v in (0.6, 0.8, 0.9, 1.0) if v > c0])
            if rng.random() < CLIPPED:
                level = round(max(0.0, c0 - 0.1), 2)
            effects.append({"project_id": pid, "settlement_id": s["settlement_id"],
                            "standard_id": k[0], "level": level})
    return projects, effects


def _plant_rivals(years: list[int], projects: list[Row], effects: list[Row],
                  region_years: list[Row]) -> None:
    """One project per region that can only start in the second year and needs a transfer of
    35 there, so that the regions compete for that year's envelope."""
    for r in REGIONS:
        projects.append({
            "project_id": f"rival_{r}", "name": "rival for the second year's envelope",
            "settlement_id": f"{r}_town", "capex": 50, "opex": 0, "duration": 1,
            "earliest_start": years[1], "latest_start": years[1], "status": "candidate",
            "divisible": False})
        effects.append({"project_id": f"rival_{r}", "settlement_id": f"{r}_town",
                        "standard_id": "school", "level": 1.0})
    for row in region_years:
        if row["year"] == years[1]:
            row["fiscal_space"] = 15


def _plant_unfundable(regions: list[Row], region_years: list[Row], projects: list[Row],
                      effects: list[Row]) -> None:
    """A committed project in the west that needs 30 of co-financing; the west has <= 25."""
    regions[1]["cofinancing_rate"] = 0.3
    for row in region_years:
        if row["region_id"] == "west":
            row["fiscal_space"] = min(row["fiscal_space"], 25)
    projects.append({
        "project_id": "big", "name": "committed, too dear to co-finance",
        "settlement_id": "west_town", "capex": 100, "opex": 0, "duration": 1,
        "earliest_start": None, "latest_start": None, "status": "committed",
        "divisible": False})
    effects.append({"project_id": "big", "settlement_id": "west_town",
                    "standard_id": "school", "level": 1.0})


def build(seed: int) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The settings mapping and the seven tables of random instance ``seed``."""
    rng = random.Random(seed)
    years = list(range(2026, 2026 + rng.choice((2, 3))))
    standards = STANDARDS[: rng.choice((2, 3))]
    carryover = seed % 2 == 1
    rivals = carryover or seed % 4 == 0
    unfundable = seed % 5 == 3
    settlements = [
        {"settlement_id": f"{r}_{suffix}", "region_id": r, "name": f"{r} {suffix}", "type": kind,
         "area": area, "population": rng.choice(pops)}
        for r in REGIONS for suffix, kind, area, pops in SETTLEMENTS
    ]
    pairs = [(s, k) for s in settlements for k in standards if _applies(s, k)]
    coverage = {(s["settlement_id"], k[0]): rng.choice(LEVELS) for s, k in pairs
                if rng.random() < 0.8}
    # With carryover, half the projects wait a year, so that first-year money can be saved.
    planted = 2 * rivals + unfundable
    projects, effects = _projects(rng, years, pairs, coverage, rng.randint(3, 7 - planted),
                                  0.5 if carryover else 0.0)
    regions = [{"region_id": r, "name": r.title(), "kind": "oblast",
                "cofinancing_rate": rng.choice(COFINANCING_RATES),
                "max_envelope_share": 1.0 if carryover else rng.choice((1.0, 0.6, 0.8))}
               for r in REGIONS]
    region_years = [{"region_id": r, "year": t, "fiscal_space": rng.choice(FISCAL_SPACES)}
                    for r in REGIONS for t in years]
    envelope = [rng.choice(ENVELOPES) for _ in years]
    if carryover:  # plenty of money first, then years where both regions compete for it
        envelope = [max(ENVELOPES)] + [min(ENVELOPES)] * (len(years) - 1)
    if rivals:
        _plant_rivals(years, projects, effects, region_years)
    if unfundable:
        _plant_unfundable(regions, region_years, projects, effects)
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


Choose = Callable[[Sequence[Any]], Any]
"""Picks one of the given options: ``random.Random(seed).choice``, or a hypothesis draw."""

SMALL_CAPEX = (2, 3, 5, 6, 10, 20)
SMALL_RATES = (0.0, 0.0, 0.3, 1.0)
"""Co-financing 0 and 1 are the edge cases of the funding rows."""
SMALL_FISCAL = (0.0, 0.0, 5.0, 40.0)
SMALL_ENVELOPES = (0.0, 5.0, 10.0, 40.0)
SMALL_LEVELS = (0.0, 0.0, 0.3, 0.6)


SMALL_DESIGNATION_WEIGHTS = ({"border": 3.0}, {"monotown": 2.0, "border": 0.5},
                             {"agglomeration": 1.5}, {})
"""Designation weights ``small`` may draw with ``structure`` (a flag split off, or none)."""

SMALL_PROFILES: dict[int, tuple[tuple[tuple[int, float], ...] | None, ...]] = {
    2: (((1, 0.3), (2, 0.7)), ((1, 1.0),), ((2, 1.0),), None),
    3: (((1, 0.2), (2, 0.5), (3, 0.3)), ((3, 1.0),), ((1, 0.5), (3, 0.5)), None),
}
"""Spend profiles ``small`` may draw per duration: (construction year, share) rows, or None
(even); a year without a row spends nothing."""


def _structure(choose: Choose, projects: list[Row]) -> tuple[list[Row], list[Row]]:
    """Groups (set on ``projects``), spend profiles and requirements on earlier projects."""
    spend: list[Row] = []
    requires: list[Row] = []
    for i, p in enumerate(projects):
        p["group"] = choose(("a", "a", "b", ""))
        p["revenue_effect"] = choose((0.0, 2.0, 10.0))  # section 14: pays later co-financing
        p["grp_effect"] = choose((0.0, 50.0))
        profile = choose(SMALL_PROFILES.get(p["duration"], (None,)))
        spend += [{"project_id": p["project_id"], "construction_year": k, "share": share}
                  for k, share in profile or ()]
        if i and choose((True, False)):  # on an earlier project only: no cycle
            requires.append({"project_id": p["project_id"],
                             "requires": choose([q["project_id"] for q in projects[:i]])})
    return spend, requires


def small(choose: Choose, structure: bool = False
          ) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """A small instance (1-2 regions, 1-6 projects, 2-3 years) from ``choose``'s picks.

    The picks reach the edge cases of the funding rules: fiscal space and envelopes of 0,
    co-financing rates of 0 and 1, committed and excluded projects, divisible projects, and
    windows and durations whose completion falls after the horizon. The fiscal rules are off
    (the Pyomo reference does not state them). ``structure`` also draws groups, spend
    profiles (front- or back-loaded, a year without spend) and requirements, and territorial
    designations with their weights, and growth projects (revenue and output effects, a
    growth weight).
    """
    years = list(range(2026, 2026 + choose((2, 3))))
    regions = [{"region_id": r, "name": r.title(), "kind": choose(("oblast", "city")),
                "cofinancing_rate": choose(SMALL_RATES),
                "max_envelope_share": choose((1.0, 1.0, 0.5))}
               for r in REGIONS[: choose((1, 2))]]
    settlements = [
        {"settlement_id": f"{r['region_id']}_{suffix}", "region_id": r["region_id"],
         "name": suffix, "type": kind, "area": area, "population": choose(pops)}
        for r in regions for suffix, kind, area, pops in SETTLEMENTS[: choose((1, 2, 3))]]
    for place in settlements if structure else ():  # territorial designations (section 13)
        place |= {"border": choose((True, False)), "monotown": choose((False, True)),
                  "agglomeration": choose(("", "astana"))}
    pairs = [(s["settlement_id"], k[0]) for s in settlements for k in STANDARDS[:2]
             if _applies(s, k)]
    coverage = [{"settlement_id": s, "standard_id": k, "level": choose(SMALL_LEVELS)}
                for s, k in pairs]
    c0 = {(c["settlement_id"], c["standard_id"]): c["level"] for c in coverage}
    projects, effects = [], []
    for i in range(choose((3, 4, 5, 6) if structure else (1, 2, 3, 4, 5, 6))):
        s, k = choose(pairs)
        earliest = choose((None, None, years[-1]))
        projects.append({
            "project_id": f"p{i + 1}", "name": "", "settlement_id": s,
            "capex": float(choose(SMALL_CAPEX)), "opex": float(choose((0, 0, 1))),
            "duration": choose((1, 1, 2, 3)), "earliest_start": earliest,
            "latest_start": choose((None, None, years[0])) if earliest is None else None,
            "status": choose(("candidate", "candidate", "committed", "excluded")),
            "divisible": choose((False, False, True))})
        effects.append({"project_id": f"p{i + 1}", "settlement_id": s, "standard_id": k,
                        "level": choose([v for v in (0.5, 0.8, 1.0) if v > c0[s, k]])})
    spend, requires = _structure(choose, projects) if structure else ([], [])
    # with structure, money and high targets first: a group binds only if both members help
    envelopes, targets = ((SMALL_ENVELOPES[::-1], (1.0, 0.9, 0.5)) if structure
                          else (SMALL_ENVELOPES, (0.5, 0.9, 1.0)))
    settings = {
        "name": "small", "years": years,
        "targets": {area: {years[-1]: choose(targets)} for area in ("urban", "rural")},
        "budget": {"envelope": {t: choose(envelopes) for t in years},
                   "carryover": choose((False, True))},
        "objective": {"mode": "weighted", "category_weights": {"education": 1.0, "health": 2.0},
                      "access_weight": choose((0.0, 0.01)),
                      "cost_weight": choose((0.0, 0.0, 0.01)),
                      "designation_weights": choose(SMALL_DESIGNATION_WEIGHTS) if structure
                      else {},
                      "growth_weight": choose((0.0, 0.01)) if structure else 0.0},
        "solver": {"time_limit": 20, "mip_rel_gap": 0.0},
    }
    tables = {
        "regions": pd.DataFrame(regions),
        "region_years": pd.DataFrame([{"region_id": r["region_id"], "year": t,
                                       "fiscal_space": choose(SMALL_FISCAL)}
                                      for r in regions for t in years]),
        "settlements": pd.DataFrame(settlements),
        "standards": pd.DataFrame(
            [{"standard_id": k, "name": k.title(), "category": g, "applies_to": a,
              "min_population": m} for k, g, a, m in STANDARDS[:2]]),
        "coverage": pd.DataFrame(coverage, columns=["settlement_id", "standard_id", "level"]),
        "projects": pd.DataFrame(projects).astype(
            {"earliest_start": "Int64", "latest_start": "Int64"}),
        "project_effects": pd.DataFrame(effects),
    }
    if spend:
        tables["project_spend"] = pd.DataFrame(spend)
    if requires:
        tables["project_requires"] = pd.DataFrame(requires)
    return settings, tables
