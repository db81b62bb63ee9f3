"""Column bounds, integrality and the ``weighted`` objective of the v1 model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.settings import ObjectiveSettings
from optimizer.formulation.fiscal import fiscal_columns
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.layout import Layout
from optimizer.formulation.projects import effect_done_terms, operation_terms
from optimizer.formulation.provision import PERSONS_SCALE, fixed_pairs


@dataclass(frozen=True)
class Columns:
    """Bounds, costs and integrality of every column, plus the objective's constant."""

    lower: FloatArray
    upper: FloatArray
    cost: FloatArray
    integer: np.ndarray
    offset: float


def columns(index: IndexSets, layout: Layout, objective: ObjectiveSettings) -> Columns:
    """Minimize the weighted objective: shortfall, access, money and growth terms.

    ``sum W_g m short - aw * sum_t sum_A W_g pop y / |T| + cw * sum tau - gw * sum_t sum_p
    G_p oper[p,t]``, where ``aw`` is ``access_weight``, ``cw`` is ``cost_weight``, ``gw`` is
    ``growth_weight`` and ``m`` a group's designation weight (sections 13-14).
    Linear pairs' access gains sit on the start columns (``gain * done``), and pairs without a
    ``y`` column contribute their ``c0`` to the constant ``offset``, so the
    reported objective includes every term; concentration ``tau[r,t] <= sigma_r * B_t`` and
    ``0 <= y <= 1``, ``0 <= x <= 1`` are bounds.
    """
    n_t = index.n_years
    pair_weight = index.category_weight[index.standard_category[index.pair_standard]]
    pair_value = pair_weight * index.population[index.pair_settlement]  # W_g * pop_s
    aw = objective.access_weight
    # linear pairs: -aw * W pop gain / |T| on a start column for every year it is done
    effect, start, _ = effect_done_terms(index, np.flatnonzero(index.effect_capped < 0))
    start_cost = np.bincount(
        start, weights=-aw * pair_value[index.effect_pair[effect]] * index.effect_gain[effect]
        / n_t, minlength=layout.n_start)
    # growth: -gw * G_p for every year a start operates in the horizon (section 14)
    g_start, _, g_coef = operation_terms(index, index.grp_effect)
    start_cost = start_cost - objective.growth_weight * np.bincount(
        g_start, weights=g_coef, minlength=layout.n_start)

    n_money = index.n_regions * n_t
    n_short = len(layout.short_group)
    fiscal_upper, fiscal_cost, deviation_cost, deviation_offset = fiscal_columns(index, layout)
    lower = np.zeros(layout.n_cols)
    upper = np.concatenate([
        np.ones(layout.n_start),
        np.ones(layout.n_capped * n_t),
        (index.sigma[:, None] * index.envelope[None, :]).reshape(-1),
        np.full(n_money + n_short, np.inf),
        fiscal_upper,
    ])
    cost = np.concatenate([
        start_cost + deviation_cost,
        np.repeat(-aw * pair_value[index.capped_pairs] / n_t, n_t),
        np.full(n_money, objective.cost_weight),
        np.zeros(n_money),
        (index.category_weight[index.group_category[layout.short_group]]
         * index.group_weight[layout.short_group] * PERSONS_SCALE),
        fiscal_cost,
    ])
    integer = np.zeros(layout.n_cols, dtype=bool)
    integer[: layout.n_start] = ~index.divisible[index.start_project]
    offset = -aw * float(np.sum(pair_value * index.pair_c0 * fixed_pairs(index)))
    offset += deviation_offset
    return Columns(lower=lower, upper=upper, cost=cost, integer=integer, offset=offset)
