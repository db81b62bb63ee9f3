"""Warm starts: a changed model begins from the plan of the model it was changed from.

Most what-if changes (an envelope cut, a target, a co-financing rate) move the optimum a little,
so the base plan is almost right. When the changed model has the base model's structure (the
same columns: ``optimizer.solving.live.structural_change`` found none), the base plan's column
vector is a plan of the changed model as it stands. It is used in this order:

1. as it is, when it still meets every row and bound (a target lowered, an envelope raised);
2. repaired: the greedy rounding (``heuristic.round_lp``) led by it, which keeps its projects at
   their start years while the money lasts and then adds the best value per million KZT;
3. not at all (a fiscal rule the rounding does not know, a commitment it cannot meet): the
   solve is then an ordinary cold one.

The plan only ever becomes an incumbent, never a bound: every gap reported for a warm-started
solve is against the changed model's own proven bound (its LP, its Lagrangian bound, HiGHS's),
and HiGHS gets it through the claim-checked path (``optimizer.highs.mip_start``).
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.solving.heuristic import round_lp
from optimizer.solving.solution import feasible_plan

WARM_KEPT = "base plan kept"
WARM_REPAIRED = "base plan repaired"
WARM_UNUSABLE = "base plan unusable"


@dataclass(frozen=True)
class WarmStart:
    """What a re-solve inherits from the solve of the model it was changed from."""

    values: FloatArray
    """The base plan: a full column vector of the base model (same structure)."""


@dataclass(frozen=True)
class Incumbent:
    """A warm start made into a plan of the changed model, and how."""

    values: FloatArray | None
    how: str
    objective: float | None


def incumbent(index: IndexSets, form: Formulation, warm: WarmStart) -> Incumbent:
    """The base plan as a plan of ``form``: kept, repaired, or None (see the module doc)."""
    if len(warm.values) != form.shape[1]:
        return Incumbent(None, WARM_UNUSABLE + ": the model's columns changed", None)
    kept = feasible_plan(index, form, warm.values)
    if kept is not None:
        return Incumbent(kept, WARM_KEPT, _objective(form, kept))
    repaired = feasible_plan(index, form, round_lp(index, form, warm.values))
    if repaired is not None:
        return Incumbent(repaired, WARM_REPAIRED, _objective(form, repaired))
    return Incumbent(None, WARM_UNUSABLE + ": it breaks a rule the repair does not know", None)


def _objective(form: Formulation, values: FloatArray) -> float:
    return float(form.columns.cost @ values + form.columns.offset)
