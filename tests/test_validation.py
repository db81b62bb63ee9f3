"""One test per validation rule of docs (design/instance.md, section Validation).

Each test breaks one thing in a fresh copy of the valid instance of ``builders``, writes it in
folder form and loads it, so the CSV lines are the real ones (header = line 1, first data row
= line 2). It asserts where the error is: file, line, row ID, field and the value found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import set_cell, valid_tables, write_instance

from models.errors import InstanceError, Issue
from models.instance import Instance, load_instance
from models.schema import SETTLEMENT_TYPES

Settings = dict[str, Any]
Tables = dict[str, pd.DataFrame]
Where = tuple[str, int | None, str | None, str, object]
"""(file, line, row ID, field, value found) of an Issue."""

def load(tmp_path: Path, settings: Settings, tables: Tables) -> Instance:
    return load_instance(write_instance(tmp_path, settings, tables))

def errors(tmp_path: Path, settings: Settings, tables: Tables) -> InstanceError:
    with pytest.raises(InstanceError) as info:
        load(tmp_path, settings, tables)
    return info.value

def error_on(err: InstanceError, file: str, field: str) -> Issue:
    """The one error reported on ``file`` / ``field``."""
    found = [i for i in err.issues if i.table == file and i.field == field]
    assert len(found) == 1, f"expected one error on {file} {field}, got:\n{err}"
    return found[0]

def where(issue: Issue) -> Where:
    return issue.table, issue.line, issue.row_id, issue.field, issue.value

def cell_error(tmp_path: Path, table: str, row: int, column: str, value: object) -> Issue:
    """Break one cell of a valid instance and return the error on it."""
    settings, tables = valid_tables()
    set_cell(tables, table, row, column, value)
    return error_on(errors(tmp_path, settings, tables), f"{table}.csv", column)

def test_valid_instance_loads_without_issues(tmp_path: Path) -> None:
    """Also: a negative general_transfer (budget withdrawal) is legal; the builder has one."""
    instance = load(tmp_path, *valid_tables())
    assert instance.warnings == ()
    assert (instance.region_years["general_transfer"] < 0).any()

def test_missing_file(tmp_path: Path) -> None:
    folder = write_instance(tmp_path, *valid_tables())
    (folder / "projects.csv").unlink()
    with pytest.raises(InstanceError) as info:
        load_instance(folder)
    issue = error_on(info.value, "projects.csv", "-")
    assert "missing" in issue.message

def test_missing_required_column(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    tables["projects"] = tables["projects"].drop(columns="capex")
    issue = error_on(errors(tmp_path, settings, tables), "projects.csv", "capex")
    assert "missing" in issue.message

def test_empty_required_cell(tmp_path: Path) -> None:
    issue = cell_error(tmp_path, "settlements", 3, "population", "")
    assert where(issue) == ("settlements.csv", 5, "shym", "population", "")
    assert "empty" in issue.message

@pytest.mark.parametrize(
    ("table", "row", "column", "row_id"),
    [("projects", 2, "capex", "P3"),
     pytest.param("region_years", 1, "year", "akmola/150 mln"),
     ],
)
def test_not_a_number(tmp_path: Path, table: str, row: int, column: str, row_id: str) -> None:
    issue = cell_error(tmp_path, table, row, column, "150 mln")
    assert where(issue) == (f"{table}.csv", row + 2, row_id, column, "150 mln")
    assert "not a number" in issue.message

@pytest.mark.parametrize("value", ["1.5", "-0.1"])
def test_share_outside_0_1(tmp_path: Path, value: str) -> None:
    issue = cell_error(tmp_path, "coverage", 2, "level", value)
    assert where(issue) == ("coverage.csv", 4, "zhaksy/school", "level", value)
    assert "[0, 1]" in issue.message

@pytest.mark.parametrize(
    ("table", "row", "column", "line", "row_id"),
    [("projects", 0, "capex", 2, "P1"), ("projects", 4, "opex", 6, "P5"),
     ("region_years", 4, "fiscal_space", 6, "shymkent/2027")],
)
def test_negative_money(
    tmp_path: Path, table: str, row: int, column: str, line: int, row_id: str
) -> None:
    issue = cell_error(tmp_path, table, row, column, "-5")
    assert where(issue) == (f"{table}.csv", line, row_id, column, "-5")
    assert "below 0" in issue.message

@pytest.mark.parametrize(("value", "hint"), [("1.5", "whole number"), ("0", "below 1")])
def test_bad_duration(tmp_path: Path, value: str, hint: str) -> None:
    issue = cell_error(tmp_path, "projects", 3, "duration", value)
    assert where(issue) == ("projects.csv", 5, "P4", "duration", value)
    assert hint in issue.message

def test_unknown_settlement_type(tmp_path: Path) -> None:
    issue = cell_error(tmp_path, "settlements", 2, "type", "village")
    assert where(issue) == ("settlements.csv", 4, "sat", "type", "village")
    assert all(kind in issue.message for kind in SETTLEMENT_TYPES)

def test_unknown_area(tmp_path: Path) -> None:
    issue = cell_error(tmp_path, "settlements", 1, "area", "suburban")
    assert where(issue) == ("settlements.csv", 3, "zhaksy", "area", "suburban")
    assert "urban, rural" in issue.message

@pytest.mark.parametrize(
    ("table", "row", "column", "line", "row_id"),
    [("projects", 2, "divisible", 4, "P3"), ("settlements", 4, "border", 6, "koshy")],
)
def test_bad_bool(
    tmp_path: Path, table: str, row: int, column: str, line: int, row_id: str
) -> None:
    issue = cell_error(tmp_path, table, row, column, "perhaps")
    assert where(issue) == (f"{table}.csv", line, row_id, column, "perhaps")
    assert "true or false" in issue.message

def _append_copy(tables: Tables, table: str, row: int) -> int:
    """Append a copy of one row; return the CSV line of the copy."""
    frame = tables[table]
    tables[table] = pd.concat([frame, frame.iloc[[row]]], ignore_index=True)
    return len(tables[table]) + 1

@pytest.mark.parametrize(
    ("table", "row", "field", "row_id", "value"),
    [("regions", 1, "region_id", "shymkent", "shymkent"),
     pytest.param("settlements", 2, "settlement_id", "sat", "sat"),
     ("projects", 3, "project_id", "P4", "P4"),
     pytest.param("standards", 0, "standard_id", "school", "school")],
)
def test_duplicate_id(
    tmp_path: Path, table: str, row: int, field: str, row_id: str, value: object
) -> None:
    settings, tables = valid_tables()
    line = _append_copy(tables, table, row)
    issue = error_on(errors(tmp_path, settings, tables), f"{table}.csv", field)
    assert where(issue) == (f"{table}.csv", line, row_id, field, value)
    assert "unique" in issue.message

@pytest.mark.parametrize(
    ("table", "row", "field", "row_id", "value"),
    [("coverage", 3, "standard_id", "shym/school", "school"),
     ("project_effects", 2, "standard_id", "P2/kok/clinic", "clinic"),
     ("region_years", 1, "year", "akmola/2027", 2027)],
)
def test_duplicate_composite_key(
    tmp_path: Path, table: str, row: int, field: str, row_id: str, value: object
) -> None:
    settings, tables = valid_tables()
    line = _append_copy(tables, table, row)
    issue = error_on(errors(tmp_path, settings, tables), f"{table}.csv", field)
    assert where(issue) == (f"{table}.csv", line, row_id, field, value)
    assert "unique" in issue.message

@pytest.mark.parametrize(
    ("table", "row", "column", "value", "row_id", "target"),
    [("projects", 3, "settlement_id", "nowhere", "P4", "settlements.csv"),
     ("project_effects", 0, "project_id", "P9", "P9/kok/school", "projects.csv"),
     ("project_effects", 3, "settlement_id", "nowhere", "P3/nowhere/school", "settlements.csv"),
     ("project_effects", 3, "standard_id", "library", "P3/shym/library", "standards.csv"),
     ("settlements", 2, "region_id", "mars", "sat", "regions.csv"),
     ("coverage", 0, "standard_id", "library", "kok/library", "standards.csv"),
     ("coverage", 5, "settlement_id", "nowhere", "nowhere/school", "settlements.csv")],
)
def test_unknown_reference(
    tmp_path: Path, table: str, row: int, column: str, value: str, row_id: str, target: str
) -> None:
    issue = cell_error(tmp_path, table, row, column, value)
    assert where(issue) == (f"{table}.csv", row + 2, row_id, column, value)
    assert f"does not exist in {target}" in issue.message

@pytest.mark.parametrize(
    ("row", "column", "value", "row_id"),
    [(1, "settlement_id", "sat", "P2/sat/clinic"),  # rural_satellite not in applies_to
     (4, "standard_id", "clinic", "P4/koshy/clinic")],  # 2 500 persons < min_population
    ids=["type", "population"],
)
def test_effect_on_standard_that_does_not_apply(
    tmp_path: Path, row: int, column: str, value: str, row_id: str
) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "project_effects", row, column, value)
    issue = error_on(errors(tmp_path, settings, tables), "project_effects.csv", "standard_id")
    assert where(issue) == ("project_effects.csv", row + 2, row_id, "standard_id", "clinic")
    assert "does not apply" in issue.message

def test_applies_to_unknown_type(tmp_path: Path) -> None:
    value = "city_republican;city_regional;district_center;rural_support;village"
    issue = cell_error(tmp_path, "standards", 1, "applies_to", value)
    assert where(issue) == ("standards.csv", 3, "clinic", "applies_to", value)
    assert "rural_other" in issue.message

def test_region_year_outside_horizon(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    extra = pd.DataFrame([{"region_id": "akmola", "year": 2029, "fiscal_space": 30.0}])
    tables["region_years"] = pd.concat([tables["region_years"], extra], ignore_index=True)
    issue = error_on(errors(tmp_path, settings, tables), "region_years.csv", "year")
    assert where(issue) == ("region_years.csv", 8, "akmola/2029", "year", 2029)
    assert "2026..2028" in issue.message

@pytest.mark.parametrize(("column", "value"), [("earliest_start", 2025),
                                               ("latest_start", 2029)])
def test_start_year_outside_horizon(tmp_path: Path, column: str, value: int) -> None:
    issue = cell_error(tmp_path, "projects", 0, column, value)
    assert where(issue) == ("projects.csv", 2, "P1", column, value)
    assert "horizon" in issue.message

@pytest.mark.parametrize("field", ["budget.envelope", "targets.urban"])
def test_settings_year_outside_horizon(tmp_path: Path, field: str) -> None:
    settings, tables = valid_tables()
    section, key = field.split(".")
    settings[section][key][2029] = 0.5
    issue = error_on(errors(tmp_path, settings, tables), "instance.yaml", field)
    assert where(issue) == ("instance.yaml", None, None, field, 2029)
    assert "horizon" in issue.message

def test_latest_start_before_earliest_start(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "projects", 1, "earliest_start", 2028)
    issue = error_on(errors(tmp_path, settings, tables), "projects.csv", "latest_start")
    assert where(issue) == ("projects.csv", 3, "P2", "latest_start", 2027)
    assert "earliest_start" in issue.message

def test_committed_project_cannot_start(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "projects", 4, "earliest_start", 2028)
    set_cell(tables, "projects", 4, "latest_start", 2027)
    issue = error_on(errors(tmp_path, settings, tables), "projects.csv", "latest_start")
    assert where(issue) == ("projects.csv", 6, "P5", "latest_start", 2027)
    assert "committed project cannot start" in issue.message

def test_envelope_year_missing(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    del settings["budget"]["envelope"][2027]
    issue = error_on(errors(tmp_path, settings, tables), "instance.yaml", "budget.envelope")
    assert "2027" in issue.message

def test_missing_region_year(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    tables["region_years"] = tables["region_years"].drop(index=4)
    issue = error_on(errors(tmp_path, settings, tables), "region_years.csv", "year")
    assert (issue.table, issue.row_id, issue.field) == ("region_years.csv", "shymkent", "year")
    assert "2027" in issue.message

def test_category_weight_on_unknown_category(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    settings["objective"]["category_weights"]["sport"] = 1.0
    field = "objective.category_weights"
    issue = error_on(errors(tmp_path, settings, tables), "instance.yaml", field)
    assert where(issue) == ("instance.yaml", None, None, field, "sport")
    assert "education, health" in issue.message

@pytest.mark.parametrize(
    ("section", "key", "value", "field"),
    [("solver", "tim_limit", 5, "solver.tim_limit"),  # unknown key
     ("solver", "time_limit", -1, "solver.time_limit"),
     ("objective", "mode", "fancy", "objective.mode"),
     ("targets", "urban", {2028: 1.5}, "targets.urban.2028")],
    ids=["unknown-key", "time-limit", "mode", "target-share"],
)
def test_settings_error_located_by_key_path(
    tmp_path: Path, section: str, key: str, value: object, field: str
) -> None:
    settings, tables = valid_tables()
    settings[section][key] = value
    issue = error_on(errors(tmp_path, settings, tables), "instance.yaml", field)
    assert issue.value == (value[2028] if isinstance(value, dict) else value)

def test_non_consecutive_years_located_on_years(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    settings["years"] = [2026, 2028, 2029]
    settings["budget"]["envelope"] = dict.fromkeys(settings["years"], 100.0)
    issue = error_on(errors(tmp_path, settings, tables), "instance.yaml", "years")
    assert "consecutive" in issue.message

def test_all_errors_of_a_load_reported_together(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "projects", 0, "capex", "-5")
    set_cell(tables, "settlements", 2, "type", "village")
    set_cell(tables, "project_effects", 3, "standard_id", "library")
    err = errors(tmp_path, settings, tables)
    assert {(i.table, i.line, i.field) for i in err.issues} == {
        ("projects.csv", 2, "capex"), ("settlements.csv", 4, "type"),
        ("project_effects.csv", 5, "standard_id")}

def test_settings_error_does_not_hide_table_errors(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    settings["solver"]["time_limit"] = -1
    set_cell(tables, "projects", 3, "settlement_id", "nowhere")
    err = errors(tmp_path, settings, tables)
    assert {(i.table, i.field) for i in err.issues} == {
        ("instance.yaml", "solver.time_limit"), ("projects.csv", "settlement_id")}

@pytest.mark.parametrize(
    ("table", "row", "column", "value"),
    [pytest.param("settlements", 3, "population", "", id="empty-population"),
     pytest.param("projects", 4, "earliest_start", 2029, id="committed-after-horizon"),
     pytest.param("settlements", 0, "type", "city", id="unknown-type-with-effects"),
     pytest.param("standards", 1, "applies_to", "city;village", id="applies-to-all-unknown"),
     pytest.param("projects", 2, "capex", "abc", id="capex-not-a-number")],
)
def test_one_mistake_gives_one_error(
    tmp_path: Path, table: str, row: int, column: str, value: object
) -> None:
    settings, tables = valid_tables()
    set_cell(tables, table, row, column, value)
    err = errors(tmp_path, settings, tables)
    assert len(err.issues) == 1, str(err)

def test_region_id_must_be_ascii(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    for name in ("regions", "region_years", "settlements"):
        tables[name]["region_id"] = tables[name]["region_id"].replace("akmola", "ақмола")
    issue = error_on(errors(tmp_path, settings, tables), "regions.csv", "region_id")
    assert where(issue) == ("regions.csv", 2, "ақмола", "region_id", "ақмола")

def test_warning_for_project_without_effect(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    effects = tables["project_effects"]
    tables["project_effects"] = effects[effects["project_id"] != "P4"]
    (issue,) = load(tmp_path, settings, tables).warnings
    assert where(issue) == ("projects.csv", 5, "P4", "project_id", "P4")
    assert issue.severity == "warning"

def test_warning_for_region_without_fiscal_space(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    ry = tables["region_years"]
    ry.loc[ry["region_id"] == "shymkent", "fiscal_space"] = 0.0
    (issue,) = load(tmp_path, settings, tables).warnings
    assert (issue.table, issue.row_id, issue.field) == ("region_years.csv", "shymkent",
                                                       "fiscal_space")
    assert issue.severity == "warning"

def test_extra_columns_are_kept_and_ignored(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    notes = ["ok", "check cost", "", "school #2", "by decree"]
    tables["projects"]["analyst_note"] = notes
    tables["settlements"]["kato"] = ["111", "112", "113", "511", "512"]
    instance = load(tmp_path, settings, tables)
    assert instance.warnings == ()
    assert instance.projects["analyst_note"].tolist() == notes
    assert instance.settlements["kato"].tolist()[0] == "111"
