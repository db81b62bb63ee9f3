"""The ``srsopt`` command line: exit codes, messages and what ``solve`` writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import highspy
import pandas as pd
import pytest
from builders import set_cell, valid_tables, write_instance
from typer.testing import CliRunner, Result

import optimizer
from optimizer.cli.app import Exit, app

SUMMARY_KEYS = {"status", "objective", "mip_gap", "build_seconds", "solve_seconds",
                "total_transfer", "srsopt_version", "highs_version", "input_hash"}
RESULT_TABLES = ("projects", "region_years", "provision", "national", "envelope")


def run(*args: str) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def flat(result: Result) -> str:
    """Everything printed, with rich's line wrapping undone."""
    return " ".join(result.output.split())


def infeasible_tables() -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """Akmola has 2 million KZT a year; committed P5 needs 3 (10% of 30) plus 1 of opex."""
    settings, tables = valid_tables()
    ry = tables["region_years"]
    ry.loc[ry["region_id"] == "akmola", "fiscal_space"] = 2.0
    return settings, tables


@pytest.fixture
def valid_folder(tmp_path: Path) -> Path:
    return write_instance(tmp_path, *valid_tables())


def test_validate_valid_instance(valid_folder: Path) -> None:
    result = run("validate", valid_folder)
    assert result.exit_code == Exit.OK, result.output
    assert "valid" in result.output


def test_validate_broken_instance_names_file_line_id_field(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "projects", 2, "capex", "abc")
    result = run("validate", write_instance(tmp_path, settings, tables))
    assert result.exit_code == Exit.INVALID_INPUT
    assert "projects.csv line 4 (P3): capex 'abc'" in flat(result)


def test_solve_writes_summary_and_tables(valid_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("solve", valid_folder, "--out", out)
    assert result.exit_code == Exit.OK, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary.keys() >= SUMMARY_KEYS
    assert summary["status"] == "optimal"
    assert summary["input_hash"] == optimizer.load(str(valid_folder)).data_hash()
    for name in RESULT_TABLES:
        assert not pd.read_csv(out / f"{name}.csv").empty, name


def test_solve_flags_reach_summary(valid_folder: Path, tmp_path: Path) -> None:
    highspy.Highs.resetThreadScheduler(True)  # as in a fresh `srsopt` process
    out = tmp_path / "out"
    result = run("solve", valid_folder, "--out", out, "--time-limit", "7", "--gap", "0.02",
                 "--threads", "1")
    assert result.exit_code == Exit.OK, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["settings"] == {"time_limit": 7.0, "mip_rel_gap": 0.02, "threads": 1,
                                   "node_limit": None}


def test_solve_infeasible_exits_3_without_traceback(tmp_path: Path) -> None:
    folder = write_instance(tmp_path, *infeasible_tables())
    result = run("solve", folder, "--out", tmp_path / "out")
    assert result.exit_code == Exit.INFEASIBLE
    assert isinstance(result.exception, SystemExit)
    assert "infeasible" in result.output.lower()
    assert "Traceback" not in result.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["status"] == "infeasible"


def test_api_reports_infeasible(tmp_path: Path) -> None:
    folder = write_instance(tmp_path, *infeasible_tables())
    result = optimizer.solve(optimizer.load(str(folder)))
    assert result.status == "infeasible"
    assert not result.has_plan


def test_solve_broken_instance_exits_2(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    set_cell(tables, "settlements", 2, "type", "village")
    result = run("solve", write_instance(tmp_path, settings, tables), "--out", tmp_path / "out")
    assert result.exit_code == Exit.INVALID_INPUT
    assert "settlements.csv line 4 (sat): type 'village'" in flat(result)
    assert not (tmp_path / "out").exists()


def test_second_solve_with_another_thread_count(valid_folder: Path) -> None:
    instance = optimizer.load(str(valid_folder))
    assert optimizer.solve(instance, threads=1, price_envelope=False).status == "optimal"
    assert optimizer.solve(instance, threads=2, price_envelope=False).status == "optimal"
