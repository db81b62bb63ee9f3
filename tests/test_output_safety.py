"""Output safety with real folders: every writing command against inputs, foreign folders,
``..``, ``.``, symlinks and earlier results, and what may replace what (``--force``, no plan).

Atomic writing, locks, two writers and a kill while writing: ``test_output_atomic.py``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest
from builders import valid_tables, write_instance
from output_checks import TINY, run, said, theirs, tree

import optimizer
from models.safe_output import MARKER
from models.safe_output.marker import sidecar
from optimizer.outputs.results_io import write_results

Argv = Callable[[Path, SimpleNamespace], list[object]]
FOLDER_COMMANDS: dict[str, Argv] = {
    "solve": lambda out, env: ["solve", env.instance, "--out", out],
    "whatif": lambda out, env: ["whatif", env.instance, env.scenario, "--out", out],
    "sweep": lambda out, env: ["sweep", env.instance, "--envelope", "0.5:1:2", "--out", out],
    "alternatives": lambda out, env: ["alternatives", env.instance, "-n", "1", "--out", out],
    "convert": lambda out, env: ["convert", env.instance, out],
    "generate": lambda out, env: ["generate", out, "--settlements", "12", "--projects", "10"],
}
FILE_COMMANDS: dict[str, tuple[str, Argv]] = {
    "solve.xlsx": (".xlsx", lambda out, env: ["solve", env.instance, "--out", out]),
    "convert.json": (".json", lambda out, env: ["convert", env.instance, out]),
    "template": (".xlsx", lambda out, env: ["template", out]),
    "report": (".html", lambda out, env: ["report", env.results, "--out", out]),
    "export": (".lp", lambda out, env: ["export", env.instance, "--out", out]),
}
EVERY = [(name, argv, "") for name, argv in FOLDER_COMMANDS.items()] + [
    (name, argv, suffix) for name, (suffix, argv) in FILE_COMMANDS.items()]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """Inputs: a copy of tiny (folder and JSON), a scenario, an earlier solve's results."""
    root = tmp_path_factory.mktemp("inputs")
    shutil.copytree(TINY, root / "tiny")
    (root / "cut.yaml").write_text("name: cut\nchanges:\n  - envelope: {scale: 0.5}\n")
    write_results(optimizer.solve(optimizer.load(str(TINY))), root / "results")
    assert run("convert", TINY, root / "tiny.json").exit_code == 0
    return SimpleNamespace(root=root, instance=root / "tiny", json=root / "tiny.json",
                           scenario=root / "cut.yaml", results=root / "results")


@pytest.mark.parametrize(("name", "argv", "suffix"), EVERY, ids=[e[0] for e in EVERY])
def test_foreign_outputs_are_refused_and_intact(name: str, argv: Argv, suffix: str,
                                                env: SimpleNamespace, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    mine = theirs(tmp_path / f"theirs{suffix}", suffix)
    (tmp_path / f"link{suffix}").symlink_to(mine)
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    (work / "notes.txt").write_text("keep me")
    monkeypatch.chdir(work)
    before, inputs = tree(tmp_path), tree(env.root)
    for out in (mine, tmp_path / f"link{suffix}", Path("."), Path("..")):
        result = run(*argv(out, env))
        assert result.exit_code == 2, (out, result.output)
        assert said(result, "output refused"), result.output
        assert "Traceback" not in result.output
    forced = run(*argv(mine, env), "--force")
    assert forced.exit_code == 2 and said(forced, "srsopt did not write"), forced.output
    assert tree(tmp_path) == before and tree(env.root) == inputs


@pytest.mark.parametrize(("name", "argv", "suffix"), EVERY, ids=[e[0] for e in EVERY])
def test_an_earlier_result_or_an_empty_folder_is_replaced(
        name: str, argv: Argv, suffix: str, env: SimpleNamespace, tmp_path: Path) -> None:
    other = theirs(tmp_path / "other")
    out = tmp_path / f"out{suffix}"
    if not suffix:
        out.mkdir()  # an empty folder
    (tmp_path / f"out{suffix}.tmp-writing").symlink_to(other)  # the old fixed staging name
    planted = tree(other)
    first = run(*argv(out, env))
    assert first.exit_code == 0, first.output
    marker = out / MARKER if not suffix else sidecar(out)
    assert json.loads(marker.read_text())["srsopt_output"]
    inode = out.stat().st_ino
    again = run(*argv(out, env))  # a re-run replaces its own earlier result, no --force
    assert again.exit_code == 0, again.output
    assert out.stat().st_ino != inode and tree(other) == planted
    leftovers = [p.name for p in tmp_path.iterdir()
                 if ".srsopt-" in p.name and not p.name.endswith(".srsopt-output.json")]
    assert leftovers == [], leftovers  # no lock, no staging copy left behind


INPUT_CASES: dict[str, Callable[[SimpleNamespace], list[object]]] = {
    "solve into its instance": lambda e: ["solve", e.instance, "--out", e.instance],
    "solve over its parent": lambda e: ["solve", e.instance, "--out", e.root],
    "solve inside its instance": lambda e: ["solve", e.instance, "--out", e.instance / "r"],
    "solve over its baseline plan": lambda e: ["solve", e.instance, "--baseline-plan",
                                               e.results, "--out", e.results],
    "solve over its scenario": lambda e: ["solve", e.instance, "--scenario", e.scenario,
                                          "--out", e.root / "cut.yaml" / "x"],
    "whatif": lambda e: ["whatif", e.instance, e.scenario, "--out", e.instance],
    "sweep": lambda e: ["sweep", e.instance, "--out", e.instance],
    "alternatives": lambda e: ["alternatives", e.instance, "--out", e.instance / "alt"],
    "convert": lambda e: ["convert", e.json, e.json],
    "export": lambda e: ["export", e.json, "--out", e.json],
    "report": lambda e: ["report", e.results, "--instance", e.instance, "--out",
                         e.instance / "r.html"],
}


@pytest.mark.parametrize("case", INPUT_CASES)
def test_an_output_on_an_input_is_refused(case: str, env: SimpleNamespace) -> None:
    before = tree(env.root)
    result = run(*INPUT_CASES[case](env))
    assert result.exit_code == 2, result.output
    assert said(result, "input") and "Traceback" not in result.output, result.output
    assert tree(env.root) == before


def test_refusals_happen_before_the_solve(env: SimpleNamespace, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    for out, why in ((tmp_path / "x.json", "expected a folder (e.g. results/x) or a .xlsx"),
                     (tmp_path, "your home folder"), (Path("/"), "filesystem root")):
        result = run("solve", env.instance, "--out", out)
        assert result.exit_code == 2 and said(result, why), result.output
        assert not said(result, "status"), result.output  # nothing was solved
    for argv in (["convert", env.instance, tmp_path / "out.csv"],
                 ["template", tmp_path / "t.csv"],
                 ["report", env.results, "--out", tmp_path / "r.txt"]):
        assert run(*argv).exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_force_replaces_srsopt_outputs_only(env: SimpleNamespace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("sweep", env.instance, "--envelope", "0.5:1:2", "--out", out).exit_code == 0
    other_kind = run("solve", env.instance, "--out", out)
    assert other_kind.exit_code == 2 and said(other_kind, "srsopt's sweep output")
    assert said(other_kind, "--force"), other_kind.output
    assert run("solve", env.instance, "--out", out, "--force").exit_code == 0
    (out / "notes.txt").write_text("my notes")
    changed = run("solve", env.instance, "--out", out)
    assert changed.exit_code == 2 and said(changed, "notes.txt"), changed.output
    assert (out / "notes.txt").read_text() == "my notes"
    assert run("generate", out / "inst", "--settlements", "12", "--projects", "10").exit_code == 0
    nested = run("solve", env.instance, "--out", out)  # as `results/whatif` in `results`
    assert nested.exit_code == 2 and said(nested, "inst/ (instance output of srsopt)")
    page = tmp_path / "plan.xlsx"
    assert run("template", page).exit_code == 0
    page.write_bytes(page.read_bytes() + b"edited")  # a filled template is someone's work
    edited = run("template", page)
    assert edited.exit_code == 2 and said(edited, "changed since"), edited.output
    assert page.read_bytes().endswith(b"edited")
    assert run("template", page, "--force").exit_code == 0
    (out / MARKER).unlink()  # as an srsopt older than the marker left it
    (out / "notes.txt").unlink()
    shutil.rmtree(out / "inst")
    legacy = run("solve", env.instance, "--out", out)
    assert legacy.exit_code == 2 and said(legacy, "earlier srsopt"), legacy.output
    assert run("solve", env.instance, "--out", out, "--force").exit_code == 0


def test_report_beside_its_results_stays_srsopts(env: SimpleNamespace, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("solve", env.instance, "--out", out).exit_code == 0
    assert run("report", out).exit_code == 0  # RESULTS/report.html: inside, not an input
    assert run("solve", env.instance, "--out", out, "--report").exit_code == 0
    assert run("report", out).exit_code == 0  # over the report the folder's marker lists


def test_a_run_without_a_plan_never_replaces_a_plan(tmp_path: Path) -> None:
    settings, tables = valid_tables()
    good = write_instance(tmp_path / "good", settings, tables)
    ry = tables["region_years"]
    ry.loc[ry["region_id"] == "akmola", "fiscal_space"] = 2.0  # committed P5 needs more
    bad = write_instance(tmp_path / "bad", settings, tables)
    out = tmp_path / "out"
    assert run("solve", good, "--out", out).exit_code == 0
    plan = tree(out)
    result = run("solve", bad, "--out", out)
    assert result.exit_code == 3, result.output
    assert tree(out) == plan
    beside = [p for p in tmp_path.iterdir() if p.name.startswith("out.infeasible-")]
    assert len(beside) == 1 and said(result, f"was written to {beside[0]}"), result.output
    assert json.loads((beside[0] / "summary.json").read_text())["status"] == "infeasible"
    fresh = tmp_path / "fresh"
    for _ in range(2):  # no plan there: written in place, then replaced
        assert run("solve", bad, "--out", fresh).exit_code == 3
        assert json.loads((fresh / "summary.json").read_text())["status"] == "infeasible"
