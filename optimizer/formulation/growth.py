"""The epsilon-constraint row of ``srsopt pareto``: output added at least a level (section 15).

Not in ``FAMILIES``: its level is a setting of the objective (``objective.growth_floor``), not
an index array, so ``build_formulation`` adds it last; without a level it has no row.
"""

from __future__ import annotations

import numpy as np

from optimizer.formulation.index import IndexSets
from optimizer.formulation.layout import Block, Layout
from optimizer.formulation.projects import operation_terms


def growth_floor(index: IndexSets, layout: Layout, level: float | None) -> Block:
    """``sum_t sum_p G_p oper[p,t] >= level``   when ``objective.growth_floor`` is set.

    Where: ``G_p`` is ``projects.grp_effect`` (million KZT of regional output per year once
    operating), ``oper[p,t]`` the funded share operating in year ``t`` (from the year after
    completion), so the left side is the output added over the horizon, million KZT; the row
    is the same sum the objective's growth term weighs with ``growth_weight``.
    """
    if level is None:
        return Block(name="growth_floor", row=np.zeros(0, np.int64), col=np.zeros(0, np.int64),
                     val=np.zeros(0), lower=np.zeros(0), upper=np.zeros(0))
    start, _, coef = operation_terms(index, index.grp_effect)
    per_start = np.bincount(start, weights=coef, minlength=layout.n_start)
    on = np.flatnonzero(per_start != 0)
    return Block(name="growth_floor", row=np.zeros(len(on), np.int64),
                 col=(layout.start0 + on).astype(np.int64), val=per_start[on],
                 lower=np.asarray([float(level)]), upper=np.asarray([np.inf]))
