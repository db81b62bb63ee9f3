"""The robust model goes through the engineered path (``optimizer.solving.stacked``).

Three draws of a small generated instance (4 regions), stacked: the engineered path, forced
into the Lagrangian decomposition by region, must give a bound no higher than the stacked
model's optimum (HiGHS's MIP to a zero gap) and a plan that fits every draw, whose objective is
the mean of the draws' own objectives. The CVaR model, whose rows link every region, stays
whole and proves its gap, its objective the CVaR of the draws' objectives. Without an LP,
the pessimistic rounding gives a plan that fits every draw.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from models.instance import Instance, instance_from_tables
from models.synthetic import generate_tables
from optimizer.analysis.robust import drawn_from, solve_stacked
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import build_index
from optimizer.formulation.robust import RobustModel, cvar, robust_model
from optimizer.highs.adapter import HighsOptions
from optimizer.highs.mip_start import meets_rows
from optimizer.solving import strategy
from optimizer.solving.stacked import stacked_plans

EXACT = HighsOptions(time_limit=60.0, mip_rel_gap=0.0, threads=1)
CVAR_GAP = 5e-3
RISK = """name: overruns and shortfalls
capex_overrun:
  - factor: {distribution: triangular, low: 0.9, mode: 1.1, high: 1.5}
fiscal_shortfall:
  - region: all
    shortfall: {distribution: triangular, low: 0.0, mode: 0.1, high: 0.3}
"""


def draws(folder: Path, settlements: int, projects: int, seed: int, k: int) -> list[Instance]:
    """``k`` draws of RISK on a generated instance."""
    settings, tables = generate_tables(settlements, projects, seed)
    instance = instance_from_tables(settings, tables, source=f"generated {seed}")
    (folder / "risk.yaml").write_text(RISK)
    return drawn_from(instance, folder / "risk.yaml", k, 5)[1]


@pytest.fixture(scope="module")
def drawn(tmp_path_factory: pytest.TempPathFactory) -> list[Instance]:
    return draws(tmp_path_factory.mktemp("risk"), 40, 90, 2, 3)


def meets(form: Formulation, values: np.ndarray) -> bool:
    return meets_rows(form.matrix, form.row_lower, form.row_upper, form.columns.lower,
                      form.columns.upper, values)


def own_objectives(drawn: list[Instance], model: RobustModel, values: np.ndarray
                   ) -> np.ndarray:
    """Each draw's own objective at its part of ``values``, which must fit it."""
    out = []
    for d, instance in enumerate(drawn):
        form = build_formulation(build_index(instance), instance.settings.objective)
        mine = model.draw_values(values, d)
        assert meets(form, mine), f"the plan breaks a row of draw {d}"
        out.append(form.columns.cost @ mine + form.columns.offset)
    return np.array(out)


def test_the_decomposed_mean_model_keeps_its_bound_and_fits_every_draw(
        drawn: list[Instance], monkeypatch: pytest.MonkeyPatch) -> None:
    _, exact = solve_stacked(drawn, None, EXACT, time.perf_counter(), "plain")
    optimum = exact.outcome.objective
    assert optimum is not None and exact.outcome.gap is not None and exact.outcome.gap < 1e-9
    monkeypatch.setattr(strategy, "DECOMPOSITION_COLUMNS", 0)  # national scale, in small
    monkeypatch.setattr(strategy, "PARALLEL_COLUMNS", 10**9)  # its regions solved here
    model, attacked = solve_stacked(drawn, None, replace(EXACT, mip_rel_gap=1e-4),
                                    time.perf_counter())
    steps, outcome = attacked.steps, attacked.outcome
    assert "lagrangian_bound" in steps, steps
    tol = 1e-7 * abs(optimum)
    assert steps["lp_bound"] <= steps["lagrangian_bound"] + tol <= optimum + 2 * tol
    assert outcome.bound is not None and outcome.bound <= optimum + tol
    assert outcome.values is not None and outcome.objective is not None
    assert outcome.objective >= optimum - tol
    assert meets(model.form, outcome.values)
    own = own_objectives(drawn, model, outcome.values)
    assert outcome.objective == pytest.approx(own.mean(), rel=1e-9)


def test_the_cvar_model_stays_whole_and_proves_its_gap(tmp_path: Path) -> None:
    three = draws(tmp_path, 20, 40, 1, 3)
    model, attacked = solve_stacked(three, 0.5, replace(EXACT, mip_rel_gap=CVAR_GAP),
                                    time.perf_counter())
    outcome = attacked.outcome
    assert "lagrangian_bound" not in attacked.steps
    assert outcome.values is not None and outcome.bound is not None
    assert outcome.gap is not None and outcome.gap <= CVAR_GAP
    assert outcome.bound <= outcome.objective
    own = own_objectives(three, model, outcome.values)
    assert outcome.objective == pytest.approx(cvar(own, 0.5)[0], rel=1e-7)


def test_the_pessimistic_rounding_fits_every_draw(drawn: list[Instance]) -> None:
    """Without an LP, the greedy on the worst capex and fiscal space gives a plan of them all."""
    indexes = [build_index(instance) for instance in drawn]
    forms = [build_formulation(index, drawn[0].settings.objective) for index in indexes]
    model = robust_model(forms)
    values = stacked_plans(indexes, forms, model).rounded(None)
    assert values is not None
    assert meets(model.form, values)
    assert values[:model.n_start].sum() >= 5, "the greedy started next to nothing"
    own = own_objectives(drawn, model, values)  # asserts every draw's rows
    assert model.form.columns.cost @ values + model.form.columns.offset == pytest.approx(
        own.mean(), rel=1e-9)
