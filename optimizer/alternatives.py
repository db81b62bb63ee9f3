"""Near-optimal alternatives: plans within a share of the optimum that fund other projects.

After the optimum ``z*``, every alternative solves the same model with two additions:

- an objective bound row: ``weighted(v) <= z* + within * |z*|``;
- a diversity column ``d >= 1`` with one row per plan found so far,
  ``d <= sum_{p in F_k} (1 - f_p) + sum_{p not in F_k} f_p``, where ``f_p = sum_t x[p,t]`` is
  the funded share of project ``p`` and ``F_k`` the projects plan ``k`` funds (any share),

and the objective ``max d`` (with the weighted objective as a tie-breaker too small to trade a
single project). So each new plan is as far as possible, in funded projects, from the nearest
plan found before it, and is distinct from all of them. Each is polished and verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import PLAN_STATUSES, Result
from optimizer.formulation import build_formulation
from optimizer.highs import make_highs, run
from optimizer.index import build_index
from optimizer.pipeline import assemble_result, solve, solve_options
from optimizer.resolve import clear_interrupts, set_time_limit
from optimizer.strategy import MIP_RESERVE
from optimizer.whatif import funded


@dataclass(frozen=True)
class Alternatives:
    """The optimum, the alternatives found, and a table of the projects they disagree on."""

    optimum: Result
    plans: list[Result]
    bound: float
    """The objective every alternative stays within: ``z* + within * |z*|``."""
    overview: pd.DataFrame
    differences: pd.DataFrame


def alternatives(instance: Instance, *, within: float = 0.02, count: int = 5,
                 time_limit: float | None = None, mip_rel_gap: float | None = None,
                 threads: int | None = None,
                 on_done: Callable[[Result], None] | None = None) -> Alternatives:
    """Up to ``count`` verified plans within ``within`` of the optimum, as different as can be.

    Raises:
        ValueError: the instance's objective mode is not ``weighted`` (the bound is on it).
    """
    if instance.settings.objective.mode != "weighted":
        raise ValueError("alternatives bound the weighted objective; set objective.mode: "
                         "weighted (e.g. with a scenario)")
    optimum = solve(instance, time_limit=time_limit, mip_rel_gap=mip_rel_gap, threads=threads,
                    price_envelope=False)
    if not optimum.has_plan:
        return Alternatives(optimum, [], float("nan"), pd.DataFrame(), pd.DataFrame())
    options = solve_options(instance, time_limit, mip_rel_gap, threads)
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    h = make_highs(form, options)
    n, layout = form.shape[1], form.layout
    z = float(optimum.objective)
    bound = z + within * abs(z)
    cost = form.columns.cost
    cols = np.flatnonzero(cost).astype(np.int32)
    h.addRow(-highspy.kHighsInf, bound - form.columns.offset, len(cols), cols, cost[cols])
    spread = (within + (optimum.mip_gap or 0.0)) * abs(z) + 1.0
    tie = 0.5 / spread  # the whole range within the bound is worth less than one project
    h.addCol(-1.0, 1.0, highspy.kHighsInf, 0, np.zeros(0, np.int32), np.zeros(0))
    h.changeColsCost(n, np.arange(n, dtype=np.int32), tie * cost)
    starts = np.arange(layout.n_start, dtype=np.int32)
    project_of = pd.Index(index.project_ids)
    plans: list[Result] = []
    latest = optimum
    while len(plans) < count:
        chosen = funded(latest).index
        inside = project_of.isin(chosen)[index.start_project]
        # d + sum_{p in F} f_p - sum_{p not in F} f_p <= |F|, i.e. d <= distance to plan F
        row_cols = np.concatenate([[n], starts]).astype(np.int32)
        row_vals = np.concatenate([[1.0], np.where(inside, 1.0, -1.0)])
        h.addRow(-highspy.kHighsInf, float(len(chosen)), len(row_cols), row_cols, row_vals)
        set_time_limit(h, (1 - MIP_RESERVE) * options.time_limit)
        outcome = run(h, deadline=options.time_limit)
        clear_interrupts(h)
        if outcome.status not in PLAN_STATUSES or outcome.values is None:
            break  # no other plan within the bound (or none found in time)
        outcome = replace(outcome, values=outcome.values[:n], bound=None, gap=None)
        latest = assemble_result(instance, index, form, outcome, options, build_seconds=0.0,
                                 solve_seconds=outcome.seconds)
        plans.append(latest)
        if on_done is not None:
            on_done(latest)
    return Alternatives(optimum, plans, bound, *_tables(optimum, plans))


def _tables(optimum: Result, plans: list[Result]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per plan: objective, change, funded projects, distance; per differing project: starts."""
    names = ["optimum"] + [f"alternative {k}" for k in range(1, len(plans) + 1)]
    results = [optimum, *plans]
    sets = [set(funded(r).index) for r in results]
    rows = []
    for k, (name, r) in enumerate(zip(names, results, strict=True)):
        rows.append({"plan": name, "status": r.status.value, "objective": r.objective,
                     "change_pct": 100 * (r.objective - optimum.objective)
                     / max(abs(optimum.objective), 1e-9),
                     "funded_projects": len(sets[k]),
                     "differs_from_optimum": len(sets[k] ^ sets[0]),
                     "nearest_earlier": min((len(sets[k] ^ s) for s in sets[:k]), default=None)})
    starts = pd.DataFrame({name: funded(r) for name, r in zip(names, results, strict=True)})
    starts = starts[starts.isna().any(axis=1)]  # funded by some plans, not by all
    info = optimum.projects.set_index("project_id")[["region_id", "capex"]]
    table = info.reindex(sorted(starts.index)).join(starts).rename_axis("project_id")
    return pd.DataFrame(rows), table.reset_index()
