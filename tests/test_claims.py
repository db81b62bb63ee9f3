"""Every claim checked: the plan's objective, the bound and ``optimal`` agree with the plan.

The textbook case is Hillier and Lieberman's "California Manufacturing" (Introduction to
Operations Research, 9th ed., §12.1) without its two rules: four indivisible projects of
capex 6, 3, 5 and 2 under an envelope of 10, serving 9,000, 5,000, 6,000 and 4,000 persons;
the optimum funds the last three (shortfall 9,000). HiGHS 1.16 returned the heuristic's start
(15,000) as "optimal" with a bound of 9,000 (docs/performance.md, "HiGHS 1.16 and MIP starts").
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import optimizer.mip_start as mip_start
import optimizer.pipeline as pipeline
from models.folder import write_folder
from models.instance import Instance, instance_from_tables
from models.result import SolveStatus
from optimizer import solve
from optimizer.claims import claim_problems
from optimizer.cli import Exit, app
from optimizer.formulation import build_formulation
from optimizer.highs import HighsOptions, HighsOutcome, make_highs
from optimizer.index import build_index
from optimizer.resolve import LiveModel
from optimizer.verify import VerificationError, check_plan, verify

ROOT = Path(__file__).resolve().parents[1]
CAPEX = (6.0, 3.0, 5.0, 2.0)
PERSONS = (9000, 5000, 6000, 4000)
OPTIMUM, FUNDED = 9000.0, ["p2", "p3", "p4"]
WRONG_START = [0.0, 1.0, 0.0, 1.0, 5.0, 0.0, 15.0]
"""Projects 2 and 4 (capex 5, 9,000 persons served): the plan HiGHS 1.16 returned."""


def textbook_tables(mode: str = "weighted") -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The textbook case: one rural region, co-financing 0, fiscal space 0, one year."""
    ids = [f"p{k}" for k in range(1, 5)]
    places = [f"s{k}" for k in range(1, 5)]
    settings = {
        "name": "california", "years": [2026], "targets": {"rural": {2026: 1.0}},
        "budget": {"envelope": {2026: 10.0}, "carryover": False},
        "objective": {"mode": mode, "category_weights": {"education": 1.0},
                      "access_weight": 0.0, "cost_weight": 0.0},
        "solver": {"time_limit": 10.0, "mip_rel_gap": 0.0},
    }
    tables = {
        "regions": pd.DataFrame({"region_id": ["r"], "name": ["R"], "kind": ["oblast"],
                                 "cofinancing_rate": [0.0], "max_envelope_share": [1.0]}),
        "region_years": pd.DataFrame({"region_id": ["r"], "year": [2026],
                                      "fiscal_space": [0.0]}),
        "settlements": pd.DataFrame({"settlement_id": places, "region_id": "r", "name": places,
                                     "type": "rural_other", "area": "rural",
                                     "population": list(PERSONS)}),
        "standards": pd.DataFrame({"standard_id": ["school"], "name": ["School"],
                                   "category": ["education"], "applies_to": ["all"],
                                   "min_population": [0]}),
        "coverage": pd.DataFrame({"settlement_id": places, "standard_id": "school",
                                  "level": 0.0}),
        "projects": pd.DataFrame({
            "project_id": ids, "name": ["factory LA", "factory SF", "warehouse LA",
                                        "warehouse SF"],
            "settlement_id": places, "capex": list(CAPEX), "opex": 0.0, "duration": 1,
            "earliest_start": pd.array([None] * 4, dtype="Int64"),
            "latest_start": pd.array([None] * 4, dtype="Int64"),
            "status": "candidate", "divisible": False}),
        "project_effects": pd.DataFrame({"project_id": ids, "settlement_id": places,
                                         "standard_id": "school", "level": 1.0}),
    }
    return settings, tables


@pytest.fixture(scope="module")
def textbook() -> Instance:
    return instance_from_tables(*textbook_tables(), source="textbook")


def funded(result: Any) -> list[str]:
    projects = result.projects
    return sorted(projects.loc[projects["funded"] > 0.5, "project_id"])


def assert_optimum(result: Any) -> None:
    assert result.status == SolveStatus.OPTIMAL, result.message
    assert result.objective == pytest.approx(OPTIMUM)
    assert result.bound == pytest.approx(OPTIMUM) and result.mip_gap == pytest.approx(0.0)
    assert funded(result) == FUNDED


@pytest.mark.parametrize(("strategy", "backend"), [("engineered", "highs"), ("plain", "highs"),
                                                   ("engineered", "pyomo"), ("plain", "pyomo")])
def test_textbook_case_reaches_the_optimum(textbook: Instance, strategy: str,
                                           backend: str) -> None:
    result = solve(textbook, strategy=strategy, backend=backend)
    assert_optimum(result)
    assert check_plan(textbook, result) == []


def test_textbook_case_in_staged_mode_and_live_resolve(textbook: Instance) -> None:
    """The staged modes hand each stage the previous plan; the live model re-solves."""
    staged = solve(instance_from_tables(*textbook_tables("lexicographic")))
    assert staged.status == SolveStatus.OPTIMAL and funded(staged) == FUNDED
    assert staged.objective == pytest.approx(OPTIMUM)
    assert staged.metadata["stages"][0]["value"] == pytest.approx(OPTIMUM)
    live = LiveModel(textbook, HighsOptions(time_limit=10.0, mip_rel_gap=0.0))
    assert_optimum(live.solve())


def test_textbook_case_from_the_command_line(tmp_path: Path) -> None:
    """A real process on a real folder: the summary says 9,000, optimal, proven."""
    folder = write_folder(*textbook_tables(), tmp_path / "california")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "optimizer.cli", "solve", str(folder),
                           "--out", str(out)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert done.returncode == Exit.OK, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(OPTIMUM)
    assert summary["bound"] == pytest.approx(OPTIMUM)


def _textbook_highs(textbook: Instance) -> Any:
    index = build_index(textbook)
    return make_highs(build_formulation(index, textbook.settings.objective),
                      HighsOptions(mip_rel_gap=0.0))


def test_failed_claim_is_solved_again_without_the_start(
        textbook: Instance, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    """With the presolve rule left on, HiGHS 1.16's wrong claim is caught and not passed on."""
    monkeypatch.setattr(mip_start, "start_presolve_mask", lambda: 0)
    h = _textbook_highs(textbook)
    with caplog.at_level(logging.WARNING, logger="optimizer.mip_start"):
        checked = mip_start.run_checked(h, start=np.array(WRONG_START), deadline=10.0,
                                        mip_rel_gap=0.0)
    if not checked.notes:
        pytest.skip(f"HiGHS {version('highspy')} takes the start correctly")
    assert "did not hold" in checked.notes[0] and "solved again without the start" in (
        checked.notes[1])
    assert any(r.levelno == logging.WARNING for r in caplog.records)
    outcome = checked.outcome
    assert outcome.objective == pytest.approx(OPTIMUM)
    assert mip_start.model_objective(h, outcome.values) == pytest.approx(OPTIMUM)
    # the whole engineered solve: the note reaches the result's steps (and summary.json)
    result = solve(textbook)
    assert_optimum(result)
    assert any("did not hold" in note for note in result.metadata["steps"]["claims"])


def test_start_goes_in_without_the_offending_presolve_rule(textbook: Instance) -> None:
    """The root: HiGHS gets the start with "zero cost singleton" off and claims the truth."""
    assert mip_start.start_presolve_mask() > 0
    h = _textbook_highs(textbook)
    checked = mip_start.run_checked(h, start=np.array(WRONG_START), deadline=10.0,
                                    mip_rel_gap=0.0)
    assert checked.notes == ()
    assert checked.outcome.objective == pytest.approx(OPTIMUM)
    assert mip_start.model_objective(h, checked.outcome.values) == pytest.approx(OPTIMUM)
    _, mask = h.getOptionValue("presolve_rule_off")
    assert mask == 0  # restored for the next run of a live model


def test_smallest_reproduction_in_the_docs_runs() -> None:
    """docs/performance.md's highspy script shows HiGHS 1.16's wrong claim, as it says."""
    doc = (ROOT / "docs" / "performance.md").read_text()
    section = doc[doc.index("## HiGHS 1.16 and MIP starts"):]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)
    scope: dict[str, Any] = {}
    exec(compile(code, "performance.md", "exec"), scope)  # the doc's own snippet
    reported, own = scope["reported"], scope["own"]
    if not version("highspy").startswith("1.16"):
        pytest.skip(f"the reproduction is for HiGHS 1.16, this is {version('highspy')}")
    assert (reported, own) == (pytest.approx(-21.0), pytest.approx(-14.0))
    assert claim_problems(SolveStatus.OPTIMAL, own, reported, scope["bound"], 0.0)


@pytest.mark.parametrize(("status", "objective", "reported", "bound", "gap", "expected"), [
    (SolveStatus.OPTIMAL, 15000.0, 9000.0, 9000.0, 0.0, ["not the plan's own", "gap of 40"]),
    (SolveStatus.TIME_LIMIT, 9000.0, 9000.0, 9500.0, 0.0, ["above the plan's objective"]),
    (SolveStatus.OPTIMAL, 10000.0, None, 9000.0, 0.05, ["gap of 10.0000%"]),
    (SolveStatus.OPTIMAL, 9000.0, None, None, 0.0, ["without a proven bound"]),
    (SolveStatus.OPTIMAL, 10000.0, 10000.0, 9000.0, 0.1, []),
    (SolveStatus.OPTIMAL, 0.0, 0.0, -1e-7, 0.0, []),  # HiGHS's absolute gap near 0
    (SolveStatus.TIME_LIMIT, 10000.0, 10000.0, 5000.0, 0.0, []),
])
def test_claim_check_catches_each_doctored_claim(status: SolveStatus, objective: float,
                                                 reported: float | None, bound: float | None,
                                                 gap: float, expected: list[str]) -> None:
    problems = claim_problems(status, objective, reported, bound, gap)
    assert len(problems) == len(expected), problems
    for problem, words in zip(problems, expected, strict=True):
        assert words in problem


@pytest.mark.parametrize(("update", "words"), [
    ({"objective": 15000.0}, "is not the plan's own objective"),
    ({"bound": 9500.0}, "above the plan's objective"),
    ({"bound": 8000.0, "mip_gap": 8000 / 9000}, "above the requested"),
    ({"metadata": {}}, "requested gap is not recorded"),
])
def test_verifier_rejects_a_result_that_claims_too_much(textbook: Instance,
                                                        update: dict[str, Any],
                                                        words: str) -> None:
    honest = solve(textbook, price_envelope=False)
    verify(textbook, honest)
    with pytest.raises(VerificationError, match=re.escape(words)):
        verify(textbook, honest.model_copy(update=update))


def test_last_check_keeps_only_what_holds(textbook: Instance, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """A lying outcome that reaches the result (every check before it bypassed): the plan
    stands with its own objective, the status loses ``optimal``, and the reason is logged."""
    index = build_index(textbook)
    form = build_formulation(index, textbook.settings.objective)
    lie = HighsOutcome(status=SolveStatus.OPTIMAL, model_status="Optimal",
                       values=np.array(WRONG_START), row_duals=None, objective=OPTIMUM,
                       bound=OPTIMUM, gap=0.0, seconds=0.0, nodes=0)
    options = HighsOptions(mip_rel_gap=0.0)
    with caplog.at_level(logging.WARNING, logger="optimizer.pipeline"):
        result = pipeline.assemble_result(textbook, index, form, lie, options,
                                          build_seconds=0.0, solve_seconds=0.0)
    assert result.status == SolveStatus.LIMIT and result.objective == pytest.approx(15000.0)
    assert result.mip_gap == pytest.approx(0.4) and "not kept" in result.message
    assert result.metadata["steps"]["claims"] and caplog.records
    # with that last check bypassed too, the verifier refuses it: exit 5 at the command line
    monkeypatch.setattr(pipeline, "check_claims", lambda f, o, obj, g, st, steps, m: (o, steps, m))
    with pytest.raises(VerificationError, match="claim"):
        pipeline.assemble_result(textbook, index, form, lie, options, build_seconds=0.0,
                                 solve_seconds=0.0)


def test_a_failed_claim_exits_with_verification_failed(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def lying(*args: Any, **kwargs: Any) -> mip_start.Checked:
        """HiGHS's outcome with a bound 1,000 above its plan."""
        outcome = real(*args, **kwargs).outcome
        return mip_start.Checked(replace(outcome, bound=outcome.objective + 1000.0))

    real = mip_start.run_checked
    monkeypatch.setattr("optimizer.strategy.run_checked", lying)
    monkeypatch.setattr(pipeline, "check_claims", lambda f, o, obj, g, st, steps, m: (o, steps, m))
    folder = write_folder(*textbook_tables(), tmp_path / "california")
    run = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out"),
                                   "--strategy", "plain"])
    assert run.exit_code == Exit.VERIFICATION_FAILED, run.output
    assert "claim" in run.output


def test_reliability_section_names_tests_that_exist() -> None:
    """docs/reliability-claims.md holds each promise to a test: every one it names exists."""
    doc = (ROOT / "docs" / "reliability-claims.md").read_text()
    named = re.findall(r"`(tests/\w+\.py)::(\w+)`", doc)
    assert len(named) >= 8
    for path, name in named:
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.MULTILINE), (path, name)


def test_when_no_claim_holds_the_best_plan_is_kept_without_a_bound(
        textbook: Instance, monkeypatch: pytest.MonkeyPatch) -> None:
    """Solved again without the start, then without presolve, and still doubted: the start
    (the better of what is known) is returned with its own objective, no bound, no optimal."""
    real = mip_start._problems
    calls: list[int] = []

    def doubting(*args: Any) -> list[str]:
        calls.append(1)
        return real(*args) or ["doubted by the test"]

    monkeypatch.setattr(mip_start, "_problems", doubting)
    h = _textbook_highs(textbook)
    better = [0.0, 1.0, 1.0, 1.0, 10.0, 0.0, 9.0]  # the optimum, handed over as the start
    checked = mip_start.run_checked(h, start=np.array(better), deadline=10.0, mip_rel_gap=0.0)
    assert len(calls) == 3 and len(checked.notes) == 3
    assert "without presolve" in checked.notes[2]
    outcome = checked.outcome
    assert outcome.status == SolveStatus.LIMIT and outcome.bound is None
    assert outcome.objective == pytest.approx(OPTIMUM)
    _, presolve = h.getOptionValue("presolve")
    assert presolve == "choose"  # restored for the next run of a live model
