"""The results workbook and the HTML report: sheets and number formats, every chart, offline."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

import optimizer
from models.instance import Instance, instance_from_tables
from models.result import Result, SolveStatus
from optimizer.cli.app import Exit, app
from optimizer.outputs.report import LARGEST, load_results, render_report, write_report
from optimizer.outputs.results_io import worst_regions, write_results
from optimizer.outputs.results_workbook import write_results_workbook

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "instances" / "tiny"
SECTIONS = ("national", "regions", "transfers", "timeline", "money", "unfunded")
CHARTS = 5
"""Every section but the table of unfunded needs is a chart."""
SHEETS = ["summary", "projects", "regions", "provision", "national", "envelope", "starts"]
FORMATS = {  # sheet: {column: Excel number format}
    "projects": {"capex": "#,##0", "funded": "0.0%", "start_year": "0"},
    "regions": {"transfer": "#,##0", "envelope_share": "0.0%"},
    "provision": {"persons": "#,##0", "provision": "0.0%", "shortfall": "#,##0"},
    "national": {"baseline": "0.0%", "served": "#,##0"},
    "envelope": {"envelope": "#,##0", "transfer": "#,##0"},
}


def run(*args: object) -> object:
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def national() -> tuple[Instance, Result]:
    """The national instance (20 regions, all categories) with every tenth candidate project and
    a fiftieth of the envelope, so that it solves in seconds and still leaves needs unfunded
    (a tenth of it left only 11 of 1,445 candidates unfunded, 0.02% above the LP bound)."""
    full = optimizer.load(str(ROOT / "instances" / "kz-2026-2030"))
    settings, tables = full.settings_dict(), full.tables()
    envelope = settings["budget"]["envelope"]
    settings["budget"]["envelope"] = {y: 0.02 * v for y, v in envelope.items()}
    projects = tables["projects"].copy()
    keep = (projects.index % 10 == 0) | (projects["status"] == "committed")
    projects.loc[~keep, "status"] = "excluded"
    instance = instance_from_tables(settings, tables | {"projects": projects}, source="kz")
    result = optimizer.solve(instance, time_limit=20, mip_rel_gap=0.01)
    assert result.has_plan, result.message
    return instance, result


def images(page: str) -> int:
    return len(re.findall(r'<img alt="[^"]+" src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"',
                          page))


def assert_complete_report(page: str) -> None:
    assert images(page) == CHARTS
    for key in SECTIONS:
        assert f'<section id="{key}">' in page, key
    assert not re.search(r'(src|href)="(https?:)?//', page)  # opens without internet
    assert "<script" not in page


def header_formats(ws: object) -> dict[str, str]:
    """Column header -> number format of its first filled data cell."""
    columns = ws.iter_cols(min_row=1, max_row=ws.max_row)
    return {cells[0].value: next((c.number_format for c in cells[1:] if c.value is not None), "")
            for cells in columns}


def test_national_report_has_every_chart_and_needs(national: tuple, tmp_path: Path) -> None:
    instance, result = national
    page = write_report(result, tmp_path / "r.html", instance).read_text(encoding="utf-8")
    assert_complete_report(page)
    needs = page.split('<section id="unfunded">')[1]
    assert needs.count("<tr>") == LARGEST + 1  # header + the largest needs
    assert "persons newly served" in needs
    assert "Turkestan Region" in page  # region names from the instance


def test_report_command_reads_a_results_folder(national: tuple, tmp_path: Path) -> None:
    _, result = national
    folder = write_results(result, tmp_path / "results")
    outcome = run("report", folder)
    assert outcome.exit_code == Exit.OK, outcome.output
    assert_complete_report((folder / "report.html").read_text(encoding="utf-8"))
    loaded = load_results(folder)
    pd.testing.assert_frame_equal(worst_regions(loaded, 20), worst_regions(result, 20),
                                  check_dtype=False)


def test_report_command_needs_a_results_folder(tmp_path: Path) -> None:
    assert run("report", tmp_path).exit_code == Exit.INVALID_INPUT


def test_report_without_a_plan_says_so() -> None:
    page = render_report(Result(status=SolveStatus.INFEASIBLE, message="no plan satisfies"))
    assert "No plan to report" in page and images(page) == 0


def test_results_workbook_sheets_and_formats(tmp_path: Path) -> None:
    result = optimizer.solve(optimizer.load(str(TINY)))
    book = load_workbook(write_results_workbook(result, tmp_path / "r.xlsx"))
    assert book.sheetnames == SHEETS
    for sheet, expected in FORMATS.items():
        ws = book[sheet]
        assert ws.freeze_panes == "A2", sheet
        found = header_formats(ws)
        assert {c: found[c] for c in expected} == expected, sheet
    projects = book["projects"]
    assert "million KZT" in projects.cell(1, 9).comment.text  # capex
    assert projects.column_dimensions["B"].width > 30  # sized to the project names
    summary = {r[0].value: r[1] for r in book["summary"].iter_rows(min_row=2)}
    assert summary["total_transfer"].number_format == "#,##0"
    assert summary["mip_gap"].number_format == "0.0%"
    assert summary["status"].value == result.status.value


def test_solve_writes_workbook_and_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outcome = run("solve", TINY, "--out", out, "--excel", "--report")
    assert outcome.exit_code == Exit.OK, outcome.output
    assert (out / "summary.json").is_file()
    assert load_workbook(out / "results.xlsx").sheetnames == SHEETS
    assert_complete_report((out / "report.html").read_text(encoding="utf-8"))


def test_solve_out_xlsx_writes_only_the_workbook(tmp_path: Path) -> None:
    outcome = run("solve", TINY, "--out", tmp_path / "plan.xlsx", "--report")
    assert outcome.exit_code == Exit.OK, outcome.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert [n for n in names if not n.startswith(".")] == ["plan.html", "plan.xlsx"]
    # and the hidden markers saying srsopt wrote them (models.safe_output)
    assert [n for n in names if n.startswith(".")] == [".plan.html.srsopt-output.json",
                                                       ".plan.xlsx.srsopt-output.json"]
