"""Hand HiGHS a MIP start, and pass on only what it can back up.

HiGHS 1.16 maps a start into its presolved model; when the "zero cost singleton" reduction
has removed a column the start needs, the start's image there is another point, whose objective
HiGHS then reports with the start's own values (docs/performance.md, "HiGHS 1.16 and MIP
starts": the textbook case ends "optimal" at 15,000 with a bound of 9,000). So every MIP run of
srsopt goes through ``run_checked``:

1. a start goes in with that presolve rule switched off (``presolve_rule_off``);
2. what comes back is checked (``optimizer.highs.claims``) against the model's own objective at the
   values returned: the same objective, a bound below it, ``optimal`` only within the gap;
3. a claim that fails is not passed on: it is logged at WARNING, the model is solved again
   without the start, then without presolve, and the first claim that holds is kept (with the
   start, if that is the better plan); when none holds, the best plan is returned with its own
   objective and no bound.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, replace

import highspy
import numpy as np
import scipy.sparse as sp

from models.result import PLAN_STATUSES, SolveStatus
from optimizer.highs.adapter import HighsOutcome, new_highs, run
from optimizer.highs.claims import claim_problems, gap, tolerance, within_gap

log = logging.getLogger(__name__)

RULE_NAME = "Zero cost singleton"
"""The presolve rule (as HiGHS's ``presolve_rule_logging`` names it) switched off for a start."""
RETRY_SHARE = 0.95
"""Share of the time left given to HiGHS's own limit in a second solve; the deadline interrupt
covers the rest, as in ``optimizer.solving.strategy``."""
MIN_RETRY_SECONDS = 0.5
"""A second solve with less time than this is not started; the start is kept instead."""
FEASIBILITY_TOL = 1e-6
"""HiGHS's primal feasibility tolerance, relative to each row's bound (at least 1)."""
_INTERRUPTS = (highspy.HighsModelStatus.kInterrupt,
               highspy.HighsModelStatus.kHighsInterrupt)  # type: ignore[attr-defined]  # see adapter
_STOPPED = PLAN_STATUSES - {SolveStatus.OPTIMAL}
"""Statuses of a plan cut short (a limit, time, an interrupt): kept for the plan returned."""


@dataclass(frozen=True)
class Checked:
    """A MIP outcome whose claims hold, and what was done to get there (empty if nothing)."""

    outcome: HighsOutcome
    notes: tuple[str, ...] = ()


def set_time_limit(h: highspy.Highs, seconds: float) -> None:
    """Give the next ``run`` of ``h`` this many seconds.

    HiGHS compares ``time_limit`` with its run clock, which adds up over every ``run`` of the
    same object: a live model re-solved with ``time_limit = seconds`` would stop at once.
    """
    h.setOptionValue("time_limit", float(h.getRunTime() + max(seconds, 0.1)))


@functools.cache
def start_presolve_mask() -> int:
    """``presolve_rule_off`` bit of ``RULE_NAME`` in the installed HiGHS (0 if it has none).

    Rule numbers change between HiGHS versions (18 is this rule in 1.16, column stuffing in
    earlier sources), so the bit is read from HiGHS's own rule log of a two-column LP, once
    per process.
    """
    lines: list[str] = []
    h = new_highs()
    h.cbLogging += lambda event: lines.append(str(event.message))
    h.setOptionValue("output_flag", True)
    h.setOptionValue("log_to_console", False)
    h.setOptionValue("presolve_rule_logging", True)
    h.setOptionValue("presolve_rule_off", (1 << 30) - 1)
    h.addVars(2, np.zeros(2), np.ones(2))
    h.changeColCost(0, 1.0)
    h.addRow(1.0, 2.0, 2, np.array([0, 1], np.int32), np.ones(2))
    h.run()
    for line in lines:  # "   Rule 18 (set bit 18 =  262144): Zero cost singleton"
        if line.strip().endswith(f"): {RULE_NAME}") and "set bit" in line:
            return 1 << int(line.split("set bit")[1].split("=")[0])
    return 0


def model_objective(h: highspy.Highs, values: np.ndarray) -> float:
    """The objective of the model held by ``h`` at ``values``, offset included."""
    lp = h.getLp()
    return float(np.asarray(lp.col_cost_) @ values + lp.offset_)


def meets_rows(matrix: sp.spmatrix, row_lower: np.ndarray, row_upper: np.ndarray,
               col_lower: np.ndarray, col_upper: np.ndarray, values: np.ndarray) -> bool:
    """Whether ``values`` meets every row and column bound, to HiGHS's feasibility tolerance."""
    activity = matrix @ values
    slack = FEASIBILITY_TOL * (1.0 + np.abs(np.where(np.isfinite(row_upper), row_upper,
                                                     row_lower)))
    return bool(np.all(activity >= row_lower - slack) and np.all(activity <= row_upper + slack)
                and np.all(values >= col_lower - FEASIBILITY_TOL)
                and np.all(values <= col_upper + FEASIBILITY_TOL))


def feasible(h: highspy.Highs, values: np.ndarray) -> bool:
    """Whether ``values`` meets every row, bound and integrality of the model held by ``h``."""
    lp = h.getLp()
    a = lp.a_matrix_
    matrix = sp.csc_matrix((np.asarray(a.value_), np.asarray(a.index_), np.asarray(a.start_)),
                           shape=(lp.num_row_, lp.num_col_))
    integer = np.array([t != highspy.HighsVarType.kContinuous for t in lp.integrality_],
                       dtype=bool)
    whole = np.abs(values[integer] - np.round(values[integer])) <= FEASIBILITY_TOL
    return bool(whole.all()) and meets_rows(matrix, np.asarray(lp.row_lower_),
                                      np.asarray(lp.row_upper_), np.asarray(lp.col_lower_),
                                      np.asarray(lp.col_upper_), values)


class _Start:
    """The start handed over, and (worked out once, only when needed) whether it is a plan."""

    def __init__(self, h: highspy.Highs, values: np.ndarray | None) -> None:
        self.h, self.values = h, values

    @functools.cached_property
    def plan(self) -> np.ndarray | None:
        """The start if it meets every row of the model, else None."""
        ok = self.values is not None and feasible(self.h, self.values)
        return self.values if ok else None


def _problems(h: highspy.Highs, outcome: HighsOutcome, mip_rel_gap: float, start: _Start
              ) -> list[str]:
    """Why HiGHS's claims about ``outcome`` do not hold (empty when they do)."""
    if outcome.values is None:
        return (["HiGHS says no plan exists, but the start is one"]
                if outcome.status == SolveStatus.INFEASIBLE and start.plan is not None else [])
    return claim_problems(outcome.status, model_objective(h, outcome.values), outcome.objective,
                          outcome.bound, mip_rel_gap)


def _solve(h: highspy.Highs, start: np.ndarray | None, deadline: float) -> HighsOutcome:
    """One run of ``h``; with ``start`` handed over and the offending presolve rule off."""
    if start is None:
        return run(h, deadline=deadline)
    mask = start_presolve_mask()
    _, before = h.getOptionValue("presolve_rule_off")
    h.setOptionValue("presolve_rule_off", int(before) | mask)
    h.setSolution(len(start), np.arange(len(start), dtype=np.int32), start)
    try:
        return run(h, deadline=deadline)
    finally:
        h.setOptionValue("presolve_rule_off", int(before))


def _again(h: highspy.Highs, seconds: float, presolve: bool) -> HighsOutcome:
    """Solve ``h`` again from scratch (no start, no basis) within ``seconds``."""
    h.clearSolver()
    _, before = h.getOptionValue("presolve")
    if not presolve:
        h.setOptionValue("presolve", "off")
    set_time_limit(h, RETRY_SHARE * seconds)
    try:
        return run(h, deadline=seconds)
    finally:
        h.setOptionValue("presolve", before)


def run_checked(h: highspy.Highs, *, start: np.ndarray | None = None, deadline: float,
                mip_rel_gap: float) -> Checked:
    """Run ``h`` (from ``start`` if given) and return an outcome whose claims hold.

    ``deadline``: seconds from now for every solve together (HiGHS's own ``time_limit`` is
    the caller's to set for the first). ``start``: a full column vector of ``h``'s model.
    """
    began = time.perf_counter()
    given = _Start(h, start)
    outcome = _solve(h, start, deadline)
    problems = _problems(h, outcome, mip_rel_gap, given)
    if not problems:
        return Checked(_better(h, outcome, given, mip_rel_gap))
    notes = [f"HiGHS's claim did not hold ({'; '.join(problems)})"]
    log.warning("%s; solving again", notes[0])
    for presolve in (True, False):
        seconds = deadline - (time.perf_counter() - began)
        if h.getModelStatus() in _INTERRUPTS:  # the deadline, or whoever stopped the run
            notes.append("the run was interrupted: not solved again")
            break
        if seconds < MIN_RETRY_SECONDS:
            notes.append("no time left to solve again")
            break
        how = "without the start" if presolve else "without the start and without presolve"
        again = _again(h, seconds, presolve)
        problems = _problems(h, again, mip_rel_gap, given)
        if not problems:
            notes.append(f"solved again {how}: {again.status.value}, objective "
                         f"{again.objective}, bound {again.bound}")
            log.warning("%s", notes[-1])
            return Checked(_better(h, again, given, mip_rel_gap), tuple(notes))
        notes.append(f"solved again {how}: the claim did not hold either ({'; '.join(problems)})")
        log.warning("%s", notes[-1])
    return Checked(_unclaimed(h, outcome, given.plan), tuple(notes))


def _better(h: highspy.Highs, outcome: HighsOutcome, start: _Start, mip_rel_gap: float
            ) -> HighsOutcome:
    """``outcome``, or the start against its bound when HiGHS returned a worse plan or none."""
    if start.values is None or outcome.status not in PLAN_STATUSES | {SolveStatus.NO_SOLUTION}:
        return outcome
    objective = model_objective(h, start.values)
    if outcome.objective is not None and outcome.objective <= objective + tolerance(objective):
        return outcome
    if start.plan is None:
        return outcome
    bound = outcome.bound if outcome.bound is not None and outcome.bound <= objective + (
        tolerance(objective)) else None
    status = (SolveStatus.OPTIMAL if within_gap(objective, bound, mip_rel_gap)
              else outcome.status if outcome.status in _STOPPED
              else SolveStatus.TIME_LIMIT)  # HiGHS stopped (on time) before it took the start
    return replace(outcome, status=status, values=start.plan, objective=objective, bound=bound,
                   gap=gap(objective, bound), row_duals=None,
                   model_status=f"{outcome.model_status}; the start is kept")


def _unclaimed(h: highspy.Highs, outcome: HighsOutcome, start: np.ndarray | None
               ) -> HighsOutcome:
    """The best plan known (HiGHS's or the start) with its own objective and no bound."""
    plans = [v for v in (outcome.values, start) if v is not None]
    note = f"{outcome.model_status}; its claim failed the check"
    if not plans:  # not reached: a failed claim without a plan needs the start to be one
        return replace(outcome, status=SolveStatus.ERROR, bound=None, gap=None, model_status=note)
    best = min(plans, key=lambda v: model_objective(h, v))
    status = outcome.status if outcome.status in _STOPPED else SolveStatus.LIMIT
    return replace(outcome, status=status, values=best,
                   objective=model_objective(h, best), bound=None, gap=None, row_duals=None,
                   model_status=note)


def with_bound(outcome: HighsOutcome, bound: float | None, mip_rel_gap: float
                ) -> HighsOutcome:
    """The outcome with the stronger of its own and a ``bound`` proven elsewhere.

    Optimal if that bound proves the gap (an LP or a Lagrangian bound).
    """
    if bound is None or outcome.objective is None:
        return outcome
    best = bound if outcome.bound is None else max(outcome.bound, bound)
    status = outcome.status
    if status in (SolveStatus.TIME_LIMIT, SolveStatus.LIMIT, SolveStatus.INTERRUPTED) and (
            within_gap(outcome.objective, best, mip_rel_gap)):
        status = SolveStatus.OPTIMAL
    return replace(outcome, bound=best, gap=gap(outcome.objective, best), status=status)


def without_mip(values: np.ndarray, objective: float, bound: float | None,
                status: SolveStatus, why: str) -> HighsOutcome:
    """A heuristic's plan as the outcome, HiGHS's MIP not run (``why``); gap against ``bound``."""
    return HighsOutcome(status=status, model_status="MIP not run: " + why, values=values,
                        row_duals=None, objective=objective, bound=bound,
                        gap=gap(objective, bound), seconds=0.0, nodes=0)
