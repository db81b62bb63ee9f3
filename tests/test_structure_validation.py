"""Located errors of the project structure, before any solve (docs/instance-format.md).

Spend shares that do not add up to 1 (the message names the sum), construction years outside
1..duration, unknown project ids, a committed project whose requirement can never start, two
projects of one group that must both start, and cycles of requirements (the message names
the cycle). Each breaks one thing in the valid instance of ``builders`` (projects P1..P5 on
lines 2..6; P5 is committed) and is found at its file, line, row id and field, in the
workbook and JSON forms too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from builders import valid_tables, write_instance
from typer.testing import CliRunner

from models.errors import InstanceError, Issue
from models.instance import load_instance
from models.jsonform import write_json
from models.workbook import write_workbook
from optimizer.cli.app import app

Tables = dict[str, pd.DataFrame]


def _spend(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["project_id", "construction_year", "share"])


def _requires(rows: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["project_id", "requires"])


def _problems(tmp_path: Path, change: dict[str, Any] | None = None,
              **tables: pd.DataFrame) -> tuple[list[Issue], list[Issue]]:
    """Errors and warnings of the valid instance with these tables added and project cells
    changed (``{"P5": {"group": "g"}}``)."""
    settings, base = valid_tables()
    projects = base["projects"]
    for pid, cells in (change or {}).items():
        for column, value in cells.items():
            if column not in projects:
                projects[column] = ""
            projects[column] = projects[column].astype(object)
            projects.loc[projects["project_id"] == pid, column] = value
    folder = write_instance(tmp_path, settings, base | tables)
    try:
        instance = load_instance(folder)
    except InstanceError as exc:
        return exc.issues, exc.warnings
    return [], list(instance.warnings)


def _one(issues: list[Issue], table: str, field: str) -> Issue:
    found = [i for i in issues if i.table == table and i.field == field]
    assert len(found) == 1, "\n".join(map(str, issues))
    return found[0]


def test_valid_structure_loads(tmp_path: Path) -> None:
    errors, warnings = _problems(
        tmp_path, {"P1": {"group": "kok-school"}, "P4": {"group": "kok-school"}},
        project_spend=_spend([("P1", 1, 0.25), ("P1", 2, 0.75), ("P2", 2, 1.0)]),
        project_requires=_requires([("P4", "P2"), ("P1", "P2")]))
    assert errors == [] and warnings == []


def test_shares_that_do_not_sum_to_one_name_the_sum(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, project_spend=_spend(
        [("P1", 1, 0.4), ("P2", 1, 0.5), ("P1", 2, 0.5), ("P2", 2, 0.5)]))
    issue = _one(errors, "project_spend.csv", "share")
    assert (issue.line, issue.row_id) == (2, "P1/1")
    assert "of project P1 sum to 0.9 over its 2 row(s) (lines 2, 4); expected 1 (within " \
           "1e-06)" in str(issue)


def test_a_sum_within_a_millionth_of_one_is_one(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, project_spend=_spend([("P1", 1, 0.3), ("P1", 2, 0.7000004)]))
    assert errors == []


def test_construction_year_outside_the_duration(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, project_spend=_spend([("P1", 1, 0.5), ("P1", 3, 0.5)]))
    issue = _one(errors, "project_spend.csv", "construction_year")
    assert (issue.line, issue.row_id, issue.value) == (3, "P1/3", 3)
    assert "is outside 1..2, the construction years of project P1 (its duration)" in str(issue)
    errors, _ = _problems(tmp_path / "zero", project_spend=_spend([("P4", 0, 1.0)]))
    assert "is below 1" in str(_one(errors, "project_spend.csv", "construction_year"))


def test_unknown_project_ids(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, project_spend=_spend([("P9", 1, 1.0)]),
                          project_requires=_requires([("P1", "P8"), ("P7", "P1")]))
    spend = _one(errors, "project_spend.csv", "project_id")
    assert (spend.line, spend.value) == (2, "P9") and "does not exist in projects.csv" in str(
        spend)
    requires = _one(errors, "project_requires.csv", "requires")
    assert (requires.line, requires.row_id, requires.value) == (2, "P1/P8", "P8")
    assert _one(errors, "project_requires.csv", "project_id").line == 3


def test_a_committed_project_whose_requirement_can_never_start(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, {"P2": {"status": "excluded"}},
                          project_requires=_requires([("P5", "P2")]))
    issue = _one(errors, "project_requires.csv", "requires")
    assert (issue.line, issue.row_id) == (2, "P5/P2")
    assert "P2 is excluded; this committed project can then never start" in issue.message
    # too late: P5 must start by 2026, P2 no earlier than 2027
    errors, _ = _problems(tmp_path / "late", {"P5": {"latest_start": 2026},
                                              "P2": {"earliest_start": 2027}},
                          project_requires=_requires([("P5", "P2")]))
    assert "P2 cannot start before 2027, after P5's latest start 2026" in _one(
        errors, "project_requires.csv", "requires").message
    # through a chain: P5 requires P4, which requires the excluded P2
    errors, warnings = _problems(tmp_path / "chain", {"P2": {"status": "excluded"}},
                                 project_requires=_requires([("P5", "P4"), ("P4", "P2")]))
    issue = _one(errors, "project_requires.csv", "requires")
    assert (issue.line, issue.row_id) == (2, "P5/P4")
    assert "P4 requires P2, which can never start (P2 is excluded)" in issue.message
    assert [w.row_id for w in warnings if w.table == "project_requires.csv"] == ["P4/P2"]


def test_cycles_of_requirements_are_named(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, project_requires=_requires(
        [("P4", "P1"), ("P1", "P2"), ("P2", "P3"), ("P3", "P1")]))
    issue = _one(errors, "project_requires.csv", "requires")
    assert (issue.line, issue.row_id) == (3, "P1/P2")
    assert "is part of a cycle of requirements: P1 -> P2 -> P3 -> P1" in issue.message
    errors, _ = _problems(tmp_path / "self", project_requires=_requires([("P3", "P3")]))
    assert "a project cannot require itself (P3 -> P3)" in _one(
        errors, "project_requires.csv", "requires").message


def test_two_projects_of_a_group_that_must_both_start(tmp_path: Path) -> None:
    errors, _ = _problems(tmp_path, {"P4": {"status": "committed", "group": "g"},
                                     "P5": {"group": "g"}})
    issue = _one(errors, "projects.csv", "group")
    assert (issue.line, issue.row_id, issue.value) == (6, "P5", "g")
    assert "is shared with P4: both must start" in issue.message
    # P3 must start because the committed P5 requires it
    errors, _ = _problems(tmp_path / "required", {"P3": {"group": "g"}, "P5": {"group": "g"}},
                          project_requires=_requires([("P1", "P3"), ("P5", "P3")]))
    assert "is shared with P3" in _one(errors, "projects.csv", "group").message


@pytest.mark.parametrize("form", ["xlsx", "json"])
def test_structure_errors_are_located_in_the_workbook_and_json(tmp_path: Path,
                                                               form: str) -> None:
    settings, tables = valid_tables()
    tables["project_spend"] = _spend([("P1", 1, 0.4), ("P1", 2, 0.4)])
    tables["project_requires"] = _requires([("P1", "P2"), ("P2", "P1")])
    path = tmp_path / f"kz.{form}"
    (write_workbook if form == "xlsx" else write_json)(settings, tables, path)
    with pytest.raises(InstanceError) as info:
        load_instance(path)
    text = str(info.value)
    if form == "xlsx":
        assert "kz.xlsx sheet project_spend line 2 (P1/1): share" in text
        assert "kz.xlsx sheet project_requires line 2 (P1/P2): requires 'P2'" in text
    else:
        assert "kz.json tables.project_spend[0] (P1/1): share" in text
        assert "kz.json tables.project_requires[0] (P1/P2)" in text
    assert "sum to 0.8" in text and "P1 -> P2 -> P1" in text


def test_solve_refuses_a_cycle_before_any_model(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    tables["project_requires"] = _requires([("P1", "P2"), ("P2", "P1")])
    folder = write_instance(tmp_path, settings, tables)
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert "P1 -> P2 -> P1" in " ".join(result.output.split())
    assert not (tmp_path / "out").exists()
