"""The what-if comparison: what counts as a change, names beside ids, words, workbook and page.

A hand-built instance (one region, three years, no co-financing or fiscal space, so that every
million comes from the envelope) whose optimum is known without a solver:

- ``clinic`` (capex 30) and ``town_school`` (30) in Aksu, 3,000 residents, each raising a
  standard from 50% to 100%: 1,500 persons for 30 million, the clinic weighing twice (health).
  The envelope of 40 a year fits one of them a year, so the clinic starts in 2026 (a year more
  of access) and the school in 2027;
- ``village_school`` (capex 100, divisible, not before 2028) in Zhanakala: 800 persons for 100
  million, funded with all of 2028's envelope: 72%; with the envelope cut by 10%, 64.8%;
- ``hall`` (capex 10) has no effect: it only costs money, so it is not funded.

The scenario ``cut`` scales the envelope by 0.9: only the divisible school's share moves (72%
-> 65%, same start year), which a comparison of start years alone missed. ``locks`` fixes the
clinic's start to 2027, forces the town school out and the hall in (2028): a start that moves,
a project dropped, one added, and the divisible school's share falls to 62%.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from builders import write_instance
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from models.scenario import parse_scenario
from models.scenario_apply import apply_scenarios
from optimizer.analysis.whatif import Case, Comparison, compare, run_cases
from optimizer.analysis.whatif_compare import project_changes
from optimizer.cli.app import app
from optimizer.outputs.formats import header
from optimizer.outputs.labels import label
from optimizer.outputs.whatif_files import write_comparison
from optimizer.outputs.whatif_page import render_comparison
from optimizer.outputs.whatif_tables import change_words

YEARS = [2026, 2027, 2028]
REGION = "Северная область"  # names as the instance gives them, Cyrillic included
NBSP = "\u00a0"
SCENARIOS = {"cut": [{"envelope": {"scale": 0.9}}],
             "locks": [{"lock": {"project": "clinic", "start_year": 2027}},
                       {"lock": {"project": "town_school", "force": "out"}},
                       {"lock": {"project": "hall", "force": "in", "start_year": 2028}}]}
SHEETS = ["Overview", "National", "Money", "Regions", "Projects"]


def hand_tables() -> tuple[dict, dict[str, pd.DataFrame]]:
    settings = {
        "name": "whatif-hand", "description": "the what-if comparison solved by hand",
        "years": YEARS, "targets": {"urban": {2028: 0.9}, "rural": {2028: 0.7}},
        "budget": {"envelope": {2026: 40.0, 2027: 40.0, 2028: 72.0}, "carryover": False},
        "objective": {"mode": "weighted", "category_weights": {"education": 1.0, "health": 2.0},
                      "access_weight": 0.03, "cost_weight": 0.01},
        "solver": {"time_limit": 10.0, "mip_rel_gap": 0.0, "threads": None},
    }
    projects = pd.DataFrame({
        "project_id": ["clinic", "town_school", "village_school", "hall"],
        "name": ["Clinic", "Town school", "School", "Sports hall"],
        "settlement_id": ["aksu", "aksu", "zhana", "aksu"],
        "capex": [30.0, 30.0, 100.0, 10.0], "opex": 0.0, "duration": 1,
        "earliest_start": pd.array([None, None, 2028, None], dtype="Int64"),
        "latest_start": pd.array([None] * 4, dtype="Int64"),
        "status": "candidate", "divisible": [False, False, True, False]})
    return settings, {
        "regions": pd.DataFrame({"region_id": ["north"], "name": [REGION], "kind": ["oblast"],
                                 "cofinancing_rate": [0.0], "max_envelope_share": [1.0]}),
        "region_years": pd.DataFrame({"region_id": "north", "year": YEARS,
                                      "fiscal_space": 0.0}),
        "settlements": pd.DataFrame({
            "settlement_id": ["aksu", "zhana"], "region_id": "north",
            "name": ["Aksu", "Zhanakala"], "type": ["town_district", "rural_other"],
            "area": ["urban", "rural"], "population": [3000, 1000]}),
        "standards": pd.DataFrame({
            "standard_id": ["school", "clinic"], "name": ["School", "Clinic"],
            "category": ["education", "health"], "applies_to": ["all", "all"],
            "min_population": [None, 2000]}),
        "coverage": pd.DataFrame({"settlement_id": ["aksu", "aksu", "zhana"],
                                  "standard_id": ["school", "clinic", "school"],
                                  "level": [0.5, 0.5, 0.2]}),
        "projects": projects,
        "project_effects": pd.DataFrame({
            "project_id": ["clinic", "town_school", "village_school"],
            "settlement_id": ["aksu", "aksu", "zhana"],
            "standard_id": ["clinic", "school", "school"], "level": 1.0}),
    }


@pytest.fixture(scope="module")
def hand() -> Instance:
    settings, tables = hand_tables()
    return instance_from_tables(settings, tables, source="hand")


@pytest.fixture(scope="module")
def comparison(hand: Instance) -> Comparison:
    cases = [Case("base", hand)]
    for name, changes in SCENARIOS.items():
        scenario = parse_scenario({"name": name, "changes": changes}, f"{name}.yaml")
        instance, record = apply_scenarios(hand, [scenario])
        cases.append(Case(name, instance, record))
    results = run_cases(cases, mip_rel_gap=0.0)
    return compare(results, {case.name: case.instance for case in cases})


@pytest.fixture(scope="module")
def written(comparison: Comparison, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("whatif") / "en"
    write_comparison(comparison, out, "en")
    return out


def test_a_funded_share_moving_more_than_half_a_point_is_a_change() -> None:
    base = pd.DataFrame({"start_year": [2028, 2028, 2027, 2026],
                         "funded": [0.72, 0.724, 1.0, 1.0]}, index=["a", "b", "c", "d"])
    other = pd.DataFrame({"start_year": [2028, 2028, 2026, 2027],
                          "funded": [0.716, 0.716, 1.0, 0.5]}, index=["a", "b", "c", "e"])
    changes = project_changes(base, other)
    assert changes["kind"].to_dict() == {"b": "funded", "c": "start", "d": "dropped",
                                         "e": "added"}  # a: 0.4 point, the same plan
    assert change_words(changes.loc["b"], "en") == "funded 72.4% -> 71.6%"  # both "72%" whole
    assert change_words(changes.loc["e"], "en") == "added (start 2027, 50% funded)"
    row = {"kind": "start+funded", "base_start_year": 2027, "scenario_start_year": 2028,
           "base_funded": 0.199, "scenario_funded": 0.003}
    assert change_words(row, "en") == "start 2027 -> 2028, funded 20% -> 0.3%"  # not 0%
    assert change_words(row | {"kind": "funded", "base_funded": 0.72, "scenario_funded": 0.04},
                        "en") == "funded 72% -> 4%"
    assert change_words(row | {"kind": "funded"}, "ru") == (
        f"профинансировано 20{NBSP}% -> 0,3{NBSP}%")


def test_the_envelope_cut_moves_only_the_divisible_share_and_projects_csv_says_so(
        comparison: Comparison, written: Path) -> None:
    over = comparison.overview.set_index("scenario")
    assert over.loc["cut", ["projects_added", "projects_dropped", "projects_changed"]
                    ].tolist() == [0, 0, 1]
    projects = pd.read_csv(written / "projects.csv").set_index("project_id")
    # the columns it had keep their names; names beside ids and the words are added
    assert list(projects.columns[:3]) == ["name", "region_id", "region"]
    assert {"capex", "base", "cut", "locks", "funded:base", "funded:cut"} <= set(projects)
    school = projects.loc["village_school"]
    assert (school["base"], school["cut"]) == (2028, 2028)  # the same start year
    assert (school["funded:base"], school["funded:cut"]) == pytest.approx((0.72, 0.648))
    assert school["change:cut"] == "funded 72% -> 65%"
    assert (school["region"], school["settlement"]) == (REGION, "Zhanakala")
    assert projects["change:cut"].fillna("").tolist().count("") == 3  # nothing else moves


def test_a_start_that_moves_a_project_added_and_one_dropped_in_words(
        comparison: Comparison, written: Path) -> None:
    projects = pd.read_csv(written / "projects.csv").set_index("project_id")
    assert projects["change:locks"].to_dict() == {
        "clinic": "start 2026 -> 2027", "hall": "added (start 2028)",
        "town_school": "dropped (was 2027)", "village_school": "funded 72% -> 62%"}
    regions = pd.read_csv(written / "regions.csv").set_index("scenario")
    assert regions.loc["locks", ["region_id", "region", "projects_added", "projects_dropped",
                                 "projects_changed"]].tolist() == ["north", REGION, 1, 1, 2]
    for name in ("overview", "national", "money"):  # the other tables, as before
        assert set(pd.read_csv(written / f"{name}.csv")["scenario"]) == {"base", "cut", "locks"}


def test_comparison_workbook_is_formatted_like_the_results_workbook(written: Path) -> None:
    book = load_workbook(written / "comparison.xlsx")
    assert book.sheetnames == SHEETS
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    header = [c.value for c in book["Projects"][1]]
    assert header[:8] == ["Case", "Region ID", "Region", "Project ID", "Project",
                          "Settlement ID", "Settlement", "Change"]
    rows = {(r[0].value, r[3].value): dict(zip(header, r, strict=True))
            for r in book["Projects"].iter_rows(min_row=2)}
    school = rows["cut", "village_school"]
    assert school["Region"].value == REGION and school["Change"].value == "funded 72% -> 65%"
    assert school["Funded share in the case (%)"].value == pytest.approx(0.648)
    assert school["Funded share in the case (%)"].number_format == "0.0%"
    assert school["Capex (million KZT)"].number_format == "#,##0"
    assert school["Start year in the base"].number_format == "0"
    over = [c.value for c in book["Overview"][1]]
    cut = dict(zip(over, next(iter(book["Overview"].iter_rows(min_row=3, max_row=3))),
                   strict=True))
    change = cut["Change of the objective (objective units)"]
    assert change.value > 0 and change.number_format.startswith("+")  # a cut costs objective
    assert cut["What the scenario changes"].value == "envelope total 152 -> 137 million KZT"
    regions = [c.value for c in book["Regions"][1]]
    assert "Change of provision (percentage points)" in regions


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_comparison_page_side_by_side_svg_offline(comparison: Comparison, lang: str) -> None:
    page = render_comparison(comparison, lang)
    assert page.startswith(f'<!DOCTYPE html>\n<html lang="{lang}">')
    for key in ("summary", "overview", "national", "money", "regions", "projects"):
        assert f'<section id="{key}"' in page, key
    charts = re.findall(r'<svg class="chart[^"]*".*?</svg>', page, re.S)
    assert len(charts) == 4 and all(re.search(r"<text[^>]*>[^<]+</text>", c) for c in charts)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # opens without internet
    assert "<script" not in page and "<img" not in page and "<link" not in page
    assert "@page{size:A4" in page and "break-before:page" in page  # print layout
    projects = re.search(r'<section id="projects".*?</section>', page, re.S).group(0)
    moved = label("whatif.start", lang, before="2026", after="2027")
    assert moved.replace(">", "&gt;") in projects and REGION in projects
    assert label("whatif.versus", lang, base="base", scenario="locks") in projects
    regions = re.search(r'<section id="regions".*?</section>', page, re.S).group(0)
    assert label("whatif.in_case", lang, label=header("provision", lang), case="cut") in regions


def test_cli_whatif_prints_each_change_with_names_and_takes_lang(hand: Instance,
                                                                 tmp_path: Path) -> None:
    settings, tables = hand_tables()
    folder = write_instance(tmp_path, settings, tables)
    files = []
    for name, changes in SCENARIOS.items():
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(yaml.safe_dump({"name": name, "changes": changes}))
    run = CliRunner().invoke(app, ["whatif", str(folder), *map(str, files), "--out",
                                   str(tmp_path / "o")], env={"COLUMNS": "200"})
    assert run.exit_code == 0, run.output
    said = " ".join(run.output.split())
    for line in (f"village_school School in Zhanakala ({REGION}) │ funded 72% -> 65%",
                 f"clinic Clinic in Aksu ({REGION}) │ start 2026 -> 2027",
                 "Projects that change in locks: 1 added, 1 dropped, 2 changed"):
        assert line in said, line
    page = (tmp_path / "o" / "comparison.html").read_text(encoding="utf-8")
    assert page.startswith('<!DOCTYPE html>\n<html lang="ru">')  # Russian unless told
    assert load_workbook(tmp_path / "o" / "comparison.xlsx").sheetnames[0] == "Обзор"
    run = CliRunner().invoke(app, ["whatif", str(folder), str(files[0]), "--lang", "fr"])
    assert run.exit_code == 2


def test_a_base_without_plan_is_written_and_said(hand: Instance, comparison: Comparison,
                                                 tmp_path: Path) -> None:
    failed = Result(status=SolveStatus.INFEASIBLE, message="no plan satisfies every rule")
    nothing = compare({"base": failed, "cut": comparison.results["cut"]}, {"base": hand})
    write_comparison(nothing, tmp_path / "o", "en")
    assert (tmp_path / "o" / "projects.csv").read_text().strip() == ""  # nothing to compare
    assert load_workbook(tmp_path / "o" / "comparison.xlsx").sheetnames == SHEETS
    page = (tmp_path / "o" / "comparison.html").read_text(encoding="utf-8")
    assert label("whatif.words.no_base", "en", base="base", status="infeasible") in page
