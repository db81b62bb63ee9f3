"""How the MIP is attacked: the plain HiGHS solve, or the engineered sequence.

Engineered (the default), each step within its share of the time left:

1. the LP relaxation: envelope prices, a proven bound, and a fractional plan;
2. models of 50,000+ columns (national scale), where HiGHS's own MIP cannot finish its root:
   a. the Lagrangian decomposition by region, priced with the LP's envelope duals: a proven
      bound that adds the regions' integrality gaps, and one plan per region (each region MIP
      in cumulative start columns, ``optimizer.solving.cumulative``);
   b. the crossover: the full model with every start fixed where the LP and the region plans
      agree, then again where that plan and the region plans agree (``heuristic.crossover``),
      then the regions of largest Lagrangian slack (``recombine.by_slack``), each until its
      plan closes the model's gap;
      RENS if a row links regions beyond the envelope and the equalization pool (a project
      with effects in another region) or no plan came out;
3. smaller models: RENS (every integral LP start fixed), then HiGHS's MIP with that plan as
   its incumbent for the rest of the time, unless the plan is already within ``mip_rel_gap``.

Plain: the LP relaxation (prices only), then HiGHS's MIP alone. Kept for benchmarks.
The reported gap is always against a proven bound (LP, Lagrangian or HiGHS's), never against a
heuristic's own estimate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

from models.result import SolveStatus
from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import IndexSets
from optimizer.highs import progress
from optimizer.highs.adapter import HighsOptions, HighsOutcome, make_highs
from optimizer.highs.claims import within_gap
from optimizer.highs.mip_start import Checked, run_checked, with_bound, without_mip
from optimizer.highs.on_time import time_stops
from optimizer.runtime import stopping
from optimizer.solving.decompose import linking_prices
from optimizer.solving.heuristic import rens
from optimizer.solving.lagrange_memory import LagrangeMemory
from optimizer.solving.plans import Plans, index_plans
from optimizer.solving.recombine import recombine
from optimizer.solving.region_worker import started_early
from optimizer.solving.regions import RegionRunner
from optimizer.solving.side_by_side import plan_and_bound
from optimizer.solving.verdict import ended
from optimizer.solving.warm import WarmStart, better_plan, crossover_with_lp, incumbent
from optimizer.solving.warm_split import split as split_by_region

log = logging.getLogger(__name__)

Strategy = Literal["engineered", "plain"]

LP_SHARE = 0.3
"""At most this share of the time left goes to the LP relaxation (or ``Plans.lp_share``)."""
LP_SHARE_WARM = 0.6
"""... when a warm start brings a plan: the bound is what is missing (a sweep point or a
what-if case on Dask re-solves the national LP from scratch, 6-8 s, within a 15-s limit)."""
HEURISTIC_SHARE = 0.3
"""... to the RENS plan (models without the decomposition)."""
DECOMPOSITION_SHARE = 0.75
"""... to the Lagrangian decomposition (of what is left after the LP, less the reserve)."""
CROSSOVER_SHARE = 0.6
"""... to the crossover of its region plans with the LP; the rest (if at least
``recombine.RECROSS_SECONDS``) to the plan's further neighbourhoods (``recombine.improve``).
HiGHS's full MIP is not run after the decomposition: on these models its pre-root phase alone
can outlast the limit (20,000 settlements: 263 s for a 75 s remainder)."""
DECOMPOSITION_COLUMNS = 50_000
"""Models with at least this many columns get the Lagrangian bound; smaller ones give the time
to HiGHS's MIP, which closes them further (2,000 settlements, 24k columns, 60 s: 0.19% with
HiGHS's MIP against 0.88% with the decomposition)."""
PARALLEL_WORKERS = 2
PARALLEL_COLUMNS = 20_000
"""Models with at least this many columns solve their regions in ``PARALLEL_WORKERS``
processes; below it, starting the processes (~1.5 s) costs more than it saves."""
MIP_SECONDS_PER_COLUMN = 20.0 / 70_000
"""HiGHS's MIP is only started after the heuristics with at least this much time left per
column: before its root LP it honours neither its time limit nor an interrupt (probing on the
national model, 70,000 columns, took 15-20 s), so a late start would overrun the limit."""
MIP_RESERVE = 0.05
"""Share of the time left not given to HiGHS's own time limit; the deadline interrupt covers
the cut round it would otherwise finish past it (``optimizer.highs.adapter.run``)."""
POLISH_RESERVE = 1.0
POLISH_SHARE = 0.05
"""Time kept at the end (at least ``POLISH_RESERVE`` s, or this share of the limit) for HiGHS
to react to the interrupt and for the plan to be polished and verified."""


@dataclass(frozen=True)
class Attack:
    """What the strategy produced: the MIP outcome with the best bound, and the LP."""

    outcome: HighsOutcome
    lp: HighsOutcome
    steps: dict[str, Any]
    """Seconds and bounds of each step, for the summary and benchmarks; ``claims``: what was
    done about a claim of HiGHS that did not hold (``optimizer.highs.mip_start``)."""
    memory: LagrangeMemory | None = None
    """The decomposition's multipliers and blocks, for a re-solve of a changed model."""


def attack(index: IndexSets, form: Formulation, options: HighsOptions, started: float,
           strategy: Strategy = "engineered", lp: HighsOutcome | None = None,
           warm: WarmStart | None = None, regions: RegionRunner | None = None,
           plans: Plans | None = None) -> Attack:
    """Run the strategy within ``options.time_limit`` counted from ``started``.

    ``lp``: the LP relaxation already solved (a live model re-solved from its basis,
    ``optimizer.solving.live``); step 1 is then skipped. ``warm``: the plan of the model this
    one was changed from (``optimizer.solving.warm``): the incumbent from the start, so the
    heuristics only have to beat it (and RENS is skipped), and the answer if it is already
    within the gap of the LP bound. ``regions``: where the decomposition's region MIPs are
    solved (default: ``PARALLEL_WORKERS`` local processes on models of ``PARALLEL_COLUMNS``,
    else here; ``optimizer.distributed.regions`` gives one on a Dask cluster); models without
    the decomposition do not use it, and ``steps`` says so. ``plans``: how a vector becomes a
    checked plan of ``form`` and which region each column is in, when ``form`` is not the
    model of ``index`` itself (the robust model, ``optimizer.solving.stacked``).
    """
    early = PARALLEL_WORKERS if (strategy == "engineered" and regions is None and (
        form.shape[1] >= DECOMPOSITION_COLUMNS) and form.columns.integer.any()) else 0
    # its own tally of time stops (verdict.ended); region workers start during the LP
    with time_stops(), started_early(early):
        return _attack(index, form, options, started, strategy, lp, warm, regions,
                       index_plans(index, form) if plans is None else plans)


def _attack(index: IndexSets, form: Formulation, options: HighsOptions, started: float,
            strategy: Strategy, lp: HighsOutcome | None, warm: WarmStart | None,
            regions: RegionRunner | None, plans: Plans) -> Attack:
    def left() -> float:
        return max(options.time_limit - (time.perf_counter() - started), 0.5)

    def share(fraction: float) -> float:
        """A stage's time; in reproducible mode nodes stop it and time is only a safety net."""
        return left() if options.node_limit is not None else fraction * left()

    steps: dict[str, Any] = {}
    clock = time.perf_counter()
    if lp is None:
        lp_share = LP_SHARE_WARM if warm is not None else plans.lp_share or LP_SHARE
        relaxed = _relaxation(form, replace(options, relax_integrality=True,
                                            time_limit=share(lp_share)))
        lp = relaxed.outcome
        if relaxed.notes:
            steps["claims"] = list(relaxed.notes)
    steps["lp_seconds"], clock = time.perf_counter() - clock, time.perf_counter()
    bound = lp.objective if lp.status == SolveStatus.OPTIMAL else None
    steps["lp_bound"] = bound
    start = None
    memory = None
    decomposed = False
    is_mip = bool(form.columns.integer.any())
    if warm is not None and is_mip:
        inherited = incumbent(index, form, warm, lp.values)
        start = inherited.values
        steps["warm"] = inherited.how
        steps["warm_objective"] = inherited.objective
        steps["warm_seconds"], clock = time.perf_counter() - clock, time.perf_counter()
    settled = start is not None and within_gap(steps["warm_objective"], bound,
                                               options.mip_rel_gap)
    if strategy == "engineered" and is_mip and not stopping.requested() and not settled:
        if lp.values is None:  # the LP did not finish: a greedy plan by value per million KZT
            start = start if start is not None else plans.rounded(None)
            if start is not None and warm is not None and warm.memory is not None and (
                    form.shape[1] >= DECOMPOSITION_COLUMNS):  # a bound at the base's prices
                found, bound, memory = _decomposed(index, form, options, start, None, bound,
                                                   share, steps, regions, plans, start,
                                                   warm.memory)
                start = better_plan(form, start, found)
                decomposed = "lagrangian_bound" in steps
        else:
            splits = bound is not None and lp.row_duals is not None and (
                form.shape[1] >= DECOMPOSITION_COLUMNS)
            if warm and start is not None and splits and regions is None:  # warm, here
                start, split = plan_and_bound(index, form, options, lp, start, warm.memory,
                                              share(1.0) - _reserve(options), steps, plans)
                if split is not None:
                    bound, memory, decomposed = max(split.bound, bound or 0), split.memory, True
            elif start is not None:  # warm: decide again where the changed LP and plan differ
                start = better_plan(form, start, crossover_with_lp(index, form, replace(
                    options, time_limit=share(HEURISTIC_SHARE)), lp.values, start))
                steps["warm_crossover_objective"] = objective_of(form, start)
            if splits and not decomposed:
                found, bound, memory = _decomposed(
                    index, form, options, lp.values, lp.row_duals, bound, share, steps, regions,
                    plans, start, None if warm is None else warm.memory)
                start = better_plan(form, start, found)
                decomposed = "lagrangian_bound" in steps  # linked regions: RENS, then HiGHS
            elif start is None:
                start = plans.feasible(rens(form, replace(
                    options, time_limit=share(HEURISTIC_SHARE)), lp.values))
        if start is None and lp.values is not None and not stopping.requested():
            start = plans.rounded(lp.values)
        steps["heuristic_seconds"], clock = time.perf_counter() - clock, time.perf_counter()
        steps["heuristic_objective"] = objective_of(form, start)
    if regions is not None and "lagrangian_bound" not in steps and not stopping.requested():
        steps["region_notes"] = [
            f"{regions.description}: not used, the model ({form.shape[1]:,} columns) is "
            f"solved here whole (it is split by region from {DECOMPOSITION_COLUMNS:,} columns, "
            "when the LP relaxation finishes and no row links two regions)"]
    objective = objective_of(form, start)
    within = objective is not None and within_gap(objective, bound, options.mip_rel_gap)
    too_late = decomposed or (options.node_limit is None
                              and left() < MIP_SECONDS_PER_COLUMN * form.shape[1])
    stopped = stopping.requested()
    if start is not None and objective is not None and (within or too_late or stopped):
        outcome = without_mip(start, objective, bound, *(
            (SolveStatus.OPTIMAL, "the plan is within the gap of the proven bound") if within
            else (SolveStatus.INTERRUPTED, "a stop was requested") if stopped
            else ended(decomposed, steps, options, left())))
        return _done(Attack(outcome=outcome, lp=lp, steps=steps, memory=memory), strategy)
    h = make_highs(form, options)
    reserve = _reserve(options)
    h.setOptionValue("time_limit", float(max((1 - MIP_RESERVE) * left() - reserve, 0.1)))
    mip = run_checked(h, start=start, deadline=max(left() - reserve, 0.1),
                      mip_rel_gap=options.mip_rel_gap)
    outcome = with_bound(mip.outcome, bound, options.mip_rel_gap)
    steps["mip_seconds"] = time.perf_counter() - clock
    if mip.notes:
        steps["claims"] = steps.get("claims", []) + list(mip.notes)
    return _done(Attack(outcome=outcome, lp=lp, steps=steps, memory=memory), strategy)


@progress.stage("LP relaxation")
def _relaxation(form: Formulation, options: HighsOptions) -> Checked:
    """The LP relaxation, by HiGHS's serial dual simplex.

    Not its parallel dual simplex (PAMI): 20% faster on an idle 2-core machine (national model
    4.65 -> 3.76 s), it is 5-11x slower when anything else runs (``benchmarks/bench_lp.py`` at
    load 6-7: national 4.0 s serial against 44.8 s; the robust model of 4 draws 24.3 s against
    121.3 s), which a shared machine, a sweep with ``--jobs 2`` or the service's workers make
    the common case.
    """
    return run_checked(make_highs(form, options), deadline=options.time_limit,
                       mip_rel_gap=options.mip_rel_gap)


def _decomposed(index: IndexSets, form: Formulation, options: HighsOptions,
                lp_values: np.ndarray, lp_duals: np.ndarray | None, bound: float | None,
                share: Callable[[float], float], steps: dict[str, Any],
                regions: RegionRunner | None, plans: Plans, warm: np.ndarray | None = None,
                memory: LagrangeMemory | None = None
                ) -> tuple[np.ndarray | None, float | None, LagrangeMemory | None]:
    """Lagrangian bound by region, then the crossover of its region plans with the LP.

    Falls back to RENS when the regions are linked by more than the envelope and the
    equalization pool, or the crossover finds no plan in its time. Returns the plan (checked
    against every row) and the best bound. ``warm``: a plan already in hand (a warm start):
    the second crossover starts from the better of it and the first crossover's plan, and no
    RENS is run when the crossover finds nothing. ``memory``: the base's decomposition
    (``optimizer.solving.warm_split``); without the LP (``lp_duals`` None, ``lp_values`` the
    warm plan) it is priced at the base's multipliers only. Returns its memory too.
    """
    clock = time.perf_counter()
    mu = None if lp_duals is None else linking_prices(form, lp_duals)
    reserve = _reserve(options)
    workers = PARALLEL_WORKERS if form.shape[1] >= PARALLEL_COLUMNS else 1
    split = split_by_region(index, form, options, mu, bound,
                            lambda: max(share(DECOMPOSITION_SHARE) - reserve, 0.0), workers,
                            regions, memory, steps, plans.col_region)
    steps["lagrangian_seconds"] = time.perf_counter() - clock
    start = None
    if split is not None:  # None after a stop request too
        steps["lagrangian_bound"] = split.bound
        if regions is not None:
            steps["regions_on"] = regions.description
        if split.notes:
            steps["region_notes"] = list(split.notes)
        bound = split.bound if bound is None else max(bound, split.bound)
        start = recombine(form, options, lp_values, split, bound, plans, warm,
                          max(share(CROSSOVER_SHARE) - reserve, 0.5),
                          lambda: share(1.0) - reserve, steps)
        steps["crossover_seconds"] = time.perf_counter() - clock - steps["lagrangian_seconds"]
    if start is None and warm is None and not stopping.requested():
        start = plans.feasible(rens(form, replace(
            options, time_limit=share(HEURISTIC_SHARE)), lp_values))
    return start if start is not None else warm, bound, None if split is None else split.memory


def _reserve(options: HighsOptions) -> float:
    """Seconds kept at the end for the interrupt to land and the plan to be polished."""
    return max(POLISH_RESERVE, POLISH_SHARE * options.time_limit)


def _done(result: Attack, strategy: Strategy) -> Attack:
    log.info("strategy %s: %s", strategy, result.steps)
    return result
