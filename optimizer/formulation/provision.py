"""Provision and shortfall families: how projects raise coverage and meet the targets."""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets, expand_years
from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import effect_done_terms

PERSONS_SCALE = 1000.0
"""Persons per unit of the ``shortfall`` column and rows (numerics only)."""


def provision(index: IndexSets, layout: Layout) -> Block:
    """``y[s,k,t] - sum_p max(0, e[p,s,k] - c0[s,k]) * done[p,t] <= c0[s,k]``.

    For every capped pair (s,k) and year t: pairs whose gains can add up past 1, so that
    ``y <= 1`` (the column bound) may bind.

    Where: ``done[p,t] = sum_{t'+D_p-1 <= t} x[p,t']``. Every other pair is *linear*: its
    ``y`` would equal ``c0 + sum gain * done`` at an optimum (more provision never hurts the
    objective), so that expression is substituted wherever ``y`` appears; pairs no project
    improves stay at ``c0``.
    """
    n_t = index.n_years
    effects = np.flatnonzero(index.effect_capped >= 0)
    effect, start, year = effect_done_terms(index, effects)
    n_rows = layout.n_capped * n_t
    y_rows = np.arange(n_rows)
    return Block(
        name="provision",
        row=np.concatenate([y_rows, index.effect_capped[effect] * n_t + year]),
        col=np.concatenate([layout.provision0 + y_rows, layout.start0 + start]),
        val=np.concatenate([np.ones(n_rows), -index.effect_gain[effect]]),
        lower=np.full(n_rows, -np.inf),
        upper=np.repeat(index.pair_c0[index.capped_pairs], n_t),
    )


def fixed_pairs(index: IndexSets) -> np.ndarray:
    """Pairs without a ``y`` column: their ``c0`` is a constant of every expression."""
    fixed = np.ones(len(index.pair_c0), dtype=bool)
    fixed[index.capped_pairs] = False
    return fixed


def shortfall(index: IndexSets, layout: Layout) -> Block:
    """``short[r,g,a,t] + NUM[r,g,a,t] >= target[a,t] * DEN[r,g,a] - NUM_0[r,g,a]``.

    Where: ``NUM = sum pop_s * y[s,k,t]`` over the group's capped pairs plus
    ``sum pop_s * gain * done[p,t]`` over its linear pairs' effects, and
    ``NUM_0 = sum pop_s * c0[s,k]`` over its pairs without a ``y`` column (a constant). Rows
    exist for groups with ``DEN > 0`` and years with a target. Rows and the ``short`` column are
    held in thousands of persons (``PERSONS_SCALE``) to keep the matrix well scaled; its
    objective weight is scaled back, so the objective and every report stay in persons.
    """
    n_t = index.n_years
    n_short = len(layout.short_group)
    row_of = np.full((len(index.group_den), n_t), -1, dtype=np.int64)
    row_of[layout.short_group, layout.short_year] = np.arange(n_short)
    pop = index.population[index.pair_settlement]
    constant = np.bincount(index.pair_group, weights=pop * index.pair_c0 * fixed_pairs(index),
                           minlength=len(index.group_den))
    rhs = (index.target[index.group_area[layout.short_group], layout.short_year]
           * index.group_den[layout.short_group] - constant[layout.short_group])
    # y terms of capped pairs, every year that has a shortfall row for the pair's group
    capped, y_year = expand_years(np.zeros(layout.n_capped, np.int64),
                                  np.full(layout.n_capped, n_t - 1), n_t)
    pair = index.capped_pairs[capped]
    y_rows = row_of[index.pair_group[pair], y_year]
    y_keep = y_rows >= 0
    # x terms of linear pairs' effects
    effect, start, x_year = effect_done_terms(index, np.flatnonzero(index.effect_capped < 0))
    x_pair = index.effect_pair[effect]
    x_rows = row_of[index.pair_group[x_pair], x_year]
    x_keep = x_rows >= 0
    x_vals: FloatArray = pop[x_pair] * index.effect_gain[effect]
    return Block(
        name="shortfall",
        row=np.concatenate([np.arange(n_short), y_rows[y_keep], x_rows[x_keep]]),
        col=np.concatenate([layout.shortfall0 + np.arange(n_short),
                            layout.provision(capped[y_keep], y_year[y_keep]),
                            layout.start0 + start[x_keep]]),
        val=np.concatenate([np.ones(n_short), pop[pair][y_keep] / PERSONS_SCALE,
                            x_vals[x_keep] / PERSONS_SCALE]),
        lower=rhs / PERSONS_SCALE,
        upper=np.full(n_short, np.inf),
    )
