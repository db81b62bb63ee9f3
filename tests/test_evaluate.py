"""``srsopt evaluate``: a draft plan scored, its broken rules located, its distance to the best.

On the tiny instance (docs/tiny.md) and a two-project instance whose answer is plain.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from fiscal_builders import small
from typer.testing import CliRunner

import optimizer
from models.instance import Instance
from optimizer.analysis.evaluate import evaluate
from optimizer.analysis.plan_input import PlanError, read_plan
from optimizer.cli.app import app

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
HAND_OPTIMUM = -3663.34
"""docs/tiny.md: p2 and p4 in 2026, p1 and p3 in 2027, p5 in 2028."""


def _run(*args: object) -> tuple[int, str]:
    out = CliRunner().invoke(app, [str(a) for a in args])
    return out.exit_code, " ".join(out.output.split())


def _plan(tmp_path: Path, text: str, name: str = "plan.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_optimums_own_starts_score_its_objective(tmp_path: Path) -> None:
    """The optimum's results folder as the draft: the same objective, nothing short of it."""
    assert _run("solve", TINY, "--out", tmp_path / "best")[0] == 0
    code, text = _run("evaluate", TINY, "--plan", tmp_path / "best", "--time-limit", 10,
                      "--out", tmp_path / "eval")
    assert code == 0
    assert "the draft plan leaves as many persons short as the optimum in 2028" in text
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text(encoding="utf-8"))
    assert summary["objective"] == pytest.approx(HAND_OPTIMUM, abs=1e-6)
    record = json.loads((tmp_path / "eval" / "evaluation.json").read_text(encoding="utf-8"))
    assert record["status"] == "feasible"
    assert record["comparison"]["draft_objective"] == pytest.approx(HAND_OPTIMUM, abs=1e-6)
    assert record["comparison"]["gap_to_bound"] == pytest.approx(0.0, abs=1e-9)
    assert pd.read_csv(tmp_path / "eval" / "differences.csv").empty
    assert (tmp_path / "eval" / "region_years.csv").is_file()


def test_a_plan_over_a_regions_fiscal_space_is_located(tmp_path: Path) -> None:
    """p3 and p4 (40 each) both in 2027: South must co-finance 20% of 80 = 16 from fiscal space
    of 10, 6 too many; the transfer of 64 is within its 70 of the envelope. Nothing else
    breaks (docs/tiny.md, step 3)."""
    plan = _plan(tmp_path, "project_id,start_year,share\np1,2027,1\np2,2026,1\np3,2027,1\n"
                           "p4,2027,1\np5,2028,1\n")
    code, text = _run("evaluate", TINY, "--plan", plan, "--out", tmp_path / "eval")
    assert code == 3
    assert ("fiscal_space: fiscal space of South oblast in 2027 exceeded by 6.0 million KZT "
            "(the plan's projects there: p3, p4)") in text
    breaks = pd.read_csv(tmp_path / "eval" / "violations.csv")
    assert breaks[["rule", "project_id", "region_id", "year", "amount", "unit"]].to_dict(
        "records") == [{"rule": "fiscal_space", "project_id": "p3;p4", "region_id": "south",
                        "year": 2027, "amount": pytest.approx(6.0), "unit": "million KZT"}]


def test_every_rule_of_the_starts_is_listed_at_once(tmp_path: Path) -> None:
    """Committed p5 missing, excluded p6 funded, p1 after its latest start (2027), p2 half
    started (indivisible), p3 started twice."""
    instance = optimizer.load(TINY)
    starts = read_plan(_plan(tmp_path, "project_id,start_year,share\np1,2028,1\np2,2026,0.5\n"
                                       "p3,2026,1\np3,2027,1\np6,2026,1\n"), instance)
    found = evaluate(instance, starts, compare_with_best=False)
    assert not found.feasible
    rules = {(r, p) for r, p in zip(found.breaks["rule"], found.breaks["project_id"],
                                    strict=True)}
    assert {("committed", "p5"), ("excluded", "p6"), ("window", "p1"), ("indivisible", "p2"),
            ("one_start", "p3")} <= rules


def test_a_draft_with_one_project_swapped_leaves_persons_short() -> None:
    """5,000 rural persons, target 50% (2,500), money for one project: A serves 3,000 and meets
    the target; the draft's B serves 2,000 and leaves 500 short. B's 10% co-financing takes
    R1's whole fiscal space (1), so what holds A back beside the draft is co-financing."""
    instance = small([{"project_id": "A", "settlement_id": "a"},
                      {"project_id": "B", "settlement_id": "b"}],
                     settlements={"a": {"population": 3000}, "b": {"population": 2000}},
                     regions={"r1": {"fiscal": 1.0}}, envelope=10.0)
    instance = instance.model_copy(update={"settings": instance.settings.model_copy(
        update={"targets": {"rural": {2026: 0.5}}})})
    found = evaluate(instance, pd.DataFrame({"project_id": ["B"], "start_year": [2026],
                                             "share": [1.0]}))
    assert found.feasible and found.result is not None
    assert found.comparison["more_persons_short"] == pytest.approx(500.0)
    assert found.comparison["sentence"].startswith(
        "the draft plan leaves 500 more persons short than the optimum in 2026 at the same "
        "envelope (10 million KZT); its objective -1,500.00 is 100.00% above the proven bound "
        "-3,000.00; the optimum funds 1 project(s) the draft leaves out")
    assert found.result.projects.set_index("project_id").loc["A", "reason"] == "cofinancing"


def _instance() -> Instance:
    return optimizer.load(TINY)


def test_bad_rows_of_a_plan_are_located_and_exit_2(tmp_path: Path) -> None:
    plan = _plan(tmp_path, "Project ID,Start year,Funded share\np1,2027,1\np9,2026,1\n"
                           "p3,20x7,1\np4,2031,1\np5,2028,72\n")
    with pytest.raises(PlanError) as caught:
        read_plan(plan, _instance())
    assert [str(i).split(": ", 1)[1] for i in caught.value.issues] == [
        "project 'p9' does not exist (projects are: p1, p2, p3, p4, p5, p6)",
        "start_year '20x7' is not a calendar year (e.g. 2027)",
        "start_year 2031 is outside the horizon 2026-2028",
        "share '72' is outside 0..1 (72 means 72%? write 0.72 or 72%)"]
    assert [i.line for i in caught.value.issues] == [3, 4, 5, 6]
    code, text = _run("evaluate", TINY, "--plan", plan)
    assert code == 2 and "line 3 (p9): project 'p9' does not exist" in text


def test_a_plan_from_a_workbook_sheet_in_percent(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("draft")
    sheet.append(["Draft plan of the department"])
    sheet.append(["Project", "Start year", "Funded, %"])
    for row in (["p2", 2026, "100%"], ["p4", 2026, 100], ["p1", 2027, 100], ["p3", 2027, 100],
                ["p5", 2028, 100], ["p6", None, 0]):
        sheet.append(row)
    book.save(tmp_path / "draft.xlsx")
    starts = read_plan(tmp_path / "draft.xlsx", _instance())
    assert starts[["project_id", "start_year", "share"]].to_dict("list") == {
        "project_id": ["p2", "p4", "p1", "p3", "p5"],
        "start_year": [2026, 2026, 2027, 2027, 2028], "share": [1.0] * 5}
    assert list(starts["line"]) == [3, 4, 5, 6, 7]
