"""Monte Carlo of a plan: each draw of an uncertainty file applied to the instance, then solved.

Two questions, one task per draw (``run_draw``, a task of ``optimizer.distributed``):

- *fixed plan* (default): how does the plan fare? The draw's instance is restricted to the
  plan (``recourse_instance``): projects outside it are excluded, the plan's projects may start
  in their plan year or later (never earlier), and every start of the plan that is not kept
  costs ``RECOURSE_PENALTY``. So the solve keeps every start that still fits; when overruns or a
  fiscal shortfall break the money, it moves (delays) or cuts as few starts as it can and,
  among those choices, follows the instance's objective. A committed project may be delayed or
  cut like the others (its change is reported): the question is what the money allows.
- *re-optimize*: what would the best plan be? The draw's instance is solved in full.

A draw's record (``DrawRecord``) holds its figures: provision and shortfall per region,
category, area and year, money per year, and the plan's starts it moved or cut.
``montecarlo_summary`` turns the records into probabilities and quantiles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result
from models.uncertainty_draw import Coverage, apply_draw, draw, drawn_totals
from optimizer.analysis.baseline import with_baseline
from optimizer.api import solve
from optimizer.solving.warm import BasePlan

RECOURSE_PENALTY = 1e6
"""Objective units (weighted persons) per start of the plan moved or cut in a draw: larger than
what any one start is worth, so a start is kept whenever it fits."""
SHARE_TOLERANCE = 1e-6
"""A start share below this is no start."""
GROUP_COLUMNS = ["region_id", "category", "area", "year", "persons", "served", "target",
                 "shortfall"]
MONEY_COLUMNS = ["year", "envelope", "transfer", "cofinancing", "capex_spend"]


@dataclass(frozen=True)
class MonteCarloBase:
    """What every draw shares, sent once to each worker: the instance, the draws, the plan."""

    instance: Instance
    coverage: Coverage
    plan: pd.DataFrame
    """The plan's starts (project_id, start_year, share): kept in a draw, or compared with."""
    reoptimize: bool = False


@dataclass(frozen=True)
class DrawRecord:
    """One draw's figures (million KZT, persons)."""

    row: dict[str, Any]
    """``draw``, ``status``, ``objective`` (without the recourse penalty), totals drawn,
    money, ``projects_kept``, ``projects_delayed``, ``projects_cut``."""
    groups: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``GROUP_COLUMNS`` of every region, category, area and year (empty without a plan)."""
    money: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``MONEY_COLUMNS`` per year."""
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The plan's projects this draw delays or cuts: project_id, plan_year, drawn_year
    (none: cut), change."""


def plan_years(plan: pd.DataFrame) -> pd.Series:
    """The first start year of each project of the plan, by project id."""
    started = plan[plan["share"] > SHARE_TOLERANCE]
    return started.groupby("project_id")["start_year"].min().astype(int)


def _scaled_effects(tables: dict[str, pd.DataFrame], shares: pd.Series) -> None:
    """A divisible project funded at share ``s < 1`` as a whole project of ``s`` times its size.

    Capex and opex times ``s``, each effect level ``c0 + s * (e - c0)``: the same money and
    provision as ``s`` of the project, and the recourse cannot fund more of it than the plan.
    """
    projects, effects = tables["projects"], tables["project_effects"]
    rows = projects["project_id"].isin(shares.index)
    factor = projects.loc[rows, "project_id"].map(shares).to_numpy(float)
    for column in ("capex", "opex"):
        projects.loc[rows, column] = projects.loc[rows, column].to_numpy(float) * factor
    base = tables["coverage"].set_index(["settlement_id", "standard_id"])["level"]
    mine = effects["project_id"].isin(shares.index)
    keys = pd.MultiIndex.from_frame(effects.loc[mine, ["settlement_id", "standard_id"]])
    c0 = base.reindex(keys).fillna(0.0).to_numpy(float)
    e = effects.loc[mine, "level"].to_numpy(float)
    s = effects.loc[mine, "project_id"].map(shares).to_numpy(float)
    effects.loc[mine, "level"] = np.where(e > c0, c0 + s * (e - c0), e)


def recourse_instance(instance: Instance, plan: pd.DataFrame) -> Instance:
    """``instance`` reduced to the plan: what a draw may still do with it (module docstring)."""
    years = plan_years(plan)
    tables = {name: frame.copy() for name, frame in instance.tables().items()}
    projects = tables["projects"]
    inside = projects["project_id"].isin(years.index)
    projects["status"] = np.where(inside, "candidate", "excluded")
    projects["earliest_start"] = projects["earliest_start"].astype("Int64")
    projects.loc[inside, "earliest_start"] = projects.loc[inside, "project_id"].map(years)
    total = plan.groupby("project_id")["share"].sum()
    divisible = projects.set_index("project_id")["divisible"]
    partial = total[(total < 1 - SHARE_TOLERANCE) & (total > SHARE_TOLERANCE)]
    partial = partial[divisible.reindex(partial.index).fillna(False).astype(bool)]
    if len(partial):
        _scaled_effects(tables, partial)
    # statuses, a start window narrowed to the plan's year and smaller projects: still valid
    reduced = instance.model_copy(update={**tables, "source": f"{instance.source} (the "
                                          "plan's projects only)"})
    return with_baseline(reduced, {str(p): int(y) for p, y in years.items()},
                         penalty=RECOURSE_PENALTY)


def changes(plan: pd.DataFrame, result: Result) -> pd.DataFrame:
    """The plan's projects ``result`` starts later (``delayed``) or not at all (``cut``)."""
    planned = plan_years(plan)
    got = plan_years(result.table("starts"))
    drawn = got.reindex(planned.index)
    kind = np.where(drawn.isna(), "cut", np.where(drawn > planned, "delayed",
                                                  np.where(drawn < planned, "earlier", "kept")))
    frame = pd.DataFrame({"project_id": planned.index, "plan_year": planned.to_numpy(),
                          "drawn_year": drawn.to_numpy(), "change": kind})
    return frame[frame["change"] != "kept"].reset_index(drop=True)


def deviation(plan: pd.DataFrame, result: Result) -> float:
    """Starts of the plan not kept in their year: ``sum_p (1 - share started in b_p)``."""
    planned = plan_years(plan)
    starts = result.table("starts")
    at = starts.set_index(["project_id", "start_year"])["share"].groupby(level=[0, 1]).sum()
    kept = at.reindex(pd.MultiIndex.from_arrays([planned.index, planned.to_numpy()])).fillna(0.0)
    return float(len(planned) - kept.sum())


def _money(result: Result) -> pd.DataFrame:
    ry = result.table("region_years").groupby("year")[["transfer", "cofinancing",
                                                        "capex_spend"]].sum()
    env = result.table("envelope").set_index("year")["envelope"]
    return ry.assign(envelope=env.reindex(ry.index)).reset_index()[MONEY_COLUMNS]


def record(base: MonteCarloBase, index: int, drawn: Instance, result: Result) -> DrawRecord:
    """The figures of draw ``index`` solved as ``result`` (the module's docstring)."""
    totals = drawn_totals(base.instance, drawn)
    plan_ids = set(plan_years(base.plan).index)
    mine = drawn.projects["project_id"].isin(plan_ids)
    totals["plan_capex_drawn"] = float(drawn.projects.loc[mine, "capex"].sum())
    row: dict[str, Any] = {"draw": index, "status": result.status.value, **totals}
    if not result.has_plan:
        return DrawRecord(row=row | {"message": result.message})
    moved = changes(base.plan, result)
    objective = result.plan_objective
    if not base.reoptimize:  # the penalty of the moved starts is not part of the plan's score
        objective -= RECOURSE_PENALTY * deviation(base.plan, result)
    money = _money(result)
    groups = result.table("provision")[GROUP_COLUMNS].copy()
    row |= {"objective": objective, "mip_gap": result.mip_gap,
            "transfer": float(money["transfer"].sum()),
            "cofinancing": float(money["cofinancing"].sum()),
            "projects_kept": len(plan_ids) - len(moved),
            "projects_delayed": int((moved["change"] == "delayed").sum()),
            "projects_cut": int((moved["change"] == "cut").sum())}
    for year, rows in groups.dropna(subset=["target"]).groupby("year"):
        row[f"shortfall_{year}"] = float(rows["shortfall"].sum())
    return DrawRecord(row=row, groups=groups, money=money, changes=moved.assign(draw=index))


def run_draw(base: MonteCarloBase, seed: int, index: int, options: dict[str, Any]
             ) -> DrawRecord:
    """Draw ``index`` of ``seed``, applied and solved (a task: the same on any worker).

    ``options``: ``time_limit``, ``mip_rel_gap``, ``threads``, ``node_limit`` of each solve.
    """
    drawn = apply_draw(base.instance, draw(base.coverage, seed, index))
    target = drawn if base.reoptimize else recourse_instance(drawn, base.plan)
    return record(base, index, drawn, _solve_from_plan(base, target, options))


def _solve_from_plan(base: MonteCarloBase, target: Instance, options: dict[str, Any]) -> Result:
    """``target`` solved warm from the plan (``optimizer.solving.warm``): a draw moves little."""
    start = BasePlan.of_starts(base.plan) if len(base.plan) else None
    return solve(target, price_envelope=False, start_from=start, **options)


def nominal_record(base: MonteCarloBase, options: dict[str, Any]) -> DrawRecord:
    """The plan on the instance as given (no draw), solved the way every draw is: the reference."""
    target = base.instance if base.reoptimize else recourse_instance(base.instance, base.plan)
    return record(base, -1, base.instance, _solve_from_plan(base, target, options))
