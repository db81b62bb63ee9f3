"""Each fiscal rule on a small instance where it binds and changes the plan, computed by hand.

Values: access weight 1 and no targets, so a project is worth its persons served per year
complete, averaged over the horizon (tests/fiscal_builders.py). Every solve is also checked by
the independent verifier, which recomputes each rule from the raw tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from fiscal_builders import funded, small, starts
from typer.testing import CliRunner

from models.errors import InstanceError
from models.instance import instance_from_tables, load_instance
from models.result import SolveStatus
from optimizer.analysis.baseline import read_baseline, with_baseline
from optimizer.api import solve
from optimizer.check.prechecks import run_prechecks
from optimizer.check.verify import check_plan
from optimizer.cli.app import app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions
from optimizer.solving.pipeline import solve_relaxation
from optimizer.solving.solution import polish, region_year_table

ROOT = Path(__file__).resolve().parents[1]
NATIONAL = ROOT / "instances" / "kz-2026-2030"
NATIONAL_RULES = ROOT / "benchmarks" / "fiscal_rules_kz.yaml"


def two_projects(rules: dict | None = None, **region: object):
    """P1 (1,000 persons) and P2 (900), capex 60 each, one region, one year."""
    return small([{"project_id": "P1", "capex": 60.0},
                  {"project_id": "P2", "capex": 60.0, "settlement_id": "s2"}],
                 settlements={"s1": {}, "s2": {"population": 900}},
                 regions={"r1": {"fiscal": 50.0} | region}, rules=rules)


def test_dependency_cap_limits_the_transfer_and_drops_a_project() -> None:
    # own 100, general 50. Without a cap both projects fit: capex 120, co-financing >= 12 within
    # fiscal space 50. With delta = 0.4: 50 + tau <= 0.4 * (150 + tau) -> tau <= 10 / 0.6 = 16.7,
    # so capex <= 50 + 16.7 = 66.7: one project, the larger P1 (1,000 persons).
    assert funded(solve(two_projects())) == {"P1", "P2"}
    result = solve(two_projects({"dependency_cap": {2026: 0.4}}))
    assert funded(result) == {"P1"}
    row = result.region_years.iloc[0]
    assert row["transfer"] <= 10 / 0.6 + 1e-6
    assert row["dependency_before"] == pytest.approx(50 / 150)
    assert row["dependency_after"] <= 0.4 + 1e-9
    assert row["dependency_after"] == pytest.approx((50 + row["transfer"]) / (150 + row[
        "transfer"]))


def test_regional_dependency_cap_overrides_the_global_one() -> None:
    # the same cap set in regions.dependency_cap and a looser global one: the regional wins
    result = solve(two_projects({"dependency_cap": {2026: 0.9}}, dependency_cap=0.4))
    assert funded(result) == {"P1"}


def test_region_above_the_cap_by_law_gets_no_transfer_and_a_warning() -> None:
    # general 50 of 150 is 33% > 30%: the bound is clipped at 0, so capex <= fiscal space 50
    instance = two_projects({"dependency_cap": {2026: 0.3}})
    assert [f.rule for f in run_prechecks(instance)] == ["dependency_cap"]
    result = solve(instance)
    assert funded(result) == set()
    assert result.region_years["transfer"].max() == pytest.approx(0.0, abs=1e-9)


def pool_instance(theta: float):
    """Regions A (own 500, 5,000 persons) and B (own 10, 1,000 persons), no fiscal space,
    co-financing 50%, a pool of 30.

    PA in A: capex 40 (co-financing 20), 5,000 persons; PB in B: capex 20 (10), 500 persons.
    """
    regions = {"A": {"alpha": 0.5, "fiscal": 0.0, "own": 500.0, "general": 0.0},
               "B": {"alpha": 0.5, "fiscal": 0.0, "own": 10.0, "general": 0.0}}
    settlements = {"a1": {"region_id": "A", "population": 5000},
                   "b1": {"region_id": "B", "population": 500},
                   "b2": {"region_id": "B", "population": 500}}
    return small([{"project_id": "PA", "settlement_id": "a1", "capex": 40.0},
                  {"project_id": "PB", "settlement_id": "b1", "capex": 20.0}],
                 regions=regions, settlements=settlements,
                 rules={"equalization": {"pool": {2026: 30.0}, "theta": theta}})


def test_equalization_pool_funds_cofinancing_and_its_floor_redirects_it() -> None:
    # Without fiscal space nothing can be co-financed; the pool of 30 adds to it.
    # theta 0: PA (20) + PB (10) = 30 fits, both funded.
    result = solve(pool_instance(0.0))
    assert funded(result) == {"PA", "PB"}
    eq = result.region_years.set_index("region_id")["equalization"]
    assert eq.sum() == pytest.approx(30.0)
    # theta 0.3: average (500 + 10 + 30) / 6,000 = 0.09 per person, floor 0.027: B needs
    # eq >= 27 - 10 = 17, so A gets at most 13 < 20: PA is dropped, PB stays.
    result = solve(pool_instance(0.3))
    assert funded(result) == {"PB"}
    eq = result.region_years.set_index("region_id")["equalization"]
    assert eq["B"] >= 17.0 - 1e-6 and eq.sum() == pytest.approx(30.0)


def floor_instance(penalty: float | None):
    """P1: school for 3,000 in s1; P2: water for 1,000 in s2; the envelope funds one of them.

    A water floor of 50% by 2026 in r1 (water applies to s2 only: 1,000 persons). Fiscal
    space 2 covers one project's co-financing; the other 18 of capex come from the envelope.
    """
    floor = {"standard": "water", "year": 2026, "level": 0.5, "region": "r1"}
    if penalty is not None:
        floor["penalty"] = penalty
    return small([{"project_id": "P1", "capex": 20.0},
                  {"project_id": "P2", "settlement_id": "s2", "capex": 20.0,
                   "standard": "water"}],
                 settlements={"s1": {"population": 3000},
                              "s2": {"type": "rural_other", "population": 1000}},
                 regions={"r1": {"fiscal": 2.0}}, envelope=18.0,
                 rules={"critical_floors": {"water_r1": floor}})


def test_hard_critical_floor_forces_the_smaller_project() -> None:
    # Without the floor P1 (3,000 persons) beats P2 (1,000); capex 20 each with at most 2 of
    # co-financing needs 18 of envelope: only one fits. The hard floor needs P2.
    no_floor = small([{"project_id": "P1", "capex": 20.0},
                      {"project_id": "P2", "settlement_id": "s2", "capex": 20.0,
                       "standard": "water"}],
                     settlements={"s1": {"population": 3000},
                                  "s2": {"type": "rural_other", "population": 1000}},
                     regions={"r1": {"fiscal": 2.0}}, envelope=18.0)
    assert funded(solve(no_floor)) == {"P1"}
    assert funded(solve(floor_instance(None))) == {"P2"}


@pytest.mark.parametrize(("penalty", "expected", "objective"), [
    (3.0, {"P1"}, -3000 + 3 * 500),  # missing 500 persons costs 1,500 < 2,000 gained
    (5.0, {"P2"}, -1000),            # 2,500 > 2,000: meet the floor
])
def test_elastic_critical_floor_trades_its_penalty(penalty: float, expected: set[str],
                                                   objective: float) -> None:
    result = solve(floor_instance(penalty))
    assert funded(result) == expected
    assert result.objective == pytest.approx(objective)


def band_instance(rules: dict, with_p1: bool = True):
    """P1 (capex 100, 2026 only, 5,000 persons) and P2 (capex 30, 2027 only, 1,000 persons).

    No fiscal space and no co-financing duty, so each year's transfer is its capex spend.
    """
    projects = [{"project_id": "P2", "settlement_id": "s2", "capex": 30.0,
                 "earliest_start": 2027, "latest_start": 2027}]
    if with_p1:
        projects.append({"project_id": "P1", "capex": 100.0, "latest_start": 2026})
    return small(projects, years=(2026, 2027),
                 settlements={"s1": {"population": 5000}, "s2": {}},
                 regions={"r1": {"alpha": 0.0, "fiscal": 0.0}}, rules={"stability": rules})


def test_hold_harmless_drops_a_transfer_it_cannot_sustain() -> None:
    # transfer 100 in 2026 (P1) would have to stay >= 50 in 2027, where only P2 spends 30:
    # P1 is dropped. An allowance of 20 lowers the floor to 30: both fit again.
    assert funded(solve(band_instance({}))) == {"P1", "P2"}
    assert funded(solve(band_instance({"max_decrease": 0.5}))) == {"P2"}
    assert funded(solve(band_instance({"max_decrease": 0.5, "allowance": 20.0}))) == {"P1",
                                                                                     "P2"}


def test_transfer_growth_blocks_a_start_from_nothing_unless_allowed() -> None:
    # with P2 alone: 0 in 2026, 30 in 2027 > 1.5 * 0; an allowance of 30 lets it through
    assert funded(solve(band_instance({"max_increase": 0.5}, with_p1=False))) == set()
    assert funded(solve(band_instance({"max_increase": 0.5, "allowance": 30.0},
                                      with_p1=False))) == {"P2"}


def baseline_instance(penalty: float | None):
    """P1 (1,100 persons) and P2 (1,000), capex 10 each, 2026-2027; one fits per year.

    Approved plan: P2 in 2026, P1 in 2027. Fiscal space 1 leaves 9 of each capex of 10 to
    the envelope of 9 a year.
    """
    rules = {} if penalty is None else {"baseline": {"starts": {"P2": 2026, "P1": 2027},
                                                     "penalty": penalty}}
    return small([{"project_id": "P1"}, {"project_id": "P2", "settlement_id": "s2"}],
                 years=(2026, 2027), settlements={"s1": {"population": 1100}, "s2": {}},
                 regions={"r1": {"fiscal": 1.0}}, envelope=9.0, rules=rules)


def test_baseline_penalty_keeps_the_approved_plan_when_it_exceeds_the_gain() -> None:
    # Access per start: complete in 2026 counts 2 years of 2, in 2027 one year: P1 first is
    # (2 * 1100 + 1000) / 2 = 1600, the approved order (2 * 1000 + 1100) / 2 = 1550: 50 apart.
    assert starts(solve(baseline_instance(None))) == {"P1": 2026, "P2": 2027}
    # changing both approved starts costs 2 * 100 > 50: keep them
    kept = solve(baseline_instance(100.0))
    assert starts(kept) == {"P2": 2026, "P1": 2027}
    assert kept.objective == pytest.approx(-1550.0)
    # 2 * 20 = 40 < 50: re-plan, and the objective carries the penalty
    moved = solve(baseline_instance(20.0))
    assert starts(moved) == {"P1": 2026, "P2": 2027}
    assert moved.objective == pytest.approx(-1600.0 + 40.0)


def test_baseline_plan_is_read_from_a_results_folder(tmp_path: Path) -> None:
    tiny = ROOT / "instances" / "tiny"
    runner = CliRunner()
    first = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "approved")])
    assert first.exit_code == 0, first.output
    approved = read_baseline(tmp_path / "approved")
    assert approved and all(isinstance(y, int) for y in approved.values())
    again = runner.invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "again"),
                                "--baseline-plan", str(tmp_path / "approved"),
                                "--baseline-penalty", "500"])
    assert again.exit_code == 0, again.output
    assert f"{len(approved)} approved starts" in " ".join(again.output.split())
    assert read_baseline(tmp_path / "again") == approved  # nothing worth 500 to change


def test_rules_off_leave_the_model_unchanged() -> None:
    tiny = load_instance(ROOT / "instances" / "tiny")
    settings = tiny.settings_dict() | {"fiscal_rules": {}}
    same = instance_from_tables(settings, tiny.tables())
    assert solve(same).objective == pytest.approx(-3663.34, abs=0.01)


def test_verifier_catches_a_broken_rule() -> None:
    result = solve(two_projects({"dependency_cap": {2026: 0.4}}))
    money = result.region_years.copy()
    money["transfer"] = money["transfer"] + 20.0
    money["cofinancing"] = money["cofinancing"] - 20.0
    broken = result.model_copy(update={"region_years": money})
    assert any("dependency" in v for v in check_plan(two_projects({"dependency_cap": {
        2026: 0.4}}), broken))


def national_rules() -> dict:
    """The fiscal rules of benchmarks/fiscal_rules_kz.yaml (every rule on)."""
    return yaml.safe_load(NATIONAL_RULES.read_text())


def test_national_instance_takes_every_rule_and_reports_dependency() -> None:
    # The full MIP with every rule (60 s and more on a shared machine) runs in
    # benchmarks/bench_fiscal.py; here: validation, pre-solve checks, every family's rows, the
    # LP relaxation's feasibility, and the dependency ratios of the region-year table.
    national = load_instance(NATIONAL)
    rules = national_rules()
    instance = instance_from_tables(national.settings_dict() | {"fiscal_rules": rules},
                                    national.tables(), source=str(NATIONAL))
    found = run_prechecks(instance)
    assert [(f.severity, f.region) for f in found] == [("warning", "turkestan")] * 3
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    n_t, n_r = index.n_years, index.n_regions
    sizes = {name: rows.stop - rows.start for name, rows in form.rows.items()}
    assert sizes["equalization_pool"] == n_t and sizes["dependency_cap"] == n_r * n_t
    assert sizes["hold_harmless"] == sizes["transfer_growth"] == n_r * (n_t - 1)
    assert sizes["equalization_floor"] > 0 and sizes["critical_floor"] > n_r / 2
    lp = solve_relaxation(form, HighsOptions(time_limit=60.0))
    assert lp.status == SolveStatus.OPTIMAL
    ry = region_year_table(instance, index, form, polish(index, form, lp.values))
    assert np.isfinite(ry[["dependency_before", "dependency_after"]]).all().all()
    assert (ry["dependency_after"] >= ry["dependency_before"] - 1e-12).all()
    turkestan = ry[(ry["region_id"] == "turkestan") & (ry["year"] <= 2028)]
    assert (turkestan["transfer"] <= 1e-6).all()  # above the cap by its general transfer


def test_with_baseline_keeps_other_rules() -> None:
    instance = with_baseline(two_projects({"dependency_cap": {2026: 0.4}}), {"P2": 2026}, 7.0)
    rules = instance.settings.fiscal_rules
    assert rules.dependency_cap == {2026: 0.4}
    assert rules.baseline.starts == {"P2": 2026} and rules.baseline.penalty == 7.0


def test_fiscal_rules_are_validated_with_their_place() -> None:
    tiny = load_instance(ROOT / "instances" / "tiny")  # no own_revenue, no general_transfer
    rules = {"dependency_cap": {2031: 0.5},
             "critical_floors": {"x": {"standard": "water", "year": 2027, "level": 0.5,
                                       "region": "nowhere"}}}
    with pytest.raises(InstanceError) as caught:
        instance_from_tables(tiny.settings_dict() | {"fiscal_rules": rules}, tiny.tables())
    text = [str(i) for i in caught.value.issues]
    assert "instance.yaml: fiscal_rules.dependency_cap 2031 is outside the horizon " \
           "2026..2028" in text
    assert "instance.yaml: fiscal_rules.critical_floors.x.standard 'water' does not exist in " \
           "standards.csv" in text
    assert "instance.yaml: fiscal_rules.critical_floors.x.region 'nowhere' does not exist in " \
           "regions.csv" in text
    assert ("region_years.csv line 2 (north/2026): own_revenue is empty: the per-capita floor "
            "and the dependency cap need own revenue and general transfer in every row") in text
