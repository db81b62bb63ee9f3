"""The decomposition's plan: the region plans recombined under the real envelope.

The region plans (``optimizer.solving.decompose``) are each region's MIP with the envelope
priced; stitched together they overspend a few years' envelopes by about 1%. Two crossovers
(``optimizer.solving.heuristic.crossover``) repair that: the full model with every start fixed
where the LP and the region plans agree, then where that plan and the region plans agree. A
third neighbourhood frees the few regions where the plan is furthest from its block's bound
(``by_slack``). Each searches until its plan closes the model's gap against the proven bound,
or its time is up.

Letting the regions whose MIP finished settle the LP's fractional starts in the first
(``crossover(settled=...)``) gave better plans from the same region plans when most regions
finished, but worse whole solves on the generated 27,000-project cases (median 11.28% against
5.98% at 60 s, docs/performance.md): it is left to ``benchmarks/bench_regions.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import FloatArray, IntArray
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.claims import gap_target, within_gap
from optimizer.runtime import stopping
from optimizer.solving.decompose import Decomposition, priced_costs
from optimizer.solving.heuristic import NEIGHBOURHOOD_CUT_POOL, crossover, regions_freed
from optimizer.solving.plans import Plans
from optimizer.solving.warm import better_plan

RECROSS_SECONDS = 3.0
"""The second crossover, and the regions' neighbourhood after it, run only with at least this
many seconds left."""
NEAR_GAP = 0.01
NEAR_SHARE = 0.5
"""The second crossover's share of the time when the plan is within ``NEAR_GAP`` of the bound.
Near the optimum its neighbourhood is soon exhausted: on the national plan 0.08% above its
bound it took 96 off in 30 s, the regions' neighbourhood 2,655 in 15 s. Far from it, it
improves all along: on the generated 27,000-project cases (3-10% above the bound at 60 s)
half the time for each left the plans 4-6% worse (seeds 1, 7 and 9; docs/performance.md)."""
SLACK_STARTS = 8_000
"""The regions' neighbourhood frees at most this many starts: the national plan 0.10% above
its Lagrangian bound came 0.02% closer in 15 s with 6,350 free (three regions and the three
cities); with 12,492 or 23,602 free, HiGHS found nothing in that time (docs/performance.md)."""


def recombine(form: Formulation, options: HighsOptions, lp_values: FloatArray,
              split: Decomposition, bound: float, plans: Plans, warm: FloatArray | None,
              first: float, left: Callable[[], float], steps: dict[str, Any]
              ) -> FloatArray | None:
    """The better of ``warm`` and the crossovers' plan (checked against every row), or None.

    ``bound``: the model's best proven bound; each crossover searches its neighbourhood until
    its plan closes the model's gap against it (``heuristic.crossover``'s ``target``), the
    others only if the first did not. ``first``: seconds of the first crossover; ``left()``:
    the seconds still free after it, all of them for ``improve``. Writes the objective after
    each to ``steps`` (``crossover_objective``, ``recross_objective``, ``slack_objective``;
    None: no plan yet).
    """
    start = better_plan(form, warm, plans.feasible(crossover(
        form, replace(options, time_limit=first), lp_values, split.values,
        target=gap_target(bound, options.mip_rel_gap))))
    steps["crossover_objective"] = objective_of(form, start)
    return None if start is None else improve(form, options, start, split, bound, plans, left,
                                              steps)


def improve(form: Formulation, options: HighsOptions, plan: FloatArray, split: Decomposition,
            bound: float, plans: Plans, left: Callable[[], float], steps: dict[str, Any]
            ) -> FloatArray:
    """``plan`` searched on while ``left()`` is at least ``RECROSS_SECONDS``.

    ``recross`` first, then ``by_slack`` within what it leaves. A plan within ``NEAR_GAP`` of
    the bound gives the second crossover ``NEAR_SHARE`` of the time, else all of it (the regions'
    neighbourhoods then run only if it ends early, searched to ``heuristic.NEIGHBOURHOOD_GAP``).
    """
    if left() >= RECROSS_SECONDS:
        near = within_gap(objective_of(form, plan), bound, NEAR_GAP)
        plan = recross(form, options, plan, split, bound, plans,
                       (NEAR_SHARE if near else 1.0) * left(), steps)
    return by_slack(form, options, plan, split, bound, plans, left, steps)


def recross(form: Formulation, options: HighsOptions, plan: FloatArray, split: Decomposition,
            bound: float, plans: Plans, seconds: float, steps: dict[str, Any]) -> FloatArray:
    """The better of ``plan`` and its neighbourhood where it disagrees with the region plans.

    A small neighbourhood (``plan`` is its incumbent), searched within ``seconds`` until a plan
    closes the gap against ``bound``; skipped after a stop request or when ``plan`` already
    does. Writes ``recross_objective`` to ``steps``.
    """
    if _settled(form, options, plan, bound):
        return plan
    plan = better_plan(form, plan, plans.feasible(crossover(
        form, replace(options, time_limit=seconds), plan, split.values, start=plan,
        target=gap_target(bound, options.mip_rel_gap))))
    steps["recross_objective"] = objective_of(form, plan)
    return plan


def by_slack(form: Formulation, options: HighsOptions, plan: FloatArray, split: Decomposition,
             bound: float, plans: Plans, left: Callable[[], float], steps: dict[str, Any]
             ) -> FloatArray:
    """The better of ``plan`` and the neighbourhoods of the regions where it is furthest off.

    At the decomposition's prices, a region's share of ``plan`` is at least its block's bound;
    the difference (its slack) sums with the envelope's unused money to the plan's distance
    from the Lagrangian bound. In rounds, the regions of largest slack not yet freed, up to
    ``SLACK_STARTS`` starts, are decided again within all of ``left()``: a round that searched
    its neighbourhood through before the time was up hands over to the next. Until the plan
    closes the gap against ``bound``, every region was freed, a stop is requested, or less than
    ``RECROSS_SECONDS`` is left. Writes ``slack_objective`` and ``slack_regions`` (how many
    regions were freed) to ``steps``, and ``searched_through``: whether every region was.
    """
    freed = np.zeros(len(split.region_bounds), dtype=bool)
    while left() >= RECROSS_SECONDS and not freed.all() and not _settled(form, options, plan,
                                                                          bound):
        chosen = slack_regions(form, plan, split, plans.col_region, freed)
        freed[chosen] = True
        plan = better_plan(form, plan, plans.feasible(regions_freed(
            form, replace(options, time_limit=left()), plan,
            np.isin(plans.col_region, chosen), NEIGHBOURHOOD_CUT_POOL,
            gap_target(bound, options.mip_rel_gap))))
        steps["slack_objective"] = objective_of(form, plan)
        steps["slack_regions"] = int(freed.sum())
    steps["searched_through"] = bool(freed.all())
    return plan


def slack_regions(form: Formulation, plan: FloatArray, split: Decomposition,
                  col_region: IntArray, skip: np.ndarray | None = None) -> IntArray:
    """The regions of largest slack (``by_slack``) whose starts sum to at most ``SLACK_STARTS``.

    In order of slack, a region that would overflow the count is passed over for smaller ones
    after it; the first region is always taken. ``skip``: per region, those not to take.
    """
    n_regions = len(split.region_bounds)
    priced = priced_costs(form, split.mu)
    placed = col_region >= 0
    value = np.bincount(col_region[placed], weights=(priced * plan)[placed],
                        minlength=n_regions)
    starts = np.bincount(col_region[:form.layout.n_start], minlength=n_regions)
    chosen: list[int] = []
    count = 0
    for r in np.argsort(split.region_bounds - value, kind="stable"):  # largest slack first
        if (skip is not None and skip[r]) or (chosen and count + starts[r] > SLACK_STARTS):
            continue
        chosen.append(int(r))
        count += int(starts[r])
    return np.asarray(chosen, dtype=np.int64)


def _settled(form: Formulation, options: HighsOptions, plan: FloatArray, bound: float) -> bool:
    """No further search: a stop was requested, or ``plan`` closes the gap against ``bound``."""
    return stopping.requested() or within_gap(objective_of(form, plan), bound,
                                              options.mip_rel_gap)
