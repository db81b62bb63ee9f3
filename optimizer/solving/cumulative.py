"""The MIP handed to HiGHS with cumulative start columns: ``z[p,t] = sum_{t'<=t} x[p,t']``.

The change of variables ``x = T z`` (``x[p,t] = z[p,t] - z[p,t-1]``) is unimodular, so the LP
relaxation and the integer plans are the same; ``z`` is "started by year t". Every
``done[p,t]``, ``oper[p,t]`` and ``spend[p,t]`` of docs/formulation.md §3, a sum over several
start years in ``x``, is one or two ``z`` columns, and the ``x[p,t] >= 0`` it takes become
rows ``z[p,t] - z[p,t-1] >= 0``. On the regions of the generated 7,000-settlement model HiGHS
finishes its root 1.5-2x sooner on this form, with a higher dual bound (docs/performance.md).

Columns keep their numbering; rows of the original model come first, then one row per
*chained* start column (a start with an earlier start of the same project), holding that
column's ``x`` and its bounds. A start that begins its chain keeps its ``x`` bounds on ``z``.
"""

from __future__ import annotations

from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IntArray
from optimizer.highs.adapter import highs_lp


def previous_starts(start_project: IntArray, n_cols: int) -> IntArray:
    """Per column, the column of the same project's previous start year; -1 if none.

    A project's start columns are consecutive and in year order (``index.expand_years``).
    """
    previous = np.full(n_cols, -1, dtype=np.int64)
    k = np.flatnonzero(start_project[1:] == start_project[:-1]) + 1
    previous[k] = k - 1
    return previous


def to_cumulative(x: FloatArray, previous: IntArray) -> FloatArray:
    """``z = T^-1 x``: each chained column holds the sum of its chain up to itself."""
    z = np.array(x, dtype=float)
    chained = np.flatnonzero(previous >= 0)
    members = np.union1d(chained, previous[chained])  # only these sums (finite bounds)
    head = np.maximum.accumulate(np.where(previous[members] < 0, np.arange(len(members)), 0))
    total = np.concatenate([[0.0], np.cumsum(z[members])])
    z[members] = total[np.arange(len(members)) + 1] - total[head]
    return z


def from_cumulative(z: FloatArray, previous: IntArray) -> FloatArray:
    """``x = T z``."""
    x = np.array(z, dtype=float)
    chained = previous >= 0
    x[chained] -= z[previous[chained]]
    return x


@dataclass(frozen=True)
class CumulativeModel:
    """``min cost@z + offset`` s.t. ``row_lower <= matrix z <= row_upper``, bounds on ``z``."""

    matrix: sp.csc_matrix
    cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    integer: np.ndarray
    offset: float
    previous: IntArray
    """Per column, the previous start of its project (``previous_starts``)."""

    def plan(self, z: FloatArray) -> FloatArray:
        """The original columns' values of a solution."""
        return from_cumulative(z, self.previous)

    def start(self, x: FloatArray) -> FloatArray:
        """A plan in original columns as a solution of this model."""
        return to_cumulative(x, self.previous)

    def to_highs_lp(self, relax_integrality: bool = False) -> highspy.HighsLp:
        """The model as a ``HighsLp``."""
        return highs_lp(self.matrix, self.cost, self.col_lower, self.col_upper, self.row_lower,
                        self.row_upper, None if relax_integrality else self.integer,
                        self.offset)


def cumulate(matrix: sp.csc_matrix | sp.csr_matrix, cost: FloatArray, col_lower: FloatArray,
             col_upper: FloatArray, row_lower: FloatArray, row_upper: FloatArray,
             integer: np.ndarray, offset: float, previous: IntArray) -> CumulativeModel:
    """The model ``min cost@x, row_lower <= matrix x <= row_upper`` in cumulative columns.

    A chained ``z`` is bounded by the sums of its chain's ``x`` bounds, capped at 1: a
    project's starts add up to at most 1 (constraint 1, ``one_start``).
    """
    n = matrix.shape[1]
    chained = np.flatnonzero(previous >= 0)
    transform = sp.csc_matrix(
        (np.concatenate([np.ones(n), -np.ones(len(chained))]),
         (np.concatenate([np.arange(n), chained]), np.concatenate([np.arange(n),
                                                                  previous[chained]]))),
        shape=(n, n))
    stacked = sp.vstack([sp.csr_matrix(matrix) @ transform, transform.tocsr()[chained]])
    lower = to_cumulative(col_lower, previous)
    upper = to_cumulative(col_upper, previous)
    upper[chained] = np.minimum(upper[chained], 1.0)
    return CumulativeModel(
        matrix=sp.csc_matrix(stacked), cost=transform.T @ cost, col_lower=lower,
        col_upper=upper, row_lower=np.concatenate([row_lower, col_lower[chained]]),
        row_upper=np.concatenate([row_upper, col_upper[chained]]), integer=integer,
        offset=offset, previous=previous)


def cumulative_form(form: Formulation, col_lower: FloatArray, col_upper: FloatArray
                    ) -> CumulativeModel:
    """The whole model in cumulative columns, with these bounds on its original columns."""
    layout = form.layout
    previous = previous_starts(layout.start_project, form.shape[1])
    return cumulate(form.matrix, form.columns.cost, col_lower, col_upper, form.row_lower,
                    form.row_upper, form.columns.integer, form.columns.offset, previous)
