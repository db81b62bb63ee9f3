"""One MIP per region, solved one after another within a deadline (the decomposition's blocks).

Run in srsopt's own process or in an isolated worker (``optimizer.solving.region_worker``);
``optimizer.solving.decompose`` builds the blocks and adds their bounds up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np

from optimizer.formulation.index import FloatArray, IntArray
from optimizer.highs.adapter import HighsOptions, highs_for, run, time_stops, var_types
from optimizer.runtime import stopping
from optimizer.solving.cumulative import CumulativeModel


@dataclass(frozen=True)
class RegionModel:
    """One region's block of the priced model, in cumulative start columns (picklable)."""

    region: int
    cols: IntArray
    """The block's columns in the full model."""
    model: CumulativeModel
    weight: float
    """Its share of the solve time: its columns, at least ``MIN_WEIGHT`` of the mean block."""



def solve_regions(models: list[RegionModel], options: HighsOptions, deadline: float
                  ) -> list[tuple[int, float, FloatArray, str]]:
    """Solve blocks one after another, small first, each within its share of the time left.

    ``deadline`` is wall-clock (``time.time()``), the same in every worker process whatever
    its start-up took. Returns (region, bound, plan, status of its MIP) per block; after a
    stop request (``optimizer.runtime.stopping``), only the blocks solved by then.
    """
    sizes = np.asarray([m.weight for m in models])
    size_left = sizes.sum()
    out = []
    for k in np.argsort(sizes, kind="stable"):  # time the small leave goes to the big
        if stopping.requested():
            break
        remaining = deadline - time.time()
        share = remaining if options.node_limit is not None else (
            remaining * sizes[k] / max(size_left, 1.0))
        size_left -= sizes[k]
        model = models[k]
        solved = _solve_region(model, options, share)
        if solved is None:
            break
        out.append((model.region, *solved))
    return out


def solve_regions_counted(models: list[RegionModel], options: HighsOptions, deadline: float
                          ) -> tuple[list[tuple[int, float, FloatArray, str]], list[str]]:
    """``solve_regions`` in a worker process, with the runs there that ended on time."""
    with time_stops() as stops:
        return solve_regions(models, options, deadline), stops


def _solve_region(model: RegionModel, options: HighsOptions, seconds: float
                  ) -> tuple[float, FloatArray, str] | None:
    """Bound and plan of one region: its LP first, then its MIP within ``seconds``.

    None when a stop request cut its LP short (no bound).
    """
    block = model.model
    integer = block.integer
    # silent: a worker's stdout carries its pickled answer
    h = highs_for(block.to_highs_lp(relax_integrality=True),
                  replace(options, time_limit=np.inf, log_to_console=False))
    relaxed = run(h)
    if relaxed.objective is None:
        if stopping.requested():
            return None
        raise RuntimeError("a region's LP relaxation failed")  # the full LP was optimal
    bound, values = relaxed.objective, relaxed.values
    assert values is not None  # a run with an objective has its values (adapter.run)
    if not integer.any():
        return bound, block.plan(values), "optimal"
    h.changeColsIntegrality(len(integer), np.arange(len(integer), dtype=np.int32),
                            var_types(integer))
    h.setOptionValue("time_limit", float(max(seconds, 0.05)))
    mip = run(h, deadline=max(seconds, 0.05) * 1.2)
    if mip.bound is not None:
        bound = max(bound, mip.bound)
    if mip.values is not None:
        values = mip.values
    return bound, block.plan(values), mip.status.value


