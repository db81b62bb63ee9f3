"""The decomposition's plan: the region plans recombined under the real envelope.

The region plans (``optimizer.solving.decompose``) are each region's MIP with the envelope
priced; stitched together they overspend a few years' envelopes by about 1%. Two crossovers
(``optimizer.solving.heuristic.crossover``) repair that, the full model with every start fixed
where the LP and the region plans agree:

1. a small neighbourhood, found fast: a region whose MIP finished has the last word on the
   starts the LP leaves fractional there (fixed where the LP rounds to its plan); a region cut
   short by its time keeps them free, its plan no better a guide there than the LP;
2. the LP's whole neighbourhood (every fractional start free), from that plan: it holds the
   first, so it can only improve on it, and HiGHS starts with an incumbent near the region
   plans instead of searching the larger neighbourhood for one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from optimizer.formulation import Formulation
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
    settled = np.isin(plans.col_region, split.finished)
    found = plans.feasible(crossover(form, replace(options, time_limit=first), lp_values,
                                     split.values, settled=settled))
    start = better_plan(form, warm, found)
    steps["crossover_objective"] = _objective(form, start)
    if left() >= RECROSS_SECONDS and not stopping.requested():
        # the LP's whole neighbourhood, every fractional start free, from the plan found
        again = plans.feasible(crossover(form, replace(options, time_limit=left()), lp_values,
                                         split.values, start=found))
        start = better_plan(form, start, again)
        steps["recross_objective"] = _objective(form, start)
    return start


def _objective(form: Formulation, values: FloatArray | None) -> float | None:
    return None if values is None else float(form.columns.cost @ values + form.columns.offset)
