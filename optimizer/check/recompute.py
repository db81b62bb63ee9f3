"""A plan's provision and objective recomputed from the raw instance tables with pandas joins.

Shares no code with the formulation (``optimizer.formulation``), so that the verifier can
catch a wrong formulation as well as a wrong solver claim.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.designations import designation_multiplier
from models.instance import Instance


def _applicable(instance: Instance) -> pd.DataFrame:
    """(settlement, standard) pairs whose type is in applies_to and population large enough."""
    std = instance.standards[["standard_id", "category", "applies_to", "min_population"]].copy()
    std["type"] = std["applies_to"].str.split(";")
    std = std.explode("type")
    std["type"] = std["type"].str.strip()
    s = instance.settlements[["settlement_id", "region_id", "type", "area", "population"]]
    specific = s.merge(std[std["type"] != "all"], on="type")
    general = s.merge(std[std["type"] == "all"].drop(columns="type"), how="cross")
    pairs = pd.concat([specific, general], ignore_index=True)
    pairs = pairs[pairs["population"] >= pairs["min_population"]]
    pairs = pairs.drop_duplicates(["settlement_id", "standard_id"])
    pairs = pairs.merge(instance.coverage.rename(columns={"level": "c0"}),
                        on=["settlement_id", "standard_id"], how="left")
    pairs["c0"] = pairs["c0"].fillna(0.0)
    return pairs[["settlement_id", "standard_id", "region_id", "area", "category", "population",
                  "c0"]]


def project_years(instance: Instance, starts: pd.DataFrame) -> pd.DataFrame:
    """One row per start and planning year: spend, opex, revenue and output added, done share.

    ``starts`` has one row per (project_id, start_year) with the ``share`` started that year;
    costs and durations come from the raw projects table, regions from settlements. A project
    with rows in ``project_spend`` spends ``capex * share`` of construction year ``year -
    start_year + 1`` (0 without a row), any other ``capex / duration`` per construction year.
    """
    years = pd.DataFrame({"year": instance.years})
    raw = instance.projects[["project_id", "settlement_id", "capex", "opex", "duration",
                             "grp_effect", "revenue_effect"]]
    p = starts.merge(raw, on="project_id").merge(
        instance.settlements[["settlement_id", "region_id"]], on="settlement_id")
    p = p[p["share"] > 0].merge(years, how="cross")
    start = p["start_year"].astype(float)
    end = start + p["duration"].astype(float) - 1
    building = (p["year"] >= start) & (p["year"] <= end)
    per_year = p["capex"] / p["duration"].astype(float)
    profile = instance.project_spend
    if not profile.empty:
        p["construction_year"] = (p["year"] - start + 1).astype(np.int64)
        shares = profile.rename(columns={"share": "profile_share"})[
            ["project_id", "construction_year", "profile_share"]].astype(
            {"construction_year": np.int64})
        p = p.merge(shares, on=["project_id", "construction_year"], how="left")
        per_year = per_year.where(~p["project_id"].isin(profile["project_id"]),
                                  p["capex"] * p["profile_share"].fillna(0.0))
    p["spend"] = np.where(building, per_year, 0.0) * p["share"]
    operating = np.where(p["year"] > end, p["share"], 0.0)  # from the year after completion
    p["opex_paid"] = operating * p["opex"]
    p["revenue_added"] = operating * p["revenue_effect"]
    p["grp_added"] = operating * p["grp_effect"]
    p["done"] = np.where(p["year"] >= end, p["share"], 0.0)
    return p


def recompute_provision(instance: Instance, starts: pd.DataFrame) -> pd.DataFrame:
    """Provision of every applicable pair at the end of each year under the plan."""
    pairs = _applicable(instance)
    effects = instance.project_effects.merge(
        pairs[["settlement_id", "standard_id", "c0"]], on=["settlement_id", "standard_id"])
    effects["gain"] = (effects["level"] - effects["c0"]).clip(lower=0.0)
    done = (project_years(instance, starts).groupby(["project_id", "year"], as_index=False)
            ["done"].sum())
    gains = effects.merge(done, on="project_id")
    gains["gain"] *= gains["done"]
    gained = gains.groupby(["settlement_id", "standard_id", "year"], as_index=False)["gain"].sum()
    out = pairs.merge(pd.DataFrame({"year": instance.years}), how="cross")
    out = out.merge(gained, on=["settlement_id", "standard_id", "year"], how="left")
    out["provision"] = (out["c0"] + out["gain"].fillna(0.0)).clip(upper=1.0)
    return out.drop(columns="gain")


def recompute_objective(instance: Instance, starts: pd.DataFrame, transfer_total: float
                        ) -> float:
    """The ``weighted`` objective from raw tables: shortfall - access + cost, constants included.

    Shortfall: per (region, category, area) and designation weight ``m``, weighted ``W_g m``.
    """
    s = instance.settings
    weights = s.objective.category_weights
    prov = recompute_provision(instance, starts)
    prov["w"] = prov["category"].map(lambda g: weights.get(g, 1.0))
    access = float((prov["w"] * prov["population"] * prov["provision"]).sum()) / len(s.years)
    prov["served"] = prov["population"] * prov["provision"]
    # residents of a different designation weight are short on their own, weighted m times
    m = pd.Series(designation_multiplier(instance.settlements,
                                         s.objective.designation_weights),
                  index=instance.settlements["settlement_id"])
    prov["m"] = prov["settlement_id"].map(m)
    groups = prov.groupby(["region_id", "category", "area", "m", "year"], as_index=False).agg(
        persons=("population", "sum"), served=("served", "sum"), w=("w", "first"))
    groups["w"] *= groups["m"]
    targets = pd.DataFrame([(a, y, v) for a, by in s.targets.items() for y, v in by.items()],
                           columns=["area", "year", "target"])
    groups = groups.merge(targets, on=["area", "year"])
    groups = groups[groups["persons"] > 0]
    short = (groups["target"] * groups["persons"] - groups["served"]).clip(lower=0.0)
    growth = 0.0
    if s.objective.growth_weight:
        growth = float(project_years(instance, starts)["grp_added"].sum())
    return (float((groups["w"] * short).sum()) - s.objective.access_weight * access
            + s.objective.cost_weight * transfer_total - s.objective.growth_weight * growth)
