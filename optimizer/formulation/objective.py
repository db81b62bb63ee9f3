"""Column bounds, integrality and the ``weighted`` objective of the v1 model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.settings import ObjectiveSettings
from optimizer.formulation.layout import Layout
from optimizer.formulation.provision import PERSONS_SCALE
from optimizer.index import FloatArray, IndexSets


@dataclass(frozen=True)
class Columns:
    """Bounds, costs and integrality of every column, plus the objective's constant."""

    lower: FloatArray
    upper: FloatArray
    cost: FloatArray
    integer: np.ndarray
    offset: float


def columns(index: IndexSets, layout: Layout, objective: ObjectiveSettings) -> Columns:
    """Minimize ``sum W_g short - aw * sum_t sum_A W_g pop y / |T| + cw * sum tau``.

    Where: ``aw`` is ``access_weight`` and ``cw`` is ``cost_weight``.
    Pairs without a ``y`` column contribute their ``c0`` to the constant ``offset``, so the
    reported objective includes every term; concentration ``tau[r,t] <= sigma_r * B_t`` and
    ``0 <= y <= 1``, ``0 <= x <= 1`` are bounds.
    """
    n_t = index.n_years
    pair_weight = index.category_weight[index.standard_category[index.pair_standard]]
    pair_value = pair_weight * index.population[index.pair_settlement]  # W_g * pop_s
    improved = np.zeros(len(index.pair_c0), dtype=bool)
    improved[index.improved_pairs] = True
    aw = objective.access_weight

    n_money = index.n_regions * n_t
    n_short = len(layout.short_group)
    lower = np.zeros(layout.n_cols)
    upper = np.concatenate([
        np.ones(layout.n_start),
        np.ones(layout.n_improved * n_t),
        (index.sigma[:, None] * index.envelope[None, :]).reshape(-1),
        np.full(n_money + n_short, np.inf),
    ])
    cost = np.concatenate([
        np.zeros(layout.n_start),
        np.repeat(-aw * pair_value[index.improved_pairs] / n_t, n_t),
        np.full(n_money, objective.cost_weight),
        np.zeros(n_money),
        index.category_weight[index.group_category[layout.short_group]] * PERSONS_SCALE,
    ])
    integer = np.zeros(layout.n_cols, dtype=bool)
    integer[: layout.n_start] = ~index.divisible[index.start_project]
    offset = -aw * float(np.sum(pair_value * index.pair_c0 * ~improved))
    return Columns(lower=lower, upper=upper, cost=cost, integer=integer, offset=offset)
