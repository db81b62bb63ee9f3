"""The Lagrangian step of a warm-started solve: the base's multipliers first, then the LP's.

With a memory of the base's decomposition (``optimizer.solving.lagrange_memory``) the first
multipliers are the base's when at least ``REUSE_SHARE`` of the blocks priced at them keep
their remembered bound and plan (a cut envelope): ``L(mu_base)`` of the changed model then comes
at the cost of the other blocks, solved from their base plans. It is a proven bound of the
changed model (its own row sides and blocks), but priced for the base. When it is below the
changed LP's bound (a larger change: the money's worth moved) and the pass took little of its
time, a second one prices the blocks at the changed LP's duals, which gives at least the LP
bound (each block starting from its plan); the better bound of the two is kept, with its region
plans. Above the LP bound it is kept as it is and the time goes to the crossover: a second
pass there gained 0.02% of bound and cost the plan more (docs/performance.md).
When few blocks hold (a raised envelope widens every region's cap, a raised target moves the
shortfall rows), the single pass is at the LP's duals, every block starting from its base plan.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets, IntArray
from optimizer.highs.adapter import HighsOptions
from optimizer.runtime import stopping
from optimizer.solving.decompose import Decomposition, lagrangian, priced, remembered_prices
from optimizer.solving.lagrange_memory import LagrangeMemory
from optimizer.solving.regions import RegionRunner

REUSE_SHARE = 0.5
"""The base's multipliers are tried first when at least this share of the blocks holds there."""
REPRICE_SECONDS = 8.0
"""... and even above the LP bound when it gets at least this long: priced for the base,
``L(mu_base)`` misses what money is worth after the change (a 5% cut: 11,869,654 against
11,943,409 at the LP's prices, docs/performance.md)."""
REPRICE_SHARE = 0.25
"""The LP's multipliers get a pass of their own when the base's took less than this share of
the time it was given (every block or nearly every one unchanged: an envelope change)."""


def split(index: IndexSets, form: Formulation, options: HighsOptions,
          lp_mu: FloatArray | None, lp_bound: float | None, seconds: Callable[[], float],
          workers: int,
          regions: RegionRunner | None, memory: LagrangeMemory | None, steps: dict[str, Any],
          col_region: IntArray | None = None) -> Decomposition | None:
    """The decomposition of best bound; ``seconds()``: the time for a pass, asked per pass.

    Without a memory (or with one of other linking rows) one pass at ``lp_mu``; without the
    LP (``lp_mu`` None: it did not finish) only the base's, whatever it reuses. Writes to
    ``steps`` the bound of each pass and how many blocks were reused. ``col_region``: as for
    ``decompose.region_models``.
    """
    mu = None if memory is None else remembered_prices(form, memory)
    blocks = None if mu is None else priced(index, form, mu, memory, col_region)
    if blocks is None or (lp_mu is not None
                          and len(blocks.kept) < REUSE_SHARE * len(blocks.models)):
        if lp_mu is None:
            return None
        return _counted(lagrangian(index, form, options, lp_mu, seconds(), workers, regions,
                                   memory, col_region), steps)
    allowed = seconds()
    clock = time.perf_counter()
    first = _counted(lagrangian(index, form, options, blocks, allowed, workers, regions),
                     steps)
    if first is None:
        return None
    steps["lagrangian_base_mu_bound"] = first.bound
    late = time.perf_counter() - clock > REPRICE_SHARE * allowed
    again = seconds()
    if lp_mu is None or late or stopping.requested() or (
            lp_bound is not None and first.bound >= lp_bound and again < REPRICE_SECONDS):
        return first
    second = _counted(lagrangian(index, form, options, lp_mu, again, workers, regions,
                                 first.memory, col_region), steps)
    if second is None:
        return first
    steps["lagrangian_lp_mu_bound"] = second.bound
    return second if second.bound > first.bound else first


def _counted(split: Decomposition | None, steps: dict[str, Any]) -> Decomposition | None:
    if split is not None and split.memory is not None:
        steps["blocks_reused"] = steps.get("blocks_reused", 0) + split.reused
        steps["blocks_solved"] = steps.get("blocks_solved", 0) + (
            len(split.memory.regions) - split.reused)
    return split
