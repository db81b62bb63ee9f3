"""Synthetic growth projects, regional output and agglomerations (issue 24, item 5).

Growth projects are shaped by the published growth and SEZ projects
(``instances/sources/kz_designations/growth_projects.csv``): their public capex lies in the
range of the published infrastructure items (2–20 bn KZT), the jobs they create follow the
published cost per job, and output and own revenue follow from the jobs by the stated rule
below (docs/data.md, section 3). One rule serves ``srsopt generate`` and the KZ builder.
Money in million KZT.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

GROWTH_CAPEX = (2_000.0, 20_000.0)
"""Public capex of one growth project (million KZT), log-uniform: Arkalyk airport 5.5 bn, a
refractory plant 2 bn, SEZ infrastructure tens of bn (growth_projects.csv, G4, G5, G9)."""
COST_PER_JOB = (25.5, 157.0)
"""Million KZT of investment per job, log-uniform between the published extremes: Khorgos SEZ
522.7 bn / 20,500 jobs = 25.5; Ekibastuz ferroalloy plant USD 267 m (≈ 125.5 bn at an ASSUMED
470 KZT/USD) / 800 jobs = 157 (G1, S6); monotown anchor projects 1.4 trn / 10,000 = 140 (S9)."""
EMPLOYMENT_RATIO = 0.456
"""ASSUMPTION: employed persons per resident (≈ 9.2 mln of 20.2 mln, general knowledge), so
output per worker = GRP per capita / 0.456."""
REVENUE_TO_GRP = 0.078
"""Local own revenue per unit of output: 10.7 trn KZT (2026 forecast) / 136.7 trn KZT GDP
(2024, BNS) = 7.8%; the same ratio turns synthetic own revenue into a synthetic GRP."""
OPEX_RATE = 0.01
"""ASSUMPTION: upkeep of the public part of a growth project, 1% of capex a year."""
DESIGNATION_PULL = {"monotown": 3.0, "agglomeration": 2.0, "border": 1.5}
"""Growth projects go where the policy points them: weight of a settlement by its flag."""


def synthetic_grp(region_years: pd.DataFrame, region_ids: pd.Series) -> np.ndarray:
    """Base-year GRP per region (million KZT) from the first year's own revenue / 7.8%."""
    first = region_years[region_years["year"] == region_years["year"].min()]
    own = first.set_index("region_id")["own_revenue"].reindex(region_ids).to_numpy(float)
    return np.round(np.nan_to_num(own) / REVENUE_TO_GRP, 1)


def synthetic_agglomerations(settlements: pd.DataFrame, n: int = 2,
                             villages: int = 10) -> np.ndarray:
    """Agglomeration names where the regions give none (one per populous region).

    The largest settlement of each of the ``n`` most populous regions and its ``villages``
    largest villages, named ``<region_id>-agglomeration``.
    """
    names = settlements["agglomeration"].fillna("").astype(str).to_numpy(object).copy()
    pop = settlements.groupby("region_id", sort=False)["population"].sum()
    for rid in pop.sort_values(ascending=False, kind="stable").index[:n]:
        own = settlements[settlements["region_id"] == rid]
        rural = own[own["area"] == "rural"].nlargest(villages, "population", keep="first")
        core = own.nlargest(1, "population", keep="first")
        names[np.r_[core.index.to_numpy(), rural.index.to_numpy()]] = f"{rid}-agglomeration"
    return names


def _pull(settlements: pd.DataFrame) -> np.ndarray:
    """Placement weight: sqrt(population) times the strongest designation pull (1 without)."""
    pull = np.ones(len(settlements))
    for flag, weight in DESIGNATION_PULL.items():
        on = (settlements["agglomeration"].fillna("").astype(str) != "").to_numpy() if (
            flag == "agglomeration") else settlements[flag].fillna(False).to_numpy(bool)
        pull = np.where(on, np.maximum(pull, weight), pull)
    urban = (settlements["area"] == "urban").to_numpy()
    return np.sqrt(settlements["population"].to_numpy(float)) * pull * np.where(urban, 4.0, 1.0)


def make_growth_projects(settlements: pd.DataFrame, regions: pd.DataFrame, n: int,
                         years: list[int], rng: np.random.Generator) -> pd.DataFrame:
    """``n`` candidate growth projects ``G0001``..: capex, jobs -> grp_effect, revenue_effect.

    jobs = capex / cost per job; grp_effect = jobs x GRP per worker of the project's region
    (GRP / population / EMPLOYMENT_RATIO); revenue_effect = REVENUE_TO_GRP x grp_effect. No
    SRS effect rows: these projects compete for the same envelope and pay back through the
    region's fiscal space (docs/formulation.md, section 14).
    """
    if n <= 0:
        return pd.DataFrame()
    weight = _pull(settlements)
    at = rng.choice(len(settlements), size=n, replace=True, p=weight / weight.sum())
    site = settlements.iloc[at]
    people = settlements.groupby("region_id")["population"].sum()
    grp = regions.set_index("region_id")["grp"].astype(float)
    per_worker = (grp / people.reindex(grp.index) / EMPLOYMENT_RATIO).reindex(site["region_id"])
    lo, hi = np.log(GROWTH_CAPEX)
    capex = np.round(np.exp(rng.uniform(lo, hi, n)), 1)
    lo, hi = np.log(COST_PER_JOB)
    jobs = np.floor(capex / np.exp(rng.uniform(lo, hi, n)))
    grp_effect = np.round(jobs * per_worker.to_numpy(float), 1)
    kind = np.array(["industrial zone", "SEZ infrastructure", "logistics hub",
                     "processing plant site"])[rng.integers(0, 4, n)]
    none = pd.array([pd.NA] * n, dtype="Int64")
    return pd.DataFrame({
        "project_id": [f"G{i:04d}" for i in range(1, n + 1)],
        "name": [f"Growth: {k}, {s}" for k, s in zip(kind, site["name"], strict=True)],
        "settlement_id": site["settlement_id"].to_numpy(),
        "capex": capex, "opex": np.round(OPEX_RATE * capex, 1),
        "duration": rng.integers(2, 4, n).clip(max=len(years)),
        "earliest_start": none, "latest_start": none, "status": "candidate",
        "divisible": False, "group": "",
        "grp_effect": grp_effect, "revenue_effect": np.round(REVENUE_TO_GRP * grp_effect, 1),
    })


def add_growth(tables: dict[str, pd.DataFrame], n: int, years: list[int],
               rng: np.random.Generator) -> None:
    """In place: regions.grp where missing, agglomerations where none, ``n`` growth projects."""
    regions, settlements = tables["regions"], tables["settlements"]
    if "grp" not in regions or regions["grp"].isna().all():
        regions["grp"] = synthetic_grp(tables["region_years"], regions["region_id"])
    if not (settlements["agglomeration"].fillna("").astype(str) != "").any():
        settlements["agglomeration"] = synthetic_agglomerations(settlements)
    projects = tables["projects"]
    for column in ("grp_effect", "revenue_effect"):
        if column not in projects:
            projects[column] = 0.0
    growth = make_growth_projects(settlements, regions, n, years, rng)
    if len(growth):
        growth = growth[[c for c in growth if c in projects]]  # group only with structure
        tables["projects"] = pd.concat([projects, growth], ignore_index=True)
