"""Provision and shortfall families: how projects raise coverage and meet the targets."""

from __future__ import annotations

import numpy as np

from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import completion_year
from optimizer.index import IndexSets, expand_years

PERSONS_SCALE = 1000.0
"""Persons per unit of the ``shortfall`` column and rows (numerics only)."""


def provision(index: IndexSets, layout: Layout) -> Block:
    """``y[s,k,t] - sum_p max(0, e[p,s,k] - c0[s,k]) * done[p,t] <= c0[s,k]``.

    For every pair (s,k) some project improves, and every year t.

    Where: ``done[p,t] = sum_{t'+D_p-1 <= t} x[p,t']``; ``y <= 1`` is the column bound. Pairs no
    project improves have no ``y`` and stay at ``c0``.
    """
    n_t = index.n_years
    # every (effect, start column of the effect's project)
    per_effect = index.project_start_count[index.effect_project]
    effect, k = expand_years(np.zeros(len(per_effect), np.int64), per_effect - 1,
                             int(per_effect.max(initial=0)) + 1)
    start = index.project_first_start[index.effect_project[effect]] + k
    # every year at or after completion
    pair_start, year = expand_years(completion_year(index)[start], np.full(len(start), n_t), n_t)
    effect, start = effect[pair_start], start[pair_start]
    improved = index.effect_improved[effect]
    n_rows = layout.n_improved * n_t
    y_rows = np.arange(n_rows)
    c0 = index.pair_c0[index.improved_pairs]
    return Block(
        name="provision",
        row=np.concatenate([y_rows, improved * n_t + year]),
        col=np.concatenate([layout.provision0 + y_rows, layout.start0 + start]),
        val=np.concatenate([np.ones(n_rows), -index.effect_gain[effect]]),
        lower=np.full(n_rows, -np.inf),
        upper=np.repeat(c0, n_t),
    )


def shortfall(index: IndexSets, layout: Layout) -> Block:
    """``short[r,g,a,t] + NUM_y[r,g,a,t] >= target[a,t] * DEN[r,g,a] - NUM_0[r,g,a]``.

    Where: ``NUM_y = sum pop_s * y[s,k,t]`` over improved pairs of the group and
    ``NUM_0 = sum pop_s * c0[s,k]`` over its other applicable pairs (a constant); rows exist
    for groups with ``DEN > 0`` and years with a target. The rows and the ``short`` column are
    held in thousands of persons (``PERSONS_SCALE``) to keep the matrix well scaled; its
    objective weight is scaled back, so the objective and every report stay in persons.
    """
    n_t = index.n_years
    n_short = len(layout.short_group)
    row_of = np.full((len(index.group_den), n_t), -1, dtype=np.int64)
    row_of[layout.short_group, layout.short_year] = np.arange(n_short)
    pop = index.population[index.pair_settlement]
    improved = np.zeros(len(index.pair_c0), dtype=bool)
    improved[index.improved_pairs] = True
    fixed = np.bincount(index.pair_group, weights=pop * index.pair_c0 * ~improved,
                        minlength=len(index.group_den))
    rhs = (index.target[index.group_area[layout.short_group], layout.short_year]
           * index.group_den[layout.short_group] - fixed[layout.short_group])
    # y terms: every improved pair in every year that has a shortfall row for its group
    i_pair, year = expand_years(np.zeros(layout.n_improved, np.int64),
                                np.full(layout.n_improved, n_t - 1), n_t)
    pair = index.improved_pairs[i_pair]
    rows = row_of[index.pair_group[pair], year]
    keep = rows >= 0
    return Block(
        name="shortfall",
        row=np.concatenate([np.arange(n_short), rows[keep]]),
        col=np.concatenate([layout.shortfall0 + np.arange(n_short),
                            layout.provision(i_pair[keep], year[keep])]),
        val=np.concatenate([np.ones(n_short), pop[pair][keep] / PERSONS_SCALE]),
        lower=rhs / PERSONS_SCALE,
        upper=np.full(n_short, np.inf),
    )
