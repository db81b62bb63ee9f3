"""Warm starts: a changed model begins from the plan of the model it was changed from.

Most what-if changes (an envelope cut, a target, a co-financing rate) move the optimum a little,
so the base plan is almost right. When the changed model has the base model's structure (the
same columns: ``optimizer.solving.live.structural_change`` found none), the base plan's column
vector is a plan of the changed model as it stands. It is used in this order:

1. as it is, when it still meets every row and bound (a target lowered, an envelope raised);
2. repaired: the greedy rounding (``heuristic.round_lp``) led by it and the changed model's LP
   (``incumbent``), which keeps the starts both hold while the money lasts, then the others;
3. not at all (a fiscal rule the rounding does not know, a commitment it cannot meet): the
   solve is then an ordinary cold one.

The plan only ever becomes an incumbent, never a bound: every gap reported for a warm-started
solve is against the changed model's own proven bound (its LP, its Lagrangian bound, HiGHS's),
and HiGHS gets it through the claim-checked path (``optimizer.highs.mip_start``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import overload

import numpy as np
import pandas as pd

from models.result import Result
from optimizer.formulation import Formulation, objective_of
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.heuristic import NEIGHBOURHOOD_CUT_POOL, crossover, round_lp
from optimizer.solving.lagrange_memory import LagrangeMemory
from optimizer.solving.solution import feasible_plan

WARM_KEPT = "base plan kept"
WARM_REPAIRED = "base plan repaired"
WARM_UNUSABLE = "base plan unusable"
MEMORY_KEY = "decomposition_memory"
"""``Result.metadata`` key of a solve's ``LagrangeMemory`` (not written to any output)."""


@dataclass(frozen=True)
class WarmStart:
    """What a re-solve inherits from the solve of the model it was changed from."""

    values: FloatArray
    """The base plan: a full column vector of the base model (same structure)."""
    memory: LagrangeMemory | None = field(default=None, repr=False)
    """The base's Lagrangian multipliers and region blocks (``optimizer.solving.warm_split``)."""


@dataclass(frozen=True)
class BasePlan:
    """A plan by ids, small enough to send to a worker: what a warm start needs of a result.

    Read by ids (project and start year, region and year), it fits any model of a changed
    instance, also one whose columns moved (a locked project, a changed window): starts that
    no longer exist are dropped and the repair fills in.
    """

    starts: pd.DataFrame
    """project_id, start_year, share: the plan's funded starts."""
    transfers: pd.DataFrame
    """region_id, year, transfer (million KZT)."""
    memory: LagrangeMemory | None = field(default=None, repr=False)
    """The base solve's decomposition, when it had one (``optimizer.solving.lagrange_memory``)."""

    @classmethod
    def of_starts(cls, starts: pd.DataFrame) -> BasePlan:
        """A plan known by its starts only (a draft, a plan read back): transfers derived."""
        return cls(starts=starts[["project_id", "start_year", "share"]].copy(),
                   transfers=pd.DataFrame({"region_id": [], "year": [], "transfer": []}))

    @classmethod
    def of(cls, result: Result) -> BasePlan | None:
        """The plan of ``result``, or None when it has none."""
        if not result.has_plan or result.starts is None or result.region_years is None:
            return None
        return cls(starts=result.starts[["project_id", "start_year", "share"]].copy(),
                   transfers=result.region_years[["region_id", "year", "transfer"]].copy(),
                   memory=memory_of(result))


def memory_of(result: Result) -> LagrangeMemory | None:
    """The decomposition memory ``result`` carries (``MEMORY_KEY``), if any."""
    memory = result.metadata.get(MEMORY_KEY)
    return memory if isinstance(memory, LagrangeMemory) else None


def with_memory(result: Result, memory: LagrangeMemory | None) -> Result:
    """``result`` carrying ``memory`` for the warm starts of changed models (``BasePlan.of``)."""
    if memory is None:
        return result
    return result.model_copy(update={"metadata": result.metadata | {MEMORY_KEY: memory}})


def warm_start(index: IndexSets, form: Formulation, plan: BasePlan) -> WarmStart:
    """``plan`` as a column vector of ``form`` (its starts and transfers; the rest is derived)."""
    values = np.zeros(form.shape[1])
    columns = pd.MultiIndex.from_arrays([index.project_ids[index.start_project],
                                         index.years[index.start_year]])
    at = columns.get_indexer(pd.MultiIndex.from_frame(plan.starts[["project_id",
                                                                   "start_year"]]))
    found = at >= 0
    values[at[found]] = plan.starts["share"].to_numpy(dtype=float)[found]
    region = pd.Index(index.region_ids).get_indexer(plan.transfers["region_id"])
    year = pd.Index(index.years).get_indexer(plan.transfers["year"])
    found = (region >= 0) & (year >= 0)
    values[form.layout.transfer0 + region[found] * index.n_years + year[found]] = (
        plan.transfers["transfer"].to_numpy(dtype=float)[found])
    return WarmStart(values, plan.memory)


@dataclass(frozen=True)
class Incumbent:
    """A warm start made into a plan of the changed model, and how."""

    values: FloatArray | None
    how: str
    objective: float | None


def incumbent(index: IndexSets, form: Formulation, warm: WarmStart,
              lp_values: FloatArray | None = None) -> Incumbent:
    """The base plan as a plan of ``form``: kept, repaired, or None (see the module doc).

    ``lp_values``: the changed model's LP solution. The repair is then led by the mean of the
    plan and the LP: starts both hold come first, then those only one of them holds, so a cut
    envelope drops what the changed LP values least rather than what the rounding's own
    value per million KZT (access only, blind to the shortfall rows) ranks last.
    """
    if len(warm.values) != form.shape[1]:
        return Incumbent(None, WARM_UNUSABLE + ": the model's columns changed", None)
    kept = feasible_plan(index, form, warm.values)
    if kept is not None:
        return Incumbent(kept, WARM_KEPT, objective_of(form, kept))
    guide = warm.values if lp_values is None else 0.5 * (warm.values + lp_values)
    repaired = feasible_plan(index, form, round_lp(index, form, guide))
    if repaired is not None:
        return Incumbent(repaired, WARM_REPAIRED, objective_of(form, repaired))
    return Incumbent(None, WARM_UNUSABLE + ": it breaks a rule the repair does not know", None)


@overload
def better_plan(form: Formulation, a: FloatArray, b: FloatArray | None) -> FloatArray: ...
@overload
def better_plan(form: Formulation, a: FloatArray | None, b: FloatArray | None
                ) -> FloatArray | None: ...
def better_plan(form: Formulation, a: FloatArray | None, b: FloatArray | None
                ) -> FloatArray | None:
    """The plan of lower objective of two (either may be None; a plan beats None)."""
    if a is None or b is None:
        return b if a is None else a
    return b if form.columns.cost @ b < form.columns.cost @ a else a


def crossover_with_lp(index: IndexSets, form: Formulation, options: HighsOptions,
                      lp_values: FloatArray, plan: FloatArray) -> FloatArray | None:
    """The sub-MIP with every start fixed where the changed model's LP and a warm plan agree.

    A scenario moves the LP where it matters (a cut envelope drops the starts of least value,
    a raised target adds some): the starts decided again are those, with the plan as
    incumbent, within ``options.time_limit``.
    """
    return feasible_plan(index, form, crossover(form, options, lp_values, plan, start=plan,
                                                cut_pool=NEIGHBOURHOOD_CUT_POOL))
