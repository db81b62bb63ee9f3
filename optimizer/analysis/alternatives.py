"""Near-optimal alternatives: plans within a share of the optimum that fund other projects.

After the optimum ``z*``, every alternative solves the same model with two additions:

- an objective bound row: ``weighted(v) <= z* + within * |z*|``;
- a diversity column ``d >= 1`` with one row per plan found so far,
  ``d <= sum_{p in F_k} (1 - f_p) + sum_{p not in F_k} f_p``, where ``f_p = sum_t x[p,t]`` is
  the funded share of project ``p`` and ``F_k`` the projects plan ``k`` funds (any share),

and the objective ``max d`` (with the weighted objective as a tie-breaker too small to trade a
single project). So each new plan is as far as possible, in funded projects, from the nearest
plan found before it, and is distinct from all of them. Each is polished and verified. HiGHS
starts from RENS on this model's LP relaxation (``diverse_start``), else from the latest plan
without one project (``drop_one``, distance 1).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import highspy
import numpy as np
import pandas as pd

from models.instance import Instance
from models.result import PLAN_STATUSES, Result
from optimizer.analysis.whatif import funded
from optimizer.api import solve
from optimizer.formulation import Formulation, build_formulation, objective_of
from optimizer.formulation.index import IndexSets, build_index
from optimizer.highs.adapter import HighsOptions, make_highs, new_highs, use_threads
from optimizer.highs.mip_start import run_checked, set_time_limit
from optimizer.runtime import stopping
from optimizer.solving.assemble import assemble_result
from optimizer.solving.pipeline import solve_options
from optimizer.solving.solution import polish
from optimizer.solving.strategy import MIP_RESERVE

LP_SHARE = 0.45
"""Share of each alternative's time for the diversity model's LP relaxation: cold, with its
dense diversity rows, it takes 10-25 s nationally, and the sub-MIP needs its solution."""
RENS_SHARE = 0.35
"""... for the RENS sub-MIP on it; HiGHS's full diversity MIP gets what is left."""


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
    z = float(optimum.plan_objective)
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
    seen = [frozenset(funded(optimum).index)]
    latest = optimum
    while len(plans) < count and not stopping.requested():  # a stop keeps the plans so far
        inside = project_of.isin(list(seen[-1]))[index.start_project]
        # d + sum_{p in F} f_p - sum_{p not in F} f_p <= |F|, i.e. d <= distance to plan F
        row_cols = np.concatenate([[n], starts]).astype(np.int32)
        row_vals = np.concatenate([[1.0], np.where(inside, 1.0, -1.0)])
        h.addRow(-highspy.kHighsInf, float(len(seen[-1])), len(row_cols), row_cols, row_vals)
        clock = time.perf_counter()
        start = diverse_start(h, form, options, z)
        if start is None:
            found = drop_one(index, form, start_shares(index, latest), seen, bound)
            start = None if found is None else np.append(found, 1.0)
        left = options.time_limit - (time.perf_counter() - clock)
        set_time_limit(h, max((1 - MIP_RESERVE) * left, 1.0))
        checked = run_checked(h, start=start, deadline=max(left, 1.0),
                              mip_rel_gap=options.mip_rel_gap)
        outcome = checked.outcome  # with the start kept when HiGHS stopped before taking it
        if outcome.status not in PLAN_STATUSES or outcome.values is None:
            break  # no other plan within the bound (or none found in time)
        # the diversity model's value and bound are its own: the weighted objective has none
        stage = {"stage": "diversity", "status": outcome.status.value, "value": outcome.objective,
                 "bound": outcome.bound, "gap": outcome.gap}
        latest = assemble_result(
            instance, index, form, replace(outcome, values=outcome.values[:n], objective=None,
                                           bound=None, gap=None),
            options, build_seconds=0.0, solve_seconds=outcome.seconds,
            steps={"claims": list(checked.notes)} if checked.notes else None,
            extra={"stages": [stage]})
        plans.append(latest)
        seen.append(frozenset(funded(latest).index))
        if on_done is not None:
            on_done(latest)
    return Alternatives(optimum, plans, bound, *_tables(optimum, plans))


def start_shares(index: IndexSets, result: Result) -> np.ndarray:
    """The start columns' values of a result's plan (its ``starts`` table)."""
    columns = pd.MultiIndex.from_arrays([index.project_ids[index.start_project],
                                         index.years[index.start_year]])
    starts = result.table("starts")
    x = np.zeros(len(index.start_project))
    where = columns.get_indexer(pd.MultiIndex.from_frame(
        starts[["project_id", "start_year"]].astype({"start_year": "int64"})))
    x[where] = starts["share"].to_numpy()
    return x


def least_transfer_plan(index: IndexSets, form: Formulation, x: np.ndarray) -> np.ndarray:
    """Every column for starts ``x``, each region paying what its fiscal space allows first.

    For a subset of a feasible plan's starts this split is feasible too: spend and opex only
    fall, so co-financing, fiscal space, the envelope and the concentration caps still hold.
    """
    values = np.zeros(form.shape[1])
    values[: form.layout.n_start] = x
    first = polish(index, form, values)
    local = np.clip(index.fiscal_space - first.opex, 0.0, None)
    layout = form.layout
    values[layout.transfer0: layout.cofinancing0] = np.maximum(0.0, first.spend - local).ravel()
    return polish(index, form, values).values


def diverse_start(h: highspy.Highs, form: Formulation, options: HighsOptions, optimum: float
                  ) -> np.ndarray | None:
    """A MIP start far from the earlier plans: RENS on the diversity model's LP relaxation.

    The relaxation (diversity rows, ``max d``) is solved with the objective bound tightened to
    the optimum ``z*``: at the full bound its solution sits on the bound and no integer plan
    rounds from it. The sub-MIP with the LP's integral starts fixed (RENS, as
    ``optimizer.solving.heuristic.rens`` does for the plain model) then has the whole slack for the
    rounding and keeps the true bound and the diversity rows, so its plan is within the bound
    and new. Nationally (2% slack) it funds ~4,000 projects differently from the optimum, in
    about 40 s, where HiGHS's full diversity MIP does not get past its root in minutes.
    """
    model = h.getLp()
    integrality, model.integrality_ = model.integrality_, []
    upper = np.asarray(model.row_upper_, dtype=float)
    bound_row, full = form.shape[0], float(upper[form.shape[0]])  # the first row added
    upper[bound_row] = optimum - form.columns.offset
    model.row_upper_ = upper
    relaxed = new_highs()
    use_threads(relaxed, options.threads)
    relaxed.passModel(model)
    relaxed.setOptionValue("time_limit", float(LP_SHARE * options.time_limit))
    lp = run_checked(relaxed, deadline=LP_SHARE * options.time_limit,
                     mip_rel_gap=options.mip_rel_gap).outcome
    if lp.values is None:
        return None
    upper[bound_row] = full
    model.row_upper_ = upper
    n_start = form.layout.n_start
    x = lp.values[:n_start]
    fixed = np.flatnonzero((np.abs(x - np.round(x)) <= 1e-6)
                           & form.columns.integer[:n_start]).astype(np.int32)
    model.integrality_ = integrality
    sub = new_highs()
    use_threads(sub, options.threads)
    sub.passModel(model)
    sub.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    sub.changeColsBounds(len(fixed), fixed, np.round(x[fixed]), np.round(x[fixed]))
    sub.setOptionValue("time_limit", float(RENS_SHARE * options.time_limit))
    found = run_checked(sub, deadline=RENS_SHARE * options.time_limit,
                        mip_rel_gap=options.mip_rel_gap).outcome
    return None if found.values is None else found.values


def drop_one(index: IndexSets, form: Formulation, x: np.ndarray, seen: list[frozenset[str]],
             bound: float, tries: int = 20) -> np.ndarray | None:
    """A MIP start for the next alternative: the latest plan without one project.

    HiGHS alone finds no plan within the bound on the national model in a minute; dropping a
    funded candidate keeps the plan feasible, and the first drop (the projects with the least
    access value first) that is new and stays within ``bound`` gives HiGHS a distance of 1 to
    improve on.
    """
    on = x > 1e-9
    project = index.start_project
    value = np.bincount(project[on], weights=form.columns.cost[: len(x)][on] * x[on],
                        minlength=len(index.project_ids))
    funded_now = np.unique(project[on])
    candidates = funded_now[~index.committed[funded_now]]
    for p in candidates[np.argsort(-value[candidates], kind="stable")][:tries]:
        chosen = frozenset(str(q) for q in index.project_ids[np.setdiff1d(funded_now, [p])])
        if chosen in seen:
            continue
        values = least_transfer_plan(index, form, np.where(project == p, 0.0, x))
        if objective_of(form, values) <= bound:
            return values
    return None


def _tables(optimum: Result, plans: list[Result]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per plan: objective, change, funded projects, distance; per differing project: starts."""
    names = ["optimum"] + [f"alternative {k}" for k in range(1, len(plans) + 1)]
    results = [optimum, *plans]
    sets = [set(funded(r).index) for r in results]
    rows = []
    for k, (name, r) in enumerate(zip(names, results, strict=True)):
        rows.append({"plan": name, "status": r.status.value, "objective": r.objective,
                     "change_pct": 100 * (r.plan_objective - optimum.plan_objective)
                     / max(abs(optimum.plan_objective), 1e-9),
                     "funded_projects": len(sets[k]),
                     "differs_from_optimum": len(sets[k] ^ sets[0]),
                     "nearest_earlier": min((len(sets[k] ^ s) for s in sets[:k]), default=None)})
    starts = pd.DataFrame({name: funded(r) for name, r in zip(names, results, strict=True)})
    starts = starts[starts.isna().any(axis=1)]  # funded by some plans, not by all
    info = optimum.table("projects").set_index("project_id")[["region_id", "capex"]]
    table = info.reindex(sorted(starts.index)).join(starts).rename_axis("project_id")
    return pd.DataFrame(rows), table.reset_index()
