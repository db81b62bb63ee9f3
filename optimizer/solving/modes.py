"""The staged objective modes ``lexicographic`` and ``equity`` on one live HiGHS model.

``lexicographic``: minimise the weighted shortfall; then, holding it within the tolerance,
maximise access; then, holding both, minimise republican money. ``equity``: minimise the largest
relative regional shortfall; then, holding it within the tolerance, minimise ``weighted``.
Each stage starts from the previous stage's plan. The reported objective is the ``weighted``
objective of the final plan (what ``optimizer.check.verify`` recomputes); the stage values are in
``Result.metadata["stages"]``. docs/whatif.md explains when each mode fits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import highspy
import numpy as np
import pandas as pd
import scipy.sparse as sp

from models.instance import Instance
from models.result import PLAN_STATUSES, Result, SolveStatus
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import IndexSets, build_index
from optimizer.formulation.objective import columns
from optimizer.formulation.provision import PERSONS_SCALE
from optimizer.highs.adapter import HighsOutcome, make_highs
from optimizer.highs.mip_start import run_checked, set_time_limit
from optimizer.runtime import stopping
from optimizer.solving.assemble import assemble_result
from optimizer.solving.pipeline import solve_options
from optimizer.solving.solution import polish
from optimizer.solving.strategy import MIP_RESERVE, POLISH_RESERVE

log = logging.getLogger(__name__)

Expression = tuple[np.ndarray, float]
"""(cost per column, constant): a linear expression over the formulation's columns."""


def stage_expressions(index: IndexSets, form: Formulation, instance: Instance
                      ) -> dict[str, Expression]:
    """Weighted shortfall, negated access and money, split out of ``columns`` by linearity.

    ``columns`` with ``aw = cw = 0`` is the weighted shortfall alone; raising ``aw`` (``cw``)
    to 1 adds exactly the access (money) term, so the differences are those terms.
    """
    objective = instance.settings.objective
    none = objective.model_copy(update={"access_weight": 0.0, "cost_weight": 0.0})
    short = columns(index, form.layout, none)
    access = columns(index, form.layout, none.model_copy(update={"access_weight": 1.0}))
    money = columns(index, form.layout, none.model_copy(update={"cost_weight": 1.0}))
    return {"shortfall": (short.cost, short.offset),
            "access": (access.cost - short.cost, access.offset - short.offset),
            "money": (money.cost - short.cost, money.offset - short.offset)}


def regional_relative_rows(index: IndexSets, form: Formulation) -> pd.DataFrame:
    """Shortfall columns of each (region, target year) and the region's persons ``DEN[r,t]``."""
    layout = form.layout
    frame = pd.DataFrame({"region": index.group_region[layout.short_group],
                          "year": layout.short_year,
                          "column": layout.shortfall0 + np.arange(len(layout.short_group)),
                          "den": index.group_den[layout.short_group]})
    frame["den_rt"] = frame.groupby(["region", "year"])["den"].transform("sum")
    return frame


def relative_shortfall(result: Result) -> pd.DataFrame:
    """Per region and target year: shortfall / persons over its groups (the equity measure)."""
    prov = result.table("provision").dropna(subset=["shortfall"])
    prov = prov[prov["persons"] > 0]
    per = prov.groupby(["region_id", "year"], as_index=False)[["shortfall", "persons"]].sum()
    per["relative"] = per["shortfall"] / per["persons"]
    return per


def worst_relative_shortfall(result: Result) -> float:
    """The largest relative regional shortfall of the plan (0 when no target is missed)."""
    per = relative_shortfall(result)
    return float(per["relative"].max()) if len(per) else 0.0


def _slack(value: float, tolerance: float, floor: float) -> float:
    return tolerance * max(abs(value), floor)


def _bound_row(h: highspy.Highs, expression: Expression, value: float, slack: float) -> None:
    """``cost @ v + constant <= value + slack``: keep a stage within tolerance of its optimum."""
    cost, constant = expression
    cols = np.flatnonzero(cost).astype(np.int32)
    h.addRow(-highspy.kHighsInf, value - constant + slack, len(cols), cols, cost[cols])


def _set_objective(h: highspy.Highs, cost: np.ndarray, constant: float) -> None:
    h.changeColsCost(len(cost), np.arange(len(cost), dtype=np.int32), cost)
    h.changeObjectiveOffset(float(constant))


def _equity_column(h: highspy.Highs, index: IndexSets, form: Formulation) -> int:
    """Add ``z >= sum short[r,.,.,t] / DEN[r,t]`` for every region and target year; return z.

    As rows: ``z - sum_{groups of r} (PERSONS_SCALE / DEN[r,t]) * short_col >= 0`` (the
    shortfall columns are in thousands of persons).
    """
    z = form.shape[1]
    h.addCol(0.0, 0.0, highspy.kHighsInf, 0, np.zeros(0, np.int32), np.zeros(0))
    groups = regional_relative_rows(index, form)
    row = groups.groupby(["region", "year"]).ngroup().to_numpy()
    n_rows = int(row.max()) + 1 if len(row) else 0
    if n_rows == 0:
        return z
    matrix = sp.csr_matrix(
        (np.concatenate([np.ones(n_rows), -PERSONS_SCALE / groups["den_rt"].to_numpy()]),
         (np.concatenate([np.arange(n_rows), row]),
          np.concatenate([np.full(n_rows, z), groups["column"].to_numpy()]))),
        shape=(n_rows, z + 1))
    h.addRows(n_rows, np.zeros(n_rows), np.full(n_rows, highspy.kHighsInf), matrix.nnz,
              matrix.indptr.astype(np.int32), matrix.indices.astype(np.int32), matrix.data)
    return z


def _worst(statuses: list[SolveStatus]) -> SolveStatus:
    """Optimal only when every stage was; a stage cut short makes the plan a time-limit plan."""
    others = set(statuses) - {SolveStatus.OPTIMAL}
    if not others:
        return SolveStatus.OPTIMAL
    if SolveStatus.INTERRUPTED in others:
        return SolveStatus.INTERRUPTED
    return SolveStatus.LIMIT if others == {SolveStatus.LIMIT} else SolveStatus.TIME_LIMIT


def solve_mode(instance: Instance, *, time_limit: float | None = None,
               mip_rel_gap: float | None = None, threads: int | None = None,
               node_limit: int | None = None, log_to_console: bool = False) -> Result:
    """Solve ``lexicographic`` or ``equity`` in stages and return the final plan, verified.

    Raises:
        VerificationError: the final plan breaks a rule when recomputed from the raw tables.
    """
    settings = instance.settings.objective
    mode, tolerance = settings.mode, settings.lexicographic_tolerance
    options = solve_options(instance, time_limit, mip_rel_gap, threads, log_to_console,
                            node_limit)
    started = time.perf_counter()
    index = build_index(instance)
    form = build_formulation(index, settings)
    h = make_highs(form, options)
    exprs = stage_expressions(index, form, instance)
    n = form.shape[1]
    if mode == "equity":
        z = _equity_column(h, index, form)
        only_z = np.zeros(n + 1)
        only_z[z] = 1.0
        weighted = np.append(form.columns.cost, 0.0)
        stages = [("worst_relative_shortfall", (only_z, 0.0)),
                  ("weighted", (weighted, form.columns.offset))]
    else:
        stages = [(name, exprs[name]) for name in ("shortfall", "access", "money")]
    build_seconds = time.perf_counter() - started
    records: list[dict[str, Any]] = []
    best: HighsOutcome | None = None
    outcome: HighsOutcome | None = None
    for k, (name, (cost, constant)) in enumerate(stages):
        left = options.time_limit - (time.perf_counter() - started)
        # node-limited (reproducible) stages end on nodes; time is then only a safety net
        share = max(left if options.node_limit else left / (len(stages) - k), 0.5)
        _set_objective(h, cost, constant)
        set_time_limit(h, (1 - MIP_RESERVE) * share)
        checked = run_checked(h, start=None if best is None else best.values,
                              deadline=max(share - POLISH_RESERVE, 0.1),
                              mip_rel_gap=options.mip_rel_gap)
        outcome = checked.outcome
        records.append({"stage": name, "status": outcome.status.value,
                        "value": outcome.objective, "bound": outcome.bound, "gap": outcome.gap,
                        "seconds": round(outcome.seconds, 3)}
                       | ({"claims": list(checked.notes)} if checked.notes else {}))
        log.info("%s stage %s: %s, value %s", mode, name, outcome.status.value,
                 outcome.objective)
        if outcome.status not in PLAN_STATUSES or outcome.values is None:
            break
        best = outcome
        if stopping.requested():  # the later stages are skipped
            break
        if k + 1 < len(stages):
            value = outcome.objective
            assert value is not None  # a plan comes with its objective (adapter.run)
            if name == "worst_relative_shortfall":
                upper = np.array([value + _slack(value, tolerance, 1e-3)])
                h.changeColsBounds(1, np.array([z], np.int32), np.zeros(1), upper)
            else:
                _bound_row(h, (cost, constant), value, _slack(value, tolerance, 1.0))
    solve_seconds = time.perf_counter() - started - build_seconds
    final = best if best is not None else outcome
    assert final is not None
    status = _worst([SolveStatus(r["status"]) for r in records]) if best else final.status
    if best is not None and stopping.requested() and len(records) < len(stages):
        status = SolveStatus.INTERRUPTED  # stopped between stages
    # the stages' values and bounds are of their own objectives: the weighted one has neither
    final = replace(final, status=status, objective=None, bound=None, gap=None,
                    values=None if final.values is None else final.values[:n])
    meta: dict[str, Any] = {"objective_mode": mode, "lexicographic_tolerance": tolerance,
                            "stages": records}
    notes = [f"{r['stage']}: {note}" for r in records for note in r.get("claims", [])]
    result = assemble_result(instance, index, form, final, options, build_seconds=build_seconds,
                             solve_seconds=solve_seconds, extra=meta,
                             steps={"claims": notes} if notes else None)
    if result.has_plan and final.values is not None:
        v = polish(index, form, final.values).values
        terms = {name: float(c @ v + k) for name, (c, k) in exprs.items()}
        meta["plan_terms"] = terms | {"access": -terms["access"]}
        meta["worst_relative_shortfall"] = worst_relative_shortfall(result)
    summary = ", ".join(f"{r['stage']} {r['status']}" for r in records)
    return result.model_copy(update={
        "message": f"{mode}: {summary}; the objective shown is the weighted objective of the "
                   f"final plan ({result.message})",
        "metadata": result.metadata | meta})
