"""Independent check of a plan against the raw instance tables, solver-free.

Recomputes money, co-financing, fiscal space, envelope, provision and the objective from the
instance's DataFrames and the plan's chosen starts with plain pandas joins, sharing no code
with the formulation, so a wrong formulation cannot pass because HiGHS said "optimal". The
result's claims are checked against that objective too: reported objective, bound, and
``optimal`` only within the requested gap (``check_claims``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result, SolveStatus
from optimizer.check.verify_fiscal import check_fiscal
from optimizer.highs.claims import result_claims

FEAS_TOL = 1e-6
"""Absolute tolerance per million KZT of scale (and per person) for constraint checks."""


class VerificationError(AssertionError):
    """A plan broke a rule when recomputed from the raw tables; lists every violation."""

    def __init__(self, violations: list[str]) -> None:
        self.violations = violations
        super().__init__("plan failed independent verification:\n" + "\n".join(
            f"  - {v}" for v in violations[:30]))


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


def _project_years(instance: Instance, starts: pd.DataFrame) -> pd.DataFrame:
    """One row per start and planning year with its spend, opex and done share.

    ``starts`` has one row per (project_id, start_year) with the ``share`` started that year;
    costs and durations come from the raw projects table, regions from settlements.
    """
    years = pd.DataFrame({"year": instance.years})
    raw = instance.projects[["project_id", "settlement_id", "capex", "opex", "duration"]]
    p = starts.merge(raw, on="project_id").merge(
        instance.settlements[["settlement_id", "region_id"]], on="settlement_id")
    p = p[p["share"] > 0].merge(years, how="cross")
    start = p["start_year"].astype(float)
    end = start + p["duration"].astype(float) - 1
    building = (p["year"] >= start) & (p["year"] <= end)
    p["spend"] = np.where(building, p["capex"] / p["duration"].astype(float), 0.0) * p["share"]
    p["opex_paid"] = np.where(p["year"] > end, p["opex"], 0.0) * p["share"]
    p["done"] = np.where(p["year"] >= end, p["share"], 0.0)
    return p


def recompute_provision(instance: Instance, starts: pd.DataFrame) -> pd.DataFrame:
    """Provision of every applicable pair at the end of each year under the plan."""
    pairs = _applicable(instance)
    effects = instance.project_effects.merge(
        pairs[["settlement_id", "standard_id", "c0"]], on=["settlement_id", "standard_id"])
    effects["gain"] = (effects["level"] - effects["c0"]).clip(lower=0.0)
    done = (_project_years(instance, starts).groupby(["project_id", "year"], as_index=False)
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
    """The ``weighted`` objective from raw tables: shortfall - access + cost, constants included."""
    s = instance.settings
    weights = s.objective.category_weights
    prov = recompute_provision(instance, starts)
    prov["w"] = prov["category"].map(lambda g: weights.get(g, 1.0))
    access = float((prov["w"] * prov["population"] * prov["provision"]).sum()) / len(s.years)
    prov["served"] = prov["population"] * prov["provision"]
    groups = prov.groupby(["region_id", "category", "area", "year"], as_index=False).agg(
        persons=("population", "sum"), served=("served", "sum"), w=("w", "first"))
    targets = pd.DataFrame([(a, y, v) for a, by in s.targets.items() for y, v in by.items()],
                           columns=["area", "year", "target"])
    groups = groups.merge(targets, on=["area", "year"])
    groups = groups[groups["persons"] > 0]
    short = (groups["target"] * groups["persons"] - groups["served"]).clip(lower=0.0)
    return (float((groups["w"] * short).sum()) - s.objective.access_weight * access
            + s.objective.cost_weight * transfer_total)


def _check_starts(instance: Instance, starts: pd.DataFrame, first: int, last: int
                  ) -> list[str]:
    """Start shares in [0, 1], whole for indivisible projects, inside windows, one in total."""
    raw = instance.projects[["project_id", "earliest_start", "latest_start", "status",
                             "divisible"]]
    p = starts.merge(raw, on="project_id", how="left")
    out: list[str] = []
    if p["status"].isna().any():
        out.append("a start names a project that does not exist")
    if ((p["share"] < -FEAS_TOL) | (p["share"] > 1 + FEAS_TOL)).any():
        out.append("a start share is outside [0, 1]")
    whole = (p["share"] - p["share"].round()).abs() <= FEAS_TOL
    out += [f"indivisible project {r} is started in part" for r in
            p.loc[~p["divisible"].astype(bool) & ~whole, "project_id"]]
    lo = p["earliest_start"].fillna(first).clip(lower=first)
    hi = p["latest_start"].fillna(last).clip(upper=last)
    year = p["start_year"].astype(float)
    out += [f"project {r} starts outside its window" for r in
            p.loc[(year < lo) | (year > hi), "project_id"]]
    total = p.groupby("project_id")["share"].sum().reindex(raw["project_id"], fill_value=0.0)
    status = raw.set_index("project_id")["status"]
    out += [f"project {r} is started more than once" for r in total.index[total > 1 + FEAS_TOL]]
    out += [f"committed project {r} is funded {total[r]:.3f}" for r in
            total.index[(status == "committed") & (total < 1 - FEAS_TOL)]]
    out += [f"excluded project {r} is funded" for r in
            total.index[(status == "excluded") & (total > FEAS_TOL)]]
    return out


def check_plan(instance: Instance, result: Result) -> list[str]:
    """Every violated rule of the plan in ``result``, in words (empty when the plan is valid)."""
    violations: list[str] = []
    starts = result.starts
    money = result.region_years.reindex(columns=["region_id", "year", "transfer", "cofinancing",
                                                 "new_opex", "equalization"]).fillna(
        {"equalization": 0.0})  # the equalization pool's share adds to fiscal space
    s = instance.settings
    first, last = s.years[0], s.years[-1]
    violations += _check_starts(instance, starts, first, last)
    spend = _project_years(instance, starts).groupby(["region_id", "year"], as_index=False)[
        ["spend", "opex_paid"]].sum()
    m = money.merge(spend, on=["region_id", "year"], how="left").fillna(
        {"spend": 0.0, "opex_paid": 0.0})
    m = m.merge(instance.regions[["region_id", "cofinancing_rate", "max_envelope_share"]],
                on="region_id")
    m = m.merge(instance.region_years[["region_id", "year", "fiscal_space"]],
                on=["region_id", "year"])
    env = pd.Series(s.budget.envelope).rename_axis("year").rename("envelope").reset_index()
    m = m.merge(env, on="year")
    tol = FEAS_TOL * np.maximum(1.0, m["spend"].abs() + m["fiscal_space"].abs())

    def rule(mask: pd.Series, text: str) -> None:
        violations.extend(f"{text} in {r} {y}" for r, y in
                          zip(m.loc[mask, "region_id"], m.loc[mask, "year"], strict=True))

    rule((m["transfer"] + m["cofinancing"] - m["spend"]).abs() > tol,
         "transfer + co-financing differs from capex spend")
    rule(m["cofinancing"] < m["cofinancing_rate"] * m["spend"] - tol, "co-financing below rate")
    rule(m["cofinancing"] + m["opex_paid"] > m["fiscal_space"] + m["equalization"] + tol,
         "fiscal space exceeded")
    rule((m["transfer"] < -tol) | (m["cofinancing"] < -tol), "negative transfer or co-financing")
    rule(m["transfer"] > m["max_envelope_share"] * m["envelope"] + tol,
         "transfer above the region's envelope share")
    rule((m["new_opex"] - m["opex_paid"]).abs() > tol, "reported new opex differs")
    per_year = m.groupby("year").agg(transfer=("transfer", "sum"), envelope=("envelope", "first"))
    if s.budget.carryover:
        per_year = per_year.cumsum()
    over = per_year["transfer"] > per_year["envelope"] * (1 + FEAS_TOL) + FEAS_TOL
    violations += [f"envelope exceeded in {y}" for y in per_year.index[over]]
    rules_broken, rules_terms = check_fiscal(instance, result)
    violations += rules_broken

    expected = recompute_objective(instance, starts, float(money["transfer"].sum()))
    violations += check_claims(result, expected + rules_terms)
    return violations


def check_claims(result: Result, expected: float) -> list[str]:
    """What the result claims against what its plan proves (``optimizer.highs.claims``).

    ``expected``: the plan's objective recomputed from the raw tables. The result's objective
    must be it, its bound at most it, and ``optimal`` needs a gap within the ``mip_rel_gap``
    recorded in the metadata (a staged mode's, every stage's gap on its own objective).
    """
    if result.objective is None:
        return ["a plan is reported without its objective"]
    requested = result.metadata.get("mip_rel_gap")
    out = ([] if requested is not None or result.status != SolveStatus.OPTIMAL else
           ["claim: status optimal, but the requested gap is not recorded (mip_rel_gap)"])
    return out + [f"claim: {problem}" for problem in result_claims(
        None if requested is None else result.status, expected, result.objective, result.bound,
        0.0 if requested is None else float(requested), result.metadata.get("stages"))]


def verify(instance: Instance, result: Result) -> None:
    """Raise when the result's plan breaks a rule; every solve runs this.

    Raises:
        VerificationError: with every violation found.
    """
    violations = check_plan(instance, result)
    if violations:
        raise VerificationError(violations)
