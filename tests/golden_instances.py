"""Tiny instances, one per constraint family, whose exported LP is kept in tests/golden/.

In the spirit of calliope's ``tests/math``: each instance holds only the data its family needs,
and ``family_lp`` writes only that family's rows (with the columns they touch, their bounds and
integrality, and no objective), so a change in one family shows up in that family's file.
``tiny.lp`` is the whole model of instances/tiny: the objective, its constant and every family
together. ``concentration`` is a column bound in the array build, so its file has bounds only.

After an intended change of the formulation, regenerate the files and review their diff::

    python -m tests.golden_instances --regenerate
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models.instance import Instance, instance_from_tables, load_instance
from optimizer.formulation import Formulation, build_formulation
from optimizer.formulation.index import build_index
from optimizer.formulation.objective import Columns
from optimizer.highs.adapter import new_highs, to_highs_lp
from optimizer.highs.names import column_names, lp_ids, row_names, write_highs_model

try:  # pytest puts tests/ on the path; ``python -m tests.golden_instances`` runs from the root
    from golden_fiscal import FISCAL_CASES
    from golden_structure import STRUCTURE_CASES
except ModuleNotFoundError:
    from tests.golden_fiscal import FISCAL_CASES
    from tests.golden_structure import STRUCTURE_CASES

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
Tables = tuple[dict[str, Any], dict[str, pd.DataFrame]]


def _tables(years: list[int], *, regions: list[dict], settlements: list[dict],
            projects: list[dict], effects: list[dict], coverage: list[dict] | None = None,
            standards: list[dict] | None = None, envelope: list[float] | None = None,
            fiscal: dict[str, list[float]] | None = None, carryover: bool = False,
            targets: dict[str, dict[int, float]] | None = None) -> Tables:
    """A complete instance from the few rows a family needs; everything else is neutral."""
    standards = standards or [{"standard_id": "school", "name": "School", "category": "education",
                               "applies_to": "all", "min_population": 0}]
    settings = {
        "name": "golden", "years": years, "targets": targets or {},
        "budget": {"envelope": dict(zip(years, envelope or [100.0] * len(years), strict=True)),
                   "carryover": carryover},
        "objective": {"access_weight": 0.01, "cost_weight": 0.0},
    }
    regions = [{"name": r["region_id"], "kind": "oblast", "cofinancing_rate": 0.1,
                "max_envelope_share": 1.0} | r for r in regions]
    fiscal = fiscal or {}
    region_years = [{"region_id": r["region_id"], "year": t,
                     "fiscal_space": fiscal.get(r["region_id"], [50.0] * len(years))[i]}
                    for r in regions for i, t in enumerate(years)]
    settlements = [{"region_id": regions[0]["region_id"], "type": "district_center",
                    "area": "rural", "population": 1000} | s | {"name": s["settlement_id"]}
                   for s in settlements]
    projects = [{"name": p["project_id"], "settlement_id": settlements[0]["settlement_id"],
                 "capex": 10.0, "opex": 0.0, "duration": 1, "earliest_start": None,
                 "latest_start": None, "status": "candidate", "divisible": False} | p
                for p in projects]
    tables = {
        "regions": pd.DataFrame(regions), "region_years": pd.DataFrame(region_years),
        "settlements": pd.DataFrame(settlements), "standards": pd.DataFrame(standards),
        "coverage": pd.DataFrame(coverage or [], columns=["settlement_id", "standard_id",
                                                          "level"]),
        "projects": pd.DataFrame(projects).astype({"earliest_start": "Int64",
                                                   "latest_start": "Int64"}),
        "project_effects": pd.DataFrame(effects),
    }
    return settings, tables


def _effect(project: str, settlement: str, level: float, standard: str = "school") -> dict:
    return {"project_id": project, "settlement_id": settlement, "standard_id": standard,
            "level": level}


def one_start() -> Tables:
    """A candidate (3 start years), one whose late start cannot complete (dropped), a committed
    one (`=`, late starts kept), an excluded one (no row) and a divisible one (not binary)."""
    return _tables(
        [2026, 2027, 2028], regions=[{"region_id": "r1"}], settlements=[{"settlement_id": "s1"}],
        projects=[{"project_id": "cand"},
                  {"project_id": "late", "duration": 2, "earliest_start": 2027},
                  {"project_id": "comm", "duration": 3, "latest_start": 2027,
                   "status": "committed"},
                  {"project_id": "excl", "status": "excluded"},
                  {"project_id": "div", "divisible": True}],
        effects=[_effect(p, "s1", 1.0) for p in ("cand", "late", "comm", "excl", "div")])


def provision() -> Tables:
    """A capped pair (c0 0.5, gains 0.3 and 0.4 add past 1) gets rows; a linear pair does not."""
    return _tables(
        [2026, 2027, 2028], regions=[{"region_id": "r1"}],
        settlements=[{"settlement_id": "capped"}, {"settlement_id": "linear"}],
        coverage=[{"settlement_id": "capped", "standard_id": "school", "level": 0.5},
                  {"settlement_id": "linear", "standard_id": "school", "level": 0.2}],
        projects=[{"project_id": "p1"}, {"project_id": "p2", "duration": 2},
                  {"project_id": "p3"}],
        effects=[_effect("p1", "capped", 0.8), _effect("p2", "capped", 0.9),
                 _effect("p3", "linear", 0.6)])


def funding() -> Tables:
    """Capex spread over construction (90 over 3 years), in two regions."""
    return _tables(
        [2026, 2027, 2028], regions=[{"region_id": "north"}, {"region_id": "south"}],
        settlements=[{"settlement_id": "n1", "region_id": "north"},
                     {"settlement_id": "s1", "region_id": "south"}],
        projects=[{"project_id": "long", "settlement_id": "n1", "capex": 90.0, "duration": 3,
                   "status": "committed"},
                  {"project_id": "short", "settlement_id": "s1", "capex": 40.0}],
        effects=[_effect("long", "n1", 1.0), _effect("short", "s1", 1.0)])


def cofinancing() -> Tables:
    """Two co-financing rates, 10% and 25%: the rows hold only transfer and co-financing."""
    return _tables(
        [2026, 2027], regions=[{"region_id": "low", "cofinancing_rate": 0.1},
                               {"region_id": "high", "cofinancing_rate": 0.25}],
        settlements=[{"settlement_id": "l1", "region_id": "low"},
                     {"settlement_id": "h1", "region_id": "high"}],
        projects=[{"project_id": "p1", "settlement_id": "l1"},
                  {"project_id": "p2", "settlement_id": "h1"}],
        effects=[_effect("p1", "l1", 1.0), _effect("p2", "h1", 1.0)])


def fiscal_space() -> Tables:
    """Opex from the year after completion, against fiscal space that changes by year."""
    return _tables(
        [2026, 2027, 2028, 2029], regions=[{"region_id": "r1"}],
        settlements=[{"settlement_id": "s1"}], fiscal={"r1": [5.0, 6.0, 7.0, 8.0]},
        projects=[{"project_id": "quick", "opex": 2.0},
                  {"project_id": "slow", "opex": 3.0, "duration": 2}],
        effects=[_effect("quick", "s1", 0.6), _effect("slow", "s1", 0.9)])


def envelope() -> Tables:
    """With carryover: cumulative rows over two regions' transfers."""
    return _tables(
        [2026, 2027, 2028], regions=[{"region_id": "north"}, {"region_id": "south"}],
        settlements=[{"settlement_id": "n1", "region_id": "north"},
                     {"settlement_id": "s1", "region_id": "south"}],
        envelope=[100.0, 50.0, 80.0], carryover=True,
        projects=[{"project_id": "p1", "settlement_id": "n1"}],
        effects=[_effect("p1", "n1", 1.0)])


def concentration() -> Tables:
    """Region caps of 60% and 100% of each year's envelope: bounds on the transfers."""
    return _tables(
        [2026, 2027], regions=[{"region_id": "capped", "max_envelope_share": 0.6},
                               {"region_id": "free"}],
        settlements=[{"settlement_id": "c1", "region_id": "capped"},
                     {"settlement_id": "f1", "region_id": "free"}],
        envelope=[100.0, 80.0], projects=[{"project_id": "p1", "settlement_id": "c1"}],
        effects=[_effect("p1", "c1", 1.0)])


def shortfall() -> Tables:
    """Targets in two years and areas; a capped pair (y), a linear pair (x), fixed pairs
    (constants), and a region whose only settlement is empty (no persons, no rows)."""
    clinic = {"standard_id": "clinic", "name": "Clinic", "category": "health",
              "applies_to": "all", "min_population": 0}
    school = {"standard_id": "school", "name": "School", "category": "education",
              "applies_to": "all", "min_population": 0}
    return _tables(
        [2026, 2027, 2028], regions=[{"region_id": "r1"}, {"region_id": "r2"}],
        standards=[school, clinic],
        settlements=[{"settlement_id": "town", "type": "town_district", "area": "urban",
                      "population": 20000},
                     {"settlement_id": "village", "population": 2000},
                     {"settlement_id": "empty", "region_id": "r2", "population": 0}],
        coverage=[{"settlement_id": "town", "standard_id": "school", "level": 0.7},
                  {"settlement_id": "town", "standard_id": "clinic", "level": 0.9},
                  {"settlement_id": "village", "standard_id": "school", "level": 0.4}],
        targets={"urban": {2028: 0.95}, "rural": {2027: 0.6, 2028: 0.7}},
        projects=[{"project_id": "a"}, {"project_id": "b"}, {"project_id": "c"}],
        effects=[_effect("a", "town", 1.0), _effect("b", "town", 0.9),
                 _effect("c", "village", 0.8, "clinic")])


def _instance(build: Callable[[], Tables]) -> Callable[[], Instance]:
    """The validated instance of a builder."""
    return lambda: instance_from_tables(*build(), source=build.__name__)


CASES: dict[str, Callable[[], Instance]] = {
    **{f.__name__: _instance(f) for f in (one_start, provision, funding, cofinancing,
                                             fiscal_space, envelope, concentration, shortfall)},
    "tiny": lambda: load_instance(ROOT / "instances" / "tiny"),
    **FISCAL_CASES,  # the fiscal rules' families (tests/golden_fiscal.py)
    **STRUCTURE_CASES,  # groups and prerequisites (tests/golden_structure.py)
}
"""Golden case -> its instance; a family's case carries the family's name."""


def _write(form: Formulation, names: tuple[np.ndarray, np.ndarray]) -> str:
    """The LP text HiGHS writes for ``form`` with these column and row names."""
    lp = to_highs_lp(form)
    lp.col_names_, lp.row_names_ = names[0].tolist(), names[1].tolist()
    h = new_highs()
    h.passModel(lp)
    with tempfile.TemporaryDirectory() as tmp:
        return write_highs_model(h, Path(tmp) / "model.lp", "lp").read_text()


def family_lp(instance: Instance, family: str | None) -> str:
    """The LP of one family's rows (``None``: the whole model), as ``srsopt export`` names it."""
    index = build_index(instance)
    form = build_formulation(index, instance.settings.objective)
    ids = lp_ids(instance)
    cols, rows = column_names(index, form, ids), row_names(index, form, ids)
    if family is None:
        return _write(form, (cols, rows))
    layout, c = form.layout, form.columns
    keep_rows = form.rows.get(family, slice(0, 0))
    if family == "concentration":  # the upper bound of the transfer columns
        keep = np.arange(layout.transfer0, layout.cofinancing0)
    else:
        keep = np.unique(form.matrix[keep_rows].nonzero()[1])
    sub = Formulation(
        layout=layout,
        columns=Columns(lower=c.lower[keep], upper=c.upper[keep], cost=np.zeros(len(keep)),
                        integer=c.integer[keep], offset=0.0),
        matrix=form.matrix[keep_rows][:, keep].tocsc(),
        row_lower=form.row_lower[keep_rows], row_upper=form.row_upper[keep_rows],
        rows={family: slice(0, len(form.row_lower[keep_rows]))})
    return _write(sub, (cols[keep], rows[keep_rows]))


def golden_text(case: str) -> str:
    """The freshly exported LP of a golden case."""
    return family_lp(CASES[case](), None if case == "tiny" else case)


def regenerate() -> list[Path]:
    """Rewrite every golden file from the current formulation."""
    GOLDEN.mkdir(exist_ok=True)
    written = []
    for case in CASES:
        path = GOLDEN / f"{case}.lp"
        path.write_text(golden_text(case))
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Golden LP files of tests/test_golden.py.")
    parser.add_argument("--regenerate", action="store_true",
                        help="rewrite tests/golden/*.lp from the current formulation")
    if parser.parse_args().regenerate:
        for path in regenerate():
            print(f"wrote {path.relative_to(ROOT)}")
    else:
        parser.print_help()
