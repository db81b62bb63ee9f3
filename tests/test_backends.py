"""The array build and the Pyomo reference reach the same optimum on generated instances.

Two independent statements of the same model (one with linear pairs substituted, the
co-financing rewrite, concentration as bounds and shortfall in thousands; the other textbook)
must agree to 1e-6 relative at gap 0, and both plans must pass the verifier. The cases vary
every feature; ``test_cases_cover_every_feature`` guards that they keep doing so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from builders import valid_tables
from typer.testing import CliRunner

from models.instance import Instance, instance_from_tables
from models.result import Result
from models.synthetic import generate_tables
from optimizer import solve
from optimizer.cli.app import app
from optimizer.pyomo_ref import hand_over, model_data
from optimizer.pyomo_ref import solve as pyomo_solve

RTOL = 1e-6
TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
N_CASES = 20


@dataclass(frozen=True)
class Case:
    """One generated instance and the settings that vary across cases."""

    seed: int
    settlements: int
    projects: int
    years: int
    carryover: bool
    cost_weight: float
    fiscal_scale: float
    """Fiscal space times this: below 1 it binds."""
    cap: float | None
    """``max_envelope_share`` of the first region, if capped."""


CASES = [Case(seed=i, settlements=15 + (3 * i) % 7, projects=25 + (7 * i) % 9,
              years=(3, 4, 3, 4, 5)[i % 5], carryover=i % 2 == 1,
              cost_weight=(0.0, 0.001, 0.02)[i % 3],
              fiscal_scale=(1.0, 0.4, 0.15)[(i // 2) % 3], cap=(None, 0.35)[(i // 4) % 2])
         for i in range(N_CASES)]


def build(case: Case) -> Instance:
    """Generate, then switch on what the generator leaves rare at this size."""
    settings, tables = generate_tables(case.settlements, case.projects, case.seed,
                                       years=range(2026, 2026 + case.years))
    settings["budget"]["carryover"] = case.carryover
    settings["objective"]["cost_weight"] = case.cost_weight
    settings["objective"]["access_weight"] = (0.01, 0.03)[case.seed % 2]
    settings["objective"]["category_weights"]["health"] = 2.0
    rng = np.random.default_rng(case.seed)
    p = tables["projects"]
    order = rng.permutation(len(p))
    cheapest = p.index[np.argsort(p["capex"].to_numpy(), kind="stable")[:2]]
    p.loc[cheapest, "status"] = "committed"
    p.loc[cheapest, ["earliest_start", "latest_start"]] = pd.NA
    free = [i for i in order if i not in cheapest]
    p.loc[free[:2], "status"] = "excluded"
    p.loc[free[2:5], "divisible"] = True
    last = settings["years"][-1]
    p.loc[free[5:10], ["earliest_start", "latest_start"]] = pd.NA
    p.loc[free[5:8], "latest_start"] = last - 1
    p.loc[free[8:10], "earliest_start"] = settings["years"][1]
    # scaled down to bind, but never below what the committed projects could need in a year
    region = p["settlement_id"].map(tables["settlements"].set_index("settlement_id")["region_id"])
    alpha = region.map(tables["regions"].set_index("region_id")["cofinancing_rate"])
    need = (alpha * p["capex"] / p["duration"] + p["opex"])[p["status"] == "committed"]
    floor = need.groupby(region[need.index]).sum()
    ry = tables["region_years"]
    ry["fiscal_space"] = np.maximum((ry["fiscal_space"] * case.fiscal_scale).round(1),
                                    1.1 * ry["region_id"].map(floor).fillna(0.0))
    if case.cap is not None:
        tables["regions"].loc[0, "max_envelope_share"] = case.cap
    return instance_from_tables(settings, tables, source=f"backends case {case.seed}")


@pytest.fixture(scope="module")
def solved() -> dict[int, tuple[Instance, Result, Result]]:
    """Every case solved by both backends at gap 0 (cached for the module)."""
    out = {}
    for case in CASES:
        instance = build(case)
        options = {"mip_rel_gap": 0.0, "time_limit": 30.0, "price_envelope": False}
        out[case.seed] = (instance, solve(instance, **options),
                          solve(instance, backend="pyomo", **options))
    return out


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= RTOL * max(1.0, abs(a), abs(b))


@pytest.mark.parametrize("case", CASES, ids=[f"case{c.seed}" for c in CASES])
def test_backends_reach_the_same_optimum(case: Case, solved: dict) -> None:
    _, array, pyomo = solved[case.seed]
    assert array.status == pyomo.status == "optimal", (array.message, pyomo.message)
    assert _close(array.objective, pyomo.objective), (array.objective, pyomo.objective)
    # the Pyomo model's own objective, not only its plan as the array build scores it
    assert _close(pyomo.metadata["highs_objective"], array.objective)
    # both plans passed the verifier: solve() runs it and raises VerificationError otherwise
    assert array.has_plan and pyomo.has_plan and pyomo.metadata["backend"] == "pyomo"
    if array.starts[["project_id", "start_year"]].equals(pyomo.starts[["project_id",
                                                                      "start_year"]]):
        # the same plan (no tie broken the other way) reports the same provision
        pd.testing.assert_frame_equal(array.provision, pyomo.provision, atol=1e-9)


@pytest.mark.parametrize("case", CASES[:3], ids=[f"case{c.seed}" for c in CASES[:3]])
def test_dropping_late_starts_keeps_the_optimum(case: Case, solved: dict) -> None:
    """docs/formulation.md: candidate starts that complete after the horizon are dropped."""
    instance, array, _ = solved[case.seed]
    handle = hand_over(instance, late_starts=True)
    assert len(handle.model.starts) > sum(map(len, model_data(instance).starts.values()))
    results = handle.solver.solve(handle.model, rel_gap=0.0, time_limit=30.0,
                                  load_solutions=False)
    assert _close(results.incumbent_objective, array.objective)


def test_cases_cover_every_feature(solved: dict) -> None:
    instances = [instance for instance, _, _ in solved.values()]
    projects = pd.concat([i.projects for i in instances])
    effects = pd.concat([i.project_effects for i in instances])
    assert len(CASES) >= 20
    assert {i.settings.budget.carryover for i in instances} == {True, False}
    assert any(i.settings.objective.cost_weight > 0 for i in instances)
    assert set(projects["status"]) == {"candidate", "committed", "excluded"}
    assert projects["divisible"].any() and projects["latest_start"].notna().any()
    assert any((i.regions["max_envelope_share"] < 1).any() for i in instances)
    assert (effects.groupby("project_id")["settlement_id"].nunique() > 1).any()
    plans = [array for _, array, _ in solved.values()]
    binding = [(r.region_years["fiscal_space_used"] >= r.region_years["fiscal_space"] - 1e-6)
               .any() for r in plans]
    assert sum(binding) >= 5, "fiscal space binds in too few cases"
    assert any((r.projects["funded"].between(1e-6, 1 - 1e-6)).any() for r in plans), \
        "no divisible project is funded in part"


def test_pyomo_backend_reports_an_infeasible_instance() -> None:
    settings, tables = valid_tables()
    ry = tables["region_years"]
    ry.loc[ry["region_id"] == "akmola", "fiscal_space"] = 2.0  # committed P5 needs 3 + 1
    instance = instance_from_tables(settings, tables)
    result = solve(instance, backend="pyomo", price_envelope=False)
    assert result.status == "infeasible" and not result.has_plan


def test_cli_prints_the_same_plan_with_either_backend(tmp_path: Path) -> None:
    """`srsopt solve instances/tiny --backend pyomo` reports what the default does."""
    outputs = {}
    for backend in ("highs", "pyomo"):
        out = tmp_path / backend
        run = CliRunner().invoke(app, ["solve", str(TINY), "--out", str(out),
                                       "--backend", backend])
        assert run.exit_code == 0, run.output
        outputs[backend] = (json.loads((out / "summary.json").read_text()),
                            (out / "projects.csv").read_text(),
                            (out / "region_years.csv").read_text())
    (array, *array_tables), (pyomo, *pyomo_tables) = outputs["highs"], outputs["pyomo"]
    assert array["objective"] == pytest.approx(pyomo["objective"], rel=RTOL)
    assert array_tables == pyomo_tables
    assert array["national"] == pyomo["national"]


def test_pyomo_backend_refuses_what_it_does_not_state(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another objective mode is refused, and so is a family the reference does not state; the
    fiscal rules are stated (tests/test_pyomo_fiscal.py), so they are solved."""
    settings, tables = valid_tables()
    settings["objective"]["mode"] = "lexicographic"
    with pytest.raises(NotImplementedError, match="lexicographic"):
        solve(instance_from_tables(settings, tables), backend="pyomo")
    settings["objective"]["mode"] = "weighted"
    settings["fiscal_rules"] = {"stability": {"max_decrease": 0.3, "allowance": 1.0}}
    instance = instance_from_tables(settings, tables)
    pyomo = solve(instance, backend="pyomo", price_envelope=False)
    assert pyomo.has_plan and _close(pyomo.objective,
                                     solve(instance, price_envelope=False).objective)
    stated = tuple(f for f in pyomo_solve.STATED_FAMILIES if f != "hold_harmless")
    monkeypatch.setattr(pyomo_solve, "STATED_FAMILIES", stated)
    with pytest.raises(NotImplementedError, match="hold_harmless rows"):
        solve(instance, backend="pyomo")
