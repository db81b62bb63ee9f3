"""Money families: funding split, co-financing, local fiscal space, the republican envelope."""

from __future__ import annotations

import numpy as np

from optimizer.formulation.fiscal import equalization_terms
from optimizer.formulation.index import IndexSets
from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import operation_terms, spend_terms


def _region_year_rows(index: IndexSets) -> tuple[np.ndarray, np.ndarray]:
    """(region, year) of each row of a per-region-and-year family, row ``r*|T| + t``."""
    n = index.n_regions * index.n_years
    return np.arange(n) // index.n_years, np.arange(n) % index.n_years


def funding(index: IndexSets, layout: Layout) -> Block:
    """``tau[r,t] + loc[r,t] - spend[r,t] = 0``   for r in R, t in T.

    Where: ``spend[r,t] = sum_{p in P_r} spend[p,t]``, capex spread evenly over construction.
    """
    region, year = _region_year_rows(index)
    j, t, coef = spend_terms(index)
    n_rows = len(region)
    return Block(
        name="funding",
        row=np.concatenate([np.arange(n_rows), np.arange(n_rows),
                            index.project_region[index.start_project[j]] * index.n_years + t]),
        col=np.concatenate([layout.transfer(region, year), layout.cofinancing(region, year),
                            layout.start0 + j]),
        val=np.concatenate([np.ones(2 * n_rows), -coef]),
        lower=np.zeros(n_rows),
        upper=np.zeros(n_rows),
    )


def cofinancing(index: IndexSets, layout: Layout) -> Block:
    """``loc[r,t] >= alpha_r * spend[r,t]``, written ``alpha_r*tau - (1-alpha_r)*loc <= 0``.

    Where: the rewrite substitutes ``spend = tau + loc`` from ``funding``; it is the same set of
    plans with two nonzeros per row instead of one per project and year.
    """
    region, year = _region_year_rows(index)
    n_rows = len(region)
    alpha = index.alpha[region]
    return Block(
        name="cofinancing",
        row=np.concatenate([np.arange(n_rows), np.arange(n_rows)]),
        col=np.concatenate([layout.transfer(region, year), layout.cofinancing(region, year)]),
        val=np.concatenate([alpha, alpha - 1.0]),
        lower=np.full(n_rows, -np.inf),
        upper=np.zeros(n_rows),
    )


def fiscal_space(index: IndexSets, layout: Layout) -> Block:
    """``loc[r,t] + sum_{p in P_r} (O_p - V_p) * oper[p,t] <= F[r,t]``   for r in R, t in T.

    Where: ``oper[p,t] = sum_{t'+D_p <= t} x[p,t']``: opex is paid, and the revenue effect
    ``V_p`` earned, from the year after completion (section 14); with the equalization pool on,
    ``- eq[r,t]`` joins the left side (it adds to ``F[r,t]``).
    """
    region, year = _region_year_rows(index)
    j, t, coef = operation_terms(index, index.opex - index.revenue_effect)
    n_rows = len(region)
    eq_row, eq_col, eq_val = equalization_terms(index, layout)  # empty unless the pool is on
    return Block(
        name="fiscal_space",
        row=np.concatenate([np.arange(n_rows),
                            index.project_region[index.start_project[j]] * index.n_years + t,
                            eq_row]),
        col=np.concatenate([layout.cofinancing(region, year), layout.start0 + j, eq_col]),
        val=np.concatenate([np.ones(n_rows), coef, eq_val]),
        lower=np.full(n_rows, -np.inf),
        upper=index.fiscal_space.reshape(-1),
    )


def envelope(index: IndexSets, layout: Layout) -> Block:
    """``sum_r tau[r,t] <= B_t``   for t in T.

    With carryover, cumulatively: ``sum_{t'<=t} sum_r tau[r,t'] <= sum_{t'<=t} B_t'``.
    Where: concentration ``tau[r,t] <= sigma_r * B_t`` is the column's upper bound.
    """
    region, year = _region_year_rows(index)
    if index.carryover:
        # tau[r,t'] enters every row t >= t'
        pos, row = np.nonzero(year[:, None] <= np.arange(index.n_years)[None, :])
        cols, rhs = layout.transfer(region[pos], year[pos]), np.cumsum(index.envelope)
    else:
        row, cols, rhs = year, layout.transfer(region, year), index.envelope
    return Block(
        name="envelope",
        row=row,
        col=cols,
        val=np.ones(len(row)),
        lower=np.full(index.n_years, -np.inf),
        upper=rhs,
    )
