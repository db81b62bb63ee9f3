"""The bad-input catalogue: every class of hostile input, in every form, refused with its place.

Each row writes the valid builder instance (``tests/builders.py``) in one form (folder, workbook,
JSON), breaks one thing, runs the real command line and asserts exit 2, the located message
(file or sheet, line or record, id, field, and the cap with its unit), no traceback, and a
bounded time. The rows that used to hang or eat memory (an alias bomb, a million-row table, a
200 KB name) run as a subprocess under an address-space limit and a timeout.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from bad_inputs import (
    ALIAS_BOMB,
    Maker,
    cell,
    long_table,
    raw_bytes,
    scenario,
    setting,
    sheet_cell,
    sized,
    text_edit,
)
from builders import valid_tables, write_instance
from typer.testing import CliRunner, Result

from models.caps import (
    CAPS,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_TEXT,
    MAX_UNPACKED_BYTES,
    MAX_YAML_BYTES,
    machine_cores,
)
from models.instance import instance_from_tables
from models.reading import megabytes
from optimizer import solve
from optimizer.cli.app import app

SECONDS = 5.0
"""Time bound of an in-process row (they take a fraction of a second)."""
SUBPROCESS_SECONDS = 30.0
"""Time bound of a subprocess row, Python's start included (a loaded machine is slow)."""
MEMORY = 1536 * 2**20
"""Address space of a subprocess row: the CLI needs about 600 MB of it."""


def flat(text: str) -> str:
    """Output with rich's line wrapping undone."""
    return " ".join(text.split())


@dataclass(frozen=True)
class Bad:
    """One class of hostile input: how to make it, and what the refusal must say."""

    make: Maker
    expected: tuple[str, ...]
    """Fragments of the located message (place, field, what is wrong, the cap)."""
    bounded: bool = False
    """Run as a subprocess under ``MEMORY`` and ``SUBPROCESS_SECONDS``: it used to hang."""


CATALOGUE: dict[str, Bad] = {
    # non-finite and absurd numbers, every form
    "csv-money-inf": Bad(cell("folder", "projects", 0, "capex", "inf"), (
        "projects.csv line 2 (P1): capex 'inf' is not a finite number",)),
    "csv-int-inf": Bad(cell("folder", "projects", 3, "duration", "inf"), (
        "projects.csv line 5 (P4): duration 'inf' is not a finite number",)),
    "csv-year-1e20": Bad(cell("folder", "projects", 1, "earliest_start", "1e20"), (
        "projects.csv line 3 (P2): earliest_start '1e20' is above the cap of 2200",)),
    "xlsx-money-1e308": Bad(cell("xlsx", "projects", 1, "opex", 1e308), (
        "instance.xlsx sheet projects line 3 (P2): opex", "above the cap of 1,000,000,000 "
        "million KZT")),
    "xlsx-money-minus-inf": Bad(cell("xlsx", "region_years", 0, "fiscal_space", "-inf"), (
        "sheet region_years line 2 (akmola/2026): fiscal_space '-inf' is not a finite number",)),
    "json-persons-1e20": Bad(cell("json", "settlements", 0, "population", 1e20), (
        "instance.json tables.settlements[0] (kok): population", "above the cap of "
        "100,000,000 persons")),
    "json-number-1e999": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": 1e999', 1)), (
        "tables.projects[0] (P1): capex 'inf' is not a finite number",)),
    "yaml-threads": Bad(setting("folder", "solver.threads", 1_000_000_000), (
        "instance.yaml: solver.threads 1000000000 is above the cap of 256 threads",)),
    "yaml-400-digits": Bad(setting("folder", "solver.node_limit", int("9" * 400)), (
        "instance.yaml: solver.node_limit 9999", "is above the cap of 2,147,483,647")),
    "yaml-5000-digits": Bad(text_edit("folder", "instance.yaml", lambda t: t.replace(
        "threads: null", "threads: " + "9" * 5000)), (
        "instance.yaml: is not valid YAML: Exceeds the limit (4300 digits)",)),
    "yaml-money-inf": Bad(setting("folder", "budget.envelope.2027", float("inf")), (
        "instance.yaml: budget.envelope.2027 inf is not a finite number", "million KZT")),
    "xlsx-setting-time-limit": Bad(setting("xlsx", "solver.time_limit", "nan"), (
        "sheet settings", "solver.time_limit", "is not a finite number", "seconds")),
    "json-setting-zero-time": Bad(setting("json", "solver.time_limit", 0), (
        "instance.json settings: solver.time_limit 0 is not above 0 seconds",)),
    "scenario-factor-inf": Bad(scenario("name: s\nchanges:\n  - envelope: {scale: .inf}\n"), (
        "change 1 (envelope): scale: is not a finite number",)),
    "scenario-money-1e20": Bad(scenario("name: s\nchanges:\n  - envelope: {set: {2026: 1e+20}}\n"),
                               ("change 1 (envelope): set.2026: is above the cap of "
                                "1,000,000,000 million KZT",)),
    # JSON that cannot be read
    "json-deep": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": ' + "[" * 100_000 + "]" * 100_000, 1)), (
        "cannot be read as JSON: it is nested too deeply",)),
    "json-5000-digits": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": ' + "9" * 5000, 1)), (
        "cannot be read as JSON: a number of 5,000 digits",)),
    "json-infinity": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": Infinity', 1)), (
        "cannot be read as JSON: Infinity is not a number",)),
    "json-nan": Bad(text_edit("json", "", lambda t: t.replace(
        '"access_weight": 0.01', '"access_weight": NaN', 1)), (
        "cannot be read as JSON: NaN is not a number",)),
    "json-not-utf8": Bad(raw_bytes("json", "", lambda b: b.replace(b'"Akmola"', b'"\xff"', 1)), (
        "cannot be read as JSON: it is not UTF-8 text",)),
    "json-list-in-cell": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": [[80]]', 1)), (
        "tables.projects[0] (P1): capex must be a number, text, true, false or null",)),
    # duplicates and colliding years
    "csv-duplicate-header": Bad(text_edit("folder", "projects.csv", lambda t: "\n".join(
        line + (",capex" if i == 0 else ",999") for i, line in enumerate(t.splitlines()))), (
        "projects.csv line 1: capex is the header of two columns (column 4 and column 11)",)),
    "xlsx-duplicate-header": Bad(sheet_cell(1, 12, "capex"), (
        "sheet projects line 1: capex is the header of two columns (D and L)",)),
    "yaml-duplicate-key": Bad(text_edit("folder", "instance.yaml", lambda t: t + "name: again\n"), (
        "instance.yaml line", "the key 'name' appears twice (also on line 1)")),
    "scenario-duplicate-key": Bad(scenario(
        "name: s\nchanges:\n  - envelope: {scale: 0.9}\nname: t\n"), (
        "scenario.yaml line 4: the key 'name' appears twice (also on line 1)",)),
    "yaml-colliding-years": Bad(text_edit("folder", "instance.yaml", lambda t: t.replace(
        "    2027: 100.0", "    '2026': 100.0")), (
        "instance.yaml: budget.envelope names the year 2026 twice (as 2026 and '2026')",)),
    "json-duplicate-key": Bad(text_edit("json", "", lambda t: t.replace(
        '"capex": 80', '"capex": 80, "capex": 8', 1)), (
        "cannot be read as JSON: the key 'capex' appears twice in one object",)),
    "json-colliding-years": Bad(text_edit("json", "", lambda t: t.replace(
        '"2027": 100.0', '"02026": 100.0', 1)), (
        "settings: budget.envelope names the year 2026 twice (as 2026 and '02026')",)),
    # YAML aliases
    "yaml-alias": Bad(text_edit("folder", "instance.yaml", lambda t: t.replace(
        "  urban:", "  urban: &u").replace("  rural:\n    2028: 0.7", "  rural: *u")), (
        "instance.yaml line", "uses the alias *u; aliases and anchors are not allowed",)),
    "scenario-alias-bomb": Bad(scenario(ALIAS_BOMB), (
        "scenario.yaml line 5: uses the alias *a0",), bounded=True),
    # size caps: files, rows, text
    "csv-file-size": Bad(sized("folder", "coverage.csv", MAX_FILE_BYTES + 2**20), (
        "coverage.csv: is 201 MB; the cap for an input file of this kind is 200 MB",)),
    "json-file-size": Bad(sized("json", "", MAX_FILE_BYTES + 2**20), (
        "cannot be read as JSON: it is 201 MB",)),
    "yaml-file-size": Bad(sized("folder", "instance.yaml", MAX_YAML_BYTES + 2**20), (
        "instance.yaml: is 11 MB; the cap for an input file of this kind is 10 MB",)),
    "csv-million-rows": Bad(long_table, (
        "projects.csv: has 1,000,005 rows; the cap is 1,000,000 rows per table",), bounded=True),
    "xlsx-million-rows": Bad(sheet_cell(MAX_ROWS + 2, 1, "P9"), (
        "sheet projects: has 1,000,001 rows below its header; the cap is 1,000,000 rows",)),
    "yaml-200kb-name": Bad(setting("folder", "name", "N" * 200_000), (
        "instance.yaml: name", "is 200,000 characters long; the cap for a name or text cell "
        "is 500 characters"), bounded=True),
    "csv-long-id": Bad(cell("folder", "settlements", 1, "settlement_id", "z" * 300), (
        "settlements.csv line 3", "settlement_id", "is 300 characters long; the cap for an "
        "id is 200 characters")),
    "path-too-long": Bad(lambda folder: ["validate", str(folder / ("a[/x]" * 1000))], (
        "a[/x]a[/x]", "is not a folder holding an instance (File name too long)")),
    "scenario-is-a-folder": Bad(lambda folder: [  # the output beside the folder, not in it
        *scenario("")(folder)[:3], str(folder), "--out", str(folder.with_name(
            f"{folder.name}-out"))], (
        "whole file: is a folder, not a file",)),
    "json-control-character": Bad(cell("json", "settlements", 0, "name", "Kok\x1b[2Jshetau"), (
        "tables.settlements[0] (kok): name", "holds the control character '\\x1b'")),
}


def run_in_process(args: list[str]) -> tuple[int, str, float]:
    start = time.perf_counter()
    result: Result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        result.exception)
    return result.exit_code, result.output, time.perf_counter() - start


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run_bounded(args: list[str]) -> tuple[int, str, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "optimizer.cli.app", *args], capture_output=True,
                          text=True, timeout=SUBPROCESS_SECONDS, preexec_fn=_bounded,
                          check=False)
    return done.returncode, done.stdout + done.stderr, time.perf_counter() - start


@pytest.mark.parametrize("bad", CATALOGUE.values(), ids=CATALOGUE.keys())
def test_bad_input_is_refused_with_its_place(tmp_path: Path, bad: Bad) -> None:
    args = bad.make(tmp_path)
    code, output, seconds = (run_bounded if bad.bounded else run_in_process)(args)
    text = flat(output)
    assert code == 2, output[-3000:]
    for fragment in bad.expected:
        assert flat(fragment) in text, output[-3000:]
    assert "Traceback" not in output
    assert len(output) < 20_000  # a 200 KB name or a million rows are not echoed back
    assert seconds < (SUBPROCESS_SECONDS if bad.bounded else SECONDS)


@pytest.mark.parametrize(("option", "value", "expected"), [
    ("--time-limit", "0", "0.0 is not above 0 seconds"),
    ("--time-limit", "-5", "-5.0 is not above 0 seconds"),
    ("--time-limit", "inf", "inf is not a finite number"),
    ("--time-limit", "nan", "nan is not a finite number"),
    ("--gap", "1.5", "1.5 is above the cap of 1"),
    ("--threads", "0", "0 is below 1 threads"),
    ("--threads", "1000000000", "1000000000 is above the cap of 256 threads"),
    ("--threads", "9" * 400, "9" * 39 + "… is above the cap of 256 threads"),
    ("--node-limit", "0", "0 is below 1"),
    ("--baseline-penalty", "inf", "inf is not a finite number"),
])
def test_solver_options_outside_their_caps_are_usage_errors(
        tmp_path: Path, option: str, value: str, expected: str) -> None:
    folder = write_instance(tmp_path, *valid_tables())
    code, output, _ = run_in_process(["solve", str(folder), "--out", str(tmp_path / "out"),
                                      option, value])
    assert code == 2
    assert f"Invalid value for '{option}': {expected}" in flat(output.replace("│", " "))
    assert not (tmp_path / "out").exists()


def test_more_threads_than_cores_are_clamped_with_a_warning(tmp_path: Path) -> None:
    folder = write_instance(tmp_path, *valid_tables())
    code, output, _ = run_in_process(["solve", str(folder), "--out", str(tmp_path / "out"),
                                      "--threads", "256"])
    assert code == 0, output
    assert "warning: 256 threads asked for, this machine has" in flat(output)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["settings"]["threads"] < 256


@pytest.mark.parametrize(("argument", "value", "expected"), [
    ("time_limit", float("inf"), "time_limit is not a finite number"),
    ("time_limit", 0.0, "time_limit is not above 0 seconds"),
    ("mip_rel_gap", 1.5, "mip_rel_gap is above the cap of 1"),
    ("threads", 10**9, "threads is above the cap of 256 threads"),
    ("node_limit", 0, "node_limit is below 1"),
])
def test_python_api_holds_its_options_to_the_caps(argument: str, value: float,
                                                  expected: str) -> None:
    instance = instance_from_tables(*valid_tables(), source="api")
    with pytest.raises(ValueError, match=expected):
        solve(instance, **{argument: value})


def test_python_api_clamps_threads_to_the_cores() -> None:
    instance = instance_from_tables(*valid_tables(), source="api")
    result = solve(instance, threads=256)
    assert result.metadata["threads"] == machine_cores()


def test_names_are_printed_as_written(tmp_path: Path) -> None:
    """Markup in an instance and a (long) scenario name: printed literally and shortened, the
    comparison, its chart and the case's folder kept."""
    settings, tables = valid_tables()
    settings["name"] = "plan [/x] [bold]2026"
    folder = write_instance(tmp_path, settings, tables)
    name = "cut [/x] $\\frac{$ " + "a" * 400
    (tmp_path / "s.yaml").write_text(f"name: '{name}'\nchanges:\n"
                                     "  - envelope: {scale: 0.9}\n", encoding="utf-8")
    code, output, _ = run_in_process(["whatif", str(folder), str(tmp_path / "s.yaml"),
                                      "--out", str(tmp_path / "w")])
    assert code == 0, output
    assert name[:60] in flat(output) and name not in flat(output)
    assert (tmp_path / "w" / "comparison.png").is_file()
    assert len(list((tmp_path / "w" / "cases").iterdir())) == 2
    code, output, _ = run_in_process(["solve", str(folder), "--out", str(tmp_path / "o")])
    assert code == 0, output
    assert "plan [/x] [bold]2026" in output


def test_every_cap_is_documented() -> None:
    """docs/instance-format.md, Limits: a row per unit and every size cap as the messages say it."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "instance-format.md").read_text(
        encoding="utf-8")
    limits = text.split("\n## Limits\n", 1)[1].split("\n## ", 1)[0]
    sizes = [megabytes(MAX_FILE_BYTES), megabytes(MAX_UNPACKED_BYTES), megabytes(MAX_YAML_BYTES),
             f"{MAX_ROWS:,}", f"{MAX_DEPTH} levels",
             *(f"{cap:,} characters" for cap in MAX_TEXT.values())]
    missing = [u for u in CAPS if f"| {u} |" not in limits] + [s for s in sizes if s not in limits]
    assert not missing, f"caps not in docs/instance-format.md, Limits: {missing}"
