"""The fiscal rules' share of polishing and of the region-year results table."""

from __future__ import annotations

import numpy as np

from optimizer.formulation import Formulation
from optimizer.formulation.index import FloatArray, IndexSets


def polish_fiscal(index: IndexSets, form: Formulation, v: FloatArray) -> None:
    """Clip ``eq`` at 0 and set each elastic floor's slack to what the plan misses, in place.

    Run after starts and provision are polished: the slack is then exactly
    ``max(0, level * DEN - served)``, as the verifier recomputes it.
    """
    layout = form.layout
    eq = slice(layout.equalization0, layout.floor_slack0)
    v[eq] = np.maximum(v[eq], 0.0)
    elastic = index.fiscal.elastic_floors
    if len(elastic) == 0:
        return
    rows = form.rows["critical_floor"]
    matrix = form.matrix[rows][elastic]
    served = matrix[:, : layout.floor_slack0] @ v[: layout.floor_slack0]
    v[layout.floor_slack0:] = np.maximum(0.0, form.row_lower[rows][elastic] - served)


def dependency_ratio(own: FloatArray, general: FloatArray, transfer: FloatArray) -> FloatArray:
    """``(general + transfer) / (own + general + transfer)``; NaN where revenue is not positive.

    A donor region (budget withdrawal, ``general < 0``) has a negative ratio.
    """
    total = own + general + transfer
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, (general + transfer) / total, np.nan)


def fiscal_region_columns(index: IndexSets, form: Formulation, values: FloatArray
                          ) -> dict[str, FloatArray]:
    """Per region and year (region-major): equalization, revenue and dependency before/after.

    ``dependency_before`` counts the general transfer only; ``dependency_after`` adds the
    plan's targeted transfer ``tau`` (docs/fiscal-rules.md). NaN where the instance has no
    ``own_revenue`` or ``general_transfer``.
    """
    layout, n = form.layout, index.n_regions * index.n_years
    f = index.fiscal
    own = f.own_revenue.reshape(-1) if f.own_revenue.size else np.full(n, np.nan)
    general = f.general.reshape(-1) if f.general.size else np.full(n, np.nan)
    transfer = values[layout.transfer0: layout.cofinancing0]
    eq = (values[layout.equalization0: layout.floor_slack0] if layout.n_equalization
          else np.zeros(n))
    return {"equalization": eq, "own_revenue": own, "general_transfer": general,
            "dependency_before": dependency_ratio(own, general, np.zeros(n)),
            "dependency_after": dependency_ratio(own, general, transfer)}
