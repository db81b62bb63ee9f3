"""The cumulative form (``optimizer/solving/cumulative.py``) is the same MIP in other columns.

Region MIPs and the heuristics' sub-MIPs are solved in it, so its optimum, its LP relaxation
and its bounds on fixed starts must match the textbook model exactly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from models.instance import instance_from_tables
from models.synthetic import generate_tables
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, highs_for, make_highs, run
from optimizer.solving.cumulative import (
    cumulative_form,
    from_cumulative,
    previous_starts,
    to_cumulative,
)
from optimizer.solving.solution import feasible_plan

EXACT = HighsOptions(time_limit=60.0, mip_rel_gap=0.0)


def test_chains_map_starts_to_started_by_and_back() -> None:
    previous = previous_starts(np.array([0, 0, 0, 1, 2, 2]), 8)
    assert previous.tolist() == [-1, 0, 1, -1, -1, 4, -1, -1]
    x = np.array([0.2, 0.3, 0.5, 1.0, 0.0, 1.0, np.inf, 7.0])  # last two: not starts
    z = to_cumulative(x, previous)
    np.testing.assert_allclose(z, [0.2, 0.5, 1.0, 1.0, 0.0, 1.0, np.inf, 7.0])
    np.testing.assert_allclose(from_cumulative(z, previous), x)


@pytest.fixture(scope="module", params=[2, 1])
def model(request: pytest.FixtureRequest) -> dict:
    """Two small generated instances, without and with carryover, solved exactly.

    Seeds 2 and 1 prove their optimum in 2-4 s; seed 0 of the same size needs ~8 s per form.
    """
    settings, tables = generate_tables(40, 90, request.param)
    settings["budget"]["carryover"] = request.param == 1
    instance = instance_from_tables(settings, tables, source=f"generated {request.param}")
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    return {"index": index, "form": form,
            "lp": run(make_highs(form, replace(EXACT, relax_integrality=True))),
            "mip": run(make_highs(form, EXACT))}


def test_same_lp_relaxation_and_same_optimum(model: dict) -> None:
    index, form, lp, mip = model["index"], model["form"], model["lp"], model["mip"]
    cumulative = cumulative_form(form, form.columns.lower, form.columns.upper)
    assert cumulative.matrix.shape[0] > form.shape[0], "the instance has no start chains"
    z_lp = run(highs_for(cumulative.to_highs_lp(relax_integrality=True), EXACT))
    z_mip = run(highs_for(cumulative.to_highs_lp(), EXACT))
    assert z_lp.objective == pytest.approx(lp.objective, rel=1e-7)
    assert z_mip.objective == pytest.approx(mip.objective, rel=1e-5)
    plan = feasible_plan(index, form, cumulative.plan(z_mip.values))
    assert plan is not None, "the cumulative optimum breaks a row of the original model"
    assert form.columns.cost @ plan + form.columns.offset == pytest.approx(mip.objective,
                                                                            rel=1e-5)
    # and the original optimum, cumulated, meets every row and bound of the cumulative model
    z = cumulative.start(mip.values)
    activity = cumulative.matrix @ z
    assert np.all(activity >= cumulative.row_lower - 1e-6)
    assert np.all(activity <= cumulative.row_upper + 1e-6)
    assert np.all((z >= cumulative.col_lower - 1e-9) & (z <= cumulative.col_upper + 1e-9))


def test_fixed_starts_are_held(model: dict) -> None:
    """Starts fixed by their bounds (as RENS and the crossover fix them) stay where fixed."""
    form, mip = model["form"], model["mip"]
    n_start = form.layout.n_start
    fixed = np.zeros(form.shape[1], dtype=bool)
    fixed[:n_start:2] = True  # every other start column, across chains ...
    fixed &= form.columns.integer  # ... of indivisible projects, whose optimum is 0 or 1
    held = np.round(mip.values[:n_start])
    lower, upper = form.columns.lower.copy(), form.columns.upper.copy()
    lower[fixed], upper[fixed] = held[fixed[:n_start]], held[fixed[:n_start]]
    cumulative = cumulative_form(form, lower, upper)
    sub = run(highs_for(cumulative.to_highs_lp(), EXACT))
    plan = cumulative.plan(sub.values)
    np.testing.assert_allclose(plan[fixed], held[fixed[:n_start]], atol=1e-6)
    # the MIP optimum lies in this neighbourhood, so the sub-MIP reaches it
    assert sub.objective == pytest.approx(mip.objective, rel=1e-5)
