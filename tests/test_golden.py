"""Golden LP files per constraint family, and ``srsopt export`` with readable names.

A failing golden test means the formulation wrote different rows than the committed reference.
If the change is intended, regenerate with ``python -m tests.golden_instances --regenerate``
and review the diff of tests/golden/*.lp.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
import yaml
from golden_instances import CASES, GOLDEN, golden_text
from typer.testing import CliRunner

from models.instance import load_instance
from optimizer.cli.app import app
from optimizer.formulation import FAMILIES
from optimizer.highs.names import lp_ids

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
FAMILY_NAMES = [f.__name__ for f in FAMILIES] + ["concentration"]
"""Every constraint family of docs/formulation.md; concentration is a column bound."""


@pytest.mark.parametrize("case", list(CASES))
def test_exported_lp_matches_its_golden_file(case: str) -> None:
    path = GOLDEN / f"{case}.lp"
    assert path.is_file(), f"{path.name} is missing; run python -m tests.golden_instances " \
                           "--regenerate"
    expected, fresh = path.read_text(), golden_text(case)
    diff = "".join(difflib.unified_diff(expected.splitlines(True), fresh.splitlines(True),
                                        f"golden/{case}.lp", "exported", n=1))
    assert fresh == expected, (f"{case}: the exported LP differs from its golden file; if "
                               "intended, run python -m tests.golden_instances --regenerate\n"
                               + diff[:4000])


def test_every_family_has_a_golden_file() -> None:
    missing = [f for f in FAMILY_NAMES if f not in CASES or not (GOLDEN / f"{f}.lp").is_file()]
    assert not missing, f"constraint families without a golden LP file: {missing}"


def test_no_golden_file_is_stale() -> None:
    stale = sorted(p.stem for p in GOLDEN.glob("*.lp") if p.stem not in CASES)
    assert not stale, f"golden files without a case in tests/golden_instances.py: {stale}"


def test_family_golden_holds_only_its_family() -> None:
    for family in (f for f in FAMILY_NAMES if (GOLDEN / f"{f}.lp").is_file()):
        text = (GOLDEN / f"{family}.lp").read_text()
        rows = set(re.findall(r"^ (\w+)\([^)]*\):", text, flags=re.MULTILINE))
        assert rows <= {family, f"{family}_limit", f"{family}_floor"}, (family, rows)
        assert rows or family == "concentration", family


@pytest.mark.parametrize("backend", ["highs", "pyomo"])
@pytest.mark.parametrize("fmt", ["lp", "mps"])
def test_export_writes_named_model(tmp_path: Path, backend: str, fmt: str) -> None:
    out = tmp_path / "sub" / f"model.{fmt}"
    result = CliRunner().invoke(app, ["export", str(TINY), "--out", str(out), "--format", fmt,
                                      "--backend", backend])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    for name in ("project_start(p1,2026)", "region_transfer(south,2028)", "envelope(2027)",
                 "one_start(p5)", "shortfall_floor(north,health,rural,2028)"):
        assert name in text, f"{name} not in the {backend} {fmt} export"
    assert not re.search(r"\b[cr]\d+\b", text), "HiGHS fell back to c0/r0 names"
    assert ("concentration(south,2026)" in text) == (backend == "pyomo")
    assert ("provision(s_town,school,2028)" in text) == (backend == "pyomo")  # a linear pair
    assert "p6" not in text  # excluded: no columns


def test_export_names_an_unknown_suffix_by_its_format(tmp_path: Path) -> None:
    out = tmp_path / "model.txt"
    result = CliRunner().invoke(app, ["export", str(TINY), "--out", str(out), "--format", "mps"])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("NAME")


def test_lp_ids_are_safe_and_distinct() -> None:
    instance = load_instance(TINY)
    frame = instance.settlements.copy()
    frame.loc[0, "settlement_id"], frame.loc[1, "settlement_id"] = "a-1", "a_1"
    ids = lp_ids(instance.model_copy(update={"settlements": frame}))
    assert ids["a_1"] == "a_1" and ids["a-1"] == "a_1~2"
    assert all(re.fullmatch(r"[A-Za-z0-9_.~]+", v) for v in ids.values())
    assert ids["s_town"] == "s_town"


def test_pyomo_export_refuses_another_objective_mode(tmp_path: Path) -> None:
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    settings = yaml.safe_load((folder / "instance.yaml").read_text())
    settings["objective"]["mode"] = "lexicographic"  # the fiscal rules are stated: exported
    (folder / "instance.yaml").write_text(yaml.safe_dump(settings))
    result = CliRunner().invoke(app, ["export", str(folder), "--out", str(tmp_path / "m.lp"),
                                      "--backend", "pyomo"])
    assert result.exit_code == 2 and "lexicographic" in result.output
    assert not (tmp_path / "m.lp").exists()
