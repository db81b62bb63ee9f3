"""Every claim checked: the plan's objective, the bound and ``optimal`` agree with the plan.

The textbook case (``claim_cases.textbook_tables``) is solved by every path; doctored claims are
caught by the check where the paths meet (``optimizer.solving.assemble.check_claims``) and by the
verifier. The HiGHS-level handover is tested in ``test_mip_start``.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from claim_cases import FUNDED, OPTIMUM, WRONG_START, textbook_tables
from typer.testing import CliRunner

import optimizer.highs.mip_start as mip_start
import optimizer.solving.assemble as pipeline
from models.folder import write_folder
from models.instance import Instance, instance_from_tables
from models.result import SolveStatus
from optimizer import solve
from optimizer.check.verify import VerificationError, check_plan, verify
from optimizer.cli.app import Exit, app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs.adapter import HighsOptions, HighsOutcome
from optimizer.highs.claims import claim_problems
from optimizer.solving.live import LiveModel

ROOT = Path(__file__).resolve().parents[1]


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
    done = subprocess.run([sys.executable, "-m", "optimizer.cli.app", "solve", str(folder),
                           "--out", str(out)], capture_output=True, text=True, cwd=tmp_path,
                          timeout=120, check=False)
    assert done.returncode == Exit.OK, done.stdout + done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["objective"] == pytest.approx(OPTIMUM)
    assert summary["bound"] == pytest.approx(OPTIMUM)


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
    with caplog.at_level(logging.WARNING, logger="optimizer.solving.assemble"):
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
    monkeypatch.setattr("optimizer.solving.strategy.run_checked", lying)
    monkeypatch.setattr(pipeline, "check_claims", lambda f, o, obj, g, st, steps, m: (o, steps, m))
    folder = write_folder(*textbook_tables(), tmp_path / "california")
    run = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out"),
                                   "--strategy", "plain"])
    assert run.exit_code == Exit.VERIFICATION_FAILED, run.output
    assert "claim" in run.output


def test_reliability_doc_names_tests_that_exist() -> None:
    """docs/reliability.md holds each promise to a test: every test it names exists."""
    doc = (ROOT / "docs" / "reliability.md").read_text()
    named = re.findall(r"`(tests/\w+\.py)::(\w+)`", doc)
    assert len(named) >= 8
    for path, name in named:
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(), re.MULTILINE), (path, name)
    defined = set(re.findall(r"^def (test_\w+)\(", "\n".join(
        p.read_text() for p in (ROOT / "tests").glob("test_*.py")), re.MULTILINE))
    bare = set(re.findall(r"`(test_\w+)`", doc)) | set(re.findall(r"\b(test_\w+)\b", doc))
    bare -= {p.stem for p in (ROOT / "tests").glob("test_*.py")}  # module names
    assert not bare - defined


