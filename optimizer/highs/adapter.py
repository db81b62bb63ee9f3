"""Hand the array-built model to HiGHS in one call and map every model status explicitly."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from models.result import SolveStatus
from optimizer.formulation import Formulation
from optimizer.highs import progress
from optimizer.highs.interrupt import solve_interruptibly
from optimizer.highs.on_time import note_time_stop
from optimizer.runtime import stopping

log = logging.getLogger(__name__)

_MS = highspy.HighsModelStatus
_LIMITS = {_MS.kIterationLimit, _MS.kSolutionLimit, _MS.kInterrupt,
           _MS.kHighsInterrupt,  # type: ignore[attr-defined]  # a member highspy's stubs omit
           _MS.kObjectiveBound, _MS.kObjectiveTarget, _MS.kMemoryLimit}
_FINAL = {SolveStatus.OPTIMAL, SolveStatus.INFEASIBLE, SolveStatus.UNBOUNDED}
"""Statuses a stop request does not change: the run had already settled the question."""
_ERRORS = {_MS.kNotset, _MS.kLoadError, _MS.kModelError, _MS.kPresolveError, _MS.kSolveError,
           _MS.kPostsolveError, _MS.kUnknown}


@dataclass(frozen=True)
class HighsOptions:
    """HiGHS settings of one solve."""

    time_limit: float = 60.0
    mip_rel_gap: float = 1e-3
    threads: int | None = None
    relax_integrality: bool = False
    log_to_console: bool = False
    random_seed: int = 0
    node_limit: int | None = None
    """Branch-and-bound nodes per MIP (reproducible mode); ``None``: stop on time only."""


@dataclass(frozen=True)
class HighsOutcome:
    """What HiGHS returned, already mapped to srsopt's status."""

    status: SolveStatus
    model_status: str
    values: np.ndarray | None
    row_duals: np.ndarray | None
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    nodes: int


def to_highs_lp(form: Formulation, relax_integrality: bool = False) -> highspy.HighsLp:
    """The whole model as a ``HighsLp``."""
    cols = form.columns
    return highs_lp(form.matrix, cols.cost, cols.lower, cols.upper, form.row_lower,
                    form.row_upper, None if relax_integrality else cols.integer, cols.offset)


def highs_lp(matrix: sp.csc_matrix, cost: np.ndarray, col_lower: np.ndarray,
             col_upper: np.ndarray, row_lower: np.ndarray, row_upper: np.ndarray,
             integer: np.ndarray | None, offset: float = 0.0) -> highspy.HighsLp:
    """A ``HighsLp`` from arrays (column-wise matrix), built without Python loops.

    ``integer``: which columns are integer; None (or none integer) for an LP.
    """
    lp = highspy.HighsLp()
    n_rows, n_cols = matrix.shape
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lower, col_upper
    lp.row_lower_, lp.row_upper_ = row_lower, row_upper
    lp.offset_ = offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_cols, n_rows
    if integer is not None and integer.any():
        kind = highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous
        lp.integrality_ = [kind[0] if i else kind[1] for i in integer.tolist()]
    return lp


def var_types(integer: np.ndarray) -> np.ndarray[tuple[int], np.dtype[np.uint8]]:
    """``HighsVarType`` codes, as ``changeColsIntegrality`` takes them, of an is-integer mask."""
    return np.where(integer, int(highspy.HighsVarType.kInteger),
                    int(highspy.HighsVarType.kContinuous)).astype(np.uint8)


def new_highs() -> highspy.Highs:
    """A silent HiGHS object; the licence banner HiGHS prints on first use goes to /dev/null.

    The banner is written by C++ straight to file descriptor 1, so it would otherwise break
    machine-readable output (``--json``) on stdout.
    """
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
            h.setOptionValue("output_flag", False)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    return h


_scheduler_threads: list[int | None] = [None]
"""Thread count the process-wide HiGHS scheduler was started with (None: not yet started)."""


def use_threads(h: highspy.Highs, threads: int | None) -> None:
    """Set ``threads``; HiGHS's scheduler is global, so restart it when the count changes.

    Without the restart, a solve asking for another thread count than the first solve of the
    process fails with a model status of ``kNotset``.
    """
    wanted = threads if threads is not None else 0
    if _scheduler_threads[0] is not None and _scheduler_threads[0] != wanted:
        highspy.Highs.resetGlobalScheduler(True)
    _scheduler_threads[0] = wanted
    h.setOptionValue("threads", int(wanted))


def make_highs(form: Formulation, options: HighsOptions) -> highspy.Highs:
    """A HiGHS object holding the model, with srsopt's options set."""
    return highs_for(to_highs_lp(form, options.relax_integrality), options)


def highs_for(lp: highspy.HighsLp, options: HighsOptions) -> highspy.Highs:
    """A HiGHS object holding ``lp``, with srsopt's options set (not ``relax_integrality``)."""
    h = new_highs()
    h.setOptionValue("output_flag", options.log_to_console)
    h.setOptionValue("time_limit", float(options.time_limit))
    h.setOptionValue("mip_rel_gap", float(options.mip_rel_gap))
    h.setOptionValue("random_seed", int(options.random_seed))
    use_threads(h, options.threads)
    if options.node_limit is not None:
        h.setOptionValue("mip_max_nodes", int(options.node_limit))
    status = h.passModel(lp)
    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS rejected the model (passModel returned an error)")
    return h


def _is_mip(h: highspy.Highs) -> bool:
    return len(h.getLp().integrality_) > 0


def map_status(model_status: highspy.HighsModelStatus, has_solution: bool) -> SolveStatus:
    """Srsopt's status from HiGHS's model status: HiGHS's run() says ``ok`` even when infeasible."""
    if model_status == _MS.kOptimal:
        return SolveStatus.OPTIMAL
    if model_status == _MS.kInfeasible:
        return SolveStatus.INFEASIBLE
    if model_status == _MS.kUnbounded:
        return SolveStatus.UNBOUNDED
    if model_status == _MS.kTimeLimit:
        return SolveStatus.TIME_LIMIT if has_solution else SolveStatus.NO_SOLUTION
    if model_status in _LIMITS:
        return SolveStatus.LIMIT if has_solution else SolveStatus.NO_SOLUTION
    if model_status == _MS.kModelEmpty:
        return SolveStatus.OPTIMAL
    if model_status in _ERRORS:
        return SolveStatus.ERROR
    # kUnboundedOrInfeasible after a solve without presolve: the v1 objective is bounded
    # (every column is bounded or has a non-negative cost), so no plan exists
    return SolveStatus.INFEASIBLE


def settle(status: SolveStatus) -> SolveStatus:
    """``interrupted`` for a run a stop request cut short; a settled status stays."""
    return SolveStatus.INTERRUPTED if stopping.requested() and status not in _FINAL else status


def _not_run() -> HighsOutcome:
    """The outcome of a run not started because a stop was requested."""
    log.info("HiGHS: not run, a stop was requested")
    return HighsOutcome(status=SolveStatus.INTERRUPTED, model_status="not run: stop requested",
                        values=None, row_duals=None, objective=None, bound=None, gap=None,
                        seconds=0.0, nodes=0)


def run(h: highspy.Highs, deadline: float | None = None) -> HighsOutcome:
    """Solve the model held by ``h``; read status, values, duals, bound and gap.

    ``deadline`` (seconds from now) interrupts a solve that overruns HiGHS's own time limit. A
    stop request (``optimizer.runtime.stopping``) interrupts it too: the status is then
    ``interrupted`` (unless HiGHS had already proven optimality or infeasibility), with the
    best plan HiGHS had; once a stop is requested, no run starts.
    """
    if stopping.requested():
        return _not_run()
    started = time.perf_counter()
    log.info("HiGHS: %s of %d rows x %d columns started", "MIP" if _is_mip(h) else "LP",
             h.getNumRow(), h.getNumCol())
    watching = progress.watch(h, _is_mip(h))  # nothing when nobody listens
    try:
        solve_interruptibly(h, h.run, deadline)
        model_status = h.getModelStatus()
        if model_status == _MS.kUnboundedOrInfeasible:
            # presolve could not tell; without presolve HiGHS decides which
            h.setOptionValue("presolve", "off")
            solve_interruptibly(h, h.run, None)
            model_status = h.getModelStatus()
    finally:
        watching.stop()
    seconds = time.perf_counter() - started
    info = h.getInfo()
    has_solution = info.primal_solution_status == highspy.SolutionStatus.kSolutionStatusFeasible
    status = map_status(model_status, has_solution)
    if deadline is not None and status == SolveStatus.LIMIT and time.perf_counter() - started >= (
            deadline):
        status = SolveStatus.TIME_LIMIT
    if status == SolveStatus.TIME_LIMIT or model_status == _MS.kTimeLimit:
        note_time_stop("MIP" if _is_mip(h) else "LP")
    status = settle(status)
    is_mip = info.mip_node_count >= 0 and _is_mip(h)
    values = duals = None
    objective = bound = gap = None
    if has_solution and status in (SolveStatus.OPTIMAL, SolveStatus.TIME_LIMIT,
                                   SolveStatus.LIMIT, SolveStatus.INTERRUPTED):
        solution = h.getSolution()
        values = np.asarray(solution.col_value)
        if solution.dual_valid:
            duals = np.asarray(solution.row_dual)
        objective = info.objective_function_value
        bound = info.mip_dual_bound if is_mip else objective
        gap = info.mip_gap if is_mip else 0.0
        if not math.isfinite(gap):
            gap = None
    elif is_mip and status in (SolveStatus.NO_SOLUTION, SolveStatus.TIME_LIMIT, SolveStatus.LIMIT,
                               SolveStatus.INTERRUPTED) and math.isfinite(info.mip_dual_bound):
        bound = info.mip_dual_bound  # a proven bound even before any plan is found
    log.info("HiGHS: %s in %.2f s (objective %s, gap %s)", h.modelStatusToString(model_status),
             seconds, objective, gap)
    watching.done(objective if is_mip else None, bound, gap)
    return HighsOutcome(status=status, model_status=h.modelStatusToString(model_status),
                        values=values, row_duals=duals, objective=objective, bound=bound,
                        gap=gap, seconds=seconds, nodes=max(int(info.mip_node_count), 0))
