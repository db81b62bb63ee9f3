"""The elastic model: every relaxable row with a penalised slack, and a first plan of it.

Money counts 1 per million KZT, legal rates 2, and floors and commitments are a last resort
(``WEIGHTS``), so the cheapest relaxation reads as "how much more money, where and when"
(``optimizer.check.explain``). ``elastic_start`` is a plan of the elastic model that keeps every
commitment: HiGHS needs a while to find any plan of the national elastic model, and its first
ones drop commitments (the costliest slack); the MIP then only improves on it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.objective import Columns

MONEY, RATE, LAST_RESORT = 1.0, 2.0, 1e6
LOCAL = 1.001 * MONEY
"""Fiscal space weighs a hair more than the envelope: where either would do (capex above the
region's co-financing duty), the explanation names the republican money that is short."""
WEIGHTS: dict[str, tuple[str, float]] = {
    "fiscal_space": ("upper", LOCAL),
    "envelope": ("upper", MONEY),
    "concentration": ("upper", RATE),
    "equalization_pool": ("upper", MONEY),
    "equalization_floor": ("lower", 1.5 * MONEY),
    "cofinancing": ("upper", RATE),
    "dependency_cap": ("upper", RATE),
    "hold_harmless": ("lower", RATE),
    "transfer_growth": ("upper", RATE),
    "critical_floor": ("lower", LAST_RESORT),
    "one_start": ("lower", LAST_RESORT),
}
"""Family -> (side relaxed, weight per unit of slack). Units: million KZT, except
``critical_floor`` (thousands of persons) and ``one_start`` (share of a committed project)."""

@dataclass(frozen=True)
class Elastic:
    """The elastic model and what each slack column relaxes."""

    form: Formulation
    n_original: int
    slack_family: np.ndarray
    slack_row: np.ndarray
    """Row of the slack within its family (``concentration``: region * |T| + year)."""
    slack_matrix_row: np.ndarray
    """Row of the slack in the elastic matrix."""
    slack_sign: np.ndarray
    """-1 where the slack relaxes the row's upper bound, +1 its lower bound."""



def _relaxable_rows(index: IndexSets, form: Formulation, family: str) -> np.ndarray:
    """Rows of a family that get a slack: committed projects only, hard floors only."""
    rows = form.rows.get(family, slice(0, 0))
    local = np.arange(rows.stop - rows.start)
    if family == "one_start":
        return local[index.committed]
    if family == "critical_floor":
        return local[np.isnan(index.fiscal.floor_penalty)]
    return local


def elastic_model(index: IndexSets, form: Formulation) -> Elastic:
    """The model with a penalised slack on every relaxable row and no other cost."""
    n_rows, n_cols = form.shape
    fams, rows, mrows, signs, weights = [], [], [], [], []
    for family, (side, weight) in WEIGHTS.items():
        if family == "concentration":
            continue
        local = _relaxable_rows(index, form, family)
        fams.append(np.full(len(local), family))
        rows.append(local)
        mrows.append(form.rows[family].start + local if family in form.rows else local)
        signs.append(np.full(len(local), -1.0 if side == "upper" else 1.0))
        w = np.full(len(local), weight)
        if family == "one_start":  # a commitment weighs more than all the money it needs
            w = w + 10.0 * (index.capex + index.n_years * index.opex)[local]
        weights.append(w)
    # concentration: a row per capped region-year in place of the transfer column's bound
    cap = (index.sigma[:, None] * index.envelope[None, :]).reshape(-1)
    capped = np.flatnonzero(index.sigma < 1.0 - 1e-12)
    conc = (capped[:, None] * index.n_years + np.arange(index.n_years)[None, :]).reshape(-1)
    n_conc = len(conc)
    fams.append(np.full(n_conc, "concentration"))
    rows.append(conc)
    mrows.append(n_rows + np.arange(n_conc))
    signs.append(-np.ones(n_conc))
    weights.append(np.full(n_conc, WEIGHTS["concentration"][1]))
    slack_family, row, mrow = np.concatenate(fams), np.concatenate(rows), np.concatenate(mrows)
    sign, slack_weight = np.concatenate(signs), np.concatenate(weights)
    n_slack = len(row)
    layout = form.layout
    tau_cols = layout.transfer0 + conc
    top = sp.hstack([form.matrix, sp.csc_matrix((n_rows, n_slack))])
    conc_rows = sp.csc_matrix((np.ones(n_conc), (np.arange(n_conc), tau_cols)),
                              shape=(n_conc, n_cols + n_slack))
    matrix = sp.vstack([top, conc_rows]).tocsr()
    matrix = (matrix + sp.csr_matrix((sign, (mrow, n_cols + np.arange(n_slack))),
                                     shape=matrix.shape)).tocsc()
    c = form.columns
    upper = c.upper.copy()
    upper[layout.transfer0: layout.cofinancing0] = np.inf  # the envelope row (relaxed) caps it
    columns = Columns(lower=np.concatenate([c.lower, np.zeros(n_slack)]),
                      upper=np.concatenate([upper, np.full(n_slack, np.inf)]),
                      cost=np.concatenate([np.zeros(n_cols), slack_weight]),
                      integer=np.concatenate([c.integer, np.zeros(n_slack, dtype=bool)]),
                      offset=0.0)
    elastic = Formulation(layout=layout, columns=columns, matrix=matrix,
                          row_lower=np.concatenate([form.row_lower, np.full(n_conc, -np.inf)]),
                          row_upper=np.concatenate([form.row_upper, cap[conc]]),
                          rows=form.rows | {"concentration": slice(n_rows, n_rows + n_conc)})
    return Elastic(elastic, n_cols, slack_family, row, mrow, sign)



def _fill(v: FloatArray, form_matrix: sp.csr_matrix, rows: slice, lower: FloatArray,
          cols: np.ndarray) -> None:
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
