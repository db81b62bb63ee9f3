"""A warm-started solve's plan and bound, searched side by side on the machine's two cores.

With the base plan in hand, the plan comes from one sub-MIP: every start fixed where the changed
LP and the plan agree, about 6,000 of the national model's 58,000 starts left free
(``warm.crossover_with_lp``). Alone, it lands 0.9-1.3% above the plan of a 60-s cold solve in
4 s and 0.04-0.06% above it in 8-16 s (docs/performance.md). The bound comes from the
Lagrangian blocks (``warm_split``), which need about 40 s of one core to finish them all. Run
in turn, each got a part of the time and neither was done at 15 s. Here the sub-MIP runs in
this process while the blocks run in one worker process; when the sub-MIP is done, its core
takes a second worker's share of the blocks. The region plans then get what is left: the
neighbourhoods of ``recombine.improve``.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.highs.adapter import HighsOptions, HighsOutcome
from optimizer.highs.on_time import submit_counted
from optimizer.solving.decompose import Decomposition, linking_prices
from optimizer.solving.lagrange_memory import LagrangeMemory
from optimizer.solving.plans import Plans
from optimizer.solving.recombine import improve
from optimizer.solving.region_worker import Handoff, JoinedLater
from optimizer.solving.warm import better_plan, crossover_with_lp
from optimizer.solving.warm_split import split

BLOCK_SHARE = 0.8
"""Of the time, the share the blocks get; the rest is for the neighbourhood of their plans."""
CROSSOVER_SECONDS = 10.0
CROSSOVER_SHARE = 0.4
"""The plan's search gets the larger of these (at most all the time): with a cut pool of 500
it is within 0.2% of the optimum in 9 s; then its core joins the blocks
(``region_worker.JoinedLater``)."""
SPEED_FROM_PLAN = 2.0
"""Blocks started from that plan finish this much sooner (``RegionModel.started_from``): the
second worker is dealt their share of the blocks' weight accordingly."""


def plan_and_bound(index: IndexSets, form: Formulation, options: HighsOptions,
                   lp: HighsOutcome, start: FloatArray, memory: LagrangeMemory | None,
                   seconds: float, steps: dict[str, Any], plans: Plans
                   ) -> tuple[FloatArray, Decomposition | None]:
    """Within ``seconds``: the plan's neighbourhood here, the blocks in a worker process.

    Returns the best plan of the two searches and the decomposition (None: no bound).

    ``lp``: the changed model's LP relaxation, finished (values, duals, objective); ``start``:
    the warm plan, checked; ``memory``: the base's decomposition, if any. Writes the bounds and
    seconds of each search to ``steps``.
    """
    assert lp.values is not None and lp.row_duals is not None and lp.objective is not None
    clock = time.perf_counter()
    end = clock + seconds
    blocks, crossing = BLOCK_SHARE * seconds, min(seconds, max(CROSSOVER_SECONDS,
                                                                CROSSOVER_SHARE * seconds))

    def for_blocks() -> float:
        return max(clock + blocks - time.perf_counter(), 0.0)

    handoff = Handoff()
    later = SPEED_FROM_PLAN * max(blocks - crossing, 0.0)  # the second worker's capacity
    runner = JoinedLater(handoff, later / (blocks + later) if later else 0.0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        # the blocks' time stops reach the solve's tally (verdict.ended)
        bound = submit_counted(pool, split, index, form, options,
                               linking_prices(form, lp.row_duals), lp.objective, for_blocks, 1,
                               runner, memory, steps, plans.col_region)
        try:
            plan = better_plan(form, start, crossover_with_lp(  # one core, the other's blocks'
                index, form, replace(options, time_limit=crossing, threads=1), lp.values,
                start))
        except BaseException:
            handoff.give(None)  # the blocks go on without it
            raise
        handoff.give(plan)
        steps["warm_crossover_objective"] = objective_of(form, plan)
        steps["warm_crossover_seconds"] = time.perf_counter() - clock
        decomposition = bound.result()
    steps["lagrangian_seconds"] = time.perf_counter() - clock
    if decomposition is not None:
        steps["lagrangian_bound"] = decomposition.bound
        plan = improve(form, options, plan, decomposition, max(decomposition.bound, lp.objective),
                       plans, lambda: end - time.perf_counter(), steps)
    return plan, decomposition
