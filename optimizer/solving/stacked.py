"""The robust model's answers to the engineered path's questions (``optimizer.solving.plans``).

A vector of the stacked model (``optimizer.formulation.robust``) is a plan when every draw's
part of it is one: each draw's ``x`` and ``z_k`` are polished with that draw's own index (the
same rounding of the shared ``x`` in every draw), the CVaR columns get the best ``eta`` and
``u_k`` for the draws' objectives, and the whole vector is then checked against every row.
Its columns lie in their draw's regions, so the Lagrangian decomposition splits the mean
model by region, each region's block holding its starts and its ``K`` copies of money and
provision; the CVaR rows sum every region's columns, so that model stays whole (RENS, then
HiGHS's MIP).

The greedy rounding (``heuristic.round_lp``) runs once, on the *pessimistic* draw: every
project's largest drawn capex, every region's smallest drawn fiscal space. Its starts fit every
draw: in draw ``k`` the spend ``S_k <= S`` and the fiscal space ``F_k >= F``, so the least
transfer ``max(0, S_k - (F_k - O))`` is no larger than the pessimistic one (envelope and caps
hold) and ``alpha S_k <= alpha S <= F - O <= F_k - O`` (co-financing holds); each draw then gets
its own least transfers. So the robust model has a plan even when its LP relaxation (three to
four times the time of one instance's on the national model) does not finish; the LP still gets
the larger share of the time (``LP_SHARE``), since the decomposition needs its duals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets
from optimizer.formulation.robust import RobustModel, cvar
from optimizer.highs.mip_start import meets_rows
from optimizer.solving.decompose import column_regions
from optimizer.solving.heuristic import round_lp
from optimizer.solving.plans import Plans
from optimizer.solving.solution import polish

LP_SHARE = 0.6
"""Share of the time for the robust model's LP relaxation (one instance's: 0.3)."""


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

    pessimistic = replace(indexes[0], capex=np.max([i.capex for i in indexes], axis=0),
                          fiscal_space=np.min([i.fiscal_space for i in indexes], axis=0))

    def rounded(lp_values: FloatArray | None) -> FloatArray | None:
        found = round_lp(pessimistic, forms[0], lp_values)
        if found is None:
            return None
        out = np.zeros(stacked.shape[1])
        for d, (index, form) in enumerate(zip(indexes, forms, strict=True)):
            mine = np.zeros(form.shape[1])
            mine[:model.n_start] = found[:model.n_start]
            money = polish(index, form, mine)
            tau = np.maximum(0.0, money.spend - (index.fiscal_space - money.opex))
            mine[form.layout.transfer0: form.layout.cofinancing0] = tau.reshape(-1)
            out[model.draw_columns[d]] = mine
        return feasible(out)

    return Plans(feasible=feasible, rounded=rounded, col_region=col_region, lp_share=LP_SHARE)
