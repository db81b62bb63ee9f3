"""Growth against shortfall: the trade-off curve by the epsilon-constraint method.

Two ends first: the shortfall-optimal plan (the instance's objective with ``growth_weight``
0) and the most output any plan adds (a pure growth objective: every shortfall, access and
money weight 0, ``growth_weight`` 1). Then N levels of output added, evenly from the first
plan's output to that most; each point minimises the instance's objective (``growth_weight``
0) with the row ``output added over the horizon >= level`` (``objective.growth_floor``,
docs/formulation.md section 15), so the last point is the growth-optimal plan with shortfall
second. The points are independent solves (``run_points``: here, or Dask tasks through
``optimizer.distributed.pareto``), each started from the shortfall-optimal plan; a point
without a plan stays on the curve with its status and a one-line reason, as in a sweep.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import Result
from optimizer.analysis.sweep import NOT_STARTED, no_plan_reason
from optimizer.analysis.whatif_compare import national_at_target_year
from optimizer.api import solve
from optimizer.check.recompute import project_years
from optimizer.runtime import stopping
from optimizer.solving.pipeline import solve_options
from optimizer.solving.warm import BasePlan

MAX_POINTS = 200
"""Points of one curve: each is a solve."""


def check_points(points: int) -> int:
    """``points`` itself when it is a count of levels the curve can have.

    Raises:
        ValueError: fewer than 2 or more than ``MAX_POINTS``.
    """
    if not 2 <= points <= MAX_POINTS:
        raise ValueError(f"--points {points}: need 2 to {MAX_POINTS} points (each is a solve)")
    return points


def with_objective(instance: Instance, **update: Any) -> Instance:
    """The instance with its objective settings changed by ``update``."""
    s = instance.settings
    objective = s.objective.model_copy(update=update)
    return instance.model_copy(update={"settings": s.model_copy(update={"objective": objective})})


def shortfall_first(instance: Instance) -> Instance:
    """The instance's objective without its growth term and without a growth floor."""
    return with_objective(instance, growth_weight=0.0, growth_floor=None)


def growth_only(instance: Instance) -> Instance:
    """Maximise output added alone: every other weight 0 (the fiscal rules' penalties stay)."""
    categories = instance.standards["category"].astype(str).unique()
    return with_objective(instance, mode="weighted", growth_weight=1.0, growth_floor=None,
                          access_weight=0.0, cost_weight=0.0, designation_weights={},
                          category_weights=dict.fromkeys(categories, 0.0))


def output_added(instance: Instance, result: Result) -> float:
    """Regional output the plan adds over the horizon, million KZT (``grp_effect``)."""
    return float(project_years(instance, result.table("starts"))["grp_added"].sum())


def shortfall_persons(result: Result) -> float:
    """National shortfall in the last target year, persons."""
    return float(national_at_target_year(result)["shortfall"].sum())


Output = tuple[dict[str, Any], Result | None]
Point = tuple[int, float]
"""(point number 1..N, level of output added in million KZT)."""
PointRunner = Callable[[Instance, list[Point], dict[str, Any]],
                       tuple[list[Output], dict[int, str]]]
"""Solves ``solve_point(instance, point, options)`` for every point, anywhere; returns the
outputs it got and, for every point without one, why (failed, lost, not started)."""


def solve_point(instance: Instance, point: Point, options: dict[str, Any]) -> Output:
    """One point: the instance (already ``shortfall_first``) with output added >= its level.

    Returns its row of pareto.csv and its result (None without a plan).
    """
    number, level = point
    floored = with_objective(instance, growth_floor=float(level))
    result = solve(floored, price_envelope=False, **options)
    row: dict[str, Any] = {"point": number, "level": float(level), "status": result.status.value,
                           "objective": result.objective, "gap": result.mip_gap,
                           "solve_seconds": round(result.solve_seconds, 2)}
    if not result.has_plan:
        row["reason"] = no_plan_reason(floored, result, options.get("time_limit"))
        return row, None
    row |= {"output_added": output_added(instance, result),
            "shortfall": shortfall_persons(result)}
    return row, result


def solve_here(instance: Instance, points: list[Point], options: dict[str, Any]
               ) -> tuple[list[Output], dict[int, str]]:
    """Every point in this process, in order (a ``PointRunner``); after a stop, none more."""
    outputs: list[Output] = []
    missing: dict[int, str] = {}
    for point in points:
        if stopping.requested():
            missing[point[0]] = NOT_STARTED
            continue
        outputs.append(solve_point(instance, point, options))
    return outputs, missing


COLUMNS = ["point", "level", "output_added", "shortfall", "objective", "status", "gap",
           "solve_seconds", "reason"]
"""pareto.csv: level and output added in million KZT over the horizon, shortfall in persons
in the last target year, gap a share (0.001 = 0.1%)."""


@dataclass(frozen=True)
class Front:
    """The curve: one row per level, each point's result, and the two ends' solves."""

    points: pd.DataFrame
    results: dict[int, Result]
    """Point number (1..N) -> its result, for the points with a plan."""
    ends: dict[str, Result]
    """``shortfall`` (the shortfall-optimal plan) and ``growth`` (the most output added)."""
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["point", "reason"]))
    """The points without a result, and why (failed, lost, not started after a stop)."""


def levels_between(low: float, high: float, points: int) -> np.ndarray:
    """``points`` levels evenly from ``low`` to ``high`` (all ``low`` when nothing is gained)."""
    return np.linspace(low, max(low, high), points)


def pareto(instance: Instance, points: int, *, run_points: PointRunner | None = None,
           time_limit: float | None = None, mip_rel_gap: float | None = None,
           threads: int = 1, node_limit: int | None = None) -> Front:
    """The ends here, then ``points`` levels solved by ``run_points`` (default: here).

    ``time_limit`` and ``threads`` are per solve. Without a shortfall-optimal plan there is
    no curve: the front has no point and ``ends["shortfall"]`` says why.
    """
    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap,
                               "threads": threads, "node_limit": node_limit}
    base = shortfall_first(instance)
    low_end = solve(base, price_envelope=False, **options)
    plan = BasePlan.of(low_end)
    if plan is None:
        return Front(points=pd.DataFrame(columns=COLUMNS), results={},
                     ends={"shortfall": low_end})
    high_end = solve(growth_only(instance), price_envelope=False, **options)
    low = output_added(instance, low_end)
    high = output_added(instance, high_end) if high_end.has_plan else low
    full = solve_options(base, time_limit, mip_rel_gap, threads, node_limit=node_limit)
    options |= {"start_from": plan, "time_limit": full.time_limit}
    every = [(k + 1, float(v)) for k, v in enumerate(levels_between(low, high, points))]
    outputs, missing = (solve_here if run_points is None else run_points)(base, every, options)
    return assemble(outputs, missing, {"shortfall": low_end, "growth": high_end})


def assemble(outputs: list[Output], missing: dict[int, str], ends: dict[str, Result]
             ) -> Front:
    """The points in order of their number (the order of their levels)."""
    table = pd.DataFrame([row for row, _ in outputs]).reindex(columns=COLUMNS).sort_values(
        "point", ignore_index=True)
    results = {int(row["point"]): result for row, result in outputs if result is not None}
    return Front(points=table, results=results, ends=ends,
                 missing=pd.DataFrame({"point": list(missing), "reason": list(missing.values())},
                                      columns=["point", "reason"]))
