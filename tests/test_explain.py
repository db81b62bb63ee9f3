"""Pre-solve checks and infeasibility explanations on fixtures whose answer is known by hand.

Each fixture breaks one rule in one region and year; the tests check which rule, region, year
and amount the checks and the elastic model report, and what the CLI prints and returns.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from fiscal_builders import small
from typer.testing import CliRunner

from models.folder import write_folder
from models.instance import Instance
from models.result import SolveStatus
from optimizer.api import solve
from optimizer.check.elastic import WEIGHTS, elastic_model
from optimizer.check.explain import explain
from optimizer.check.explain_text import describe
from optimizer.check.prechecks import run_prechecks
from optimizer.cli.app import app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index

YEARS = (2026, 2027, 2028)


def unfundable() -> Instance:
    """Committed P-0132 (capex 30, start fixed 2027) in r1 with 20% co-financing: it needs
    6.0 of local money in 2027, and fiscal space is 1.5 every year."""
    return small([{"project_id": "P-0132", "capex": 30.0, "status": "committed",
                   "earliest_start": 2027, "latest_start": 2027}], years=YEARS,
                 regions={"r1": {"alpha": 0.2, "fiscal": 1.5}})


def over_envelope() -> Instance:
    """Committed P1 (capex 100 in 2026, 10% co-financing within fiscal space 10) needs 90 of
    transfer; the envelope is 50."""
    return small([{"project_id": "P1", "capex": 100.0, "status": "committed",
                   "latest_start": 2026}], regions={"r1": {"fiscal": 10.0}}, envelope=50.0)


def floor_short_of_money(year: int = 2026) -> Instance:
    """A hard water floor (50% of s2's 1,000 persons by ``year``) needs P2 (capex 20, at most 2
    co-financed), i.e. 18 of envelope in 2026; the 2026 envelope is 5, the 2027 one 18."""
    floor = {"standard": "water", "region": "r1", "year": year, "level": 0.5}
    return small([{"project_id": "P2", "settlement_id": "s2", "capex": 20.0,
                   "standard": "water"}], years=(2026, 2027),
                 settlements={"s1": {}, "s2": {"type": "rural_other"}},
                 regions={"r1": {"fiscal": 2.0}}, envelope={2026: 5.0, 2027: 18.0},
                 rules={"critical_floors": {"water_r1": floor}})


def test_precheck_names_the_region_year_and_both_amounts() -> None:
    (finding,) = run_prechecks(unfundable())
    assert (finding.severity, finding.rule, finding.region, finding.year) == (
        "error", "fiscal_space", "r1", 2027)
    assert finding.needed == pytest.approx(6.0) and finding.available == pytest.approx(1.5)
    assert finding.message == (
        "committed projects in r1 need at least 6.0 million KZT of co-financing and new opex "
        "in 2027 whatever their start years; fiscal space is 1.5 million KZT")
    assert finding.projects == ("P-0132",)


def test_precheck_error_stops_the_solve_before_any_solver() -> None:
    result = solve(unfundable())
    assert result.status == SolveStatus.INFEASIBLE
    assert result.message.startswith("pre-solve checks: no plan can exist")
    assert result.metadata["prechecks"][0]["needed"] == pytest.approx(6.0)
    assert "rows" not in result.metadata  # no model was built


def test_precheck_committed_capex_against_the_envelope() -> None:
    # tau >= 100 - (10 - 0) = 90 > 50; and r1 alone may take at most the 50 of the envelope,
    # so it would have to co-finance 50 > 10: both are errors
    local, finding = run_prechecks(over_envelope())
    assert (local.rule, local.needed) == ("fiscal_space", pytest.approx(50.0))
    assert "(the transfer can be at most 50.0 million KZT)" in local.message
    assert (finding.rule, finding.year) == ("envelope", 2026)
    assert (finding.needed, finding.available) == pytest.approx((90.0, 50.0))
    assert "at least 90.0 million KZT of republican transfers in 2026" in finding.message


def late_floor() -> Instance:
    """P2 cannot start before 2027, so nothing raises s2's water by the end of 2026 (0% of a
    50% floor on 1,000 persons: 500 short); by 2027 it can."""
    return small([{"project_id": "P2", "settlement_id": "s2", "standard": "water",
                   "earliest_start": 2027}], years=(2026, 2027),
                 settlements={"s1": {}, "s2": {"type": "rural_other"}},
                 rules={"critical_floors": {"water_r1": {
                     "standard": "water", "year": 2026, "level": 0.5}}})


def test_precheck_floor_no_project_can_reach() -> None:
    (finding,) = run_prechecks(late_floor())
    assert (finding.severity, finding.rule, finding.region, finding.year) == (
        "error", "critical_floor", "r1", 2026)
    assert "brings provision to 0.0% (500 persons short)" in finding.message


def test_explanation_of_a_floor_no_money_can_reach() -> None:
    found = explain(late_floor(), time_limit=20)
    (relax,) = found.relaxations
    assert (relax.family, relax.floor, relax.amount) == ("critical_floor", "water_r1",
                                                         pytest.approx(500.0))
    (cause,) = found.causes
    assert cause.one_more_year is True and cause.needs == {"critical_floor": pytest.approx(0.5)}
    assert cause.message == ("the water floor 'water_r1' in R1 by 2026 (50%) is 500 persons "
                             "short whatever the money; one more year would do")


def test_precheck_equalization_floors_against_the_pool() -> None:
    # average (500 + 10 + 30) / 6,000 = 0.09; B needs 0.9 * 0.09 * 1,000 - 10 = 71 > 30
    instance = small([{"project_id": "PA", "settlement_id": "a1"}],
                     regions={"A": {"own": 500.0, "general": 0.0},
                                  "B": {"own": 10.0, "general": 0.0}},
                     settlements={"a1": {"region_id": "A", "population": 5000},
                                  "b1": {"region_id": "B"}},
                     rules={"equalization": {"pool": {2026: 30.0}, "theta": 0.9}})
    (finding,) = run_prechecks(instance)
    assert finding.rule == "equalization_pool"
    assert (finding.needed, finding.available) == pytest.approx((71.0, 30.0))


def test_explanation_of_an_unfundable_commitment() -> None:
    found = explain(unfundable(), time_limit=20)
    assert found.status == "infeasible"
    (relax,) = found.relaxations
    assert (relax.family, relax.region, relax.year) == ("fiscal_space", "r1", 2027)
    assert relax.amount == pytest.approx(4.5)  # 6.0 needed - 1.5 available
    assert relax.message == ("Region R1 cannot fund committed project P-0132 in 2027: "
                             "fiscal space short by 4.5 million KZT")
    assert found.iis is not None and found.iis.available
    assert "fiscal_space(r1,2027) [upper]" in found.iis.rows
    assert "one_start(P-0132) [lower]" in found.iis.rows


def test_explanation_of_a_short_envelope() -> None:
    (relax,) = explain(over_envelope(), time_limit=20).relaxations
    assert (relax.family, relax.year, relax.amount) == ("envelope", 2026, pytest.approx(40.0))
    assert relax.message == "the envelope of 2026 is short by 40.0 million KZT"


def test_explanation_names_the_floor_its_money_and_one_more_year() -> None:
    found = explain(floor_short_of_money(), time_limit=20)
    assert [(r.family, r.year, round(r.amount, 6)) for r in found.relaxations] == [
        ("envelope", 2026, 13.0)]  # 18 needed, 5 there
    (cause,) = found.causes
    assert (cause.floor, cause.region, cause.year) == ("water_r1", "r1", 2026)
    assert cause.needs == {"envelope": pytest.approx(13.0)}
    assert cause.one_more_year is True  # by 2027, the 2027 envelope of 18 pays for P2
    assert cause.message == ("the water floor 'water_r1' in R1 by 2026 (50%) needs 13.0 "
                             "million KZT more envelope or one more year")


def test_integrality_only_conflict_has_no_iis_but_an_explanation() -> None:
    # Committed P1 (capex 20, 2026 or 2027) with fiscal space 1.5 and envelope 9 a year: half a
    # project each year fits the LP (co-financing 1 <= 1.5, transfer 9), a whole one does not.
    # Cheapest relaxation: fiscal space +0.5 (co-financing 2) and envelope +9 (transfer 18).
    instance = small([{"project_id": "P1", "capex": 20.0, "status": "committed"}],
                     years=(2026, 2027), regions={"r1": {"fiscal": 1.5}}, envelope=9.0)
    (error,) = run_prechecks(instance)  # P1 alone needs 20 - 9 = 11 > 1.5 in either year
    assert (error.severity, error.year, error.needed) == ("error", 2026, 11.0)
    found = explain(instance, time_limit=20)
    assert found.iis is not None and not found.iis.available
    got = {r.family: (r.year, round(r.amount, 6)) for r in found.relaxations}
    assert got["envelope"][1] == 9.0 and got["fiscal_space"][1] == 0.5
    assert got["envelope"][0] == got["fiscal_space"][0]


def test_feasible_instance_needs_no_explanation() -> None:
    found = explain(small([{"project_id": "P1"}]), time_limit=20)
    assert found.status == "feasible" and not found.relaxations


def test_cli_explain_json_and_exit_code(tmp_path: Path) -> None:
    instance = unfundable()
    folder = write_folder(instance.settings_dict(), instance.tables(), tmp_path / "inst")
    result = CliRunner().invoke(app, ["explain", str(folder), "--json"])
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "infeasible"
    assert data["relaxations"][0] | {"message": None} == {
        "family": "fiscal_space", "amount": pytest.approx(4.5), "unit": "million KZT",
        "message": None, "region": "r1", "year": 2027, "project": None, "floor": None}
    assert data["prechecks"][0]["rule"] == "fiscal_space"


def test_cli_solve_prints_the_explanation(tmp_path: Path) -> None:
    instance = floor_short_of_money()
    folder = write_folder(instance.settings_dict(), instance.tables(), tmp_path / "inst")
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3, result.output
    text = " ".join(result.output.split())
    assert "the envelope of 2026 is short by 13.0 million KZT" in text
    assert "needs 13.0 million KZT more envelope or one more year" in text


def every_rule() -> Instance:
    """Two regions and two years with every rule on, so every family has rows."""
    regions = {"r1": {"sigma": 0.5, "own": 50.0, "general": 150.0}, "r2": {}}
    floor = {"standard": "school", "year": 2027, "level": 0.5, "region": "r2"}
    return small([{"project_id": "P1"}, {"project_id": "P2", "settlement_id": "s2",
                                         "status": "committed"}], years=(2026, 2027),
                 regions=regions, settlements={"s1": {}, "s2": {"region_id": "r2"}},
                 rules={"equalization": {"pool": {2026: 50.0, 2027: 50.0}, "theta": 0.9},
                        "dependency_cap": {2026: 0.8, 2027: 0.8},
                        "critical_floors": {"school_r2": floor},
                        "stability": {"max_decrease": 0.2, "max_increase": 0.5}})


@pytest.mark.parametrize("family", list(WEIGHTS))
def test_every_relaxable_family_reads_as_a_sentence(family: str) -> None:
    instance = every_rule()
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    elastic = elastic_model(index, form)
    k = int(np.flatnonzero(elastic.slack_family == family)[0])
    relax = describe(index, form, np.zeros(elastic.form.shape[1]), family,
                     int(elastic.slack_row[k]), 2.5, {"r1": "North", "r2": "South"})
    assert relax.family == family and relax.amount > 0
    where = {relax.region, relax.project, relax.floor} - {None}
    assert where or relax.year is not None, relax
    assert relax.message and "{" not in relax.message, relax.message


def test_cli_rejects_an_unreadable_baseline_plan(tmp_path: Path) -> None:
    tiny = Path(__file__).resolve().parents[1] / "instances" / "tiny"
    result = CliRunner().invoke(app, ["solve", str(tiny), "--out", str(tmp_path / "o"),
                                      "--baseline-plan", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "holds no starts.csv or projects.csv" in " ".join(result.output.split())


def test_precheck_names_a_commitment_that_fits_no_start_year() -> None:
    # P1 (capex 100, co-financing 10%) needs 10 in whichever year it starts; 6 a year is there
    instance = small([{"project_id": "P1", "capex": 100.0, "status": "committed"}],
                     years=YEARS, regions={"r1": {"fiscal": 6.0}})
    (finding,) = run_prechecks(instance)
    assert (finding.severity, finding.rule, finding.region, finding.year) == (
        "error", "fiscal_space", "r1", 2026)
    assert (finding.needed, finding.available) == pytest.approx((10.0, 6.0))
    assert finding.projects == ("P1",)
    assert finding.message == (
        "committed project P1 in r1 fits no start year of 2026-2028: even started in 2026 it "
        "needs 10.0 million KZT of co-financing and new opex in 2026; fiscal space is 6.0 "
        "million KZT")


def joint_commitments() -> Instance:
    """Three committed projects each needing 1.0 of co-financing in their start year, 1.6 of
    fiscal space a year over two years: each fits alone, no two fit one year, so no plan
    exists although the LP (a third of each in each year) and every pre-check pass. The last
    project (a candidate of 5 years) cannot finish in the horizon: it has no start column."""
    committed = [{"project_id": f"C{i}", "status": "committed"} for i in (1, 2, 3)]
    return small([*committed, {"project_id": "LATE", "duration": 5}], years=(2026, 2027),
                 regions={"r1": {"fiscal": 1.6}})


@pytest.mark.parametrize("strategy", ["engineered", "plain"])
def test_infeasible_commitments_beside_a_project_without_starts(strategy: str) -> None:
    instance = joint_commitments()
    assert not [f for f in run_prechecks(instance) if f.severity == "error"]
    index = build_index(instance)
    assert index.project_start_count[-1] == 0
    assert 0 <= index.project_first_start[-1] < len(index.start_project)
    result = solve(instance, strategy=strategy)
    assert result.status == SolveStatus.INFEASIBLE and not result.has_plan


def test_rounding_gives_a_plan_when_the_last_project_has_no_start() -> None:
    from optimizer.solving.heuristic import round_lp
    from optimizer.solving.solution import feasible_plan

    instance = small([{"project_id": "C1", "status": "committed"},
                      {"project_id": "LATE", "duration": 5}], years=(2026, 2027))
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    plan = feasible_plan(index, form, round_lp(index, form, None))
    assert plan is not None
    assert plan[: form.layout.n_start].sum() == pytest.approx(1.0)  # C1 started once
