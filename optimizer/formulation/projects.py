"""Project timing expressions and the one-start family.

``spend``, ``done`` and ``oper`` are the derived expressions of docs/formulation.md; each is
returned as (start column, year, coefficient) triplets that a family scales and places.
``spend_terms`` spreads an amount over construction by each project's spend profile (evenly
without one) and ``operation_terms`` repeats a yearly amount from the year after completion:
both take the amount per project (capex, opex by default), so that another money flow with the
same timing (a revenue effect once operating) reuses them.
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets, IntArray, expand_years
from optimizer.formulation.layout import Block, Layout

Terms = tuple[IntArray, IntArray, FloatArray]
"""(start column, year position, coefficient) of an expression summed per year."""


def profile_shares(index: IndexSets, j: IntArray, t: IntArray) -> tuple[FloatArray, np.ndarray]:
    """Share of its project's capex that start column ``j`` spends in year ``t``, by profile.

    ``s[p,k]``: the project's ``project_spend`` share of construction year ``k`` (1 = the start
    year), 0 for a year without a row. Also returns which terms have a profile at all; the
    others spread evenly (``1 / D_p``).
    """
    s = index.structure
    p = index.start_project[j]
    key = p * s.stride + (t - index.start_year[j])
    where = np.minimum(np.searchsorted(s.profile_key, key), len(s.profile_key) - 1)
    hit = s.profile_key[where] == key
    return np.where(hit, s.profile_share[where], 0.0), s.profiled[p]


def spend_terms(index: IndexSets, amount: FloatArray | None = None) -> Terms:
    """``spend[p,t] = C_p * sum_{t' <= t <= t'+D_p-1} s[p, t-t'+1] * x[p,t']``.

    ``s[p,k] = 1 / D_p`` (capex spread evenly) unless the project has a spend profile
    (``profile_shares``); a profiled year with share 0 has no term. ``amount``: what is spread
    instead of the capex ``C_p`` (million KZT per project).
    """
    p = index.start_project
    first = index.start_year
    total = index.capex if amount is None else amount
    j, t = expand_years(first, first + index.duration[p] - 1, index.n_years)
    coef = (total / index.duration)[p[j]]
    if not index.structure.has_profiles:
        return j, t, coef
    share, profiled = profile_shares(index, j, t)
    coef = np.where(profiled, total[p[j]] * share, coef)
    keep = ~profiled | (share != 0.0)
    return j[keep], t[keep], coef[keep]


def operation_terms(index: IndexSets, per_year: FloatArray | None = None) -> Terms:
    """``O_p * oper[p,t]``, with ``oper[p,t] = sum_{t'+D_p <= t} x[p,t']`` (the year after).

    ``per_year``: the yearly amount paid (or earned) once operating instead of the opex ``O_p``
    (million KZT per year per project).
    """
    p = index.start_project
    j, t = expand_years(index.start_year + index.duration[p], np.full(len(p), index.n_years),
                        index.n_years)
    return j, t, (index.opex if per_year is None else per_year)[p[j]]


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
