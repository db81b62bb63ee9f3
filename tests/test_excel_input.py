"""Excel input as analysts fill it: formulas, dates, numbers typed as text, and the template.

Every test writes a real workbook (tiny, instances/tiny, edited with openpyxl) and reads it the
way ``srsopt validate`` does.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from models.errors import InstanceError
from models.instance import Instance, load_instance, read_raw
from models.schema import TABLES
from models.settings_sheet import flatten
from models.template import EXAMPLES, INSTRUCTIONS
from models.workbook import write_workbook
from optimizer.cli.app import Exit, app

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
CAPEX, EARLIEST = "D", "G"
"""Columns of projects.csv in tiny (and so of the workbook's projects sheet)."""


def tiny_workbook(path: Path) -> Path:
    return write_workbook(*read_raw(TINY)[:2], path)


def edit(path: Path, cells: dict[tuple[str, str], object], formats: dict[tuple[str, str], str]
         | None = None) -> Path:
    book = load_workbook(path)
    for (sheet, ref), value in cells.items():
        book[sheet][ref] = value
    for (sheet, ref), fmt in (formats or {}).items():
        book[sheet][ref].number_format = fmt
    book.save(path)
    return path


def errors_of(path: Path) -> list[str]:
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    return [str(issue) for issue in caught.value.issues]


def cache_formula_values(path: Path, values: dict[str, str]) -> None:
    """Give formulas the value Excel would have cached: ``<f>F</f><v />`` -> ``<v>VALUE</v>``."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, data in parts.items():
        for formula, value in values.items():  # <v />, <v/> or <v></v>, as the writer makes it
            data = re.sub(rf"<f>{re.escape(formula)}</f><v\s*(/>|></v>)".encode(),
                          f"<f>{formula}</f><v>{value}</v>".encode(), data)
        parts[name] = data
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_formulas_without_values_are_located_and_cached_ones_are_read(tmp_path: Path) -> None:
    path = edit(tiny_workbook(tmp_path / "f.xlsx"), {
        ("projects", f"{CAPEX}3"): "=50*2",  # p2's capex, 100 once computed
        ("projects", f"{CAPEX}4"): "=20*2",  # p3's capex, never computed
    })
    settings = load_workbook(path)["settings"]
    row = next(r[0].row for r in settings.iter_rows(min_row=2) if r[0].value == "solver.time_limit")
    edit(path, {("settings", f"B{row}"): "=5*2"})
    cache_formula_values(path, {"50*2": "100"})
    assert errors_of(path) == [
        f"f.xlsx sheet settings line {row}: solver.time_limit is a formula without a value "
        "computed by Excel (the file was written by a program, or saved without calculating):"
        " open and save the file in Excel first, or type the value",
        "f.xlsx sheet projects line 4 (p3): capex is a formula without a value computed by "
        "Excel (the file was written by a program, or saved without calculating): open and "
        "save the file in Excel first, or type the value"]
    cache_formula_values(path, {"20*2": "40", "5*2": "10"})
    assert load_instance(path).data_hash() == load_instance(TINY).data_hash()


def test_a_row_of_formulas_without_values_is_not_skipped_as_empty(tmp_path: Path) -> None:
    path = tiny_workbook(tmp_path / "f.xlsx")
    edit(path, {("coverage", "A12"): "=coverage!A2", ("coverage", "B12"): "=coverage!B2",
                ("coverage", "C12"): "=coverage!C2"})
    found = errors_of(path)
    assert len(found) == 3 and all(m.startswith("f.xlsx sheet coverage line 12: ")
                                   for m in found)


def test_dates_in_year_columns_are_years(tmp_path: Path) -> None:
    path = edit(tiny_workbook(tmp_path / "d.xlsx"), {
        ("projects", f"{EARLIEST}2"): dt.datetime(2027, 1, 1),  # a real date
        ("projects", f"{EARLIEST}3"): 2027,  # a year typed into a date-formatted cell
        ("region_years", "B2"): dt.date(2026, 3, 15),
    }, formats={("projects", f"{EARLIEST}3"): "dd.mm.yyyy"})
    assert isinstance(load_workbook(path, data_only=True)["projects"][f"{EARLIEST}3"].value,
                      dt.datetime)  # Excel and openpyxl show it as 19.07.1905
    instance = load_instance(path)
    earliest = instance.projects.set_index("project_id")["earliest_start"]
    assert (earliest["p1"], earliest["p2"]) == (2027, 2027)
    assert instance.region_years["year"].iloc[0] == 2026


def test_numbers_typed_as_text_and_percentages(tmp_path: Path) -> None:
    path = edit(tiny_workbook(tmp_path / "n.xlsx"), {
        ("projects", f"{CAPEX}2"): "1\u00a0234,5",  # no-break space, decimal comma
        ("projects", f"{CAPEX}3"): "40 000",
        ("coverage", "C2"): "71%",
        ("coverage", "C3"): "0,85",
    })
    instance = load_instance(path)
    capex = instance.projects.set_index("project_id")["capex"]
    assert (capex["p1"], capex["p2"]) == (1234.5, 40000.0)
    assert list(instance.coverage["level"][:2]) == [pytest.approx(0.71), 0.85]


def test_ambiguous_numbers_are_errors_that_say_how_to_write_them(tmp_path: Path) -> None:
    path = edit(tiny_workbook(tmp_path / "a.xlsx"), {
        ("projects", f"{CAPEX}2"): "1,234", ("projects", f"{CAPEX}3"): "5%",
        ("coverage", "C2"): 71,
    })
    assert sorted(errors_of(path)) == [
        "a.xlsx sheet coverage line 2 (n_city/school): level '71' is above the cap of 1 (a share "
        "is in [0, 1]); for 71% write 0.71 or 71%",
        "a.xlsx sheet projects line 2 (p1): capex '1,234' could mean 1234 or 1.234; write 1234 "
        "(no thousands separator) or 1.234 (a decimal point); expected an amount in million KZT",
        "a.xlsx sheet projects line 3 (p2): capex '5%' is a percentage, which only a share "
        "column takes; write the number itself; expected an amount in million KZT"]


def test_csv_cells_are_read_the_same_way(tmp_path: Path) -> None:
    import shutil

    folder = Path(shutil.copytree(TINY, tmp_path / "tiny"))
    text = (folder / "coverage.csv").read_text().replace("n_city,school,0.9",
                                                           'n_city,school,"90 %"')
    (folder / "coverage.csv").write_text(text.replace("n_city,clinic,0.8", 'n_city,clinic,"0,8"'))
    assert load_instance(folder).data_hash() == load_instance(TINY).data_hash()


def test_numbers_typed_as_text_in_the_settings_sheet(tmp_path: Path) -> None:
    path = tiny_workbook(tmp_path / "s.xlsx")
    rows = {r[0].value: r[0].row for r in load_workbook(path)["settings"].iter_rows(min_row=2)}
    edit(path, {("settings", f"B{rows['targets.urban.2028']}"): "90%",
                ("settings", f"B{rows['budget.envelope.2027']}"): "100,0",
                ("settings", f"B{rows['name']}"): "71%"})  # a text setting stays text
    instance = load_instance(path)
    assert instance.settings.targets["urban"][2028] == pytest.approx(0.9)
    assert instance.settings.budget.envelope[2027] == 100.0
    assert instance.settings.name == "71%"


# --- the template ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "plan.xlsx"
    result = CliRunner().invoke(app, ["template", str(path)])
    assert result.exit_code == Exit.OK, result.output
    return path


def test_template_instructions_examples_and_id_drop_downs(template: Path) -> None:
    book = load_workbook(template)
    assert book.sheetnames[0] == INSTRUCTIONS
    text = " ".join(str(c.value) for row in book[INSTRUCTIONS].iter_rows() for c in row)
    for words in ("million KZT", "млн тенге", "srsopt validate plan.xlsx", "srsopt solve",
                  *(f"Sheet {name}" for name in ("settings", *TABLES))):
        assert words in text
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.value is not None]
    assert not [c for c in cells if "`" in c or "**" in c], "documentation markup in a cell"
    for name, table in TABLES.items():
        ws = book[name]
        key = ws.cell(2, 1).value
        assert key == EXAMPLES[name][table.key[0]] and key.startswith("example:")
        assert ws.cell(2, 1).font.italic
    lists = {(name, str(rule.sqref).split(":")[0]): rule.formula1
             for name in TABLES for rule in book[name].data_validations.dataValidation
             if rule.type == "list"}
    assert lists[("settlements", "B2")] == "srsopt_regions_ids"
    assert lists[("region_years", "A2")] == "srsopt_regions_ids"
    assert lists[("projects", "C2")] == "srsopt_settlements_ids"
    assert lists[("coverage", "B2")] == lists[("project_effects", "C2")] == "srsopt_standards_ids"
    assert lists[("project_effects", "A2")] == "srsopt_projects_ids"
    assert lists[("settlements", "E2")] == '"urban,rural"'
    names = book.defined_names
    assert names["srsopt_regions_ids"].attr_text == (
        "OFFSET(regions!$A$2,0,0,MAX(COUNTA(regions!$A:$A)-1,1),1)")


def test_validating_the_unmodified_template_says_what_to_do(template: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(template)])
    assert result.exit_code == Exit.INVALID_INPUT
    said = " ".join(result.output.split())
    assert "plan.xlsx: holds no records yet, only the template's example rows" in said
    assert "the Instructions sheet says what each holds" in said
    assert "plan.xlsx sheet settings line 2: name is missing (required)" in said


def fill_with(template: Path, path: Path, instance: Instance) -> Path:
    """The template with the instance's settings and rows written below the examples."""
    _, raw, _ = read_raw(TINY)
    book = load_workbook(template)
    settings = book["settings"]
    for row in settings.iter_rows(min_row=2):
        row[1].value = None
    rows = {r[0].value: r[0].row for r in settings.iter_rows(min_row=2)}
    for key, value in flatten(instance.settings_dict()):
        if value is None:
            continue
        if key not in rows:
            settings.append([key])
            rows[key] = settings.max_row
        settings.cell(rows[key], 2, str(value) if isinstance(value, bool) else value)
    for name in TABLES:
        ws = book[name]
        headers = [str(c.value).split(" (")[0] for c in ws[1]]
        for record in raw[name].to_dict("records") if name in raw else []:  # optional tables
            ws.append([record.get(h, "") for h in headers])
    book.save(path)
    return path


def test_the_filled_template_is_the_instance(template: Path, tmp_path: Path) -> None:
    tiny = load_instance(TINY)
    filled = load_instance(fill_with(template, tmp_path / "filled.xlsx", tiny))
    assert filled.settings == tiny.settings
    for name in TABLES:
        a, b = getattr(tiny, name), getattr(filled, name)
        pd.testing.assert_frame_equal(a, b[list(a.columns)], obj=name)
        assert set(b.columns) == set(a.columns)
