"""Critical-standard floors: a region's provision of one standard by a year, hard or elastic."""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimizer.formulation.index import IndexSets, IntArray
from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import effect_done_terms
from optimizer.formulation.provision import PERSONS_SCALE


def served_terms(index: IndexSets, layout: Layout, row: IntArray, pair: IntArray,
                 year: IntArray) -> tuple[IntArray, IntArray, np.ndarray, np.ndarray]:
    """Persons served on ``pair`` at the end of ``year``, summed per ``row``.

    Returns (row, column, coefficient) of the variable part and the constant per row, in
    persons: ``pop * y`` on capped pairs, ``pop * gain * done`` on linear pairs' effects and
    ``pop * c0`` (a constant) on every pair without a ``y`` column, as in ``shortfall``.
    """
    n_rows = int(row.max(initial=-1)) + 1
    pop = index.population[index.pair_settlement]
    capped_pos = np.full(len(index.pair_c0), -1, dtype=np.int64)
    capped_pos[index.capped_pairs] = np.arange(len(index.capped_pairs))
    is_capped = capped_pos[pair] >= 0
    constant = np.bincount(row[~is_capped], weights=(pop * index.pair_c0)[pair[~is_capped]],
                           minlength=n_rows)
    y_rows, y_cols = row[is_capped], layout.provision(capped_pos[pair[is_capped]],
                                                      year[is_capped])
    y_vals = pop[pair[is_capped]]
    # linear pairs: every effect on the pair, every start done by the row's year
    linear = np.flatnonzero(index.effect_capped < 0)
    wanted = pd.DataFrame({"row": row, "pair": pair, "year": year})
    effects = pd.DataFrame({"effect": linear, "pair": index.effect_pair[linear]})
    hits = wanted.merge(effects, on="pair")
    effect, start, done_year = effect_done_terms(index, np.unique(hits["effect"].to_numpy()))
    done = pd.DataFrame({"effect": effect, "start": start, "year": done_year})
    terms = hits.merge(done, on=["effect", "year"])
    e = terms["effect"].to_numpy(np.int64)
    x_vals = pop[index.effect_pair[e]] * index.effect_gain[e]
    return (np.concatenate([y_rows, terms["row"].to_numpy(np.int64)]),
            np.concatenate([y_cols, layout.start0 + terms["start"].to_numpy(np.int64)]),
            np.concatenate([y_vals, x_vals]), constant)


def critical_floor(index: IndexSets, layout: Layout) -> Block:
    """``NUM_k[r,Y] + slack >= level * DEN_k[r]``   for every critical floor (r, k, Y).

    Where: ``NUM_k[r,Y] = sum pop_s * y[s,k,Y]`` over the region's applicable pairs of standard
    ``k`` (of the floor's area, if any), with linear pairs substituted as in ``shortfall``;
    ``slack >= 0`` (persons, cost ``penalty`` each) exists only for an elastic floor. One row at
    ``Y``: provision never falls, so the floor then holds in every later year. Rows and slack are
    in thousands of persons (``PERSONS_SCALE``).
    """
    f = index.fiscal
    n_rows = len(f.floor_level)
    row = f.floor_pair_row
    rows, cols, vals, constant = served_terms(index, layout, row, f.floor_pair,
                                              f.floor_year[row])
    elastic = f.elastic_floors
    rhs = (f.floor_level * f.floor_den - constant[:n_rows] if n_rows else np.zeros(0))
    return Block(
        name="critical_floor",
        row=np.concatenate([rows, elastic]).astype(np.int64),
        col=np.concatenate([cols, layout.floor_slack0 + np.arange(len(elastic))]).astype(
            np.int64),
        val=np.concatenate([vals / PERSONS_SCALE, np.ones(len(elastic))]),
        lower=rhs / PERSONS_SCALE,
        upper=np.full(n_rows, np.inf),
    )
