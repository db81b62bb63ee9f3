"""One MIP per region, solved one after another within a deadline (the decomposition's blocks).

Run in srsopt's own process or in an isolated worker (``optimizer.solving.region_worker``), or
as one Dask task per region (``optimizer.distributed.regions``): where is a ``RegionRunner``'s
choice, injected into ``optimizer.solving.decompose``, which builds the blocks and adds their
bounds up.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from optimizer.formulation.index import FloatArray, IntArray
from optimizer.highs.adapter import HighsOptions, highs_for, run, var_types
from optimizer.highs.mip_start import run_checked
from optimizer.highs.on_time import time_stops
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
    name: str = ""
    """The region's id in the instance, for messages."""
    start: FloatArray | None = None
    """A plan of the block (original columns) its MIP starts from: the block's plan in the
    solve of the model this one was changed from (``optimizer.solving.lagrange_memory``)."""

    def started_from(self, plan: FloatArray) -> RegionModel:
        """The block starting from the better, at its prices, of its start and ``plan``'s part.

        ``plan``: a plan of the whole model, so its part meets the block's rows. Near the
        optimum it is near the block's optimum too, and HiGHS stops as soon as its root proves
        it: from a 10% raised envelope's plan 0.06% above the optimum, the national blocks took
        26.7 s of one core against 49.5 s from their base plans (docs/performance.md).
        """
        part = plan[self.cols]
        if self.start is not None and (self.model.cost @ self.model.start(self.start)
                                       <= self.model.cost @ self.model.start(part)):
            return self
        return replace(self, start=part)


RegionRow = tuple[int, float, FloatArray, str]
"""A solved block: (region, bound, plan in the original columns, status of its MIP)."""


@dataclass(frozen=True)
class RegionsSolved:
    """What a ``RegionRunner`` returns: a row per block it could solve, and what to say."""

    rows: list[RegionRow]
    notes: tuple[str, ...] = ()
    """What went otherwise than planned, for the result's message: a task lost and run again,
    regions solved here because their task did not answer by the deadline."""


class RegionRunner(Protocol):
    """Solves the decomposition's blocks by ``deadline`` (wall-clock, ``time.time()``).

    Every runner keeps the same promises: a row for every block unless a stop was requested
    (``optimizer.runtime.stopping``); each HiGHS run that ended on time recorded with
    ``note_time_stop`` (reproducible mode says so); no wait past the deadline but for a block's
    own LP and a short MIP, solved here when its worker failed or did not answer.
    """

    description: str
    """Where the blocks are solved, for the result's metadata."""

    def __call__(self, models: list[RegionModel], options: HighsOptions, deadline: float
                 ) -> RegionsSolved:
        """Every block's row (fewer after a stop request)."""
        ...


def time_share(remaining: float, weight: float, weight_left: float, options: HighsOptions
               ) -> float:
    """A block's seconds out of the ``remaining`` ones.

    Reproducible mode (``node_limit``): all of them, nodes stop it. Otherwise its ``weight``'s
    share of the ``weight_left`` still to be solved.
    """
    if options.node_limit is not None:
        return remaining
    return remaining * weight / max(weight_left, 1.0)


def solve_regions(models: list[RegionModel], options: HighsOptions, deadline: float
                  ) -> list[RegionRow]:
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
        share = time_share(deadline - time.time(), sizes[k], size_left, options)
        size_left -= sizes[k]
        model = models[k]
        solved = solve_region(model, options, share)
        if solved is None:
            break
        out.append((model.region, *solved))
    return out


def solve_regions_counted(models: list[RegionModel], options: HighsOptions, deadline: float
                          ) -> tuple[list[RegionRow], list[str]]:
    """``solve_regions`` in a worker process, with the runs there that ended on time."""
    with time_stops() as stops:
        return solve_regions(models, options, deadline), stops


def solve_region(model: RegionModel, options: HighsOptions, seconds: float
                  ) -> tuple[float, FloatArray, str] | None:
    """Bound and plan of one region: its LP first, then its MIP within ``seconds``.

    The MIP starts from ``model.start`` when it has one, handed over claim-checked.

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
    deadline = max(seconds, 0.05) * 1.2
    mip = (run(h, deadline=deadline) if model.start is None else run_checked(
        h, start=block.start(model.start), deadline=deadline,
        mip_rel_gap=options.mip_rel_gap).outcome)
    if mip.bound is not None:
        bound = max(bound, mip.bound)
    if mip.values is not None:
        values = mip.values
    return bound, block.plan(values), mip.status.value


