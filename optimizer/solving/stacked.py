"""The robust model's answers to the engineered path's questions (``optimizer.solving.plans``).

A vector of the stacked model (``optimizer.formulation.robust``) is a plan when every draw's
part of it is one: each draw's ``x`` and ``z_k`` are polished with that draw's own index (the
same rounding of the shared ``x`` in every draw), the CVaR columns get the best ``eta`` and
``u_k`` for the draws' objectives, and the whole vector is then checked against every row.
Its columns lie in their draw's regions, so the Lagrangian decomposition splits the mean
model by region, each region's block holding its starts and its ``K`` copies of money and
provision; the CVaR rows sum every region's columns, so that model stays whole (RENS, then
HiGHS's MIP). The LP is not rounded: the greedy knows one draw's money, not ``K`` at once;
the crossover and RENS, which work on the stacked arrays, make the plans.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.robust import RobustModel, cvar
from optimizer.highs.mip_start import meets_rows
from optimizer.solving.decompose import column_regions
from optimizer.solving.plans import Plans
from optimizer.solving.solution import polish


def stacked_plans(indexes: Sequence[IndexSets], forms: Sequence[Formulation],
                  model: RobustModel) -> Plans:
    """The answers for ``model``, stacked from the draws' ``indexes`` and ``forms``."""
    stacked = model.form
    k = len(forms)
    col_region = np.full(stacked.shape[1], -1, dtype=np.int64)
    for index, form, cols in zip(indexes, forms, model.draw_columns, strict=True):
        col_region[cols] = column_regions(index, form)

    def feasible(values: FloatArray | None) -> FloatArray | None:
        if values is None:
            return None
        out = np.array(values, dtype=float)
        for d, (index, form) in enumerate(zip(indexes, forms, strict=True)):
            out[model.draw_columns[d]] = polish(index, form, model.draw_values(values, d)).values
        if model.quantile is not None:
            objectives = np.array([form.columns.cost @ model.draw_values(out, d)
                                   + form.columns.offset for d, form in enumerate(forms)])
            eta = cvar(objectives, model.quantile)[1]
            out[-k - 1] = eta
            out[-k:] = np.maximum(objectives - eta, 0.0)
        cols = stacked.columns
        ok = meets_rows(stacked.matrix, stacked.row_lower, stacked.row_upper, cols.lower,
                        cols.upper, out)
        return out if ok else None

    return Plans(feasible=feasible, rounded=lambda _: None, col_region=col_region)
