"""The results workbook for people and the message catalogue it shares with the report."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

import optimizer
from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer.outputs.labels import LANGS, label, messages
from optimizer.outputs.report import render_report
from optimizer.outputs.results_io import write_results
from optimizer.outputs.results_workbook import write_results_workbook

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
NBSP = "\u00a0"
PEOPLE = ["Summary", "Funded projects", "Per region", "Per region and year", "Money per year",
          "National provision"]
TABLES = ["projects", "regions", "provision", "national", "envelope", "starts"]
FORMATS = {  # people's sheet: {header: Excel number format of its cells}
    "Funded projects": {"Capex (million KZT)": "#,##0", "Funded share (%)": "0.0%",
                        "Start year": "0"},
    "Per region": {"Targeted transfer (million KZT)": "#,##0", "Target (%)": "0.0%",
                   "Short of the target (persons)": "#,##0"},
    "Per region and year": {"Regional co-financing (million KZT)": "#,##0",
                            "Share of the envelope (%)": "0.0%"},
    "Money per year": {"Envelope (million KZT)": "#,##0", "Envelope used (%)": "0.0%"},
    "National provision": {"Provision in the plan (%)": "0.0%", "Residents (persons)": "#,##0"},
    "projects": {"capex": "#,##0", "funded": "0.0%"},
    "envelope": {"transfer": "#,##0"},
}


@pytest.fixture(scope="module")
def tiny() -> tuple[Instance, Result]:
    instance = optimizer.load(str(TINY))
    return instance, optimizer.solve(instance)


def rows(ws: object) -> list[dict[str, object]]:
    """The sheet's records by header (the cells, so formats can be read)."""
    header = [c.value for c in ws[1]]
    return [dict(zip(header, cells, strict=True)) for cells in ws.iter_rows(min_row=2)]


def test_workbook_sheets_units_formats_frozen_and_filtered(tiny: tuple, tmp_path: Path) -> None:
    instance, result = tiny
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance, "en"))
    assert book.sheetnames == PEOPLE + TABLES
    for ws in book.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{get_column_letter(ws.max_column)}{ws.max_row}"
    for sheet, expected in FORMATS.items():
        records = rows(book[sheet])
        assert {h: records[0][h].number_format for h in expected} == expected, sheet
    assert [c.value for c in book["projects"][1]] == list(result.projects.columns)  # as the CSV
    assert book["Funded projects"].column_dimensions["B"].width > 30  # sized to the names


def test_workbook_puts_names_beside_ids(tiny: tuple, tmp_path: Path) -> None:
    instance, result = tiny
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance, "en"))
    funded = {r["Project ID"].value: {h: c.value for h, c in r.items()}
              for r in rows(book["Funded projects"])}
    assert sorted(funded) == ["p1", "p2", "p3", "p4", "p5"]  # docs/tiny.md: all but p6
    assert funded["p1"] | {"Project ID": "p1", "Project": "Support school serving the satellite",
                           "Settlement ID": "n_support", "Settlement": "Support village",
                           "Region ID": "north", "Region": "North oblast", "Start year": 2027,
                           "Funded share (%)": 1, "Capex (million KZT)": 60} == funded["p1"]
    regions = {r["Region"].value: r for r in rows(book["Per region"])}
    assert regions["North oblast"]["Short of the target (persons)"].value == 1000
    assert regions["North oblast"]["Projects funded"].value == 2
    assert regions["South oblast"]["Funded capex (million KZT)"].value == 110  # p3 + p4 + p5
    money = {r["Year"].value: r["Envelope unused (million KZT)"].value
             for r in rows(book["Money per year"])}
    assert money == {2026: 0, 2027: 63, 2028: 71}
    bare = load_workbook(write_results_workbook(result, tmp_path / "b.xlsx", lang="en"))
    assert [r["Region"].value for r in rows(bare["Per region"])] == ["north", "south"]  # ids


def test_summary_labels_the_figures_of_summary_json(tiny: tuple, tmp_path: Path) -> None:
    instance, result = tiny
    folder = write_results(result, tmp_path / "results")
    info = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance, "en"))
    summary = {r["Figure"].value: r for r in rows(book["Summary"])}
    expected = {"fig.objective": info["objective"], "fig.bound": info["bound"],
                "fig.gap": info["mip_gap"], "fig.funded_projects": info["funded_projects"],
                "fig.funded_capex": info["funded_capex"],
                "fig.total_transfer": info["total_transfer"],
                "fig.total_cofinancing": info["total_cofinancing"],
                "fig.input_hash": info["input_hash"], "fig.highs_version": info["highs_version"]}
    for key, value in expected.items():
        assert summary[label(key, "en")]["Value"].value == value, key
    assert info["objective"] == pytest.approx(-3663.34)  # docs/tiny.md
    for year in info["per_year"]:
        row = summary[label("fig.transfer_year", "en", year=year["year"])]
        assert row["Value"].value == year["transfer"]
        assert row["Unit"].value == "million KZT"
    assert summary["Status"]["Value"].value == label("status.optimal", "en")
    assert summary[label("fig.gap", "en")]["Value"].number_format == "0.00%"
    assert summary[label("fig.total_transfer", "en")]["Value"].number_format == "#,##0"
    assert summary[label("fig.total_transfer", "en")]["Note"].value == (
        f"55.3% of the envelope of 300{NBSP}million KZT")
    short = summary[label("fig.shortfall", "en", year=2028)]
    assert short["Value"].value == 1000 and short["Unit"].value == "persons"
    assert not {"mip_gap", "solve_seconds", "status"} & set(summary)  # no raw keys


def test_workbook_in_russian(tiny: tuple, tmp_path: Path) -> None:
    instance, result = tiny
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance))
    assert book.sheetnames == [label(f"sheet.{k}", "ru") for k in (
        "summary", "funded", "per_region", "per_region_year", "money", "provision")] + TABLES
    assert book.sheetnames[0] == "Сводка"  # Russian by default
    funded = [c.value for c in book["Финансируемые проекты"][1]]
    assert "Капитальные затраты, млн тенге" in funded and "Регион" in funded
    provision = rows(book["Обеспеченность по стране"])
    assert {r["Категория СРС"].value for r in provision} == {"образование", "здравоохранение"}
    assert {r["Местность"].value for r in provision} == {"город", "село"}


def test_workbook_shows_every_column_of_the_tables(tiny: tuple, tmp_path: Path) -> None:
    instance, result = tiny
    reason = ["" if f >= 1 else "excluded" for f in result.projects["funded"]]
    result = result.model_copy(update={"projects": result.projects.assign(reason=reason)})
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance, "en"))
    assert {"reason", "reason_detail"} <= {c.value for c in book["projects"][1]}
    assert label("col.reason", "en") in [c.value for c in book["Funded projects"][1]]


def test_workbook_without_a_plan_has_only_the_summary(tmp_path: Path) -> None:
    result = Result(status=SolveStatus.INFEASIBLE, message="no plan satisfies every rule")
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", lang="en"))
    assert book.sheetnames == ["Summary"]
    summary = {r["Figure"].value: r["Value"].value for r in rows(book["Summary"])}
    assert summary["Status"] == label("status.infeasible", "en")


def fields(text: str) -> set[tuple[str, str]]:
    return {(name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name}


def test_catalogue_has_every_message_in_both_languages_with_the_same_fields() -> None:
    ru, en = messages("ru"), messages("en")
    assert ru.keys() == en.keys()
    for key in en:
        assert ru[key].strip() and en[key].strip(), key
        assert fields(ru[key]) == fields(en[key]), key
    assert LANGS == ("ru", "en")


def test_labels_write_numbers_the_way_each_language_does() -> None:
    assert label("kpi.money", "en", value=1234567.4) == f"1,234,567{NBSP}million KZT"
    assert label("kpi.money", "ru", value=1234567.4) == f"1{NBSP}234{NBSP}567{NBSP}млн тенге"
    assert label("kpi.share", "en", value=0.7123) == "71.2%"
    assert label("kpi.share", "ru", value=0.7123) == f"71,2{NBSP}%"
    assert label("words.region_short", "ru", region="Абай", shortfall=12345.0) == (
        f"Абай (12{NBSP}345{NBSP}чел.)")  # names as given, Cyrillic included
    assert label("kpi.money", "en", value=float("nan")) == "–"
    assert label("kpi.money", "en", value=-0.2) == f"0{NBSP}million KZT"  # never "-0"
    with pytest.raises(ValueError, match="language 'de'"):
        label("kpi.money", "de", value=1)
    with pytest.raises(KeyError):
        label("no.such.message", "en")


def test_names_are_shown_as_given_cyrillic_included(tmp_path: Path) -> None:
    tiny = optimizer.load(str(TINY))
    tables = tiny.tables()
    regions = tables["regions"].assign(name=["Северо-Казахстанская область", "Туркестанская"])
    projects = tables["projects"].copy()
    projects.loc[projects["project_id"] == "p2", "name"] = "Поликлиника <№ 1> & $x$"
    instance = instance_from_tables(tiny.settings_dict(), tables | {"regions": regions,
                                                                   "projects": projects})
    result = optimizer.solve(instance)
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx", instance))
    funded = {r["Код проекта"].value: r for r in rows(book["Финансируемые проекты"])}
    assert funded["p2"]["Проект"].value == "Поликлиника <№ 1> & $x$"
    assert funded["p2"]["Регион"].value == "Северо-Казахстанская область"
    page = render_report(result, instance, "ru")
    assert "Поликлиника &lt;№ 1&gt; &amp; $x$" in page and "<№ 1>" not in page  # escaped
    assert page.count("Северо-Казахстанская область") >= 3  # words, tables, charts
