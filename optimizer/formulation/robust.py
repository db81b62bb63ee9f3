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

The stacked model is itself a ``Formulation``, so the engineered path solves it like any
other: its rows are grouped by family (every draw's envelope rows together, and so on), its
columns are ``x``, then ``z_0`` (so draw 0's ``layout`` holds for ``x`` and ``z_0``), ``z_1`` ...,
then the CVaR columns ``eta`` and ``u_k``. On the national instance (71,243 columns of which
58,285 are starts) ``K`` draws add only ``K - 1`` times 12,958 columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IntArray
from optimizer.formulation.objective import Columns

CVAR = "cvar"
"""The family of the CVaR rows ``c_k v_k - eta - u_k <= -o_k`` (one per draw)."""


@dataclass(frozen=True)
class RobustModel:
    """The stacked model, and where each draw's columns sit in it."""

    form: Formulation
    n_start: int
    draw_columns: tuple[IntArray, ...]
    """Per draw, the stacked column of each of its own columns (``x`` first, then ``z_k``)."""
    quantile: float | None

    def draw_values(self, values: FloatArray, k: int) -> FloatArray:
        """Draw ``k``'s own column vector out of a stacked one."""
        return values[self.draw_columns[k]]


def robust_model(forms: Sequence[Formulation], quantile: float | None = None) -> RobustModel:
    """Stack ``forms`` (one per draw, the same start columns) as the module's docstring says.

    Raises:
        ValueError: the draws' start columns differ.
    """
    first = forms[0]
    n = first.layout.n_start
    for form in forms[1:]:
        if form.layout.n_start != n or not np.array_equal(form.layout.start_project,
                                                          first.layout.start_project):
            raise ValueError("the draws' start columns differ: a draw changed a project window")
    k = len(forms)
    maps, width = [], n
    for form in forms:  # x, then this draw's own columns
        m = form.shape[1] - n
        maps.append(np.concatenate([np.arange(n), np.arange(width, width + m)]))
        width += m
    cvar = quantile is not None
    n_cols = width + (1 + k if cvar else 0)
    placed = [_placed(form, cols, n_cols) for form, cols in zip(forms, maps, strict=True)]
    pieces, lower, upper, rows, at = [], [], [], {}, 0
    for name in first.rows:
        draws = range(1) if name == "one_start" else range(k)
        pieces += [placed[d][forms[d].rows[name]] for d in draws]
        lower += [forms[d].row_lower[forms[d].rows[name]] for d in draws]
        upper += [forms[d].row_upper[forms[d].rows[name]] for d in draws]
        size = sum(forms[d].rows[name].stop - forms[d].rows[name].start for d in draws)
        rows[name], at = slice(at, at + size), at + size
    cost = np.zeros(n_cols)
    offsets = np.array([form.columns.offset for form in forms])
    if cvar:  # eta at width, u_k after it; one row per draw: c_k v_k - eta - u_k <= -o_k
        draw_of = np.concatenate([np.full(len(cols), d) for d, cols in enumerate(maps)])
        objective_rows = sp.csr_matrix((
            np.concatenate([*[form.columns.cost for form in forms], np.full(2 * k, -1.0)]),
            (np.concatenate([draw_of, np.arange(k), np.arange(k)]),
             np.concatenate([*maps, np.full(k, width), width + 1 + np.arange(k)]))),
            shape=(k, n_cols))
        pieces.append(objective_rows.tocsr())
        lower.append(np.full(k, -np.inf))
        upper.append(-offsets)
        rows[CVAR] = slice(at, at + k)
        cost[width] = 1.0
        cost[width + 1:] = 1.0 / ((1.0 - float(quantile)) * k)  # type: ignore[arg-type]
        offset = 0.0
    else:
        for form, cols in zip(forms, maps, strict=True):
            np.add.at(cost, cols, form.columns.cost / k)
        offset = float(offsets.mean())
    col_lower = np.concatenate([first.columns.lower[:n], *[f.columns.lower[n:] for f in forms],
                                np.array([-np.inf] if cvar else []), np.zeros(k if cvar else 0)])
    col_upper = np.concatenate([first.columns.upper[:n], *[f.columns.upper[n:] for f in forms],
                                np.full(1 + k if cvar else 0, np.inf)])
    integer = np.zeros(n_cols, dtype=bool)
    integer[:n] = first.columns.integer[:n]
    form = Formulation(layout=first.layout,
                       columns=Columns(lower=col_lower, upper=col_upper, cost=cost,
                                       integer=integer, offset=offset),
                       matrix=sp.vstack(pieces).tocsc(), row_lower=np.concatenate(lower),
                       row_upper=np.concatenate(upper), rows=rows)
    return RobustModel(form=form, n_start=n, draw_columns=tuple(maps), quantile=quantile)


def _placed(form: Formulation, cols: IntArray, n_cols: int) -> sp.csr_matrix:
    """``form``'s matrix with its columns moved to ``cols`` of the stacked model."""
    coo = form.matrix.tocoo()
    return sp.csr_matrix((coo.data, (coo.row, cols[coo.col])), shape=(form.shape[0], n_cols))


def cvar(values: FloatArray, quantile: float) -> tuple[float, float]:
    """(CVaR, eta): the mean of the worst ``1 - q`` of ``values`` (Rockafellar-Uryasev).

    ``eta`` is the value at risk that attains it, the CVaR model's best ``eta`` for these
    draws' objectives.
    """
    k = len(values)
    scores = [eta + np.maximum(values - eta, 0).sum() / ((1 - quantile) * k) for eta in values]
    best = int(np.argmin(scores))
    return float(scores[best]), float(values[best])
