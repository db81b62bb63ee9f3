"""The MIP start handover (``optimizer.highs.mip_start``): HiGHS's claims checked after each run.

HiGHS 1.16 can return a start with another point's objective (docs/performance.md, "HiGHS 1.16
and MIP starts"). These tests run the real HiGHS on the cases of ``claim_cases``.
"""

from __future__ import annotations

import logging
import re
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from claim_cases import OPTIMUM, WRONG_START, explain_tables, textbook_tables

import optimizer.highs.mip_start as mip_start
from models.instance import Instance, instance_from_tables
from models.result import SolveStatus
from optimizer import solve
from optimizer.check.explain import explain
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, make_highs
from optimizer.highs.claims import claim_problems

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def textbook() -> Instance:
    return instance_from_tables(*textbook_tables(), source="textbook")


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
    with caplog.at_level(logging.WARNING, logger="optimizer.highs.mip_start"):
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
    assert result.status == SolveStatus.OPTIMAL and result.objective == pytest.approx(OPTIMUM)
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


def test_explanation_is_the_smallest_relaxation_not_the_start() -> None:
    """HiGHS 1.16 returned the elastic start (27.006) as the smallest relaxation (3.003) even
    with the presolve rule off; the check solves again and the explanation names the truth."""
    explanation = explain(instance_from_tables(*explain_tables()), time_limit=10, iis=False)
    first = explanation.relaxations[0].message
    assert explanation.status == "infeasible" and "not proven" not in explanation.message
    assert "p1 in 2027: fiscal space short by 3.0 million KZT" in first
    assert not any("envelope" in r.message for r in explanation.relaxations)
