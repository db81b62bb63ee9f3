"""What the engineered path must know of a model beyond its arrays.

Three questions: how a heuristic's column vector becomes a checked plan, how the LP's values
are rounded into one, and which region each column belongs to (for the decomposition). The
model of one instance answers them from its index (``index_plans``); the robust model of
``K`` draws (``optimizer.solving.stacked``) answers them draw by draw. ``strategy.attack``
asks only these, so both models go through the same sequence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets, IntArray
from optimizer.solving.decompose import column_regions
from optimizer.solving.heuristic import round_lp
from optimizer.solving.solution import feasible_plan


@dataclass(frozen=True)
class Plans:
    """A model's answers to the three questions of the module docstring."""

    feasible: Callable[[FloatArray | None], FloatArray | None]
    """A heuristic's vector polished into a plan that meets every row and bound, or None."""
    rounded: Callable[[FloatArray | None], FloatArray | None]
    """A checked plan rounded from the LP's values (None: the LP did not finish), or None."""
    col_region: IntArray
    """The region of each column; -1 (no region) keeps the model whole."""
    lp_share: float | None = None
    """Share of the time for the LP relaxation; None: the strategy's own (``LP_SHARE``)."""


def index_plans(index: IndexSets, form: Formulation) -> Plans:
    """The answers for the model of one instance."""
    return Plans(feasible=lambda values: feasible_plan(index, form, values),
                 rounded=lambda lp: feasible_plan(index, form, round_lp(index, form, lp)),
                 col_region=column_regions(index, form))
