"""A feasible first plan of the elastic model: commitments kept, every shortage in a slack.

HiGHS needs a while to find any plan of the national elastic model, and its first ones drop
commitments (the costliest slack). This start keeps every committed project at its earliest
start, co-finances exactly ``alpha`` of the capex, splits the pool by the floors, and puts each
row's shortage into its slack; the MIP then only improves on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from optimizer.formulation.index import FloatArray, IndexSets

if TYPE_CHECKING:  # explain.py imports this module
    from optimizer.check.explain import Elastic


def _fill(v: FloatArray, form_matrix, rows: slice, lower: FloatArray, cols: np.ndarray) -> None:
    """Set the columns ``cols`` (coefficient 1, one per row) to ``max(0, lower - rest)``."""
    block = form_matrix[rows]
    rest = block @ v - v[cols]
    v[cols] = np.maximum(0.0, lower - rest)


def elastic_start(index: IndexSets, elastic: Elastic) -> FloatArray:
    """A column vector of the elastic model that meets every row."""
    form, layout = elastic.form, elastic.form.layout
    matrix = form.matrix.tocsr()
    v = np.zeros(form.shape[1])
    committed = np.flatnonzero(index.committed & (index.project_start_count > 0))
    v[index.project_first_start[committed]] = 1.0
    funding = form.rows["funding"]
    spend = -(matrix[funding][:, : layout.n_start] @ v[: layout.n_start])
    loc = np.repeat(index.alpha, index.n_years) * spend
    v[layout.cofinancing0: layout.cofinancing0 + len(spend)] = loc
    v[layout.transfer0: layout.transfer0 + len(spend)] = spend - loc
    if layout.n_equalization:
        need = np.maximum(index.fiscal.eq_floor, 0.0)
        need[0] += np.maximum(index.fiscal.pool - need.sum(axis=0), 0.0)  # the rest: region 0
        v[layout.equalization0: layout.floor_slack0] = need.reshape(-1)
    shortfall = form.rows["shortfall"]
    _fill(v, matrix, shortfall, form.row_lower[shortfall],
          layout.shortfall0 + np.arange(shortfall.stop - shortfall.start))
    elastic_rows = index.fiscal.elastic_floors
    if len(elastic_rows):
        floors = form.rows["critical_floor"]
        at = slice(floors.start, floors.stop)
        sub = matrix[at][elastic_rows]
        rest = sub @ v - v[layout.floor_slack0: layout.n_cols]
        v[layout.floor_slack0: layout.n_cols] = np.maximum(
            0.0, form.row_lower[at][elastic_rows] - rest)
    n = elastic.n_original
    activity = matrix[:, :n] @ v[:n]
    rows, sign = elastic.slack_matrix_row, elastic.slack_sign
    over = np.where(sign < 0, activity[rows] - form.row_upper[rows],
                    form.row_lower[rows] - activity[rows])
    v[n:] = np.maximum(0.0, over)
    return v
