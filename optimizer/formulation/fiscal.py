"""Fiscal-rule families on the money columns: equalization pool, dependency cap, stability.

Each family returns an empty Block when its rule is off (docs/formulation.md section 11).
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets, IntArray
from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import operation_terms
from optimizer.formulation.provision import PERSONS_SCALE


def _block(name: str, row: IntArray, col: IntArray, val: FloatArray, lower: FloatArray,
           upper: FloatArray) -> Block:
    return Block(name=name, row=np.asarray(row, np.int64), col=np.asarray(col, np.int64),
                 val=np.asarray(val, float), lower=np.asarray(lower, float),
                 upper=np.asarray(upper, float))


def _empty(name: str) -> Block:
    none = np.zeros(0)
    return _block(name, none, none, none, none, none)


def equalization_terms(index: IndexSets, layout: Layout) -> tuple[IntArray, IntArray,
                                                                   FloatArray]:
    """``-eq[r,t]`` on fiscal-space row ``r*|T| + t``: the pool's share adds to ``F[r,t]``."""
    n = layout.n_equalization
    return np.arange(n), layout.equalization0 + np.arange(n), -np.ones(n)


def equalization_pool(index: IndexSets, layout: Layout) -> Block:
    """``sum_r eq[r,t] = pool[t]``   for t in T (the pool is distributed in full).

    Where: ``eq[r,t] >= 0`` adds to region ``r``'s fiscal space ``F[r,t]``.
    """
    if not index.fiscal.equalization:
        return _empty("equalization_pool")
    n = layout.n_equalization
    pool = index.fiscal.pool
    return _block("equalization_pool", np.arange(n) % index.n_years,
                  layout.equalization0 + np.arange(n), np.ones(n), pool, pool)


def equalization_floor(index: IndexSets, layout: Layout) -> Block:
    """``eq[r,t] >= theta * avg[t] * pop_r - own[r,t] - general[r,t]``   where the right is > 0.

    Where: ``(own + general + eq) / pop_r >= theta * avg[t]`` rearranged; ``avg[t] = (sum_r own
    + sum_r general + pool[t]) / sum_r pop_r`` is a constant because the pool is spent in full.
    """
    if not index.fiscal.equalization:
        return _empty("equalization_floor")
    need = index.fiscal.eq_floor.reshape(-1)
    rows = np.flatnonzero(need > 0)
    return _block("equalization_floor", np.arange(len(rows)), layout.equalization0 + rows,
                  np.ones(len(rows)), need[rows], np.full(len(rows), np.inf))


def dependency_bound(index: IndexSets) -> FloatArray:
    """Largest ``(1 - delta) * tau[r,t]`` the cap allows, flat; NaN where no cap applies.

    ``max(0, delta * (own + general) - general)``: a region whose general transfer alone is
    above the cap gets no targeted transfer (the pre-solve checks warn about it).
    """
    f = index.fiscal
    if f.dep_cap.size == 0:
        return np.full(index.n_regions * index.n_years, np.nan)
    cap = f.dep_cap
    return np.maximum(0.0, cap * (f.own_revenue + f.general) - f.general).reshape(-1)


def dependency_cap(index: IndexSets, layout: Layout) -> Block:
    """``(1 - delta) tau[r,t] - delta sum_{p in P_r} V_p oper[p,t] <= max(0, bound)``.

    Where: ``bound = delta * (own + general) - general``, the contract's ``general + tau <=
    delta * (own + V + general + tau)`` solved for ``tau``, ``V`` the own revenue growth
    projects add once operating (section 14); rows only for region-years with a cap (regional,
    else the year's).
    """
    bound = dependency_bound(index)
    rows = np.flatnonzero(~np.isnan(bound))
    region, year = rows // index.n_years, rows % index.n_years
    delta = index.fiscal.dep_cap[region, year]
    # revenue effects (section 14) add to own revenue: - delta * V_p * oper[p,t]
    row_of = np.full(index.n_regions * index.n_years, -1, dtype=np.int64)
    row_of[rows] = np.arange(len(rows))
    j, t, coef = operation_terms(index, index.revenue_effect)
    v_row = row_of[index.project_region[index.start_project[j]] * index.n_years + t]
    on = (v_row >= 0) & (coef != 0.0)
    return _block("dependency_cap", np.concatenate([np.arange(len(rows)), v_row[on]]),
                  np.concatenate([layout.transfer(region, year), layout.start0 + j[on]]),
                  np.concatenate([1.0 - delta, -delta[v_row[on]] * coef[on]]),
                  np.full(len(rows), -np.inf), bound[rows])


def _consecutive(index: IndexSets) -> tuple[IntArray, IntArray]:
    """(region, year) of every region and year after the first."""
    n_t = index.n_years
    pos = np.arange(index.n_regions * (n_t - 1))
    return pos // (n_t - 1), pos % (n_t - 1) + 1


def _band(name: str, index: IndexSets, layout: Layout, factor: float, lower: float,
          upper: float) -> Block:
    """``lower <= tau[r,t] - factor * tau[r,t-1] <= upper``   for r in R, t > t0."""
    region, year = _consecutive(index)
    n = len(region)
    return _block(name, np.tile(np.arange(n), 2),
                  np.concatenate([layout.transfer(region, year),
                                  layout.transfer(region, year - 1)]),
                  np.concatenate([np.ones(n), np.full(n, -factor)]),
                  np.full(n, lower), np.full(n, upper))


def hold_harmless(index: IndexSets, layout: Layout) -> Block:
    """``tau[r,t] >= (1 - d) * tau[r,t-1] - a``   for r in R, t > t0.

    Where: ``d`` is ``stability.max_decrease`` and ``a`` the ``allowance`` (million KZT).
    """
    d = index.fiscal.max_decrease
    if np.isnan(d):
        return _empty("hold_harmless")
    return _band("hold_harmless", index, layout, 1.0 - d, -index.fiscal.allowance, np.inf)


def transfer_growth(index: IndexSets, layout: Layout) -> Block:
    """``tau[r,t] <= (1 + u) * tau[r,t-1] + a``   for r in R, t > t0.

    Where: ``u`` is ``stability.max_increase`` and ``a`` the ``allowance`` (million KZT).
    """
    u = index.fiscal.max_increase
    if np.isnan(u):
        return _empty("transfer_growth")
    return _band("transfer_growth", index, layout, 1.0 + u, -np.inf, index.fiscal.allowance)


def fiscal_columns(index: IndexSets, layout: Layout) -> tuple[FloatArray, FloatArray,
                                                               FloatArray, float]:
    """Upper bounds and costs of the trailing fiscal columns, the start costs and constant.

    ``eq[r,t]`` in [0, inf) costs nothing; an elastic floor's slack costs ``penalty`` per
    person (the column is in thousands). The deviation penalty against an approved plan is
    ``penalty * sum_{p approved} (1 - x[p, b_p])``: ``-penalty`` on each approved start column
    and ``penalty`` per approved start in the constant.
    """
    f = index.fiscal
    upper = np.full(layout.n_equalization + layout.n_floor_slack, np.inf)
    cost = np.concatenate([np.zeros(layout.n_equalization),
                           f.floor_penalty[f.elastic_floors] * PERSONS_SCALE])
    start_cost = np.zeros(layout.n_start)
    start_cost[f.baseline_start] = -f.baseline_penalty
    return upper, cost, start_cost, f.baseline_penalty * len(f.baseline_start)
