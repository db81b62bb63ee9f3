"""The command line's manners: versions, options, progress, warnings once, and plain refusals.

Every test drives ``srsopt`` through typer's runner on instances/tiny (docs/tiny.md) or a copy
with one thing changed; the runner's output is not a terminal, so progress comes as lines.
"""

from __future__ import annotations

import itertools
import platform
import shutil
from importlib.metadata import version
from pathlib import Path

import highspy
import pytest
from typer.testing import CliRunner, Result

import optimizer
from optimizer.cli.app import Exit, app
from optimizer.formulation import build_formulation
from optimizer.formulation.index import build_index
from optimizer.highs import progress
from optimizer.highs.adapter import HighsOptions, make_highs, run

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
WARNING = ("committed projects in south need 6.0 million KZT of co-financing and new opex in "
           "2026 at their earliest start years")
"""The pre-solve warning of ``tight_start``: p5 (committed, 30 million KZT, south co-finances
20%) cannot start in 2026 when south's fiscal space that year is 3."""


def srsopt(*args: object) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def flat(result: Result) -> str:
    """Everything printed, with rich's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture
def tight_start(tmp_path: Path) -> Path:
    folder = Path(shutil.copytree(TINY, tmp_path / "tight"))
    text = (folder / "region_years.csv").read_text(encoding="utf-8")
    (folder / "region_years.csv").write_text(text.replace("south,2026,10", "south,2026,3"),
                                             encoding="utf-8")
    return folder


def test_version_names_srsopt_highs_and_python() -> None:
    result = srsopt("--version")
    assert result.exit_code == Exit.OK
    assert result.output.strip() == (f"srsopt {version('srsopt')}, HiGHS {version('highspy')}, "
                                     f"Python {platform.python_version()}")


OPTIONS = [("--time-limit", "0", "is not above 0 seconds"),
           ("--time-limit", "-5", "is not above 0"),
           ("--time-limit", "inf", "is not a finite number"),
           ("--gap", "2", "is above the cap of 1"), ("--threads", "0", "is below 1 threads")]
"""A bad value of each solver option and what the refusal says."""


@pytest.mark.parametrize(("command", "option", "value", "said"), [
    ([name, TINY, *extra], *bad)
    for name, extra in (("solve", []), ("whatif", ["x.yaml"]), ("sweep", []),
                        ("alternatives", []), ("explain", []))
    for bad in OPTIONS if name != "explain" or bad[0] == "--time-limit"])  # explain: time only
def test_solver_options_are_checked_by_every_command(command: list[object], option: str,
                                                     value: str, said: str) -> None:
    result = srsopt(*command, option, value)
    assert result.exit_code == Exit.INVALID_INPUT, result.output
    assert said in flat(result)


def test_progress_lines_when_not_a_terminal_and_none_when_quiet(tmp_path: Path) -> None:
    result = srsopt("solve", TINY, "--out", tmp_path / "a")
    assert result.exit_code == Exit.OK, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("solving tiny: ")]
    assert lines[0].startswith("solving tiny: 0.") and "LP relaxation" in lines[0]
    assert lines[-1].startswith("solving tiny: ") and lines[-1].endswith(
        "MIP: plan -3,663.34, bound -3,663.34, gap 0.00%")  # docs/tiny.md: the optimum
    quiet = srsopt("solve", TINY, "--out", tmp_path / "b", "--quiet")
    assert quiet.exit_code == Exit.OK, quiet.output
    assert "solving tiny" not in quiet.output and "status optimal" in quiet.output
    cut = tmp_path / "cut.yaml"
    cut.write_text("name: cut\nchanges:\n  - envelope: {scale: 0.5}\n", encoding="utf-8")
    whatif = srsopt("whatif", TINY, cut, "--out", tmp_path / "w", "--quiet")
    assert whatif.exit_code == Exit.OK, whatif.output
    assert "what-if:" not in whatif.output and "What-if comparison" in whatif.output


def test_the_progress_hook_reports_each_stage_and_costs_nothing_unheard() -> None:
    instance = optimizer.load(str(TINY))
    events: list[progress.Progress] = []
    with progress.listening(events.append):
        result = optimizer.solve(instance)
    done = [e for e in events if e.done]
    assert [e.stage for e in done] == ["LP relaxation", "heuristic", "MIP"]
    assert done[-1].incumbent == pytest.approx(result.objective)
    assert done[0].bound == pytest.approx(result.metadata["steps"]["lp_bound"])
    # a heuristic's sub-MIP proves nothing of the whole model: its plan only, never a bound
    assert all(e.bound is None and e.gap is None for e in events if e.stage == "heuristic")
    assert done[1].incumbent is not None
    assert all(a.elapsed <= b.elapsed for a, b in itertools.pairwise(events))
    assert all(isinstance(v, str | float | bool | None) for e in events
               for v in e.as_dict().values())
    index = build_index(instance)
    h = make_highs(build_formulation(index, instance.settings.objective), HighsOptions())
    run(h)  # nobody listens: nothing subscribed, HiGHS's log left off
    assert not h.cbMipLogging.callbacks and h.getOptionValue("output_flag")[1] is False
    with progress.listening(events.append):
        run(h)
    assert not h.cbMipImprovingSolution.callbacks and h.getOptionValue("output_flag")[1] is False
    assert isinstance(h, highspy.Highs)


def test_pre_solve_warnings_are_printed_once(tight_start: Path, tmp_path: Path) -> None:
    result = srsopt("solve", tight_start, "--out", tmp_path / "s", "--quiet")
    assert result.exit_code == Exit.OK, result.output
    assert flat(result).count(WARNING) == 1
    cut = tmp_path / "cut.yaml"
    cut.write_text("name: cut\nchanges:\n  - envelope: {scale: 0.9}\n", encoding="utf-8")
    whatif = srsopt("whatif", tight_start, cut, "--out", tmp_path / "w", "--quiet")
    assert whatif.exit_code == Exit.OK, whatif.output
    assert flat(whatif).count(WARNING) == 1


def test_report_refuses_the_plan_of_another_instance(tight_start: Path, tmp_path: Path) -> None:
    results = tmp_path / "tiny"
    assert srsopt("solve", TINY, "--out", results, "--quiet").exit_code == Exit.OK
    refused = srsopt("report", results, "--instance", tight_start)
    assert refused.exit_code == Exit.INVALID_INPUT
    solved, other = (optimizer.load(str(p)).data_hash() for p in (TINY, tight_start))
    assert f"input_hash {solved}" in flat(refused) and other in flat(refused)
    assert not (results / "report.html").exists()
    forced = srsopt("report", results, "--instance", tight_start, "--force")
    assert forced.exit_code == Exit.OK, forced.output
    assert "reported anyway (--force)" in flat(forced) and (results / "report.html").is_file()
    same = srsopt("report", results, "--instance", TINY, "--out", tmp_path / "r.html")
    assert same.exit_code == Exit.OK, same.output


def test_explain_takes_a_scenario(tmp_path: Path) -> None:
    tight = tmp_path / "tight.yaml"
    tight.write_text("name: tight\nchanges:\n  - region: {region: south, fiscal_space_scale: "
                     "0.1}\n", encoding="utf-8")
    assert srsopt("explain", TINY, "--no-iis").exit_code == 0  # tiny has a plan
    result = srsopt("explain", TINY, "--scenario", tight, "--no-iis")
    assert result.exit_code == 3, result.output
    assert "Region South oblast cannot fund committed project p5 in 2026" in flat(result)


def test_every_mistake_of_a_scenario_file_at_once_with_its_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: three mistakes\n"
                   "changes:\n"
                   "  - envelope: {scale: 0.9}\n"
                   "  - region: {region: suoth, cofinancing_rate: 0.3}\n"
                   "  - lock:\n"
                   "      project: p1\n"
                   "      force: maybe\n"
                   "  - targets: {rural: {2031: 0.7}}\n", encoding="utf-8")
    result = srsopt("solve", TINY, "--scenario", bad, "--out", tmp_path / "o")
    assert result.exit_code == Exit.INVALID_INPUT
    said = flat(result)
    assert "3 scenario errors" in said
    assert f"{bad} line 4, change 2 (region): region 'suoth' does not exist; did you mean " \
           "'south'?" in said
    assert f"{bad} line 7, change 3 (lock): force: Input should be 'in' or 'out'" in said
    assert f"{bad} line 8, change 4 (targets): year 2031 does not exist" in said
    assert not (tmp_path / "o").exists()


def test_alternatives_that_finds_none_says_what_to_try(tmp_path: Path) -> None:
    result = srsopt("alternatives", TINY, "--within", "0", "-n", "1", "--time-limit", "5",
                    "--out", tmp_path / "a", "--quiet")
    assert result.exit_code == Exit.OK, result.output
    assert ("no other plan found within 0.0% of the optimum: none may exist that close, or 5 s "
            "per plan was too short; try a larger --within (e.g. --within 0.05) or more time "
            "(e.g. --time-limit 10)") in flat(result)


def test_convert_refuses_an_output_it_cannot_write(tmp_path: Path) -> None:
    result = srsopt("convert", TINY, tmp_path / "out.csv")
    assert result.exit_code == Exit.INVALID_INPUT
    assert "out.csv names a .csv file; expected a folder, a .xlsx workbook or a .json file" in \
        flat(result)
    assert not (tmp_path / "out.csv").exists()
