"""The sample-average (or CVaR) model: one plan, a copy of everything else per draw.

Given the formulations ``F_k`` of ``K`` draws of an instance (the same start columns ``x``,
since a draw changes capex, fiscal space and population, never a project's window)::

    min  (1/K) sum_k (c_k^x x + c_k^z z_k + o_k)                         (mean)
    min  eta + 1/((1-q) K) sum_k u_k,                                    (CVaR at q)
         u_k >= c_k^x x + c_k^z z_k + o_k - eta,  u_k >= 0
    s.t. one_start(x)                          (once)
         A_k^x x + A_k^z z_k in [l_k, u_k]     every other row of F_k, for every k

Where: ``z_k`` are draw ``k``'s provision, money, shortfall and fiscal-rule columns, ``c_k``
and ``o_k`` its objective's costs and constant. So the plan ``x`` must fit every draw, and each
draw keeps its own best money and provision for it: the objective is the mean (or the CVaR)
of the draws' own ``weighted`` objectives.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray


@dataclass(frozen=True)
class RobustModel:
    """The stacked model as arrays, and where each draw's columns and objective row sit."""

    matrix: sp.csc_matrix
    cost: FloatArray
    lower: FloatArray
    upper: FloatArray
    integer: np.ndarray
    row_lower: FloatArray
    row_upper: FloatArray
    offset: float
    n_start: int
    draw_columns: tuple[slice, ...]
    """The columns ``z_k`` of each draw."""


def robust_model(forms: Sequence[Formulation], quantile: float | None = None) -> RobustModel:
    """Stack ``forms`` (one per draw, the same start columns) as the module's docstring says.

    Raises:
        ValueError: the draws' start columns differ.
    """
    n = forms[0].layout.n_start
    for form in forms[1:]:
        if form.layout.n_start != n or not np.array_equal(form.layout.start_project,
                                                          forms[0].layout.start_project):
            raise ValueError("the draws' start columns differ: a draw changed a project window")
    k = len(forms)
    once = forms[0].rows["one_start"]
    blocks, lower, upper, costs_z, slices = [], [], [], [], []
    width = n
    x_cost = np.zeros(n)
    objective_rows = []
    for form in forms:
        keep = np.ones(form.matrix.shape[0], dtype=bool)
        keep[once] = False
        a = form.matrix[keep]
        m = form.layout.n_cols - n
        cols = slice(width, width + m)
        slices.append(cols)
        blocks.append((a[:, :n], a[:, n:], cols))
        lower.append(form.row_lower[keep])
        upper.append(form.row_upper[keep])
        costs_z.append(form.columns.cost[n:])
        x_cost += form.columns.cost[:n]
        objective_rows.append((form.columns.cost[:n], form.columns.cost[n:], cols,
                               form.columns.offset))
        width += m
    cvar = quantile is not None
    n_cols = width + (1 + k if cvar else 0)
    pieces = [sp.hstack([forms[0].matrix[once][:, :n],
                         sp.csc_matrix((once.stop - once.start, n_cols - n))])]
    for ax, az, cols in blocks:
        pieces.append(sp.hstack([ax, sp.csc_matrix((ax.shape[0], cols.start - n)), az,
                                 sp.csc_matrix((ax.shape[0], n_cols - cols.stop))]))
    row_lower = [forms[0].row_lower[once], *lower]
    row_upper = [forms[0].row_upper[once], *upper]
    cost = np.zeros(n_cols)
    offsets = np.array([form.columns.offset for form in forms])
    if cvar:  # eta at width, u_k after it; one row per draw: c_k v_k - eta - u_k <= -o_k
        for j, (cx, cz, cols, offset) in enumerate(objective_rows):
            row = np.zeros(n_cols)
            row[:n], row[cols], row[width], row[width + 1 + j] = cx, cz, -1.0, -1.0
            pieces.append(sp.csc_matrix(row[None, :]))
            row_lower.append(np.array([-np.inf]))
            row_upper.append(np.array([-offset]))
        cost[width] = 1.0
        cost[width + 1:] = 1.0 / ((1.0 - float(quantile)) * k)  # type: ignore[arg-type]
        offset = 0.0
    else:
        cost[:n] = x_cost / k
        for cz, cols in zip(costs_z, slices, strict=True):
            cost[cols] = cz / k
        offset = float(offsets.mean())
    col_lower = np.concatenate([forms[0].columns.lower[:n],
                                *[f.columns.lower[n:] for f in forms],
                                np.array([-np.inf] if cvar else []), np.zeros(k if cvar else 0)])
    col_upper = np.concatenate([forms[0].columns.upper[:n],
                                *[f.columns.upper[n:] for f in forms],
                                np.full(1 + k if cvar else 0, np.inf)])
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n] = forms[0].columns.integer[:n]
    return RobustModel(matrix=sp.vstack(pieces).tocsc(), cost=cost, lower=col_lower,
                       upper=col_upper, integer=integer, row_lower=np.concatenate(row_lower),
                       row_upper=np.concatenate(row_upper), offset=offset, n_start=n,
                       draw_columns=tuple(slices))
