"""Budget curve: solve an instance across envelope scales and price the money between points.

Every point is an independent, fresh ``optimizer.solve`` of the instance with every year's
envelope scaled (the same ``envelope: {scale: s}`` change a scenario file states), so points
solved elsewhere (``run_points``: Dask tasks, ``optimizer.distributed``) give the same numbers as
a sequential run as long as every point ends within its gap or is stopped by ``node_limit`` (a
point stopped by its time limit depends on the machine's speed). After a stop request
(``optimizer.runtime.stopping``) the points being solved end ``interrupted`` and the rest are
skipped: the curve holds the points solved by then, and ``Curve.missing`` names the others.
A point without a plan stays in the curve with its ``status`` and a one-line ``reason`` (an
infeasible one: the pre-solve check or the smallest relaxation that explains it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from models.caps import CAPS
from models.instance import Instance
from models.result import Result, SolveStatus
from models.scenario import Change, EnvelopeChange, Scenario
from models.scenario_apply import apply_scenarios
from optimizer.analysis.starts import scenario_seconds, start_text, started
from optimizer.analysis.whatif import funded, national_at_target_year, target_year
from optimizer.api import solve
from optimizer.check.explain import explain
from optimizer.runtime import stopping
from optimizer.solving.pipeline import solve_options
from optimizer.solving.warm import BasePlan

MAX_POINTS = 1000
"""Points of one sweep: each is a solve."""
EXPLAIN_SECONDS = 10.0
"""Most seconds spent explaining an infeasible point the pre-solve checks did not catch."""


def parse_range(spec: str) -> np.ndarray:
    """``0.5:2.0:16`` -> 16 evenly spaced scales from 0.5 to 2.0.

    Raises:
        ValueError: not ``start:stop:points`` with 0 < start, stop and at least 2 points.
    """
    try:
        start, stop, points = spec.split(":")
        ends, count = (float(start), float(stop)), int(points)
    except ValueError:
        raise ValueError(f"--envelope {spec!r}: expected START:STOP:POINTS, e.g. 0.5:2.0:16"
                         ) from None
    if not 2 <= count <= MAX_POINTS or min(ends) <= 0:
        raise ValueError(f"--envelope {spec!r}: need 2 to {MAX_POINTS} points and scales above 0")
    for end in ends:
        problem = CAPS["factor"].problem(end)
        if problem is not None:
            raise ValueError(f"--envelope {spec!r}: {end} {problem}")
    return np.linspace(*ends, count)


def scaled(instance: Instance, scale: float) -> Instance:
    """The instance with every year's envelope multiplied by ``scale``."""
    change = Change(kind="envelope", number=1, params=EnvelopeChange(scale=scale))
    scenario = Scenario(name=f"envelope x{scale:g}", file="sweep", changes=[change])
    return apply_scenarios(instance, [scenario])[0]


def solve_point(instance: Instance, scale: float, options: dict[str, Any]
                ) -> tuple[dict[str, Any], pd.DataFrame]:
    """One point of the curve: its summary row and its national table (a worker process's task).

    ``options``: ``optimizer.solve``'s; with ``start_from`` (the instance's own plan) the point
    starts from it, and its row says how (``start``).
    """
    changed = scaled(instance, scale)
    result = solve(changed, price_envelope=False, **options)
    warm = options.get("start_from") is not None
    row: dict[str, Any] = {"scale": scale,
                           "envelope": float(sum(changed.settings.budget.envelope.values())),
                           "status": result.status.value, "objective": result.objective,
                           "mip_gap": result.mip_gap,
                           "solve_seconds": round(result.solve_seconds, 2),
                           "start": start_text(started(result, 1, warm, warm))}
    if not result.has_plan:
        row["reason"] = no_plan_reason(changed, result, options.get("time_limit"))
        return row, pd.DataFrame()
    national = national_at_target_year(result).assign(scale=scale)
    row |= {"transfer": float(result.table("region_years")["transfer"].sum()),
            "year": target_year(result), "shortfall": float(national["shortfall"].sum()),
            "served": float((national["provision"] * national["persons"]).sum()),
            "provision": float((national["provision"] * national["persons"]).sum()
                               / national["persons"].sum()),
            "funded_projects": len(funded(result))}
    for area, rows in national.groupby("area"):
        row[f"provision_{area}"] = float((rows["provision"] * rows["persons"]).sum()
                                         / rows["persons"].sum())
    return row, national


def no_plan_reason(instance: Instance, result: Result, time_limit: float | None) -> str:
    """One line on why a point has no plan.

    An infeasible point: the first pre-solve error, else the smallest relaxation of the elastic
    model (``optimizer.check.explain``, within ``EXPLAIN_SECONDS``); a point stopped without a
    plan: its message.
    """
    if result.status != SolveStatus.INFEASIBLE:
        return result.message
    errors = [f["message"] for f in result.metadata.get("prechecks", [])
              if f.get("severity") == "error"]
    if errors:
        return errors[0]
    seconds = min(EXPLAIN_SECONDS, time_limit or instance.settings.solver.time_limit)
    found = explain(instance, time_limit=seconds, iis=False)
    return found.relaxations[0].message if found.relaxations else found.message


Output = tuple[dict[str, Any], pd.DataFrame]
PointRunner = Callable[[Instance, list[float], dict[str, Any]],
                       tuple[list[Output], dict[float, str]]]
"""Solves ``solve_point(instance, scale, options)`` for every scale, anywhere; returns the
outputs it got and, for every scale without one, why (failed, lost, not started)."""

NOT_STARTED = "not started: a stop was requested"


def solve_here(instance: Instance, scales: list[float], options: dict[str, Any],
               on_done: Callable[[dict[str, Any]], None] | None = None
               ) -> tuple[list[Output], dict[float, str]]:
    """Every point in this process, in order (a ``PointRunner``); after a stop, none more."""
    outputs: list[Output] = []
    missing: dict[float, str] = {}
    for scale in scales:
        if stopping.requested():
            missing[scale] = NOT_STARTED
            continue
        outputs.append(solve_point(instance, scale, options))
        if on_done is not None:
            on_done(outputs[-1][0])
    return outputs, missing


@dataclass(frozen=True)
class Curve:
    """The budget curve: one row per point, and national provision per category and area."""

    points: pd.DataFrame
    national: pd.DataFrame
    missing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["scale", "reason"]))
    """The scales without a point, and why (failed, lost, not started after a stop)."""


def solve_base(instance: Instance, *, time_limit: float | None = None,
               mip_rel_gap: float | None = None, threads: int = 1,
               node_limit: int | None = None) -> BasePlan | None:
    """The instance itself, solved once: the plan every point of a warm sweep starts from."""
    return BasePlan.of(solve(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap,
                             threads=threads, node_limit=node_limit, price_envelope=False))


def sweep(instance: Instance, scales: Sequence[float], *,
          run_points: PointRunner | None = None,
          time_limit: float | None = None, mip_rel_gap: float | None = None,
          threads: int = 1, node_limit: int | None = None,
          start_from: BasePlan | None = None, scenario_time_limit: float | None = None,
          on_done: Callable[[dict[str, Any]], None] | None = None) -> Curve:
    """Solve every envelope scale and add marginal values.

    The points are solved by ``run_points`` (default: here, one after another, ``on_done``
    called with each point's row; ``optimizer.distributed.sweep`` runs them as Dask tasks).
    ``time_limit`` is per point (``None``: the instance's ``solver.time_limit``, which is what a
    single solve of it is meant to need); ``threads`` is per point too. ``start_from``: the
    instance's own plan (``solve_base``): every point starts from it (``optimizer.solving.warm``)
    and gets ``scenario_time_limit`` seconds (default: a quarter of ``time_limit``).

    ``marginal_persons_per_million``: persons of last-target-year shortfall removed per extra
    million KZT of envelope (summed over the horizon) from the previous point to this one.
    """
    options: dict[str, Any] = {"time_limit": time_limit, "mip_rel_gap": mip_rel_gap,
                               "threads": threads, "node_limit": node_limit}
    if start_from is not None:
        full = solve_options(instance, time_limit, mip_rel_gap, threads, node_limit=node_limit)
        options |= {"start_from": start_from,
                    "time_limit": scenario_seconds(full.time_limit, scenario_time_limit)}
    every = [float(s) for s in scales]
    outputs, missing = (solve_here(instance, every, options, on_done) if run_points is None
                        else run_points(instance, every, options))
    points = pd.DataFrame([row for row, _ in outputs], columns=None if outputs else ["scale"]
                          ).sort_values("scale", ignore_index=True)
    if "shortfall" in points:
        money = points["envelope"].diff()
        points["marginal_persons_per_million"] = -points["shortfall"].diff() / money
        points["marginal_served_per_million"] = points["served"].diff() / money
    national = pd.concat([n for _, n in outputs if len(n)], ignore_index=True) if any(
        len(n) for _, n in outputs) else pd.DataFrame()
    return Curve(points=points, national=national,
                 missing=pd.DataFrame({"scale": list(missing), "reason": list(missing.values())},
                                      columns=["scale", "reason"]))
