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
from optimizer.check.recompute import project_years, recompute_objective
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


StartProblem = tuple[str | None, str, str]
"""(project id or None, rule, message) of a start that breaks a rule of the starts alone."""


def start_problems(instance: Instance, starts: pd.DataFrame, first: int, last: int
                   ) -> list[StartProblem]:
    """Start shares in [0, 1], whole for indivisible projects, inside windows, one in total.

    Each problem with its project and rule (``optimizer.analysis.evaluate`` lists them).
    """
    raw = instance.projects[["project_id", "earliest_start", "latest_start", "status",
                             "divisible"]]
    p = starts.merge(raw, on="project_id", how="left")
    out: list[StartProblem] = []
    if p["status"].isna().any():
        out.append((None, "project", "a start names a project that does not exist"))
    if ((p["share"] < -FEAS_TOL) | (p["share"] > 1 + FEAS_TOL)).any():
        out.append((None, "share", "a start share is outside [0, 1]"))
    whole = (p["share"] - p["share"].round()).abs() <= FEAS_TOL
    out += [(r, "indivisible", f"indivisible project {r} is started in part") for r in
            p.loc[~p["divisible"].astype(bool) & ~whole, "project_id"]]
    lo = p["earliest_start"].fillna(first).clip(lower=first)
    hi = p["latest_start"].fillna(last).clip(upper=last)
    year = p["start_year"].astype(float)
    out += [(r, "window", f"project {r} starts outside its window") for r in
            p.loc[(year < lo) | (year > hi), "project_id"]]
    total = p.groupby("project_id")["share"].sum().reindex(raw["project_id"], fill_value=0.0)
    status = raw.set_index("project_id")["status"]
    out += [(r, "one_start", f"project {r} is started more than once") for r in
            total.index[total > 1 + FEAS_TOL]]
    out += [(r, "committed", f"committed project {r} is funded {total[r]:.3f}") for r in
            total.index[(status == "committed") & (total < 1 - FEAS_TOL)]]
    out += [(r, "excluded", f"excluded project {r} is funded") for r in
            total.index[(status == "excluded") & (total > FEAS_TOL)]]
    return out + group_problems(instance, starts) + requirement_problems(instance, starts)


def group_problems(instance: Instance, starts: pd.DataFrame) -> list[StartProblem]:
    """Projects of one group (``projects.group``) started with shares above 1 in total."""
    groups = instance.projects[["project_id", "group"]]
    p = starts.merge(groups[groups["group"].astype(str) != ""], on="project_id")
    p = p[p["share"] > FEAS_TOL]
    total = p.groupby("group", sort=False)["share"].sum()
    out: list[StartProblem] = []
    for g in total.index[total > 1 + FEAS_TOL]:
        members = p.loc[p["group"] == g, "project_id"].drop_duplicates().tolist()
        out.append((members[-1], "alternatives",
                    f"group {g!r} has {', '.join(members)} started, {total[g]:.3f} in total; "
                    "at most one of a group may start"))
    return out


def requirement_problems(instance: Instance, starts: pd.DataFrame) -> list[StartProblem]:
    """Projects funded by a year beyond what their requirement (``project_requires``) has.

    For each start year ``y`` of ``p`` requiring ``q``: the shares of ``p`` started up to
    ``y`` may not exceed those of ``q`` (for indivisible projects: ``q`` started by ``y``).
    """
    req = instance.project_requires
    if req.empty:
        return []
    on = starts[starts["share"] > FEAS_TOL][["project_id", "start_year", "share"]]
    mine = req.merge(on, on="project_id").sort_values(["project_id", "requires", "start_year"])
    mine["funded"] = mine.groupby(["project_id", "requires"])["share"].cumsum()
    theirs = mine[["project_id", "requires", "start_year"]].merge(
        on.rename(columns={"project_id": "requires", "start_year": "their_year"}),
        on="requires")
    theirs = theirs[theirs["their_year"] <= theirs["start_year"]]
    keys = ["project_id", "requires", "start_year"]
    had = theirs.rename(columns={"share": "theirs"}).groupby(keys, as_index=False)[
        "theirs"].sum()
    mine = mine.merge(had, on=keys, how="left").fillna({"theirs": 0.0})
    late = mine[mine["funded"] > mine["theirs"] + FEAS_TOL]
    return [(p, "prerequisite",
             f"project {p} is funded {f:.3f} by {y} but requires {q}, funded {t:.3f} by then: "
             "a project may start only once its requirement has started")
            for p, q, y, f, t in zip(late["project_id"], late["requires"], late["start_year"],
                                     late["funded"], late["theirs"], strict=True)]


def check_plan(instance: Instance, result: Result) -> list[str]:
    """Every violated rule of the plan in ``result``, in words (empty when the plan is valid)."""
    violations: list[str] = []
    starts = result.table("starts")
    money = result.table("region_years").reindex(columns=[
        "region_id", "year", "transfer", "cofinancing", "new_opex", "equalization"]).fillna(
        {"equalization": 0.0})  # the equalization pool's share adds to fiscal space
    s = instance.settings
    first, last = s.years[0], s.years[-1]
    violations += [message for _, _, message in start_problems(instance, starts, first, last)]
    spend = project_years(instance, starts).groupby(["region_id", "year"], as_index=False)[
        ["spend", "opex_paid", "revenue_added"]].sum()
    m = money.merge(spend, on=["region_id", "year"], how="left").fillna(
        {"spend": 0.0, "opex_paid": 0.0, "revenue_added": 0.0})
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
    rule(m["cofinancing"] + m["opex_paid"]
         > m["fiscal_space"] + m["equalization"] + m["revenue_added"] + tol,
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
    violations += growth_floor_problems(instance, starts)
    rules_broken, rules_terms = check_fiscal(instance, result)
    violations += rules_broken

    expected = recompute_objective(instance, starts, float(money["transfer"].sum()))
    violations += check_claims(result, expected + rules_terms)
    return violations


def growth_floor_problems(instance: Instance, starts: pd.DataFrame) -> list[str]:
    """Output added over the horizon below ``objective.growth_floor`` (the pareto row)."""
    level = instance.settings.objective.growth_floor
    if level is None:
        return []
    added = float(project_years(instance, starts)["grp_added"].sum())
    if added >= level - FEAS_TOL * max(1.0, level):
        return []
    return [f"output added over the horizon {added:,.3f} million KZT is below the growth "
            f"floor {level:,.3f} million KZT"]


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
