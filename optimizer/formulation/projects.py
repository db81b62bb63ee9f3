"""Project timing expressions and the one-start family.

``spend``, ``done`` and ``oper`` are the derived expressions of docs/formulation.md; each is
returned as (start column, year, coefficient) triplets that a family scales and places.
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets, IntArray, expand_years
from optimizer.formulation.layout import Block, Layout

Terms = tuple[IntArray, IntArray, FloatArray]
"""(start column, year position, coefficient) of an expression summed per year."""


def spend_terms(index: IndexSets) -> Terms:
    """``spend[p,t] = (C_p / D_p) * sum_{t' <= t <= t'+D_p-1} x[p,t']`` (capex spread evenly)."""
    p = index.start_project
    first = index.start_year
    j, t = expand_years(first, first + index.duration[p] - 1, index.n_years)
    return j, t, (index.capex / index.duration)[p[j]]


def operation_terms(index: IndexSets) -> Terms:
    """``O_p * oper[p,t]``, with ``oper[p,t] = sum_{t'+D_p <= t} x[p,t']`` (the year after)."""
    p = index.start_project
    j, t = expand_years(index.start_year + index.duration[p], np.full(len(p), index.n_years),
                        index.n_years)
    return j, t, index.opex[p[j]]


def completion_year(index: IndexSets) -> IntArray:
    """Year position at whose end each start column's project is complete: ``t' + D_p - 1``."""
    return index.start_year + index.duration[index.start_project] - 1


def effect_done_terms(index: IndexSets, effects: IntArray) -> tuple[IntArray, IntArray,
                                                                  IntArray]:
    """(effect, start column, year) for every year at or after each start's completion.

    The expansion behind ``gain * done[p,t]``: every start column of the effect's project, then
    every year from its completion to the end of the horizon.
    """
    per_effect = index.project_start_count[index.effect_project[effects]]
    effect, k = expand_years(np.zeros(len(effects), np.int64), per_effect - 1,
                             int(per_effect.max(initial=0)) + 1)
    effect = effects[effect]
    start = index.project_first_start[index.effect_project[effect]] + k
    which, year = expand_years(completion_year(index)[start],
                               np.full(len(start), index.n_years), index.n_years)
    return effect[which], start[which], year


def one_start(index: IndexSets, layout: Layout) -> Block:
    """``sum_t x[p,t] <= 1``, and ``= 1`` for committed projects   for p in P (not excluded).

    Where: excluded projects have no start columns; a committed project whose window is
    empty is rejected by validation before this point.
    """
    n_projects = len(index.project_ids)
    cols = np.arange(layout.n_start)
    return Block(
        name="one_start",
        row=index.start_project,
        col=layout.start0 + cols,
        val=np.ones(layout.n_start),
        lower=np.where(index.committed, 1.0, -np.inf),
        upper=np.ones(n_projects),
    )
