"""Instance workbooks and JSON documents: lossless round trips, located errors, the template."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from builders import valid_tables, write_instance
from openpyxl import load_workbook
from typer.testing import CliRunner

from models.errors import InstanceError
from models.folder import write_folder
from models.instance import Instance, load_instance, read_raw
from models.jsonform import write_json
from models.schema import TABLES
from models.synthetic import generate_tables
from models.workbook import write_workbook
from optimizer.cli.app import Exit, app

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def run(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


def assert_same_instance(a: Instance, b: Instance) -> None:
    assert a.data_hash() == b.data_hash()
    assert a.settings == b.settings
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@pytest.fixture
def generated(tmp_path: Path) -> Path:
    settings, tables = generate_tables(60, 90, seed=4)
    return write_folder(settings, tables, tmp_path / "generated")


@pytest.mark.parametrize("source", ["tiny", "generated"])
def test_convert_round_trip_is_lossless(source: str, generated: Path, tmp_path: Path) -> None:
    folder = TINY if source == "tiny" else generated
    chain = [folder, tmp_path / "a.xlsx", tmp_path / "b.json", tmp_path / "back"]
    for src, dst in itertools.pairwise(chain):
        result = run("convert", src, dst)
        assert result.exit_code == Exit.OK, result.output
    original = load_instance(folder)
    for copy in chain[1:]:
        assert_same_instance(original, load_instance(copy))


def test_extra_columns_and_cell_text_survive(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    tables["projects"]["akimat_note"] = ["0.10", "", "call 8-777", "1e3", "x"]
    tables["regions"]["cofinancing_rate"] = ["0.10", "0.2"]  # text as read from a CSV
    folder = write_instance(tmp_path, settings, tables)
    _, raw, _ = read_raw(folder)
    write_workbook(settings, raw, tmp_path / "i.xlsx")
    write_json(*read_raw(tmp_path / "i.xlsx")[:2], tmp_path / "i.json")
    for path in (tmp_path / "i.xlsx", tmp_path / "i.json"):
        back = read_raw(path)[1]["projects"]
        assert list(back["akimat_note"]) == ["0.10", "", "call 8-777", "1e3", "x"]
        assert_same_instance(load_instance(folder), load_instance(path))


def test_workbook_holds_numbers_as_numbers(tmp_path: Path) -> None:
    _, tables, _ = read_raw(TINY)
    settings = load_instance(TINY).settings_dict()
    book = load_workbook(write_workbook(settings, tables, tmp_path / "t.xlsx"))
    projects = book["projects"]
    assert [c.value for c in projects[1]][:4] == ["project_id", "name", "settlement_id",
                                                  "capex (million KZT)"]
    assert isinstance(projects["D2"].value, int | float)
    keys = {row[0].value: row[1].value for row in book["settings"].iter_rows(min_row=2)}
    assert keys["years"] == "2026, 2027, 2028"
    assert keys["targets.urban.2028"] == 0.9
    assert keys["budget.envelope.2027"] == 100


def broken_workbook(tmp_path: Path) -> tuple[Path, int]:
    """tiny as a workbook with one mistake per sheet, and two blank rows before a bad record."""
    path = write_workbook(*read_raw(TINY)[:2], tmp_path / "tiny.xlsx")
    book = load_workbook(path)
    book["projects"]["D3"] = "abc"  # capex of p2
    for column, value in enumerate(["p9", "late", "n_city", 5, 1, 0], start=1):
        book["projects"].cell(11, column, value)  # rows 8-10 blank; duration 0
    book["settlements"]["D4"] = "village"  # type of the third settlement
    book["settlements"]["G1"], book["settlements"]["G2"] = "monotown", True  # Excel TRUE
    settings = book["settings"]
    for key, value in settings.iter_rows(min_row=2, max_col=2):
        if key.value == "targets.urban.2028":
            value.value, target_row = 1.5, key.row
    book.save(path)
    return path, target_row


def test_broken_workbook_names_sheet_excel_row_and_column(tmp_path: Path) -> None:
    path, target_row = broken_workbook(tmp_path)
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    found = {(i.table, i.line, i.field) for i in caught.value.issues}
    assert found == {
        ("tiny.xlsx sheet projects", 3, "capex"),
        ("tiny.xlsx sheet projects", 11, "duration"),
        ("tiny.xlsx sheet settlements", 4, "type"),
        ("tiny.xlsx sheet settings", target_row, "targets.urban.2028"),
    }
    text = str(caught.value)
    assert "tiny.xlsx sheet projects line 3 (p2): capex 'abc' is not a number" in text


def test_cli_validate_reports_the_workbook_place(tmp_path: Path) -> None:
    path, _ = broken_workbook(tmp_path)
    result = run("validate", path)
    assert result.exit_code == Exit.INVALID_INPUT
    assert "tiny.xlsx sheet settlements line 4 (n_sat): type 'village'" in " ".join(
        result.output.split())


def test_missing_sheet_and_duplicate_key_row(tmp_path: Path) -> None:
    path = write_workbook(*read_raw(TINY)[:2], tmp_path / "tiny.xlsx")
    book = load_workbook(path)
    del book["coverage"]
    book["regions"].append(["north", "Again", "oblast", 0.1])
    book.save(path)
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    messages = [str(i) for i in caught.value.issues]
    assert messages.count("tiny.xlsx sheet coverage: sheet is missing") == 1
    assert any(m.startswith("tiny.xlsx sheet regions line 4 (north): region_id 'north' "
                            "repeats row 2") for m in messages)


def test_json_errors_name_the_record(tmp_path: Path) -> None:
    settings, tables, _ = read_raw(TINY)
    tables["projects"].loc[1, "capex"] = "abc"
    path = write_json(settings, tables, tmp_path / "tiny.json")
    with pytest.raises(InstanceError) as caught:
        load_instance(path)
    assert [str(i) for i in caught.value.issues] == [
        "tiny.json tables.projects[1] (p2): capex 'abc' is not a number; expected an amount "
        "in million KZT"]


def test_not_a_workbook_is_an_instance_error(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    with pytest.raises(InstanceError, match=r"cannot be read as an \.xlsx workbook"):
        load_instance(path)


def test_template_has_sheets_headers_notes_and_drop_downs(tmp_path: Path) -> None:
    result = run("template", tmp_path / "t.xlsx")
    assert result.exit_code == Exit.OK, result.output
    book = load_workbook(tmp_path / "t.xlsx")
    assert book.sheetnames == ["Instructions", "settings", *TABLES]
    for name, table in TABLES.items():
        ws = book[name]
        assert tuple(str(c.value).split(" (")[0] for c in ws[1]) == table.column_names
        assert ws.freeze_panes == "A2"
        assert all(c.comment is not None for c in ws[1])
    assert book["projects"]["D1"].value == "capex (million KZT)"
    assert "million KZT" in book["projects"]["D1"].comment.text
    lists = {(name, str(rule.sqref).split(":")[0][0]): rule.formula1
             for name in TABLES for rule in book[name].data_validations.dataValidation
             if rule.type == "list"}
    assert lists[("settlements", "D")].strip('"').split(",")[-1] == "rural_other"
    assert lists[("settlements", "E")] == '"urban,rural"'
    assert lists[("settlements", "G")] == '"true,false"'
    assert lists[("regions", "C")] == '"oblast,city"'
    assert lists[("projects", "I")] == '"candidate,committed,excluded"'
    assert "education" in lists[("standards", "D")]
    keys = [row[0].value for row in book["settings"].iter_rows(min_row=2)]
    assert {"name", "years", "budget.envelope.2026", "targets.rural.2030"} <= set(keys)


def test_template_needs_xlsx_suffix(tmp_path: Path) -> None:
    assert run("template", tmp_path / "t.csv").exit_code == Exit.INVALID_INPUT
