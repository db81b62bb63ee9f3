"""The decomposition's plan: the region plans recombined under the real envelope.

The region plans (``optimizer.solving.decompose``) are each region's MIP with the envelope
priced; stitched together they overspend a few years' envelopes by about 1%. Two crossovers
(``optimizer.solving.heuristic.crossover``) repair that: the full model with every start fixed
where the LP and the region plans agree, then where that plan and the region plans agree.

Letting the regions whose MIP finished settle the LP's fractional starts in the first
(``crossover(settled=...)``) gave better plans from the same region plans when most regions
finished, but worse whole solves on the generated 27,000-project cases (median 11.28% against
5.98% at 60 s, docs/performance.md): it is left to ``benchmarks/bench_regions.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import FloatArray
from optimizer.highs.adapter import HighsOptions
from optimizer.runtime import stopping
from optimizer.solving.decompose import Decomposition
from optimizer.solving.heuristic import crossover
from optimizer.solving.plans import Plans
from optimizer.solving.warm import better_plan

RECROSS_SECONDS = 3.0
"""The second crossover runs only with at least this many seconds left."""


def recombine(form: Formulation, options: HighsOptions, lp_values: FloatArray,
              split: Decomposition, plans: Plans, warm: FloatArray | None, first: float,
              left: Callable[[], float], steps: dict[str, Any]) -> FloatArray | None:
    """The better of ``warm`` and the crossovers' plan (checked against every row), or None.

    ``first``: seconds of the first crossover; ``left()``: the seconds still free after it,
    all of them for the second. Writes the objective after each to ``steps``
    (``crossover_objective``, ``recross_objective``; None: no plan yet).
    """
    start = better_plan(form, warm, plans.feasible(crossover(
        form, replace(options, time_limit=first), lp_values, split.values)))
    steps["crossover_objective"] = objective_of(form, start)
    if start is not None and left() >= RECROSS_SECONDS:
        start = recross(form, options, start, split, plans, left(), steps)
    return start


def recross(form: Formulation, options: HighsOptions, plan: FloatArray, split: Decomposition,
            plans: Plans, seconds: float, steps: dict[str, Any]) -> FloatArray:
    """The better of ``plan`` and its neighbourhood where it disagrees with the region plans.

    A small neighbourhood (``plan`` is its incumbent), within ``seconds``; skipped after a
    stop request. Writes ``recross_objective`` to ``steps``.
    """
    if stopping.requested():
        return plan
    plan = better_plan(form, plan, plans.feasible(crossover(
        form, replace(options, time_limit=seconds), plan, split.values, start=plan)))
    steps["recross_objective"] = objective_of(form, plan)
    return plan
