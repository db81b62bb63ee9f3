"""Independent check of the fiscal rules, from the raw tables and the plan's result tables.

Part of ``optimizer.check.verify``: it shares no code with the formulation. Each rule that is off
contributes no violation and no objective term.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.designations import designated
from models.instance import Instance
from models.result import Result
from optimizer.check.recompute import project_years, recompute_provision

TOL = 1e-6


def _revenue(instance: Instance) -> pd.DataFrame:
    """region_years with the region's population (persons) joined."""
    pop = instance.settlements.groupby("region_id")["population"].sum().rename("population")
    return instance.region_years.merge(pop, left_on="region_id", right_index=True, how="left")


def _equalization(instance: Instance, money: pd.DataFrame) -> list[str]:
    """Pool spent in full each year, shares >= 0, per-capita floor met."""
    rules = instance.settings.fiscal_rules.equalization
    if rules is None:
        return []
    ry = _revenue(instance).merge(money[["region_id", "year", "equalization"]],
                                  on=["region_id", "year"])
    pool = ry["year"].map(rules.pool)
    out = [f"negative equalization in {r} {y}" for r, y in
           zip(ry.loc[ry["equalization"] < -TOL, "region_id"],
               ry.loc[ry["equalization"] < -TOL, "year"], strict=True)]
    spent = ry.groupby("year")["equalization"].sum()
    out += [f"equalization pool of {y} not distributed in full ({spent[y]:,.3f} of "
            f"{rules.pool[y]:,.3f})" for y in spent.index
            if abs(spent[y] - rules.pool[y]) > TOL * max(1.0, rules.pool[y])]
    total = ry.groupby("year")[["own_revenue", "general_transfer", "population"]].transform("sum")
    average = (total["own_revenue"] + total["general_transfer"] + pool) / total["population"]
    per_capita = (ry["own_revenue"] + ry["general_transfer"] + ry["equalization"]) / ry[
        "population"]
    low = per_capita < rules.theta * average - TOL
    out += [f"per-capita revenue below {rules.theta:.0%} of the national average in {r} {y}"
            for r, y in zip(ry.loc[low, "region_id"], ry.loc[low, "year"], strict=True)]
    return out


def _dependency(instance: Instance, money: pd.DataFrame, starts: pd.DataFrame) -> list[str]:
    """The dependency cap with the own revenue ``V`` the plan's growth projects add.

    ``general + tau <= cap * (own + V + general + tau)``; above the cap by law, ``(1 - cap) *
    tau <= cap * V``.
    """
    by_year = instance.settings.fiscal_rules.dependency_cap
    added = project_years(instance, starts).groupby(["region_id", "year"], as_index=False)[
        "revenue_added"].sum()
    ry = instance.region_years.merge(money[["region_id", "year", "transfer"]],
                                     on=["region_id", "year"]).merge(
        added, on=["region_id", "year"], how="left").fillna({"revenue_added": 0.0})
    regional = ry["region_id"].map(instance.regions.set_index("region_id")["dependency_cap"])
    cap = regional.astype(float).fillna(ry["year"].map(by_year).astype(float))
    own, general, tau = ry["own_revenue"], ry["general_transfer"], ry["transfer"]
    allowed = np.maximum(0.0, cap * (own + general) - general) + cap * ry["revenue_added"]
    over = cap.notna() & ((1 - cap) * tau > allowed + TOL * np.maximum(1.0, own.abs()))
    return [f"transfer dependency above the {c:.0%} cap in {r} {y}" for r, y, c in
            zip(ry.loc[over, "region_id"], ry.loc[over, "year"], cap[over], strict=True)]


def _stability(instance: Instance, money: pd.DataFrame) -> list[str]:
    """Each region's transfer within the band around the previous year's."""
    s = instance.settings.fiscal_rules.stability
    if s is None:
        return []
    m = money.sort_values(["region_id", "year"])
    previous = m.groupby("region_id")["transfer"].shift(1)
    tau, tol = m["transfer"], TOL * np.maximum(1.0, m["transfer"].abs())
    out: list[str] = []
    if s.max_decrease is not None:
        low = previous.notna() & (tau < (1 - s.max_decrease) * previous - s.allowance - tol)
        out += [f"transfer falls more than {s.max_decrease:.0%} in {r} {y}" for r, y in
                zip(m.loc[low, "region_id"], m.loc[low, "year"], strict=True)]
    if s.max_increase is not None:
        high = previous.notna() & (tau > (1 + s.max_increase) * previous + s.allowance + tol)
        out += [f"transfer rises more than {s.max_increase:.0%} in {r} {y}" for r, y in
                zip(m.loc[high, "region_id"], m.loc[high, "year"], strict=True)]
    return out


def floor_gaps(instance: Instance, starts: pd.DataFrame) -> pd.DataFrame:
    """Per critical floor and region: persons, served at its year, and persons short."""
    floors = instance.settings.fiscal_rules.critical_floors
    if not floors:
        return pd.DataFrame(columns=["floor", "region_id", "persons", "served", "short",
                                     "penalty"])
    prov = recompute_provision(instance, starts)
    prov["served"] = prov["population"] * prov["provision"]
    frames = []
    for name, f in floors.items():  # the analyst's few floors
        mask = (prov["standard_id"] == f.standard) & (prov["year"] == f.year)
        mask &= True if f.area is None else prov["area"] == f.area
        mask &= True if f.region is None else prov["region_id"] == f.region
        if f.designation is not None:
            s = instance.settlements
            mask &= prov["settlement_id"].isin(s.loc[designated(s, f.designation),
                                                     "settlement_id"])
        per = prov[mask].groupby("region_id", as_index=False).agg(
            persons=("population", "sum"), served=("served", "sum"))
        per = per[per["persons"] > 0]
        per["short"] = np.maximum(0.0, f.level * per["persons"] - per["served"])
        frames.append(per.assign(floor=name, penalty=np.nan if f.penalty is None
                                 else f.penalty))
    return pd.concat(frames, ignore_index=True)


def _deviation(instance: Instance, starts: pd.DataFrame) -> float:
    """``penalty * sum (1 - share started in the approved year)`` over keepable approved starts.

    An approved start is keepable when the project is not excluded, the year is in its window
    and, for a candidate, it completes inside the horizon.
    """
    base = instance.settings.fiscal_rules.baseline
    if base is None or not base.starts:
        return 0.0
    years = instance.years
    p = instance.projects.set_index("project_id")
    approved = pd.DataFrame({"project_id": list(base.starts),
                             "start_year": list(base.starts.values())})
    approved = approved[approved["project_id"].isin(p.index)]
    q = p.loc[approved["project_id"]]
    first = q["earliest_start"].fillna(years[0]).clip(lower=years[0]).to_numpy(float)
    last = q["latest_start"].fillna(years[-1]).clip(upper=years[-1]).to_numpy(float)
    year = approved["start_year"].to_numpy(float)
    completes = (q["status"] == "committed").to_numpy() | (
        year + q["duration"].to_numpy(float) - 1 <= years[-1])
    keep = (q["status"] != "excluded").to_numpy() & (year >= first) & (year <= last) & completes
    kept = approved[keep].merge(starts, on=["project_id", "start_year"], how="left")
    return float(base.penalty * (1.0 - kept["share"].fillna(0.0)).sum())


def check_fiscal(instance: Instance, result: Result) -> tuple[list[str], float]:
    """Every broken fiscal rule of the plan, in words, and the objective terms the rules add.

    The terms are the elastic floors' penalties and the deviation from an approved plan.
    """
    money = result.table("region_years")
    out = _equalization(instance, money) + _dependency(instance, money,
                                                       result.table("starts"))
    out += _stability(instance, money)
    gaps = floor_gaps(instance, result.table("starts"))
    hard = gaps["penalty"].isna() & (gaps["short"] > TOL * np.maximum(1.0, gaps["persons"]))
    out += [f"critical floor {f} missed in {r} by {s:,.1f} persons" for f, r, s in
            zip(gaps.loc[hard, "floor"], gaps.loc[hard, "region_id"], gaps.loc[hard, "short"],
                strict=True)]
    soft = gaps["penalty"].notna()
    terms = (float((gaps.loc[soft, "penalty"] * gaps.loc[soft, "short"]).sum())
             + _deviation(instance, result.table("starts")))
    return out, terms
