"""Territorial priorities: designation weights, designation floors, the designations table.

``designation_cases`` is solved by hand in its module doc: a border weight of 2 flips the
funded school from the town to the border village, 1.4 does not; a floor on border villages
does the same without a weight; a floor on an agglomeration that no project serves is found
infeasible before any solve. Both backends must reach the hand-computed objective.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import write_instance
from designation_cases import designation_tables
from openpyxl import load_workbook
from typer.testing import CliRunner

from models.designations import designation_multiplier
from models.errors import InstanceError
from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer import solve
from optimizer.check.verify import check_plan
from optimizer.cli.app import app
from optimizer.formulation.index import build_index
from optimizer.outputs.report import load_results

BACKENDS = ("highs", "pyomo")
OPTIONS = {"mip_rel_gap": 0.0, "time_limit": 20.0, "price_envelope": False}


def _instance(**kwargs: Any) -> Instance:
    return instance_from_tables(*designation_tables(**kwargs), source="designations")


def _funded(result: Result) -> list[str]:
    projects = result.table("projects")
    return sorted(projects.loc[projects["funded"] > 0.5, "project_id"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("weights", "funded", "objective"), [
    ({}, "school_town", 2000.0),                      # 5,000 - 3,000 served
    ({"border": 1.4}, "school_town", 1.4 * 2000.0),   # the village's 2,000 weigh 1.4
    ({"border": 2.0}, "school_village", 3000.0),      # the town's 3,000 left short
    ({"monotown": 2.0, "border": 0.5}, "school_village", 3000.0),  # the largest applies
])
def test_a_designation_weight_flips_the_funded_school(backend: str, weights: dict[str, float],
                                                      funded: str, objective: float) -> None:
    instance = _instance(weights=weights, monotown="monotown" in weights)
    result = solve(instance, backend=backend, **OPTIONS)
    assert result.status == SolveStatus.OPTIMAL
    assert _funded(result) == [funded]
    assert result.objective == pytest.approx(objective)
    assert check_plan(instance, result) == []
    # the reported shortfall stays in persons, whatever the weight
    short = result.table("provision")["shortfall"].sum()
    assert short == pytest.approx(2000.0 if funded == "school_town" else 3000.0)


def test_the_largest_weight_of_a_settlements_flags_applies() -> None:
    s = pd.DataFrame({"monotown": [True, True, False, False], "border": [True, False, True,
                                                                          False],
                      "agglomeration": ["", "", "astana", ""]})
    assert designation_multiplier(s, {"monotown": 3.0}).tolist() == [3.0, 3.0, 1.0, 1.0]
    assert designation_multiplier(s, {"monotown": 0.5, "agglomeration": 2.0}).tolist() == [
        1.0, 0.5, 2.0, 1.0]  # a border flag without a weight weighs 1


def test_without_weights_the_groups_are_not_split() -> None:
    plain, weighted = (build_index(_instance(weights=w)) for w in ({}, {"border": 2.0}))
    assert plain.group_weight.tolist() == [1.0]
    assert sorted(weighted.group_weight.tolist()) == [1.0, 2.0]
    assert weighted.group_den.sum() == plain.group_den.sum() == 5000.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_border_floor_binds(backend: str) -> None:
    """80% of border villagers served by 2026: the village's school, 3,000 short, not 2,000."""
    floor = {"border_school": {"standard": "school", "year": 2026, "level": 0.8,
                               "designation": "border"}}
    instance = _instance(floors=floor)
    result = solve(instance, backend=backend, **OPTIONS)
    assert _funded(result) == ["school_village"]
    assert result.objective == pytest.approx(3000.0)
    assert check_plan(instance, result) == []
    # a plan without the village's school breaks the floor, and the verifier says so
    free = solve(_instance(), **OPTIONS)
    assert _funded(free) == ["school_town"]
    assert "critical floor border_school missed in r1 by 1,600.0 persons" in check_plan(
        instance, free)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_agglomeration_floor_no_project_can_reach_is_infeasible(backend: str) -> None:
    floor = {"astana_school": {"standard": "school", "year": 2026, "level": 0.5,
                               "designation": "astana"}}
    result = solve(_instance(floors=floor, astana_town=True), backend=backend, **OPTIONS)
    assert result.status == SolveStatus.INFEASIBLE
    assert "the school floor 'astana_school' in r1 by 2026 (50%) cannot be reached" in \
        result.message


def test_a_floor_the_money_cannot_reach_is_infeasible() -> None:
    """The border floor needs the village's school (10); the envelope is 5."""
    floor = {"border_school": {"standard": "school", "year": 2026, "level": 0.8,
                               "designation": "border"}}
    result = solve(_instance(floors=floor, envelope=5.0), **OPTIONS)
    assert result.status == SolveStatus.INFEASIBLE
    assert not result.has_plan


def test_unknown_designations_are_located_errors() -> None:
    settings, tables = designation_tables(
        weights={"borders": 2.0},
        floors={"f": {"standard": "school", "year": 2026, "level": 0.5,
                      "designation": "astna"}}, astana_town=True)
    with pytest.raises(InstanceError) as info:
        instance_from_tables(settings, tables, source="designations")
    text = str(info.value)
    assert "objective.designation_weights.borders" in text
    settings["objective"]["designation_weights"] = {"border": 2.0}
    with pytest.raises(InstanceError) as info:
        instance_from_tables(settings, tables, source="designations")
    issue = info.value.issues[0]
    assert issue.field == "fiscal_rules.critical_floors.f.designation"
    assert issue.value == "astna"
    assert "expected monotown, border, agglomeration or an agglomeration of " \
           "settlements.csv (astana)" in issue.message


def test_solve_writes_the_designations_table(tmp_path: Path) -> None:
    folder = write_instance(tmp_path, *designation_tables(weights={"border": 2.0},
                                                          astana_town=True))
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(out), "--excel",
                                      "--report", "--lang", "en"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "designations.csv", keep_default_na=False)
    rows = table.set_index("designation")
    assert set(rows.index) == {"border", "agglomeration", "astana"}  # no monotown: no row
    border = rows.loc["border"]
    assert (border["kind"], border["persons"], border["served"], border["shortfall"]) == (
        "flag", 2000.0, 2000.0, 0.0)
    assert rows.loc["astana", "kind"] == "agglomeration"
    assert rows.loc["astana", "shortfall"] == 3000.0
    assert rows.loc["astana", "shortfall_share"] == 1.0
    # the report and the workbook show the table in words, beside the national one
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "Priority territories: monotowns, border settlements, agglomerations" in report
    assert report.index("National provision") < report.index("Astana agglomeration")
    book = load_workbook(out / "results.xlsx", read_only=True)
    assert "Priority territories" in book.sheetnames and "designations" in book.sheetnames
    sheet = list(book["Priority territories"].values)
    assert sheet[0][0] == "Territory"
    assert [r[0] for r in sheet[1:]] == ["border settlements", "agglomerations (all)",
                                         "Astana agglomeration"]
    # and a results folder read back keeps it
    back = load_results(out).table("designations")
    assert back["designation"].tolist() == table["designation"].tolist()
    assert back["shortfall"].tolist() == table["shortfall"].tolist()
